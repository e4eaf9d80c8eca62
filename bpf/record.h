/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one contract between the BPF program (bpf/straceback.bpf.c) and user
 * space (native/, recorder/records.ts): ring layout, record layout, syscall
 * descriptor table. Change it here and in recorder/records.ts together.
 *
 * A ring is the value of a one-element BPF_F_MMAPABLE array map:
 *   [sb_ring_hdr][ring bytes (a power of two)][SB_SLACK bytes]
 * Writers reserve space with one atomic fetch-add on hdr.head, write the
 * record at (pos & (ring_bytes - 1)) (a record that starts near the end runs
 * on into the slack instead of wrapping), then publish it by an atomic
 * exchange of its first word with (pos ^ hdr.key). A reader copies the ring
 * without stopping anything and keeps only records whose first word proves
 * they were complete and not overwritten while it copied.
 */
#ifndef STRACEBACK_RECORD_H
#define STRACEBACK_RECORD_H

#define SB_RING_MIN_SHIFT 16	/* 64 KiB */
#define SB_RING_MAX_SHIFT 26	/* 64 MiB */
#define SB_RING_CLASSES (SB_RING_MAX_SHIFT - SB_RING_MIN_SHIFT + 1)
#define SB_SLOTS 1024		/* containers per ring class */
#define SB_SCRATCH 16384	/* largest record, and the slack after a ring */
#define SB_SLACK SB_SCRATCH
#define SB_ITEM_MAX 4096	/* largest captured string or buffer */
#define SB_ARGV_MAX 32		/* execve argv entries captured at most */
#define SB_NR_MAX 512		/* syscall numbers covered by the descriptor table */
#define SB_FILTER_BITS 16
#define SB_FILTER_SIZE (1 << SB_FILTER_BITS)

/* hdr.head: bytes reserved (low 48 bits) and records reserved mod 2^16. */
#define SB_HEAD_POS_BITS 48
#define SB_HEAD_POS_MASK ((1ULL << SB_HEAD_POS_BITS) - 1)
#define SB_HEAD_ONE_REC (1ULL << SB_HEAD_POS_BITS)
/*
 * hdr.count moves by SB_COUNT_STEP at each record whose number (from head)
 * is a multiple of it: the records reserved rounded up to a step, a little
 * behind while such a record is being reserved. Readers take the exact
 * count as the value congruent to head's record number (mod 2^16) nearest
 * to hdr.count.
 */
#define SB_COUNT_STEP 256

/*
 * Filter entry, indexed by (mount namespace inode & (SB_FILTER_SIZE - 1)):
 * bits 63..32 the full inode, bits 31..28 flags, 27..24 ring class,
 * 23..0 slot. Two traced namespaces with the same index go to the overflow
 * hash; the array entry then carries SB_FILTER_SHARED.
 */
/*
 * Inodes of dead namespaces are reused: where the kernel has them, entries
 * also hold the namespace's 64-bit id, which is never reused, so a new
 * namespace that inherits an inode is not recorded into the old ring.
 */
struct sb_filter_entry {
	__u64 packed;	/* inode, flags, class, slot as below */
	__u64 ns_id;	/* 0: not known, match by inode alone */
};

#define SB_FILTER_SHARED (1U << 28)
#define SB_FILTER_VALID (1U << 29)
#define SB_FILTER_CLASS_SHIFT 24
#define SB_FILTER_SLOT_MASK 0xffffffU

struct sb_ring_hdr {
	__u64 head;		/* see SB_HEAD_* */
	__u64 count;		/* records reserved since the ring was made, in steps (SB_COUNT_STEP) */
	__u64 key;		/* random; commit word = pos ^ key */
	__u64 mntns;		/* mount namespace inode this ring records */
	__u64 ring_bytes;	/* power of two */
	__u64 created_ns;	/* CLOCK_BOOTTIME at creation */
	__u64 dropped;		/* records the BPF side could not write */
	__u64 generation;	/* set by user space, distinguishes reused inodes */
};

enum sb_kind {
	SB_KIND_ENTER = 1,	/* struct sb_enter */
	SB_KIND_EXIT = 2,	/* struct sb_exit */
	SB_KIND_SIGNAL = 3,	/* struct sb_signal */
	SB_KIND_TASK_EXIT = 4,	/* struct sb_task_exit */
	SB_KIND_CAP = 5,	/* struct sb_cap */
};
#define SB_KIND_LAST SB_KIND_CAP

/* sb_rec.flags */
#define SB_REC_ITEMS_CUT 0x01	/* some items did not fit in the record */
#define SB_REC_GROUP_DEAD 0x02	/* task exit: the last thread of its thread group */
#define SB_REC_SENT 0x04	/* signal: recorded as it was sent (SIGKILL), not as the task took it */

/* Common head of every record; records are 8-byte aligned in the ring. */
struct sb_rec {
	__u64 commit;		/* pos ^ ring key, written last */
	__u64 ts;		/* CLOCK_BOOTTIME ns */
	__u32 tid;
	__u16 size;		/* bytes, without the padding to 8 */
	__u16 seq;		/* records reserved before this one, mod 2^16 */
	__u16 cpu;
	__u16 nr;		/* syscall number */
	__u8 kind;		/* enum sb_kind */
	__u8 flags;		/* SB_REC_* */
	__u8 nargs;		/* enter: arguments that follow */
	__u8 nitems;		/* items that follow */
};

/* Followed by __u64 args[nargs] and then the items. */
struct sb_enter {
	struct sb_rec h;
	char comm[16];
	__u32 pid;		/* tgid */
	__u32 _pad;
};

/* Followed by the items. */
struct sb_exit {
	struct sb_rec h;
	__s64 ret;
};

/* Bytes of struct kernel_siginfo kept: si_signo, si_errno, si_code, then the union at 16. */
#define SB_SIGINFO_BYTES 48

/*
 * A signal the task is about to act on (signal:signal_deliver: handler,
 * default action or ignore), taken from the siginfo the task dequeued.
 * h.nr is 0.
 */
struct sb_signal {
	struct sb_rec h;
	char comm[16];
	__u32 pid;		/* tgid */
	__s32 signo;
	__u64 sa_handler;	/* 0 SIG_DFL, 1 SIG_IGN, else the handler's address */
	__u64 sa_flags;
	__u8 info[SB_SIGINFO_BYTES];
};

/*
 * A task ending (sched:sched_process_exit), one per thread. exit_code is the
 * wait status the thread leaves: (status & 0xff) << 8 for an exit, or the
 * signal number, | 0x80 when a core was dumped. h.flags has
 * SB_REC_GROUP_DEAD on the last thread of the process. h.nr is 0.
 */
struct sb_task_exit {
	struct sb_rec h;
	char comm[16];
	__u32 pid;		/* tgid */
	__s32 exit_code;
};

/*
 * A capability check that failed (capability:cap_capable with ret != 0) in
 * a task of the container. User space attaches it to the syscall the thread
 * is in at that time. h.nr is 0.
 */
struct sb_cap {
	struct sb_rec h;
	__s32 cap;		/* CAP_* number */
	__s32 ret;		/* the check's result, -EPERM */
};

/*
 * Item: data behind a pointer argument. Followed by len bytes; the next item
 * starts right after them (items are not aligned).
 */
struct sb_item {
	__u16 len;
	__u8 arg;		/* argument index 0..5; above SB_ITEM_PART_SHIFT, the part (below) */
	__u8 type;		/* SB_ARG_* | SB_ITEM_* flags */
};

/*
 * Composite captures write several items for one argument, told apart by
 * their part: a msghdr's header, name, iovec array, the data of each iovec
 * (one item per iovec, in order) and control data.
 */
#define SB_ITEM_PART_SHIFT 4
#define SB_PART_MSG_HEADER 0
#define SB_PART_MSG_NAME 1
#define SB_PART_MSG_IOV 2
#define SB_PART_MSG_DATA 3
#define SB_PART_MSG_CONTROL 4
#define SB_PART_SIGMASK 1	/* SIGMASK_ARG: the mask behind the pointer */

#define SB_ITEM_KIND_MASK 0x0f
#define SB_ITEM_TRUNCATED 0x10	/* the data went on past what was captured */
#define SB_ITEM_FAULT 0x20	/* the user memory could not be read */
#define SB_ITEM_MORE 0x40	/* argv: more entries than were captured */

/* How the data behind an argument is captured. */
enum sb_arg_kind {
	SB_ARG_NONE = 0,
	SB_ARG_STR = 1,		/* NUL-terminated string, at entry */
	SB_ARG_BUF_IN = 2,	/* buffer at entry, length in the next argument */
	SB_ARG_BUF_OUT = 3,	/* buffer at exit, length = return value */
	SB_ARG_SOCKADDR_IN = 4,	/* sockaddr at entry, length in the next argument */
	SB_ARG_SOCKADDR_OUT = 5,/* sockaddr at exit, length in *(int *)next argument */
	SB_ARG_ARGV = 6,	/* NULL-terminated char *[] at entry, one item per entry */
	SB_ARG_MEM_IN = 7,	/* desc.size[i] bytes at entry */
	SB_ARG_MEM_OUT = 8,	/* desc.size[i] bytes at exit, if the call succeeded */
	SB_ARG_STR_OUT = 9,	/* NUL-terminated string at exit, if the call succeeded */
	/*
	 * The kinds below are descriptor kinds only: their items are of the
	 * kinds above (MEM_IN at entry, MEM_OUT at exit), as item types have 4 bits.
	 */
	SB_ARG_MEM_INOUT = 10,	/* desc.size[i] bytes at entry, and again at exit if the call succeeded */
	SB_ARG_ARRAY_INOUT = 11,/* (next argument) x desc.size[i] bytes at entry, again at exit if it returned > 0 */
	SB_ARG_ENVP = 12,	/* at entry, how many pointers precede the NULL: {u32 count, u32 SB_ENVP_*} */
	SB_ARG_MSGHDR_IN = 13,	/* struct user_msghdr and what it points to, at entry (SB_PART_MSG_*) */
	SB_ARG_MSGHDR_OUT = 14,	/* its header at entry; all of it at exit if the call succeeded */
	SB_ARG_CLONE_ARGS = 15,	/* (next argument) bytes at entry, at most desc.size[i]; at exit the pidfd */
	SB_ARG_ARRAY_OUT = 16,	/* (return value) x desc.size[i] bytes at exit, if it returned > 0 (epoll_wait's events) */
	SB_ARG_IOV_IN = 17,	/* struct iovec[next argument] and each one's data, at entry (writev): SB_PART_MSG_IOV, _DATA */
	SB_ARG_IOV_OUT = 18,	/* the array at entry (no data); at exit the array and data up to the return value (readv) */
	SB_ARG_PRCTL_NAME = 19,	/* prctl's second argument: PR_SET_NAME's string at entry, PR_GET_NAME's 16 bytes at exit */
	SB_ARG_FUTEX_TIME = 20,	/* futex's timeout: desc.size bytes at entry, for the operations that wait (SB_FUTEX_WAITS) */
	SB_ARG_DIRENTS = 21,	/* at exit, how many directory entries the call returned (> 0 bytes): {u32 count, u32 SB_DIRENTS_*} */
	SB_ARG_ARRAY_IN = 22,	/* (previous argument) x desc.size[i] bytes at entry (setgroups' list) */
	SB_ARG_FDSET = 23,	/* an fd_set of (first argument) fds, in 64-bit words, at most desc.size[i] bytes: at entry,
				   and again at exit if the call returned > 0 (select) */
	SB_ARG_TIME_LEFT = 24,	/* desc.size bytes at exit, only when a signal cut the call short (SB_IS_RESTART): nanosleep's rmtp */
	SB_ARG_SIGFRAME = 25,	/* rt_sigreturn (SB_DESC_SIGFRAME): at entry, the 8-byte signal mask the frame restores, at the
				   user stack pointer + desc.size[0] (as argument 0, which the call does not have) */
	SB_ARG_SIGMASK_ARG = 26,/* pselect6's last argument, struct { const sigset_t *ss; size_t ss_len }, at entry: its
				   16 bytes, then, when ss is set and ss_len is 8, the mask (SB_PART_SIGMASK) */
	SB_ARG_STRUCT_IN = 27,	/* a sized struct (openat2's open_how, mount_attr): (next argument) bytes at entry, at most
				   desc.size[i] */
	SB_ARG_FSCONFIG_VALUE = 28,/* fsconfig's value, by its command (second argument) at entry: a string
				   (SB_FSCONFIG_STRINGS) or, for FSCONFIG_SET_BINARY, (next argument) bytes as BUF_IN */
};
#define SB_ARG_KINDS 29
/* The kernel's restart codes (-ERESTARTSYS .. -ERESTART_RESTARTBLOCK): a signal interrupted the call. */
#define SB_IS_RESTART(ret) ((ret) <= -512 && (ret) >= -516)
/* The futex operations (op & 127) whose fourth argument is a timeout: WAIT, LOCK_PI, WAIT_BITSET, WAIT_REQUEUE_PI, LOCK_PI2. */
#define SB_FUTEX_WAITS ((1U << 0) | (1U << 6) | (1U << 9) | (1U << 11) | (1U << 13))
#define SB_FUTEX_WAITS_OP(op) (((SB_FUTEX_WAITS >> ((op) & 31)) & 1) & !((op) & 96))
/* fsconfig's commands whose value is a string (SET_STRING, SET_PATH, SET_PATH_EMPTY), and SET_BINARY */
#define SB_FSCONFIG_STRINGS(cmd) ((cmd) == 1 || (cmd) == 3 || (cmd) == 4)
#define SB_FSCONFIG_SET_BINARY 2
#define SB_PR_SET_NAME 15
#define SB_PR_GET_NAME 16
#define SB_TASK_COMM_LEN 16

#define SB_SOCKADDR_MAX 128

#define SB_MSGHDR_SIZE 56	/* struct user_msghdr, 64-bit */
#define SB_MSG_IOV_MAX 32	/* iovecs of a msghdr captured, with their data */
#define SB_MSG_CONTROL_MAX 256	/* bytes of control data captured */

/* ENVP: counting stops at SB_ENVP_MAX pointers; how the count ended. */
#define SB_ENVP_MAX 4096
#define SB_ENVP_TERMINATED 0	/* the NULL was found */
#define SB_ENVP_UNTERMINATED 1	/* memory could not be read past count pointers */
#define SB_ENVP_CAPPED 2	/* SB_ENVP_MAX pointers or more, no NULL among them */

/* DIRENTS: entries counted by following d_reclen (at offset 16 in linux_dirent and linux_dirent64). */
#define SB_DIRENTS_MAX 8192
#define SB_DIRENTS_COMPLETE 0	/* every byte returned was walked */
#define SB_DIRENTS_BAD 1	/* a d_reclen could not be read, or was 0: count is what came before */
#define SB_DIRENTS_CAPPED 2	/* SB_DIRENTS_MAX entries, and more bytes after them */
#define SB_DIRENT_RECLEN_OFF 16

#define SB_CLONE_PIDFD 0x1000ULL	/* CLONE_PIDFD: clone3 writes a pidfd back through clone_args.pidfd */

/* sb_sc_desc.flags */
#define SB_DESC_ENTER_ITEMS 0x01	/* some argument is captured at entry */
#define SB_DESC_EXIT_ITEMS 0x02		/* some argument is captured at exit */
#define SB_DESC_ENTER_STRINGS 0x04	/* ...and at entry some has a length known only by reading it */
#define SB_DESC_EXIT_STRINGS 0x08	/* the same at exit */
#define SB_DESC_SIGFRAME 0x10		/* rt_sigreturn: argument 0 is the address of the frame's signal mask (SB_ARG_SIGFRAME) */
#define SB_DESC_ONE_STR 0x20		/* the one item at entry is a string (SB_ARG_STR) at argument str_arg (openat, stat...) */
#define SB_DESC_ONE_BUF_OUT 0x40	/* the one item at exit is a buffer (SB_ARG_BUF_OUT) at argument buf_arg (read, pread64...) */

/* One per syscall number, filled by user space from recorder/syscalls. */
struct sb_sc_desc {
	__u8 nargs;
	__u8 flags;
	__u8 kind[6];
	__u16 size[6];
	__u8 str_arg;		/* SB_DESC_ONE_STR: which argument */
	__u8 buf_arg;		/* SB_DESC_ONE_BUF_OUT: which argument */
	__u8 _pad[2];
};

#endif /* STRACEBACK_RECORD_H */
