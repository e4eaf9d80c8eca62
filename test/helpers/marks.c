/*
 * marks: tasks that exist before their mount namespace is registered, and
 * tasks that move into and out of a registered namespace, for the tests of
 * the kernel side's task marks (which tasks the syscall programs record).
 *
 * Usage: marks [--unshare] MODE ARGS...
 *
 *   --unshare   a mount namespace of its own first (handshake.h do_unshare).
 *
 * Then the handshake as in workload.c: "ready <pid>\n" on stdout, then one
 * byte on stdin before the calls of interest.
 *
 * Modes:
 *   threads N   before the handshake, starts N threads and forks one child
 *               process, all blocked; after the go byte each of them and
 *               the main thread calls gettid() once, then they end. Prints
 *               "tids T1 T2 ...", main thread first, then the threads, then
 *               the child, and exits 0.
 *   move PID    after the go byte: setns into PID's mount namespace, then
 *               getpid(), then unshare(CLONE_NEWNS) (a namespace of its own
 *               again), then getppid(), then setns back into the namespace
 *               it started in, then gettid(); exit 0.
 *
 * Every call of interest is a raw syscall(2). Bad usage: exit 2.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/wait.h>

static const char *prog = "marks";

#include "handshake.h"

#define MAX_THREADS 64

static uint32_t go_word;
static long thread_tids[MAX_THREADS];

static void usage(const char *why)
{
    fprintf(stderr, "%s: %s\nusage: %s [--unshare] threads N | move PID\n", prog, why, prog);
    exit(2);
}

static long parse_long(const char *s, long min, long max)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);

    if (!end || *end || v < min || v > max)
        usage("bad number");
    return v;
}

static void wait_go(void)
{
    while (__atomic_load_n(&go_word, __ATOMIC_ACQUIRE) == 0)
        syscall(SYS_futex, &go_word, FUTEX_WAIT, 0, NULL, NULL, 0);
}

static void *thread_main(void *arg)
{
    long i = (long)arg;

    wait_go();
    thread_tids[i] = syscall(SYS_gettid);
    return NULL;
}

static void do_threads(long n)
{
    pthread_t th[MAX_THREADS];
    int gate[2], status;
    char c = 0;
    pid_t child;
    long i, main_tid;

    for (i = 0; i < n; i++)
        if (pthread_create(&th[i], NULL, thread_main, (void *)i) != 0)
            die("pthread_create");
    if (pipe(gate) != 0)
        die("pipe");
    child = fork();
    if (child < 0)
        die("fork");
    if (child == 0) {
        if (read(gate[0], &c, 1) != 1)
            _exit(1);
        syscall(SYS_gettid);
        _exit(0);
    }
    handshake();
    __atomic_store_n(&go_word, 1, __ATOMIC_RELEASE);
    syscall(SYS_futex, &go_word, FUTEX_WAKE, MAX_THREADS, NULL, NULL, 0);
    write_all(gate[1], &c, 1);
    main_tid = syscall(SYS_gettid);
    for (i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        die("child");
    printf("tids %ld", main_tid);
    for (i = 0; i < n; i++)
        printf(" %ld", thread_tids[i]);
    printf(" %ld\n", (long)child);
}

static void do_move(long pid)
{
    char path[64];
    int fd, home;

    snprintf(path, sizeof(path), "/proc/%ld/ns/mnt", pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        die(path);
    home = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
    if (home < 0)
        die("/proc/self/ns/mnt");
    handshake();
    if (syscall(SYS_setns, fd, CLONE_NEWNS) != 0)
        die("setns");
    syscall(SYS_getpid);
    if (syscall(SYS_unshare, CLONE_NEWNS) != 0)
        die("unshare");
    syscall(SYS_getppid);
    if (syscall(SYS_setns, home, CLONE_NEWNS) != 0)
        die("setns home");
    syscall(SYS_gettid);
}

int main(int argc, char **argv)
{
    int i = 1;
    const char *mode;

    if (i < argc && strcmp(argv[i], "--unshare") == 0) {
        do_unshare();
        i++;
    }
    if (i >= argc)
        usage("no mode");
    mode = argv[i++];
    if (argc - i != 1)
        usage("one argument expected");
    if (strcmp(mode, "threads") == 0)
        do_threads(parse_long(argv[i], 1, MAX_THREADS));
    else if (strcmp(mode, "move") == 0)
        do_move(parse_long(argv[i], 1, 1L << 22));
    else
        usage("unknown mode");
    fflush(stdout);
    return 0;
}
