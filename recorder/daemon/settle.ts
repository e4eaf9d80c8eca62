/**
 * Gives memory back once the daemon has been quiet for a while. A burst of
 * work (a thousand containers started and stopped, a dump of a 64 MiB ring)
 * leaves garbage V8 would collect only when it next needs room, and free
 * pages the C heap keeps: RSS stays at the burst's high-water mark. After
 * `quietMs` without new activity the settler runs V8's low-memory
 * collection (a full one that also compacts the heap and shrinks the young
 * generation a burst grew: a plain gc() leaves it at its high-water mark) and
 * gives the C heap's free pages back (malloc_trim), so an idle daemon's RSS
 * comes back down to its working set.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

export interface SettlerOptions {
  /** Monotonic counter of work done (Registry.activity). */
  activity: () => number;
  /** Quiet time after the last activity before settling (default 5000 ms). */
  quietMs?: number;
  /** Gives the C heap's free pages back; true if any were (native trimMemory). */
  trim: () => boolean;
  /** V8's low-memory collection (native lowMemory); without it, a full gc(). */
  lowMemory?: () => void;
}

let fullGc: (() => void) | null | undefined;

/** A full, synchronous garbage collection, when V8 lets us have one. */
function collect(): boolean {
  if (fullGc === undefined) {
    try {
      // The documented way to reach gc() without starting node with --expose-gc.
      v8.setFlagsFromString('--expose-gc');
      fullGc = vm.runInNewContext('gc') as () => void;
    } catch {
      fullGc = null;
    }
  }
  if (!fullGc) return false;
  fullGc();
  return true;
}

export class MemorySettler {
  /** Times memory was settled (straceback_memory_settles_total). */
  settles = 0;
  private seen: number;
  private settledAt: number;
  private changedAt = Date.now();
  private readonly timer: NodeJS.Timeout;
  private readonly quietMs: number;

  constructor(private readonly opts: SettlerOptions) {
    this.quietMs = opts.quietMs ?? 5000;
    this.seen = opts.activity();
    this.settledAt = this.seen;
    this.timer = setInterval(() => this.tick(), Math.max(50, this.quietMs / 4));
    this.timer.unref();
  }

  private tick(): void {
    const now = this.opts.activity();
    if (now !== this.seen) {
      this.seen = now;
      this.changedAt = Date.now();
      return;
    }
    if (now !== this.settledAt && Date.now() - this.changedAt >= this.quietMs) this.settle();
  }

  /** Collects garbage and trims the C heap now. */
  settle(): void {
    this.settledAt = this.opts.activity();
    if (this.opts.lowMemory) this.opts.lowMemory();
    else collect();
    this.opts.trim();
    this.settles++;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
