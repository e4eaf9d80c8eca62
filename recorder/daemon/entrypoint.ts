/**
 * What of a ring is a container's when it was added before its entrypoint ran
 * (prestart-like hooks): the calls from its init's first execve on. What the
 * runtime did in the namespace before (pivot_root, mounts, setuid...) is not
 * the container's, nor what the runtime's other threads did while that
 * execve ran: runc init's Go threads go on sleeping and waiting until the
 * exec kills them, and their clock can read the same as the execve's entry,
 * or later.
 */

/** The calls of a snapshot, as PairedCalls gives them. */
export interface CallIndex {
  readonly length: number;
  resumed(i: number): boolean;
  bootNs(i: number): bigint;
  pid(i: number): number;
  tid(i: number): number;
  nr(i: number): number;
  get(i: number): { durNs: bigint | undefined };
}

/** What a registry entry knows of its entrypoint; entrypointCalls fills it in as snapshots show it. */
export interface EntrypointState {
  /** The init process. */
  pid: number;
  /** When the init's first execve entered, once seen (0n: the ring wrapped past it unseen). */
  execBootNs: bigint | null;
  /** That execve's thread, and when it returned (null: still in it). */
  execWindow?: { tid: number; endNs: bigint | null };
}

/**
 * The positions of `calls` that are the container's, or null for all of them.
 * Until the execve is seen nothing is the container's yet, unless the ring
 * already wrapped past it. A call resumed after the cut began before it.
 */
export function entrypointCalls(s: EntrypointState, calls: CallIndex, execNrs: ReadonlySet<number>, wrapped: boolean): number[] | null {
  if (s.execBootNs !== 0n && s.execWindow?.endNs == null) {
    const x = entrypointExec(s, calls, execNrs);
    if (x >= 0) {
      const from = calls.bootNs(x);
      const dur = calls.get(x).durNs;
      s.execBootNs = from;
      s.execWindow = { tid: calls.tid(x), endNs: dur === undefined ? null : from + dur };
    }
  }
  if (s.execBootNs === null) {
    if (!wrapped) return [];
    s.execBootNs = 0n;
  }
  const from = s.execBootNs;
  if (from === 0n) return null;
  const keep: number[] = [];
  for (let i = 0; i < calls.length; i++) {
    if (calls.resumed(i)) continue;
    const ns = calls.bootNs(i);
    if (ns >= from && !doomedByExec(s, calls.pid(i), calls.tid(i), ns)) keep.push(i);
  }
  return keep.length === calls.length ? null : keep;
}

/** The process events that are the container's: from the entrypoint's execve on, less the runtime threads' (doomedByExec). */
export function entrypointEvents<T extends { pid: number; tid: number; bootNs: bigint }>(s: EntrypointState, events: readonly T[]): T[] {
  const from = s.execBootNs;
  return from === null ? [] : events.filter((p) => p.bootNs >= from && !doomedByExec(s, p.pid, p.tid, p.bootNs));
}

/** The position of the init's first execve in `calls` (the one entered at s.execBootNs once that is known), or -1. */
function entrypointExec(s: EntrypointState, calls: CallIndex, execNrs: ReadonlySet<number>): number {
  for (let i = 0; i < calls.length; i++) {
    if (calls.resumed(i) || calls.pid(i) !== s.pid || !execNrs.has(calls.nr(i))) continue;
    if (s.execBootNs === null || calls.bootNs(i) === s.execBootNs) return i;
  }
  return -1;
}

/**
 * An event (a call's entry, a signal, a thread's end) of one of the init's
 * other threads from before its entrypoint's execve returned: the runtime's.
 * Once the execve has returned the init is one thread: any thread after that
 * is the container's.
 */
export function doomedByExec(s: EntrypointState, pid: number, tid: number, ns: bigint): boolean {
  const w = s.execWindow;
  return w !== undefined && pid === s.pid && tid !== w.tid && (w.endNs === null || ns <= w.endNs);
}
