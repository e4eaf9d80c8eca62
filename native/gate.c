/*
 * sb-gate: starts a command in a fresh mount namespace once the recorder has
 * registered that namespace. Protocol on fd 3 (a socket from the parent):
 * the gate writes 'R' when its namespace exists, waits for one byte, then
 * execs the command, so the command's execve is the first call it makes
 * after recording starts.
 *   usage: sb-gate PATH ARGV0 ARGS...   (PATH absolute, resolved by the caller)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char c = 'R';

	if (argc < 3) {
		fprintf(stderr, "usage: sb-gate PATH ARGV0 [ARGS...]\n");
		return 2;
	}
	if (unshare(CLONE_NEWNS) != 0) {
		fprintf(stderr, "sb-gate: unshare(CLONE_NEWNS): %s\n", strerror(errno));
		return 127;
	}
	/* Keep mounts made inside from propagating back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
		fprintf(stderr, "sb-gate: making / private: %s\n", strerror(errno));
		return 127;
	}
	/* Set before recording starts, so nothing but the exec follows the go byte. */
	fcntl(3, F_SETFD, FD_CLOEXEC);
	if (write(3, &c, 1) != 1 || read(3, &c, 1) != 1 || c != 'G') {
		fprintf(stderr, "sb-gate: the recorder went away before the command started\n");
		return 127;
	}
	execv(argv[1], argv + 2);
	fprintf(stderr, "straceback: cannot run %s: %s\n", argv[1], strerror(errno));
	return 127;
}
