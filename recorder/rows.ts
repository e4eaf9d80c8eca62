/**
 * Paired syscall events as rows: what every sink (SQLite, text, NDJSON,
 * msgpack) and every API writes. Pure functions.
 */
import { SyscallEvent } from './events';
import { errnoInfo, isErrorReturn } from './decode/errno';
import { inet6ToString } from './decode/sockaddr';
import { renderArgs } from './render';
import { syscallName } from './syscalls/table';
import { CaptureKind, SyscallTable } from './syscalls/types';

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
}

export interface RowOptions {
  /** realtime - boottime ns. */
  wallOffsetNs: bigint;
  stringLimit?: number;
  /** seq of the first row. */
  firstSeq?: number;
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

export function toRow(ev: SyscallEvent, seq: number, table: SyscallTable, opts: RowOptions): EventRow {
  const info = table.byNr[ev.nr];
  const name = info?.name ?? syscallName(table, ev.nr);
  let path: string | null = null;
  let argv: string[] | null = null;
  let address: string | null = null;
  let port: number | null = null;
  for (const it of ev.items) {
    if (it.fault) continue;
    if (it.kind === CaptureKind.STR && path === null) path = it.data.toString('latin1');
    else if (it.kind === CaptureKind.ARGV) (argv ??= []).push(it.data.toString('latin1'));
    else if ((it.kind === CaptureKind.SOCKADDR_IN || it.kind === CaptureKind.SOCKADDR_OUT) && address === null) {
      const sa = decodeSockaddr(it.data);
      address = sa.address;
      port = sa.port;
    }
  }
  const ret = ev.ret ?? null;
  return {
    seq,
    tsNs: ev.bootNs + opts.wallOffsetNs,
    durNs: ev.durNs ?? null,
    cpu: ev.cpu,
    pid: ev.pid,
    tid: ev.tid,
    comm: ev.comm,
    nr: ev.nr,
    name,
    args: ev.resumed ? '' : renderArgs(ev, info, opts.stringLimit ?? 32),
    ret,
    error: ret !== null && isErrorReturn(ret) ? errnoInfo(Number(-ret))?.name ?? `E${-ret}` : null,
    unfinished: ev.unfinished,
    resumed: ev.resumed,
    path,
    argv,
    address,
    port,
  };
}

export function toRows(events: SyscallEvent[], table: SyscallTable, opts: RowOptions): EventRow[] {
  const first = opts.firstSeq ?? 1;
  return events.map((ev, i) => toRow(ev, first + i, table, opts));
}
