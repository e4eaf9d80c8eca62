/**
 * node dist/bench/bpf-cost.js: the time straceback's own BPF programs take
 * per call, from the kernel's accounting (kernel.bpf_stats_enabled):
 * run_time_ns / run_cnt of sb_sys_enter and sb_sys_exit over a sysbench run,
 * traced and passive (attached, the process's namespace not registered). Wall-clock timing of whole calls (npm run bench) moves with
 * the machine's other load; this moves much less, so it is the one to
 * compare when the BPF program changes. The programs also run, untraced and
 * cheap, for the host's other syscalls during the run: a small bias, the
 * same on both sides of a change. The stats' own clock reads are included.
 * The "helpers" rows time, the same way, bpf/floor.bpf.c's sb_helpers_*
 * programs: only the helper calls straceback cannot do without (a clock read
 * at entry and at exit, one read of user memory at pread's exit, of the path
 * at openat's entry), so what a traced call costs beyond them is what
 * straceback's own work costs.
 * BENCH_ROUNDS (7) rounds; BENCH_RING_KIB (4096) is the traced ring's size; BENCH_ONLY=TEXT keeps the rows whose label has TEXT.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { native } from '../recorder/native';
import { Recorder } from '../recorder/recorder';
import { BPFTOOL, startWorkload } from '../test/lib/procs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const GETPPID_N = Number(process.env.BENCH_GETPPID_N ?? 1_000_000);
const PREAD_N = Number(process.env.BENCH_PREAD_N ?? 300_000);
const OPEN_N = Number(process.env.BENCH_OPEN_N ?? 300_000);
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

type Mode = 'traced' | 'passive' | 'helpers';
const HELPERS = ['sb_helpers_enter', 'sb_helpers_exit'] as const;

/** The ids of the programs named `names` that `load` makes appear, with what it returned. */
function loadWithIds<T>(names: readonly string[], load: () => T): { value: T; ids: Map<number, string> } {
  const known = new Set(progs().map((p) => p.id));
  const value = load();
  const ids = new Map<number, string>();
  for (const p of progs()) if (!known.has(p.id) && names.includes(p.name)) ids.set(p.id, p.name);
  return { value, ids };
}

/** ns per run of the enter and exit programs while sysbench does `args`. */
async function run(rec: Recorder, recIds: ReadonlyMap<number, string>, args: string[], mode: Mode): Promise<[number, number]> {
  const w = await startWorkload(['--unshare', '--wait', ...args], { program: 'sysbench' });
  let floor: { close(): void } | undefined;
  let handle: number | undefined;
  try {
    let ids = recIds;
    let names: readonly string[] = PROGS;
    if (mode === 'helpers') {
      const got = loadWithIds(HELPERS, () => new (native().Floor)({ helpers: true }));
      floor = got.value;
      ids = got.ids;
      names = HELPERS;
      if (ids.size !== names.length) throw new Error('could not find the sb_helpers programs just loaded');
    }
    if (mode === 'traced') handle = rec.addContainer(w.mntns, RING_BYTES);
    const before = sample(ids);
    w.go();
    const res = await w.done;
    const after = sample(ids);
    if (res.code !== 0) throw new Error(`sysbench ${args.join(' ')}: ${res.stderr}`);
    return names.map((name) => {
      const a = after.get(name);
      const b = before.get(name);
      if (!a || !b || a.cnt === b.cnt) throw new Error(`no runs of ${name}`);
      return (a.ns - b.ns) / (a.cnt - b.cnt);
    }) as [number, number];
  } finally {
    if (handle !== undefined) rec.removeContainer(handle);
    floor?.close();
    w.kill();
  }
}

async function main(): Promise<void> {
  const file = path.join(os.tmpdir(), `sb-bpfcost-${process.pid}`);
  fs.writeFileSync(file, Buffer.alloc(4096, 7));
  const wasEnabled = fs.readFileSync(STATS, 'utf8').trim();
  let rec: Recorder | undefined;
  try {
    fs.writeFileSync(STATS, '1');
    // This recorder's programs: those that appeared with it. Another recorder
    // loaded at the same moment (a test running) makes that ambiguous: try again.
    let ids = new Map<number, string>();
    for (let attempt = 0; attempt < 5 && ids.size !== PROGS.length; attempt++) {
      rec?.close();
      const got = loadWithIds(PROGS, () => new Recorder());
      rec = got.value;
      ids = got.ids;
    }
    if (!rec || ids.size !== PROGS.length) throw new Error(`could not tell this recorder's programs from others loaded at the same time`);
    // Rows: a call traced, passive (the programs run and find the task's
    // namespace not registered), or under the helpers programs. Interleaved over rounds.
    const calls = ['getppid', 'pread', 'open'] as const;
    const rows = calls
      .flatMap((call) =>
        (['traced', 'helpers', 'passive'] as Mode[]).map((mode) => ({
          label: `${call} ${mode}`,
          args: call === 'getppid' ? ['getppid', String(GETPPID_N)] : call === 'pread' ? ['pread', String(PREAD_N), file] : ['open', String(OPEN_N)],
          mode,
        })),
      )
      .filter((row) => !ONLY || row.label.includes(ONLY));
    if (!rows.length) throw new Error(`BENCH_ONLY=${ONLY} matches no row`);
    const results = new Map<string, [number[], number[]]>(rows.map((row) => [row.label, [[], []]]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const row of rows) {
        const [e, x] = await run(rec, ids, row.args, row.mode);
        const acc = results.get(row.label)!;
        acc[0].push(e);
        acc[1].push(x);
      }
    }
    process.stdout.write(`BPF run time per call (median of ${ROUNDS}; kernel.bpf_stats_enabled)\n`);
    process.stdout.write('| call | enter ns | exit ns | both ns |\n|---|---:|---:|---:|\n');
    const both = new Map<string, number>();
    for (const row of rows) {
      const [es, xs] = results.get(row.label)!;
      const e = median(es);
      const x = median(xs);
      both.set(row.label, e + x);
      process.stdout.write(`| ${row.label} | ${e.toFixed(1)} | ${x.toFixed(1)} | ${(e + x).toFixed(1)} |\n`);
    }
    // The stats' own clock reads and the programs' entry are in every row: passive is the zero.
    for (const call of calls) {
      const t = both.get(`${call} traced`);
      const h = both.get(`${call} helpers`);
      const p = both.get(`${call} passive`);
      if (t === undefined || h === undefined || p === undefined) continue;
      process.stdout.write(
        `${call}: traced ${(t - p).toFixed(0)} ns over passive, of which the unavoidable helper calls ${(h - p).toFixed(0)} ns; straceback's own work ${(t - h).toFixed(0)} ns\n`,
      );
    }
  } finally {
    rec?.close();
    fs.writeFileSync(STATS, wasEnabled);
    fs.rmSync(file, { force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`bench/bpf-cost: ${(e as Error).message}\n`);
  process.exit(1);
});
