/**
 * strace-like text for paired events (INTERFACE.md "Text format"):
 *   HH:MM:SS.nnnnnnnnn [cpu] pid/tid comm name(args) = ret <dur>
 * The part from the name on is what `strace -f` prints: arguments decoded by
 * recorder/decode (flags by name, structs, sockaddrs, strings quoted and cut
 * at -s like strace's), return values as strace shows them. Syscalls the
 * decode table does not list are printed by their C types.
 */
import { HistoryEvent, ProcessEvent, SyscallEvent, isProcessEvent } from './events';
import { capabilityName } from './decode/caps';
import { Decoder, decodeArgsText, decodeReturn, decoderFor, wasOpen } from './decode/decode';
import { printSiginfo } from './decode/siginfo';
import { printSignal } from './decode/signals';
import { quoteBytes } from './decode/strings';
import { decodeExitStatus, endingText } from './decode/status';
import { RawItem } from './records';
import { Arch, CaptureKind, SyscallInfo, SyscallTable, isPointerType } from './syscalls/types';
import { hostArch, syscallName } from './syscalls/table';

/** strace's default -s: strings and buffers are cut after 32 bytes. */
export const DEFAULT_STRING_LIMIT = 32;

export interface RenderOptions {
  /** realtime - boottime ns. */
  wallOffsetNs: bigint;
  /** Longest string or buffer printed before "..." (strace -s). Paths are never cut. */
  stringLimit?: number;
  /** Print wall-clock times in UTC instead of local time. */
  utc?: boolean;
}

const AT_FDCWD = -100n;

function hex(v: bigint): string {
  return '0x' + BigInt.asUintN(64, v).toString(16);
}

function formatInt(v: bigint, type: string): string {
  const t = type.replace(/\s+/g, ' ');
  if (isPointerType(t)) return v === 0n ? 'NULL' : hex(v);
  if (/^(unsigned|u32|u64|size_t|umode_t|key_serial_t|aio_context_t|qid_t|uid_t|gid_t|old_uid_t|old_gid_t|unsigned long|unsigned int|__u32|__u64)/.test(t)) {
    if (/mode/.test(t)) return '0' + BigInt.asUintN(32, v).toString(8);
    return BigInt.asUintN(/long|64|size_t/.test(t) ? 64 : 32, v).toString();
  }
  if (/^(int|pid_t|clockid_t|timer_t|mqd_t|key_t|rwf_t)$/.test(t)) return BigInt.asIntN(32, v).toString();
  return BigInt.asIntN(64, v).toString();
}

function plainItem(it: RawItem, limit: number): string {
  if (it.fault) return '';
  switch (it.kind) {
    case CaptureKind.STR:
    case CaptureKind.STR_OUT:
      return quoteBytes(it.data, Infinity, it.truncated);
    case CaptureKind.BUF_IN:
    case CaptureKind.BUF_OUT:
      return quoteBytes(it.data, limit, it.truncated);
    default:
      return '';
  }
}

/** Arguments of a syscall the decode table does not list: by their C types. */
function plainArgs(ev: SyscallEvent, info: SyscallInfo | undefined, limit: number): string {
  const parts: string[] = [];
  for (let i = 0; i < ev.args.length; i++) {
    const v = ev.args[i];
    const arg = info?.args[i];
    const type = arg?.type ?? 'long';
    const item = ev.items.find((it) => it.arg === i && it.kind !== CaptureKind.ARGV);
    const shown = item ? plainItem(item, limit) : '';
    if (shown) {
      parts.push(shown);
    } else if (/^(dfd|olddfd|newdfd|fromfd|todfd)$/.test(arg?.name ?? '') && BigInt.asIntN(32, v) === AT_FDCWD) {
      parts.push('AT_FDCWD');
    } else if (/flags|mask|prot|mode|cmd|how|options/.test(arg?.name ?? '') && !type.includes('*') && !/mode/.test(type)) {
      parts.push(hex(v));
    } else {
      parts.push(formatInt(v, type));
    }
  }
  return parts.join(', ');
}

/**
 * The arguments as strace prints them, without the parentheses. For a call
 * that did not return, those strace prints before " <unfinished ...>",
 * ending in ", " when strace's line does (read(0,  <unfinished ...>).
 */
export function renderArgs(ev: SyscallEvent, info: SyscallInfo | undefined, limit: number, arch: Arch = hostArch()): string {
  return argsWith(info ? decoderFor(info.name) : undefined, ev, info, limit, arch);
}

/** renderArgs with the call's decoder already looked up (decoderFor of its name). */
export function argsWith(d: Decoder | undefined, ev: SyscallEvent, info: SyscallInfo | undefined, limit: number, arch: Arch): string {
  if (!d) return plainArgs(ev, info, limit);
  const text = decodeArgsText(d, ev, arch, limit);
  return wasOpen() ? text + ', ' : text;
}

/** The return value as strace prints it: "= 3", "= -1 ENOENT (No such file or directory)", "= 0x7f...". */
export function renderReturn(ev: SyscallEvent, name: string, arch: Arch = hostArch()): string {
  return decodeReturn(ev, name, arch);
}

const NS_PER_S = 1000000000n;
const ZEROS = ['', '0', '00', '000', '0000', '00000', '000000', '0000000', '00000000', '000000000'];

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

export function formatWallTime(wallNs: bigint, utc = false): string {
  const ms = Number(wallNs / 1000000n);
  const d = new Date(ms);
  const [h, m, s] = utc ? [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()] : [d.getHours(), d.getMinutes(), d.getSeconds()];
  const ns = (wallNs % 1000000000n).toString().padStart(9, '0');
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${ns}`;
}

/**
 * formatWallTime for a boot-clock time, keeping the "HH:MM:SS." of the last
 * wall second (events come in time order; local-time offsets change only on
 * whole seconds). Boot times below 2^53 ns (104 days of uptime) are handled
 * in plain numbers, the rest with bigints.
 */
const clock = { off: 0n, utc: false, lo: 1, hi: 0, prefix: '' };

function wallTime(bootNs: bigint, opts: RenderOptions, utc: boolean): string {
  const boot = Number(bootNs);
  if (boot >= clock.lo && boot < clock.hi && boot <= Number.MAX_SAFE_INTEGER && utc === clock.utc && opts.wallOffsetNs === clock.off) {
    // (x | 0): a small integer, which prints much faster than a double.
    const ns = String((boot - clock.lo) | 0);
    return clock.prefix + ZEROS[9 - ns.length] + ns;
  }
  const offset = opts.wallOffsetNs;
  const wall = bootNs + offset;
  if (!(boot >= 0 && boot <= Number.MAX_SAFE_INTEGER) || wall < 0n) return formatWallTime(wall, utc);
  const sec = wall / NS_PER_S;
  clock.off = offset;
  clock.utc = utc;
  clock.lo = Number(sec * NS_PER_S - offset);
  clock.hi = clock.lo + 1e9;
  const d = new Date(Number(sec) * 1000);
  clock.prefix = utc
    ? `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.`
    : `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.`;
  const ns = String(Number(wall - sec * NS_PER_S));
  return clock.prefix + ZEROS[9 - ns.length] + ns;
}

/** "<0.000000>" .. "<0.009999>", made when first needed: most calls take less than 10 ms. */
const SHORT_DURATIONS: string[] = [];

/** strace -T's "<s.uuuuuu>". */
export function formatDuration(durNs: bigint): string {
  const n = Number(durNs);
  if (n >= 0 && n < 1e7) {
    const us = (n / 1000) | 0;
    return (SHORT_DURATIONS[us] ??= '<0.' + String(us).padStart(6, '0') + '>');
  }
  if (n >= 0 && n <= Number.MAX_SAFE_INTEGER) {
    const s = Math.floor(n / 1e9);
    const us = String(Math.floor((n - s * 1e9) / 1000));
    return '<' + s + '.' + ZEROS[6 - us.length] + us + '>';
  }
  const s = durNs / NS_PER_S;
  const us = (durNs % NS_PER_S) / 1000n;
  return `<${s}.${us.toString().padStart(6, '0')}>`;
}

/** " [cpu] pid/tid comm " of the last few threads seen: the same thread prints the same middle. */
const heads = new Map<number, { cpu: number; pid: number; comm: string; text: string }>();

let lastHead: { tid: number; cpu: number; pid: number; comm: string; text: string } | undefined;

/** Who an event is about: what the " [cpu] pid/tid comm " middle shows. */
type Who = Pick<SyscallEvent, 'tid' | 'cpu' | 'pid' | 'comm'>;

function head(ev: Who): string {
  const l = lastHead;
  if (l && l.tid === ev.tid && l.cpu === ev.cpu && l.pid === ev.pid && l.comm === ev.comm) return l.text;
  const text = headOf(ev);
  lastHead = { tid: ev.tid, cpu: ev.cpu, pid: ev.pid, comm: ev.comm, text };
  return text;
}

function headOf(ev: Who): string {
  const h = heads.get(ev.tid);
  if (h && h.cpu === ev.cpu && h.pid === ev.pid && h.comm === ev.comm) return h.text;
  if (heads.size > 4096) heads.clear();
  const text = ' [' + ev.cpu + '] ' + ev.pid + '/' + ev.tid + ' ' + ev.comm + ' ';
  heads.set(ev.tid, { cpu: ev.cpu, pid: ev.pid, comm: ev.comm, text });
  return text;
}

/** The decoders and "name(" of the last table rendered, by syscall number. */
let byNrTable: SyscallTable | undefined;
let byNr: (Decoder | undefined)[] = [];
let openers: (string | undefined)[] = [];

function decoderByNr(table: SyscallTable, nr: number): Decoder | undefined {
  if (table !== byNrTable) {
    byNr = table.byNr.map((info) => (info ? decoderFor(info.name) : undefined));
    openers = table.byNr.map((info) => (info ? info.name + '(' : undefined));
    byNrTable = table;
  }
  return byNr[nr];
}

/** ") = 0 " .. ") = 4095 ": the middle of most lines. */
const SMALL_RETURN_MIDDLES: string[] = Array.from({ length: 4096 }, (_, i) => ') = ' + i + ' ');

export function renderEvent(ev: SyscallEvent, table: SyscallTable, opts: RenderOptions): string {
  const info = table.byNr[ev.nr];
  const d = decoderByNr(table, ev.nr);
  const name = info ? info.name : syscallName(table, ev.nr);
  const prefix = wallTime(ev.bootNs, opts, opts.utc ?? false) + head(ev);
  const limit = opts.stringLimit ?? DEFAULT_STRING_LIMIT;
  if (ev.resumed) return prefix + '<... ' + name + ' resumed>) ' + decodeReturn(ev, name, table.arch, d, limit);
  const call = prefix + (openers[ev.nr] ?? name + '(') + argsWith(d, ev, info, limit, table.arch);
  // exit and exit_group never return: strace shows them as "= ?".
  if (ev.unfinished) return name === 'exit_group' || name === 'exit' ? call + ') = ?' : call + ' <unfinished ...>';
  const dur = formatDuration(ev.durNs ?? 0n);
  const ret = ev.ret ?? 0n;
  if ((!d || d.ret === 'dec') && ret >= 0n && ret < 4096n) return call + SMALL_RETURN_MIDDLES[Number(ret)] + dur;
  return call + ') ' + decodeReturn(ev, name, table.arch, d, limit) + capsSuffix(ret, ev.caps) + ' ' + dur;
}

const EPERM = -1n;
const EACCES = -13n;

/**
 * " [CAP_SYS_ADMIN]" after the errno of a call that failed with EPERM or
 * EACCES while the kernel refused it a capability; "" otherwise (a refusal
 * the call recovered from says nothing about its result).
 */
export function capsSuffix(ret: bigint | null, caps: readonly (number | string)[] | undefined): string {
  if (!caps || caps.length === 0 || (ret !== EPERM && ret !== EACCES)) return '';
  return ' [' + caps.map((c) => (typeof c === 'number' ? capabilityName(c) : c)).join(' ') + ']';
}

/** What strace prints for a signal or a thread's end, after the prefix: "--- SIGSEGV {...} ---", "+++ exited with 1 +++". */
export function processEventText(ev: ProcessEvent, arch: Arch = hostArch()): string {
  if (ev.type === 'signal') return '--- ' + printSignal(ev.signo) + ' ' + printSiginfo(ev.info, arch) + ' ---';
  const { exitCode, signo, coreDumped } = decodeExitStatus(ev.status);
  return '+++ ' + endingText(exitCode, signo, coreDumped) + ' +++';
}

/** A signal or thread end as a line, with the same "time [cpu] pid/tid comm" prefix as a syscall's. */
export function renderProcessEvent(ev: ProcessEvent, opts: RenderOptions, arch: Arch = hostArch()): string {
  return wallTime(ev.bootNs, opts, opts.utc ?? false) + head(ev) + processEventText(ev, arch);
}

/** Lines of a history: syscalls, and signals and thread ends where the history has them (events.ts mergeHistory). */
export function renderEvents(events: HistoryEvent[], table: SyscallTable, opts: RenderOptions): string {
  let out = '';
  for (const ev of events) out += (isProcessEvent(ev) ? renderProcessEvent(ev, opts, table.arch) : renderEvent(ev, table, opts)) + '\n';
  return out;
}
