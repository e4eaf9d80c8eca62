/**
 * Encoders that stream EventRows over HTTP (docs/interface.md
 * `GET /v1/containers/{ref}/events?format=text|ndjson|msgpack`).
 *
 * Each is a generator yielding chunks of about `chunkBytes` (default 64 KiB):
 * the HTTP layer writes one, and pulls the next when the socket drains.
 *
 * - text:    the text format, the same characters recorder/render.ts
 *            renderEvent prints for the same event, one line per row (the
 *            arguments are the row's already rendered `args`; the return
 *            value goes through the same decodeReturn).
 *            Process events (rows.ts ProcessRow) print as strace prints
 *            them: `--- SIGSEGV {si_signo=...} ---`, `+++ exited with 1 +++`.
 * - ndjson:  one JSON object per line, keys and order as in EventRow;
 *            tsNs, durNs and ret (64-bit) as decimal strings, the rest as
 *            JSON numbers, strings, booleans, arrays or null. `caps` (an
 *            array of names) only on calls that were refused a capability;
 *            `retDetail` (a string) only where strace shows data after the
 *            return value (poll's revents).
 *            Process events are ProcessRow objects, told apart by their
 *            `kind` key ('signal' or 'exit'), tsNs again a decimal string.
 * - msgpack: a stream of MessagePack maps, one per row, back to back with no
 *            framing (msgpack values delimit themselves). Keys as in EventRow:
 *              seq uint, tsNs int64, durNs int64|nil, cpu uint, pid uint,
 *              tid uint, comm str, nr uint, name str, args str, ret int64|nil,
 *              error str|nil, unfinished bool, resumed bool, path str|nil,
 *              argv [str]|nil, address str|nil, port uint|nil,
 *              caps [str] (only when a capability was refused),
 *              retDetail str (only with poll's revents)
 *            Process events: ProcessRow's keys in order.
 *            tsNs, durNs and ret are always int64 (0xd3), whatever their size.
 *            Plain maps (no msgpackr record extension): any decoder reads
 *            them; with msgpackr use
 *            `new Unpackr({ useRecords: false, int64AsType: 'bigint' }).unpackMultiple(buf)`.
 */
import { Packr } from 'msgpackr';
import { FCNTL_CMDS, PRCTL_OPTIONS } from '../decode/consts';
import { decodeReturn, decoderFor } from '../decode/decode';
import { SyscallEvent } from '../events';
import { formatDuration, formatWallTime } from '../render';
import { EventRow, HistoryRow, ProcessRow, isProcessRow } from '../rows';
import { capsSuffix } from '../render';
import { hostArch } from '../syscalls/table';
import { Arch } from '../syscalls/types';
import { nthArg } from './schema';

export const DEFAULT_CHUNK_BYTES = 64 * 1024;

export interface ChunkOptions {
  /** Yield a chunk once it holds at least this many bytes (characters for the text encoders). */
  chunkBytes?: number;
}

export interface TextOptions extends ChunkOptions {
  /** Wall-clock times in UTC instead of local time. */
  utc?: boolean;
  /** Architecture the rows were recorded on (default: this host's); a few return values decode by it. */
  arch?: Arch;
}

// ---------------------------------------------------------------------------
// text

const NS_PER_S = 1_000_000_000n;
const ZEROS = ['', '0', '00', '000', '0000', '00000', '000000', '0000000', '00000000', '000000000'];

const pad2 = (n: number): string => (n < 10 ? '0' + n : String(n));

/**
 * "HH:MM:SS." of the current second, recomputed only when a row leaves it
 * (rows come in time order). Local-time offsets only change on whole
 * seconds, so a per-second cache is exact.
 */
class WallClock {
  private lo = 1n;
  private hi = 0n;
  private prefix = '';
  constructor(private readonly utc: boolean) {}

  format(ts: bigint): string {
    if (ts >= this.lo && ts < this.hi) {
      const ns = String(Number(ts - this.lo));
      return this.prefix + ZEROS[9 - ns.length] + ns;
    }
    // Before 1970: leave the rounding rules to the reference implementation.
    if (ts < 0n) return formatWallTime(ts, this.utc);
    const sec = ts / NS_PER_S;
    this.lo = sec * NS_PER_S;
    this.hi = this.lo + NS_PER_S;
    const d = new Date(Number(sec) * 1000);
    this.prefix = this.utc
      ? `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.`
      : `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.`;
    return this.format(ts);
  }
}


const byName = (m: ReadonlyMap<number, string>): Map<string, bigint> => new Map([...m].map(([v, n]) => [n, BigInt(v)]));
const FCNTL_BY_NAME = byName(FCNTL_CMDS);
const PRCTL_BY_NAME = byName(PRCTL_OPTIONS);
const NO_ARGS: bigint[] = [];

/** The raw value of a rendered argument: a constant's name, or a number in decimal or hex. */
function argValue(text: string | null, names: ReadonlyMap<string, bigint>): bigint {
  if (text === null) return 0n;
  const v = names.get(text);
  if (v !== undefined) return v;
  return /^(0x[0-9a-f]+|-?\d+)$/i.test(text) ? BigInt(text) : 0n;
}

/**
 * The raw arguments decodeReturn looks at. Rows keep arguments as text, so
 * the few return values strace prints with the help of an argument (fcntl's
 * F_GETFL/F_GETFD/F_GET_SEALS, prctl's PR_GET_DUMPABLE) get it back from
 * that text; every other call needs none.
 */
function argsForReturn(name: string, args: string): bigint[] {
  if (name === 'fcntl') return [0n, argValue(nthArg(args, 1), FCNTL_BY_NAME)];
  if (name === 'prctl') return [argValue(nthArg(args, 0), PRCTL_BY_NAME)];
  return NO_ARGS;
}

/** Renders rows as text: one per stream (the wall-clock cache and a scratch event for decodeReturn). */
class TextRenderer {
  private readonly clock: WallClock;
  private readonly arch: Arch;
  private readonly ev: SyscallEvent = {
    bootNs: 0n,
    durNs: undefined,
    cpu: 0,
    pid: 0,
    tid: 0,
    comm: '',
    nr: 0,
    args: NO_ARGS,
    ret: undefined,
    items: [],
    unfinished: false,
    resumed: false,
  };

  constructor(opts: { utc?: boolean; arch?: Arch }) {
    this.clock = new WallClock(opts.utc ?? false);
    this.arch = opts.arch ?? hostArch();
  }

  /** Error returns of 'dec'-style calls by errno: they depend on nothing else. */
  private readonly errors: string[] = [];
  /** " [cpu] pid/tid comm" of the last row: consecutive rows mostly share it. */
  private who = '';
  private whoCpu = -1;
  private whoPid = -1;
  private whoTid = -1;
  private whoComm = '';

  /** "= ret" exactly as render.ts prints it: decode/decode.ts decodeReturn, with shortcuts for the common cases. */
  private ret(r: EventRow): string {
    const ret = r.ret ?? 0n;
    // Rows keep no items: what decodeReturn would take from them, the row carries.
    if (r.retDetail !== undefined) return '= ' + ret + ' (' + r.retDetail + ')';
    const style = decoderFor(r.name)?.ret ?? 'dec';
    if (style === 'dec') {
      const n = Number(ret);
      if (n < 0 && n >= -4095) return (this.errors[-n] ??= this.decode(r, ret));
      if (n <= 9007199254740991 && n >= -9007199254740991) return '= ' + n;
    }
    return this.decode(r, ret);
  }

  private decode(r: EventRow, ret: bigint): string {
    const ev = this.ev;
    ev.ret = ret;
    ev.args = r.resumed ? NO_ARGS : argsForReturn(r.name, r.args);
    return decodeReturn(ev, r.name, this.arch);
  }

  /** One row as a text line, without the newline. */
  line(r: EventRow): string {
    if (r.cpu !== this.whoCpu || r.pid !== this.whoPid || r.tid !== this.whoTid || r.comm !== this.whoComm) {
      this.whoCpu = r.cpu;
      this.whoPid = r.pid;
      this.whoTid = r.tid;
      this.whoComm = r.comm;
      this.who = ' [' + r.cpu + '] ' + r.pid + '/' + r.tid + ' ' + r.comm;
    }
    const prefix = this.clock.format(r.tsNs) + this.who;
    const name = r.name;
    if (r.resumed) return prefix + ' <... ' + name + ' resumed>) ' + this.ret(r);
    const call = prefix + ' ' + name + '(' + r.args;
    // exit and exit_group never return: strace shows them as "= ?".
    if (r.unfinished) return name === 'exit_group' || name === 'exit' ? call + ') = ?' : call + ' <unfinished ...>';
    const caps = r.caps ? capsSuffix(r.ret, r.caps) : '';
    return call + ') ' + this.ret(r) + caps + ' ' + formatDuration(r.durNs ?? 0n);
  }

  /** A signal or thread end: the same characters render.ts renderProcessEvent prints. */
  processLine(r: ProcessRow): string {
    const prefix = this.clock.format(r.tsNs) + ' [' + r.cpu + '] ' + r.pid + '/' + r.tid + ' ' + r.comm + ' ';
    if (r.kind === 'signal') return prefix + '--- ' + (r.signame ?? String(r.signo)) + ' ' + r.detail + ' ---';
    return prefix + '+++ ' + r.detail + ' +++';
  }

  any(r: HistoryRow): string {
    return isProcessRow(r) ? this.processLine(r) : this.line(r);
  }
}

/** A single row as its text line, without the newline. */
export function textLineOf(r: HistoryRow, opts: { utc?: boolean; arch?: Arch } = {}): string {
  return new TextRenderer(opts).any(r);
}

/** The text format, one line per row (syscalls, signals, thread ends), in chunks of about chunkBytes characters. */
export function* textLines(rows: Iterable<HistoryRow>, opts: TextOptions = {}): Generator<string, void, undefined> {
  const render = new TextRenderer(opts);
  const limit = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  let out = '';
  for (const r of rows) {
    out += render.any(r) + '\n';
    if (out.length >= limit) {
      yield out;
      out = '';
    }
  }
  if (out !== '') yield out;
}

// ---------------------------------------------------------------------------
// ndjson

/** Decimal digits of epoch-ns times, the seconds' digits kept while rows stay in one second. */
class EpochDigits {
  private lo = 1n;
  private hi = 0n;
  private head = '';

  format(ts: bigint): string {
    if (ts >= this.lo && ts < this.hi) {
      const ns = String(Number(ts - this.lo));
      return this.head + ZEROS[9 - ns.length] + ns;
    }
    if (ts < NS_PER_S) return ts.toString();
    const sec = ts / NS_PER_S;
    this.lo = sec * NS_PER_S;
    this.hi = this.lo + NS_PER_S;
    this.head = sec.toString();
    return this.format(ts);
  }
}

/** A 64-bit value as a JSON string of its decimal digits. */
function bigJson(v: bigint | null): string {
  if (v === null) return 'null';
  const n = Number(v);
  return n <= 9007199254740991 && n >= -9007199254740991 ? '"' + n + '"' : '"' + v + '"';
}

/** JSON.stringify of the few strings that repeat on every row (names, comms, errno names), remembered. */
class JsonStrings {
  private readonly seen = new Map<string, string>();

  of(v: string | null): string {
    if (v === null) return 'null';
    let s = this.seen.get(v);
    if (s === undefined) {
      if (this.seen.size >= 4096) this.seen.clear();
      s = JSON.stringify(v);
      this.seen.set(v, s);
    }
    return s;
  }
}

const str = (v: string | null): string => (v === null ? 'null' : JSON.stringify(v));

/** Turns rows into JSON lines; one per stream (it remembers what repeats). */
class JsonRenderer {
  private readonly ts = new EpochDigits();
  private readonly words = new JsonStrings();

  line(r: EventRow): string {
    const w = this.words;
    return (
      '{"seq":' + r.seq +
      ',"tsNs":"' + this.ts.format(r.tsNs) +
      '","durNs":' + bigJson(r.durNs) +
      ',"cpu":' + r.cpu +
      ',"pid":' + r.pid +
      ',"tid":' + r.tid +
      ',"comm":' + w.of(r.comm) +
      ',"nr":' + r.nr +
      ',"name":' + w.of(r.name) +
      ',"args":' + JSON.stringify(r.args) +
      ',"ret":' + bigJson(r.ret) +
      ',"error":' + w.of(r.error) +
      ',"unfinished":' + (r.unfinished ? 'true' : 'false') +
      ',"resumed":' + (r.resumed ? 'true' : 'false') +
      ',"path":' + str(r.path) +
      ',"argv":' + (r.argv === null ? 'null' : JSON.stringify(r.argv)) +
      ',"address":' + str(r.address) +
      ',"port":' + (r.port === null ? 'null' : r.port) +
      (r.caps ? ',"caps":' + JSON.stringify(r.caps) : '') +
      (r.retDetail !== undefined ? ',"retDetail":' + JSON.stringify(r.retDetail) : '') +
      '}'
    );
  }

  /** A process event: ProcessRow's keys in order, tsNs as a decimal string. */
  processLine(r: ProcessRow): string {
    return JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  }

  any(r: HistoryRow): string {
    return isProcessRow(r) ? this.processLine(r) : this.line(r);
  }
}

/** One row as a JSON object (no newline): EventRow's (or ProcessRow's) keys in order, 64-bit values as decimal strings. */
export function jsonLine(r: HistoryRow): string {
  return new JsonRenderer().any(r);
}

/**
 * NDJSON: one JSON object per row and line, in chunks of about chunkBytes
 * characters. Process events (ProcessRow) are told apart from syscalls by
 * their "kind" key ("signal" or "exit"), which syscall rows do not have.
 */
export function* ndjson(rows: Iterable<HistoryRow>, opts: ChunkOptions = {}): Generator<string, void, undefined> {
  const limit = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const json = new JsonRenderer();
  let out = '';
  for (const r of rows) {
    out += json.any(r) + '\n';
    if (out.length >= limit) {
      yield out;
      out = '';
    }
  }
  if (out !== '') yield out;
}

// ---------------------------------------------------------------------------
// msgpack

/** The map packed for one row: exactly EventRow's (or ProcessRow's) keys, in order, whatever else the row object carries. */
function msgpackRecord(r: HistoryRow): HistoryRow {
  if (isProcessRow(r)) {
    return {
      kind: r.kind,
      seq: r.seq,
      tsNs: r.tsNs,
      cpu: r.cpu,
      pid: r.pid,
      tid: r.tid,
      comm: r.comm,
      signo: r.signo,
      signame: r.signame,
      siCode: r.siCode,
      detail: r.detail,
      disposition: r.disposition,
      exitCode: r.exitCode,
      killedBy: r.killedBy,
      coreDumped: r.coreDumped,
      groupDead: r.groupDead,
    };
  }
  const out: EventRow = {
    seq: r.seq,
    tsNs: r.tsNs,
    durNs: r.durNs,
    cpu: r.cpu,
    pid: r.pid,
    tid: r.tid,
    comm: r.comm,
    nr: r.nr,
    name: r.name,
    args: r.args,
    ret: r.ret,
    error: r.error,
    unfinished: r.unfinished,
    resumed: r.resumed,
    path: r.path,
    argv: r.argv,
    address: r.address,
    port: r.port,
  };
  if (r.caps) out.caps = r.caps;
  if (r.retDetail !== undefined) out.retDetail = r.retDetail;
  return out;
}

/** MessagePack: one map per row, back to back, in Buffers of about chunkBytes bytes. */
export function* msgpack(rows: Iterable<HistoryRow>, opts: ChunkOptions = {}): Generator<Buffer, void, undefined> {
  const limit = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  // A Packr per stream: its buffer is not shared with other streams being written at the same time.
  const packr = new Packr({ useRecords: false, variableMapSize: true });
  let parts: Buffer[] = [];
  let size = 0;
  for (const r of rows) {
    const b = packr.pack(msgpackRecord(r));
    parts.push(b);
    size += b.length;
    if (size >= limit) {
      yield Buffer.concat(parts, size);
      parts = [];
      size = 0;
    }
  }
  if (size > 0) yield Buffer.concat(parts, size);
}
