/** The compiled addon (native/addon.cc) and its types. */
import path from 'node:path';
import { repoRoot } from './paths';

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
  mntns: number;
  createdBootNs: bigint;
  /** Boot-clock ns of the oldest and newest held records (0 when nothing is held). */
  oldestBootNs: bigint;
  newestBootNs: bigint;
}

export interface RingSnapshot extends RingStats {
  /** Raw records (bpf/record.h), in time order, each padded to 8 bytes. */
  records: Buffer;
}

export interface HostStats {
  /** Events (syscalls, signals, exits, capability checks) the kernel skipped because a program was already running on that CPU. */
  missed: number;
  rings: number;
  ringBytesInUse: number;
  budgetBytes: number;
}

export interface NativeRecorderOptions {
  descTable?: Buffer;
  budgetBytes?: number;
  strMax?: number;
  bufMax?: number;
  argvMax?: number;
  argvStrMax?: number;
}

export interface NativeRecorder {
  /** nsId: the namespace's never-reused id (mntnsIdOf), so a namespace that reuses the inode is not recorded. */
  addContainer(mntns: bigint | number, ringBytes: number, nsId?: bigint): number;
  removeContainer(handle: number): void;
  snapshot(handle: number): RingSnapshot;
  stats(handle: number): RingStats;
  hostStats(): HostStats;
  close(): void;
}

export interface NativeAddon {
  Recorder: new (opts?: NativeRecorderOptions) => NativeRecorder;
  Floor: new () => { close(): void };
  clockOffsetNs(): bigint;
  bootTimeNs(): bigint;
  /** NS_GET_MNTNS_ID of a process's mount namespace; 0n where the kernel has no such ids. */
  mntnsIdOf(pid: number): bigint;
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
