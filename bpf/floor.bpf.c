// SPDX-License-Identifier: GPL-2.0
/*
 * Programs only the benchmark loads, on the recorder's tracepoints.
 *
 * sb_floor_*: empty. What being attached at all costs every syscall on the
 * host: the floor.
 *
 * sb_helpers_*: for the benchmark's own process (comm "sysbench") only, the
 * helper calls any recorder of timed calls with data makes and straceback
 * cannot do without: a boot-clock read at entry and another at exit, at the
 * exit of pread64 one read of user memory (8 bytes of the buffer), and at
 * the entry of openat one read of its path (up to 128 bytes). Their
 * cost over the floor is the least a traced call can add on this kernel;
 * what straceback adds beyond it is its own.
 */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#if defined(__TARGET_ARCH_x86)
#define SB_NR_PREAD64 17
#define SB_NR_OPENAT 257
#else
#define SB_NR_PREAD64 67
#define SB_NR_OPENAT 56
#endif
/* "sysbench" as the first 8 bytes of task->comm, little-endian. */
#define SB_SYSBENCH_COMM 0x68636e6562737973ULL

__u64 sb_helpers_sink;

SEC("tp_btf/sys_enter")
int sb_floor_enter(__u64 *ctx)
{
	return 0;
}

SEC("tp_btf/sys_exit")
int sb_floor_exit(__u64 *ctx)
{
	return 0;
}

static __always_inline int is_sysbench(void)
{
	struct task_struct *task = bpf_get_current_task_btf();

	return *(const __u64 *)task->comm == SB_SYSBENCH_COMM;
}

SEC("tp_btf/sys_enter")
int sb_helpers_enter(__u64 *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx[0];
	char path[128];

	if (!is_sysbench())
		return 0;
	sb_helpers_sink += bpf_ktime_get_boot_ns();
	if (ctx[1] == SB_NR_OPENAT)
		sb_helpers_sink += bpf_probe_read_user_str(path, sizeof(path), (void *)SB_SYSCALL_ARG1(regs));
	return 0;
}

SEC("tp_btf/sys_exit")
int sb_helpers_exit(__u64 *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx[0];
	__u64 word = 0;

	if (!is_sysbench())
		return 0;
	sb_helpers_sink += bpf_ktime_get_boot_ns();
	if (SB_SYSCALL_NR(regs) == SB_NR_PREAD64 && (__s64)ctx[1] > 0)
		bpf_probe_read_user(&word, sizeof(word), (void *)SB_SYSCALL_ARG1(regs));
	sb_helpers_sink += word;
	return 0;
}
