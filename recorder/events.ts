/**
 * Pairs each syscall's entry with its exit. A call whose exit was not
 * recorded (still blocked, or the process died in it) is marked unfinished;
 * an exit whose entry was overwritten or came before recording began is
 * marked resumed, as strace marks calls it attached in the middle of.
 *
 * The same walk collects the process events (signals acted on, threads
 * ending) and hangs each refused capability on the call its thread was in.
 */
import {
  ENTER_SIZE,
  EXIT_SIZE,
  KIND_CAP,
  KIND_ENTER,
  KIND_EXIT,
  KIND_SIGNAL,
  KIND_TASK_EXIT,
  RawItem,
  RawRecord,
  i64,
  parseItems,
  readComm,
  scanRecords,
  u64,
  u64Words,
  i64Words,
  wordsOf,
  HI_EXACT,
  SMALL,
  TWO32,
} from './records';

export interface SyscallEvent {
  /** CLOCK_BOOTTIME ns at entry (at exit for a resumed call). */
  bootNs: bigint;
  /** Exit minus entry, undefined if either side is missing. */
  durNs: bigint | undefined;
  cpu: number;
  pid: number;
  tid: number;
  comm: string;
  nr: number;
  args: bigint[];
  /** Undefined while unfinished. */
  ret: bigint | undefined;
  items: RawItem[];
  /** The exit was not recorded. */
  unfinished: boolean;
  /** The entry was not recorded. */
  resumed: boolean;
  /** Capabilities (CAP_* numbers) the kernel refused while the call ran, first refusal first, no repeats. */
  caps?: number[];
}

interface ProcessEventBase {
  /** CLOCK_BOOTTIME ns. */
  bootNs: bigint;
  cpu: number;
  pid: number;
  tid: number;
  comm: string;
}

/** A signal the thread acted on: ran its handler, took the default action or ignored it. */
export interface SignalEvent extends ProcessEventBase {
  type: 'signal';
  signo: number;
  /** The siginfo's first bytes (records.ts SIGINFO_BYTES). */
  info: Buffer;
  /** 0 SIG_DFL, 1 SIG_IGN, else the handler's address. */
  handler: bigint;
  saFlags: bigint;
}

/** A thread that ended. */
export interface ExitEvent extends ProcessEventBase {
  type: 'exit';
  /** The wait status it left: (code & 0xff) << 8 for an exit, the signal (| 0x80 if a core was dumped) for a kill. */
  status: number;
  /** The process's last thread: its status is the process's. */
  groupDead: boolean;
}

export type ProcessEvent = SignalEvent | ExitEvent;

/** One entry of a thread's or container's history, in time order. */
export type HistoryEvent = SyscallEvent | ProcessEvent;

export function isProcessEvent(e: HistoryEvent): e is ProcessEvent {
  return (e as ProcessEvent).type !== undefined;
}

export interface PairedHistory {
  /** Syscalls, in time order (of entry; of exit for resumed calls). */
  syscalls: SyscallEvent[];
  /** Signals and thread exits, in time order. */
  process: ProcessEvent[];
}

/**
 * The syscalls and process events in one time-ordered list (a syscall before
 * a process event of the same nanosecond). No copy when there are no
 * process events.
 */
export function mergeHistory(syscalls: SyscallEvent[], process: ProcessEvent[]): HistoryEvent[] {
  if (process.length === 0) return syscalls;
  const out: HistoryEvent[] = [];
  let j = 0;
  for (const ev of syscalls) {
    while (j < process.length && process[j].bootNs < ev.bootNs) out.push(process[j++]);
    out.push(ev);
  }
  while (j < process.length) out.push(process[j++]);
  return out;
}

/**
 * resumesAny: syscalls whose exit carries another number (rt_sigreturn's
 * exit reports the syscall it restores), paired with the next exit of the thread.
 */
export function pairRecords(records: RawRecord[], resumesAny: ReadonlySet<number> = new Set()): SyscallEvent[] {
  return pairHistory(records, resumesAny).syscalls;
}

/** pairRecords, plus the process events of the same records. */
export function pairHistory(records: RawRecord[], resumesAny: ReadonlySet<number> = new Set()): PairedHistory {
  const pair = pairer(resumesAny);
  for (const r of records) pair.add(r);
  return pair.history;
}

/** A snapshot's syscalls paired (PairedCalls) and its process events. */
export interface IndexedHistory {
  calls: PairedCalls;
  process: ProcessEvent[];
}

/**
 * pairHistory straight from a snapshot's record buffer, kept as record
 * offsets: no record or event is built (PairedCalls.get builds an event).
 * `order`: the offsets of the records in time order (RingSnapshot.order).
 */
export function indexSnapshot(buf: Buffer, resumesAny: ReadonlySet<number>, order: Uint32Array): IndexedHistory {
  const ix = new Indexer(buf, resumesAny, order.length);
  ix.scanAt(order, 0, order.length);
  return ix.done();
}

/** Records indexSnapshotAsync pairs between two turns of the event loop (about 2 MiB of a full ring). */
const RECORDS_PER_TURN = 32768;

/** indexSnapshot giving the event loop back after every RECORDS_PER_TURN records, so a daemon pairing a big ring keeps answering meanwhile. */
export async function indexSnapshotAsync(buf: Buffer, resumesAny: ReadonlySet<number>, order: Uint32Array): Promise<IndexedHistory> {
  const ix = new Indexer(buf, resumesAny, order.length);
  for (let k = 0; k < order.length; k += RECORDS_PER_TURN) {
    if (k) await new Promise<void>((resolve) => setImmediate(resolve));
    ix.scanAt(order, k, Math.min(order.length, k + RECORDS_PER_TURN));
  }
  return ix.done();
}

/** No record: an unfinished call's exit, a resumed call's entry. */
const NONE = 0xffffffff;
/** Indexer.open: the thread is in no call. */
const CLOSED = -1;

/**
 * Paired syscalls of one snapshot, time order, held as the offsets of each
 * call's entry and exit record in the snapshot buffer. A SyscallEvent is
 * built only when asked for (get), so a dump of a million calls makes its
 * objects one at a time, each garbage as soon as its row is written, instead
 * of a million long-lived ones for the garbage collector to copy and mark.
 */
export class PairedCalls {
  /** @internal */
  constructor(
    private readonly buf: Buffer,
    private readonly enter: Uint32Array,
    private readonly exit: Uint32Array,
    readonly length: number,
    /** Resumed calls: the record (entry, signal) that last named the thread's process and comm. */
    private readonly who: ReadonlyMap<number, number>,
    private readonly caps: ReadonlyMap<number, number[]>,
  ) {
    this.words = wordsOf(buf);
  }

  /** buf's words, read in place when it starts on a word boundary (wordsOf). */
  private readonly words: Uint32Array | null;

  /** The unsigned 64-bit field at off (8-aligned in a record). */
  private u64(off: number): bigint {
    const w = this.words;
    return w !== null && (off & 3) === 0 ? u64Words(w, off >>> 2) : u64(this.buf, off);
  }

  /** The 32-bit field at off (4-aligned in a record). */
  private u32(off: number): number {
    const w = this.words;
    return w !== null && (off & 3) === 0 ? w[off >>> 2] : this.buf.readUInt32LE(off);
  }

  /** The 16-bit field at off (2-aligned in a record). */
  private u16(off: number): number {
    const w = this.words;
    if (w === null || (off & 1) !== 0) return this.buf.readUInt16LE(off);
    const v = w[off >>> 2];
    return off & 2 ? v >>> 16 : v & 0xffff;
  }

  /** The signed 64-bit field at off. */
  private i64(off: number): bigint {
    const w = this.words;
    return w !== null && (off & 3) === 0 ? i64Words(w, off >>> 2) : i64(this.buf, off);
  }

  /**
   * Exit time minus entry time of the records at en and ex: in doubles when
   * both times are exact in one (most calls take under 4096 ns, a bigint
   * made once), else in bigints.
   */
  private duration(en: number, ex: number, bootNs: bigint): bigint {
    const w = this.words;
    if (w !== null && ((en | ex) & 3) === 0) {
      const a = en >>> 2;
      const b = ex >>> 2;
      const hiIn = w[a + 3];
      const hiOut = w[b + 3];
      if (hiIn < HI_EXACT && hiOut < HI_EXACT) {
        const d = (hiOut - hiIn) * TWO32 + (w[b + 2] - w[a + 2]);
        return d >= 0 && d < 4096 ? SMALL[d] : BigInt(d);
      }
    }
    return this.u64(ex + 8) - bootNs;
  }

  /** CLOCK_BOOTTIME ns at entry (at exit for a resumed call). */
  bootNs(i: number): bigint {
    return this.u64(this.first(i) + 8);
  }

  resumed(i: number): boolean {
    return this.enter[i] === NONE;
  }

  tid(i: number): number {
    return this.buf.readUInt32LE(this.first(i) + 16);
  }

  /** No exit held (yet): the call was still running. */
  unfinished(i: number): boolean {
    return this.exit[i] === NONE;
  }

  /** A copy of the call's entry record, padded to 8 bytes (null for a resumed call): what a live tail keeps of a call still running. */
  entryRecord(i: number): Buffer | null {
    const e = this.enter[i];
    if (e === NONE) return null;
    const size = this.buf.readUInt16LE(e + 20);
    const out = Buffer.alloc((size + 7) & ~7);
    this.buf.copy(out, 0, e, e + size);
    return out;
  }

  nr(i: number): number {
    return this.buf.readUInt16LE(this.first(i) + 26);
  }

  pid(i: number): number {
    const e = this.enter[i];
    return e !== NONE ? this.buf.readUInt32LE(e + 48) : this.resumedPid(i);
  }

  /** Offset of the call's first record held: its entry, or its exit for a resumed call. */
  private first(i: number): number {
    const e = this.enter[i];
    return e !== NONE ? e : this.exit[i];
  }

  /** A resumed call's pid: the one the thread's last naming record gave, else (none held) its tid. */
  private resumedPid(i: number): number {
    const w = this.who.get(i);
    return this.buf.readUInt32LE(w !== undefined ? w + 48 : this.exit[i] + 16);
  }

  /** The items of an exit record. */
  private exitItems(ex: number): RawItem[] {
    const buf = this.buf;
    return parseItems(buf, ex + EXIT_SIZE, ex + buf.readUInt16LE(ex + 20), buf[ex + 31]);
  }

  /** The call as an event, built now from its records. */
  get(i: number): SyscallEvent {
    const buf = this.buf;
    const en = this.enter[i];
    const ex = this.exit[i];
    let ev: SyscallEvent;
    if (en !== NONE) {
      const nargs = Math.min(buf[en + 30], 6);
      const args = new Array<bigint>(nargs);
      for (let a = 0; a < nargs; a++) args[a] = this.u64(en + ENTER_SIZE + a * 8);
      const bootNs = this.u64(en + 8);
      let items = parseItems(buf, en + ENTER_SIZE + nargs * 8, en + this.u16(en + 20), buf[en + 31]);
      let durNs: bigint | undefined;
      let ret: bigint | undefined;
      if (ex !== NONE) {
        durNs = this.duration(en, ex, bootNs);
        ret = this.i64(ex + 32);
        const more = this.exitItems(ex);
        if (more.length) items = items.length ? items.concat(more) : more;
      }
      ev = {
        bootNs,
        durNs,
        cpu: this.u16(en + 24),
        pid: this.u32(en + 48),
        tid: this.u32(en + 16),
        comm: readComm(buf, en + 32, this.words),
        nr: this.u16(en + 26),
        args,
        ret,
        items,
        unfinished: ex === NONE,
        resumed: false,
      };
    } else {
      const w = this.who.get(i);
      ev = {
        bootNs: this.u64(ex + 8),
        durNs: undefined,
        cpu: this.u16(ex + 24),
        pid: this.resumedPid(i),
        tid: this.u32(ex + 16),
        comm: w !== undefined ? readComm(buf, w + 32, this.words) : '',
        nr: this.u16(ex + 26),
        args: [],
        ret: this.i64(ex + 32),
        items: this.exitItems(ex),
        unfinished: false,
        resumed: true,
      };
    }
    const caps = this.caps.get(i);
    if (caps) ev.caps = caps.slice();
    return ev;
  }

  /** The calls at the given positions (ascending), as their own list. */
  pick(positions: ArrayLike<number>): PairedCalls {
    const n = positions.length;
    const enter = new Uint32Array(n);
    const exit = new Uint32Array(n);
    const who = new Map<number, number>();
    const caps = new Map<number, number[]>();
    for (let k = 0; k < n; k++) {
      const i = positions[k];
      enter[k] = this.enter[i];
      exit[k] = this.exit[i];
      const w = this.who.get(i);
      if (w !== undefined) who.set(k, w);
      const c = this.caps.get(i);
      if (c) caps.set(k, c);
    }
    return new PairedCalls(this.buf, enter, exit, n, who, caps);
  }

  /** Every call as an event. */
  toArray(): SyscallEvent[] {
    const out = new Array<SyscallEvent>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.get(i);
    return out;
  }
}

/**
 * The pairing walk over a snapshot buffer (what pairer does with records,
 * done on the header fields in place). Enter and exit records only set
 * offsets; signals, thread exits and capability refusals are parsed as
 * records (they are few).
 */
class Indexer {
  private readonly enter: Uint32Array;
  private readonly exit: Uint32Array;
  private n = 0;
  /**
   * tid -> the call it is in, or CLOSED between calls. A returning call's
   * tid is not deleted: a Map that loses and regains a key per call makes a
   * new hash table each time (V8 shrinks it), which cost most of the pairing.
   */
  private readonly open = new Map<number, number>();
  /** tid -> offset of the last record that named its process and comm (entry, signal). */
  private readonly named = new Map<number, number>();
  private readonly who = new Map<number, number>();
  private readonly caps = new Map<number, number[]>();
  private readonly process: ProcessEvent[] = [];
  /** Offset of the record processRecord is given. */
  private at = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly resumesAny: ReadonlySet<number>,
    records: number,
  ) {
    // A call is pushed for an entry record or an exit record with no entry: never more calls than records.
    this.enter = new Uint32Array(records);
    this.exit = new Uint32Array(records);
  }

  private push(enterOff: number, exitOff: number): number {
    this.enter[this.n] = enterOff;
    this.exit[this.n] = exitOff;
    return this.n++;
  }

  /** The records at order[from..until). */
  scanAt(order: Uint32Array, from: number, until: number): void {
    for (let k = from; k < until; k++) {
      const off = order[k];
      if (off + 32 > this.buf.length) throw new Error(`corrupt snapshot: record ${k} at byte ${off} is past the end`);
      this.record(off);
    }
  }

  /** Pairs the record at off. */
  private record(off: number): void {
    const buf = this.buf;
    const size = buf.readUInt16LE(off + 20);
    if (size < 32 || off + size > buf.length) throw new Error(`corrupt record at byte ${off}: size ${size}`);
    const kind = buf[off + 28];
    if (kind === KIND_ENTER) {
      if (size < ENTER_SIZE) throw new Error(`corrupt record at byte ${off}: kind ${kind} with size ${size}`);
      const tid = buf.readUInt32LE(off + 16);
      this.named.set(tid, off);
      // The previous call of this thread never returned (e.g. exit_group): it stays unfinished.
      this.open.set(tid, this.push(off, NONE));
    } else if (kind === KIND_EXIT) {
      if (size < EXIT_SIZE) throw new Error(`corrupt record at byte ${off}: kind ${kind} with size ${size}`);
      this.exitRecord(off);
    } else {
      // Other kinds one at a time through the record parser (it also steps over unknown ones).
      this.at = off;
      scanRecords(buf, (r) => this.processRecord(r), off, off + 1);
    }
  }

  private exitRecord(off: number): void {
    const buf = this.buf;
    const tid = buf.readUInt32LE(off + 16);
    const nr = buf.readUInt16LE(off + 26);
    const i = this.open.get(tid);
    if (i !== undefined && i !== CLOSED) {
      const openNr = buf.readUInt16LE(this.enter[i] + 26);
      if (openNr === nr || this.resumesAny.has(openNr)) {
        this.open.set(tid, CLOSED);
        this.exit[i] = off;
        return;
      }
    }
    // Its entry was overwritten or came before recording began.
    const k = this.push(NONE, off);
    const w = this.named.get(tid);
    if (w !== undefined) this.who.set(k, w);
  }

  private processRecord(r: RawRecord): void {
    if (r.kind === KIND_CAP) {
      // A refusal outside any recorded call (say, before the ring saw the entry) has nothing to annotate.
      const i = this.open.get(r.tid);
      if (i !== undefined && i !== CLOSED && r.cap !== undefined) this.caps.set(i, withCap(this.caps.get(i), r.cap));
      return;
    }
    const ev = processEventOf(r);
    if (!ev) return;
    if (ev.type === 'signal') {
      this.named.set(r.tid, this.at);
    } else {
      // The thread is gone: a later thread that gets its tid starts afresh.
      this.open.delete(r.tid);
      this.named.delete(r.tid);
    }
    this.process.push(ev);
  }

  done(): IndexedHistory {
    return { calls: new PairedCalls(this.buf, this.enter, this.exit, this.n, this.who, this.caps), process: this.process };
  }
}

/** Pairs records given one at a time, in time order; keeps nothing of a record but its args, items and values. */
function pairer(resumesAny: ReadonlySet<number>): { add: (r: RawRecord) => void; history: PairedHistory } {
  const out: SyscallEvent[] = [];
  const process: ProcessEvent[] = [];
  const open = new Map<number, SyscallEvent>();
  const pidOf = new Map<number, { pid: number; comm: string }>();
  const add = (r: RawRecord): void => {
    if (r.kind !== KIND_ENTER && r.kind !== KIND_EXIT) {
      processRecord(r, open, pidOf, process);
      return;
    }
    if (r.kind === KIND_ENTER) {
      const known = pidOf.get(r.tid);
      if (!known || known.pid !== r.pid || known.comm !== r.comm) pidOf.set(r.tid, { pid: r.pid, comm: r.comm });
      const ev: SyscallEvent = {
        bootNs: r.bootNs,
        durNs: undefined,
        cpu: r.cpu,
        pid: r.pid,
        tid: r.tid,
        comm: r.comm,
        nr: r.nr,
        args: r.args,
        ret: undefined,
        items: r.items,
        unfinished: true,
        resumed: false,
      };
      // The previous call of this thread never returned (e.g. exit_group).
      open.set(r.tid, ev);
      out.push(ev);
      return;
    }
    const ev = open.get(r.tid);
    if (ev && (ev.nr === r.nr || resumesAny.has(ev.nr))) {
      open.delete(r.tid);
      ev.durNs = r.bootNs - ev.bootNs;
      ev.ret = r.ret;
      ev.unfinished = false;
      if (r.items.length) ev.items = ev.items.length ? ev.items.concat(r.items) : r.items;
      return;
    }
    const who = pidOf.get(r.tid);
    out.push({
      bootNs: r.bootNs,
      durNs: undefined,
      cpu: r.cpu,
      pid: who?.pid ?? r.tid,
      tid: r.tid,
      comm: who?.comm ?? '',
      nr: r.nr,
      args: [],
      ret: r.ret,
      items: r.items,
      unfinished: false,
      resumed: true,
    });
  };
  return { add, history: { syscalls: out, process } };
}

/** A signal, thread exit or refused capability: the open calls and thread names it touches, and the event it makes. */
function processRecord(
  r: RawRecord,
  open: Map<number, SyscallEvent>,
  pidOf: Map<number, { pid: number; comm: string }>,
  process: ProcessEvent[],
): void {
  if (r.kind === KIND_CAP) {
    // A refusal outside any recorded call (say, before the ring saw the entry) has nothing to annotate.
    const ev = open.get(r.tid);
    if (ev && r.cap !== undefined) ev.caps = withCap(ev.caps, r.cap);
    return;
  }
  const ev = processEventOf(r);
  if (!ev) return;
  if (ev.type === 'signal') {
    pidOf.set(r.tid, { pid: r.pid, comm: r.comm });
  } else {
    // The thread is gone: a later thread that gets its tid starts afresh.
    open.delete(r.tid);
    pidOf.delete(r.tid);
  }
  process.push(ev);
}

/** The event a signal or thread-exit record makes; undefined for other kinds. */
function processEventOf(r: RawRecord): ProcessEvent | undefined {
  const base = { bootNs: r.bootNs, cpu: r.cpu, pid: r.pid, tid: r.tid, comm: r.comm };
  if (r.kind === KIND_SIGNAL && r.signal) {
    return { type: 'signal', ...base, signo: r.signal.signo, info: r.signal.info, handler: r.signal.handler, saFlags: r.signal.saFlags };
  }
  if (r.kind === KIND_TASK_EXIT) return { type: 'exit', ...base, status: r.exitCode ?? 0, groupDead: r.groupDead ?? false };
  return undefined;
}

/** A call's refused capabilities with cap added: first refusal first, no repeats. */
function withCap(caps: number[] | undefined, cap: number): number[] {
  if (!caps) return [cap];
  if (!caps.includes(cap)) caps.push(cap);
  return caps;
}
