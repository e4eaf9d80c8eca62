// SPDX-License-Identifier: GPL-2.0
/*
 * Empty programs on the recorder's tracepoints. Only the benchmark loads
 * them: what being attached at all costs every syscall on the host.
 */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

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
