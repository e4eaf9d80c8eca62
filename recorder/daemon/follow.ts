/**
 * A live tail's reader of one container's ring. Each read() gives the calls
 * recorded since the one before (the whole ring the first time), and the
 * calls that were still running then, whole now if they returned meanwhile:
 * their entry records are kept between reads and paired in front of the new
 * records. A tail so copies, pairs and decodes only what is new; taking a
 * snapshot of the whole ring every 100 ms kept a core busy for as long as
 * one followed a busy container with a 64 MiB ring.
 *
 * Calls are numbered (seq) in the order they are first seen: by their place
 * in the ring the first time, then on from there. A call still running keeps
 * its number until it returns.
 */
import { PairedCalls } from '../events';
import { Recorder } from '../recorder';

interface Running {
  /** Its entry record (PairedCalls.entryRecord). */
  rec: Buffer;
  seq: number;
  /** Ring position of the read that first found it running. */
  at: number;
}

export interface FollowedCalls {
  calls: PairedCalls;
  /** Each call's seq. */
  seqs: number[];
  /** Whether call i was found running at an earlier read (sent now only if it has returned). */
  wasRunning(i: number): boolean;
}

export class RingFollower {
  private pos = 0;
  private seq = 0;
  private running = new Map<string, Running>();

  constructor(
    private readonly recorder: Recorder,
    private readonly handle: number,
    private readonly ringBytes: number,
  ) {}

  /**
   * The calls since the last read. `select` picks those that are the
   * container's (the registry's entrypoint cut) before they are numbered.
   */
  read(select: (calls: PairedCalls) => PairedCalls = (c) => c): FollowedCalls {
    const before = [...this.running.values()];
    const got = this.recorder.readFrom(this.handle, this.pos, before.map((r) => r.rec));
    const calls = select(got.calls);
    const kept = this.running;
    this.running = new Map();
    const seqs = new Array<number>(calls.length);
    const was = new Uint8Array(calls.length);
    for (let i = 0; i < calls.length; i++) {
      const key = calls.resumed(i) ? null : `${calls.bootNs(i)}/${calls.tid(i)}`;
      const k = key === null ? undefined : kept.get(key);
      seqs[i] = k ? k.seq : ++this.seq;
      if (k) was[i] = 1;
      // A call still running is kept for the next read, until the ring has written as much as it holds
      // since it was first seen: a snapshot of the whole ring would not hold it any more either.
      if (key !== null && calls.unfinished(i) && got.next - (k?.at ?? got.next) <= this.ringBytes) {
        this.running.set(key, { rec: k?.rec ?? calls.entryRecord(i)!, seq: seqs[i], at: k?.at ?? got.next });
      }
    }
    this.pos = got.next;
    return { calls, seqs, wasRunning: (i) => was[i] === 1 };
  }

  /** Keys (`bootNs/tid`) of the calls running at the last read. */
  runningKeys(): Set<string> {
    return new Set(this.running.keys());
  }
}
