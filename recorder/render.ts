/**
 * strace-like text for paired events (INTERFACE.md "Text format"):
 *   HH:MM:SS.nnnnnnnnn [cpu] pid/tid comm name(args) = ret <dur>
 * This is the plain renderer: arguments by their C type, captured strings
 * and buffers quoted as strace quotes them.
 */
import { SyscallEvent } from './events';
import { errnoInfo, isErrorReturn } from './decode/errno';
import { quoteBytes } from './decode/strings';
import { RawItem } from './records';
import { CaptureKind, SyscallInfo, SyscallTable } from './syscalls/types';
import { syscallName } from './syscalls/table';

export interface RenderOptions {
  /** realtime - boottime ns. */
  wallOffsetNs: bigint;
  /** Longest string or buffer printed before "..." (strace -s). Paths are never cut. */
  stringLimit?: number;
  /** Print wall-clock times in UTC instead of local time. */
  utc?: boolean;
}

const AT_FDCWD = -100n;
const POINTER_RETURNS = new Set(['mmap', 'mremap', 'brk', 'shmat']);

function signed64(v: bigint): bigint {
  return BigInt.asIntN(64, v);
}

function hex(v: bigint): string {
  return '0x' + BigInt.asUintN(64, v).toString(16);
}

function formatInt(v: bigint, type: string): string {
  const t = type.replace(/\s+/g, ' ');
  if (t.includes('*')) return v === 0n ? 'NULL' : hex(v);
  if (/^(unsigned|u32|u64|size_t|umode_t|key_serial_t|aio_context_t|qid_t|uid_t|gid_t|old_uid_t|old_gid_t|unsigned long|unsigned int|__u32|__u64)/.test(t)) {
    if (/mode/.test(t)) return '0' + BigInt.asUintN(32, v).toString(8);
    return BigInt.asUintN(/long|64|size_t/.test(t) ? 64 : 32, v).toString();
  }
  if (/^(int|pid_t|clockid_t|timer_t|mqd_t|key_t|rwf_t)$/.test(t)) return BigInt.asIntN(32, v).toString();
  if (/^(long|off_t|loff_t|ssize_t|__kernel_old_time_t)$/.test(t)) return signed64(v).toString();
  return signed64(v).toString();
}

function renderItem(it: RawItem, limit: number): string {
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

function renderArgs(ev: SyscallEvent, info: SyscallInfo | undefined, limit: number): string {
  const parts: string[] = [];
  const argv = ev.items.filter((i) => i.kind === CaptureKind.ARGV);
  for (let i = 0; i < ev.args.length; i++) {
    const v = ev.args[i];
    const arg = info?.args[i];
    const type = arg?.type ?? 'long';
    if (arg?.capture === CaptureKind.ARGV && argv.length) {
      let s = '[' + argv.map((a) => quoteBytes(a.data, limit, a.truncated)).join(', ');
      if (argv[argv.length - 1].more) s += ', ...';
      parts.push(s + ']');
      continue;
    }
    const item = ev.items.find((it) => it.arg === i && it.kind !== CaptureKind.ARGV);
    const shown = item ? renderItem(item, limit) : '';
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

function renderReturn(ev: SyscallEvent, name: string): string {
  const ret = ev.ret ?? 0n;
  if (isErrorReturn(ret)) {
    const e = errnoInfo(Number(-ret));
    return e ? `= -1 ${e.name} (${e.message})` : `= -1 errno ${-ret}`;
  }
  if (POINTER_RETURNS.has(name)) return `= ${hex(ret)}`;
  return `= ${ret}`;
}

export function formatWallTime(wallNs: bigint, utc = false): string {
  const ms = Number(wallNs / 1000000n);
  const d = new Date(ms);
  const [h, m, s] = utc ? [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()] : [d.getHours(), d.getMinutes(), d.getSeconds()];
  const ns = (wallNs % 1000000000n).toString().padStart(9, '0');
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${ns}`;
}

function formatDuration(durNs: bigint): string {
  const s = durNs / 1000000000n;
  const us = (durNs % 1000000000n) / 1000n;
  return `<${s}.${us.toString().padStart(6, '0')}>`;
}

export function renderEvent(ev: SyscallEvent, table: SyscallTable, opts: RenderOptions): string {
  const info = table.byNr[ev.nr];
  const name = info?.name ?? syscallName(table, ev.nr);
  const prefix = `${formatWallTime(ev.bootNs + opts.wallOffsetNs, opts.utc)} [${ev.cpu}] ${ev.pid}/${ev.tid} ${ev.comm}`;
  const limit = opts.stringLimit ?? 32;
  if (ev.resumed) return `${prefix} <... ${name} resumed>) ${renderReturn(ev, name)}`;
  const call = `${prefix} ${name}(${renderArgs(ev, info, limit)}`;
  // exit and exit_group never return: strace shows them as "= ?".
  if (ev.unfinished) return name === 'exit_group' || name === 'exit' ? `${call}) = ?` : `${call} <unfinished ...>`;
  return `${call}) ${renderReturn(ev, name)} ${formatDuration(ev.durNs ?? 0n)}`;
}

export function renderEvents(events: SyscallEvent[], table: SyscallTable, opts: RenderOptions): string {
  let out = '';
  for (const ev of events) out += renderEvent(ev, table, opts) + '\n';
  return out;
}
