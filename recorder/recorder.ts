/**
 * The recorder as TypeScript sees it: one kernel recorder, rings keyed by
 * mount namespace, snapshots turned into paired events. Policy (ring sizes,
 * budgets, capture limits) is decided here and passed down.
 */
import fs from 'node:fs';
import { ProcessEvent, SyscallEvent, pairHistory } from './events';
import { NativeRecorder, RingStats, native } from './native';
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
}

export interface Snapshot {
  stats: RingStats;
  records: RawRecord[];
  /** Paired syscalls, time order. */
  events: SyscallEvent[];
  /** Signals acted on and threads ended, time order (events.ts mergeHistory interleaves the two). */
  process: ProcessEvent[];
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

export class Recorder {
  readonly table: SyscallTable;
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
      ...definedOnly({ strMax: opts.strMax, bufMax: opts.bufMax, argvMax: opts.argvMax, argvStrMax: opts.argvStrMax }),
    });
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

  removeContainer(handle: number): void {
    this.core.removeContainer(handle);
  }

  snapshot(handle: number): Snapshot {
    const snap = this.core.snapshot(handle);
    const records = parseRecords(snap.records);
    const { records: _raw, ...stats } = snap;
    const { syscalls, process } = pairHistory(records, this.sigreturns);
    return { stats, records, events: syscalls, process };
  }

  stats(handle: number): RingStats {
    return this.core.stats(handle);
  }

  hostStats() {
    return this.core.hostStats();
  }

  close(): void {
    this.core.close();
  }
}
