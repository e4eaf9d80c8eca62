/**
 * Chrome trace-event JSON (the format chrome://tracing and Perfetto UI open):
 * one track per thread named "comm tid", grouped by process, each call a
 * complete ("X") slice with its rendered arguments; failed calls carry the
 * category "failed"; calls still running at the end become slices to the
 * end of the history; resumed calls (entry not recorded) become instants.
 * Signals and thread ends become thread-scoped instants named as strace
 * prints them ("--- SIGSEGV ---", "+++ killed by SIGSEGV +++"), category
 * "signal" or "exit", with the siginfo or the status in their args.
 * https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU (the format)
 */
import { EventRow, HistoryRow, ProcessRow, isProcessRow } from '../rows';

interface TraceEvent {
  name: string;
  ph: 'X' | 'i' | 'M';
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  cat?: string;
  s?: 't';
  args?: Record<string, unknown>;
}

const usSince = (ns: bigint, origin: bigint): number => Number(ns - origin) / 1000;

function processInstant(r: ProcessRow, origin: bigint): TraceEvent {
  const base = { ph: 'i' as const, s: 't' as const, pid: r.pid, tid: r.tid, ts: usSince(r.tsNs, origin) };
  if (r.kind === 'signal') {
    const name = `--- ${r.signame ?? r.signo} ---`;
    return { ...base, name, cat: 'signal', args: { siginfo: r.detail, disposition: r.disposition } };
  }
  const args: Record<string, unknown> = { status: r.detail, last_thread: r.groupDead };
  if (r.exitCode !== null) args.exit_code = r.exitCode;
  if (r.killedBy) args.killed_by = r.killedBy;
  return { ...base, name: `+++ ${r.detail} +++`, cat: 'exit', args };
}

/** Yields the JSON document in chunks. Times are µs from the first event, as the format wants. */
export function* chromeTrace(rows: Iterable<HistoryRow>, meta: Record<string, string> = {}): Iterable<string> {
  const all = [...rows];
  const origin = all.length ? all[0].tsNs : 0n;
  const end = all.reduce((m, r) => {
    const t = r.tsNs + (isProcessRow(r) ? 0n : r.durNs ?? 0n);
    return t > m ? t : m;
  }, origin);
  const threads = new Map<number, { pid: number; comm: string }>();
  const processes = new Map<number, string>();
  // Names from the first row that has one (a resumed call's entry, with the comm, was not recorded).
  for (const r of all) {
    if (!threads.get(r.tid)?.comm) threads.set(r.tid, { pid: r.pid, comm: r.comm });
    if (!processes.get(r.pid) || (r.tid === r.pid && r.comm)) processes.set(r.pid, r.comm || (processes.get(r.pid) ?? ''));
  }
  yield `{"displayTimeUnit":"ns","otherData":${JSON.stringify({ tool: 'straceback', origin_unix_ns: origin.toString(), ...meta })},"traceEvents":[\n`;
  let first = true;
  const emit = (e: TraceEvent): string => {
    const s = (first ? '' : ',\n') + JSON.stringify(e);
    first = false;
    return s;
  };
  let chunk = '';
  for (const [pid, comm] of processes) chunk += emit({ name: 'process_name', ph: 'M', pid, tid: pid, args: { name: `${comm} ${pid}` } });
  for (const [tid, t] of threads) chunk += emit({ name: 'thread_name', ph: 'M', pid: t.pid, tid, args: { name: `${t.comm} ${tid}` } });
  for (const h of all) {
    if (isProcessRow(h)) {
      chunk += emit(processInstant(h, origin));
      continue;
    }
    const r: EventRow = h;
    const args: Record<string, unknown> = { call: `${r.name}(${r.args}${r.unfinished ? '' : ')'}` };
    if (r.ret !== null) args.ret = r.ret.toString();
    if (r.retDetail !== undefined) args.retDetail = r.retDetail;
    if (r.error) args.error = r.error;
    if (r.caps) args.caps = r.caps;
    const cat = r.error ? 'syscall,failed' : 'syscall';
    if (r.resumed) {
      chunk += emit({ name: r.name, ph: 'i', s: 't', cat, pid: r.pid, tid: r.tid, ts: usSince(r.tsNs, origin), args: { ...args, resumed: true } });
    } else {
      const dur = r.durNs ?? end - r.tsNs;
      if (r.unfinished) args.unfinished = true;
      chunk += emit({ name: r.name, ph: 'X', cat, pid: r.pid, tid: r.tid, ts: usSince(r.tsNs, origin), dur: Number(dur) / 1000, args });
    }
    if (chunk.length > 65536) {
      yield chunk;
      chunk = '';
    }
  }
  yield chunk + '\n]}\n';
}
