/**
 * Argument kinds: one small printer per kind of syscall argument, each
 * printing what strace prints for it. A printer gets the decoding context
 * (all arguments, the captured items, the return value) and the index of its
 * argument; it returns the text, or null when strace leaves the argument out
 * (open's mode without O_CREAT, fcntl's arg for F_GETFD...).
 *
 * Data behind a pointer is printed when the kernel side captured it (an item
 * for that argument); otherwise the pointer is, as strace does when it cannot
 * read the memory: a hex address, or NULL. Output data (read buffers, stat
 * results...) exists only when the call succeeded: a failed call shows the
 * pointer, as strace shows it.
 */
import type { RawItem } from '../records';
import { CaptureKind, DIRENTS_ITEM, ENVP_ITEM, SIGMASK_PART, type Arch } from '../syscalls/types';
import { RESTART_ERRNOS } from './errno';
import { CAP_LAST_CAP, capabilityName, printCapData, printCapHeader } from './caps';
import * as K from './consts';
import { msghdrNamelen, msghdrPieces, printIovecs, printMsghdr } from './msghdr';
import { printSignal, printSigset } from './signals';
import { printSockaddr } from './sockaddr';
import { printGetsockopt, printSetsockopt } from './sockopt';
import { quoteBytes, quoteHex, quoteRange } from './strings';
import {
  printCloneArgs,
  printMountAttr,
  printOpenHow,
  printCloneArgsResult,
  printDev,
  printFileMode,
  printIntPair,
  printPollfds,
  printRlimit,
  printRusage,
  printSigaction,
  printStack,
  printEpollEvent,
  printEpollEvents,
  printGids,
  printTimeval,
  fdsetMembers,
  printStatfs,
  printSysinfo,
  printStatx,
  printStat,
  printTimespec,
  printUtsname,
  printWaitStatusBytes,
} from './structs';
import { flags, flags64, hexU, mode03o, xval, xvalD } from './xlat';

/** Everything a printer may look at; one object, reused from event to event. */
export interface DecodeCtx {
  arch: Arch;
  /** Raw argument registers (missing ones read as 0). */
  args: bigint[];
  /** The captured item of each argument index, if any (ARGV items and the parts of composite captures excepted). */
  item: (RawItem | undefined)[];
  /** All the event's items, entry's first (for arguments captured at entry and at exit, or in parts). */
  items: RawItem[];
  /** execve argv entries, in order. */
  argv: RawItem[];
  /** The exit was recorded. */
  done: boolean;
  /** The return value (0n while not done). */
  ret: bigint;
  /** done and ret is an error (-4095..-1). */
  failed: boolean;
  /** strace -s: longest string or buffer shown before "...". */
  limit: number;
}

export type Printer = (c: DecodeCtx, i: number) => string | null;

export interface Kind {
  print: Printer;
  /**
   * strace prints this argument when the call returns (output data): an
   * unfinished call's line stops before it. 'joined': strace also prints
   * the separator before it at return (clone's optional trailing arguments).
   */
  exit?: true | 'joined';
}

// --- helpers ------------------------------------------------------------------

// Register values are unsigned 64-bit bigints. Small ones are turned into
// numbers (V8 small integers print fast); others are printed as bigints,
// since printing a large double (String(x), x.toString(16)) is several
// times slower than printing the bigint itself.
export const arg = (c: DecodeCtx, i: number): bigint => c.args[i] ?? 0n;
export const i32 = (v: bigint): number => (v >= 0n && v < 0x40000000n ? Number(v) : Number(BigInt.asIntN(32, v)));
export const u32 = (v: bigint): number => (v >= 0n && v < 0x40000000n ? Number(v) : Number(BigInt.asUintN(32, v)));
/** "0".."4095": small numbers are most arguments (fds, sizes, flags-free ints). */
const SMALL: string[] = Array.from({ length: 4096 }, (_, n) => String(n));
export const s64 = (v: bigint): string =>
  v >= 0n && v < 0x40000000n ? (v < 4096n ? SMALL[Number(v)] : String(Number(v))) : BigInt.asIntN(64, v).toString();
export const u64 = (v: bigint): string =>
  v >= 0n && v < 0x40000000n ? (v < 4096n ? SMALL[Number(v)] : String(Number(v))) : BigInt.asUintN(64, v).toString();
/** A C int in decimal. */
export const d32 = (v: bigint): string => (v >= 0n && v < 4096n ? SMALL[Number(v)] : String(i32(v)));

/** An address: NULL or 0x-hex. */
export function ptr(v: bigint): string {
  if (v === 0n) return 'NULL';
  return '0x' + (v > 0n ? v : BigInt.asUintN(64, v)).toString(16);
}

/** The captured data of argument i, if the capture worked. */
function data(c: DecodeCtx, i: number): RawItem | undefined {
  const it = c.item[i];
  return it && !it.fault ? it : undefined;
}

/**
 * The item of argument i of this kind and part (MEM_IN: the entry capture,
 * MEM_OUT: the exit capture of a MEM_INOUT, ARRAY_INOUT... argument), faulted or not.
 */
function captured(c: DecodeCtx, i: number, kind: number, part = 0): RawItem | undefined {
  const items = c.items;
  for (let j = 0; j < items.length; j++) {
    const it = items[j];
    if (it.arg === i && it.kind === kind && (it.part ?? 0) === part) return it;
  }
  return undefined;
}

/** The C int at the start of an item, if it holds one. */
function intOf(it: RawItem | undefined): number | undefined {
  return it && !it.fault && it.data.length >= 4 ? it.data.readInt32LE(0) : undefined;
}

/**
 * A sigset of the size in argument sizeArg: strace shows it only for a size
 * of a word (8 bytes here) up to the kernel's sigset; else the pointer.
 */
function sigsetOfSize(c: DecodeCtx, i: number, sizeArg: number): string {
  const v = arg(c, i);
  if (v === 0n) return 'NULL';
  const it = data(c, i);
  const size = BigInt.asUintN(64, arg(c, sizeArg));
  return it && size === 8n ? printSigset(it.data, 8) : ptr(v);
}

/** Output data of argument i: only after a successful call. */
function outData(c: DecodeCtx, i: number): RawItem | undefined {
  return c.done && !c.failed ? data(c, i) : undefined;
}

/** An array the call filled with as many elements as it returned (ARRAY_OUT): [] for none, the pointer on failure. */
function returnedArray(print: (d: Uint8Array, n: number, c: DecodeCtx) => string | undefined): Kind {
  return {
    exit: true,
    print: (c, i) => {
      const v = arg(c, i);
      if (v === 0n) return 'NULL';
      if (!c.done || c.failed) return ptr(v);
      const n = Number(c.ret);
      if (n === 0) return '[]';
      const it = data(c, i);
      return (it && print(it.data, n, c)) ?? ptr(v);
    },
  };
}

/** An in-out argument's value at entry (MEM_IN), else the pointer; what it became is shown elsewhere. */
function given(print: (d: Uint8Array) => string | undefined): Printer {
  return (c, i) => {
    const v = arg(c, i);
    if (v === 0n) return 'NULL';
    const it = captured(c, i, CaptureKind.MEM_IN);
    return (it && !it.fault && print(it.data)) || ptr(v);
  };
}

/** Struct printer over captured data, else the pointer. */
function struct(print: (d: Uint8Array, c: DecodeCtx) => string | undefined, out: boolean): Printer {
  return (c, i) => {
    const v = arg(c, i);
    if (v === 0n) return 'NULL';
    const it = out ? outData(c, i) : data(c, i);
    return (it && print(it.data, c)) ?? ptr(v);
  };
}

/** A directory fd argument: AT_FDCWD or the number. */
function dirfdText(v: bigint): string {
  const fd = i32(v);
  return fd === K.AT_FDCWD ? 'AT_FDCWD' : String(fd);
}

/** A struct the caller sized (STRUCT_IN), its size in the next argument, else the pointer. */
function sized(print: (d: Uint8Array, size: bigint, c: DecodeCtx) => string | undefined): Printer {
  return (c, i) => {
    const v = arg(c, i);
    if (v === 0n) return 'NULL';
    const it = data(c, i);
    return (it && print(it.data, BigInt.asUintN(64, arg(c, i + 1)), c)) ?? ptr(v);
  };
}

const flagsOf =
  (table: readonly (readonly [number, string])[], unknown: string, zero = '0'): Printer =>
  (c, i) =>
    flags(table, u32(arg(c, i)), unknown, zero);

const valueOf =
  (names: ReadonlyMap<number, string>, unknown: string, decimal = false): Printer =>
  (c, i) =>
    (decimal ? xvalD : xval)(names, i32(arg(c, i)), unknown);

function openFlagsTable(c: DecodeCtx): readonly (readonly [number, string])[] {
  return c.arch === 'arm64' ? K.OPEN_FLAGS_ARM64 : K.OPEN_FLAGS_X86_64;
}

/** Access mode then flags: O_RDONLY|O_CLOEXEC (strace's open modes). */
export function printOpenFlags(v: number, arch: Arch = 'x86_64'): string {
  const acc = K.OPEN_ACCESS.get(v & K.O_ACCMODE)!;
  const rest = (v & ~K.O_ACCMODE) >>> 0;
  if (!rest) return acc;
  const f = flags(arch === 'arm64' ? K.OPEN_FLAGS_ARM64 : K.OPEN_FLAGS_X86_64, rest, 'O_???');
  return acc + '|' + (f.endsWith(' */') ? f.slice(0, f.indexOf(' /*')) : f);
}

/** Path: never cut at -s (strace prints file names whole). */
/** quoteBytes of an item's bytes, read where they lie when they are part of a snapshot (no view of them is made). */
function quoteItem(it: RawItem, limit: number): string {
  return it.src !== undefined ? quoteRange(it.src, it.from!, it.to!, limit, it.truncated) : quoteBytes(it.data, limit, it.truncated);
}

function pathAt(c: DecodeCtx, i: number): string {
  const v = arg(c, i);
  if (v === 0n) return 'NULL';
  const it = data(c, i);
  return it ? quoteItem(it, Infinity) : ptr(v);
}

/** NUL-terminated string cut at -s. */
function stringAt(c: DecodeCtx, i: number): string {
  const v = arg(c, i);
  if (v === 0n) return 'NULL';
  const it = data(c, i);
  return it ? quoteItem(it, c.limit) : ptr(v);
}

function sockProtocol(domain: number, proto: number): string {
  switch (domain) {
    case K.AF_INET:
    case K.AF_INET6:
      return xval(K.INET_PROTOCOLS, proto, 'IPPROTO_???');
    case K.AF_NETLINK:
      return xval(K.NETLINK_PROTOCOLS, proto, 'NETLINK_???');
    case K.AF_PACKET: {
      const p = ((proto & 0xff) << 8) | ((proto >> 8) & 0xff);
      return `htons(${xval(K.ETH_PROTOCOLS, p, 'ETH_P_???')})`;
    }
    default:
      return String(proto);
  }
}

/** socket type and its SOCK_CLOEXEC/SOCK_NONBLOCK flags. */
export function printSockType(v: number): string {
  const t = xval(K.SOCK_TYPES, v & K.SOCK_TYPE_MASK, 'SOCK_???');
  const rest = (v & ~K.SOCK_TYPE_MASK) >>> 0;
  return rest ? `${t}|${flags(K.SOCK_FLAGS, rest, 'SOCK_???')}` : t;
}

function sockoptName(level: number, name: number): string {
  switch (level) {
    case K.SOL_SOCKET:
      return xval(K.SO_OPTIONS, name, 'SO_???');
    case 6:
      return xval(K.TCP_OPTIONS, name, 'TCP_???');
    case 0:
      return xval(K.IP_OPTIONS, name, 'IP_???');
    case 41:
      return xval(K.IPV6_OPTIONS, name, 'IPV6_???');
    case 270:
      return xval(K.NETLINK_OPTIONS, name, 'NETLINK_???');
    case 255: // SOL_RAW
      return name === 1 ? 'ICMP_FILTER' : `${hexU(name >>> 0)} /* RAW_??? */`;
    default:
      return String(name);
  }
}

/** The ioctl request: a known name, else _IOC(dir, type, nr, size) or hex. */
export function printIoctlRequest(req: number): string {
  const known = K.IOCTLS.get(req >>> 0);
  if (known) return known[0];
  const dir = req >>> 30;
  const size = (req >>> 16) & 0x3fff;
  const type = (req >>> 8) & 0xff;
  const nr = req & 0xff;
  if (dir === 0 && size === 0) return hexU(req >>> 0);
  const dirs = ['_IOC_NONE', '_IOC_WRITE', '_IOC_READ', '_IOC_READ|_IOC_WRITE'];
  return `_IOC(${dirs[dir]}, ${hexU(type)}, ${hexU(nr)}, ${hexU(size)})`;
}

/** prctl's arguments after the option, as strace shows them for that option. */
function prctlRest(c: DecodeCtx): string | null {
  const option = u32(arg(c, 0));
  const a2 = arg(c, 1);
  const hexFrom = (first: number): string => {
    const parts: string[] = [];
    for (let j = first; j < 5; j++) parts.push(hexU(BigInt.asUintN(64, arg(c, j))));
    return parts.join(', ');
  };
  switch (option) {
    case 7: // PR_GET_KEEPCAPS
    case 21: // PR_GET_SECCOMP
    case 30: // PR_GET_TIMERSLACK
    case 13: // PR_GET_TIMING
    case 3: // PR_GET_DUMPABLE
    case 31: // PR_TASK_PERF_EVENTS_DISABLE
    case 32: // PR_TASK_PERF_EVENTS_ENABLE
    case 27: // PR_GET_SECUREBITS
    case 46: // PR_GET_FP_MODE
      return null;
    case 37: // PR_GET_CHILD_SUBREAPER
    case 19: // PR_GET_ENDIAN
    case 9: // PR_GET_FPEMU
    case 11: // PR_GET_FPEXC
    case 16: {
      // PR_GET_NAME: the name the call wrote, up to its NUL
      const it = outData(c, 1);
      if (!it) return ptr(a2);
      const end = it.data.indexOf(0);
      return quoteBytes(end < 0 ? it.data : it.data.subarray(0, end), c.limit, false);
    }
    case 2: // PR_GET_PDEATHSIG
    case 40: // PR_GET_TID_ADDRESS
    case 25: // PR_GET_TSC
    case 5: // PR_GET_UNALIGN
      return ptr(a2);
    case 36: // PR_SET_CHILD_SUBREAPER
    case 20: // PR_SET_ENDIAN
    case 10: // PR_SET_FPEMU
    case 12: // PR_SET_FPEXC
    case 8: // PR_SET_KEEPCAPS
    case 14: // PR_SET_TIMING
      return u64(a2);
    case 4: // PR_SET_DUMPABLE
      return xval(K.SUID_DUMP, Number(BigInt.asUintN(64, a2) > 0xffffffffn ? -1 : a2), 'SUID_DUMP_???');
    case 23: // PR_CAPBSET_READ
    case 24: {
      // PR_CAPBSET_DROP
      const n = Number(BigInt.asUintN(32, a2));
      return n <= CAP_LAST_CAP && BigInt.asUintN(64, a2) < 0x100000000n ? capabilityName(n) : `${hexU(BigInt.asUintN(64, a2))} /* CAP_??? */`;
    }
    case 15: {
      // PR_SET_NAME: what the kernel keeps, TASK_COMM_LEN - 1 bytes; strace shows as much and "..." past it
      const it = data(c, 1);
      if (a2 === 0n || !it) return stringAt(c, 1);
      const cut = it.truncated || it.data.length > 15;
      return quoteBytes(cut ? it.data.subarray(0, 15) : it.data, c.limit, cut);
    }
    case 1: // PR_SET_PDEATHSIG
      return BigInt.asUintN(64, a2) > 128n ? u64(a2) : printSignal(Number(a2));
    case 29: // PR_SET_TIMERSLACK
      return s64(a2);
    case 38: // PR_SET_NO_NEW_PRIVS
    case 41: // PR_SET_THP_DISABLE
    case 57: // PR_SET_IO_FLUSHER
      return `${u64(a2)}, ${hexFrom(2)}`;
    default:
      return hexFrom(1);
  }
}

function fcntlArg(c: DecodeCtx, i: number): string | null {
  const cmd = u32(arg(c, 1));
  const v = arg(c, i);
  switch (cmd) {
    case K.F_GETFD:
    case K.F_GETFL:
    case K.F_GETOWN:
    case K.F_GETSIG:
    case K.F_GETLEASE:
    case K.F_GETPIPE_SZ:
    case K.F_GET_SEALS:
      return null;
    case K.F_SETFD:
      return flags(K.FD_FLAGS, u32(v), 'FD_???');
    case K.F_SETFL:
      return printOpenFlags(u32(v), c.arch);
    case K.F_DUPFD:
    case K.F_DUPFD_CLOEXEC:
    case K.F_SETOWN:
    case K.F_SETPIPE_SZ:
      return String(i32(v));
    case K.F_SETSIG:
      return printSignal(i32(v));
    case K.F_SETLEASE:
      return xval(K.LEASE_TYPES, i32(v), 'F_???');
    case K.F_NOTIFY:
      return flags(K.DNOTIFY_FLAGS, u32(v), 'DN_???');
    case K.F_ADD_SEALS:
      return flags(K.SEAL_FLAGS, u32(v), 'F_SEAL_???');
    case 5: // F_GETLK
    case 6: // F_SETLK
    case 7: // F_SETLKW
    case 15: // F_SETOWN_EX
    case 16: // F_GETOWN_EX
    case 36: // F_OFD_GETLK
    case 37: // F_OFD_SETLK
    case 38: // F_OFD_SETLKW
      // struct flock / f_owner_ex behind a pointer (not captured).
      return ptr(v);
    default:
      return hexU(BigInt.asUintN(64, v));
  }
}

function ioctlArg(c: DecodeCtx, i: number): string | null {
  const known = K.IOCTLS.get(u32(arg(c, 1)));
  const v = arg(c, i);
  if (!known) return hexU(BigInt.asUintN(64, v));
  switch (known[1]) {
    case K.IoctlArg.NONE:
      return null;
    case K.IoctlArg.INT:
      return String(i32(v));
    default:
      return ptr(v);
  }
}

/** mount's flags less the old magic number in their upper 16 bits, if there. */
function mountFlagBits(v: bigint): { magic: boolean; bits: bigint } {
  const f = BigInt.asUintN(64, v);
  const magic = (f & BigInt(K.MS_MGC_MSK)) === BigInt(K.MS_MGC_VAL);
  return { magic, bits: magic ? f & ~BigInt(K.MS_MGC_MSK) : f };
}

/** Whether mount's flags make the kernel ignore its fstype or its data: a remount reads the data only; a bind, a move or a propagation change neither. */
function mountIgnores(v: bigint, what: 'type' | 'data'): boolean {
  const f = Number(mountFlagBits(v).bits & 0xffffffffn);
  if (f & K.MS_REMOUNT) return what === 'type';
  return (f & K.MS_NO_TYPE_OR_DATA) !== 0;
}

/** mount's flags, MS_MGC_VAL first when the old magic number is there. */
function mountFlags(v: bigint): string {
  const { magic, bits } = mountFlagBits(v);
  if (!magic) return flags64(K.MOUNT_FLAGS, bits, 'MS_???');
  return bits === 0n ? 'MS_MGC_VAL' : 'MS_MGC_VAL|' + flags64(K.MOUNT_FLAGS, bits, 'MS_???');
}

function mmapFlags(v: number): string {
  const type = xval(K.MMAP_TYPES, v & K.MAP_TYPE, 'MAP_???');
  let rest = (v & ~K.MAP_TYPE) >>> 0;
  const huge = (rest >>> K.MAP_HUGE_SHIFT) & K.MAP_HUGE_MASK;
  rest = (rest & ~(K.MAP_HUGE_MASK << K.MAP_HUGE_SHIFT)) >>> 0;
  let out = type;
  if (rest) {
    const f = flags(K.MMAP_FLAGS, rest, 'MAP_???');
    out += '|' + (f.endsWith(' */') ? f.slice(0, f.indexOf(' /*')) : f);
  }
  if (huge) out += `|${huge}<<MAP_HUGE_SHIFT`;
  return out;
}

function futexOp(v: number): string {
  const cmd = v & 0x7f;
  let s = K.FUTEX_OPS.get(cmd);
  if (s === undefined) return `${hexU(v >>> 0)} /* FUTEX_??? */`;
  if (v & 128) s += '_PRIVATE';
  if (v & 256) s += '|FUTEX_CLOCK_REALTIME';
  const rest = (v & ~(0x7f | 128 | 256)) >>> 0;
  return rest ? `${s}|0x${rest.toString(16)}` : s;
}

/** FUTEX_WAKE_OP's encoded operation, as strace shows it: FUTEX_OP_ADD<<28|0x3<<12|FUTEX_OP_CMP_GT<<24|0x5. */
function futexWakeOp(v3: number): string {
  const num = (n: number) => (n ? hexU(n) : '0');
  // An unknown value is shifted, then named: 0x7<<28 /* FUTEX_OP_??? */
  const field = (names: ReadonlyMap<number, string>, n: number, shift: number, unknown: string) =>
    names.get(n) !== undefined ? `${names.get(n)}<<${shift}` : `${hexU(n)}<<${shift} /* ${unknown} */`;
  const shift = (v3 >>> 28) & 8 ? 'FUTEX_OP_OPARG_SHIFT<<28|' : '';
  return (
    `${shift}${field(K.FUTEX_WAKE_OPS, (v3 >>> 28) & 7, 28, 'FUTEX_OP_???')}|${num((v3 >>> 12) & 0xfff)}<<12|` +
    `${field(K.FUTEX_WAKE_CMPS, (v3 >>> 24) & 15, 24, 'FUTEX_OP_CMP_???')}|${num(v3 & 0xfff)}`
  );
}

/** A struct timespec given at entry: {tv_sec=1, tv_nsec=0}, NULL, or the address where it was not captured. */
const timespecIn = struct((d) => printTimespec(d), false);

/** futex's arguments after the operation, as strace shows them for that operation. */
function futexRest(c: DecodeCtx): string | null {
  const op = u32(arg(c, 1));
  const val = String(u32(arg(c, 2)));
  // Captured for the operations that wait (FUTEX_TIME); a pointer where it was not readable.
  const timeout = timespecIn(c, 3);
  const val2 = String(u32(arg(c, 3)));
  const uaddr2 = ptr(arg(c, 4));
  const v3 = u32(arg(c, 5));
  const bitset = v3 === 0xffffffff ? 'FUTEX_BITSET_MATCH_ANY' : hexU(v3);
  switch (op & 127) {
    case 0: // FUTEX_WAIT
      return `${val}, ${timeout}`;
    case 6: // FUTEX_LOCK_PI
    case 13: // FUTEX_LOCK_PI2
      return timeout;
    case 9: // FUTEX_WAIT_BITSET
      return `${val}, ${timeout}, ${bitset}`;
    case 10: // FUTEX_WAKE_BITSET
      return `${val}, ${bitset}`;
    case 3: // FUTEX_REQUEUE
      return `${val}, ${val2}, ${uaddr2}`;
    case 5: // FUTEX_WAKE_OP
      return `${val}, ${val2}, ${uaddr2}, ${futexWakeOp(v3)}`;
    case 4: // FUTEX_CMP_REQUEUE
    case 12: // FUTEX_CMP_REQUEUE_PI
      return `${val}, ${val2}, ${uaddr2}, ${v3}`;
    case 11: // FUTEX_WAIT_REQUEUE_PI
      return `${val}, ${timeout}, ${uaddr2}`;
    case 1: // FUTEX_WAKE
    case 2: // FUTEX_FD
      return val;
    case 7: // FUTEX_UNLOCK_PI
    case 8: // FUTEX_TRYLOCK_PI
      return null;
    default:
      return `${val}, ${timeout}, ${uaddr2}, ${hexU(v3)}`;
  }
}

// --- the kinds ------------------------------------------------------------------

const K_: Record<string, Kind> = {
  // plain values
  int: { print: (c, i) => d32(arg(c, i)) },
  uint: { print: (c, i) => String(u32(arg(c, i))) },
  long: { print: (c, i) => s64(arg(c, i)) },
  ulong: { print: (c, i) => u64(arg(c, i)) },
  size: { print: (c, i) => u64(arg(c, i)) },
  /** A size strace prints only when the call returns, with its separator (clone3's, after the struct it decodes at exit). */
  size_at_exit: { exit: 'joined', print: (c, i) => u64(arg(c, i)) },
  hex: { print: (c, i) => hexU(BigInt.asUintN(64, arg(c, i))) },
  ptr: { print: (c, i) => ptr(arg(c, i)) },
  /** An output pointer strace decodes at return; not captured: the address. */
  ptr_out: { print: (c, i) => ptr(arg(c, i)), exit: true },
  fd: { print: (c, i) => d32(arg(c, i)) },
  dirfd: { print: (c, i) => dirfdText(arg(c, i)) },
  pid: { print: (c, i) => d32(arg(c, i)) },
  /** uid_t/gid_t: -1 as -1, others unsigned. */
  uid: {
    print: (c, i) => {
      const v = u32(arg(c, i));
      return v === 0xffffffff ? '-1' : String(v);
    },
  },
  signal: { print: (c, i) => printSignal(i32(arg(c, i))) },
  /** A uid or gid the call stored (getresuid): [0]. */
  uid_out: {
    exit: true,
    print: struct((d) => {
      if (d.length < 4) return undefined;
      const v = (d[0] | (d[1] << 8) | (d[2] << 16) | (d[3] << 24)) >>> 0;
      return v === 0xffffffff ? '[-1]' : `[${v}]`;
    }, true),
  },

  // strings and buffers
  path: { print: pathAt },
  string: { print: stringAt },
  /** Input buffer, its length in the next argument. */
  buf_in: {
    print: (c, i) => {
      const v = arg(c, i);
      const it = data(c, i);
      if (!it) return ptr(v);
      return quoteItem(it, c.limit);
    },
  },
  /** Output buffer holding the return value's bytes. */
  buf_out: {
    exit: true,
    print: (c, i) => {
      const it = arg(c, i) === 0n ? undefined : outData(c, i);
      return it ? quoteItem(it, c.limit) : ptr(arg(c, i));
    },
  },
  /** A CPU set the call wrote, as many bytes as it returned: [0 1]. */
  cpu_set_out: {
    exit: true,
    print: (c, i) => {
      const it = arg(c, i) === 0n ? undefined : outData(c, i);
      if (!it) return ptr(arg(c, i));
      const cpus: number[] = [];
      it.data.forEach((byte, k) => {
        for (let bit = 0; bit < 8; bit++) if (byte & (1 << bit)) cpus.push(8 * k + bit);
      });
      return '[' + cpus.join(' ') + ']';
    },
  },
  xattr_flags: { print: flagsOf(K.XATTR_FLAGS, 'XATTR_???') },
  /** The same, every byte in hex (getrandom's, as strace shows them). */
  buf_out_hex: {
    exit: true,
    print: (c, i) => {
      const it = arg(c, i) === 0n ? undefined : outData(c, i);
      return it ? quoteHex(it.data, c.limit, it.truncated) : ptr(arg(c, i));
    },
  },
  /** Output path (getcwd). */
  path_out: {
    exit: true,
    print: (c, i) => {
      const it = outData(c, i);
      return it ? quoteItem(it, Infinity) : ptr(arg(c, i));
    },
  },

  // files
  open_flags: { print: (c, i) => printOpenFlags(u32(arg(c, i)), c.arch) },
  /** open's mode: only with O_CREAT or O_TMPFILE in the flags before it. */
  open_mode: {
    print: (c, i) => {
      const fl = u32(arg(c, i - 1));
      return fl & (K.O_CREAT | K.O_TMPFILE_BITS) ? mode03o(u32(arg(c, i))) : null;
    },
  },
  mode: { print: (c, i) => mode03o(u32(arg(c, i))) },
  /** mknod's mode: type and permissions. */
  file_mode: { print: (c, i) => printFileMode(u32(arg(c, i))) },
  /** mknod's dev: only for character and block devices. */
  mknod_dev: {
    print: (c, i) => {
      const type = u32(arg(c, i - 1)) & K.S_IFMT;
      return type === 0o20000 || type === 0o60000 ? printDev(BigInt.asUintN(64, arg(c, i))) : null;
    },
  },
  /** flags of pipe2/dup3: open flags without an access mode. */
  fd_flags: { print: (c, i) => flags(openFlagsTable(c), u32(arg(c, i)), 'O_???') },
  at_flags: { print: flagsOf(K.AT_FLAGS, 'AT_???') },
  /** openat2's struct open_how, its size in the next argument. */
  open_how: { print: sized((d, size, c) => printOpenHow(d, size, (v) => printOpenFlags(v, c.arch))) },
  /** statx flags: the sync type, then AT_ flags. */
  statx_flags: {
    print: (c, i) => {
      const v = u32(arg(c, i));
      const sync = xval(K.AT_STATX_SYNC, v & K.AT_STATX_SYNC_TYPE, 'AT_STATX_???');
      const rest = (v & ~K.AT_STATX_SYNC_TYPE) >>> 0;
      return rest ? `${sync}|${flags(K.AT_FLAGS, rest, 'AT_???')}` : sync;
    },
  },
  statx_mask: { print: flagsOf(K.STATX_MASK, 'STATX_???') },
  statx_out: { exit: true, print: struct((d) => printStatx(d), true) },
  statfs_out: { exit: true, print: struct((d) => printStatfs(d), true) },
  sysinfo_out: { exit: true, print: struct((d) => printSysinfo(d), true) },
  faccessat_flags: { print: flagsOf(K.FACCESSAT_FLAGS, 'AT_???') },
  access_mode: { print: flagsOf(K.ACCESS_MODES, '?_OK', 'F_OK') },
  rename_flags: { print: flagsOf(K.RENAME_FLAGS, 'RENAME_???') },
  /** mount's fstype: the address where the flags make the kernel ignore it (remount, bind, move, propagation). */
  mount_type: { print: (c, i) => (mountIgnores(arg(c, 3), 'type') ? ptr(arg(c, i)) : stringAt(c, i)) },
  mount_flags: { print: (c, i) => mountFlags(arg(c, i)) },
  /** mount's data: a string, cut at -s, except where the flags make the kernel ignore it (bind, move, propagation). */
  mount_data: { print: (c, i) => (mountIgnores(arg(c, 3), 'data') ? ptr(arg(c, i)) : stringAt(c, i)) },
  umount_flags: { print: flagsOf(K.UMOUNT_FLAGS, 'MNT_???') },
  // the mount API
  fsopen_flags: { print: flagsOf(K.FSOPEN_FLAGS, 'FSOPEN_???') },
  fsconfig_cmd: { print: valueOf(K.FSCONFIG_CMDS, 'FSCONFIG_???') },
  /** fsconfig's key: a string for the FSCONFIG_SET_* commands, else the address. */
  fsconfig_key: { print: (c, i) => (u32(arg(c, 1)) <= K.FSCONFIG_SET_FD ? stringAt(c, i) : ptr(arg(c, i))) },
  /** fsconfig's value, as its command says: a string, a path, the bytes of FSCONFIG_SET_BINARY in hex, else the address. */
  fsconfig_value: {
    print: (c, i) => {
      const cmd = u32(arg(c, 1));
      if (cmd === K.FSCONFIG_SET_STRING) return stringAt(c, i);
      if (cmd === K.FSCONFIG_SET_PATH || cmd === K.FSCONFIG_SET_PATH_EMPTY) return pathAt(c, i);
      if (cmd !== K.FSCONFIG_SET_BINARY || arg(c, i) === 0n) return ptr(arg(c, i));
      if (i32(arg(c, i + 1)) === 0) return '""';
      const it = data(c, i);
      return it ? quoteHex(it.data, c.limit, it.truncated) : ptr(arg(c, i));
    },
  },
  /** fsconfig's aux: the directory fd of the FSCONFIG_SET_PATH commands, else an int. */
  fsconfig_aux: {
    print: (c, i) => {
      const cmd = u32(arg(c, 1));
      return cmd === K.FSCONFIG_SET_PATH || cmd === K.FSCONFIG_SET_PATH_EMPTY ? dirfdText(arg(c, i)) : d32(arg(c, i));
    },
  },
  fsmount_flags: { print: flagsOf(K.FSMOUNT_FLAGS, 'FSMOUNT_???') },
  mount_attr_flags: { print: flagsOf(K.MOUNT_ATTR_FLAGS, 'MOUNT_ATTR_???') },
  fspick_flags: { print: flagsOf(K.FSPICK_FLAGS, 'FSPICK_???') },
  move_mount_flags: { print: flagsOf(K.MOVE_MOUNT_FLAGS, 'MOVE_MOUNT_???') },
  open_tree_flags: { print: flagsOf(K.OPEN_TREE_FLAGS, 'OPEN_TREE_???') },
  mount_setattr_flags: { print: flagsOf(K.MOUNT_SETATTR_FLAGS, 'AT_???') },
  /** struct mount_attr, its size in the next argument: the address where strace shows it (under 32 bytes, unreadable). */
  mount_attr: { print: sized((d, size) => printMountAttr(d, size)) },
  whence: { print: valueOf(K.WHENCE, 'SEEK_???') },
  flock_op: { print: flagsOf(K.FLOCK_OPS, 'LOCK_???') },
  fadvise: { print: valueOf(K.FADVISE, 'POSIX_FADV_???', true) },
  falloc_mode: { print: flagsOf(K.FALLOC_FLAGS, 'FALLOC_FL_???') },
  close_range_flags: { print: flagsOf(K.CLOSE_RANGE_FLAGS, 'CLOSE_RANGE_???') },
  memfd_flags: { print: flagsOf(K.MEMFD_FLAGS, 'MFD_???') },
  efd_flags: { print: flagsOf(K.EFD_FLAGS, 'EFD_???') },
  tfd_flags: { print: flagsOf(K.TFD_CREATE_FLAGS, 'TFD_???') },
  in_init_flags: { print: flagsOf(K.IN_INIT_FLAGS, 'IN_???') },
  in_mask: { print: flagsOf(K.INOTIFY_MASK, 'IN_???') },
  epoll_flags: { print: flagsOf(K.EPOLL_CREATE_FLAGS, 'EPOLL_???') },
  epoll_op: { print: valueOf(K.EPOLL_CTL_OPS, 'EPOLL_CTL_???') },
  epoll_event: { print: struct((d, c) => printEpollEvent(d, c.arch), false) },
  /** The events epoll_wait stored: as many as it returned. */
  epoll_events: returnedArray((d, n, c) => printEpollEvents(d, n, c.limit, c.arch)),
  /**
   * nanosleep's and clock_nanosleep's rmtp: the time left when a signal
   * interrupted the sleep (a restart code; clock_nanosleep without
   * TIMER_ABSTIME), else the address (the kernel wrote nothing).
   */
  rmtp_out: {
    exit: true,
    print: (c, i) => {
      const v = arg(c, i);
      if (v === 0n) return 'NULL';
      const interrupted = c.done && c.ret < 0n && RESTART_ERRNOS.has(Number(-c.ret)) && (i === 1 || u32(arg(c, 1)) === 0);
      const it = interrupted ? data(c, i) : undefined;
      return (it && printTimespec(it.data)) || ptr(v);
    },
  },
  /** An fd_set given to select, of as many fds as its first argument says: [3 4]. */
  fdset: {
    print: (c, i) => {
      const v = arg(c, i);
      if (v === 0n) return 'NULL';
      const nfds = i32(arg(c, 0));
      const it = captured(c, i, CaptureKind.MEM_IN);
      if (nfds <= 0 || !it || it.fault) return ptr(v);
      return '[' + fdsetMembers(it.data, nfds).join(' ') + ']';
    },
  },
  /**
   * pselect6's { const sigset_t *ss; size_t ss_len }: {sigmask=[INT TERM], sigsetsize=8}; the
   * mask's address where strace shows it (a size other than 8, unreadable); the struct's own address
   * when it could not be read.
   */
  pselect_sigmask: {
    print: (c, i) => {
      const v = arg(c, i);
      if (v === 0n) return 'NULL';
      const it = data(c, i);
      if (!it || it.data.length < 16) return ptr(v);
      const ss = it.data.readBigUInt64LE(0);
      const mask = captured(c, i, CaptureKind.MEM_IN, SIGMASK_PART);
      const shown = mask && !mask.fault && mask.data.length === 8 ? printSigset(mask.data, 8) : ptr(ss);
      return `{sigmask=${shown}, sigsetsize=${it.data.readBigUInt64LE(8)}}`;
    },
  },
  /** select's timeout at entry (the time left is shown after the return value). */
  timeval_inout: { print: given(printTimeval) },
  /** setgroups' list: as many gids as the previous argument says. */
  gids_in: {
    print: (c, i) => {
      const v = arg(c, i);
      if (v === 0n) return 'NULL';
      const n = i32(arg(c, i - 1));
      const it = data(c, i);
      return (n >= 0 && it && printGids(it.data, n, c.limit)) || ptr(v);
    },
  },
  /** getgroups' list: as many gids as it returned. */
  gids_out: returnedArray((d, n, c) => printGids(d, n, c.limit)),
  stat_out: { exit: true, print: struct((d, c) => printStat(d, c.arch), true) },
  pipe_fds: { exit: true, print: struct((d) => printIntPair(d), true) },
  fcntl_cmd: { print: (c, i) => xval(K.FCNTL_CMDS, u32(arg(c, i)), 'F_???') },
  fcntl_arg: { print: fcntlArg },
  ioctl_req: { print: (c, i) => printIoctlRequest(u32(arg(c, i))) },
  ioctl_arg: { print: ioctlArg },

  // memory
  prot: { print: flagsOf(K.MMAP_PROT, 'PROT_???', 'PROT_NONE') },
  mmap_flags: { print: (c, i) => mmapFlags(u32(arg(c, i))) },
  mremap_flags: { print: flagsOf(K.MREMAP_FLAGS, 'MREMAP_???') },
  /** mremap's new_address: only with MREMAP_FIXED. */
  mremap_addr: { print: (c, i) => (u32(arg(c, i - 1)) & 2 ? ptr(arg(c, i)) : null) },
  msync_flags: { print: flagsOf(K.MSYNC_FLAGS, 'MS_???') },
  madvise: { print: valueOf(K.MADVISE, 'MADV_???') },
  mlock2_flags: { print: flagsOf(K.MLOCK2_FLAGS, 'MLOCK_???') },
  /** set_mempolicy/mbind mode: MPOL_* and its MPOL_F_* flags. */
  mpol_mode: {
    print: (c, i) => {
      const v = u32(arg(c, i));
      const f = v & (0x7 << 13);
      const mode = xval(K.MPOL_MODES, (v & ~f) >>> 0, 'MPOL_???');
      return f ? `${mode}|${flags(K.MPOL_MODE_FLAGS, f, 'MPOL_F_???')}` : mode;
    },
  },
  mpol_get_flags: { print: flagsOf(K.MPOL_GET_FLAGS, 'MPOL_???') },
  mlockall_flags: { print: flagsOf(K.MLOCKALL_FLAGS, 'MCL_???') },

  // processes
  clone_stack: { print: (c, i) => 'child_stack=' + ptr(arg(c, i)) },
  clone_flags: {
    print: (c, i) => {
      const v = BigInt.asUintN(64, arg(c, i));
      const sig = Number(v & BigInt(K.CSIGNAL));
      const rest = v & ~BigInt(K.CSIGNAL);
      if (rest === 0n) return 'flags=' + printSignal(sig);
      const f = flags64(K.CLONE_FLAGS, rest, 'CLONE_???');
      return 'flags=' + f + (sig ? '|' + printSignal(sig) : '');
    },
  },
  clone_ptid: {
    exit: 'joined',
    print: (c, i) => (u32(arg(c, 0)) & (K.CLONE_PARENT_SETTID | K.CLONE_PIDFD) ? 'parent_tid=' + ptr(arg(c, i)) : null),
  },
  // x86_64 passes (flags, stack, parent_tid, child_tid, tls); arm64 (flags, stack, parent_tid, tls, child_tid).
  clone_tls: {
    exit: 'joined',
    print: (c, i) => (u32(arg(c, 0)) & K.CLONE_SETTLS ? 'tls=' + ptr(arg(c, c.arch === 'arm64' ? 3 : i)) : null),
  },
  clone_ctid: {
    exit: 'joined',
    print: (c, i) =>
      u32(arg(c, 0)) & (K.CLONE_CHILD_SETTID | K.CLONE_CHILD_CLEARTID) ? 'child_tidptr=' + ptr(arg(c, c.arch === 'arm64' ? 4 : i)) : null,
  },
  unshare_flags: { print: (c, i) => flags64(K.UNSHARE_FLAGS, arg(c, i), 'CLONE_???') },
  argv: {
    print: (c, i) => {
      const v = arg(c, i);
      if (v === 0n) return 'NULL';
      const items = c.argv;
      if (!items.length) {
        // An empty argv is captured as no items too: tell it from a failed read by the pointer only.
        return ptr(v);
      }
      let s = '[';
      for (let j = 0; j < items.length; j++) {
        const it = items[j];
        if (j) s += ', ';
        // An entry whose string could not be read: its address was not kept, so just a mark.
        s += it.fault ? '?' : quoteItem(it, c.limit);
      }
      if (items[items.length - 1].more) s += ', ...';
      return s + ']';
    },
  },
  /**
   * envp: strace counts the variables, 0x7ffd... /* 12 vars *\/. The kernel
   * side counts at most ENVP_MAX; more show as "4096+ vars".
   */
  envp: {
    print: (c, i) => {
      const v = arg(c, i);
      if (v === 0n) return 'NULL';
      const it = data(c, i);
      if (!it || it.data.length < 8) return ptr(v);
      const n = it.data.readUInt32LE(0);
      const end = it.data.readUInt32LE(4);
      if (end === ENVP_ITEM.CAPPED) return `${ptr(v)} /* ${n}+ vars */`;
      return `${ptr(v)} /* ${n} var${n === 1 ? '' : 's'}${end === ENVP_ITEM.UNTERMINATED ? ', unterminated' : ''} */`;
    },
  },
  /**
   * getdents64's buffer at return: 0x55d0c0a5c2d0 /* 12 entries *\/, the
   * count the BPF side walked (DIRENTS_ITEM); the address alone on failure.
   */
  dirents: {
    exit: true,
    print: (c, i) => {
      const v = arg(c, i);
      if (!c.done || c.failed) return ptr(v);
      if (c.ret === 0n) return `${ptr(v)} /* 0 entries */`;
      const it = data(c, i);
      if (!it || it.data.length < 8) return ptr(v);
      const n = it.data.readUInt32LE(0);
      const end = it.data.readUInt32LE(4);
      return `${ptr(v)} /* ${n}${end === DIRENTS_ITEM.CAPPED ? '+' : ''} entries${end === DIRENTS_ITEM.BAD ? ', unreadable after them' : ''} */`;
    },
  },
  /** clone3's struct clone_args, and at return what the kernel wrote back through it: => {pidfd=[5], parent_tid=[42]}. */
  clone3_args: {
    print: (c, i) => {
      const v = arg(c, i);
      if (v === 0n) return 'NULL';
      const size = arg(c, i + 1);
      const it = captured(c, i, CaptureKind.MEM_IN);
      const text = it && !it.fault ? printCloneArgs(it.data, size) : undefined;
      if (!text) return ptr(v);
      if (!c.done || c.failed) return text;
      const pidfd = captured(c, i, CaptureKind.MEM_OUT);
      return text + printCloneArgsResult(it!.data, size, pidfd && !pidfd.fault ? pidfd.data : undefined, c.ret);
    },
  },
  wait_status: {
    exit: true,
    print: (c, i) => {
      const v = arg(c, i);
      if (v === 0n) return 'NULL';
      // Nothing was stored when no child changed state (ret 0).
      if (!c.done || c.failed || c.ret === 0n) return ptr(v);
      const it = data(c, i);
      return (it && printWaitStatusBytes(it.data)) ?? ptr(v);
    },
  },
  wait_options: { print: flagsOf(K.WAIT_OPTIONS, 'W???') },
  waitid_which: { print: valueOf(K.WAITID_WHICH, 'P_???') },
  prio_which: { print: valueOf(K.PRIO_WHICH, 'PRIO_???') },
  sched_policy: { print: valueOf(K.SCHED_POLICIES, 'SCHED_???') },
  rlimit_resource: { print: valueOf(K.RLIMITS, 'RLIMIT_???') },
  rlimit_in: { print: struct((d) => printRlimit(d), false) },
  rlimit_out: { exit: true, print: struct((d) => printRlimit(d), true) },
  rusage_who: { print: valueOf(K.RUSAGE_WHO, 'RUSAGE_???') },
  cap_header: { print: struct((d) => printCapHeader(d), false) },
  /** capset's sets, read at entry; their layout by the header's version. */
  cap_data_in: { print: struct((d, c) => printCapData(d, data(c, 0)?.data), false) },
  /** capget's sets, written by the call. */
  cap_data_out: { exit: true, print: struct((d, c) => printCapData(d, data(c, 0)?.data), true) },
  rusage_out: { exit: true, print: struct((d) => printRusage(d), true) },
  prctl_option: { print: (c, i) => xval(K.PRCTL_OPTIONS, u32(arg(c, i)), 'PR_???') },
  prctl_rest: { print: (c) => prctlRest(c) },
  arch_prctl_code: { print: (c, i) => xval(K.ARCH_PRCTL_CODES, u32(arg(c, i)), 'ARCH_???') },
  arch_prctl_arg: {
    print: (c, i) => {
      const code = u32(arg(c, 0));
      if (code === 0x1011) return null; // ARCH_GET_CPUID takes none
      if (code === 0x1003 || code === 0x1004 || (code >= 0x1021 && code <= 0x1024 && code !== 0x1023 && code !== 0x1025)) {
        return ptr(arg(c, i));
      }
      return hexU(BigInt.asUintN(64, arg(c, i)));
    },
  },
  getrandom_flags: { print: flagsOf(K.GETRANDOM_FLAGS, 'GRND_???') },
  rseq_flags: { print: flagsOf(K.RSEQ_FLAGS, 'RSEQ_FLAG_???') },
  pidfd_flags: { print: flagsOf(K.PIDFD_OPEN_FLAGS, 'PIDFD_???') },
  futex_op: { print: (c, i) => futexOp(u32(arg(c, i))) },
  futex_rest: { print: (c) => futexRest(c) },
  splice_flags: { print: flagsOf(K.SPLICE_FLAGS, 'SPLICE_F_???') },
  sfd_flags: { print: flagsOf(K.SFD_FLAGS, 'SFD_???') },
  uname_out: { exit: true, print: struct((d) => printUtsname(d), true) },

  // time
  clockid: { print: valueOf(K.CLOCKS, 'CLOCK_???') },
  timer_flags: { print: flagsOf(K.TIMER_FLAGS, 'TIMER_???') },
  itimer_which: { print: valueOf(K.ITIMERS, 'ITIMER_???') },
  timespec_in: { print: timespecIn },
  timespec_out: { exit: true, print: struct((d) => printTimespec(d), true) },

  /** poll's array of struct pollfd, nfds (the next argument) long. */
  pollfds: {
    print: (c, i) => {
      const v = arg(c, i);
      if (v === 0n) return 'NULL';
      const nfds = u32(arg(c, i + 1));
      if (nfds === 0) return '[]';
      const it = captured(c, i, CaptureKind.MEM_IN);
      return (it && !it.fault && printPollfds(it.data, nfds, c.limit)) || ptr(v);
    },
  },

  /** A timespec given at entry that the kernel updates (ppoll's timeout): the value given. */
  timespec_inout: { print: given(printTimespec) },

  // signals
  /** rt_sigprocmask's set, its size the fourth argument. */
  sigset_in: { print: (c, i) => sigsetOfSize(c, i, 3) },
  /** A signal mask whose size is the next argument (ppoll). */
  sigmask_in: { print: (c, i) => sigsetOfSize(c, i, i + 1) },
  sigset_out: { exit: true, print: struct((d) => printSigset(d), true) },
  /** rt_sigreturn's one shown "argument": the mask its signal frame restores, {mask=[USR2]}; nothing where not captured. */
  sigreturn_mask: {
    print: (c, i) => {
      const it = data(c, i);
      return it && it.data.length >= 8 ? `{mask=${printSigset(it.data, 8)}}` : null;
    },
  },
  sigprocmask_how: { print: valueOf(K.SIGPROCMASK_HOW, 'SIG_???') },
  sigaction_in: { print: struct((d) => printSigaction(d), false) },
  sigaction_out: { exit: true, print: struct((d) => printSigaction(d), true) },
  stack_in: { print: struct((d) => printStack(d), false) },
  stack_out: { exit: true, print: struct((d) => printStack(d), true) },

  // sockets
  sock_domain: { print: valueOf(K.ADDRESS_FAMILIES, 'AF_???') },
  sock_type: { print: (c, i) => printSockType(u32(arg(c, i))) },
  sock_proto: { print: (c, i) => sockProtocol(i32(arg(c, 0)), i32(arg(c, i))) },
  sock_flags: { print: flagsOf(K.SOCK_FLAGS, 'SOCK_???') },
  /** Input sockaddr, its length in the next argument. */
  sockaddr_in: {
    print: (c, i) => {
      const v = arg(c, i);
      if (v === 0n) return 'NULL';
      const it = data(c, i);
      return it && it.data.length ? printSockaddr(it.data, Number(BigInt.asUintN(32, arg(c, i + 1)))) : ptr(v);
    },
  },
  /**
   * Output sockaddr (accept, getsockname, recvfrom), its length in the next
   * argument: as long as the shorter of the length passed in and the one
   * written back.
   */
  sockaddr_out: {
    exit: true,
    print: (c, i) => {
      const v = arg(c, i);
      if (v === 0n) return 'NULL';
      const it = outData(c, i);
      const passed = captured(c, i + 1, CaptureKind.MEM_IN);
      if (!it || passed?.fault) return ptr(v);
      const ulen = intOf(passed);
      const n = ulen === undefined ? it.data.length : Math.min(ulen, it.data.length);
      return n >= 2 ? printSockaddr(it.data, n) : ptr(v);
    },
  },
  /**
   * The socklen_t after the call: [16], or [110 => 2] when the kernel wrote
   * back another length than was passed in; [16] alone when the call failed.
   */
  socklen_out: {
    exit: true,
    print: (c, i) => {
      const v = arg(c, i);
      if (v === 0n) return 'NULL';
      if (arg(c, i - 1) === 0n) return ptr(v);
      const passed = captured(c, i, CaptureKind.MEM_IN);
      const back = outData(c, i - 1);
      if (passed?.fault) return ptr(v);
      const ulen = intOf(passed);
      // Recorded without the length passed in: the one written back alone.
      if (ulen === undefined) return back ? `[${back.data.length}]` : ptr(v);
      if (!back) return `[${ulen}]`;
      const rlen = back.data.length;
      return ulen === rlen ? `[${rlen}]` : `[${ulen} => ${rlen}]`;
    },
  },
  msg_flags: { print: flagsOf(K.MSG_FLAGS, 'MSG_???') },
  shutdown_how: { print: valueOf(K.SHUTDOWN_HOW, 'SHUT_???') },
  // strace's unknown level comment has two question marks.
  sockopt_level: { print: valueOf(K.SOCKET_LEVELS, 'SOL_??') },
  sockopt_name: { print: (c, i) => sockoptName(i32(arg(c, 1)), i32(arg(c, i))) },
  /** setsockopt's optval, its length in the next argument. */
  sockopt_set: {
    print: (c, i) => {
      const it = data(c, i);
      const value = it && { data: it.data, cut: it.truncated };
      return printSetsockopt(i32(arg(c, 1)), i32(arg(c, 2)), arg(c, i), i32(arg(c, i + 1)), value, c.limit);
    },
  },
  /** getsockopt's optval after the call, by the lengths in the next argument before and after. */
  sockopt_get: {
    exit: true,
    print: (c, i) => {
      const v = arg(c, i);
      const ulen = intOf(captured(c, i + 1, CaptureKind.MEM_IN));
      const rlen = intOf(captured(c, i + 1, CaptureKind.MEM_OUT));
      if (arg(c, i + 1) === 0n || ulen === undefined || c.failed || rlen === undefined) return ptr(v);
      const it = outData(c, i);
      const value = it && { data: it.data, cut: it.truncated };
      return printGetsockopt(i32(arg(c, 1)), i32(arg(c, 2)), v, ulen, rlen, value, c.limit);
    },
  },
  /** getsockopt's optlen: [4], or [8 => 4] when the kernel wrote back another length. */
  sockopt_get_len: {
    exit: true,
    print: (c, i) => {
      const v = arg(c, i);
      if (v === 0n) return 'NULL';
      const ulen = intOf(captured(c, i, CaptureKind.MEM_IN));
      if (ulen === undefined) return ptr(v);
      const rlen = c.failed ? undefined : intOf(captured(c, i, CaptureKind.MEM_OUT));
      if (rlen === undefined || rlen === ulen) return `[${ulen}]`;
      return `[${ulen} => ${rlen}]`;
    },
  },
  /** writev's iovecs with their data, as given. */
  iov_in: {
    print: (c, i) => printIovecs(msghdrPieces(c.items, i, CaptureKind.MEM_IN), arg(c, i), BigInt.asUintN(64, arg(c, i + 1)), undefined, c.limit),
  },
  /** readv's iovecs after the call, their data up to the bytes read; if it failed, the array given (bases as pointers). */
  iov_out: {
    exit: true,
    print: (c, i) => {
      const v = arg(c, i);
      const n = BigInt.asUintN(64, arg(c, i + 1));
      if (c.failed) return printIovecs(msghdrPieces(c.items, i, CaptureKind.MEM_IN), v, n, 0n, c.limit, true);
      return printIovecs(msghdrPieces(c.items, i, CaptureKind.MEM_OUT), v, n, c.ret, c.limit);
    },
  },
  /** sendmsg's struct msghdr, with its iovecs' data and control messages. */
  msghdr_in: {
    print: (c, i) => {
      const v = arg(c, i);
      if (v === 0n) return 'NULL';
      return printMsghdr(msghdrPieces(c.items, i, CaptureKind.MEM_IN), undefined, undefined, c.limit) ?? ptr(v);
    },
  },
  /**
   * recvmsg's struct msghdr after the call: what was received, bounded by
   * the return value; {msg_namelen=N} alone when the call failed.
   */
  msghdr_out: {
    exit: true,
    print: (c, i) => {
      const v = arg(c, i);
      if (v === 0n) return 'NULL';
      const entry = captured(c, i, CaptureKind.MEM_IN);
      const namelen = entry && !entry.fault ? msghdrNamelen(entry.data) : undefined;
      if (namelen === undefined) return ptr(v);
      if (c.failed) return `{msg_namelen=${namelen}}`;
      return printMsghdr(msghdrPieces(c.items, i, CaptureKind.MEM_OUT), namelen, c.ret, c.limit) ?? ptr(v);
    },
  },
};

export const KINDS: Readonly<Record<string, Kind>> = K_;
