/*
 * syscalls80: a deterministic workload that makes more than 80 different
 * system calls, for straceback's strace-compatibility test.
 *
 * Usage: syscalls80 [--unshare]
 *
 *   --unshare   unshare(CLONE_NEWNS) and make "/" rprivate first, so the
 *               process lives in a mount namespace of its own.
 *
 * Handshake (as test/helpers/workload.c): after the optional unshare the
 * program writes "ready <pid>\n" to stdout with write(2), then blocks in
 * read(0, &c, 1) until the harness writes one byte on its stdin (EOF or an
 * error there: exit 1, nothing else runs).
 *
 * Then it makes its calls, each as a raw syscall(2) so libc adds, drops or
 * changes nothing, in a fixed order: files in a directory /tmp/sb80-<pid>
 * it creates and removes again, pipes, eventfd/timerfd/inotify/epoll fds,
 * TCP and UDP over 127.0.0.1 and ::1, unix sockets (path and abstract), a
 * netlink socket, signal dispositions and masks, anonymous and file mappings,
 * brk, and children: one made by clone that exits with 7, one made by fork
 * that execs /bin/true, one made by clone3 that kills itself with SIGTERM;
 * with --unshare also mounts and unmounts of a tmpfs.
 * Also what strace reads behind pointers: socket options, msghdrs with
 * iovecs, addresses and passed fds, pollfd revents, clone3's pidfd.
 * Calls meant to fail fail with a fixed errno. It writes "done\n" on stdout
 * and exits 0; a call that should not fail but did: message on stderr,
 * exit 1. Bad usage: exit 2.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/futex.h>
#include <linux/netlink.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/sysinfo.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#endif
#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif
#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 1U
#endif

static const char *prog = "syscalls80";

#include "handshake.h"
static char dir[64];

/* A call that must succeed; returns its result. */
static long ok(long r, const char *what)
{
    if (r < 0)
        die(what);
    return r;
}

/* A call that must fail with errno e. */
static void fails(long r, int e, const char *what)
{
    if (r >= 0 || errno != e) {
        fprintf(stderr, "%s: %s: expected %s, got %ld (%s)\n", prog, what, strerror(e), r,
                r < 0 ? strerror(errno) : "success");
        exit(1);
    }
}

/* The kernel's struct sigaction on x86_64 and arm64. */
struct k_sigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
};

static void handler(int sig)
{
    (void)sig;
}

static void restorer(void)
{
}

#define SIGBIT(s) (1ULL << ((s) - 1))

/* openat2 and its struct open_how (a tail past it: E2BIG when not zero). */
static void openat2s(void)
{
    struct {
        struct open_how how;
        uint64_t tail;
    } h = {{O_RDONLY | O_CLOEXEC, 0, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS}, 0};
    long fd;

    fd = ok(syscall(SYS_openat2, AT_FDCWD, "a.txt", &h.how, sizeof(h.how)), "openat2");
    ok(syscall(SYS_close, fd), "close openat2");
    fails(syscall(SYS_openat2, AT_FDCWD, "/etc/hostname", &h.how, sizeof(h.how)), EXDEV, "openat2 RESOLVE_BENEATH");
    fails(syscall(SYS_openat2, AT_FDCWD, "a.txt", &h.how, 16), EINVAL, "openat2 small");
    h.tail = 5;
    fails(syscall(SYS_openat2, AT_FDCWD, "a.txt", &h, sizeof(h)), E2BIG, "openat2 E2BIG");
    h.tail = 0;
    h.how.flags = O_WRONLY | O_CREAT | O_EXCL;
    h.how.mode = 0640;
    h.how.resolve = RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
    fd = ok(syscall(SYS_openat2, AT_FDCWD, "o2.txt", &h, sizeof(h)), "openat2 O_CREAT");
    ok(syscall(SYS_close, fd), "close openat2 O_CREAT");
    ok(syscall(SYS_unlink, "o2.txt"), "unlink o2.txt");
}

static void files(void)
{
    static const char hello[] = "hello straceback\n";
    unsigned char bin[48];
    char buf[256];
    struct stat st;
    struct statx stx;
    struct iovec iov[3];
    struct statfs sfs;
    struct termios tio;
    long fd, fd2, dfd;
    int i;

    for (i = 0; i < 48; i++)
        bin[i] = (unsigned char)i;
    bin[40] = '"';
    bin[41] = '\\';
    bin[42] = 0x7f;
    bin[43] = 0xff;
    bin[44] = 0;
    bin[45] = '1';

    ok(syscall(SYS_getcwd, buf, sizeof(buf)), "getcwd");
    ok(syscall(SYS_mkdir, dir, 0755), "mkdir");
    ok(syscall(SYS_chdir, dir), "chdir");
    ok(syscall(SYS_getcwd, buf, sizeof(buf)), "getcwd");
    syscall(SYS_umask, 022);

    fd = ok(syscall(SYS_open, "a.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644), "open a.txt");
    ok(syscall(SYS_write, fd, hello, sizeof(hello) - 1), "write hello");
    ok(syscall(SYS_write, fd, bin, sizeof(bin)), "write bin");
    ok(syscall(SYS_write, fd, bin + 44, 2), "write \\0 1");
    iov[0].iov_base = (void *)hello;
    iov[0].iov_len = 6;
    iov[1].iov_base = bin + 40;
    iov[1].iov_len = 6;
    iov[2].iov_base = NULL;
    iov[2].iov_len = 0;
    ok(syscall(SYS_writev, fd, iov, 3), "writev");
    ok(syscall(SYS_pwritev, fd, iov, 1, 300, 0), "pwritev");
    ok(syscall(SYS_pwrite64, fd, "XY", 2, 100), "pwrite64");
    ok(syscall(SYS_fsync, fd), "fsync");
    ok(syscall(SYS_fdatasync, fd), "fdatasync");
    ok(syscall(SYS_ftruncate, fd, 200), "ftruncate");
    ok(syscall(SYS_fstat, fd, &st), "fstat");
    /* user xattrs: whatever this file system answers, both tools see the same call */
    syscall(SYS_fsetxattr, fd, "user.sb80", "value", 5, XATTR_CREATE);
    syscall(SYS_fgetxattr, fd, "user.sb80", buf, sizeof(buf));
    syscall(SYS_getxattr, "a.txt", "user.sb80", NULL, 0);
    syscall(SYS_lgetxattr, "a.txt", "user.none", buf, sizeof(buf));
    syscall(SYS_lsetxattr, "a.txt", "user.sb80", "v2", 2, XATTR_REPLACE);
    ok(syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx), "statx fd");
    ok(syscall(SYS_statx, AT_FDCWD, "/", 0, STATX_ALL, &stx), "statx /");
    ok(syscall(SYS_statx, AT_FDCWD, "/dev/null", AT_SYMLINK_NOFOLLOW, STATX_TYPE, &stx), "statx /dev/null");
    fails(syscall(SYS_statx, AT_FDCWD, "/nonexistent/sb80", 0, STATX_ALL, &stx), ENOENT, "statx ENOENT");
    ok(syscall(SYS_fstatfs, fd, &sfs), "fstatfs");
    ok(syscall(SYS_statfs, "/proc", &sfs), "statfs /proc");
    fails(syscall(SYS_statfs, "/nonexistent/sb80", &sfs), ENOENT, "statfs ENOENT");
    ok(syscall(SYS_fchmod, fd, 0640), "fchmod");
    ok(syscall(SYS_fchown, fd, 0, 0), "fchown");
    ok(syscall(SYS_fallocate, fd, 0, 0, 4096), "fallocate");
    ok(syscall(SYS_close, fd), "close");

    fd = ok(syscall(SYS_openat, AT_FDCWD, "a.txt", O_RDONLY | O_CLOEXEC), "openat a.txt");
    ok(syscall(SYS_read, fd, buf, 64), "read 64");
    ok(syscall(SYS_read, fd, buf, 8), "read 8");
    ok(syscall(SYS_lseek, fd, 0, SEEK_SET), "lseek SET");
    ok(syscall(SYS_lseek, fd, 10, SEEK_CUR), "lseek CUR");
    ok(syscall(SYS_pread64, fd, buf, 16, 17), "pread64");
    iov[0].iov_base = buf;
    iov[0].iov_len = 5;
    iov[1].iov_base = buf + 5;
    iov[1].iov_len = 100;
    ok(syscall(SYS_preadv, fd, iov, 2, 0, 0), "preadv");
    ok(syscall(SYS_readv, fd, iov, 2), "readv");
    fails(syscall(SYS_readv, 999, iov, 2), EBADF, "readv EBADF");
    ok(syscall(SYS_lseek, fd, 0, SEEK_END), "lseek END");
    ok(syscall(SYS_read, fd, buf, 64), "read at EOF");
    fails(syscall(SYS_read, 999, buf, 10), EBADF, "read bad fd");
    fails(syscall(SYS_write, fd, "x", 1), EBADF, "write to O_RDONLY");
    ok(syscall(SYS_fadvise64, fd, 0, 0, POSIX_FADV_SEQUENTIAL), "fadvise64");
    fails(syscall(SYS_ioctl, fd, TCGETS, &tio), ENOTTY, "ioctl TCGETS");
    ok(syscall(SYS_ioctl, fd, FIOCLEX), "ioctl FIOCLEX");
    ok(syscall(SYS_ioctl, fd, FIONCLEX), "ioctl FIONCLEX");

    ok(syscall(SYS_fcntl, fd, F_GETFD), "F_GETFD");
    ok(syscall(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC), "F_SETFD");
    ok(syscall(SYS_fcntl, fd, F_GETFD), "F_GETFD");
    ok(syscall(SYS_fcntl, fd, F_GETFL), "F_GETFL");
    ok(syscall(SYS_fcntl, fd, F_SETFL, O_NONBLOCK | O_APPEND), "F_SETFL");
    ok(syscall(SYS_fcntl, fd, F_GETFL), "F_GETFL");
    fd2 = ok(syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 30), "F_DUPFD_CLOEXEC");
    ok(syscall(SYS_close, fd2), "close");
    fd2 = ok(syscall(SYS_dup, fd), "dup");
    ok(syscall(SYS_close, fd2), "close");
    ok(syscall(SYS_dup2, fd, 20), "dup2");
    ok(syscall(SYS_dup3, fd, 21, O_CLOEXEC), "dup3");
    ok(syscall(SYS_close_range, 20, 21, 0), "close_range");
    fails(syscall(SYS_close, 20), EBADF, "close closed fd");
    ok(syscall(SYS_flock, fd, LOCK_EX | LOCK_NB), "flock");
    ok(syscall(SYS_flock, fd, LOCK_UN), "flock");
    ok(syscall(SYS_syncfs, fd), "syncfs");
    ok(syscall(SYS_close, fd), "close");

    ok(syscall(SYS_stat, "a.txt", &st), "stat");
    ok(syscall(SYS_lstat, "a.txt", &st), "lstat");
    ok(syscall(SYS_newfstatat, AT_FDCWD, "a.txt", &st, AT_SYMLINK_NOFOLLOW), "newfstatat");
    fails(syscall(SYS_newfstatat, AT_FDCWD, "missing", &st, 0), ENOENT, "newfstatat missing");
    ok(syscall(SYS_stat, "/dev/null", &st), "stat /dev/null");
    ok(syscall(SYS_stat, ".", &st), "stat .");
    ok(syscall(SYS_access, "a.txt", R_OK | W_OK), "access");
    fails(syscall(SYS_access, "missing", F_OK), ENOENT, "access missing");
    fails(syscall(SYS_faccessat, AT_FDCWD, "a.txt", X_OK), EACCES, "faccessat X_OK");
    ok(syscall(SYS_faccessat2, AT_FDCWD, "a.txt", R_OK, AT_EACCESS), "faccessat2");
    ok(syscall(SYS_truncate, "a.txt", 50), "truncate");
    ok(syscall(SYS_chmod, "a.txt", 0600), "chmod");
    ok(syscall(SYS_fchmodat, AT_FDCWD, "a.txt", 04755), "fchmodat");
    ok(syscall(SYS_chown, "a.txt", 0, 0), "chown");
    ok(syscall(SYS_fchownat, AT_FDCWD, "a.txt", -1, 0, AT_SYMLINK_NOFOLLOW), "fchownat");
    ok(syscall(SYS_utimensat, AT_FDCWD, "a.txt", NULL, 0), "utimensat");

    ok(syscall(SYS_rename, "a.txt", "b.txt"), "rename");
    ok(syscall(SYS_renameat, AT_FDCWD, "b.txt", AT_FDCWD, "c.txt"), "renameat");
    ok(syscall(SYS_renameat2, AT_FDCWD, "c.txt", AT_FDCWD, "a.txt", RENAME_NOREPLACE), "renameat2");
    ok(syscall(SYS_link, "a.txt", "hard"), "link");
    ok(syscall(SYS_linkat, AT_FDCWD, "hard", AT_FDCWD, "hard2", 0), "linkat");
    fails(syscall(SYS_link, "a.txt", "hard"), EEXIST, "link exists");
    ok(syscall(SYS_symlink, "a.txt", "sym"), "symlink");
    ok(syscall(SYS_symlinkat, "/very/long/target/name/that/goes/past/thirty-two", AT_FDCWD, "sym2"), "symlinkat");
    ok(syscall(SYS_readlink, "sym", buf, sizeof(buf)), "readlink");
    ok(syscall(SYS_readlinkat, AT_FDCWD, "sym2", buf, sizeof(buf)), "readlinkat");
    fails(syscall(SYS_readlink, "a.txt", buf, sizeof(buf)), EINVAL, "readlink non-link");
    ok(syscall(SYS_lchown, "sym", 0, 0), "lchown");
    ok(syscall(SYS_mknod, "fifo", S_IFIFO | 0600, 0), "mknod");
    ok(syscall(SYS_mknodat, AT_FDCWD, "fifo2", S_IFIFO | 0644, 0), "mknodat");
    ok(syscall(SYS_lstat, "fifo", &st), "lstat fifo");
    ok(syscall(SYS_lstat, "sym", &st), "lstat sym");
    ok(syscall(SYS_mkdirat, AT_FDCWD, "sub", 0700), "mkdirat");
    dfd = ok(syscall(SYS_open, "sub", O_RDONLY | O_DIRECTORY | O_CLOEXEC), "open sub");
    ok(syscall(SYS_fchdir, dfd), "fchdir");
    fd = ok(syscall(SYS_creat, "d.txt", 0600), "creat");
    ok(syscall(SYS_close, fd), "close");
    {
        /* sub holds ., .. and d.txt: all three, then the end, then one entry (24 bytes) in a 40-byte buffer */
        static char dents[4096];

        ok(syscall(SYS_getdents64, dfd, dents, sizeof(dents)), "getdents64");
        ok(syscall(SYS_getdents64, dfd, dents, sizeof(dents)), "getdents64 at the end");
        ok(syscall(SYS_lseek, dfd, 0, SEEK_SET), "lseek dir");
        ok(syscall(SYS_getdents64, dfd, dents, 40), "getdents64 small");
        fails(syscall(SYS_getdents64, dfd, dents, 8), EINVAL, "getdents64 EINVAL");
        fails(syscall(SYS_getdents64, 99, dents, sizeof(dents)), EBADF, "getdents64 EBADF");
#ifdef SYS_getdents
        ok(syscall(SYS_lseek, dfd, 0, SEEK_SET), "lseek dir");
        ok(syscall(SYS_getdents, dfd, dents, sizeof(dents)), "getdents");
#endif
    }
    fd = ok(syscall(SYS_openat, dfd, "e.txt", O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, 0666), "openat dfd");
    ok(syscall(SYS_unlinkat, dfd, "e.txt", 0), "unlinkat dfd");
    ok(syscall(SYS_close, fd), "close");
    ok(syscall(SYS_unlink, "d.txt"), "unlink d.txt");
    ok(syscall(SYS_chdir, ".."), "chdir ..");
    ok(syscall(SYS_close, dfd), "close");
    fails(syscall(SYS_rmdir, "."), EINVAL, "rmdir .");
    ok(syscall(SYS_rmdir, "sub"), "rmdir");
    ok(syscall(SYS_mkdir, "sub2", 0711), "mkdir sub2");
    ok(syscall(SYS_unlinkat, AT_FDCWD, "sub2", AT_REMOVEDIR), "unlinkat AT_REMOVEDIR");
    fails(syscall(SYS_open, "missing/x", O_RDONLY), ENOENT, "open missing");
    fails(syscall(SYS_openat, AT_FDCWD, "a.txt", O_WRONLY | O_CREAT | O_EXCL, 0600), EEXIST, "openat O_EXCL");
    openat2s();
    ok(syscall(SYS_sync), "sync");
}

static void fds(void)
{
    struct epoll_event ev, evs[8];
    int p[2], q[2];
    char buf[64];
    long in, out, mfd, efd, tfd, ifd, wd, ep;

    ok(syscall(SYS_pipe, p), "pipe");
    ok(syscall(SYS_pipe2, q, O_CLOEXEC | O_NONBLOCK), "pipe2");
    ok(syscall(SYS_write, p[1], "through a pipe\n", 15), "write pipe");
    ok(syscall(SYS_read, p[0], buf, sizeof(buf)), "read pipe");
    fails(syscall(SYS_read, q[0], buf, sizeof(buf)), EAGAIN, "read empty pipe");
    ok(syscall(SYS_close, q[0]), "close");
    ok(syscall(SYS_close, q[1]), "close");

    in = ok(syscall(SYS_open, "a.txt", O_RDONLY), "open a.txt");
    mfd = ok(syscall(SYS_memfd_create, "sb80", MFD_CLOEXEC), "memfd_create");
    ok(syscall(SYS_sendfile, mfd, in, NULL, 5), "sendfile");
    ok(syscall(SYS_lseek, in, 0, SEEK_SET), "lseek");
    out = ok(syscall(SYS_openat, AT_FDCWD, "copy", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), "openat copy");
    ok(syscall(SYS_copy_file_range, in, NULL, out, NULL, 5, 0), "copy_file_range");
    ok(syscall(SYS_close, out), "close");
    ok(syscall(SYS_unlink, "copy"), "unlink copy");
    out = p[1];
    ok(syscall(SYS_close, mfd), "close");
    ok(syscall(SYS_close, in), "close");
    ok(syscall(SYS_close, out), "close");
    ok(syscall(SYS_read, p[0], buf, sizeof(buf)), "read EOF");
    ok(syscall(SYS_close, p[0]), "close");

    efd = ok(syscall(SYS_eventfd2, 3, EFD_CLOEXEC | EFD_NONBLOCK), "eventfd2");
    tfd = ok(syscall(SYS_timerfd_create, CLOCK_MONOTONIC, TFD_CLOEXEC), "timerfd_create");
    ifd = ok(syscall(SYS_inotify_init1, IN_CLOEXEC), "inotify_init1");
    wd = ok(syscall(SYS_inotify_add_watch, ifd, dir, IN_CREATE | IN_DELETE), "inotify_add_watch");
    ok(syscall(SYS_inotify_rm_watch, ifd, wd), "inotify_rm_watch");
    ep = ok(syscall(SYS_epoll_create1, EPOLL_CLOEXEC), "epoll_create1");
    /* the eventfd holds 3: readable and writable */
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN | EPOLLET;
    ev.data.u64 = 0x1234567890ULL;
    ok(syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, efd, &ev), "epoll_ctl ADD");
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLONESHOT;
    ev.data.fd = (int)efd;
    ok(syscall(SYS_epoll_ctl, ep, EPOLL_CTL_MOD, efd, &ev), "epoll_ctl MOD");
    fails(syscall(SYS_epoll_ctl, ep, EPOLL_CTL_DEL, tfd, NULL), ENOENT, "epoll_ctl DEL ENOENT");
    ok(syscall(SYS_epoll_wait, ep, evs, 8, 0), "epoll_wait 1");
    ok(syscall(SYS_epoll_wait, ep, evs, 8, 0), "epoll_wait 0 (one shot)");
    ok(syscall(SYS_epoll_pwait, ep, evs, 8, 0, NULL, 8), "epoll_pwait");
    fails(syscall(SYS_epoll_wait, ep, evs, 0, 0), EINVAL, "epoll_wait EINVAL");
    ok(syscall(SYS_close, ep), "close");
    ok(syscall(SYS_close, ifd), "close");
    ok(syscall(SYS_close, tfd), "close");
    ok(syscall(SYS_close, efd), "close");
}

static void network(void)
{
    struct sockaddr_in sin, peer;
    struct sockaddr_in6 sin6;
    struct sockaddr_un sun;
    struct sockaddr_nl snl;
    socklen_t len;
    char buf[64];
    int one = 1, sv[2];
    long s, c, a, u, u2, nl;
    struct iovec iov;
    struct msghdr mh;
    struct pollfd pfd;

    /* TCP over 127.0.0.1 */
    s = ok(syscall(SYS_socket, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP), "socket");
    ok(syscall(SYS_setsockopt, s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), "setsockopt");
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok(syscall(SYS_bind, s, &sin, sizeof(sin)), "bind");
    ok(syscall(SYS_listen, s, 8), "listen");
    len = sizeof(sin);
    ok(syscall(SYS_getsockname, s, &sin, &len), "getsockname");
    c = ok(syscall(SYS_socket, AF_INET, SOCK_STREAM, 0), "socket");
    ok(syscall(SYS_connect, c, &sin, sizeof(sin)), "connect");
    len = sizeof(peer);
    a = ok(syscall(SYS_accept4, s, &peer, &len, SOCK_CLOEXEC), "accept4");
    len = sizeof(peer);
    ok(syscall(SYS_getpeername, a, &peer, &len), "getpeername");
    ok(syscall(SYS_sendto, c, "ping", 4, MSG_NOSIGNAL, NULL, 0), "sendto");
    ok(syscall(SYS_recvfrom, a, buf, sizeof(buf), 0, NULL, NULL), "recvfrom");
    iov.iov_base = "pong";
    iov.iov_len = 4;
    memset(&mh, 0, sizeof(mh));
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    ok(syscall(SYS_sendmsg, a, &mh, 0), "sendmsg");
    iov.iov_base = buf;
    iov.iov_len = sizeof(buf);
    ok(syscall(SYS_recvmsg, c, &mh, 0), "recvmsg");
    pfd.fd = (int)c;
    pfd.events = POLLIN;
    ok(syscall(SYS_poll, &pfd, 1, 0), "poll");
    len = sizeof(one);
    ok(syscall(SYS_getsockopt, a, SOL_SOCKET, SO_TYPE, &one, &len), "getsockopt");
    ok(syscall(SYS_shutdown, c, SHUT_WR), "shutdown");
    ok(syscall(SYS_recvfrom, a, buf, sizeof(buf), MSG_DONTWAIT, NULL, NULL), "recvfrom EOF");
    fails(syscall(SYS_accept4, c, NULL, NULL, SOCK_NONBLOCK), EINVAL, "accept4 not listening");
    ok(syscall(SYS_close, a), "close");
    ok(syscall(SYS_close, c), "close");
    ok(syscall(SYS_close, s), "close");
    sin.sin_port = htons(1);
    c = ok(syscall(SYS_socket, AF_INET, SOCK_STREAM, IPPROTO_TCP), "socket");
    fails(syscall(SYS_connect, c, &sin, sizeof(sin)), ECONNREFUSED, "connect refused");
    ok(syscall(SYS_close, c), "close");

    /* UDP over 127.0.0.1, with addresses */
    s = ok(syscall(SYS_socket, AF_INET, SOCK_DGRAM, IPPROTO_UDP), "socket udp");
    sin.sin_port = 0;
    ok(syscall(SYS_bind, s, &sin, sizeof(sin)), "bind udp");
    len = sizeof(sin);
    ok(syscall(SYS_getsockname, s, &sin, &len), "getsockname udp");
    c = ok(syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0), "socket udp");
    ok(syscall(SYS_sendto, c, "datagram\0\1\2", 11, 0, &sin, sizeof(sin)), "sendto udp");
    len = sizeof(peer);
    ok(syscall(SYS_recvfrom, s, buf, sizeof(buf), 0, &peer, &len), "recvfrom udp");
    fails(syscall(SYS_recvfrom, s, buf, sizeof(buf), MSG_DONTWAIT, &peer, &len), EAGAIN, "recvfrom udp empty");
    ok(syscall(SYS_close, c), "close");
    ok(syscall(SYS_close, s), "close");

    /* UDP over ::1 */
    s = ok(syscall(SYS_socket, AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0), "socket6");
    memset(&sin6, 0, sizeof(sin6));
    sin6.sin6_family = AF_INET6;
    sin6.sin6_addr = in6addr_loopback;
    sin6.sin6_port = htons(0);
    ok(syscall(SYS_bind, s, &sin6, sizeof(sin6)), "bind6");
    len = sizeof(sin6);
    ok(syscall(SYS_getsockname, s, &sin6, &len), "getsockname6");
    ok(syscall(SYS_sendto, s, "6", 1, 0, &sin6, sizeof(sin6)), "sendto6");
    ok(syscall(SYS_recvfrom, s, buf, sizeof(buf), 0, NULL, NULL), "recvfrom6");
    ok(syscall(SYS_close, s), "close");

    /* unix stream sockets: a path and an abstract name */
    u = ok(syscall(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket unix");
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    strcpy(sun.sun_path, "sock");
    ok(syscall(SYS_bind, u, &sun, offsetof(struct sockaddr_un, sun_path) + 5), "bind unix");
    ok(syscall(SYS_listen, u, 1), "listen unix");
    c = ok(syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0), "socket unix");
    ok(syscall(SYS_connect, c, &sun, sizeof(sun)), "connect unix");
    a = ok(syscall(SYS_accept, u, NULL, NULL), "accept unix");
    ok(syscall(SYS_write, c, "over unix", 9), "write unix");
    ok(syscall(SYS_read, a, buf, sizeof(buf)), "read unix");
    ok(syscall(SYS_close, a), "close");
    ok(syscall(SYS_close, c), "close");
    ok(syscall(SYS_close, u), "close");
    ok(syscall(SYS_unlink, "sock"), "unlink sock");
    u2 = ok(syscall(SYS_socket, AF_UNIX, SOCK_DGRAM, 0), "socket unix dgram");
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    memcpy(sun.sun_path, "\0sb80-abstract", 14);
    ok(syscall(SYS_bind, u2, &sun, offsetof(struct sockaddr_un, sun_path) + 14), "bind abstract");
    ok(syscall(SYS_close, u2), "close");
    ok(syscall(SYS_socketpair, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), "socketpair");
    ok(syscall(SYS_close, sv[0]), "close");
    ok(syscall(SYS_close, sv[1]), "close");

    /* netlink */
    nl = ok(syscall(SYS_socket, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), "socket netlink");
    memset(&snl, 0, sizeof(snl));
    snl.nl_family = AF_NETLINK;
    ok(syscall(SYS_bind, nl, &snl, sizeof(snl)), "bind netlink");
    ok(syscall(SYS_close, nl), "close");
    fails(syscall(SYS_socket, 12345, SOCK_STREAM, 0), EAFNOSUPPORT, "socket bad family");
}

/*
 * Data strace reads behind pointers: socket option values and the lengths
 * written back, msghdrs with iovecs, addresses and passed fds, pollfd
 * revents, what clone3 writes back through clone_args, limits, random
 * bytes and an environment of many variables.
 */
static void behind_pointers(void)
{
    static char envbuf[100][8];
    static char *envp[101];
    static char *const argv[] = { "true", NULL };
    struct sockaddr_in sin, peer;
    struct sockaddr_storage from;
    struct sockaddr_un sun;
    struct linger lg = { 1, 5 };
    struct iovec iov[2];
    struct msghdr mh;
    struct cmsghdr *cm;
    struct pollfd pfd[3];
    struct rlimit64 rl;
    struct clone_args ca;
    struct timespec tmo = { 1, 0 };
    uint64_t mask = 1ULL << (SIGUSR1 - 1);
    char buf[64], small[8], cbuf[CMSG_SPACE(2 * sizeof(int))], rbuf[64];
    int one = 1, val, sv[2], fds[2], pidfd = -1, ptid = 0, status, i;
    long s, c, a, u, child;
    socklen_t len;

    /* socket options: set, read back, lengths changed and not */
    s = ok(syscall(SYS_socket, AF_INET, SOCK_STREAM, IPPROTO_TCP), "socket opts");
    ok(syscall(SYS_setsockopt, s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), "setsockopt SO_LINGER");
    ok(syscall(SYS_setsockopt, s, IPPROTO_TCP, 1 /* TCP_NODELAY */, &one, sizeof(one)), "setsockopt TCP_NODELAY");
    len = sizeof(buf);
    ok(syscall(SYS_getsockopt, s, SOL_SOCKET, SO_LINGER, buf, &len), "getsockopt SO_LINGER");
    len = sizeof(val);
    ok(syscall(SYS_getsockopt, s, SOL_SOCKET, SO_ERROR, &val, &len), "getsockopt SO_ERROR");
    len = sizeof(small);
    ok(syscall(SYS_getsockopt, s, SOL_SOCKET, SO_TYPE, small, &len), "getsockopt SO_TYPE 8");
    fails(syscall(SYS_getsockopt, s, SOL_SOCKET, 9999, buf, &len), ENOPROTOOPT, "getsockopt unknown");
    ok(syscall(SYS_close, s), "close");

    /* a unix datagram pair: poll, iovecs, fds passed, a recvmsg with nothing to read */
    ok(syscall(SYS_socketpair, AF_UNIX, SOCK_DGRAM, 0, sv), "socketpair dgram");
    len = sizeof(buf);
    ok(syscall(SYS_getsockopt, sv[1], SOL_SOCKET, SO_PEERCRED, buf, &len), "getsockopt SO_PEERCRED");
    pfd[0].fd = sv[1];
    pfd[0].events = POLLIN;
    pfd[1].fd = -1;
    pfd[1].events = POLLIN;
    pfd[2].fd = sv[0];
    pfd[2].events = POLLOUT;
    ok(syscall(SYS_poll, pfd, 3, 0), "poll writable");
    iov[0].iov_base = "hello";
    iov[0].iov_len = 5;
    iov[1].iov_base = "0123456789012345678901234567890123456789";
    iov[1].iov_len = 40;
    memset(&mh, 0, sizeof(mh));
    memset(cbuf, 0, sizeof(cbuf));
    mh.msg_iov = iov;
    mh.msg_iovlen = 2;
    mh.msg_control = cbuf;
    mh.msg_controllen = sizeof(cbuf);
    cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(2 * sizeof(int));
    fds[0] = 0;
    fds[1] = 1;
    memcpy(CMSG_DATA(cm), fds, sizeof(fds));
    ok(syscall(SYS_sendmsg, sv[0], &mh, 0), "sendmsg fds");
    ok(syscall(SYS_poll, pfd, 3, 0), "poll readable");
    ok(syscall(SYS_ppoll, pfd, 3, &tmo, &mask, sizeof(mask)), "ppoll readable");
    {
        /* select and pselect6 on the pair (sv[1] readable, both writable); nothing ready (pselect6 with a mask); none asked; a bad fd */
        fd_set rd, wr, ex;
        struct timeval tv0 = { 0, 0 };
        struct timespec ts0 = { 0, 0 };
        /* pselect6's sixth argument: the mask to run with and its size. */
        struct { const uint64_t *ss; size_t len; } sig = { &mask, sizeof(mask) }, nosig = { NULL, sizeof(mask) };
        int n = (sv[0] > sv[1] ? sv[0] : sv[1]) + 1, round;

        for (round = 0; round < 2; round++) {
            FD_ZERO(&rd);
            FD_ZERO(&wr);
            FD_ZERO(&ex);
            FD_SET(sv[0], &rd);
            FD_SET(sv[1], &rd);
            FD_SET(sv[0], &wr);
            FD_SET(sv[1], &ex);
#ifdef SYS_select
            if (round == 0) {
                ok(syscall(SYS_select, n, &rd, &wr, &ex, &tv0), "select ready");
                continue;
            }
#endif
            ok(syscall(SYS_pselect6, n, &rd, &wr, &ex, &ts0, NULL), "pselect6 ready");
        }
        FD_ZERO(&rd);
        FD_SET(sv[0], &rd);
#ifdef SYS_select
        ok(syscall(SYS_select, n, &rd, NULL, NULL, &tv0), "select timeout");
        ok(syscall(SYS_select, 0, NULL, NULL, NULL, &tv0), "select nothing");
#endif
        ok(syscall(SYS_pselect6, n, &rd, NULL, NULL, &ts0, &sig), "pselect6 timeout");
        FD_ZERO(&rd);
        FD_SET(sv[1], &rd);
        ok(syscall(SYS_pselect6, n, &rd, NULL, NULL, NULL, &nosig), "pselect6 no timeout");
        /*
         * The kernel cuts nfds down to the size of the fd table (64 fds until
         * a descriptor above 63 is opened), so a closed fd past it is never
         * looked at: 0 (timeout), not EBADF. 60 is closed and always inside.
         */
        FD_ZERO(&rd);
        FD_SET(60, &rd);
        fails(syscall(SYS_pselect6, 61, &rd, NULL, NULL, &ts0, NULL), EBADF, "pselect6 EBADF");
    }
    iov[0].iov_base = small;
    iov[0].iov_len = sizeof(small);
    iov[1].iov_base = buf;
    iov[1].iov_len = sizeof(buf);
    mh.msg_control = rbuf;
    mh.msg_controllen = sizeof(rbuf);
    ok(syscall(SYS_recvmsg, sv[1], &mh, MSG_CMSG_CLOEXEC), "recvmsg fds");
    cm = CMSG_FIRSTHDR(&mh);
    if (cm && cm->cmsg_type == SCM_RIGHTS) {
        memcpy(fds, CMSG_DATA(cm), sizeof(fds));
        ok(syscall(SYS_close, fds[0]), "close");
        ok(syscall(SYS_close, fds[1]), "close");
    }
    mh.msg_control = NULL;
    mh.msg_controllen = 0;
    fails(syscall(SYS_recvmsg, sv[1], &mh, MSG_DONTWAIT), EAGAIN, "recvmsg empty");
    ok(syscall(SYS_close, sv[0]), "close");
    ok(syscall(SYS_close, sv[1]), "close");

    /* UDP: an address given to sendmsg, and received with more room than it takes */
    u = ok(syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0), "socket udp2");
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok(syscall(SYS_bind, u, &sin, sizeof(sin)), "bind udp2");
    len = sizeof(sin);
    ok(syscall(SYS_getsockname, u, &sin, &len), "getsockname udp2");
    c = ok(syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0), "socket udp2");
    iov[0].iov_base = "dgram";
    iov[0].iov_len = 5;
    memset(&mh, 0, sizeof(mh));
    mh.msg_name = &sin;
    mh.msg_namelen = sizeof(sin);
    mh.msg_iov = iov;
    mh.msg_iovlen = 1;
    ok(syscall(SYS_sendmsg, c, &mh, 0), "sendmsg udp");
    iov[0].iov_base = buf;
    iov[0].iov_len = sizeof(buf);
    mh.msg_name = &from;
    mh.msg_namelen = sizeof(from);
    ok(syscall(SYS_recvmsg, u, &mh, 0), "recvmsg udp");
    ok(syscall(SYS_sendto, c, "again", 5, 0, &sin, sizeof(sin)), "sendto udp2");
    len = sizeof(from);
    ok(syscall(SYS_recvfrom, u, buf, sizeof(buf), 0, &from, &len), "recvfrom udp2");
    ok(syscall(SYS_close, c), "close");
    ok(syscall(SYS_close, u), "close");

    /* unix accept: the address length passed in and the one written back */
    u = ok(syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0), "socket unix2");
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    strcpy(sun.sun_path, "sock2");
    ok(syscall(SYS_bind, u, &sun, sizeof(sun)), "bind unix2");
    ok(syscall(SYS_listen, u, 1), "listen unix2");
    c = ok(syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0), "socket unix2");
    ok(syscall(SYS_connect, c, &sun, sizeof(sun)), "connect unix2");
    len = sizeof(sun);
    a = ok(syscall(SYS_accept, u, &peer, &len), "accept unix2");
    ok(syscall(SYS_close, a), "close");
    ok(syscall(SYS_close, c), "close");
    ok(syscall(SYS_close, u), "close");
    ok(syscall(SYS_unlink, "sock2"), "unlink sock2");

    /* limits read and set again, random bytes */
    ok(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &rl), "prlimit64 get");
    ok(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &rl, NULL), "prlimit64 set");
    ok(syscall(SYS_getrandom, buf, 8, 1 /* GRND_NONBLOCK */), "getrandom");

    /* clone3 writes a pidfd and the child's tid back */
    memset(&ca, 0, sizeof(ca));
    ca.flags = CLONE_PIDFD | CLONE_PARENT_SETTID;
    ca.pidfd = (uintptr_t)&pidfd;
    ca.parent_tid = (uintptr_t)&ptid;
    ca.exit_signal = SIGCHLD;
    child = ok(syscall(SYS_clone3, &ca, sizeof(ca)), "clone3 pidfd");
    if (child == 0)
        syscall(SYS_exit, 0);
    ok(syscall(SYS_wait4, child, &status, 0, NULL), "wait4 clone3 pidfd child");
    ok(syscall(SYS_close, pidfd), "close pidfd");

    /* an environment of 100 variables */
    for (i = 0; i < 100; i++) {
        snprintf(envbuf[i], sizeof(envbuf[i]), "V%d=x", i);
        envp[i] = envbuf[i];
    }
    envp[100] = NULL;
    fails(syscall(SYS_execve, "/nonexistent/sb80-env", argv, envp), ENOENT, "execve 100 vars");
    {
        /* long argument lists: 20 entries, then 40 (strace shows 32, then ...) */
        static char abuf[40][8];
        char *many[41];

        for (i = 0; i < 40; i++) {
            snprintf(abuf[i], sizeof(abuf[i]), "a%d", i);
            many[i] = abuf[i];
        }
        many[20] = NULL;
        fails(syscall(SYS_execve, "/nonexistent/sb80-args", many, envp), ENOENT, "execve 20 args");
        many[20] = abuf[20];
        many[40] = NULL;
        fails(syscall(SYS_execve, "/nonexistent/sb80-args", many, envp), ENOENT, "execve 40 args");
    }
}

static void memory(void)
{
    long cur, r;
    char *p, *q, *f;
    long fd;

    cur = syscall(SYS_brk, 0);
    r = syscall(SYS_brk, cur + 8192);
    if (r != cur + 8192)
        die("brk");
    syscall(SYS_brk, cur);
    p = (char *)syscall(SYS_mmap, NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        die("mmap");
    p[0] = 1;
    ok(syscall(SYS_mprotect, p, 4096, PROT_READ), "mprotect");
    ok(syscall(SYS_mprotect, p + 4096, 4096, PROT_NONE), "mprotect");
    ok(syscall(SYS_mprotect, p, 8192, PROT_READ | PROT_WRITE | PROT_EXEC), "mprotect");
    ok(syscall(SYS_madvise, p, 8192, MADV_DONTNEED), "madvise");
    ok(syscall(SYS_mlock, p, 4096), "mlock");
    ok(syscall(SYS_munlock, p, 4096), "munlock");
    ok(syscall(SYS_msync, p, 8192, MS_SYNC), "msync");
    q = (char *)syscall(SYS_mremap, p, 8192, 16384, MREMAP_MAYMOVE);
    if (q == MAP_FAILED)
        die("mremap");
    ok(syscall(SYS_munmap, q, 16384), "munmap");
    fd = ok(syscall(SYS_open, "a.txt", O_RDWR), "open a.txt");
    f = (char *)syscall(SYS_mmap, NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    if (f == MAP_FAILED)
        die("mmap file");
    ok(syscall(SYS_munmap, f, 4096), "munmap");
    ok(syscall(SYS_close, fd), "close");
    fails(syscall(SYS_mmap, NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL, "mmap 0");
}

static void signals(void)
{
    struct k_sigaction sa, old;
    uint64_t set, oldset;
    stack_t ss, oss;
    static char altstack[16384];
    long pid = syscall(SYS_getpid), tid = syscall(SYS_gettid);

    memset(&sa, 0, sizeof(sa));
    sa.handler = (void *)handler;
    sa.flags = SA_RESTORER | SA_RESTART | SA_SIGINFO;
    sa.restorer = (void *)restorer;
    sa.mask = SIGBIT(SIGINT) | SIGBIT(SIGTERM);
    ok(syscall(SYS_rt_sigaction, SIGUSR1, &sa, NULL, 8), "rt_sigaction USR1");
    memset(&sa, 0, sizeof(sa));
    sa.handler = SIG_IGN;
    ok(syscall(SYS_rt_sigaction, SIGUSR2, &sa, NULL, 8), "rt_sigaction USR2");
    sa.handler = SIG_DFL;
    sa.flags = SA_NOCLDSTOP;
    ok(syscall(SYS_rt_sigaction, SIGUSR1, &sa, NULL, 8), "rt_sigaction USR1 DFL");
    fails(syscall(SYS_rt_sigaction, SIGKILL, &sa, NULL, 8), EINVAL, "rt_sigaction KILL");
    set = SIGBIT(SIGUSR1) | SIGBIT(SIGUSR2) | SIGBIT(SIGRTMIN) | SIGBIT(SIGRTMIN + 1) | (1ULL << 63);
    ok(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 8), "rt_sigprocmask BLOCK");
    ok(syscall(SYS_kill, pid, SIGUSR2), "kill USR2");
    set = ~(SIGBIT(SIGKILL) | SIGBIT(SIGSTOP));
    ok(syscall(SYS_rt_sigprocmask, SIG_SETMASK, &set, NULL, 8), "rt_sigprocmask SETMASK");
    set = 0;
    ok(syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, NULL, 8), "rt_sigprocmask UNBLOCK");
    ok(syscall(SYS_rt_sigprocmask, SIG_SETMASK, &set, NULL, 8), "rt_sigprocmask SETMASK []");
    /* What the kernel writes back: the old action, the old mask, the pending set, the old alternate stack. */
    ok(syscall(SYS_rt_sigaction, SIGUSR1, NULL, &old, 8), "rt_sigaction USR1 old");
    memset(&sa, 0, sizeof(sa));
    sa.handler = (void *)handler;
    sa.flags = SA_RESTORER | SA_ONSTACK;
    sa.restorer = (void *)restorer;
    ok(syscall(SYS_rt_sigaction, SIGUSR1, &sa, &old, 8), "rt_sigaction USR1 swap");
    ok(syscall(SYS_rt_sigaction, SIGUSR1, &old, &sa, 8), "rt_sigaction USR1 back");
    fails(syscall(SYS_rt_sigaction, SIGKILL, NULL, &old, 7), EINVAL, "rt_sigaction bad size");
    set = SIGBIT(SIGUSR2) | SIGBIT(SIGRTMIN);
    ok(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, &oldset, 8), "rt_sigprocmask BLOCK old");
    ok(syscall(SYS_kill, pid, SIGUSR2), "kill USR2 pending");
    ok(syscall(SYS_rt_sigpending, &oldset, 8), "rt_sigpending");
    ok(syscall(SYS_rt_sigprocmask, SIG_SETMASK, NULL, &oldset, 8), "rt_sigprocmask old only");
    set = SIGBIT(SIGUSR2);
    ok(syscall(SYS_rt_sigaction, SIGUSR2, &(struct k_sigaction){ .handler = SIG_IGN }, NULL, 8), "rt_sigaction USR2 IGN");
    ok(syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, NULL, 8), "rt_sigprocmask UNBLOCK USR2");
    set = 0;
    ok(syscall(SYS_rt_sigprocmask, SIG_SETMASK, &set, NULL, 8), "rt_sigprocmask SETMASK [] again");
    memset(&ss, 0, sizeof(ss));
    ss.ss_sp = altstack;
    ss.ss_size = sizeof(altstack);
    ok(syscall(SYS_sigaltstack, NULL, &oss), "sigaltstack query");
    ok(syscall(SYS_sigaltstack, &ss, NULL), "sigaltstack set");
    ss.ss_flags = SS_DISABLE;
    ok(syscall(SYS_sigaltstack, &ss, &oss), "sigaltstack disable");
    ss.ss_flags = 12345;
    fails(syscall(SYS_sigaltstack, &ss, &oss), EINVAL, "sigaltstack EINVAL");
    ok(syscall(SYS_kill, pid, 0), "kill 0");
    ok(syscall(SYS_tgkill, pid, tid, SIGUSR2), "tgkill");
    ok(syscall(SYS_tkill, tid, SIGUSR2), "tkill");
    {
        /* a signal handled with USR2 blocked: the handler returns through libc's restorer, rt_sigreturn({mask=[USR2]}) */
        struct sigaction act;

        memset(&act, 0, sizeof(act));
        act.sa_handler = handler;
        ok(sigaction(SIGUSR1, &act, NULL), "sigaction USR1");
        set = SIGBIT(SIGUSR2);
        ok(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 8), "rt_sigprocmask BLOCK USR2");
        ok(syscall(SYS_kill, pid, SIGUSR1), "kill USR1 handled");
        ok(syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, NULL, 8), "rt_sigprocmask UNBLOCK USR2 again");
    }
    fails(syscall(SYS_kill, 0x7ffffff0, SIGTERM), ESRCH, "kill ESRCH");
}

static void process(void)
{
    static char *const argv_true[] = { "true", "arg with \"quotes\"", "a-rather-long-argument-that-exceeds-the-limit", NULL };
    static char *const envp[] = { "A=1", "B=2", NULL };
    struct timespec ts = { 0, 1000000 };
    struct clone_args ca;
    int status;
    long child;
    char name[65 * 6], *page, **edge;
    unsigned int ids[3];
    struct rusage ru;
    struct sysinfo si;
    cpu_set_t cpus;
    struct __user_cap_header_struct caph;
    struct __user_cap_data_struct capd[2];

    syscall(SYS_getppid);
    syscall(SYS_gettid);
    syscall(SYS_getuid);
    syscall(SYS_geteuid);
    syscall(SYS_getgid);
    syscall(SYS_getegid);
    syscall(SYS_getpgrp);
    ok(syscall(SYS_setpgid, 0, 0), "setpgid");
    {
        /* group lists: set, read back, more than strace shows (32), none; the original list put back */
        static uint32_t original[65536], gids[40], got[64];
        long n = ok(syscall(SYS_getgroups, 65536, original), "getgroups original");
        int k;

        for (k = 0; k < 40; k++)
            gids[k] = 1000 + k;
        ok(syscall(SYS_setgroups, 3, gids), "setgroups 3");
        ok(syscall(SYS_getgroups, 0, NULL), "getgroups count");
        ok(syscall(SYS_getgroups, 64, got), "getgroups 3");
        fails(syscall(SYS_getgroups, 1, got), EINVAL, "getgroups EINVAL");
        ok(syscall(SYS_setgroups, 40, gids), "setgroups 40");
        ok(syscall(SYS_getgroups, 64, got), "getgroups 40");
        fails(syscall(SYS_setgroups, 2, (void *)8), EFAULT, "setgroups EFAULT");
        ok(syscall(SYS_setgroups, 0, NULL), "setgroups 0");
        ok(syscall(SYS_getgroups, 64, got), "getgroups 0");
        ok(syscall(SYS_setgroups, n, original), "setgroups original");
    }
    syscall(SYS_getpgid, 0);
    syscall(SYS_getsid, 0);
    fails(syscall(SYS_setsid), EPERM, "setsid");
    ok(syscall(SYS_getpriority, PRIO_PROCESS, 0), "getpriority");
    ok(syscall(SYS_setpriority, PRIO_PROCESS, 0, 0), "setpriority");
    ok(syscall(SYS_sched_yield), "sched_yield");
    ok(syscall(SYS_sched_getscheduler, 0), "sched_getscheduler");
    ok(syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0), "PR_SET_PDEATHSIG");
    ok(syscall(SYS_prctl, PR_GET_DUMPABLE, 0, 0, 0, 0), "PR_GET_DUMPABLE");
    ok(syscall(SYS_prctl, PR_SET_DUMPABLE, 1, 0, 0, 0), "PR_SET_DUMPABLE");
    ok(syscall(SYS_prctl, PR_GET_NAME, name, 0, 0, 0), "PR_GET_NAME");
    ok(syscall(SYS_prctl, PR_SET_NAME, "sb80-a-name-longer-than-15", 0, 0, 0), "PR_SET_NAME long");
    ok(syscall(SYS_prctl, PR_GET_NAME, name, 0, 0, 0), "PR_GET_NAME again");
    ok(syscall(SYS_prctl, PR_SET_NAME, "syscalls80", 0, 0, 0), "PR_SET_NAME");
    fails(syscall(SYS_prctl, PR_SET_NAME, (char *)8, 0, 0, 0), EFAULT, "PR_SET_NAME EFAULT");
    syscall(SYS_alarm, 0);
    ok(syscall(SYS_nanosleep, &ts, NULL), "nanosleep");
    ts.tv_nsec = 1000;
    ok(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &ts, NULL), "clock_nanosleep");
    {
        /* a place for the time left, written only when a signal cuts the sleep short: not here */
        struct timespec left;

        ok(syscall(SYS_nanosleep, &ts, &left), "nanosleep rmtp");
        ok(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &ts, &left), "clock_nanosleep rmtp");
        fails(syscall(SYS_clock_nanosleep, 12345, 0, &ts, &left), EINVAL, "clock_nanosleep EINVAL");
    }
    {
        /* futex timeouts: relative for FUTEX_WAIT, absolute for FUTEX_WAIT_BITSET (1970: already past) */
        static uint32_t word;
        struct timespec rel = { 0, 1000 }, past = { 1, 0 };

        fails(syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 1, &rel, NULL, 0), EAGAIN, "FUTEX_WAIT EAGAIN");
        fails(syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, &rel, NULL, 0), ETIMEDOUT, "FUTEX_WAIT ETIMEDOUT");
        fails(syscall(SYS_futex, &word, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &past, NULL, FUTEX_BITSET_MATCH_ANY),
              ETIMEDOUT, "FUTEX_WAIT_BITSET");
        fails(syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0), EAGAIN, "FUTEX_WAIT no timeout");
        fails(syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, (void *)8, NULL, 0), EFAULT, "FUTEX_WAIT EFAULT");
        ok(syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), "FUTEX_WAKE");
        ok(syscall(SYS_futex, &word, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &word, FUTEX_OP(FUTEX_OP_SET, 0, FUTEX_OP_CMP_EQ, 0)), "FUTEX_WAKE_OP");
        ok(syscall(SYS_futex, &word, FUTEX_WAKE_OP_PRIVATE, 0, (void *)2, &word,
                   FUTEX_OP((FUTEX_OP_ADD | FUTEX_OP_OPARG_SHIFT), 3, FUTEX_OP_CMP_GT, 5)), "FUTEX_WAKE_OP shift");
        fails(syscall(SYS_futex, &word, FUTEX_WAKE_OP_PRIVATE, 0, (void *)0, &word, FUTEX_OP(7, 0xfff, 9, 1)), ENOSYS,
              "FUTEX_WAKE_OP unknown");
    }
    ok(syscall(SYS_clock_getres, CLOCK_MONOTONIC, NULL), "clock_getres");
    ok(syscall(SYS_clock_getres, CLOCK_REALTIME, &ts), "clock_getres REALTIME");
    ok(syscall(SYS_clock_gettime, CLOCK_BOOTTIME, &ts), "clock_gettime");
    fails(syscall(SYS_clock_gettime, 12345, &ts), EINVAL, "clock_gettime EINVAL");
    ok(syscall(SYS_getresuid, &ids[0], &ids[1], &ids[2]), "getresuid");
    ok(syscall(SYS_getresgid, &ids[0], &ids[1], &ids[2]), "getresgid");
    fails(syscall(SYS_getresgid, &ids[0], NULL, &ids[2]), EFAULT, "getresgid EFAULT");
    ok(syscall(SYS_getrusage, RUSAGE_SELF, &ru), "getrusage");
    ok(syscall(SYS_sysinfo, &si), "sysinfo");
    ok(syscall(SYS_sched_getaffinity, 0, sizeof(cpus), &cpus), "sched_getaffinity");
    memset(&caph, 0, sizeof(caph));
    ok(syscall(SYS_capget, &caph, NULL), "capget version probe");
    caph.version = _LINUX_CAPABILITY_VERSION_3;
    ok(syscall(SYS_capget, &caph, capd), "capget");
    ok(syscall(SYS_capset, &caph, capd), "capset (the same sets)");
    caph.version = _LINUX_CAPABILITY_VERSION_1;
    ok(syscall(SYS_capget, &caph, capd), "capget v1");
    caph.version = 0x1234;
    fails(syscall(SYS_capget, &caph, capd), EINVAL, "capget bad version");
    ok(syscall(SYS_uname, name), "uname");

    /* clone: the child exits with 7 */
    child = ok(syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0), "clone");
    if (child == 0) {
        syscall(SYS_getpid);
        syscall(SYS_exit, 7);
    }
    ok(syscall(SYS_wait4, child, &status, 0, &ru), "wait4 clone child");

    /* fork: the child execs /bin/true */
    child = ok(syscall(SYS_fork), "fork");
    if (child == 0) {
        syscall(SYS_execve, "/bin/true", argv_true, envp);
        _exit(127);
    }
    ok(syscall(SYS_wait4, -1, &status, __WALL, NULL), "wait4 fork child");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "%s: /bin/true did not exit 0 (status %#x)\n", prog, status);
        exit(1);
    }

    /* clone3: the child kills itself with SIGTERM */
    memset(&ca, 0, sizeof(ca));
    ca.exit_signal = SIGCHLD;
    child = ok(syscall(SYS_clone3, &ca, sizeof(ca)), "clone3");
    if (child == 0) {
        syscall(SYS_kill, syscall(SYS_getpid), SIGTERM);
        syscall(SYS_exit, 1);
    }
    ok(syscall(SYS_wait4, child, &status, 0, NULL), "wait4 clone3 child");
    fails(syscall(SYS_wait4, -1, &status, WNOHANG, NULL), ECHILD, "wait4 ECHILD");
    fails(syscall(SYS_execve, "/nonexistent/sb80", argv_true, envp), ENOENT, "execve missing");

    /* envp: NULL, unreadable, and running into an unmapped page without its NULL */
    fails(syscall(SYS_execve, "/nonexistent/sb80", argv_true, NULL), ENOENT, "execve NULL envp");
    fails(syscall(SYS_execve, "/nonexistent/sb80", argv_true, (void *)8), ENOENT, "execve bad envp");
    page = (char *)ok(syscall(SYS_mmap, NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), "mmap envp");
    ok(syscall(SYS_munmap, page + 4096, 4096), "munmap envp");
    edge = (char **)(page + 4096 - 2 * sizeof(char *));
    edge[0] = "A=1";
    edge[1] = "B=2";
    fails(syscall(SYS_execve, "/nonexistent/sb80", argv_true, edge), ENOENT, "execve unterminated envp");
    ok(syscall(SYS_munmap, page, 4096), "munmap envp");
}

#ifndef FICLONE
#define FICLONE _IOW(0x94, 9, int)
#endif

/* struct mount_attr (linux/mount.h, MOUNT_ATTR_SIZE_VER0), with 8 bytes more for a tail. */
struct mount_attr_tail {
    uint64_t attr_set, attr_clr, propagation, userns_fd, tail;
};

/*
 * The mount API (Linux 5.2 and later), in the --unshare namespace: a tmpfs
 * made with fsopen/fsconfig/fsmount and moved onto m, cloned onto b with
 * open_tree, reconfigured through fspick, changed with mount_setattr; calls
 * meant to fail among them. Numbers rather than the headers' names where
 * glibc's headers lack them.
 */
static void mount_api(void)
{
    struct mount_attr_tail ma = {0x1 | 0x8, 0x2, MS_PRIVATE, 0, 0};
    long fs, mnt, tree, pick;

    fs = ok(syscall(SYS_fsopen, "tmpfs", 1 /* FSOPEN_CLOEXEC */), "fsopen");
    fails(syscall(SYS_fsopen, "sb80-nosuchfs", 0), ENODEV, "fsopen ENODEV");
    ok(syscall(SYS_fsconfig, fs, 1 /* FSCONFIG_SET_STRING */, "size", "64k", 0), "fsconfig SET_STRING");
    ok(syscall(SYS_fsconfig, fs, 0 /* FSCONFIG_SET_FLAG */, "noswap", NULL, 0), "fsconfig SET_FLAG");
    fails(syscall(SYS_fsconfig, fs, 2 /* FSCONFIG_SET_BINARY */, "mode", "0\0\x07", 3), EINVAL, "fsconfig SET_BINARY");
    fails(syscall(SYS_fsconfig, fs, 3 /* FSCONFIG_SET_PATH */, "source", "m", AT_FDCWD), EINVAL, "fsconfig SET_PATH");
    fails(syscall(SYS_fsconfig, fs, 5 /* FSCONFIG_SET_FD */, "fd", NULL, 0), EINVAL, "fsconfig SET_FD");
    fails(syscall(SYS_fsconfig, fs, 99, "size", "1", 7), EOPNOTSUPP, "fsconfig unknown command");
    ok(syscall(SYS_fsconfig, fs, 6 /* FSCONFIG_CMD_CREATE */, NULL, NULL, 0), "fsconfig CMD_CREATE");
    fails(syscall(SYS_fsmount, fs, 0, 0x1 | 0x10 | 0x1000000), EINVAL, "fsmount unknown attr");
    mnt = ok(syscall(SYS_fsmount, fs, 1 /* FSMOUNT_CLOEXEC */, 0x2 | 0x4 | 0x20 /* NOSUID NODEV STRICTATIME */), "fsmount");
    ok(syscall(SYS_move_mount, mnt, "", AT_FDCWD, "m", 0x4 /* MOVE_MOUNT_F_EMPTY_PATH */), "move_mount");
    tree = ok(syscall(SYS_open_tree, AT_FDCWD, "m", 1 | O_CLOEXEC | 0x8000 /* CLONE CLOEXEC AT_RECURSIVE */), "open_tree");
    fails(syscall(SYS_open_tree, AT_FDCWD, "nonexistent", 0x100 | 0x800), ENOENT, "open_tree ENOENT");
    ok(syscall(SYS_move_mount, tree, "", AT_FDCWD, "b", 0x4 | 0x10 /* F_EMPTY_PATH T_SYMLINKS */), "move_mount tree");
    pick = ok(syscall(SYS_fspick, AT_FDCWD, "m", 1 | 4 /* CLOEXEC NO_AUTOMOUNT */), "fspick");
    ok(syscall(SYS_fsconfig, pick, 7 /* FSCONFIG_CMD_RECONFIGURE */, NULL, NULL, 0), "fsconfig CMD_RECONFIGURE");
    ok(syscall(SYS_mount_setattr, AT_FDCWD, "b", 0x8000, &ma, 32), "mount_setattr");
    ma.tail = 7;
    fails(syscall(SYS_mount_setattr, AT_FDCWD, "b", 0, &ma, 40), E2BIG, "mount_setattr E2BIG");
    fails(syscall(SYS_mount_setattr, AT_FDCWD, "b", 0, &ma, 24), EINVAL, "mount_setattr small");
    ma.tail = 0;
    ma.attr_set = 0;
    ma.attr_clr = 0x70; /* MOUNT_ATTR__ATIME */
    ma.propagation = 0;
    ok(syscall(SYS_mount_setattr, AT_FDCWD, "b", 0, &ma, 40), "mount_setattr atime");
    fails(syscall(SYS_mount_setattr, AT_FDCWD, "b", 0, NULL, 32), EFAULT, "mount_setattr NULL");
    ok(syscall(SYS_close, pick), "close fspick");
    ok(syscall(SYS_close, tree), "close open_tree");
    ok(syscall(SYS_close, mnt), "close fsmount");
    ok(syscall(SYS_close, fs), "close fsopen");
    ok(syscall(SYS_umount2, "b", MNT_DETACH), "umount2 b");
    ok(syscall(SYS_umount2, "m", MNT_DETACH), "umount2 m");
}

/*
 * Mounts, only in a mount namespace of its own (--unshare): a tmpfs with
 * options, a remount with options longer than strace's 32 bytes, a bind and
 * a propagation change (which make the kernel ignore fstype and data), the
 * old magic number, a clone between tmpfs files (unsupported there), and the
 * unmounts.
 */
static void mounts(void)
{
    long a, b;

    ok(syscall(SYS_mkdir, "m", 0700), "mkdir m");
    ok(syscall(SYS_mkdir, "b", 0700), "mkdir b");
    ok(syscall(SYS_mount, "sb80", "m", "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0700"), "mount tmpfs");
    ok(syscall(SYS_mount, NULL, "m", NULL, MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_NOATIME,
               "size=131072,nr_inodes=1024,huge=never"), "mount remount");
    ok(syscall(SYS_mount, "m", "b", "none", MS_BIND | MS_REC, NULL), "mount bind");
    ok(syscall(SYS_mount, NULL, "b", NULL, MS_PRIVATE, NULL), "mount private");
    fails(syscall(SYS_mount, "sb80", "nonexistent", "tmpfs", MS_MGC_VAL | MS_RDONLY, NULL), ENOENT, "mount MS_MGC_VAL");
    a = ok(syscall(SYS_openat, AT_FDCWD, "m/a", O_RDWR | O_CREAT | O_EXCL, 0600), "openat m/a");
    b = ok(syscall(SYS_openat, AT_FDCWD, "m/b", O_RDWR | O_CREAT | O_EXCL, 0600), "openat m/b");
    fails(syscall(SYS_ioctl, b, FICLONE, a), EOPNOTSUPP, "ioctl FICLONE");
    ok(syscall(SYS_close, b), "close m/b");
    ok(syscall(SYS_close, a), "close m/a");
    ok(syscall(SYS_umount2, "b", MNT_DETACH), "umount2 MNT_DETACH");
    fails(syscall(SYS_umount2, "m", 0x10), EINVAL, "umount2 unknown flag");
    ok(syscall(SYS_umount2, "m", 0), "umount2");
    mount_api();
    ok(syscall(SYS_rmdir, "b"), "rmdir b");
    ok(syscall(SYS_rmdir, "m"), "rmdir m");
}

static void cleanup(void)
{
    ok(syscall(SYS_unlink, "a.txt"), "unlink a.txt");
    ok(syscall(SYS_unlink, "hard"), "unlink hard");
    ok(syscall(SYS_unlinkat, AT_FDCWD, "hard2", 0), "unlinkat hard2");
    ok(syscall(SYS_unlink, "sym"), "unlink sym");
    ok(syscall(SYS_unlink, "sym2"), "unlink sym2");
    ok(syscall(SYS_unlink, "fifo"), "unlink fifo");
    ok(syscall(SYS_unlink, "fifo2"), "unlink fifo2");
    ok(syscall(SYS_chdir, "/"), "chdir /");
    ok(syscall(SYS_rmdir, dir), "rmdir");
}

int main(int argc, char **argv)
{
    int unshare_ns = 0;

    if (argc > 0 && argv[0] != NULL && argv[0][0] != '\0') {
        const char *slash = strrchr(argv[0], '/');
        prog = slash ? slash + 1 : argv[0];
    }
    if (argc == 2 && strcmp(argv[1], "--unshare") == 0) {
        unshare_ns = 1;
    } else if (argc != 1) {
        fprintf(stderr, "usage: %s [--unshare]\n", prog);
        return 2;
    }
    snprintf(dir, sizeof(dir), "/tmp/sb80-%ld", (long)getpid());
    /*
     * The calls below expect fds 20, 60, 99 and 999 closed and number new fds
     * from 3: drop whatever the caller let us inherit. Before the handshake,
     * so no tracer sees it.
     */
    if (syscall(SYS_close_range, 3, ~0U, 0) < 0)
        die("close_range");
    if (unshare_ns)
        do_unshare();
    handshake();

    files();
    fds();
    network();
    behind_pointers();
    memory();
    signals();
    process();
    if (unshare_ns)
        mounts();
    cleanup();
    write_all(1, "done\n", 5);
    syscall(SYS_exit_group, 0);
    return 0;
}
