/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The few kernel types the recorder reads, declared with only the fields it
 * touches. preserve_access_index makes every access a CO-RE relocation that
 * libbpf resolves against the running kernel's BTF at load time, so this
 * header replaces a per-architecture vmlinux.h: one object builds for x86_64
 * and arm64 without the build machine's BTF.
 */
#ifndef STRACEBACK_KERNEL_TYPES_H
#define STRACEBACK_KERNEL_TYPES_H

#include <linux/types.h>
#include <linux/bpf.h>

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct ns_common {
	unsigned int inum;
	__u64 ns_id;	/* never reused (Linux 6.8+; inside an anonymous union in 6.18) */
};

struct mnt_namespace {
	struct ns_common ns;
};

struct nsproxy {
	struct mnt_namespace *mnt_ns;
};

typedef struct {
	int counter;
} atomic_t;

struct signal_struct {
	atomic_t live;		/* threads not yet past do_exit's decrement */
};

struct task_struct {
	int pid;
	int tgid;
	int exit_code;
	char comm[16];
	struct nsproxy *nsproxy;
	struct signal_struct *signal;
	void *bpf_storage;	/* struct bpf_local_storage *: NULL until a task storage map holds a value for it */
};

/* The context of an iter/task program: every task of the host, threads included. */
struct bpf_iter_meta {
	void *seq;
};

struct bpf_iter__task {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
};

/* Read as raw bytes (its first 48 are the siginfo ABI); only the name is needed. */
struct kernel_siginfo {
	int si_signo;
};

struct sigaction {
	void *sa_handler;	/* __sighandler_t */
	unsigned long sa_flags;
};

struct k_sigaction {
	struct sigaction sa;
};

#if defined(__TARGET_ARCH_x86)
struct pt_regs {
	unsigned long r10;
	unsigned long r9;
	unsigned long r8;
	unsigned long dx;
	unsigned long si;
	unsigned long di;
	unsigned long orig_ax;
	unsigned long sp;
};
#define SB_SYSCALL_NR(regs) ((regs)->orig_ax)
#define SB_USER_SP(regs) ((regs)->sp)
/* unshare and setns, also as numbered for 32-bit (ia32) tasks: the calls that move a task to another mount namespace. */
#define SB_SWITCHES_NS(nr) ((nr) == 272 || (nr) == 308 || (nr) == 310 || (nr) == 346)
/* unshare alone (a namespace of the task's own, not another one it joins) */
#define SB_IS_UNSHARE(nr) ((nr) == 272 || (nr) == 310)
/* execve, execveat */
#define SB_IS_EXEC(nr) ((nr) == 59 || (nr) == 322)
#define SB_SYSCALL_ARG0(regs) ((regs)->di)
#define SB_SYSCALL_ARG1(regs) ((regs)->si)
#define SB_SYSCALL_ARG2(regs) ((regs)->dx)
#define SB_SYSCALL_ARG3(regs) ((regs)->r10)
#define SB_SYSCALL_ARG4(regs) ((regs)->r8)
#define SB_SYSCALL_ARG5(regs) ((regs)->r9)
#elif defined(__TARGET_ARCH_arm64)
struct pt_regs {
	unsigned long regs[31];
	unsigned long sp;
	unsigned long orig_x0;
	int syscallno;
};
/* x0 holds the return value at exit; the first argument survives in orig_x0. */
#define SB_SYSCALL_NR(regs) ((regs)->syscallno)
#define SB_USER_SP(regs) ((regs)->sp)
/* unshare and setns, also as numbered for 32-bit (arm) tasks: the calls that move a task to another mount namespace. */
#define SB_SWITCHES_NS(nr) ((nr) == 97 || (nr) == 268 || (nr) == 337 || (nr) == 375)
/* unshare alone (a namespace of the task's own, not another one it joins) */
#define SB_IS_UNSHARE(nr) ((nr) == 97 || (nr) == 337)
/* execve, execveat */
#define SB_IS_EXEC(nr) ((nr) == 221 || (nr) == 281)
#define SB_SYSCALL_ARG0(regs) ((regs)->orig_x0)
#define SB_SYSCALL_ARG1(regs) ((regs)->regs[1])
#define SB_SYSCALL_ARG2(regs) ((regs)->regs[2])
#define SB_SYSCALL_ARG3(regs) ((regs)->regs[3])
#define SB_SYSCALL_ARG4(regs) ((regs)->regs[4])
#define SB_SYSCALL_ARG5(regs) ((regs)->regs[5])
#else
#error "set __TARGET_ARCH_x86 or __TARGET_ARCH_arm64"
#endif

#pragma clang attribute pop

#endif /* STRACEBACK_KERNEL_TYPES_H */
