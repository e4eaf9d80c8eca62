/**
 * Syscall rows packed for another thread: a big dump decodes its rows on the
 * main thread while a worker thread writes them into SQLite (dump-worker.ts).
 * Posting row objects costs about 2.3 us a row in structured cloning (more
 * than SQLite takes to store one); these packs of typed arrays (transferred,
 * not copied) and one string cost about 0.45 us, both sides together.
 *
 * A pack of n rows:
 *   nums  Float64Array(n * NUMS): seq, cpu, pid, tid, nr, port (NaN: null), bits
 *   bigs  BigInt64Array(n * BIGS): tsNs, durNs, ret (0 when null: see bits)
 *   lens  Int32Array(n * STRS): the length of each string column, -1 for null
 *   text  the string columns of every row, one after the other
 * The worker fills SQLite's parameters straight from a pack
 * (PackReader.putNext, through sqlite.ts's putRow): no row object is made
 * again.
 */
import { EventRow } from '../rows';
import { argvColumn, capsColumn, openFlags } from './schema';
import { SyscallRows, putRow } from './sqlite';

const NUMS = 7;
const BIGS = 3;
const STRS = 9;

const UNFINISHED = 1;
const RESUMED = 2;
const DUR_NULL = 4;
const RET_NULL = 8;

export interface RowPack {
  n: number;
  nums: Float64Array;
  bigs: BigInt64Array;
  lens: Int32Array;
  text: string;
}

/** The buffers a pack's postMessage transfers. */
export function packTransfer(p: RowPack): ArrayBuffer[] {
  return [p.nums.buffer as ArrayBuffer, p.bigs.buffer as ArrayBuffer, p.lens.buffer as ArrayBuffer];
}

/**
 * Packs rows one at a time as they are made, so no row object outlives its
 * turn: a batch of row objects kept until it is packed survives the young
 * generation's collections and cost the main thread more in garbage
 * collection than the packing itself.
 */
export class PackWriter {
  private n = 0;
  private nums: Float64Array;
  private bigs: BigInt64Array;
  private lens: Int32Array;
  private text = '';

  constructor(private readonly capacity: number) {
    this.nums = new Float64Array(capacity * NUMS);
    this.bigs = new BigInt64Array(capacity * BIGS);
    this.lens = new Int32Array(capacity * STRS);
  }

  get size(): number {
    return this.n;
  }

  get full(): boolean {
    return this.n === this.capacity;
  }

  private str(s: number, v: string | null): void {
    if (v === null) {
      this.lens[s] = -1;
    } else {
      this.lens[s] = v.length;
      this.text += v;
    }
  }

  add(r: EventRow): void {
    const { nums, bigs } = this;
    const i = this.n++;
    const o = i * NUMS;
    nums[o] = r.seq;
    nums[o + 1] = r.cpu;
    nums[o + 2] = r.pid;
    nums[o + 3] = r.tid;
    nums[o + 4] = r.nr;
    nums[o + 5] = r.port === null ? NaN : r.port;
    nums[o + 6] = (r.unfinished ? UNFINISHED : 0) | (r.resumed ? RESUMED : 0) | (r.durNs === null ? DUR_NULL : 0) | (r.ret === null ? RET_NULL : 0);
    const b = i * BIGS;
    bigs[b] = r.tsNs;
    bigs[b + 1] = r.durNs ?? 0n;
    bigs[b + 2] = r.ret ?? 0n;
    const s = i * STRS;
    this.str(s, r.comm);
    this.str(s + 1, r.name);
    this.str(s + 2, r.args);
    this.str(s + 3, r.error);
    this.str(s + 4, r.path);
    this.str(s + 5, argvColumn(r.argv));
    this.str(s + 6, r.address);
    this.str(s + 7, capsColumn(r.caps));
    this.str(s + 8, r.retDetail ?? null);
  }

  /** The pack of the rows added since the last take (its buffers are to be transferred); the writer starts afresh. */
  take(): RowPack {
    const p: RowPack = { n: this.n, nums: this.nums, bigs: this.bigs, lens: this.lens, text: this.text };
    this.n = 0;
    this.text = '';
    this.nums = new Float64Array(this.capacity * NUMS);
    this.bigs = new BigInt64Array(this.capacity * BIGS);
    this.lens = new Int32Array(this.capacity * STRS);
    return p;
  }
}

/** Reads a pack's rows in order, keeping the place in its text between calls. */
export class PackReader {
  private at = 0;
  private pos = 0;

  constructor(private readonly p: RowPack) {}

  get done(): boolean {
    return this.at >= this.p.n;
  }

  private str(s: number): string | null {
    const len = this.p.lens[s];
    if (len < 0) return null;
    const v = this.p.text.slice(this.pos, this.pos + len);
    this.pos += len;
    return v;
  }

  /** Writes the next row into the dump (sqlite.ts putRow). */
  putNext(to: SyscallRows): void {
    const { nums, bigs } = this.p;
    const i = this.at++;
    const a = i * NUMS;
    const b = i * BIGS;
    const s = i * STRS;
    const bits = nums[a + 6];
    // The strings in the order they were added.
    const comm = this.str(s);
    const name = this.str(s + 1) as string;
    const args = this.str(s + 2) as string;
    const error = this.str(s + 3);
    const path = this.str(s + 4);
    const argv = this.str(s + 5);
    const address = this.str(s + 6);
    const caps = this.str(s + 7);
    const retDetail = this.str(s + 8);
    putRow(
      to,
      nums[a],
      BigInt.asUintN(64, bigs[b]),
      bits & DUR_NULL ? null : bigs[b + 1],
      nums[a + 1],
      nums[a + 2],
      nums[a + 3],
      comm,
      nums[a + 4],
      name,
      args,
      bits & RET_NULL ? null : bigs[b + 2],
      error,
      bits & UNFINISHED ? 1 : 0,
      bits & RESUMED ? 1 : 0,
      path,
      argv,
      address,
      Number.isNaN(nums[a + 5]) ? null : nums[a + 5],
      openFlags(name, args),
      caps,
      retDetail,
    );
  }
}
