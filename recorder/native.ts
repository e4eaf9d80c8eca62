/** The compiled addon (native/addon.cc) and its types. */
import path from 'node:path';
import { repoRoot } from './paths';

export interface RingFill {
  /** Records reserved in the ring since it was made. */
  recorded: number;
  /** Bytes of records written into the ring since it was made (more than ringBytes once it wrapped). */
  written: number;
  ringBytes: number;
}

export interface RingStats {
  /** Records reserved in the ring since it was made. */
  recorded: number;
  /** Records a snapshot finds complete in the ring now. */
  held: number;
  /** Records pushed out of the ring by newer ones (lost from the front, by design). */
  overwritten: number;
  /** Records still being written when the ring was read; the next snapshot has them. */
  pending: number;
  /** Records the kernel side could not write or that failed a sanity check. */
  lost: number;
  ringBytes: number;
  /** The ring's slot among the rings of its size (slots are used again after a ring is freed). */
  slot: number;
  mntns: number;
  createdBootNs: bigint;
  /** Boot-clock ns of the oldest and newest held records (0 when nothing is held). */
  oldestBootNs: bigint;
  newestBootNs: bigint;
}

export interface RingSnapshot extends RingStats {
  /**
   * Raw records (bpf/record.h), 8-byte aligned: of a ring of 4 MiB or more
   * at least half full the copy of the whole ring (records in ring order,
   * with what lies between them), else only the records, in time order.
   */
  records: Buffer;
  /** The offset in records of each record, in time order. */
  order: Uint32Array;
  /** The ring position the next snapshot from here starts at (snapshot(handle, next)): the first record not complete yet, or the head. */
  next: number;
}

export interface HostStats {
  /** Events (syscalls, signals, exits, capability checks) the kernel skipped because a program was already running on that CPU. */
  missed: number;
  /** Rings this process records into (added or adopted). */
  rings: number;
  /** Bytes of the rings that record: this process's and pinned ones not adopted yet. */
  ringBytesInUse: number;
  /**
   * ringBytesInUse + spareBytes + clearingBytes never exceed it. Spares are
   * made only within it and are given up (cleared) when a ring needs their
   * bytes; an add waits for slots being cleared when it needs theirs.
   */
  budgetBytes: number;
  /** Rings of the default size made ahead, already in their outer-map slots: addContainer takes one. */
  spareRings: number;
  spareBytes: number;
  /** Removed rings whose outer-map slots are being cleared off the JS thread. */
  clearingBytes: number;
  /** Rings found in reused pins that were not adopted yet (counted in ringBytesInUse). */
  pinnedRings: number;
  pinnedBytes: number;
  /** Whether the programs and maps are pinned (pinDir). */
  pinned: boolean;
}

/** A ring an earlier process left in the pinned maps, still recording its mount namespace. */
export interface PinnedRing {
  mntns: bigint;
  /** The namespace's never-reused id (0n where the kernel has none). */
  nsId: bigint;
  ringBytes: number;
  /** Set when the ring was made; distinct among the rings of one pin dir. */
  generation: number;
}

export interface NativeRecorderOptions {
  descTable?: Buffer;
  budgetBytes?: number;
  /** The default ring size: spare rings are made of its size class (default 1 MiB). */
  ringBytes?: number;
  /** How many spare rings to keep ready (default 4; 0: none, every add waits for the kernel). */
  spareRings?: number;
  /** Pin programs and maps here (a dir on a BPF filesystem), or reuse what an earlier recorder pinned. */
  pinDir?: string;
  strMax?: number;
  bufMax?: number;
  argvMax?: number;
  argvStrMax?: number;
}

export interface NativeRecorder {
  /** nsId: the namespace's never-reused id (mntnsIdOf), so a namespace that reuses the inode is not recorded. */
  addContainer(mntns: bigint | number, ringBytes: number, nsId?: bigint): number;
  /** Takes over a ring of pinnedRings(); nsId, when given and known on both sides, must match. */
  adoptContainer(mntns: bigint | number, nsId?: bigint): number;
  removeContainer(handle: number): void;
  pinnedRings(): PinnedRing[];
  /** The ring's records (from ring position `from`, an earlier snapshot's next, when given). */
  snapshot(handle: number, from?: number): RingSnapshot;
  stats(handle: number): RingStats;
  /** Records reserved and bytes written since the ring was made, from its header alone (no copy, unlike stats). */
  fill(handle: number): RingFill;
  hostStats(): HostStats;
  /** What the constructor found and fixed in the pin dir (an incompatible or partial set replaced, ...). */
  warnings(): string[];
  /** release: remove the pins too (programs detach, rings are freed); else pinned rings keep recording. */
  close(opts?: { release?: boolean }): void;
}

export interface NativeAddon {
  Recorder: new (opts?: NativeRecorderOptions) => NativeRecorder;
  /** Benchmark only: the empty floor programs, or with helpers the unavoidable helper calls (bpf/floor.bpf.c). */
  Floor: new (opts?: { helpers?: boolean }) => { close(): void };
  clockOffsetNs(): bigint;
  bootTimeNs(): bigint;
  /** NS_GET_MNTNS_ID of a process's mount namespace; 0n where the kernel has no such ids. */
  mntnsIdOf(pid: number): bigint;
  /** Removes a pin dir a recorder left (pins, then the dir); nothing if it does not exist. */
  releasePins(pinDir: string): void;
  /** Gives the C heap's free pages back to the system (malloc_trim); true if any were. */
  trimMemory(): boolean;
  /**
   * V8's low-memory collection (Isolate::LowMemoryNotification): all garbage
   * goes, the heap is compacted and its young generation shrunk to its first size.
   */
  lowMemory(): void;
}

let addon: NativeAddon | undefined;

export function native(): NativeAddon {
  if (!addon) {
    const file = path.join(repoRoot(), 'build', 'Release', 'straceback.node');
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      addon = require(file) as NativeAddon;
    } catch (err) {
      throw new Error(`cannot load the native recorder ${file} (run npm run build): ${(err as Error).message}`);
    }
  }
  return addon;
}

export function gatePath(): string {
  return path.join(repoRoot(), 'build', 'Release', 'sb-gate');
}
