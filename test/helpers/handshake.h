/*
 * The ready/go handshake and small helpers shared by the test and benchmark
 * programs (workload.c, syscalls80.c, bench/sysbench.c). The includer
 * defines `static const char *prog` first.
 *
 * handshake(): write "ready <pid>\n" to stdout with write(2), then block in
 * read(0) until the harness sends one byte, so it can start recording this
 * process (or its mount namespace) before the interesting calls. EOF before
 * the byte: exit 1.
 */
#ifndef STRACEBACK_TEST_HANDSHAKE_H
#define STRACEBACK_TEST_HANDSHAKE_H

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

static void die(const char *what)
{
    fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(errno));
    exit(1);
}

static __attribute__((unused)) void write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        long r = syscall(SYS_write, fd, buf, len);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            die("write");
        }
        buf += r;
        len -= (size_t)r;
    }
}

static void handshake(void)
{
    char line[40];
    char c;
    long r;
    int n = snprintf(line, sizeof(line), "ready %ld\n", syscall(SYS_getpid));

    write_all(1, line, (size_t)n);
    for (;;) {
        r = syscall(SYS_read, 0, &c, 1);
        if (r == 1)
            return;
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0) {
            fprintf(stderr, "%s: stdin closed before the go byte\n", prog);
            exit(1);
        }
        die("read go byte");
    }
}

/* A mount namespace of its own, with mounts kept from propagating back. */
static void do_unshare(void)
{
    if (unshare(CLONE_NEWNS) != 0)
        die("unshare(CLONE_NEWNS)");
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        die("mount / rprivate");
}

#endif
