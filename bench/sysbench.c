/*
 * sysbench: syscall microbenchmark for measuring straceback's per-call cost.
 *
 * Usage: sysbench [--unshare] [--wait] MODE ARGS...
 *   getppid N       N x syscall(SYS_getppid); prints
 *                   "getppid ns_per_call=<float>"
 *   pread N FILE    N x pread(fd, buf, 4096, 0) of FILE (kept in page cache by
 *                   one warm-up read); prints
 *                   "pread ns_per_call=<float> mib_per_s=<float>"
 *                   (mib_per_s counts the bytes pread actually returned).
 *   open N          N x openat(AT_FDCWD, OPEN_PATH, O_RDONLY), which fails with
 *                   ENOENT at its first component; prints "open ns_per_call=<float>"
 *                   (the cost of a call with a path argument).
 *
 *   --unshare  unshare(CLONE_NEWNS) and make "/" rprivate first.
 *   --wait     print "ready <pid>\n" (write(2)) and block until one byte
 *              arrives on stdin before the timed loop, so a harness can
 *              register the process / its mount namespace first.
 *
 * Only the loop is timed, with clock_gettime(CLOCK_MONOTONIC) on each side.
 * Bad usage: stderr, exit 2. Runtime failure: stderr, exit 1.
 * Built by `make -C test/helpers` into test/helpers/bin/sysbench.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const char *prog = "sysbench";

#include "handshake.h"

static void usage(const char *why)
{
    fprintf(stderr,
            "%s: %s\n"
            "usage: %s [--unshare] [--wait] MODE ARGS...\n"
            "  getppid N | pread N FILE | open N\n",
            prog, why, prog);
    exit(2);
}

static unsigned long long parse_count(const char *s)
{
    char *end = NULL;
    unsigned long long v;

    if (s == NULL || *s == '\0' || *s == '-' || *s == '+')
        usage("bad N");
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0')
        usage("bad N");
    if (v == 0)
        usage("N must be > 0");
    return v;
}

static double now_ns(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        die("clock_gettime");
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int bench_getppid(unsigned long long n)
{
    unsigned long long i;
    double t0, t1;

    t0 = now_ns();
    for (i = 0; i < n; i++)
        syscall(SYS_getppid);
    t1 = now_ns();
    printf("getppid ns_per_call=%.3f\n", (t1 - t0) / (double)n);
    return fflush(stdout) == 0 ? 0 : 1;
}

#define OPEN_PATH "/nonexistent-straceback-bench/etc/app/config.d/settings.json"

static int bench_open(unsigned long long n)
{
    unsigned long long i;
    double t0, t1;

    t0 = now_ns();
    for (i = 0; i < n; i++)
        if (syscall(SYS_openat, AT_FDCWD, OPEN_PATH, O_RDONLY) >= 0 || errno != ENOENT)
            die("openat " OPEN_PATH " did not fail with ENOENT");
    t1 = now_ns();
    printf("open ns_per_call=%.3f\n", (t1 - t0) / (double)n);
    return fflush(stdout) == 0 ? 0 : 1;
}

static int bench_pread(unsigned long long n, int fd)
{
    static char buf[4096];
    unsigned long long i, bytes = 0;
    double t0, t1, secs;
    ssize_t r;

    t0 = now_ns();
    for (i = 0; i < n; i++) {
        r = pread(fd, buf, sizeof buf, 0);
        if (r < 0)
            die("pread");
        bytes += (unsigned long long)r;
    }
    t1 = now_ns();
    secs = (t1 - t0) / 1e9;
    printf("pread ns_per_call=%.3f mib_per_s=%.3f\n", (t1 - t0) / (double)n,
           secs > 0 ? ((double)bytes / (1024.0 * 1024.0)) / secs : 0.0);
    return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    int i = 1, unshare_ns = 0, wait_go = 0, fd = -1;
    unsigned long long n;
    const char *mode;

    for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
        if (strcmp(argv[i], "--unshare") == 0)
            unshare_ns = 1;
        else if (strcmp(argv[i], "--wait") == 0)
            wait_go = 1;
        else
            usage("unknown option");
    }
    if (i >= argc)
        usage("missing MODE");
    mode = argv[i++];
    if (strcmp(mode, "getppid") == 0 || strcmp(mode, "open") == 0) {
        if (argc - i != 1)
            usage(strcmp(mode, "open") == 0 ? "open takes N" : "getppid takes N");
        n = parse_count(argv[i]);
    } else if (strcmp(mode, "pread") == 0) {
        static char warm[4096];
        if (argc - i != 2)
            usage("pread takes N FILE");
        n = parse_count(argv[i]);
        fd = open(argv[i + 1], O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            die(argv[i + 1]);
        if (pread(fd, warm, sizeof warm, 0) < 0) /* pull it into the page cache */
            die("pread warm-up");
    } else {
        usage("unknown MODE");
        return 2;
    }

    if (unshare_ns)
        do_unshare();
    if (wait_go)
        handshake();

    if (strcmp(mode, "open") == 0)
        return bench_open(n);
    if (fd < 0)
        return bench_getppid(n);
    return bench_pread(n, fd);
}
