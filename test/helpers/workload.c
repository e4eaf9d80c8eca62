/*
 * workload: a tiny, predictable syscall generator for straceback's tests.
 *
 * Usage: workload [--unshare] MODE ARGS...
 *
 *   --unshare       unshare(CLONE_NEWNS) and make "/" rprivate first, so the
 *                   process lives in a mount namespace of its own.
 *
 * Handshake (always): after the optional unshare the program writes exactly
 * one line "ready <pid>\n" to stdout with write(2), then blocks in
 * read(0, &c, 1) until the harness writes one byte on its stdin (EOF or an
 * error there aborts with exit 1 and MODE never runs). This lets the harness
 * start recording the pid / mount namespace before MODE makes its calls.
 *
 * Modes (every call is a raw syscall(2), so libc adds or changes nothing):
 *   sequence PATH N  openat(AT_FDCWD, PATH, O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC,
 *                    0600); write(fd, "hello straceback\n", 17); close(fd);
 *                    openat(AT_FDCWD, "/nonexistent/straceback", O_RDONLY)
 *                    (fails, ENOENT); N x getpid(); unlinkat(AT_FDCWD, PATH, 0);
 *                    write(1, "done\n", 5); exit 0.
 *   getpid N         N x getpid(); exit 0.
 *   counter N        openat /dev/null O_WRONLY, then for i in 0..N-1 write the
 *                    decimal i plus '\n' to it (formatting makes no syscall).
 *                    N = 0 loops forever (until killed). exit 0.
 *   sleep MS         nanosleep MS milliseconds; exit 0.
 *   ticker MS        openat /dev/null O_WRONLY, then forever: write the
 *                    decimal i plus '\n' (i = 0, 1, ...), nanosleep MS ms.
 *                    A steady, light load for many processes at once.
 *   environ N        execve("/nonexistent/straceback", ["true"], envp) with N
 *                    variables "V0=x".."V<N-1>=x" (fails, ENOENT); exit 0.
 *   coldpath FILE    the path FILE holds (NUL-terminated), read from pages not
 *                    yet touched: mmap FILE, openat(AT_FDCWD, map, O_RDONLY);
 *                    mmap it again, execve(map, NULL, NULL); both must fail
 *                    with ENOENT. Then openat(AT_FDCWD, (char *)8, O_RDONLY)
 *                    (EFAULT); exit 0.
 *   lengths N        pipe2(O_CLOEXEC), then for len in 0..N: write(wr, buf, len)
 *                    and read(rd, buf2, len) of the bytes (len * 7 + i * 31) & 0xff,
 *                    i = 0..len-1 (captures of every length, at entry and at
 *                    exit); exit 0.
 *   paths N          for len in 0..N: openat(AT_FDCWD, P, O_RDONLY) of the first
 *                    len bytes of "/nonexistent-straceback-xxx..." (closed if it
 *                    opens); N below 250; exit 0.
 *   nested FILE N    leaves its mount namespace for a new one of its own
 *                    (unshare(CLONE_NEWNS), "/" made rprivate), writes
 *                    "nested\n" on stdout, then waits (faccessat every ms)
 *                    until FILE exists. Then fork(): the child makes N x
 *                    getpid() and openat(AT_FDCWD, "/nonexistent/nested-child",
 *                    O_RDONLY) (ENOENT) and exits 0; the parent wait4()s for
 *                    it, makes N x getpid() and openat(AT_FDCWD,
 *                    "/nonexistent/nested-parent", O_RDONLY) (ENOENT); exit 0.
 *
 * Bad usage: message on stderr, exit 2. A failing call that should not fail:
 * message on stderr, exit 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *prog = "workload";

#include "handshake.h"

static void usage(const char *why)
{
    fprintf(stderr,
            "%s: %s\n"
            "usage: %s [--unshare] MODE ARGS...\n"
            "  sequence PATH N | getpid N | counter N | sleep MS | ticker MS | environ N\n"
            "  coldpath FILE | lengths N | paths N | nested FILE N\n",
            prog, why, prog);
    exit(2);
}

/* Strict unsigned decimal parse; bad input is a usage error. */
static unsigned long long parse_count(const char *s, const char *name)
{
    char *end = NULL;
    unsigned long long v;

    if (s == NULL || *s == '\0' || *s == '-' || *s == '+')
        usage(name);
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0')
        usage(name);
    return v;
}

/* Format v in decimal followed by '\n' into buf (>= 21 bytes); no syscalls. */
static size_t fmt_line(char *buf, unsigned long long v)
{
    char tmp[24];
    size_t n = 0, i;

    do {
        tmp[n++] = (char)('0' + (v % 10));
        v /= 10;
    } while (v != 0);
    for (i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n++] = '\n';
    return n;
}

static int mode_sequence(const char *path, unsigned long long n)
{
    static const char msg[] = "hello straceback\n";
    unsigned long long i;
    long fd, r;

    fd = syscall(SYS_openat, AT_FDCWD, path,
                 O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        die("openat PATH");
    r = syscall(SYS_write, fd, msg, (size_t)17);
    if (r != 17)
        die("write PATH");
    if (syscall(SYS_close, fd) != 0)
        die("close PATH");
    r = syscall(SYS_openat, AT_FDCWD, "/nonexistent/straceback", O_RDONLY);
    if (r >= 0 || errno != ENOENT) {
        fprintf(stderr, "%s: openat /nonexistent/straceback did not fail with ENOENT\n", prog);
        return 1;
    }
    for (i = 0; i < n; i++)
        syscall(SYS_getpid);
    if (syscall(SYS_unlinkat, AT_FDCWD, path, 0) != 0)
        die("unlinkat PATH");
    write_all(1, "done\n", 5);
    return 0;
}

static void getpids(unsigned long long n)
{
    unsigned long long i;

    for (i = 0; i < n; i++)
        syscall(SYS_getpid);
}

static int mode_getpid(unsigned long long n)
{
    getpids(n);
    return 0;
}

/* openat("/dev/null", O_WRONLY): where counter and ticker write their numbers. */
static long open_null(void)
{
    long fd = syscall(SYS_openat, AT_FDCWD, "/dev/null", O_WRONLY);

    if (fd < 0)
        die("openat /dev/null");
    return fd;
}

static int mode_counter(unsigned long long n)
{
    char buf[32];
    unsigned long long i;
    size_t len;
    long fd = open_null();

    for (i = 0; n == 0 || i < n; i++) {
        len = fmt_line(buf, i);
        if (syscall(SYS_write, fd, buf, len) != (long)len)
            die("write /dev/null");
    }
    return 0;
}

static int mode_lengths(unsigned long long n)
{
    static unsigned char out[4096], in[4096];
    unsigned long long len, i;
    int p[2];

    if (syscall(SYS_pipe2, p, O_CLOEXEC) != 0)
        die("pipe2");
    for (len = 0; len <= n; len++) {
        for (i = 0; i < len; i++)
            out[i] = (unsigned char)((len * 7 + i * 31) & 0xff);
        if (syscall(SYS_write, p[1], out, len) != (long)len)
            die("write to the pipe");
        if (syscall(SYS_read, p[0], in, len) != (long)len)
            die("read from the pipe");
    }
    return 0;
}

static int mode_nested(const char *file, unsigned long long n)
{
    static const char line[] = "nested\n";
    struct timespec ms = {0, 1000000};
    long child;
    int status;

    do_unshare();
    write_all(1, line, sizeof(line) - 1);
    while (syscall(SYS_faccessat, AT_FDCWD, file, F_OK) != 0)
        syscall(SYS_nanosleep, &ms, NULL);
    child = syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
    if (child < 0)
        die("fork");
    if (child == 0) {
        getpids(n);
        if (syscall(SYS_openat, AT_FDCWD, "/nonexistent/nested-child", O_RDONLY) >= 0 || errno != ENOENT)
            _exit(1);
        syscall(SYS_exit_group, 0);
    }
    if (syscall(SYS_wait4, child, &status, 0, NULL) != child)
        die("wait4");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "%s: the nested child failed\n", prog);
        exit(1);
    }
    getpids(n);
    if (syscall(SYS_openat, AT_FDCWD, "/nonexistent/nested-parent", O_RDONLY) >= 0 || errno != ENOENT)
        die("openat of the nested parent's path");
    return 0;
}

static int mode_paths(unsigned long long n)
{
    static char path[256];
    static const char prefix[] = "/nonexistent-straceback-";
    unsigned long long len, i;
    long fd;

    for (len = 0; len <= n; len++) {
        for (i = 0; i < len; i++)
            path[i] = i < sizeof(prefix) - 1 ? prefix[i] : 'x';
        path[len] = '\0';
        fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY);
        if (fd >= 0)
            syscall(SYS_close, fd);
    }
    return 0;
}

static int mode_ticker(unsigned long long ms)
{
    struct timespec ts;
    char buf[32];
    unsigned long long i;
    size_t len;
    long fd = open_null();

    for (i = 0;; i++) {
        len = fmt_line(buf, i);
        if (syscall(SYS_write, fd, buf, len) != (long)len)
            die("write /dev/null");
        ts.tv_sec = (time_t)(ms / 1000);
        ts.tv_nsec = (long)((ms % 1000) * 1000000ULL);
        syscall(SYS_nanosleep, &ts, NULL);
    }
    return 0;
}

static int mode_sleep(unsigned long long ms)
{
    struct timespec ts, rem;

    ts.tv_sec = (time_t)(ms / 1000);
    ts.tv_nsec = (long)((ms % 1000) * 1000000ULL);
    while (syscall(SYS_nanosleep, &ts, &rem) != 0) {
        if (errno != EINTR)
            die("nanosleep");
        ts = rem;
    }
    return 0;
}

static int mode_environ(unsigned long long n)
{
    static char *const argv[] = { "true", NULL };
    char **envp = calloc(n + 1, sizeof(char *));
    unsigned long long i;

    if (!envp)
        die("calloc");
    for (i = 0; i < n; i++) {
        envp[i] = malloc(24);
        if (!envp[i])
            die("malloc");
        snprintf(envp[i], 24, "V%llu=x", i);
    }
    if (syscall(SYS_execve, "/nonexistent/straceback", argv, envp) == 0 || errno != ENOENT)
        die("execve /nonexistent/straceback");
    return 0;
}

/* FILE mapped and left untouched: no page of it is in the page tables yet. */
static const char *map_cold(const char *file)
{
    long fd = syscall(SYS_openat, AT_FDCWD, file, O_RDONLY);
    void *p;

    if (fd < 0)
        die("openat FILE");
    p = (void *)syscall(SYS_mmap, NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        die("mmap FILE");
    syscall(SYS_close, fd);
    return p;
}

static int mode_coldpath(const char *file)
{
    const char *cold = map_cold(file);

    if (syscall(SYS_openat, AT_FDCWD, cold, O_RDONLY) >= 0 || errno != ENOENT)
        die("openat of the cold path");
    cold = map_cold(file);
    if (syscall(SYS_execve, cold, NULL, NULL) >= 0 || errno != ENOENT)
        die("execve of the cold path");
    if (syscall(SYS_openat, AT_FDCWD, (const char *)8, O_RDONLY) >= 0 || errno != EFAULT)
        die("openat of address 8");
    return 0;
}

int main(int argc, char **argv)
{
    int i = 1, unshare_ns = 0, nargs;
    const char *mode;
    const char *path = NULL;
    unsigned long long n = 0;

    if (argc > 0 && argv[0] != NULL && argv[0][0] != '\0') {
        const char *slash = strrchr(argv[0], '/');
        prog = slash ? slash + 1 : argv[0];
    }
    if (i < argc && strcmp(argv[i], "--unshare") == 0) {
        unshare_ns = 1;
        i++;
    }
    if (i >= argc)
        usage("missing MODE");
    mode = argv[i++];
    nargs = argc - i;

    /* Validate everything before the handshake so bad usage never "readies". */
    if (strcmp(mode, "sequence") == 0) {
        if (nargs != 2)
            usage("sequence takes PATH N");
        path = argv[i];
        if (*path == '\0')
            usage("empty PATH");
        n = parse_count(argv[i + 1], "bad N");
    } else if (strcmp(mode, "getpid") == 0 || strcmp(mode, "counter") == 0 || strcmp(mode, "environ") == 0 ||
               strcmp(mode, "lengths") == 0 || strcmp(mode, "paths") == 0) {
        if (nargs != 1)
            usage("mode takes N");
        n = parse_count(argv[i], "bad N");
        if (strcmp(mode, "lengths") == 0 && n >= 4096)
            usage("lengths takes N below 4096");
        if (strcmp(mode, "paths") == 0 && n >= 250)
            usage("paths takes N below 250");
    } else if (strcmp(mode, "nested") == 0) {
        if (nargs != 2)
            usage("nested takes FILE N");
        path = argv[i];
        n = parse_count(argv[i + 1], "bad N");
    } else if (strcmp(mode, "coldpath") == 0) {
        if (nargs != 1)
            usage("coldpath takes FILE");
        path = argv[i];
    } else if (strcmp(mode, "sleep") == 0 || strcmp(mode, "ticker") == 0) {
        if (nargs != 1)
            usage("mode takes MS");
        n = parse_count(argv[i], "bad MS");
    } else {
        usage("unknown MODE");
    }

    if (unshare_ns)
        do_unshare();
    handshake();

    if (strcmp(mode, "sequence") == 0)
        return mode_sequence(path, n);
    if (strcmp(mode, "getpid") == 0)
        return mode_getpid(n);
    if (strcmp(mode, "counter") == 0)
        return mode_counter(n);
    if (strcmp(mode, "ticker") == 0)
        return mode_ticker(n);
    if (strcmp(mode, "environ") == 0)
        return mode_environ(n);
    if (strcmp(mode, "coldpath") == 0)
        return mode_coldpath(path);
    if (strcmp(mode, "lengths") == 0)
        return mode_lengths(n);
    if (strcmp(mode, "paths") == 0)
        return mode_paths(n);
    if (strcmp(mode, "nested") == 0)
        return mode_nested(path, n);
    return mode_sleep(n);
}
