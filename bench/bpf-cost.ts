/**
 * node dist/bench/bpf-cost.js: the time straceback's own BPF programs take
 * per call, from the kernel's accounting (kernel.bpf_stats_enabled):
 * run_time_ns / run_cnt of sb_sys_enter and sb_sys_exit over a sysbench run,
 * traced and passive (attached, the process's namespace not registered). Wall-clock timing of whole calls (npm run bench) moves with
 * the machine's other load; this moves much less, so it is the one to
 * compare when the BPF program changes. The programs also run, untraced and
 * cheap, for the host's other syscalls during the run: a small bias, the
 * same on both sides of a change. The stats' own clock reads are included.
 * BENCH_ROUNDS (7) rounds; BENCH_RING_KIB (4096) is the traced ring's size; BENCH_ONLY=TEXT keeps the rows whose label has TEXT.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Recorder } from '../recorder/recorder';
import { BPFTOOL, startWorkload } from '../test/lib/procs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const GETPPID_N = Number(process.env.BENCH_GETPPID_N ?? 1_000_000);
const PREAD_N = Number(process.env.BENCH_PREAD_N ?? 300_000);
/** Ring size of the traced rows (BENCH_RING_KIB, default 4096). */
const RING_BYTES = Number(process.env.BENCH_RING_KIB ?? 4096) * 1024;
const STATS = '/proc/sys/kernel/bpf_stats_enabled';
const PROGS = ['sb_sys_enter', 'sb_sys_exit'] as const;
/** BENCH_ONLY=TEXT: only the rows whose label contains TEXT (e.g. "getppid traced"), for quick comparisons. */
const ONLY = process.env.BENCH_ONLY;

interface ProgStat {
  id: number;
  name: string;
  run_time_ns?: number;
  run_cnt?: number;
}

function progs(): ProgStat[] {
  return JSON.parse(execFileSync(BPFTOOL, ['prog', 'show', '-j']).toString()) as ProgStat[];
}

/** run_time_ns and run_cnt of the given programs, by name. */
function sample(ids: ReadonlyMap<number, string>): Map<string, { ns: number; cnt: number }> {
  const out = new Map<string, { ns: number; cnt: number }>();
  for (const p of progs()) {
    const name = ids.get(p.id);
    if (name) out.set(name, { ns: p.run_time_ns ?? 0, cnt: p.run_cnt ?? 0 });
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** ns per run of each program while sysbench does `args`, traced or not (passive). */
async function run(
  rec: Recorder,
  ids: ReadonlyMap<number, string>,
  args: string[],
  traced: boolean,
): Promise<Record<string, number>> {
  const w = await startWorkload(['--unshare', '--wait', ...args], { program: 'sysbench' });
  const handle = traced ? rec.addContainer(w.mntns, RING_BYTES) : undefined;
  const before = sample(ids);
  w.go();
  const res = await w.done;
  const after = sample(ids);
  if (handle !== undefined) rec.removeContainer(handle);
  if (res.code !== 0) throw new Error(`sysbench ${args.join(' ')}: ${res.stderr}`);
  const out: Record<string, number> = {};
  for (const name of PROGS) {
    const a = after.get(name);
    const b = before.get(name);
    if (!a || !b || a.cnt === b.cnt) throw new Error(`no runs of ${name}`);
    out[name] = (a.ns - b.ns) / (a.cnt - b.cnt);
  }
  return out;
}

async function main(): Promise<void> {
  const file = path.join(os.tmpdir(), `sb-bpfcost-${process.pid}`);
  fs.writeFileSync(file, Buffer.alloc(4096, 7));
  const wasEnabled = fs.readFileSync(STATS, 'utf8').trim();
  fs.writeFileSync(STATS, '1');
  // This recorder's programs: those that appeared with it. Another recorder
  // loaded at the same moment (a test running) makes that ambiguous: try again.
  let rec: Recorder | undefined;
  const ids = new Map<number, string>();
  for (let attempt = 0; attempt < 5 && ids.size !== PROGS.length; attempt++) {
    rec?.close();
    ids.clear();
    const known = new Set(progs().map((p) => p.id));
    rec = new Recorder();
    for (const p of progs()) if (!known.has(p.id) && (PROGS as readonly string[]).includes(p.name)) ids.set(p.id, p.name);
  }
  if (!rec || ids.size !== PROGS.length) throw new Error(`could not tell this recorder's programs from others loaded at the same time`);
  try {
    // Rows: a call, traced or passive (the programs run and find the task's
    // namespace not registered). Interleaved over rounds.
    const rows = [
      { label: 'getppid traced', args: ['getppid', String(GETPPID_N)], traced: true },
      { label: 'pread traced', args: ['pread', String(PREAD_N), file], traced: true },
      { label: 'getppid passive', args: ['getppid', String(GETPPID_N)], traced: false },
      { label: 'pread passive', args: ['pread', String(PREAD_N), file], traced: false },
    ].filter((row) => !ONLY || row.label.includes(ONLY));
    if (!rows.length) throw new Error(`BENCH_ONLY=${ONLY} matches no row`);
    const results = new Map<string, Record<string, number[]>>(rows.map((row) => [row.label, {}]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const row of rows) {
        const got = await run(rec, ids, row.args, row.traced);
        const acc = results.get(row.label)!;
        for (const name of PROGS) (acc[name] ??= []).push(got[name]);
      }
    }
    process.stdout.write(`BPF run time per call (median of ${ROUNDS}; kernel.bpf_stats_enabled)\n`);
    process.stdout.write('| call | sb_sys_enter ns | sb_sys_exit ns | both ns |\n|---|---:|---:|---:|\n');
    for (const row of rows) {
      const acc = results.get(row.label)!;
      const e = median(acc.sb_sys_enter);
      const x = median(acc.sb_sys_exit);
      process.stdout.write(`| ${row.label} | ${e.toFixed(1)} | ${x.toFixed(1)} | ${(e + x).toFixed(1)} |\n`);
    }
  } finally {
    rec.close();
    fs.writeFileSync(STATS, wasEnabled);
    fs.rmSync(file, { force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`bench/bpf-cost: ${(e as Error).message}\n`);
  process.exit(1);
});
