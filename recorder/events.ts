/**
 * Pairs each syscall's entry with its exit. A call whose exit was not
 * recorded (still blocked, or the process died in it) is marked unfinished;
 * an exit whose entry was overwritten or came before recording began is
 * marked resumed, as strace marks calls it attached in the middle of.
 */
import { KIND_ENTER, RawItem, RawRecord } from './records';

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
}

/**
 * resumesAny: syscalls whose exit carries another number (rt_sigreturn's
 * exit reports the syscall it restores), paired with the next exit of the thread.
 */
export function pairRecords(records: RawRecord[], resumesAny: ReadonlySet<number> = new Set()): SyscallEvent[] {
  const out: SyscallEvent[] = [];
  const open = new Map<number, SyscallEvent>();
  const pidOf = new Map<number, { pid: number; comm: string }>();
  for (const r of records) {
    if (r.kind === KIND_ENTER) {
      pidOf.set(r.tid, { pid: r.pid, comm: r.comm });
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
      continue;
    }
    const ev = open.get(r.tid);
    if (ev && (ev.nr === r.nr || resumesAny.has(ev.nr))) {
      open.delete(r.tid);
      ev.durNs = r.bootNs - ev.bootNs;
      ev.ret = r.ret;
      ev.unfinished = false;
      if (r.items.length) ev.items = ev.items.length ? ev.items.concat(r.items) : r.items;
      continue;
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
  }
  return out;
}
