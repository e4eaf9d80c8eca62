/**
 * Parses raw ring records (layout: bpf/record.h; change both together).
 * Pure functions over a Buffer: no recorder state.
 */

export const KIND_ENTER = 1;
export const KIND_EXIT = 2;
/** A signal the task acted on (struct sb_signal). */
export const KIND_SIGNAL = 3;
/** A thread ended (struct sb_task_exit). */
export const KIND_TASK_EXIT = 4;
/** A capability check failed (struct sb_cap). */
export const KIND_CAP = 5;

export type RecordKind = typeof KIND_ENTER | typeof KIND_EXIT | typeof KIND_SIGNAL | typeof KIND_TASK_EXIT | typeof KIND_CAP;

export const ITEM_KIND_MASK = 0x0f;
/** sb_item.arg: the argument index in the low bits, the part of a composite capture above them. */
export const ITEM_ARG_MASK = 0x0f;
export const ITEM_PART_SHIFT = 4;
export const ITEM_TRUNCATED = 0x10;
export const ITEM_FAULT = 0x20;
export const ITEM_MORE = 0x40;
export const REC_ITEMS_CUT = 0x01;
export const REC_GROUP_DEAD = 0x02;

const HEAD_SIZE = 32;
export const ENTER_SIZE = 56;
export const EXIT_SIZE = 40;
const SIGNAL_SIZE = 120;
const TASK_EXIT_SIZE = 56;
const CAP_SIZE = 40;
/** Bytes of the kernel's siginfo a signal record keeps (SB_SIGINFO_BYTES). */
export const SIGINFO_BYTES = 48;

export interface RawItem {
  /** Argument index 0..5. */
  arg: number;
  /**
   * Which piece of a composite capture (types.ts MSGHDR_PART); 0 for the
   * others. Absent means 0.
   */
  part?: number;
  /** CaptureKind (recorder/syscalls/types.ts). */
  kind: number;
  truncated: boolean;
  fault: boolean;
  /** argv: more entries followed than were captured. */
  more: boolean;
  data: Buffer;
  /**
   * Where data lies when it is cut out of a bigger buffer (a snapshot's
   * items): src[from, to). Code that can read a range there (quoteRange)
   * does, rather than have data make a view of it.
   */
  readonly src?: Buffer;
  readonly from?: number;
  readonly to?: number;
}

export interface RawSignal {
  signo: number;
  /** The action in force: 0 SIG_DFL, 1 SIG_IGN, else the handler's address. */
  handler: bigint;
  saFlags: bigint;
  /** The siginfo's first SIGINFO_BYTES bytes (recorder/decode/siginfo.ts). */
  info: Buffer;
}

export interface RawRecord {
  kind: RecordKind;
  /** CLOCK_BOOTTIME ns. */
  bootNs: bigint;
  tid: number;
  cpu: number;
  nr: number;
  /** Some items did not fit in the record. */
  itemsCut: boolean;
  /** Enter records: tgid, comm and the arguments. */
  pid: number;
  comm: string;
  args: bigint[];
  /** Exit records: the return value. */
  ret: bigint;
  items: RawItem[];
  /** Signal records (pid and comm are filled too). */
  signal?: RawSignal;
  /** Task exit records (pid and comm are filled too): the wait status the thread left, and whether it was the process's last. */
  exitCode?: number;
  groupDead?: boolean;
  /** Capability records: the capability refused and the check's result. */
  cap?: number;
  capRet?: number;
}

const NO_ARGS: bigint[] = [];
const NO_ITEMS: RawItem[] = [];

/**
 * An item of a snapshot. Its bytes are cut out of the snapshot buffer each
 * time they are asked for: a Buffer view kept per item would cost more
 * memory than the item, and a million of them make the garbage collector
 * the slowest part of a dump.
 */
class SnapshotItem implements RawItem {
  constructor(
    readonly arg: number,
    readonly part: number,
    readonly kind: number,
    readonly truncated: boolean,
    readonly fault: boolean,
    readonly more: boolean,
    readonly src: Buffer,
    readonly from: number,
    readonly to: number,
  ) {}

  get data(): Buffer {
    return this.src.subarray(this.from, this.to);
  }

  /** What the item shows when printed or compared in tests: its fields and bytes. */
  toJSON(): RawItem {
    const { arg, part, kind, truncated, fault, more, data } = this;
    return { arg, part, kind, truncated, fault, more, data };
  }
}

export function parseItems(buf: Buffer, off: number, end: number, n: number): RawItem[] {
  if (n === 0) return NO_ITEMS;
  const items: RawItem[] = [];
  for (let i = 0; i < n && off + 4 <= end; i++) {
    const len = buf.readUInt16LE(off);
    const where = buf[off + 2];
    const type = buf[off + 3];
    const start = off + 4;
    if (start + len > end) break;
    items.push(
      new SnapshotItem(
        where & ITEM_ARG_MASK,
        where >> ITEM_PART_SHIFT,
        type & ITEM_KIND_MASK,
        (type & ITEM_TRUNCATED) !== 0,
        (type & ITEM_FAULT) !== 0,
        (type & ITEM_MORE) !== 0,
        buf,
        start,
        start + len,
      ),
    );
    off = (start + len + 3) & ~3;
  }
  return items;
}

/**
 * The last comm read, by its 16 bytes as four words: most records repeat the
 * one before's, which then is not made into a new string again.
 */
const lastComm = { w0: -1, w1: -1, w2: -1, w3: -1, text: '' };

/** The comm at off; `words`: buf's (wordsOf), read in place when off is on a word boundary. */
export function readComm(buf: Buffer, off: number, words: Uint32Array | null = null): string {
  const c = lastComm;
  let w0, w1, w2, w3;
  if (words !== null && (off & 3) === 0) {
    const i = off >>> 2;
    w0 = words[i];
    w1 = words[i + 1];
    w2 = words[i + 2];
    w3 = words[i + 3];
  } else {
    w0 = buf.readUInt32LE(off);
    w1 = buf.readUInt32LE(off + 4);
    w2 = buf.readUInt32LE(off + 8);
    w3 = buf.readUInt32LE(off + 12);
  }
  if (w0 === c.w0 && w1 === c.w1 && w2 === c.w2 && w3 === c.w3) return c.text;
  let end = off;
  while (end < off + 16 && buf[end] !== 0) end++;
  c.text = buf.toString('latin1', off, end);
  c.w0 = w0;
  c.w1 = w1;
  c.w2 = w2;
  c.w3 = w3;
  return c.text;
}

/** 0n..4095n made once: arguments and return values are mostly small numbers (fds, sizes, flags). */
export const SMALL: readonly bigint[] = Array.from({ length: 4096 }, (_, i) => BigInt(i));
export const TWO32 = 4294967296;
/** Values whose high word is below this (or, signed, above its negative) fit a double exactly. */
export const HI_EXACT = 0x200000;

/**
 * The unsigned 64-bit value of two words with one allocation at most:
 * Buffer's readBigUInt64LE makes its bigint out of two words with three more
 * bigint operations, and this is done for every argument of a million calls.
 */
function u64Of(lo: number, hi: number): bigint {
  if (hi >= HI_EXACT) return (BigInt(hi) << 32n) | BigInt(lo);
  const v = hi * TWO32 + lo;
  return v < 4096 ? SMALL[v] : BigInt(v);
}

/** The signed 64-bit value of two words (hi signed) the same way (return values: -errno, counts, addresses). */
function i64Of(lo: number, hi: number): bigint {
  if (hi >= HI_EXACT || hi < -HI_EXACT) return (BigInt(hi) << 32n) | BigInt(lo);
  const v = hi * TWO32 + lo;
  return v >= 0 && v < 4096 ? SMALL[v] : BigInt(v);
}

/** readBigUInt64LE through u64Of. */
export function u64(buf: Buffer, off: number): bigint {
  return u64Of(buf.readUInt32LE(off), buf.readUInt32LE(off + 4));
}

/** readBigInt64LE through i64Of. */
export function i64(buf: Buffer, off: number): bigint {
  return i64Of(buf.readUInt32LE(off), buf.readInt32LE(off + 4));
}

/** This host stores words little-endian, as the records are (x86_64, arm64). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * The 32-bit words of a Buffer of records, read in place (one load where
 * readUInt32LE makes four and checks its argument): null unless the Buffer
 * starts on a 4-byte boundary of a little-endian host. Records start on
 * 8-byte boundaries, and so do their 64-bit fields.
 */
export function wordsOf(buf: Buffer): Uint32Array | null {
  if (!LITTLE_ENDIAN || (buf.byteOffset & 3) !== 0) return null;
  return new Uint32Array(buf.buffer, buf.byteOffset, buf.length >>> 2);
}

/** u64 of the two words from w[i] on (wordsOf's). */
export function u64Words(w: Uint32Array, i: number): bigint {
  return u64Of(w[i], w[i + 1]);
}

/** i64 of the two words from w[i] on. */
export function i64Words(w: Uint32Array, i: number): bigint {
  return i64Of(w[i], w[i + 1] | 0);
}

const MIN_SIZE: Record<number, number> = {
  [KIND_ENTER]: ENTER_SIZE,
  [KIND_EXIT]: EXIT_SIZE,
  [KIND_SIGNAL]: SIGNAL_SIZE,
  [KIND_TASK_EXIT]: TASK_EXIT_SIZE,
  [KIND_CAP]: CAP_SIZE,
};

/**
 * Parses a snapshot's record buffer: the records at the offsets `order`
 * gives, or without it the records one after the other (each padded to 8
 * bytes). Records of a kind this parser does not know are stepped over: the
 * native side passes only whole records, so their size can be trusted.
 */
export function parseRecords(buf: Buffer, order?: Uint32Array): RawRecord[] {
  const out: RawRecord[] = [];
  const keep = (r: RawRecord) => out.push(r.kind === KIND_ENTER || r.kind === KIND_EXIT ? { ...r } : r);
  if (!order) scanRecords(buf, keep);
  else for (const off of order) scanRecords(buf, keep, off, off + 1);
  return out;
}

/** The one object scanRecords hands every enter and exit record in. */
const scratch: RawRecord = { kind: KIND_ENTER, bootNs: 0n, tid: 0, cpu: 0, nr: 0, itemsCut: false, pid: 0, comm: '', args: NO_ARGS, ret: 0n, items: NO_ITEMS };

/**
 * Calls visit with each record of a snapshot buffer, in order, without
 * building them all: a million records as objects cost more in garbage
 * collection than in parsing. Enter and exit records (nearly all of them)
 * come in one reused object: a visitor may keep its args and items arrays
 * and their buffers, not the record itself. Other kinds come in fresh objects.
 * A part of the buffer at a time: from `from` (a record's start), the records
 * that start before `until`; returns where the next one starts.
 */
export function scanRecords(buf: Buffer, visit: (r: RawRecord) => void, from = 0, until = buf.length): number {
  let off = from;
  while (off + HEAD_SIZE <= buf.length && off < until) {
    const size = buf.readUInt16LE(off + 20);
    if (size < HEAD_SIZE || off + size > buf.length) {
      throw new Error(`corrupt record at byte ${off}: size ${size}`);
    }
    const kind = buf[off + 28];
    const end = off + size;
    const min = MIN_SIZE[kind];
    if (min === undefined) {
      off += (size + 7) & ~7;
      continue;
    }
    if (size < min) throw new Error(`corrupt record at byte ${off}: kind ${kind} with size ${size}`);
    const rec: RawRecord =
      kind === KIND_ENTER || kind === KIND_EXIT
        ? scratch
        : { kind: kind as RecordKind, bootNs: 0n, tid: 0, cpu: 0, nr: 0, itemsCut: false, pid: 0, comm: '', args: NO_ARGS, ret: 0n, items: NO_ITEMS };
    rec.kind = kind as RecordKind;
    rec.bootNs = u64(buf, off + 8);
    rec.tid = buf.readUInt32LE(off + 16);
    rec.cpu = buf.readUInt16LE(off + 24);
    rec.nr = buf.readUInt16LE(off + 26);
    rec.itemsCut = (buf[off + 29] & REC_ITEMS_CUT) !== 0;
    rec.pid = 0;
    rec.comm = '';
    rec.args = NO_ARGS;
    rec.ret = 0n;
    rec.items = NO_ITEMS;
    const nitems = buf[off + 31];
    if (kind === KIND_ENTER) {
      const nargs = Math.min(buf[off + 30], 6);
      rec.comm = readComm(buf, off + 32);
      rec.pid = buf.readUInt32LE(off + 48);
      rec.args = new Array<bigint>(nargs);
      for (let i = 0; i < nargs; i++) rec.args[i] = u64(buf, off + ENTER_SIZE + i * 8);
      rec.items = parseItems(buf, off + ENTER_SIZE + nargs * 8, end, nitems);
    } else if (kind === KIND_EXIT) {
      rec.ret = i64(buf, off + 32);
      rec.items = parseItems(buf, off + EXIT_SIZE, end, nitems);
    } else if (kind === KIND_SIGNAL) {
      rec.comm = readComm(buf, off + 32);
      rec.pid = buf.readUInt32LE(off + 48);
      rec.signal = {
        signo: buf.readInt32LE(off + 52),
        handler: buf.readBigUInt64LE(off + 56),
        saFlags: buf.readBigUInt64LE(off + 64),
        info: buf.subarray(off + 72, off + 72 + SIGINFO_BYTES),
      };
    } else if (kind === KIND_TASK_EXIT) {
      rec.comm = readComm(buf, off + 32);
      rec.pid = buf.readUInt32LE(off + 48);
      rec.exitCode = buf.readInt32LE(off + 52);
      rec.groupDead = (buf[off + 29] & REC_GROUP_DEAD) !== 0;
    } else {
      rec.cap = buf.readInt32LE(off + 32);
      rec.capRet = buf.readInt32LE(off + 36);
    }
    visit(rec);
    off += (size + 7) & ~7;
  }
  return off;
}
