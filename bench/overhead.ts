/**
 * npm run bench: what recording costs, side by side in one run.
 * Per syscall: getppid (the cheapest call) and 4 KiB pread of a cached file,
 * for bare, the floor (empty programs on the same tracepoints), helpers (the
 * floor plus only the helper calls a recorder of timed calls with data cannot
 * do without: a clock read at entry and at exit, one read of pread's buffer;
 * bpf/floor.bpf.c), straceback attached but the process not traced (passive),
 * traced, and strace -f.
 * Configurations are interleaved over rounds and the median is kept, since
 * this machine is noisy. Also: history depth per MiB of ring.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { native } from '../recorder/native';
import { Recorder } from '../recorder/recorder';
import { helperBin, startWorkload } from '../test/lib/procs';

type Config = 'bare' | 'floor' | 'helpers' | 'passive' | 'traced' | 'strace -f';
const CONFIGS: Config[] = ['bare', 'floor', 'helpers', 'passive', 'traced', 'strace -f'];

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const GETPPID_N = Number(process.env.BENCH_GETPPID_N ?? 2_000_000);
const PREAD_N = Number(process.env.BENCH_PREAD_N ?? 400_000);
const STRACE_DIVISOR = 50;

interface Sample {
  getppidNs: number;
  preadNs: number;
  preadMiBs: number;
}

function parse(out: string, key: string): number {
  const m = new RegExp(`${key}=([0-9.]+)`).exec(out);
  if (!m) throw new Error(`no ${key} in: ${out}`);
  return Number(m[1]);
}

async function sysbench(args: string[], rec?: Recorder): Promise<string> {
  const w = await startWorkload(['--unshare', '--wait', ...args], { program: 'sysbench' });
  let handle: number | undefined;
  if (rec) handle = rec.addContainer(w.mntns, 1 << 20);
  w.go();
  const res = await w.done;
  if (rec && handle !== undefined) rec.removeContainer(handle);
  if (res.code !== 0) throw new Error(`sysbench ${args.join(' ')}: ${res.stderr}`);
  return res.stdout;
}

async function measure(config: Config, file: string): Promise<Sample> {
  if (config === 'strace -f') {
    const run = (args: string[]) =>
      execFileSync('strace', ['-f', '-o', '/dev/null', helperBin('sysbench'), ...args]).toString();
    const g = run(['getppid', String(GETPPID_N / STRACE_DIVISOR)]);
    const p = run(['pread', String(PREAD_N / STRACE_DIVISOR), file]);
    return { getppidNs: parse(g, 'ns_per_call'), preadNs: parse(p, 'ns_per_call'), preadMiBs: parse(p, 'mib_per_s') };
  }
  let floor: { close(): void } | undefined;
  let rec: Recorder | undefined;
  let other: number | undefined;
  if (config === 'floor' || config === 'helpers') floor = new (native().Floor)({ helpers: config === 'helpers' });
  if (config === 'passive' || config === 'traced') {
    rec = new Recorder();
    // Some other container is registered, so the filter is not empty.
    other = rec.addContainer(0xf0000000n + 65000n, 1 << 20);
  }
  try {
    const traced = config === 'traced' ? rec : undefined;
    const g = await sysbench(['getppid', String(GETPPID_N)], traced);
    const p = await sysbench(['pread', String(PREAD_N), file], traced);
    return { getppidNs: parse(g, 'ns_per_call'), preadNs: parse(p, 'ns_per_call'), preadMiBs: parse(p, 'mib_per_s') };
  } finally {
    if (rec && other !== undefined) rec.removeContainer(other);
    rec?.close();
    floor?.close();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Calls (entry + exit) a 1 MiB ring holds when a process only calls getpid. */
async function historyDepthPerMiB(): Promise<number> {
  const rec = new Recorder();
  try {
    const w = await startWorkload(['--unshare', 'getpid', '200000']);
    const { handle } = rec.addProcess(w.pid, 1 << 20);
    w.go();
    await w.done;
    const s = rec.stats(handle);
    return Math.floor(s.held / 2);
  } finally {
    rec.close();
  }
}

const fmt = (v: number, digits = 0) => v.toFixed(digits);

async function main(): Promise<void> {
  const file = path.join(os.tmpdir(), `sb-bench-${process.pid}`);
  fs.writeFileSync(file, Buffer.alloc(4096, 7));
  const samples = new Map<Config, Sample[]>(CONFIGS.map((c) => [c, []]));
  process.stdout.write(`straceback overhead: ${ROUNDS} rounds, getppid x${GETPPID_N}, pread 4 KiB x${PREAD_N} (strace: /${STRACE_DIVISOR})\n`);
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of CONFIGS) samples.get(c)!.push(await measure(c, file));
    process.stdout.write(`  round ${r + 1}/${ROUNDS} done\n`);
  }
  fs.rmSync(file, { force: true });

  const med = (c: Config, k: keyof Sample) => median(samples.get(c)!.map((s) => s[k]));
  const bareG = med('bare', 'getppidNs');
  const bareP = med('bare', 'preadNs');
  const floorOverG = med('floor', 'getppidNs') - bareG;
  const floorOverP = med('floor', 'preadNs') - bareP;
  const rows = CONFIGS.map((c) => {
    const g = med(c, 'getppidNs');
    const p = med(c, 'preadNs');
    return {
      c,
      g,
      gOver: g - bareG,
      gX: c === 'bare' ? NaN : (g - bareG) / floorOverG,
      p,
      mibs: med(c, 'preadMiBs'),
      pOver: p - bareP,
      pX: c === 'bare' ? NaN : (p - bareP) / floorOverP,
    };
  });
  const header = '| setup | getppid ns/call | overhead ns | × floor overhead | pread 4K ns/call | MiB/s | overhead ns | × floor overhead |';
  const lines = [header, '|---|---:|---:|---:|---:|---:|---:|---:|'];
  for (const r of rows) {
    const x = (v: number) => (Number.isFinite(v) ? fmt(v, 2) : '—');
    lines.push(`| ${r.c} | ${fmt(r.g)} | ${r.c === 'bare' ? '—' : fmt(r.gOver)} | ${x(r.gX)} | ${fmt(r.p)} | ${fmt(r.mibs)} | ${r.c === 'bare' ? '—' : fmt(r.pOver)} | ${x(r.pX)} |`);
  }
  const row = (c: Config) => rows.find((r) => r.c === c)!;
  const depth = await historyDepthPerMiB();
  lines.push('');
  lines.push(`passive overhead / floor overhead: getppid ${fmt(row('passive').gX, 2)}×, pread ${fmt(row('passive').pX, 2)}× (goal ≤ 1.25×)`);
  lines.push(`traced overhead / floor overhead:  getppid ${fmt(row('traced').gX, 2)}×, pread ${fmt(row('traced').pX, 2)}× (goal ≤ 2×)`);
  lines.push(`helpers overhead / floor overhead: getppid ${fmt(row('helpers').gX, 2)}×, pread ${fmt(row('helpers').pX, 2)}× (the clock and user-memory reads alone)`);
  lines.push(`traced per-call cost / strace -f:  getppid ${fmt(row('traced').gOver / row('strace -f').gOver, 4)}, pread ${fmt(row('traced').pOver / row('strace -f').pOver, 4)} (goal ≤ 0.01)`);
  lines.push(`traced / bare pread throughput:    ${fmt(row('traced').mibs / row('bare').mibs, 2)} (traceloop published 0.55–0.67)`);
  lines.push(`history depth: ${depth} getpid calls (entry + exit) per MiB of ring (goal ≥ 10,000; Inspektor Gadget's 160-byte records: ~3,300)`);
  process.stdout.write('\n' + lines.join('\n') + '\n');
}

main().catch((err) => {
  process.stderr.write(`bench: ${(err as Error).stack}\n`);
  process.exit(1);
});
