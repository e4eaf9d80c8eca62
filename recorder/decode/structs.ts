/**
 * Fixed structs captured from user memory (MEM_IN / MEM_OUT items), printed
 * as strace prints them by default (abbreviated where strace abbreviates).
 */
import type { Arch } from '../syscalls/types';
import { CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID, CLONE_FLAGS, CLONE_PARENT_SETTID, CLONE_PIDFD, CLONE_SETTLS, EPOLL_EVENTS, FILE_TYPES, FS_MAGIC, MOUNT_ATTR_FLAGS, MOUNT_PROPAGATION, O_CREAT, O_TMPFILE_BITS, RESOLVE_FLAGS, STATFS_FLAGS, STATX_MASK, S_IFMT } from './consts';
import { printSignal, printSigset } from './signals';
import { quoteBytes, quoteHex } from './strings';
import { Xlat64, flags, flags64, flagsWide, hexU, mode03o, valueNames, xval } from './xlat';

function dv(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** A file mode with its type and special bits: S_IFREG|0644, S_IFDIR|S_ISVTX|0777; without them just 0644. */
export function printFileMode(mode: number): string {
  const ifmt = mode & S_IFMT;
  const type = ifmt ? FILE_TYPES.get(ifmt) : '';
  if (type === undefined) return mode03o(mode);
  let s = type ? type + '|' : '';
  if (mode & 0o4000) s += 'S_ISUID|';
  if (mode & 0o2000) s += 'S_ISGID|';
  if (mode & 0o1000) s += 'S_ISVTX|';
  return s + mode03o(mode & 0o777);
}

/** glibc's major()/minor() of a 64-bit dev_t, printed as makedev(0x1, 0x3). */
export function printDev(dev: bigint): string {
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
  const x = (n: number): string => (n === 0 ? '0' : '0x' + n.toString(16));
  return `makedev(${x(major)}, ${x(minor)})`;
}

/** Offsets of the fields strace's abbreviated stat shows. */
const STAT_LAYOUT: Record<Arch, { mode: number; rdev: number; size: number; bytes: number }> = {
  // struct stat of x86_64: dev, ino, nlink (u64), mode, uid, gid, pad (u32), rdev, size ...
  x86_64: { mode: 24, rdev: 40, size: 48, bytes: 144 },
  // the generic struct stat (arm64): dev, ino (u64), mode, nlink, uid, gid (u32), rdev, pad, size ...
  arm64: { mode: 16, rdev: 32, size: 48, bytes: 128 },
};

/**
 * struct stat, abbreviated as strace does by default:
 * {st_mode=S_IFREG|0644, st_size=123, ...}; devices show st_rdev instead of st_size.
 */
export function printStat(data: Uint8Array, arch: Arch = 'x86_64'): string | undefined {
  const l = STAT_LAYOUT[arch];
  if (data.length < l.size + 8) return undefined;
  const v = dv(data);
  const mode = v.getUint32(l.mode, true);
  const type = mode & S_IFMT;
  const tail = type === 0o20000 || type === 0o60000 ? `st_rdev=${printDev(v.getBigUint64(l.rdev, true))}` : `st_size=${v.getBigInt64(l.size, true)}`;
  return `{st_mode=${printFileMode(mode)}, ${tail}, ...}`;
}

/** stx_attributes bits (linux/stat.h), in strace's order. */
const STATX_ATTRS: readonly (readonly [number, string])[] = [
  [0x00000004, 'STATX_ATTR_COMPRESSED'],
  [0x00000010, 'STATX_ATTR_IMMUTABLE'],
  [0x00000020, 'STATX_ATTR_APPEND'],
  [0x00000040, 'STATX_ATTR_NODUMP'],
  [0x00000800, 'STATX_ATTR_ENCRYPTED'],
  [0x00001000, 'STATX_ATTR_AUTOMOUNT'],
  [0x00002000, 'STATX_ATTR_MOUNT_ROOT'],
  [0x00100000, 'STATX_ATTR_VERITY'],
  [0x00200000, 'STATX_ATTR_DAX'],
];

/** Bytes of struct statx that strace's abbreviated form reads: up to stx_size. */
export const STATX_SHOWN_BYTES = 48;

/**
 * struct statx, abbreviated as strace does by default:
 * {stx_mask=STATX_ALL|STATX_MNT_ID, stx_attributes=0, stx_mode=S_IFREG|0644, stx_size=1221, ...}.
 */
export function printStatx(data: Uint8Array): string | undefined {
  if (data.length < STATX_SHOWN_BYTES) return undefined;
  const v = dv(data);
  const mask = flags(STATX_MASK, v.getUint32(0, true), 'STATX_???');
  const attrs = flags64(STATX_ATTRS, v.getBigUint64(8, true), 'STATX_ATTR_???');
  return `{stx_mask=${mask}, stx_attributes=${attrs}, stx_mode=${printFileMode(v.getUint16(28, true))}, stx_size=${v.getBigUint64(40, true)}, ...}`;
}

/** Bytes of struct statfs strace shows: every field up to f_flags (all 64-bit words on x86_64 and arm64). */
export const STATFS_SHOWN_BYTES = 88;

/** struct statfs, whole, as strace shows it. */
export function printStatfs(data: Uint8Array): string | undefined {
  if (data.length < STATFS_SHOWN_BYTES) return undefined;
  const v = dv(data);
  const w = (i: number) => v.getBigUint64(8 * i, true);
  const fsid = (off: number) => hexU(v.getUint32(off, true));
  return (
    `{f_type=${xval(FS_MAGIC, Number(w(0) & 0xffffffffn), '???_MAGIC')}, f_bsize=${w(1)}, f_blocks=${w(2)}, f_bfree=${w(3)}, ` +
    `f_bavail=${w(4)}, f_files=${w(5)}, f_ffree=${w(6)}, f_fsid={val=[${fsid(56)}, ${fsid(60)}]}, f_namelen=${w(8)}, ` +
    `f_frsize=${w(9)}, f_flags=${flags(STATFS_FLAGS, Number(w(10) & 0xffffffffn), 'ST_???')}}`
  );
}

/** struct sysinfo of a 64-bit process (x86_64, arm64): longs, then procs (u16), the high memory and mem_unit. */
export function printSysinfo(data: Uint8Array): string | undefined {
  if (data.length < 108) return undefined;
  const v = dv(data);
  const w = (i: number) => v.getBigUint64(8 * i, true);
  return (
    `{uptime=${v.getBigInt64(0, true)}, loads=[${w(1)}, ${w(2)}, ${w(3)}], totalram=${w(4)}, freeram=${w(5)}, ` +
    `sharedram=${w(6)}, bufferram=${w(7)}, totalswap=${w(8)}, freeswap=${w(9)}, procs=${v.getUint16(80, true)}, ` +
    `totalhigh=${w(11)}, freehigh=${w(12)}, mem_unit=${v.getUint32(104, true)}}`
  );
}

/** sizeof(struct epoll_event): packed on x86_64 (u32 events, u64 data), padded on arm64. */
export function epollEventSize(arch: Arch): number {
  return arch === 'x86_64' ? 12 : 16;
}

function epollEventAt(v: DataView, off: number, arch: Arch): string {
  const data = v.getBigUint64(off + (arch === 'x86_64' ? 4 : 8), true);
  return `{events=${flags(EPOLL_EVENTS, v.getUint32(off, true), 'EPOLL???')}, data={u32=${data & 0xffffffffn}, u64=${data}}}`;
}

/** One struct epoll_event (epoll_ctl): {events=EPOLLIN|EPOLLET, data={u32=4, u64=4}}. */
export function printEpollEvent(data: Uint8Array, arch: Arch): string | undefined {
  if (data.length < epollEventSize(arch)) return undefined;
  return epollEventAt(dv(data), 0, arch);
}

/**
 * count elements of size bytes, each printed by one(view, offset), as strace
 * prints an array: at most limit of them, then `...` (also where the capture
 * ends). Undefined when nothing was captured of a non-empty array.
 */
function printArray(data: Uint8Array, count: number, limit: number, size: number, one: (v: DataView, off: number) => string): string | undefined {
  const have = Math.floor(data.length / size);
  if (count > 0 && have === 0) return undefined;
  const v = dv(data);
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    if (i >= limit || i >= have) {
      parts.push('...');
      break;
    }
    parts.push(one(v, i * size));
  }
  return '[' + parts.join(', ') + ']';
}

/** The events epoll_wait returned (count of them), at most limit, then `...` as strace cuts arrays. */
export function printEpollEvents(data: Uint8Array, count: number, limit: number, arch: Arch): string | undefined {
  return printArray(data, count, limit, epollEventSize(arch), (v, off) => epollEventAt(v, off, arch));
}

/** count gid_t values (u32), as strace shows a group list: [0, 4, 27]; (gid_t)-1 is -1. */
export function printGids(data: Uint8Array, count: number, limit: number): string | undefined {
  return printArray(data, count, limit, 4, (v, off) => {
    const gid = v.getUint32(off, true);
    return gid === 0xffffffff ? '-1' : String(gid);
  });
}

/** struct timespec (two 64-bit fields): {tv_sec=1, tv_nsec=0}. */
export function printTimespec(data: Uint8Array): string | undefined {
  if (data.length < 16) return undefined;
  const v = dv(data);
  return `{tv_sec=${v.getBigInt64(0, true)}, tv_nsec=${v.getBigInt64(8, true)}}`;
}

/** struct timeval (two 64-bit fields) at off. */
function timeval(v: DataView, off: number): string {
  return `{tv_sec=${v.getBigInt64(off, true)}, tv_usec=${v.getBigInt64(off + 8, true)}}`;
}

/** struct timeval of a 64-bit process: {tv_sec=1, tv_usec=0}. */
export function printTimeval(data: Uint8Array): string | undefined {
  return data.length < 16 ? undefined : timeval(dv(data), 0);
}

/** The fds set in an fd_set (64-bit words, little-endian), below nfds: at most max of them. */
export function fdsetMembers(data: Uint8Array, nfds: number, max = Infinity): number[] {
  const out: number[] = [];
  const bits = Math.min(nfds, data.length * 8);
  for (let fd = 0; fd < bits && out.length < max; fd++) if (data[fd >> 3] & (1 << (fd & 7))) out.push(fd);
  return out;
}

/** struct rusage as strace shows it without -v: the two times, then `...`. */
export function printRusage(data: Uint8Array): string | undefined {
  if (data.length < 32) return undefined;
  const v = dv(data);
  return `{ru_utime=${timeval(v, 0)}, ru_stime=${timeval(v, 16)}, ...}`;
}

const SS_FLAGS: readonly (readonly [number, string])[] = [
  [1, 'SS_ONSTACK'],
  [2, 'SS_DISABLE'],
  [0x80000000, 'SS_AUTODISARM'],
];

/** stack_t (sigaltstack): ss_sp, ss_flags (an int, padded), ss_size. */
export function printStack(data: Uint8Array): string | undefined {
  if (data.length < 24) return undefined;
  const v = dv(data);
  const sp = v.getBigUint64(0, true);
  return `{ss_sp=${addr64(sp)}, ss_flags=${flags(SS_FLAGS, v.getUint32(8, true), 'SS_???')}, ss_size=${v.getBigUint64(16, true)}}`;
}

export const SA_RESTORER = 0x04000000;
const SA_FLAGS: readonly (readonly [number, string])[] = [
  [0x04000000, 'SA_RESTORER'],
  [0x08000000, 'SA_ONSTACK'],
  [0x10000000, 'SA_RESTART'],
  [0x20000000, 'SA_INTERRUPT'],
  [0x40000000, 'SA_NODEFER'],
  [0x80000000, 'SA_RESETHAND'],
  [0x00000004, 'SA_SIGINFO'],
  [0x00000001, 'SA_NOCLDSTOP'],
  [0x00000002, 'SA_NOCLDWAIT'],
  [0x00000400, 'SA_UNSUPPORTED'],
  [0x00000800, 'SA_EXPOSE_TAGBITS'],
];


function handler(h: bigint): string {
  if (h === 0n) return 'SIG_DFL';
  if (h === 1n) return 'SIG_IGN';
  if (h === 0xffffffffffffffffn) return 'SIG_ERR';
  return '0x' + h.toString(16);
}

/**
 * The kernel's struct sigaction of x86_64 and arm64 (handler, flags,
 * restorer, mask: 32 bytes):
 * {sa_handler=SIG_IGN, sa_mask=[INT], sa_flags=SA_RESTORER, sa_restorer=0x7f...}.
 */
export function printSigaction(data: Uint8Array): string | undefined {
  if (data.length < 32) return undefined;
  const v = dv(data);
  const fl = v.getBigUint64(8, true);
  let s = `{sa_handler=${handler(v.getBigUint64(0, true))}, sa_mask=${printSigset(data.subarray(24, 32))}`;
  s += `, sa_flags=${flags64(SA_FLAGS, fl, 'SA_???')}`;
  if (fl & BigInt(SA_RESTORER)) s += `, sa_restorer=0x${v.getBigUint64(16, true).toString(16)}`;
  return s + '}';
}

const PTRACE_EVENTS = valueNames([
  [1, 'PTRACE_EVENT_FORK'],
  [2, 'PTRACE_EVENT_VFORK'],
  [3, 'PTRACE_EVENT_CLONE'],
  [4, 'PTRACE_EVENT_EXEC'],
  [5, 'PTRACE_EVENT_VFORK_DONE'],
  [6, 'PTRACE_EVENT_EXIT'],
  [7, 'PTRACE_EVENT_SECCOMP'],
  [128, 'PTRACE_EVENT_STOP'],
]);

/** A wait status as strace shows it: [{WIFEXITED(s) && WEXITSTATUS(s) == 0}]. */
export function printWaitStatus(status: number): string {
  let s = status >>> 0;
  let out: string;
  const low7 = s & 0x7f;
  if ((s & 0xff) === 0x7f) {
    const sig = (s >> 8) & 0xff;
    out = `[{WIFSTOPPED(s) && WSTOPSIG(s) == ${printSignal(sig & 0x7f)}${sig & 0x80 ? ' | 0x80' : ''}}`;
    s &= ~0xff7f;
    s >>>= 0;
  } else if (low7 !== 0 && low7 !== 0x7f) {
    out = `[{WIFSIGNALED(s) && WTERMSIG(s) == ${printSignal(low7)}${s & 0x80 ? ' && WCOREDUMP(s)' : ''}}`;
    s &= ~0xff;
    s >>>= 0;
  } else if (low7 === 0) {
    const code = (s >> 8) & 0xff;
    out = `[{WIFEXITED(s) && WEXITSTATUS(s) == ${code}}`;
    s &= ~0xff00;
    s >>>= 0;
  } else if (s === 0xffff) {
    out = '[{WIFCONTINUED(s)}';
    s = 0;
  } else {
    return `[0x${(status >>> 0).toString(16)}]`;
  }
  if (s) {
    const event = s >>> 16;
    if (event) {
      const name = PTRACE_EVENTS.get(event);
      out += ` | ${name ?? `0x${event.toString(16)} /* PTRACE_EVENT_??? */`} << 16`;
      s &= 0xffff;
    }
    if (s) out += ` | 0x${s.toString(16)}`;
  }
  return out + ']';
}

/** The 4-byte int a wait call stored. */
export function printWaitStatusBytes(data: Uint8Array): string | undefined {
  if (data.length < 4) return undefined;
  return printWaitStatus(dv(data).getUint32(0, true));
}

/** Two ints: [3, 4] (pipe, pipe2, socketpair). */
export function printIntPair(data: Uint8Array): string | undefined {
  if (data.length < 8) return undefined;
  const v = dv(data);
  return `[${v.getInt32(0, true)}, ${v.getInt32(4, true)}]`;
}

/** A NUL-padded char field of a struct, quoted up to its NUL. */
function cField(data: Uint8Array, off: number, len: number): string {
  let end = off;
  const stop = Math.min(off + len, data.length);
  while (end < stop && data[end] !== 0) end++;
  return quoteBytes(data.subarray(off, end));
}

/** struct new_utsname (6 x 65 bytes), abbreviated: {sysname="Linux", nodename="host", ...}. */
export function printUtsname(data: Uint8Array): string | undefined {
  if (data.length < 130) return undefined;
  return `{sysname=${cField(data, 0, 65)}, nodename=${cField(data, 65, 65)}, ...}`;
}

const RLIM_INFINITY = 0xffffffffffffffffn;

/** One rlimit value: RLIM64_INFINITY, 8192*1024, or the number. */
export function printRlimValue(v: bigint): string {
  if (v === RLIM_INFINITY) return 'RLIM64_INFINITY';
  if (v > 1024n && v % 1024n === 0n) return `${v / 1024n}*1024`;
  return v.toString();
}

/** struct rlimit64: {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}. */
export function printRlimit(data: Uint8Array): string | undefined {
  if (data.length < 16) return undefined;
  const v = dv(data);
  return `{rlim_cur=${printRlimValue(v.getBigUint64(0, true))}, rlim_max=${printRlimValue(v.getBigUint64(8, true))}}`;
}

/** Bits of struct pollfd's events and revents (asm-generic/poll.h), in strace's order. */
export const POLL_FLAGS: readonly (readonly [number, string])[] = [
  [0x0001, 'POLLIN'],
  [0x0002, 'POLLPRI'],
  [0x0004, 'POLLOUT'],
  [0x0008, 'POLLERR'],
  [0x0010, 'POLLHUP'],
  [0x0020, 'POLLNVAL'],
  [0x0040, 'POLLRDNORM'],
  [0x0080, 'POLLRDBAND'],
  [0x0100, 'POLLWRNORM'],
  [0x0200, 'POLLWRBAND'],
  [0x0400, 'POLLMSG'],
  [0x1000, 'POLLREMOVE'],
  [0x2000, 'POLLRDHUP'],
  [0x8000, 'POLL_BUSY_LOOP'],
];

/**
 * poll's array as given: [{fd=4, events=POLLIN}, {fd=-1}], nfds entries of
 * which data holds the first (8 bytes each), at most limit shown.
 */
export function printPollfds(data: Uint8Array, nfds: number, limit: number): string | undefined {
  if (nfds === 0) return '[]';
  if (data.length < 8) return undefined;
  const v = dv(data);
  const have = data.length >> 3;
  const parts: string[] = [];
  for (let i = 0; i < nfds; i++) {
    if (i >= limit || i >= have) {
      parts.push('...');
      break;
    }
    const fd = v.getInt32(8 * i, true);
    parts.push(fd < 0 ? `{fd=${fd}}` : `{fd=${fd}, events=${flags(POLL_FLAGS, v.getUint16(8 * i + 4, true), 'POLL???')}}`);
  }
  return '[' + parts.join(', ') + ']';
}

/**
 * What strace adds after poll's return value: the entries with revents set,
 * [{fd=4, revents=POLLIN}], at most limit of them; undefined if none.
 */
export function printRevents(data: Uint8Array, limit: number): string | undefined {
  const v = dv(data);
  const parts: string[] = [];
  for (let i = 0; i + 8 <= data.length; i += 8) {
    const revents = v.getUint16(i + 6, true);
    if (!revents) continue;
    if (parts.length >= limit) {
      parts.push('...');
      break;
    }
    // strace builds this part with sprintflags, which has no comment for unknown bits.
    const f = flags(POLL_FLAGS, revents, '');
    parts.push(`{fd=${v.getInt32(i, true)}, revents=${f.endsWith(' /*  */') ? f.slice(0, -7) : f}}`);
  }
  return parts.length ? '[' + parts.join(', ') + ']' : undefined;
}

/** clone3's flags: clone(2)'s and the bits only clone3 takes. */
const CLONE3_FLAGS: Xlat64 = [
  ...CLONE_FLAGS.map(([v, n]) => [BigInt(v), n] as const),
  [0x80n, 'CLONE_NEWTIME'],
  [0x100000000n, 'CLONE_CLEAR_SIGHAND'],
  [0x200000000n, 'CLONE_INTO_CGROUP'],
];

/** offsetofend(struct clone_args, tls) and sizeof(struct clone_args) as strace 6.1 knows it. */
const CLONE_ARGS_MIN = 64;
export const CLONE_ARGS_SIZE = 88;

function addr64(v: bigint): string {
  return v === 0n ? 'NULL' : '0x' + v.toString(16);
}

/**
 * struct clone_args as strace prints it at entry: data holds the first bytes
 * of the size the caller gave. Undefined when strace shows the pointer (a
 * size below 64 bytes, or too little captured).
 */
export function printCloneArgs(data: Uint8Array, size: bigint): string | undefined {
  const fetch = size < BigInt(CLONE_ARGS_SIZE) ? Number(size) : CLONE_ARGS_SIZE;
  if (fetch < CLONE_ARGS_MIN || data.length < fetch) return undefined;
  // Fields past the size given read as zero.
  const whole = new Uint8Array(CLONE_ARGS_SIZE);
  whole.set(data.subarray(0, fetch));
  const v = dv(whole);
  const f = (i: number): bigint => v.getBigUint64(8 * i, true);
  const fl = f(0);
  let s = `{flags=${flagsWide(CLONE3_FLAGS, fl, 'CLONE_???')}`;
  if (fl & BigInt(CLONE_PIDFD)) s += `, pidfd=${addr64(f(1))}`;
  if (fl & BigInt(CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) s += `, child_tid=${addr64(f(2))}`;
  if (fl & BigInt(CLONE_PARENT_SETTID)) s += `, parent_tid=${addr64(f(3))}`;
  const sig = f(4);
  s += `, exit_signal=${sig < 0x7fffffffn ? printSignal(Number(sig)) : sig.toString()}`;
  s += `, stack=${addr64(f(5))}, stack_size=${hexU(f(6))}`;
  if (fl & BigInt(CLONE_SETTLS)) s += `, tls=${addr64(f(7))}`;
  const setTid = f(8);
  const setTidSize = f(9);
  // The tids behind set_tid are not captured: strace shows them as an array, here the address stands.
  if (setTid || setTidSize) s += `, set_tid=${addr64(setTid)}, set_tid_size=${setTidSize}`;
  if (fetch > 80 && (f(10) || fl & 0x200000000n)) s += `, cgroup=${f(10)}`;
  s += nonzeroTail(data, size, CLONE_ARGS_SIZE);
  return s + '}';
}

/**
 * ", /* bytes 88..95 *\/ \"\\x00...\"" when a struct the caller sized
 * larger than the `known` bytes strace decodes has non-zero bytes past them
 * (those captured), "" otherwise.
 */
function nonzeroTail(data: Uint8Array, size: bigint, known: number): string {
  if (size <= BigInt(known)) return '';
  const end = Number(size < 4096n ? size : 4096n);
  const tail = data.subarray(known, Math.min(end, data.length));
  if (!tail.some((b) => b !== 0)) return '';
  return `, /* bytes ${known}..${known + tail.length - 1} */ ${quoteHex(tail)}`;
}

/** sizeof(struct open_how): flags, mode, resolve (u64 each). */
const OPEN_HOW_SIZE = 24;

/**
 * openat2's struct open_how as strace prints it, {flags=O_RDONLY|O_CLOEXEC,
 * resolve=RESOLVE_BENEATH}: the mode only with O_CREAT or O_TMPFILE or when
 * set. Undefined (the pointer stands) for a size under 24 bytes or too little
 * captured. `openFlags` prints the flags' low 32 bits.
 */
export function printOpenHow(data: Uint8Array, size: bigint, openFlags: (v: number) => string): string | undefined {
  if (size < BigInt(OPEN_HOW_SIZE) || data.length < OPEN_HOW_SIZE) return undefined;
  const v = dv(data);
  const fl = v.getBigUint64(0, true);
  const mode = v.getBigUint64(8, true);
  const low = Number(fl & 0xffffffffn);
  let s = `{flags=${openFlags(low)}`;
  if (fl > 0xffffffffn) s += `|0x${((fl >> 32n) << 32n).toString(16)}`;
  if (mode !== 0n || low & (O_CREAT | O_TMPFILE_BITS)) s += `, mode=${mode <= 0xffffffffn ? mode03o(Number(mode)) : '0' + mode.toString(8)}`;
  s += `, resolve=${flags64(RESOLVE_FLAGS, v.getBigUint64(16, true), 'RESOLVE_???')}`;
  return s + nonzeroTail(data, size, OPEN_HOW_SIZE) + '}';
}

/** MOUNT_ATTR_SIZE_VER0: attr_set, attr_clr, propagation, userns_fd (u64 each). */
const MOUNT_ATTR_SIZE = 32;

/**
 * struct mount_attr (mount_setattr, open_tree_attr) as strace prints it:
 * {attr_set=MOUNT_ATTR_RDONLY, attr_clr=0, propagation=MS_PRIVATE,
 * userns_fd=0}. Undefined (the pointer stands) for a size under 32 bytes or
 * too little captured.
 */
export function printMountAttr(data: Uint8Array, size: bigint): string | undefined {
  if (size < BigInt(MOUNT_ATTR_SIZE) || data.length < MOUNT_ATTR_SIZE) return undefined;
  const v = dv(data);
  const f = (i: number): bigint => v.getBigUint64(8 * i, true);
  const prop = f(2);
  const propagation =
    prop <= 0xffffffffn ? xval(MOUNT_PROPAGATION, Number(prop), 'MS_???') : `0x${prop.toString(16)} /* MS_??? */`;
  return (
    `{attr_set=${flags64(MOUNT_ATTR_FLAGS, f(0), 'MOUNT_ATTR_???')}, attr_clr=${flags64(MOUNT_ATTR_FLAGS, f(1), 'MOUNT_ATTR_???')}, ` +
    `propagation=${propagation}, userns_fd=${f(3)}` +
    nonzeroTail(data, size, MOUNT_ATTR_SIZE) +
    '}'
  );
}

/**
 * What strace prints after clone3's struct at exit, " => {pidfd=[5],
 * parent_tid=[1234]}", from the flags, the pidfd written back (undefined if
 * not captured) and the new task's id; "" when nothing.
 */
export function printCloneArgsResult(data: Uint8Array, size: bigint, pidfd: Uint8Array | undefined, tid: bigint): string {
  if (data.length < 8) return '';
  const fl = dv(data).getBigUint64(0, true);
  const parts: string[] = [];
  if (fl & BigInt(CLONE_PIDFD)) {
    const at = data.length >= 16 ? dv(data).getBigUint64(8, true) : 0n;
    parts.push(`pidfd=${pidfd && pidfd.length >= 4 ? `[${dv(pidfd).getInt32(0, true)}]` : addr64(at)}`);
  }
  if (fl & BigInt(CLONE_PARENT_SETTID)) parts.push(`parent_tid=[${tid}]`);
  const tail = nonzeroTail(data, size, CLONE_ARGS_SIZE);
  if (tail) parts.push(tail.slice(2));
  return parts.length ? ` => {${parts.join(', ')}}` : '';
}
