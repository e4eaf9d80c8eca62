/**
 * How a container ended, from its own history: the thread-group exit of its
 * init process (the container's first pid), as the kernel recorded it.
 * Pure function; the registry and the dump call it.
 */
import { HistoryRow, ProcessRow, isProcessRow } from './rows';

export interface ContainerEnding {
  /** The exit status when init exited; null when it was killed. */
  exitCode: number | null;
  /** The signal that killed init (SIGSEGV); null when it exited. */
  signal: string | null;
  signo: number | null;
  coreDumped: boolean;
  /** What a runtime reports as the container's exit code: the status, or 128 + the signal. */
  runtimeExitCode: number;
  /** strace's words: "exited with 3", "killed by SIGSEGV (core dumped)". */
  text: string;
  /** Unix epoch ns of the exit. */
  tsNs: bigint;
}

/**
 * The ending of the process initPid (a host pid, as rows carry them): its
 * last thread's exit row, or null if the history holds none (the container
 * still runs, or the exit was not recorded). Rows of any kind and order may
 * be given; syscall rows are skipped.
 */
export function containerEnding(rows: Iterable<HistoryRow | ProcessRow>, initPid: number): ContainerEnding | null {
  let last: ProcessRow | undefined;
  for (const r of rows) {
    if (!isProcessRow(r) || r.kind !== 'exit' || !r.groupDead || r.pid !== initPid) continue;
    // Kernels without sched_process_exit's group_dead may flag two threads that ended together: keep the later.
    if (!last || r.tsNs >= last.tsNs) last = r;
  }
  if (!last) return null;
  const signo = last.signo;
  return {
    exitCode: last.exitCode,
    signal: last.killedBy,
    signo,
    coreDumped: last.coreDumped,
    runtimeExitCode: signo === null ? last.exitCode ?? 0 : 128 + signo,
    text: last.detail,
    tsNs: last.tsNs,
  };
}
