/**
 * Parses raw ring records (layout: bpf/record.h; change both together).
 * Pure functions over a Buffer: no recorder state.
 */

export const KIND_ENTER = 1;
export const KIND_EXIT = 2;

export const ITEM_KIND_MASK = 0x0f;
export const ITEM_TRUNCATED = 0x10;
export const ITEM_FAULT = 0x20;
export const ITEM_MORE = 0x40;
export const REC_ITEMS_CUT = 0x01;

const HEAD_SIZE = 32;
const ENTER_SIZE = 56;
const EXIT_SIZE = 40;

export interface RawItem {
  /** Argument index 0..5. */
  arg: number;
  /** CaptureKind (recorder/syscalls/types.ts). */
  kind: number;
  truncated: boolean;
  fault: boolean;
  /** argv: more entries followed than were captured. */
  more: boolean;
  data: Buffer;
}

export interface RawRecord {
  kind: typeof KIND_ENTER | typeof KIND_EXIT;
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
}

const NO_ARGS: bigint[] = [];
const NO_ITEMS: RawItem[] = [];

function parseItems(buf: Buffer, off: number, end: number, n: number): RawItem[] {
  if (n === 0) return NO_ITEMS;
  const items: RawItem[] = [];
  for (let i = 0; i < n && off + 4 <= end; i++) {
    const len = buf.readUInt16LE(off);
    const arg = buf[off + 2];
    const type = buf[off + 3];
    const start = off + 4;
    if (start + len > end) break;
    items.push({
      arg,
      kind: type & ITEM_KIND_MASK,
      truncated: (type & ITEM_TRUNCATED) !== 0,
      fault: (type & ITEM_FAULT) !== 0,
      more: (type & ITEM_MORE) !== 0,
      data: buf.subarray(start, start + len),
    });
    off = (start + len + 3) & ~3;
  }
  return items;
}

function readComm(buf: Buffer, off: number): string {
  let end = off;
  while (end < off + 16 && buf[end] !== 0) end++;
  return buf.toString('latin1', off, end);
}

/** Parses a snapshot's record buffer (records padded to 8 bytes each). */
export function parseRecords(buf: Buffer): RawRecord[] {
  const out: RawRecord[] = [];
  let off = 0;
  while (off + HEAD_SIZE <= buf.length) {
    const size = buf.readUInt16LE(off + 20);
    if (size < HEAD_SIZE || off + size > buf.length) {
      throw new Error(`corrupt record at byte ${off}: size ${size}`);
    }
    const kind = buf[off + 28];
    const end = off + size;
    const rec: RawRecord = {
      kind: kind === KIND_ENTER ? KIND_ENTER : KIND_EXIT,
      bootNs: buf.readBigUInt64LE(off + 8),
      tid: buf.readUInt32LE(off + 16),
      cpu: buf.readUInt16LE(off + 24),
      nr: buf.readUInt16LE(off + 26),
      itemsCut: (buf[off + 29] & REC_ITEMS_CUT) !== 0,
      pid: 0,
      comm: '',
      args: NO_ARGS,
      ret: 0n,
      items: NO_ITEMS,
    };
    const nitems = buf[off + 31];
    if (kind === KIND_ENTER) {
      const nargs = Math.min(buf[off + 30], 6);
      rec.comm = readComm(buf, off + 32);
      rec.pid = buf.readUInt32LE(off + 48);
      rec.args = new Array<bigint>(nargs);
      for (let i = 0; i < nargs; i++) rec.args[i] = buf.readBigUInt64LE(off + ENTER_SIZE + i * 8);
      rec.items = parseItems(buf, off + ENTER_SIZE + nargs * 8, end, nitems);
    } else if (kind === KIND_EXIT) {
      rec.ret = buf.readBigInt64LE(off + 32);
      rec.items = parseItems(buf, off + EXIT_SIZE, end, nitems);
    } else {
      throw new Error(`corrupt record at byte ${off}: kind ${kind}`);
    }
    out.push(rec);
    off += (size + 7) & ~7;
  }
  return out;
}
