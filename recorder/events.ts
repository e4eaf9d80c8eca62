/**
 * Pairs each syscall's entry with its exit. A call whose exit was not
 * recorded (still blocked, or the process died in it) is marked unfinished;
 * an exit whose entry was overwritten or came before recording began is
 * marked resumed, as strace marks calls it attached in the middle of.
 *
 * The same walk collects the process events (signals acted on, threads
 * ending) and hangs each refused capability on the call its thread was in.
 */
import { KIND_CAP, KIND_ENTER, KIND_EXIT, KIND_SIGNAL, KIND_TASK_EXIT, RawItem, RawRecord, scanRecords } from './records';

export interface SyscallEvent {
  /** CLOCK_BOOTTIME ns at entry (at exit for a resumed call). */
  bootNs: bigint;
  /** Exit minus entry, undefined if either side is missing. */
  durNs: bigint | undefined;
  cpu: number;
  pid: number;
  tid: number;
  comm: string;
  nr: number;
  args: bigint[];
  /** Undefined while unfinished. */
  ret: bigint | undefined;
  items: RawItem[];
  /** The exit was not recorded. */
  unfinished: boolean;
  /** The entry was not recorded. */
  resumed: boolean;
  /** Capabilities (CAP_* numbers) the kernel refused while the call ran, first refusal first, no repeats. */
  caps?: number[];
}

interface ProcessEventBase {
  /** CLOCK_BOOTTIME ns. */
  bootNs: bigint;
  cpu: number;
  pid: number;
  tid: number;
  comm: string;
}

/** A signal the thread acted on: ran its handler, took the default action or ignored it. */
export interface SignalEvent extends ProcessEventBase {
  type: 'signal';
  signo: number;
  /** The siginfo's first bytes (records.ts SIGINFO_BYTES). */
  info: Buffer;
  /** 0 SIG_DFL, 1 SIG_IGN, else the handler's address. */
  handler: bigint;
  saFlags: bigint;
}

/** A thread that ended. */
export interface ExitEvent extends ProcessEventBase {
  type: 'exit';
  /** The wait status it left: (code & 0xff) << 8 for an exit, the signal (| 0x80 if a core was dumped) for a kill. */
  status: number;
  /** The process's last thread: its status is the process's. */
  groupDead: boolean;
}

export type ProcessEvent = SignalEvent | ExitEvent;

/** One entry of a thread's or container's history, in time order. */
export type HistoryEvent = SyscallEvent | ProcessEvent;

export function isProcessEvent(e: HistoryEvent): e is ProcessEvent {
  return (e as ProcessEvent).type !== undefined;
}

export interface PairedHistory {
  /** Syscalls, in time order (of entry; of exit for resumed calls). */
  syscalls: SyscallEvent[];
  /** Signals and thread exits, in time order. */
  process: ProcessEvent[];
}

/**
 * The syscalls and process events in one time-ordered list (a syscall before
 * a process event of the same nanosecond). No copy when there are no
 * process events.
 */
export function mergeHistory(syscalls: SyscallEvent[], process: ProcessEvent[]): HistoryEvent[] {
  if (process.length === 0) return syscalls;
  const out: HistoryEvent[] = [];
  let j = 0;
  for (const ev of syscalls) {
    while (j < process.length && process[j].bootNs < ev.bootNs) out.push(process[j++]);
    out.push(ev);
  }
  while (j < process.length) out.push(process[j++]);
  return out;
}

/**
 * resumesAny: syscalls whose exit carries another number (rt_sigreturn's
 * exit reports the syscall it restores), paired with the next exit of the thread.
 */
export function pairRecords(records: RawRecord[], resumesAny: ReadonlySet<number> = new Set()): SyscallEvent[] {
  return pairHistory(records, resumesAny).syscalls;
}

/** pairRecords, plus the process events of the same records. */
export function pairHistory(records: RawRecord[], resumesAny: ReadonlySet<number> = new Set()): PairedHistory {
  const pair = pairer(resumesAny);
  for (const r of records) pair.add(r);
  return pair.history;
}

/** pairHistory straight from a snapshot's record buffer, without building the records (records.ts scanRecords). */
export function pairSnapshot(buf: Buffer, resumesAny: ReadonlySet<number> = new Set()): PairedHistory {
  const pair = pairer(resumesAny);
  scanRecords(buf, pair.add);
  return pair.history;
}

/**
 * pairSnapshot that gives the event loop back after every `sliceBytes` of
 * records, so a daemon pairing a big ring keeps answering meanwhile.
 */
export async function pairSnapshotAsync(buf: Buffer, resumesAny: ReadonlySet<number> = new Set(), sliceBytes = 2 << 20): Promise<PairedHistory> {
  const pair = pairer(resumesAny);
  let off = 0;
  while (off < buf.length) {
    const next = scanRecords(buf, pair.add, off, off + sliceBytes);
    if (next === off) break; // only a partial header left
    off = next;
    if (off < buf.length) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return pair.history;
}

/** Pairs records given one at a time, in time order; keeps nothing of a record but its args, items and values. */
function pairer(resumesAny: ReadonlySet<number>): { add: (r: RawRecord) => void; history: PairedHistory } {
  const out: SyscallEvent[] = [];
  const process: ProcessEvent[] = [];
  const open = new Map<number, SyscallEvent>();
  const pidOf = new Map<number, { pid: number; comm: string }>();
  const add = (r: RawRecord): void => {
    if (r.kind !== KIND_ENTER && r.kind !== KIND_EXIT) {
      processRecord(r, open, pidOf, process);
      return;
    }
    if (r.kind === KIND_ENTER) {
      const known = pidOf.get(r.tid);
      if (!known || known.pid !== r.pid || known.comm !== r.comm) pidOf.set(r.tid, { pid: r.pid, comm: r.comm });
      const ev: SyscallEvent = {
        bootNs: r.bootNs,
        durNs: undefined,
        cpu: r.cpu,
        pid: r.pid,
        tid: r.tid,
        comm: r.comm,
        nr: r.nr,
        args: r.args,
        ret: undefined,
        items: r.items,
        unfinished: true,
        resumed: false,
      };
      // The previous call of this thread never returned (e.g. exit_group).
      open.set(r.tid, ev);
      out.push(ev);
      return;
    }
    const ev = open.get(r.tid);
    if (ev && (ev.nr === r.nr || resumesAny.has(ev.nr))) {
      open.delete(r.tid);
      ev.durNs = r.bootNs - ev.bootNs;
      ev.ret = r.ret;
      ev.unfinished = false;
      if (r.items.length) ev.items = ev.items.length ? ev.items.concat(r.items) : r.items;
      return;
    }
    const who = pidOf.get(r.tid);
    out.push({
      bootNs: r.bootNs,
      durNs: undefined,
      cpu: r.cpu,
      pid: who?.pid ?? r.tid,
      tid: r.tid,
      comm: who?.comm ?? '',
      nr: r.nr,
      args: [],
      ret: r.ret,
      items: r.items,
      unfinished: false,
      resumed: true,
    });
  };
  return { add, history: { syscalls: out, process } };
}

/** A signal, thread exit or refused capability: the open calls and thread names it touches, and the event it makes. */
function processRecord(
  r: RawRecord,
  open: Map<number, SyscallEvent>,
  pidOf: Map<number, { pid: number; comm: string }>,
  process: ProcessEvent[],
): void {
  if (r.kind === KIND_CAP) {
    // A refusal outside any recorded call (say, before the ring saw the entry) has nothing to annotate.
    const ev = open.get(r.tid);
    if (ev && r.cap !== undefined) {
      if (!ev.caps) ev.caps = [r.cap];
      else if (!ev.caps.includes(r.cap)) ev.caps.push(r.cap);
    }
    return;
  }
  const base = { bootNs: r.bootNs, cpu: r.cpu, pid: r.pid, tid: r.tid, comm: r.comm };
  if (r.kind === KIND_SIGNAL && r.signal) {
    pidOf.set(r.tid, { pid: r.pid, comm: r.comm });
    process.push({ type: 'signal', ...base, signo: r.signal.signo, info: r.signal.info, handler: r.signal.handler, saFlags: r.signal.saFlags });
  } else if (r.kind === KIND_TASK_EXIT) {
    // The thread is gone: a later thread that gets its tid starts afresh.
    open.delete(r.tid);
    pidOf.delete(r.tid);
    process.push({ type: 'exit', ...base, status: r.exitCode ?? 0, groupDead: r.groupDead ?? false });
  }
}
