/**
 * node dist/bench/render.js: how fast recorded history turns into strace
 * text. One run of test/helpers/bin/syscalls80 is recorded (real events:
 * files, sockets, signals, processes, execve of /bin/true); its calls are
 * repeated into a history of BENCH_RENDER_N (default 1,000,000) calls, then
 * rendered with renderEvent (decoding of every argument and the return value,
 * time, cpu, pid and comm prefix, duration) and, separately, renderArgs alone.
 * Prints lines per second (median of BENCH_RENDER_ROUNDS rounds, default 5).
 * Needs root (it loads the recorder's BPF programs).
 */
import { SyscallEvent } from '../recorder/events';
import { Recorder } from '../recorder/recorder';
import { renderArgs, renderEvent } from '../recorder/render';
import { startWorkload } from '../test/lib/procs';
import { median } from './fixtures';

const N = Number(process.env.BENCH_RENDER_N ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_RENDER_ROUNDS ?? 5);
const GOAL = 1_000_000;

async function recordOnce(rec: Recorder): Promise<SyscallEvent[]> {
  const w = await startWorkload(['--unshare'], { program: 'syscalls80' });
  const { handle } = rec.addProcess(w.pid);
  w.go();
  const res = await w.done;
  if (res.code !== 0) throw new Error(`syscalls80 failed: ${res.stderr}`);
  const events = rec.snapshot(handle).events;
  rec.removeContainer(handle);
  return events;
}

/** The recorded calls repeated to n, times moved on so the history runs forward like a real one. */
function history(base: SyscallEvent[], n: number): SyscallEvent[] {
  const span = base[base.length - 1].bootNs - base[0].bootNs + 1000n;
  const out: SyscallEvent[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const rep = Math.floor(i / base.length);
    const ev = base[i % base.length];
    out[i] = rep === 0 ? ev : { ...ev, bootNs: ev.bootNs + span * BigInt(rep) };
  }
  return out;
}

async function main(): Promise<void> {
  const rec = new Recorder({ ringBytes: 4 << 20 });
  let base: SyscallEvent[];
  try {
    base = await recordOnce(rec);
  } finally {
    rec.close();
  }
  const table = rec.table;
  const events = history(base, N);
  const opts = { wallOffsetNs: 1_700_000_000_000_000_000n, stringLimit: 32 };
  const names = new Set(base.map((e) => table.byNr[e.nr]?.name ?? e.nr));
  console.log(`history: ${N} calls from ${base.length} recorded (${names.size} different syscalls)`);

  // Warm the JIT up on a tenth of the history before timing.
  for (let i = 0; i < events.length / 10; i++) renderEvent(events[i], table, opts);

  const lineRates: number[] = [];
  const argRates: number[] = [];
  let bytes = 0;
  for (let r = 0; r < ROUNDS; r++) {
    let t0 = process.hrtime.bigint();
    let len = 0;
    for (let i = 0; i < events.length; i++) len += renderEvent(events[i], table, opts).length;
    let s = Number(process.hrtime.bigint() - t0) / 1e9;
    lineRates.push(events.length / s);
    bytes = len;

    t0 = process.hrtime.bigint();
    len = 0;
    for (let i = 0; i < events.length; i++) {
      const ev = events[i];
      len += renderArgs(ev, table.byNr[ev.nr], 32, table.arch).length;
    }
    s = Number(process.hrtime.bigint() - t0) / 1e9;
    argRates.push(events.length / s);
  }
  const lines = median(lineRates);
  const args = median(argRates);
  const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');
  console.log(
    `renderEvent (whole line): ${fmt(lines)} lines/s (median of ${ROUNDS} rounds, range ${fmt(Math.min(...lineRates))}..${fmt(Math.max(...lineRates))}; ${(bytes / N).toFixed(0)} bytes/line)`,
  );
  console.log(`renderArgs (arguments only): ${Math.round(args).toLocaleString('en-US')} calls/s`);
  console.log(`goal >= ${GOAL.toLocaleString('en-US')} lines/s: ${lines >= GOAL ? 'met' : 'not met'}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
