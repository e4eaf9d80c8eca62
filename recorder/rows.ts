/**
 * Paired syscall events as rows: what every sink (SQLite, text, NDJSON,
 * msgpack) and every API writes. Pure functions.
 */
import { ExitEvent, HistoryEvent, PairedCalls, ProcessEvent, SignalEvent, SyscallEvent, isProcessEvent } from './events';
import type { RawItem } from './records';
import { capabilityName } from './decode/caps';
import { decoderFor, returnDetail } from './decode/decode';
import { errnoInfo, isErrorReturn } from './decode/errno';
import { printSiginfo } from './decode/siginfo';
import { decodeExitStatus, endingText } from './decode/status';
import { signalName } from './decode/signals';
import { inet6ToString } from './decode/sockaddr';
import { hostArch } from './syscalls/table';
import { DEFAULT_STRING_LIMIT, argsWith } from './render';
import { syscallName } from './syscalls/table';
import { Arch, CaptureKind, SyscallTable } from './syscalls/types';

export interface EventRow {
  /** Position in the container's history (1-based, time order). */
  seq: number;
  /** Unix epoch ns at entry. */
  tsNs: bigint;
  durNs: bigint | null;
  cpu: number;
  pid: number;
  tid: number;
  comm: string;
  nr: number;
  name: string;
  /** strace-rendered arguments, without the parentheses. */
  args: string;
  /** Raw return value; null while unfinished. */
  ret: bigint | null;
  /** errno name (ENOENT) of a failed call. */
  error: string | null;
  unfinished: boolean;
  resumed: boolean;
  /** Structured data for the SQL views: the first path or string argument, execve argv, socket address. */
  path: string | null;
  argv: string[] | null;
  address: string | null;
  port: number | null;
  /**
   * Capabilities the kernel refused while the call ran (CAP_SYS_ADMIN...),
   * first refusal first. Present only when there was one.
   */
  caps?: string[];
  /**
   * What strace prints in parentheses after the return value when it comes
   * from data the call wrote (poll's revents: [{fd=4, revents=POLLIN}]).
   * Present only then.
   */
  retDetail?: string;
}

/**
 * A process event as a row: a signal a thread acted on (kind 'signal') or
 * a thread that ended (kind 'exit'). Written to the dump's `event` table and
 * printed as strace prints them:
 *   --- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL} ---
 *   +++ killed by SIGSEGV +++
 */
export interface ProcessRow {
  kind: 'signal' | 'exit';
  /** Position among the container's process events (1-based, time order). */
  seq: number;
  /** Unix epoch ns. */
  tsNs: bigint;
  cpu: number;
  pid: number;
  tid: number;
  comm: string;
  /** The signal delivered, or the one that killed the thread; null for a thread that exited. */
  signo: number | null;
  signame: string | null;
  /** Signals: si_code (SI_USER 0, SEGV_MAPERR 1...). */
  siCode: number | null;
  /** Signals: the siginfo as strace prints it, `{si_signo=..., ...}`; exits: `exited with 3`, `killed by SIGSEGV (core dumped)`. */
  detail: string;
  /** Signals: what the thread did with it, by the action in force: 'handler', 'default' or 'ignore'. */
  disposition: 'handler' | 'default' | 'ignore' | null;
  /** Exits: the exit status of a thread that exited (not killed). */
  exitCode: number | null;
  /** Exits: the signal that killed the thread. */
  killedBy: string | null;
  coreDumped: boolean;
  /** Exits: the process's last thread, whose ending is the process's. */
  groupDead: boolean;
}

/** A row of a history: a syscall or a process event. */
export type HistoryRow = EventRow | ProcessRow;

export function isProcessRow(r: HistoryRow): r is ProcessRow {
  return (r as ProcessRow).kind !== undefined;
}

export interface RowOptions {
  /** realtime - boottime ns. */
  wallOffsetNs: bigint;
  stringLimit?: number;
  /** seq of the first row. */
  firstSeq?: number;
  /** Architecture the events were recorded on (a seccomp SIGSYS names its syscall by it); default this host's. */
  arch?: Arch;
}

/** Decodes a captured sockaddr: AF_UNIX path, AF_INET/AF_INET6 address and port. */
export function decodeSockaddr(data: Buffer): { family: number; address: string | null; port: number | null } {
  if (data.length < 2) return { family: -1, address: null, port: null };
  const family = data.readUInt16LE(0);
  if (family === 2 && data.length >= 8) {
    return { family, address: `${data[4]}.${data[5]}.${data[6]}.${data[7]}`, port: data.readUInt16BE(2) };
  }
  if (family === 10 && data.length >= 24) {
    return { family, address: inet6ToString(data, 8), port: data.readUInt16BE(2) };
  }
  if (family === 1) {
    const raw = data.subarray(2);
    const end = raw[0] === 0 ? raw.length : raw.indexOf(0) < 0 ? raw.length : raw.indexOf(0);
    // An abstract socket name starts with a NUL byte; shown with a leading @ like ss does.
    const path = raw[0] === 0 ? '@' + raw.subarray(1).toString('latin1').replace(/\0+$/, '') : raw.subarray(0, end).toString('latin1');
    return { family, address: path, port: null };
  }
  return { family, address: null, port: null };
}

/** An item's bytes as a latin1 string, read where they lie in a snapshot (no view of them is made). */
function itemLatin1(it: RawItem): string {
  return it.src !== undefined ? it.src.toString('latin1', it.from, it.to) : it.data.toString('latin1');
}

export function toRow(ev: SyscallEvent, seq: number, table: SyscallTable, opts: RowOptions): EventRow {
  const info = table.byNr[ev.nr];
  const name = info?.name ?? syscallName(table, ev.nr);
  let path: string | null = null;
  let argv: string[] | null = null;
  let address: string | null = null;
  let port: number | null = null;
  const d = decoderFor(name);
  // Which captured sockaddrs are addresses: by the decode table when it has the call.
  const addressArgs = d ? d.addressArgs : 0x3f;
  for (const it of ev.items) {
    if (it.fault) continue;
    if (it.kind === CaptureKind.STR && path === null) path = itemLatin1(it);
    else if (it.kind === CaptureKind.ARGV) (argv ??= []).push(itemLatin1(it));
    else if ((it.kind === CaptureKind.SOCKADDR_IN || it.kind === CaptureKind.SOCKADDR_OUT) && address === null && (addressArgs >> it.arg) & 1) {
      const sa = decodeSockaddr(it.data);
      address = sa.address;
      port = sa.port;
    }
  }
  const ret = ev.ret ?? null;
  const row: EventRow = {
    seq,
    tsNs: ev.bootNs + opts.wallOffsetNs,
    durNs: ev.durNs ?? null,
    cpu: ev.cpu,
    pid: ev.pid,
    tid: ev.tid,
    comm: ev.comm,
    nr: ev.nr,
    name,
    args: ev.resumed ? '' : argsWith(info ? d : undefined, ev, info, opts.stringLimit ?? DEFAULT_STRING_LIMIT, hostArch()),
    ret,
    error: ret !== null && isErrorReturn(ret) ? errnoInfo(Number(-ret))?.name ?? `E${-ret}` : null,
    unfinished: ev.unfinished,
    resumed: ev.resumed,
    path,
    argv,
    address,
    port,
  };
  if (ev.caps) row.caps = ev.caps.map(capabilityName);
  const detail = returnDetail(ev, d, opts.stringLimit ?? DEFAULT_STRING_LIMIT);
  if (detail !== undefined) row.retDetail = detail;
  return row;
}

/** toRows made one row at a time as they are read, as often as they are read: nothing is kept. */
export function lazyRows(events: readonly SyscallEvent[] | PairedCalls, table: SyscallTable, opts: RowOptions): Iterable<EventRow> {
  const first = opts.firstSeq ?? 1;
  return {
    *[Symbol.iterator]() {
      if (events instanceof PairedCalls) {
        // Each event is built here and is garbage once its row is: the collector has little to keep.
        for (let i = 0; i < events.length; i++) yield toRow(events.get(i), first + i, table, opts);
      } else {
        for (let i = 0; i < events.length; i++) yield toRow(events[i], first + i, table, opts);
      }
    },
  };
}

export function toRows(events: SyscallEvent[], table: SyscallTable, opts: RowOptions): EventRow[] {
  const first = opts.firstSeq ?? 1;
  return events.map((ev, i) => toRow(ev, first + i, table, opts));
}

function signalRow(ev: SignalEvent, seq: number, opts: RowOptions): ProcessRow {
  const code = ev.info.length >= 12 ? ev.info.readInt32LE(8) : 0;
  return {
    kind: 'signal',
    seq,
    tsNs: ev.bootNs + opts.wallOffsetNs,
    cpu: ev.cpu,
    pid: ev.pid,
    tid: ev.tid,
    comm: ev.comm,
    signo: ev.signo,
    signame: signalName(ev.signo) ?? null,
    siCode: code,
    detail: printSiginfo(ev.info, opts.arch ?? hostArch()),
    disposition: ev.handler === 0n ? 'default' : ev.handler === 1n ? 'ignore' : 'handler',
    exitCode: null,
    killedBy: null,
    coreDumped: false,
    groupDead: false,
  };
}

function exitRow(ev: ExitEvent, seq: number, opts: RowOptions): ProcessRow {
  const { exitCode, signo, coreDumped } = decodeExitStatus(ev.status);
  const name = signo === null ? null : signalName(signo) ?? null;
  return {
    kind: 'exit',
    seq,
    tsNs: ev.bootNs + opts.wallOffsetNs,
    cpu: ev.cpu,
    pid: ev.pid,
    tid: ev.tid,
    comm: ev.comm,
    signo,
    signame: name,
    siCode: null,
    detail: endingText(exitCode, signo, coreDumped),
    disposition: null,
    exitCode,
    killedBy: signo === null ? null : name ?? String(signo),
    coreDumped,
    groupDead: ev.groupDead,
  };
}

export function toProcessRow(ev: ProcessEvent, seq: number, opts: RowOptions): ProcessRow {
  return ev.type === 'signal' ? signalRow(ev, seq, opts) : exitRow(ev, seq, opts);
}

/** Process events as rows, seq counted from opts.firstSeq (default 1). */
export function toProcessRows(events: ProcessEvent[], opts: RowOptions): ProcessRow[] {
  const first = opts.firstSeq ?? 1;
  return events.map((ev, i) => toProcessRow(ev, first + i, opts));
}

/**
 * A merged history (events.ts mergeHistory) as rows: syscalls numbered from
 * opts.firstSeq among themselves, process events from 1 among themselves,
 * as the dump's syscall and event tables number them.
 */
export function toHistoryRows(events: HistoryEvent[], table: SyscallTable, opts: RowOptions): HistoryRow[] {
  let calls = opts.firstSeq ?? 1;
  let others = 1;
  return events.map((ev) => (isProcessEvent(ev) ? toProcessRow(ev, others++, opts) : toRow(ev, calls++, table, opts)));
}

/**
 * Syscall rows and process rows (each in time order) as one time-ordered
 * sequence; at the same nanosecond the syscall comes first. No copy when
 * there are no process rows.
 */
export function mergeRows(rows: EventRow[], process: ProcessRow[]): HistoryRow[] {
  if (process.length === 0) return rows;
  const out: HistoryRow[] = [];
  let j = 0;
  for (const r of rows) {
    while (j < process.length && process[j].tsNs < r.tsNs) out.push(process[j++]);
    out.push(r);
  }
  while (j < process.length) out.push(process[j++]);
  return out;
}

/** mergeRows for row streams (a dump read lazily): pulls one row ahead from each. */
export function* mergeRowStreams(rows: Iterable<EventRow>, process: Iterable<ProcessRow>): Generator<HistoryRow, void, undefined> {
  const p = process[Symbol.iterator]();
  let next = p.next();
  for (const r of rows) {
    while (!next.done && next.value.tsNs < r.tsNs) {
      yield next.value;
      next = p.next();
    }
    yield r;
  }
  while (!next.done) {
    yield next.value;
    next = p.next();
  }
}
