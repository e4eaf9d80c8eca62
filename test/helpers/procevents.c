/*
 * procevents: processes that end, get signals and are refused capabilities,
 * for the tests of straceback's process events (signals, exits, denied
 * capabilities).
 *
 * Usage: procevents [--unshare | --now] MODE ARGS...
 *
 *   --unshare   a mount namespace of its own first (handshake.h do_unshare).
 *   --now       no handshake: MODE runs at once (in a container, where the
 *               harness registers the container before its process starts).
 *
 * Otherwise the handshake as in workload.c: "ready <pid>\n" on stdout, then
 * one byte on stdin before MODE runs.
 *
 * The Makefile also builds procevents-static, the same program linked
 * statically, to be copied into a busybox container's rootfs.
 *
 * Modes:
 *   segv PATH      openat(AT_FDCWD, PATH, O_RDONLY), then a load from address
 *                  0: killed by SIGSEGV (SEGV_MAPERR, si_addr 0). The process
 *                  is made non-dumpable first so no core is written whatever
 *                  the host's core_pattern says.
 *   exit N         exit_group(N).
 *   thread N       starts a thread that calls getpid() and ends with a raw
 *                  exit(N) (so only that thread ends, with status N); the main
 *                  thread joins it by waiting on the cleared tid, then
 *                  exit_group(0).
 *   usr1           SIGUSR1 handler installed, then kill(getpid(), SIGUSR1):
 *                  the handler runs (it calls getppid), then exit_group(0).
 *   capdrop        drops CAP_SYS_ADMIN from its effective set (capset), then
 *                  sethostname("straceback", 10) and
 *                  mount("none", "/tmp", "tmpfs", 0, NULL), both failing
 *                  with EPERM; exit_group(0).
 *
 * Every call of interest is a raw syscall(2). Bad usage: exit 2.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>

static const char *prog = "procevents";

#include "handshake.h"

static void usage(const char *why)
{
    fprintf(stderr, "%s: %s\nusage: %s [--unshare | --now] segv PATH | exit N | thread N | usr1 | capdrop\n", prog, why, prog);
    exit(2);
}

static int parse_status(const char *s)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);

    if (!*s || *end || v < 0 || v > 255)
        usage("bad N");
    return (int)v;
}

static void do_segv(const char *path)
{
    volatile int *nowhere = (volatile int *)(uintptr_t)0;

    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    syscall(SYS_openat, AT_FDCWD, path, O_RDONLY);
    (void)*nowhere;
}

/* The thread of mode "thread": its status comes in through arg. */
static int thread_main(void *arg)
{
    syscall(SYS_getpid);
    syscall(SYS_exit, (int)(intptr_t)arg);
    return 0;
}

static void do_thread(int status)
{
    const size_t stack_size = 64 * 1024;
    /* CLONE_CHILD_CLEARTID zeroes this and wakes its futex when the thread is gone. */
    static volatile pid_t tid_word = 1;
    char *stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
                CLONE_CHILD_CLEARTID | CLONE_PARENT_SETTID;

    if (stack == MAP_FAILED)
        die("mmap");
    if (clone(thread_main, stack + stack_size, flags, (void *)(intptr_t)status, &tid_word, NULL, &tid_word) < 0)
        die("clone");
    for (;;) {
        pid_t t = tid_word;

        if (t == 0)
            break;
        syscall(SYS_futex, &tid_word, FUTEX_WAIT, t, NULL, NULL, 0);
    }
}

static void on_usr1(int sig)
{
    (void)sig;
    syscall(SYS_getppid);
}

static void do_usr1(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    if (sigaction(SIGUSR1, &sa, NULL) != 0)
        die("sigaction");
    syscall(SYS_kill, syscall(SYS_getpid), SIGUSR1);
}

static void do_capdrop(void)
{
    struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    struct __user_cap_data_struct data[2];

    if (syscall(SYS_capget, &hdr, data) != 0)
        die("capget");
    data[CAP_SYS_ADMIN / 32].effective &= ~(1U << (CAP_SYS_ADMIN % 32));
    if (syscall(SYS_capset, &hdr, data) != 0)
        die("capset");
    syscall(SYS_sethostname, "straceback", 10);
    syscall(SYS_mount, "none", "/tmp", "tmpfs", 0, NULL);
}

int main(int argc, char **argv)
{
    int i = 1, unshare_ns = 0, now = 0;
    const char *mode;

    if (i < argc && strcmp(argv[i], "--unshare") == 0) {
        unshare_ns = 1;
        i++;
    } else if (i < argc && strcmp(argv[i], "--now") == 0) {
        now = 1;
        i++;
    }
    if (i >= argc)
        usage("no mode");
    mode = argv[i++];
    if (strcmp(mode, "segv") == 0 || strcmp(mode, "exit") == 0 || strcmp(mode, "thread") == 0) {
        if (argc - i != 1)
            usage("one argument expected");
    } else if (strcmp(mode, "usr1") == 0 || strcmp(mode, "capdrop") == 0) {
        if (argc - i != 0)
            usage("no argument expected");
    } else {
        usage("unknown mode");
    }
    if (unshare_ns)
        do_unshare();
    if (!now)
        handshake();

    if (strcmp(mode, "segv") == 0) {
        do_segv(argv[i]);
        return 1;
    }
    if (strcmp(mode, "exit") == 0)
        syscall(SYS_exit_group, parse_status(argv[i]));
    else if (strcmp(mode, "thread") == 0)
        do_thread(parse_status(argv[i]));
    else if (strcmp(mode, "usr1") == 0)
        do_usr1();
    else
        do_capdrop();
    syscall(SYS_exit_group, 0);
    return 0;
}
