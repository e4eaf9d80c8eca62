// SPDX-License-Identifier: GPL-2.0
/*
 * straceback's kernel side: on every syscall entry and exit, look for the
 * task's mark, which tasks of registered containers' mount namespaces (the
 * filter) carry; for a marked task, append a compact record to its
 * container's overwriting ring.
 * Layouts and protocol: record.h.
 */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "record.h"

char LICENSE[] SEC("license") = "GPL";

/* Load-time settings, written by user space before load. */
const volatile struct sb_sc_desc sb_desc[SB_NR_MAX] = {};
const volatile __u32 sb_str_max = 4096;		/* paths and strings */
const volatile __u32 sb_buf_max = 128;		/* read/write buffer prefixes */
const volatile __u32 sb_argv_max = SB_ARGV_MAX;	/* execve argv entries: 32, as many as strace shows */
const volatile __u32 sb_argv_str_max = 256;	/* bytes per argv entry */

/* mntns inode & (SB_FILTER_SIZE - 1) -> filter entry (record.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SB_FILTER_SIZE);
	__type(key, __u32);
	__type(value, struct sb_filter_entry);
} sb_filter SEC(".maps");

/*
 * Marks, one per task whose mount namespace was in the filter when the task
 * was made (sb_mark_new_task), moved namespaces (sb_sys_exit after setns or
 * unshare) or was scanned (sb_mark_tasks, run by user space after every
 * filter add and adoption; it also takes away marks that no longer apply). A mark holds the namespace's filter entry and its
 * ring's generation: the programs go from a task straight to its ring, and
 * a ring that is not the one the mark was made for any more (a mark left
 * over, its slot given to another container) is never written.
 */
struct sb_mark {
	__u64 packed;		/* the namespace's filter entry (class and slot) */
	__u64 generation;	/* its ring's, when the mark was made */
	/*
	 * The string arguments (bit per argument) whose memory could not be read
	 * at entry of the task's current call, and that call's number: sys_exit
	 * reads them again. A string in a page the task has not touched yet (a
	 * path in a binary's read-only data) is not there for a BPF program at
	 * entry, but the kernel has faulted it in by the time the call returns.
	 */
	__u32 refetch;
	__u32 refetch_nr;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sb_mark);
} sb_marks SEC(".maps");

/* Traced namespaces whose filter index is taken by another one: inode -> entry. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SB_SLOTS);
	__type(key, __u32);
	__type(value, struct sb_filter_entry);
} sb_filter_shared SEC(".maps");

struct sb_scratch_buf {
	__u8 b[SB_SCRATCH];
};

/* Where records with strings and buffers are built before they are sized. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sb_scratch_buf);
} sb_scratch SEC(".maps");

#define SB_RING_BYTES(c) (1ULL << (SB_RING_MIN_SHIFT + (c)))

/* One outer map per ring size class: slot -> that container's ring map. */
#define SB_RING_CLASS(c)								\
	struct {									\
		__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);				\
		__uint(max_entries, SB_SLOTS);						\
		__type(key, __u32);							\
		__array(values, struct {						\
			__uint(type, BPF_MAP_TYPE_ARRAY);				\
			__uint(max_entries, 1);						\
			__type(key, __u32);						\
			__uint(value_size, sizeof(struct sb_ring_hdr) +		\
					   SB_RING_BYTES(c) + SB_SLACK);		\
			__uint(map_flags, BPF_F_MMAPABLE);				\
		});									\
	} sb_rings_##c SEC(".maps")

SB_RING_CLASS(0);
SB_RING_CLASS(1);
SB_RING_CLASS(2);
SB_RING_CLASS(3);
SB_RING_CLASS(4);
SB_RING_CLASS(5);
SB_RING_CLASS(6);
SB_RING_CLASS(7);
SB_RING_CLASS(8);
SB_RING_CLASS(9);
SB_RING_CLASS(10);

/* bpf_get_current_task_btf() is looked up once per event and handed down. */
static __always_inline struct task_struct *current(void)
{
	return bpf_get_current_task_btf();
}

/* The entry's ring, if it is the task's very namespace and not one that reused its inode. */
static __always_inline __u64 same_namespace(const struct sb_filter_entry *e, struct mnt_namespace *mnt)
{
	if (e->ns_id && bpf_core_field_exists(mnt->ns.ns_id) && mnt->ns.ns_id != e->ns_id)
		return 0;
	return e->packed;
}

/* Returns the filter entry of the task's mount namespace, or 0 (a full lookup: marks save it). */
static __always_inline __u64 filter_entry(struct task_struct *task)
{
	struct mnt_namespace *mnt = task->nsproxy->mnt_ns;
	__u32 inum = mnt->ns.inum;
	__u32 idx = inum & (SB_FILTER_SIZE - 1);
	struct sb_filter_entry *e = bpf_map_lookup_elem(&sb_filter, &idx);
	__u64 v;

	if (!e)
		return 0;
	v = e->packed;
	if ((__u32)(v >> 32) == inum && (v & SB_FILTER_VALID))
		return same_namespace(e, mnt);
	if (!(v & SB_FILTER_SHARED))
		return 0;
	e = bpf_map_lookup_elem(&sb_filter_shared, &inum);
	return e ? same_namespace(e, mnt) : 0;
}

/*
 * The mark of a task whose mount namespace is recorded, or 0. An unmarked
 * task costs one load from its own task_struct: the passive path of every
 * other syscall on the host, which would otherwise walk nsproxy, mnt_ns and
 * the filter, three cache lines that are cold at syscall entry.
 */
static __always_inline struct sb_mark *marked(struct task_struct *task)
{
	if (!task->bpf_storage)
		return 0;
	return bpf_task_storage_get(&sb_marks, task, 0, 0);
}

static __always_inline struct sb_ring_hdr *ring_of(void *outer, __u32 slot)
{
	__u32 zero = 0;
	void *inner = bpf_map_lookup_elem(outer, &slot);

	if (!inner)
		return 0;
	return bpf_map_lookup_elem(inner, &zero);
}

/*
 * Expands BODY once per size class with `ring` and the constant `mask` in
 * scope, so the verifier sees each ring's own bounds. A ring whose
 * generation is not gen (0: any) is left alone.
 */
#define SB_CASE(c, slot, gen, BODY)						\
	case c: {								\
		struct sb_ring_hdr *ring = ring_of(&sb_rings_##c, slot);	\
		const __u64 mask = SB_RING_BYTES(c) - 1;			\
		if (!ring || ((gen) && ring->generation != (gen)))		\
			return 0;						\
		BODY;								\
		return 0;							\
	}
#define SB_WITH_RING_GEN(entry, gen, BODY)					\
	do {									\
		__u32 slot_ = (entry) & SB_FILTER_SLOT_MASK;			\
		__u64 gen_ = (gen);						\
		switch (((entry) >> SB_FILTER_CLASS_SHIFT) & 0xf) {		\
		SB_CASE(0, slot_, gen_, BODY) SB_CASE(1, slot_, gen_, BODY)	\
		SB_CASE(2, slot_, gen_, BODY) SB_CASE(3, slot_, gen_, BODY)	\
		SB_CASE(4, slot_, gen_, BODY) SB_CASE(5, slot_, gen_, BODY)	\
		SB_CASE(6, slot_, gen_, BODY) SB_CASE(7, slot_, gen_, BODY)	\
		SB_CASE(8, slot_, gen_, BODY) SB_CASE(9, slot_, gen_, BODY)	\
		SB_CASE(10, slot_, gen_, BODY)					\
		}								\
	} while (0)
/* The ring a mark points to. */
#define SB_WITH_RING(m, BODY)							\
	do {									\
		__u64 e_ = (m)->packed, g_ = (m)->generation;			\
		SB_WITH_RING_GEN(e_, g_, BODY);					\
	} while (0)

/* Whether the ring of a filter entry is still the one of that generation: a mark made for it still holds. */
__attribute__((noinline)) int sb_ring_live(__u64 entry, __u64 generation)
{
	if (!generation)
		return 0;
	SB_WITH_RING_GEN(entry, generation, {
		(void)mask;
		(void)ring;
		return 1;
	});
	return 0;
}

/*
 * Marks the task for the ring of its mount namespace if that is recorded.
 * Else a task keeps the container it came from, while that mark's ring is
 * still the one it was made for: a task that unshared keeps its own mark
 * (keep), and a new task (parent given) takes its parent's, so a nested
 * container, `unshare -m`, a service with a private /tmp stay the
 * container's. Any other mark is taken away: a task that joins a namespace
 * no container is recorded in with setns (a host agent that looked into a
 * container and went back) is the container's no more. A mark that cannot
 * be made (out of memory) loses that task's records, so its ring's dropped
 * count goes up.
 */
static __always_inline int mark_task(struct task_struct *task, struct task_struct *parent, int keep)
{
	__u64 entry = filter_entry(task), generation = 0;
	struct sb_mark *m, *from = 0;

	if (!entry) {
		if (keep && task->bpf_storage)
			from = bpf_task_storage_get(&sb_marks, task, 0, 0);
		else if (parent && parent->bpf_storage)
			from = bpf_task_storage_get(&sb_marks, parent, 0, 0);
		if (from) {
			entry = from->packed;
			generation = from->generation;
		}
		if (!sb_ring_live(entry, generation)) {
			if (task->bpf_storage)
				bpf_task_storage_delete(&sb_marks, task);
			return 0;
		}
		if (!parent)
			return 0;	/* its own mark, which holds */
	}
	m = bpf_task_storage_get(&sb_marks, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	SB_WITH_RING_GEN(entry, generation, {
		(void)mask;
		if (m) {
			m->packed = entry;
			m->generation = ring->generation;
		} else {
			__sync_fetch_and_add(&ring->dropped, 1);
		}
	});
	return 0;
}

/* Reserves size bytes; returns where to write. */
static __always_inline __u8 *reserve(struct sb_ring_hdr *ring, __u64 mask, __u32 size,
				     __u64 *pos, __u16 *seq)
{
	__u64 stride = (size + 7) & ~7U;
	__u64 old = __sync_fetch_and_add(&ring->head, stride | SB_HEAD_ONE_REC);

	/* One locked add per SB_COUNT_STEP records instead of one per record (record.h). */
	if (!((old >> SB_HEAD_POS_BITS) & (SB_COUNT_STEP - 1)))
		__sync_fetch_and_add(&ring->count, SB_COUNT_STEP);
	*pos = old & SB_HEAD_POS_MASK;
	*seq = old >> SB_HEAD_POS_BITS;
	return (__u8 *)(ring + 1) + (*pos & mask & ~7ULL);
}

/*
 * Publishes a record: its body must be visible before its commit word. x86
 * makes stores visible in program order, so once the compiler has put the
 * body's stores first (the barrier), a plain store does it, where a locked
 * exchange waits for the store buffer to drain. Elsewhere an exchange, a
 * full barrier.
 */
static __always_inline void commit(struct sb_ring_hdr *ring, __u8 *rec, __u64 pos)
{
#if defined(__TARGET_ARCH_x86)
	asm volatile("" ::: "memory");
	*(volatile __u64 *)rec = pos ^ ring->key;
#else
	__sync_lock_test_and_set((__u64 *)rec, pos ^ ring->key);
#endif
}

static __always_inline __u64 syscall_arg(struct pt_regs *regs, int i)
{
	switch (i) {
	case 0: return SB_SYSCALL_ARG0(regs);
	case 1: return SB_SYSCALL_ARG1(regs);
	case 2: return SB_SYSCALL_ARG2(regs);
	case 3: return SB_SYSCALL_ARG3(regs);
	case 4: return SB_SYSCALL_ARG4(regs);
	default: return SB_SYSCALL_ARG5(regs);
	}
}

/* task->comm as two 8-byte loads instead of a helper call. */
static __always_inline void copy_comm(char *dst, struct task_struct *task)
{
	const __u64 *src = (const __u64 *)task->comm;

	((__u64 *)dst)[0] = src[0];
	((__u64 *)dst)[1] = src[1];
}

static __always_inline void fill_head(struct sb_rec *h, __u64 ts, __u32 tid, __u32 size,
				      __u32 nr, __u8 kind)
{
	h->ts = ts;
	h->tid = tid;
	h->size = size;
	h->cpu = bpf_get_smp_processor_id();
	h->nr = nr;
	h->kind = kind;
}

#define SB_ITEM_ROOM (SB_SCRATCH - SB_ITEM_MAX - 64)

/*
 * The item writers below are global functions: the verifier checks each once
 * with unknown arguments instead of once per path through the callers, which
 * keeps verification linear. Each returns the offset after what it wrote and
 * counts its item in the record head.
 */

/* Item writers take kind, argument index and byte cap packed in one word (BPF calls take five arguments). */
#define SPEC(kind, arg, cap) ((kind) | ((arg) << 8) | ((__u32)(cap) << 16))

/* Item data is 4-byte aligned; the offset after an item of len bytes at off. */
static __always_inline __u32 item_end(__u32 off, __u32 len)
{
	return (off + sizeof(struct sb_item) + len + 3) & ~3U;
}

/* A NUL-terminated user string as an item at off. */
__attribute__((noinline)) int sb_put_str(struct sb_scratch_buf *buf, __u32 off, __u32 spec,
					 __u64 uptr)
{
	__u32 kind = spec & 0xff, arg = (spec >> 8) & 0xff, cap = spec >> 16;
	struct sb_item *it;
	long n;

	if (!buf || off > SB_ITEM_ROOM)
		return off;
	if (cap > SB_ITEM_MAX)
		cap = SB_ITEM_MAX;
	it = (void *)(buf->b + off);
	it->arg = arg;
	((struct sb_rec *)buf->b)->nitems++;
	/* Read two more than cap: a result of cap + 2 means the string was longer. */
	n = bpf_probe_read_user_str(buf->b + off + sizeof(*it), cap + 2, (void *)uptr);
	if (n <= 0) {
		it->len = 0;
		it->type = kind | SB_ITEM_FAULT;
		return off + sizeof(*it);
	}
	n -= 1;
	it->type = kind;
	if (n > cap) {
		n = cap;
		it->type = kind | SB_ITEM_TRUNCATED;
	}
	it->len = n;
	return item_end(off, n & (SB_ITEM_MAX * 2 - 1));
}

/*
 * Small reads of user memory go through the stack. With hardened usercopy
 * the kernel checks every copy's destination, and for a ring (vmalloc'd,
 * being mmapable) that costs more than for the stack (bench/bpf-cost.js:
 * 40-57 ns less per 128-byte read of pread's buffer here, with
 * __check_object_size in the profile). The copy on into the ring is plain
 * loads and stores.
 */
#define SB_STAGE_MAX 128
/* n bytes (at most SB_STAGE_MAX) from the stack to dst. */
static __always_inline void copy_staged(__u8 *dst, const __u64 *tmp, __u32 n)
{
	__u32 words = n / 8, rest = n % 8, j, k;

	/* Unrolled, so every stack offset is a constant, as the verifier wants. */
#pragma unroll
	for (j = 0; j < SB_STAGE_MAX / 8; j++) {
		if (j < words) {
			((volatile __u64 *)dst)[j] = tmp[j];
		} else {
			__u64 w = tmp[j];

#pragma unroll
			for (k = 0; k < 7; k++)
				if (k < rest)
					((volatile __u8 *)dst)[j * 8 + k] = w >> (8 * k);
			break;
		}
	}
}

/* n bytes (at most SB_STAGE_MAX) from map memory (scratch) to dst, with plain loads and stores. */
static __always_inline void copy_short(__u8 *dst, const __u8 *src, __u32 n)
{
	__u32 words = n / 8, j;

	for (j = 0; j < SB_STAGE_MAX / 8; j++) {
		if (j >= words)
			break;
		((volatile __u64 *)dst)[j] = ((const __u64 *)src)[j];
	}
	for (j = words * 8; j < n && j < SB_STAGE_MAX; j++)
		((volatile __u8 *)dst)[j] = src[j];
}

static __always_inline long stage_user(__u8 *dst, __u32 n, __u64 uptr)
{
	__u64 tmp[SB_STAGE_MAX / 8];
	long err;

	if (n > SB_STAGE_MAX)
		return -1;
	err = bpf_probe_read_user(tmp, n, (void *)uptr);
	if (err)
		return err;
	copy_staged(dst, tmp, n);
	return 0;
}

/* n bytes (at most SB_ITEM_MAX) of user memory to dst; nonzero if they could not be read. */
static __always_inline long read_user(__u8 *dst, __u32 n, __u64 uptr)
{
	if (n <= SB_STAGE_MAX)
		return stage_user(dst, n, uptr);
	return bpf_probe_read_user(dst, n & (SB_ITEM_MAX * 2 - 1), (void *)uptr);
}

/* len bytes of user memory as an item at off, at most cap of them. */
__attribute__((noinline)) int sb_put_mem(struct sb_scratch_buf *buf, __u32 off, __u32 spec,
					 __u64 uptr, __u64 len)
{
	__u32 kind = spec & 0xff, arg = (spec >> 8) & 0xff, cap = spec >> 16;
	struct sb_item *it;
	__u32 n;

	if (!buf || off > SB_ITEM_ROOM)
		return off;
	if (cap > SB_ITEM_MAX)
		cap = SB_ITEM_MAX;
	n = len > cap ? cap : len;
	it = (void *)(buf->b + off);
	it->arg = arg;
	it->type = kind | (len > cap ? SB_ITEM_TRUNCATED : 0);
	((struct sb_rec *)buf->b)->nitems++;
	if (n > SB_ITEM_MAX)
		n = SB_ITEM_MAX;
	if (n && read_user(buf->b + off + sizeof(*it), n, uptr)) {
		it->len = 0;
		it->type = kind | SB_ITEM_FAULT;
		return off + sizeof(*it);
	}
	it->len = n;
	return item_end(off, n);
}

/* execve argv: one item per entry, the last flagged MORE if entries were left. */
__attribute__((noinline)) int sb_put_argv(struct sb_scratch_buf *buf, __u32 off, __u32 arg,
					  __u64 uargv)
{
	__u32 last = SB_SCRATCH;
	__u64 p;
	int j;

	if (!buf)
		return off;
	/* One entry past the most kept: read to tell whether there were more. */
	for (j = 0; j <= SB_ARGV_MAX; j++) {
		if (bpf_probe_read_user(&p, sizeof(p), (void *)(uargv + j * 8)) || !p)
			break;
		if (j >= sb_argv_max || off > SB_ITEM_ROOM) {
			if (last <= SB_ITEM_ROOM)
				((struct sb_item *)(buf->b + last))->type |= SB_ITEM_MORE;
			break;
		}
		last = off;
		off = sb_put_str(buf, off, SPEC(SB_ARG_ARGV, arg, sb_argv_str_max), p);
	}
	return off;
}

#define SB_ENVP_CHUNK 64	/* pointers read at once: a 512-byte block, never across a page */

/* Where sb_put_envp's walk is: kept on the stack, handed to each step. */
struct sb_envp_walk {
	__u64 block;	/* address of the next block */
	__u32 chunk;	/* scratch offset of the block's copy */
	__u32 count;	/* non-NULL slots seen (the first block's leading ones included) */
	__u32 skip;	/* slots of the first block before envp */
	__u32 end;	/* SB_ENVP_*, or SB_ENVP_FAULT */
};
#define SB_ENVP_FAULT 3	/* the first read failed */

/* One block of envp: returns 1 when the walk is over. */
static __always_inline long envp_block(struct sb_scratch_buf *buf, struct sb_envp_walk *w, __u32 index)
{
	__u32 lead = index == 0 ? w->skip * 8 : 0, j;
	__u64 *chunk;

	if (!buf || w->chunk > SB_ITEM_ROOM + 16)
		return 1;
	if (lead >= SB_ENVP_CHUNK * 8)
		lead = 0;
	chunk = (void *)(buf->b + w->chunk);
	if (bpf_probe_read_user((__u8 *)chunk + lead, SB_ENVP_CHUNK * 8 - lead, (void *)(w->block + lead))) {
		w->end = index == 0 ? SB_ENVP_FAULT : SB_ENVP_UNTERMINATED;
		return 1;
	}
	for (j = 0; j < SB_ENVP_CHUNK; j++)
		if (!chunk[j])
			break;
	w->count += j;
	if (j < SB_ENVP_CHUNK) {
		w->end = SB_ENVP_TERMINATED;
		return 1;
	}
	if (w->count >= SB_ENVP_MAX + w->skip)
		return 1;
	w->block += SB_ENVP_CHUNK * 8;
	return 0;
}

/* bpf_loop's step: the block copy is in this CPU's scratch, where the record is built. */
static long envp_step(__u64 index, void *ctx)
{
	__u32 zero = 0;

	return envp_block(bpf_map_lookup_elem(&sb_scratch, &zero), ctx, index);
}

/*
 * envp: how many pointers come before the NULL, up to about SB_ENVP_MAX,
 * read a 512-byte block at a time into the space after the item (unused by
 * the record, which is built in scratch). Blocks are aligned (for an aligned
 * envp), so a read never runs into the next page: the first one starts at
 * envp and fills the end of its block, whose leading slots are set to count
 * as pointers and are taken off at the end. With bpf_loop (Linux 5.17+) the
 * verifier checks one step instead of every iteration.
 */
__attribute__((noinline)) int sb_put_envp(struct sb_scratch_buf *buf, __u32 off, __u32 arg, __u64 uenvp)
{
	__u32 skip = (uenvp & 511) / 8, c, j;
	struct sb_envp_walk w = {
		.block = uenvp - skip * 8,
		.chunk = off + sizeof(struct sb_item) + 8,
		.skip = skip,
		.end = SB_ENVP_CAPPED,
	};
	struct sb_item *it;
	__u64 *chunk;

	if (!buf || off > SB_ITEM_ROOM)
		return off;
	it = (void *)(buf->b + off);
	it->arg = arg;
	it->type = SB_ARG_MEM_IN;
	((struct sb_rec *)buf->b)->nitems++;
	chunk = (void *)(buf->b + off + sizeof(*it) + 8);
	for (j = 0; j < SB_ENVP_CHUNK; j++)
		chunk[j] = ~0ULL;
	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_loop)) {
		bpf_loop(SB_ENVP_MAX / SB_ENVP_CHUNK + 1, envp_step, &w, 0);
	} else {
		for (c = 0; c <= SB_ENVP_MAX / SB_ENVP_CHUNK; c++)
			if (envp_block(buf, &w, c))
				break;
	}
	if (w.end == SB_ENVP_FAULT) {
		it->len = 0;
		it->type = SB_ARG_MEM_IN | SB_ITEM_FAULT;
		return off + sizeof(*it);
	}
	/* A count that reached the cap says "at least SB_ENVP_MAX", whichever block it stopped in. */
	((__u32 *)(it + 1))[0] = w.end == SB_ENVP_CAPPED ? SB_ENVP_MAX : w.count > skip ? w.count - skip : 0;
	((__u32 *)(it + 1))[1] = w.end;
	it->len = 8;
	return item_end(off, 8);
}

/* Where sb_put_dirents's walk is (bpf_loop's context). */
struct sb_dirent_walk {
	__u64 addr;	/* the buffer */
	__u64 end;	/* bytes the call returned */
	__u64 off;	/* the next entry */
	__u32 count;
	__u32 state;	/* SB_DIRENTS_* */
};

/* One entry: returns 1 when the walk is over. */
static __always_inline long dirent_next(struct sb_dirent_walk *w)
{
	__u16 reclen = 0;

	if (w->off >= w->end) {
		w->state = SB_DIRENTS_COMPLETE;
		return 1;
	}
	if (bpf_probe_read_user(&reclen, sizeof(reclen), (void *)(w->addr + w->off + SB_DIRENT_RECLEN_OFF)) || !reclen) {
		w->state = SB_DIRENTS_BAD;
		return 1;
	}
	w->off += reclen;
	w->count++;
	return 0;
}

static long dirent_step(__u64 index, void *ctx)
{
	return dirent_next(ctx);
}

/*
 * getdents/getdents64 at exit: how many entries the ret bytes at udirent
 * hold (strace shows the count), as {u32 count, u32 SB_DIRENTS_*}.
 */
__attribute__((noinline)) int sb_put_dirents(struct sb_scratch_buf *buf, __u32 off, __u32 arg, __u64 udirent, __u64 ret)
{
	struct sb_dirent_walk w = { .addr = udirent, .end = ret, .state = SB_DIRENTS_CAPPED };
	struct sb_item *it;
	__u32 k;

	if (!buf || off > SB_ITEM_ROOM)
		return off;
	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_loop)) {
		bpf_loop(SB_DIRENTS_MAX, dirent_step, &w, 0);
	} else {
		for (k = 0; k < 256; k++)
			if (dirent_next(&w))
				break;
	}
	if (w.state == SB_DIRENTS_CAPPED && w.off >= w.end)
		w.state = SB_DIRENTS_COMPLETE;
	it = (void *)(buf->b + off);
	it->arg = arg;
	it->type = SB_ARG_MEM_OUT;
	it->len = 8;
	((struct sb_rec *)buf->b)->nitems++;
	((__u32 *)(it + 1))[0] = w.count;
	((__u32 *)(it + 1))[1] = w.state;
	return item_end(off, 8);
}

/*
 * An iovec array as items of one argument, by part: the array (at most
 * SB_MSG_IOV_MAX; one more entry read says there were more) and each of those
 * iovecs' data, data_max bytes in all (readv, recvmsg: the return value).
 * spec: the items' kind (MEM_IN at entry, MEM_OUT at exit), the argument, and
 * in place of the cap the iovec count (IOV_CNT: up to 0xffff; IOV_MAX is 1024).
 */
#define IOV_CNT(n) ((n) > 0xffff ? 0xffff : (n))
__attribute__((noinline)) int sb_put_iovecs(struct sb_scratch_buf *buf, __u32 off, __u32 spec,
					    __u64 iovp, __u64 data_max)
{
	__u32 kind = spec & 0xff, arg = (spec >> 8) & 0xf, iov = off, k, n, iovlen = spec >> 16;
	struct sb_item *it;

	if (!buf || off > SB_ITEM_ROOM || !iovp || !iovlen)
		return off;
	n = iovlen > SB_MSG_IOV_MAX ? SB_MSG_IOV_MAX : iovlen;
	off = sb_put_mem(buf, off, SPEC(kind, arg | (SB_PART_MSG_IOV << SB_ITEM_PART_SHIFT), SB_MSG_IOV_MAX * 16),
			 iovp, iovlen > SB_MSG_IOV_MAX ? (SB_MSG_IOV_MAX + 1) * 16 : iovlen * 16);
	it = (void *)(buf->b + iov);
	if (it->len != n * 16)
		n = 0;
	for (k = 0; k < SB_MSG_IOV_MAX && k < n; k++) {
		__u64 base = *(__u64 *)(buf->b + iov + 4 + k * 16);
		__u64 len = *(__u64 *)(buf->b + iov + 4 + k * 16 + 8);

		if (off > SB_ITEM_ROOM) {
			((struct sb_rec *)buf->b)->flags |= SB_REC_ITEMS_CUT;
			return off;
		}
		if (len > data_max)
			len = data_max;
		data_max -= len;
		off = sb_put_mem(buf, off, SPEC(kind, arg | (SB_PART_MSG_DATA << SB_ITEM_PART_SHIFT), sb_buf_max),
				 base, base ? len : 0);
	}
	return off;
}

/*
 * pselect6's last argument, struct { const sigset_t *ss; size_t ss_len }, as
 * items of one argument: its 16 bytes, then the mask ss points to when
 * ss_len is 8, the size the kernel takes (part SB_PART_SIGMASK).
 */
__attribute__((noinline)) int sb_put_sigmask_arg(struct sb_scratch_buf *buf, __u32 off, __u32 arg, __u64 uptr)
{
	__u32 at = off;
	__u64 ss, len;

	if (!buf || off > SB_ITEM_ROOM)
		return off;
	off = sb_put_mem(buf, off, SPEC(SB_ARG_MEM_IN, arg, 16), uptr, 16);
	if (((struct sb_item *)(buf->b + at))->len != 16)
		return off;
	ss = *(__u64 *)(buf->b + at + sizeof(struct sb_item));
	len = *(__u64 *)(buf->b + at + sizeof(struct sb_item) + 8);
	if (!ss || len != 8)
		return off;
	return sb_put_mem(buf, off, SPEC(SB_ARG_MEM_IN, arg | (SB_PART_SIGMASK << SB_ITEM_PART_SHIFT), 8), ss, 8);
}

/*
 * struct user_msghdr as items of one argument, by part: the header, the
 * name, the iovecs with their data (sb_put_iovecs) and the control data.
 * kind is the items' kind (MEM_IN at entry, MEM_OUT at exit).
 */
__attribute__((noinline)) int sb_put_msghdr(struct sb_scratch_buf *buf, __u32 off, __u32 spec,
					    __u64 umsg, __u64 data_max)
{
	__u32 kind = spec & 0xff, arg = (spec >> 8) & 0xf, hdr = off;
	__u64 name, iovp, iovlen, control, controllen;
	__s32 namelen;
	struct sb_item *it;

	if (!buf || off > SB_ITEM_ROOM)
		return off;
	off = sb_put_mem(buf, off, SPEC(kind, arg | (SB_PART_MSG_HEADER << SB_ITEM_PART_SHIFT), SB_MSGHDR_SIZE),
			 umsg, SB_MSGHDR_SIZE);
	it = (void *)(buf->b + hdr);
	if (it->len != SB_MSGHDR_SIZE)
		return off;
	name = *(__u64 *)(buf->b + hdr + 4);
	namelen = *(__s32 *)(buf->b + hdr + 4 + 8);
	iovp = *(__u64 *)(buf->b + hdr + 4 + 16);
	iovlen = *(__u64 *)(buf->b + hdr + 4 + 24);
	control = *(__u64 *)(buf->b + hdr + 4 + 32);
	controllen = *(__u64 *)(buf->b + hdr + 4 + 40);
	if (name && namelen > 0)
		off = sb_put_mem(buf, off, SPEC(kind, arg | (SB_PART_MSG_NAME << SB_ITEM_PART_SHIFT), SB_SOCKADDR_MAX),
				 name, namelen);
	off = sb_put_iovecs(buf, off, SPEC(kind, arg, IOV_CNT(iovlen)), iovp, data_max);
	if (control && controllen)
		off = sb_put_mem(buf, off, SPEC(kind, arg | (SB_PART_MSG_CONTROL << SB_ITEM_PART_SHIFT), SB_MSG_CONTROL_MAX),
				 control, controllen);
	return off;
}

/* clone3, in the parent: the pidfd the kernel wrote through clone_args.pidfd, if the flags asked for one. */
__attribute__((noinline)) int sb_put_clone_pidfd(struct sb_scratch_buf *buf, __u32 off, __u32 arg, __u64 uargs)
{
	__u64 head[2];	/* flags, pidfd */

	if (!buf || off > SB_ITEM_ROOM)
		return off;
	if (bpf_probe_read_user(head, sizeof(head), (void *)uargs) || !(head[0] & SB_CLONE_PIDFD) || !head[1])
		return off;
	return sb_put_mem(buf, off, SPEC(SB_ARG_MEM_OUT, arg, 4), head[1], 4);
}

/* Arguments of one event, and the bytes each captured item will take. */
struct sb_args {
	__u64 a[6];
	__u64 len[6];	/* requested length of sized items (before the cap) */
	__s64 ret;	/* at exit, the return value; 0 at entry */
	__u32 faulted;	/* sb_put_items at entry: the string arguments it could not read (bit per argument) */
};

static __always_inline __u32 cap_for(__u8 kind, const volatile struct sb_sc_desc *d, __u32 i)
{
	switch (kind) {
	case SB_ARG_BUF_IN:
	case SB_ARG_BUF_OUT:
	case SB_ARG_FSCONFIG_VALUE: /* its SET_BINARY bytes; strings are put with STR's cap */
		return sb_buf_max > SB_ITEM_MAX ? SB_ITEM_MAX : sb_buf_max;
	case SB_ARG_SOCKADDR_IN:
	case SB_ARG_SOCKADDR_OUT:
		return SB_SOCKADDR_MAX;
	case SB_ARG_MEM_IN:
	case SB_ARG_MEM_OUT:
	case SB_ARG_MEM_INOUT:
	case SB_ARG_CLONE_ARGS:
	case SB_ARG_STRUCT_IN:
	case SB_ARG_FUTEX_TIME:
	case SB_ARG_FDSET:
	case SB_ARG_TIME_LEFT:
		return d->size[i] > SB_ITEM_MAX ? SB_ITEM_MAX : d->size[i];
	case SB_ARG_ARRAY_INOUT:
	case SB_ARG_ARRAY_OUT:
	case SB_ARG_ARRAY_IN:
		return SB_ITEM_MAX;
	case SB_ARG_IOV_OUT:
		return SB_MSG_IOV_MAX * 16;
	case SB_ARG_PRCTL_NAME:
		return SB_TASK_COMM_LEN;
	case SB_ARG_DIRENTS:
	case SB_ARG_SIGFRAME:
		return 8;
	default:
		return sb_str_max > SB_ITEM_MAX ? SB_ITEM_MAX : sb_str_max;
	}
}

/*
 * Fills args->len for the sized items of one phase and returns the bytes all
 * items will take, or SB_SCRATCH if some item's size is known only by
 * reading it (strings, envp, msghdr). The lengths are read once here and
 * reused by the writer, so a process that changes them meanwhile cannot make
 * a record outgrow its reservation. A NULL pointer has no item. Every case
 * here has its twin in sb_put_items.
 */
__attribute__((noinline)) int sb_size_items(__u32 nr_phase, struct sb_args *args)
{
	__u32 nr = nr_phase & (SB_NR_MAX - 1), at_exit = nr_phase >> 16, total = 0, i, nargs;
	const volatile struct sb_sc_desc *d = &sb_desc[nr];
	int variable = 0;
	__s64 ret;

	if (!args)
		return SB_SCRATCH;
	ret = args->ret;
	nargs = d->nargs > 6 ? 6 : d->nargs;
	if (d->flags & SB_DESC_SIGFRAME)
		nargs = 1;

	for (i = 0; i < 6; i++) {
		__u8 kind = d->kind[i];
		__u64 next = i < 5 ? args->a[i + 1] : 0, n = 0;
		int ulen = 0;

		args->len[i] = 0;
		if (i >= nargs || kind == SB_ARG_NONE || !args->a[i])
			continue;
		if (at_exit && ret < 0 && kind != SB_ARG_TIME_LEFT)
			continue;
		switch (kind) {
		case SB_ARG_BUF_IN:
		case SB_ARG_SOCKADDR_IN:
			if (at_exit)
				continue;
			n = next;
			break;
		case SB_ARG_MEM_IN:
			if (at_exit)
				continue;
			n = d->size[i];
			break;
		case SB_ARG_BUF_OUT:
			if (!at_exit)
				continue;
			n = ret > 0 ? ret : 0;
			break;
		case SB_ARG_MEM_OUT:
			if (!at_exit)
				continue;
			n = d->size[i];
			break;
		case SB_ARG_SOCKADDR_OUT:
			if (!at_exit)
				continue;
			if (next && bpf_probe_read_user(&ulen, sizeof(ulen), (void *)next) == 0 && ulen > 0)
				n = ulen;
			break;
		case SB_ARG_MEM_INOUT:
			n = d->size[i];
			break;
		case SB_ARG_ARRAY_INOUT:
			if (at_exit && ret <= 0)
				continue;
			n = (__u64)(__u32)next * d->size[i];
			break;
		case SB_ARG_CLONE_ARGS:
			if (at_exit && ret <= 0)
				continue;
			n = at_exit ? 4 : next;
			break;
		case SB_ARG_STRUCT_IN:
			if (at_exit)
				continue;
			n = next;
			break;
		case SB_ARG_FSCONFIG_VALUE:
			if (at_exit)
				continue;
			if (SB_FSCONFIG_STRINGS((__u32)args->a[1]))
				variable = 1;
			if ((__u32)args->a[1] != SB_FSCONFIG_SET_BINARY)
				continue;
			n = (__u32)next;
			break;
		case SB_ARG_ARRAY_OUT:
			if (!at_exit || ret <= 0)
				continue;
			n = (__u64)ret * d->size[i];
			break;
		case SB_ARG_MSGHDR_OUT:
			if (at_exit) {
				variable = 1;
				continue;
			}
			n = SB_MSGHDR_SIZE;
			break;
		case SB_ARG_ENVP:
		case SB_ARG_MSGHDR_IN:
		case SB_ARG_IOV_IN:
		case SB_ARG_SIGMASK_ARG:
			if (!at_exit)
				variable = 1;
			continue;
		case SB_ARG_PRCTL_NAME:
			if (!at_exit && (__u32)args->a[0] == SB_PR_SET_NAME)
				variable = 1;
			if (!at_exit || (__u32)args->a[0] != SB_PR_GET_NAME || ret != 0)
				continue;
			n = SB_TASK_COMM_LEN;
			break;
		case SB_ARG_FUTEX_TIME:
			if (at_exit || !SB_FUTEX_WAITS_OP((__u32)args->a[1]))
				continue;
			n = d->size[i];
			break;
		case SB_ARG_DIRENTS:
			if (!at_exit || ret <= 0)
				continue;
			n = 8;
			break;
		case SB_ARG_ARRAY_IN:
			if (at_exit || i == 0)
				continue;
			n = (__u64)(__u32)args->a[(i - 1) & 7] * d->size[i];
			break;
		case SB_ARG_TIME_LEFT:
			if (!at_exit || !SB_IS_RESTART(ret))
				continue;
			n = d->size[i];
			break;
		case SB_ARG_SIGFRAME:
			if (at_exit)
				continue;
			n = 8;
			break;
		case SB_ARG_FDSET:
			if ((at_exit && ret <= 0) || (__s32)args->a[0] <= 0)
				continue;
			n = ((__u64)(__u32)args->a[0] + 63) / 64 * 8;
			break;
		case SB_ARG_IOV_OUT:
			if (at_exit) {
				variable = 1;
				continue;
			}
			/* at entry the array alone, one entry more than kept saying there were more */
			n = next > SB_MSG_IOV_MAX ? (SB_MSG_IOV_MAX + 1) * 16 : next * 16;
			break;
		default: /* STR, ARGV, STR_OUT */
			if ((kind == SB_ARG_STR_OUT) == !!at_exit)
				variable = 1;
			continue;
		}
		args->len[i] = n;
		if (n > cap_for(kind, d, i))
			n = cap_for(kind, d, i);
		total += sizeof(struct sb_item) + ((n + 3) & ~3U);
	}
	return variable ? SB_SCRATCH : total;
}

/*
 * A string argument at entry; one that could not be read (its page not
 * touched yet) is marked in args->faulted for sys_exit to read it again.
 */
static __always_inline __u32 put_entry_str(struct sb_scratch_buf *buf, __u32 off, __u32 spec, __u64 a,
					   struct sb_args *args, __u32 i)
{
	__u32 at = off;

	off = sb_put_str(buf, off, spec, a);
	/* The item's type byte (masked: the verifier's bound, the same offset). */
	if (buf->b[(at + offsetof(struct sb_item, type)) & (SB_SCRATCH - 1)] & SB_ITEM_FAULT)
		args->faulted |= 1U << i;
	return off;
}

/*
 * Captures the data behind the arguments of one phase at buf+off, which is
 * either per-CPU scratch or a reserved place in a ring. Global, so the
 * verifier checks it once. Returns the offset after the last item.
 */
__attribute__((noinline)) int sb_put_items(struct sb_scratch_buf *buf, __u32 off, __u32 nr_phase,
					   struct sb_args *args)
{
	__u32 nr = nr_phase & (SB_NR_MAX - 1), at_exit = nr_phase >> 16, i, nargs;
	const volatile struct sb_sc_desc *d = &sb_desc[nr];

	if (!buf || !args)
		return off;
	nargs = d->nargs > 6 ? 6 : d->nargs;
	if (d->flags & SB_DESC_SIGFRAME)
		nargs = 1;
	for (i = 0; i < 6; i++) {
		__u8 kind = d->kind[i];
		__u64 a = args->a[i], len = args->len[i];

		if (i >= nargs || kind == SB_ARG_NONE || !a)
			continue;
		if (at_exit && args->ret < 0 && kind != SB_ARG_TIME_LEFT)
			continue;
		if (off > SB_ITEM_ROOM) {
			((struct sb_rec *)buf->b)->flags |= SB_REC_ITEMS_CUT;
			break;
		}
		switch (kind) {
		case SB_ARG_STR:
			if (!at_exit)
				off = put_entry_str(buf, off, SPEC(kind, i, cap_for(kind, d, i)), a, args, i);
			break;
		case SB_ARG_ARGV:
			if (!at_exit)
				off = sb_put_argv(buf, off, i, a);
			break;
		case SB_ARG_STR_OUT:
			if (at_exit)
				off = sb_put_str(buf, off, SPEC(kind, i, cap_for(kind, d, i)), a);
			break;
		case SB_ARG_BUF_IN:
		case SB_ARG_SOCKADDR_IN:
		case SB_ARG_MEM_IN:
			if (!at_exit)
				off = sb_put_mem(buf, off, SPEC(kind, i, cap_for(kind, d, i)), a, len);
			break;
		case SB_ARG_STRUCT_IN:
			if (!at_exit)
				off = sb_put_mem(buf, off, SPEC(SB_ARG_MEM_IN, i, cap_for(kind, d, i)), a, len);
			break;
		case SB_ARG_FSCONFIG_VALUE:
			if (at_exit)
				break;
			if (SB_FSCONFIG_STRINGS((__u32)args->a[1]))
				off = put_entry_str(buf, off, SPEC(SB_ARG_STR, i, cap_for(SB_ARG_STR, d, i)), a, args, i);
			else if ((__u32)args->a[1] == SB_FSCONFIG_SET_BINARY)
				off = sb_put_mem(buf, off, SPEC(SB_ARG_BUF_IN, i, cap_for(kind, d, i)), a, len);
			break;
		case SB_ARG_MEM_INOUT:
		case SB_ARG_ARRAY_INOUT:
			if (!at_exit || kind == SB_ARG_MEM_INOUT || args->ret > 0)
				off = sb_put_mem(buf, off, SPEC(at_exit ? SB_ARG_MEM_OUT : SB_ARG_MEM_IN, i, cap_for(kind, d, i)),
						 a, len);
			break;
		case SB_ARG_CLONE_ARGS:
			if (!at_exit)
				off = sb_put_mem(buf, off, SPEC(SB_ARG_MEM_IN, i, cap_for(kind, d, i)), a, len);
			else if (args->ret > 0)
				off = sb_put_clone_pidfd(buf, off, i, a);
			break;
		case SB_ARG_ARRAY_OUT:
			if (at_exit && args->ret > 0)
				off = sb_put_mem(buf, off, SPEC(SB_ARG_MEM_OUT, i, cap_for(kind, d, i)), a, len);
			break;
		case SB_ARG_PRCTL_NAME:
			if (!at_exit && (__u32)args->a[0] == SB_PR_SET_NAME)
				off = put_entry_str(buf, off, SPEC(SB_ARG_STR, i, SB_TASK_COMM_LEN), a, args, i);
			else if (at_exit && (__u32)args->a[0] == SB_PR_GET_NAME && args->ret == 0)
				off = sb_put_mem(buf, off, SPEC(SB_ARG_MEM_OUT, i, SB_TASK_COMM_LEN), a, len);
			break;
		case SB_ARG_FUTEX_TIME:
			if (!at_exit && SB_FUTEX_WAITS_OP((__u32)args->a[1]))
				off = sb_put_mem(buf, off, SPEC(SB_ARG_MEM_IN, i, cap_for(kind, d, i)), a, len);
			break;
		case SB_ARG_DIRENTS:
			if (at_exit && args->ret > 0)
				off = sb_put_dirents(buf, off, i, a, args->ret);
			break;
		case SB_ARG_ARRAY_IN:
			if (!at_exit)
				off = sb_put_mem(buf, off, SPEC(SB_ARG_MEM_IN, i, cap_for(kind, d, i)), a, len);
			break;
		case SB_ARG_TIME_LEFT:
			if (at_exit && SB_IS_RESTART(args->ret))
				off = sb_put_mem(buf, off, SPEC(SB_ARG_MEM_OUT, i, cap_for(kind, d, i)), a, len);
			break;
		case SB_ARG_SIGFRAME:
			if (!at_exit)
				off = sb_put_mem(buf, off, SPEC(SB_ARG_MEM_IN, i, 8), a, len);
			break;
		case SB_ARG_FDSET:
			if (len && (!at_exit || args->ret > 0))
				off = sb_put_mem(buf, off, SPEC(at_exit ? SB_ARG_MEM_OUT : SB_ARG_MEM_IN, i, cap_for(kind, d, i)), a, len);
			break;
		case SB_ARG_IOV_IN:
			if (!at_exit && i < 5)
				off = sb_put_iovecs(buf, off, SPEC(SB_ARG_MEM_IN, i, IOV_CNT(args->a[i + 1])), a, ~0ULL);
			break;
		case SB_ARG_IOV_OUT:
			if (!at_exit)
				off = sb_put_mem(buf, off, SPEC(SB_ARG_MEM_IN, i | (SB_PART_MSG_IOV << SB_ITEM_PART_SHIFT),
							   cap_for(kind, d, i)), a, len);
			else if (i < 5)
				off = sb_put_iovecs(buf, off, SPEC(SB_ARG_MEM_OUT, i, IOV_CNT(args->a[i + 1])), a, args->ret);
			break;
		case SB_ARG_ENVP:
			if (!at_exit)
				off = sb_put_envp(buf, off, i, a);
			break;
		case SB_ARG_SIGMASK_ARG:
			if (!at_exit)
				off = sb_put_sigmask_arg(buf, off, i, a);
			break;
		case SB_ARG_MSGHDR_IN:
			if (!at_exit)
				off = sb_put_msghdr(buf, off, SPEC(SB_ARG_MEM_IN, i, 0), a, ~0ULL);
			break;
		case SB_ARG_MSGHDR_OUT:
			if (!at_exit)
				off = sb_put_mem(buf, off, SPEC(SB_ARG_MEM_IN, i, SB_MSGHDR_SIZE), a, len);
			else
				off = sb_put_msghdr(buf, off, SPEC(SB_ARG_MEM_OUT, i, 0), a, args->ret);
			break;
		default: /* BUF_OUT, SOCKADDR_OUT, MEM_OUT */
			if (at_exit)
				off = sb_put_mem(buf, off, SPEC(kind, i, cap_for(kind, d, i)), a, len);
			break;
		}
	}
	return off & (SB_SCRATCH - 1);
}

/* The head, comm and arguments of an entry record reserved in a ring; no items yet. */
static __always_inline void fill_enter(struct sb_enter *e, __u64 ts, __u32 tid, __u32 size, __u32 nr, __u16 seq,
				       __u32 nargs, __u32 pid, struct task_struct *task, const struct sb_args *args)
{
	__u64 *a = (__u64 *)(e + 1);
	__u32 i;

	fill_head(&e->h, ts, tid, size, nr, SB_KIND_ENTER);
	e->h.seq = seq;
	e->h.flags = 0;
	e->h.nargs = nargs;
	e->h.nitems = 0;
	e->pid = pid;
	copy_comm(e->comm, task);
	for (i = 0; i < 6; i++)
		if (i < nargs)
			a[i] = args->a[i];
}

/* The head and return value of an exit record; no items yet. */
static __always_inline void fill_exit(struct sb_exit *x, __u64 ts, __u32 tid, __u32 size, __u32 nr, __u16 seq,
				      __s64 ret)
{
	fill_head(&x->h, ts, tid, size, nr, SB_KIND_EXIT);
	x->h.seq = seq;
	x->h.flags = 0;
	x->h.nargs = 0;
	x->h.nitems = 0;
	x->ret = ret;
}

/* Copies a record built in scratch into the ring and publishes it. */
#define SB_COPY_IN(m, buf, size)						\
	SB_WITH_RING(m, {							\
		__u64 pos_;							\
		__u16 seq_;							\
		__u8 *rec = reserve(ring, mask, size, &pos_, &seq_);		\
										\
		bpf_probe_read_kernel(rec, size, buf);				\
		((struct sb_rec *)rec)->seq = seq_;				\
		commit(ring, rec, pos_);					\
	})

SEC("tp_btf/sys_enter")
int sb_sys_enter(__u64 *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx[0];
	__u32 nr = ctx[1];
	struct task_struct *task = current();
	struct sb_mark *m = marked(task);
	const volatile struct sb_sc_desc *d;
	struct sb_args args;
	__u64 ts, pos;
	__u32 nargs, size, base, tid, pid, zero = 0, i;
	__u16 seq;

	if (!m)
		return 0;
	ts = bpf_ktime_get_boot_ns();
	tid = task->pid;
	pid = task->tgid;
	d = &sb_desc[nr & (SB_NR_MAX - 1)];
	nargs = nr < SB_NR_MAX ? d->nargs : 6;
	if (nargs > 6)
		nargs = 6;
	for (i = 0; i < 6; i++)
		args.a[i] = syscall_arg(regs, i);
	/* rt_sigreturn has no argument: its frame's signal mask is captured as argument 0. */
	if (nr < SB_NR_MAX && (d->flags & SB_DESC_SIGFRAME))
		args.a[0] = SB_USER_SP(regs) + d->size[0];
	args.ret = 0;
	args.faulted = 0;
	base = sizeof(struct sb_enter) + nargs * 8;
	size = base;
	if (nr < SB_NR_MAX && (d->flags & SB_DESC_ENTER_ITEMS))
		size += (d->flags & SB_DESC_ENTER_STRINGS) ? SB_SCRATCH : sb_size_items(nr, &args) & (2 * SB_SCRATCH - 1);

	/*
	 * A call whose one item is a short string (a path): read it into
	 * scratch, and with its length known write the record straight into the
	 * ring, as below, instead of building the record in scratch and copying
	 * it in with a helper call.
	 */
	if (nr < SB_NR_MAX && (d->flags & SB_DESC_ONE_STR) && d->str_arg < nargs) {
		__u32 si = d->str_arg, cap = cap_for(SB_ARG_STR, d, si), n;
		struct sb_scratch_buf *tmp = bpf_map_lookup_elem(&sb_scratch, &zero);
		__u64 uptr = syscall_arg(regs, si);
		long r = uptr && tmp ? bpf_probe_read_user_str(tmp->b, SB_STAGE_MAX, (void *)uptr) : 0;

		/* Longer, unreadable (refetched at exit) or NULL: the general path. */
		if (r > 0 && r < SB_STAGE_MAX) {
			n = r - 1;
			if (n > cap)
				n = cap;
			size = item_end(base, n);
			SB_WITH_RING(m, {
				struct sb_enter *e = (void *)reserve(ring, mask, size, &pos, &seq);
				struct sb_item *it = (void *)((__u8 *)e + base);

				fill_enter(e, ts, tid, size, nr, seq, nargs, pid, task, &args);
				e->h.nitems = 1;
				it->len = n;
				it->arg = si;
				it->type = SB_ARG_STR | (r - 1 > n ? SB_ITEM_TRUNCATED : 0);
				copy_short((__u8 *)(it + 1), tmp->b, n);
				m->refetch = 0;
				commit(ring, (__u8 *)e, pos);
			});
			return 0;
		}
	}

	if (size <= SB_SCRATCH - 64) {
		/* Every length is known: write straight into the ring. */
		SB_WITH_RING(m, {
			struct sb_enter *e = (void *)reserve(ring, mask, size, &pos, &seq);

			fill_enter(e, ts, tid, size, nr, seq, nargs, pid, task, &args);
			if (size > base)
				sb_put_items((struct sb_scratch_buf *)e, base, nr, &args);
			commit(ring, (__u8 *)e, pos);
		});
		return 0;
	}

	/* Strings: build the record in per-CPU scratch, then copy it in. */
	{
		struct sb_scratch_buf *buf = bpf_map_lookup_elem(&sb_scratch, &zero);
		struct sb_enter *e;

		if (!buf)
			return 0;
		e = (void *)buf->b;
		e->h.commit = 0;
		/* Size and seq are set once known, as the record is copied in. */
		fill_enter(e, ts, tid, 0, nr, 0, nargs, pid, task, &args);
		sb_size_items(nr, &args);
		size = sb_put_items(buf, base, nr, &args) & (SB_SCRATCH - 1);
		e->h.size = size;
		/* Only calls with strings come here: each says whether its exit reads some again. */
		m->refetch = args.faulted;
		m->refetch_nr = nr;
		SB_COPY_IN(m, buf->b, size);	/* returns */
	}
	return 0;
}

/*
 * At exit, the string arguments entry could not read (sb_mark.refetch), as
 * items of their own in the exit record. Not after an execve that worked:
 * its pointers were into the memory the process left.
 */
__attribute__((noinline)) int sb_put_refetched(struct sb_scratch_buf *buf, __u32 off, __u32 refetch,
					       struct sb_args *args)
{
	__u32 i;

	if (!buf || !args)
		return off;
	for (i = 0; i < 6; i++) {
		if (!(refetch & (1U << i)))
			continue;
		if (off > SB_ITEM_ROOM) {
			((struct sb_rec *)buf->b)->flags |= SB_REC_ITEMS_CUT;
			break;
		}
		off = sb_put_str(buf, off, SPEC(SB_ARG_STR, i, sb_str_max), args->a[i]);
	}
	return off & (SB_SCRATCH - 1);
}

/* At sys_exit: the call (setns, unshare) has just moved the task to another mount namespace. */
static __always_inline int moved_namespace(__u64 *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx[0];

	return (__s64)ctx[1] == 0 && SB_SWITCHES_NS(SB_SYSCALL_NR(regs));
}

/* sb_sys_exit for a marked task, or one that has just moved to another mount namespace. */
static __always_inline int record_exit(__u64 *ctx, struct task_struct *task)
{
	struct pt_regs *regs = (struct pt_regs *)ctx[0];
	__s64 ret = ctx[1];
	const volatile struct sb_sc_desc *d;
	struct sb_mark *m;
	struct sb_args args;
	__u64 ts, pos;
	__u32 nr, tid, size, zero = 0, i, items, refetch = 0;
	__u16 seq;

	m = marked(task);
	/* A task that has just moved to another mount namespace: is that one recorded? */
	if (moved_namespace(ctx)) {
		mark_task(task, 0, SB_IS_UNSHARE(SB_SYSCALL_NR(regs)));
		m = marked(task);
	}
	if (!m)
		return 0;
	ts = bpf_ktime_get_boot_ns();
	nr = SB_SYSCALL_NR(regs);
	tid = task->pid;
	d = &sb_desc[nr & (SB_NR_MAX - 1)];
	size = sizeof(struct sb_exit);
	if (m->refetch) {
		if (m->refetch_nr == nr && !(ret == 0 && SB_IS_EXEC(nr)))
			refetch = m->refetch & 0x3f;
		m->refetch = 0;
	}
	/* A failed call writes nothing back, except the time left of a sleep a signal interrupted (TIME_LEFT). */
	items = nr < SB_NR_MAX && (d->flags & SB_DESC_EXIT_ITEMS) && (ret >= 0 || SB_IS_RESTART(ret));

	/*
	 * read, pread64, getrandom...: the one item is a buffer as long as the
	 * call returned, up to the cap. Its size is known at once, so the record
	 * goes straight into the ring, as sb_put_items would have written it.
	 */
	if (items && !refetch && ret >= 0 && (d->flags & SB_DESC_ONE_BUF_OUT)) {
		__u32 bi = d->buf_arg, cap = cap_for(SB_ARG_BUF_OUT, d, bi), n;
		__u64 uptr = syscall_arg(regs, bi);

		n = ret > cap ? cap : ret;
		size = uptr ? item_end(sizeof(struct sb_exit), n) : sizeof(struct sb_exit);
		SB_WITH_RING(m, {
			struct sb_exit *x = (void *)reserve(ring, mask, size, &pos, &seq);
			struct sb_item *it = (void *)(x + 1);

			fill_exit(x, ts, tid, size, nr, seq, ret);
			if (uptr) {
				x->h.nitems = 1;
				it->arg = bi;
				it->len = n;
				it->type = SB_ARG_BUF_OUT | (ret > cap ? SB_ITEM_TRUNCATED : 0);
				if (n && read_user((__u8 *)(it + 1), n, uptr)) {
					it->len = 0;
					it->type = SB_ARG_BUF_OUT | SB_ITEM_FAULT;
				}
			}
			commit(ring, (__u8 *)x, pos);
		});
		return 0;
	}
	if (items || refetch) {
		for (i = 0; i < 6; i++)
			args.a[i] = syscall_arg(regs, i);
		args.ret = ret;
		args.faulted = 0;
	}
	/* An interrupted call has no strings to read back: its size is known (TIME_LEFT or nothing). */
	if (items)
		size += (ret >= 0 && (d->flags & SB_DESC_EXIT_STRINGS)) ? SB_SCRATCH
									 : sb_size_items(nr | (1U << 16), &args) & (2 * SB_SCRATCH - 1);
	if (refetch)
		size = SB_SCRATCH;	/* strings: built in scratch */

	if (size <= SB_SCRATCH - 64) {
		SB_WITH_RING(m, {
			struct sb_exit *x = (void *)reserve(ring, mask, size, &pos, &seq);

			fill_exit(x, ts, tid, size, nr, seq, ret);
			if (size > sizeof(struct sb_exit))
				sb_put_items((struct sb_scratch_buf *)x, sizeof(struct sb_exit),
					     nr | (1U << 16), &args);
			commit(ring, (__u8 *)x, pos);
		});
		return 0;
	}

	{
		struct sb_scratch_buf *buf = bpf_map_lookup_elem(&sb_scratch, &zero);
		struct sb_exit *x;

		if (!buf)
			return 0;
		x = (void *)buf->b;
		x->h.commit = 0;
		/* Size and seq are set once known, as the record is copied in. */
		fill_exit(x, ts, tid, 0, nr, 0, ret);
		size = sizeof(struct sb_exit);
		if (items) {
			sb_size_items(nr | (1U << 16), &args);
			size = sb_put_items(buf, size, nr | (1U << 16), &args) & (SB_SCRATCH - 1);
		}
		if (refetch)
			size = sb_put_refetched(buf, size, refetch, &args) & (SB_SCRATCH - 1);
		x->h.size = size;
		SB_COPY_IN(m, buf->b, size);
	}
	return 0;
}

/*
 * The host's other tasks (no mark, and no move to another namespace) return
 * at once, a few instructions at the program's start. record_exit is inlined:
 * as a subprogram of its own, its call and return cost every recorded exit
 * about 5 ns here (bench/bpf-cost.js), returns being dear on a CPU with the
 * SRSO mitigation.
 */
SEC("tp_btf/sys_exit")
int sb_sys_exit(__u64 *ctx)
{
	struct task_struct *task = current();

	if (!task->bpf_storage && !moved_namespace(ctx))
		return 0;
	return record_exit(ctx, task);
}

/*
 * sched_process_fork(struct task_struct *parent, struct task_struct *child),
 * for every new process and thread, before the child first runs: a child
 * made in (or into) a recorded mount namespace is marked, and so is the
 * child of a marked task made in a namespace of its own (mark_task).
 */
SEC("tp_btf/sched_process_fork")
int sb_mark_new_task(__u64 *ctx)
{
	mark_task((struct task_struct *)ctx[1], (struct task_struct *)ctx[0], 0);
	return 0;
}

/*
 * Every task of the host, threads included: marks those whose mount
 * namespace is recorded, keeps the marks that still hold of tasks that left
 * theirs (mark_task), and unmarks the rest. User space runs it (reads an
 * iterator made from its link) after each filter add and adoption, for the
 * tasks that were already there.
 */
SEC("iter/task")
int sb_mark_tasks(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;

	if (task)
		mark_task(task, 0, 1);
	return 0;
}

/*
 * Process events: signals acted on, threads ending and capability checks
 * refused, written into the same ring as the syscalls. They have programs
 * of their own, so sys_enter and sys_exit do no more work than before.
 */

static __always_inline void fill_event_head(struct sb_rec *h, __u32 tid, __u32 size, __u8 kind,
					    __u16 seq, __u8 flags)
{
	fill_head(h, bpf_ktime_get_boot_ns(), tid, size, 0, kind);
	h->seq = seq;
	h->flags = flags;
	h->nargs = 0;
	h->nitems = 0;
}

/*
 * A signal record in the ring of the task that receives the signal, if it is
 * recorded: the siginfo read from the kernel at info, else the first words
 * given in made (si_signo, si_errno, si_code, padding, si_pid, si_uid), else
 * zeros.
 */
static __always_inline int record_signal(struct task_struct *task, int sig, __u8 flags, struct k_sigaction *ka,
					 struct kernel_siginfo *info, const __s32 *made)
{
	struct sb_mark *m = marked(task);
	__u64 pos;
	__u16 seq;

	if (!m)
		return 0;
	SB_WITH_RING(m, {
		struct sb_signal *s = (void *)reserve(ring, mask, sizeof(*s), &pos, &seq);

		fill_event_head(&s->h, task->pid, sizeof(*s), SB_KIND_SIGNAL, seq, flags);
		copy_comm(s->comm, task);
		s->pid = task->tgid;
		s->signo = sig;
		s->sa_handler = ka ? (__u64)ka->sa.sa_handler : 0;
		s->sa_flags = ka ? ka->sa.sa_flags : 0;
		if (!info || bpf_probe_read_kernel(s->info, sizeof(s->info), info))
			__builtin_memset(s->info, 0, sizeof(s->info));
		if (made)
			__builtin_memcpy(s->info, made, 6 * sizeof(__s32));
		commit(ring, (__u8 *)s, pos);
	});
	return 0;
}

/* signal_deliver(int sig, struct kernel_siginfo *info, struct k_sigaction *ka), in the receiving task. */
SEC("tp_btf/signal_deliver")
int sb_signal_deliver(__u64 *ctx)
{
	struct kernel_siginfo *info = (void *)ctx[1];

	/*
	 * No siginfo: the SIGKILL each other thread of a dying process takes
	 * (get_signal's group-exit path). strace shows no line for it either;
	 * the thread's exit record tells how it ended.
	 */
	if (!info)
		return 0;
	return record_signal(current(), ctx[0], 0, (void *)ctx[2], info, NULL);
}

#define SB_SIGKILL 9
#define SB_TRACE_SIGNAL_DELIVERED 0	/* enum trace_signal_result */
#define SB_SEND_SIG_PRIV 1		/* info: SEND_SIG_NOINFO is 0, SEND_SIG_PRIV 1 */
#define SB_SI_KERNEL 0x80

/*
 * signal_generate(int sig, struct kernel_siginfo *info, struct task_struct
 * *task, int type, int result), in the sending task. Only SIGKILL, and only
 * when the kernel took it: it keeps no siginfo for a SIGKILL (no queue
 * entry), so signal_deliver sees none and the sender would be lost. Written
 * into the receiving task's ring as that task's signal, with the siginfo the
 * sender gave, else the one the kernel would have built: kill(2)'s SI_USER
 * with the sender's pid and uid as the host sees them, or SI_KERNEL.
 */
SEC("tp_btf/signal_generate")
int sb_signal_sent(__u64 *ctx)
{
	int sig = ctx[0], result = ctx[4];
	struct kernel_siginfo *info = (void *)ctx[1];
	__s32 made[6] = { sig };

	if (sig != SB_SIGKILL || result != SB_TRACE_SIGNAL_DELIVERED)
		return 0;
	if ((unsigned long)info > SB_SEND_SIG_PRIV)
		return record_signal((void *)ctx[2], sig, SB_REC_SENT, NULL, info, NULL);
	/* On 64-bit the siginfo's union starts at byte 16: si_pid, si_uid. */
	if (info) {
		made[2] = SB_SI_KERNEL;
	} else {
		made[4] = bpf_get_current_pid_tgid() >> 32;
		made[5] = (__u32)bpf_get_current_uid_gid();
	}
	return record_signal((void *)ctx[2], sig, SB_REC_SENT, NULL, NULL, made);
}

static __always_inline int task_exit(struct task_struct *task, int group_dead)
{
	struct sb_mark *m = marked(task);
	__u64 pos;
	__u16 seq;

	if (!m)
		return 0;
	SB_WITH_RING(m, {
		struct sb_task_exit *x = (void *)reserve(ring, mask, sizeof(*x), &pos, &seq);

		fill_event_head(&x->h, task->pid, sizeof(*x), SB_KIND_TASK_EXIT, seq,
				group_dead ? SB_REC_GROUP_DEAD : 0);
		copy_comm(x->comm, task);
		x->pid = task->tgid;
		x->exit_code = task->exit_code;
		commit(ring, (__u8 *)x, pos);
	});
	return 0;
}

/*
 * sched_process_exit(struct task_struct *p, bool group_dead): the kernel
 * says whether this thread ends its process (Linux 6.16+, where the
 * tracepoint got the argument). User space loads this program when the
 * running kernel's btf_trace_sched_process_exit has that argument, else
 * sb_task_exit_live below.
 */
SEC("tp_btf/sched_process_exit")
int sb_task_exit_group(__u64 *ctx)
{
	return task_exit((struct task_struct *)ctx[0], (__u8)ctx[1]);
}

/*
 * The same on older kernels: do_exit has already taken the thread off
 * signal->live (atomic_dec_and_test) when the tracepoint fires, so 0 left
 * means no thread of the process is still running. Two threads ending at
 * the same moment may both see 0 (the kernel's own flag goes to exactly
 * one); both then carry the flag, and user space keeps the last.
 */
SEC("tp_btf/sched_process_exit")
int sb_task_exit_live(__u64 *ctx)
{
	struct task_struct *task = (struct task_struct *)ctx[0];

	return task_exit(task, task->signal->live.counter == 0);
}

/*
 * cap_capable(const struct cred *cred, struct user_namespace *target_ns,
 * const struct user_namespace *capable_ns, int cap, int ret) (Linux 6.14+;
 * user space loads it only where the tracepoint exists). Checks that pass
 * return at once: they are most of them, on every task of the host.
 */
SEC("tp_btf/cap_capable")
int sb_cap_denied(__u64 *ctx)
{
	int cap = ctx[3], ret = ctx[4];
	struct task_struct *task;
	struct sb_mark *m;
	__u64 pos;
	__u16 seq;

	if (ret == 0)
		return 0;
	task = current();
	m = marked(task);
	if (!m)
		return 0;
	SB_WITH_RING(m, {
		struct sb_cap *c = (void *)reserve(ring, mask, sizeof(*c), &pos, &seq);

		fill_event_head(&c->h, task->pid, sizeof(*c), SB_KIND_CAP, seq, 0);
		c->cap = cap;
		c->ret = ret;
		commit(ring, (__u8 *)c, pos);
	});
	return 0;
}
