/**
 * The recorder as TypeScript sees it: one kernel recorder, rings keyed by
 * mount namespace, snapshots turned into paired events. Policy (ring sizes,
 * budgets, capture limits) is decided here and passed down.
 */
import fs from 'node:fs';
import { IndexedHistory, PairedCalls, ProcessEvent, SyscallEvent, indexSnapshot, indexSnapshotAsync } from './events';
import { NativeRecorder, PinnedRing, RingFill, RingStats, native } from './native';
import { parseRecords, RawRecord } from './records';
import { encodeDescTable, syscallTable } from './syscalls/table';
import { SyscallTable } from './syscalls/types';

export const DEFAULT_RING_BYTES = 1 << 20;
export const DEFAULT_BUDGET_BYTES = 256 << 20;

export interface RecorderOptions {
  /** Ring bytes per container unless addContainer says otherwise (rounded up to a power of two, 64 KiB..64 MiB). */
  ringBytes?: number;
  /** All rings together may not take more than this. */
  budgetBytes?: number;
  /** Capture limits (bytes): strings and paths, read/write buffers, argv entries. */
  strMax?: number;
  bufMax?: number;
  argvMax?: number;
  argvStrMax?: number;
  /**
   * A dir on a BPF filesystem (e.g. /sys/fs/bpf/straceback/<name>, made 0700)
   * where the programs' links and the maps are pinned, so rings outlive this
   * process and keep recording; a later Recorder on the same dir takes them
   * over (pinnedRings, adoptContainer). Pins made by another build are
   * replaced (see warnings).
   */
  pinDir?: string;
  /** Spare rings of the default size kept ready so addContainer need not wait for the kernel (default 4). */
  spareRings?: number;
}

export interface CloseOptions {
  /** With a pinDir: remove the pins too (the programs detach, the rings are freed). Default: keep them recording. */
  release?: boolean;
}

export type { PinnedRing };

export interface Snapshot {
  stats: RingStats;
  /** The raw records, parsed when first asked for (the events are made without them). */
  readonly records: RawRecord[];
  /** Paired syscalls, time order, built when first asked for (calls holds them unbuilt). */
  readonly events: SyscallEvent[];
  /** The same calls as record offsets: built one at a time (a dump of a big ring goes this way). */
  calls: PairedCalls;
  /** Signals acted on and threads ended, time order (events.ts mergeHistory interleaves the two). */
  process: ProcessEvent[];
}

/** A snapshot whose raw records are parsed only if asked for. */
function snapshotOf(stats: RingStats, raw: Buffer, order: Uint32Array, paired: IndexedHistory): Snapshot {
  let records: RawRecord[] | undefined;
  let events: SyscallEvent[] | undefined;
  return {
    stats,
    get records() {
      return (records ??= parseRecords(raw, order));
    },
    get events() {
      return (events ??= paired.calls.toArray());
    },
    calls: paired.calls,
    process: paired.process,
  };
}

/** The mount namespace inode of a live process; a clear error if it is gone. */
export function mntnsOfPid(pid: number): bigint {
  if (!Number.isInteger(pid) || pid <= 0) throw new RangeError(`pid ${pid} is not a process id`);
  try {
    // readlink ("mnt:[4026531841]") needs less than stat, which opens the namespace: init's is often
    // only readable that way.
    const m = /^mnt:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/ns/mnt`));
    return m ? BigInt(m[1]) : fs.statSync(`/proc/${pid}/ns/mnt`, { bigint: true }).ino;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') throw new Error(`process ${pid} does not exist (it may have exited)`);
    throw new Error(`reading the mount namespace of process ${pid}: ${(err as Error).message}`);
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The never-reused id of a process's mount namespace (0n on kernels without NS_GET_MNTNS_ID). */
export function mntnsIdOfPid(pid: number): bigint {
  try {
    return native().mntnsIdOf(pid);
  } catch (err) {
    throw new Error(`process ${pid} does not exist (it may have exited): ${(err as Error).message}`);
  }
}

/** Removes a pin dir a Recorder left (e.g. of a killed daemon); does nothing if it does not exist. */
export function releasePins(pinDir: string): void {
  native().releasePins(pinDir);
}

export class Recorder {
  readonly table: SyscallTable;
  /** What was found and fixed in the pin dir at start (a set made by another build replaced, ...), for the log. */
  readonly warnings: string[];
  readonly pinDir: string | undefined;
  private readonly core: NativeRecorder;
  private readonly ringBytes: number;
  private readonly sigreturns: ReadonlySet<number>;

  constructor(opts: RecorderOptions = {}) {
    this.table = syscallTable();
    this.ringBytes = opts.ringBytes ?? DEFAULT_RING_BYTES;
    this.sigreturns = new Set(['rt_sigreturn', 'sigreturn'].map((n) => this.table.byName.get(n)?.nr ?? -1));
    this.core = new (native().Recorder)({
      descTable: encodeDescTable(this.table),
      budgetBytes: opts.budgetBytes ?? DEFAULT_BUDGET_BYTES,
      ringBytes: this.ringBytes,
      ...definedOnly({
        strMax: opts.strMax, bufMax: opts.bufMax, argvMax: opts.argvMax, argvStrMax: opts.argvStrMax,
        pinDir: opts.pinDir, spareRings: opts.spareRings,
      }),
    });
    this.pinDir = opts.pinDir;
    this.warnings = this.core.warnings();
  }

  /** Removes a pin dir a Recorder left (e.g. of a killed daemon); does nothing if it does not exist. */
  static releasePins(pinDir: string): void {
    releasePins(pinDir);
  }

  /** Starts recording a mount namespace (nsId: its never-reused id, when known); returns the ring handle. */
  addContainer(mntns: bigint, ringBytes = this.ringBytes, nsId?: bigint): number {
    return this.core.addContainer(mntns, ringBytes, nsId);
  }

  /** Starts recording the mount namespace process pid lives in. */
  addProcess(pid: number, ringBytes = this.ringBytes): { handle: number; mntns: bigint; nsId: bigint } {
    const mntns = mntnsOfPid(pid);
    const nsId = mntnsIdOfPid(pid);
    return { handle: this.addContainer(mntns, ringBytes, nsId), mntns, nsId };
  }

  /** Rings found in the pin dir that still record a mount namespace and were not adopted yet. */
  pinnedRings(): PinnedRing[] {
    return this.core.pinnedRings();
  }

  /**
   * Takes over the pinned ring of a mount namespace, with everything it
   * recorded, also while no process had it; returns a handle like addContainer's.
   */
  adoptContainer(mntns: bigint, nsId?: bigint): number {
    return this.core.adoptContainer(mntns, nsId);
  }

  /** Stops recording now; the ring's memory is given back off the JS thread. */
  removeContainer(handle: number): void {
    this.core.removeContainer(handle);
  }

  snapshot(handle: number): Snapshot {
    const { records: raw, order, ...stats } = this.core.snapshot(handle);
    return snapshotOf(stats, raw, order, indexSnapshot(raw, this.sigreturns, order));
  }

  /** snapshot() that gives the event loop back while it pairs the records (a big ring takes seconds). */
  async snapshotAsync(handle: number): Promise<Snapshot> {
    const { records: raw, order, ...stats } = this.core.snapshot(handle);
    return snapshotOf(stats, raw, order, await indexSnapshotAsync(raw, this.sigreturns, order));
  }

  /**
   * The calls recorded from ring position `from` on (0: the whole ring; else
   * an earlier read's `next`), paired with `before` in front: entry records
   * of calls an earlier read found still running (PairedCalls.entryRecord),
   * so that those which returned since come whole. Only what was written
   * since `from` is copied and paired.
   */
  readFrom(handle: number, from: number, before: readonly Buffer[] = []): { calls: PairedCalls; next: number; stats: RingStats } {
    const { records, order, next, ...stats } = this.core.snapshot(handle, from);
    if (before.length === 0) return { calls: indexSnapshot(records, this.sigreturns, order).calls, next, stats };
    const front = Buffer.concat(before);
    const all = new Uint32Array(before.length + order.length);
    for (let k = 0, off = 0; k < before.length; off += before[k].length, k++) all[k] = off;
    for (let k = 0; k < order.length; k++) all[before.length + k] = front.length + order[k];
    return { calls: indexSnapshot(Buffer.concat([front, records]), this.sigreturns, all).calls, next, stats };
  }

  stats(handle: number): RingStats {
    return this.core.stats(handle);
  }

  /**
   * About how many records a snapshot of the ring would hold now, from its
   * header alone (stats copies the ring): all recorded until it wrapped,
   * then the share of them its bytes still hold.
   */
  heldEstimate(handle: number): number {
    const f = this.core.fill(handle);
    return f.written <= f.ringBytes ? f.recorded : Math.round((f.recorded * f.ringBytes) / f.written);
  }

  /** Records and bytes the ring has written since it was made, and its size, from its header alone. */
  fill(handle: number): RingFill {
    return this.core.fill(handle);
  }

  /** Whether the ring has written more than it holds: its oldest records are overwritten. */
  hasWrapped(handle: number): boolean {
    const f = this.core.fill(handle);
    return f.written > f.ringBytes;
  }

  hostStats() {
    return this.core.hostStats();
  }

  /** Without a pinDir everything goes. With one, pins and rings stay recording unless release is set. */
  close(opts: CloseOptions = {}): void {
    this.core.close({ release: opts.release === true });
  }
}
