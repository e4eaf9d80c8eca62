/**
 * node dist/bench/scale.js: what tracing costs per syscall when 500
 * containers are traced at once, against one. The 499 others are real
 * processes, each in a mount namespace of its own, sleeping (their rings
 * are registered in the same filter and maps). Phases: one container, then
 * 500, then one again (the machine is noisy: the two single phases bracket
 * the loaded one); bare runs are interleaved in every phase.
 */
import { spawn, ChildProcess } from 'node:child_process';
import { Recorder } from '../recorder/recorder';
import { startWorkload } from '../test/lib/procs';

const OTHERS = Number(process.env.SCALE_OTHERS ?? 499);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const GETPPID_N = Number(process.env.BENCH_GETPPID_N ?? 2_000_000);

async function getppidNs(rec?: Recorder): Promise<number> {
  const w = await startWorkload(['--unshare', '--wait', 'getppid', String(GETPPID_N)], { program: 'sysbench' });
  const handle = rec?.addContainer(w.mntns, 1 << 20);
  w.go();
  const res = await w.done;
  if (rec && handle !== undefined) rec.removeContainer(handle);
  const m = /ns_per_call=([0-9.]+)/.exec(res.stdout);
  if (!m) throw new Error(`sysbench: ${res.stdout} ${res.stderr}`);
  return Number(m[1]);
}

function sleeper(): Promise<{ pid: number; proc: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const proc = spawn('unshare', ['-m', '--propagation', 'private', '/bin/sh', '-c', 'echo $$; exec sleep 3600'], { stdio: ['ignore', 'pipe', 'ignore'] });
    proc.stdout!.once('data', (d: Buffer) => resolve({ pid: Number(d.toString().trim()), proc }));
    proc.once('error', reject);
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function phase(name: string, rec: Recorder): Promise<{ bare: number; traced: number }> {
  const bare: number[] = [];
  const traced: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    bare.push(await getppidNs());
    traced.push(await getppidNs(rec));
  }
  const out = { bare: median(bare), traced: median(traced) };
  process.stdout.write(`  ${name}: bare ${out.bare.toFixed(0)} ns, traced ${out.traced.toFixed(0)} ns, overhead ${(out.traced - out.bare).toFixed(0)} ns\n`);
  return out;
}

async function main(): Promise<void> {
  const rec = new Recorder({ ringBytes: 64 << 10, budgetBytes: 512 << 20 });
  const others: Array<{ pid: number; proc: ChildProcess }> = [];
  const handles: number[] = [];
  try {
    process.stdout.write(`straceback scale: getppid x${GETPPID_N}, ${ROUNDS} rounds per phase, 1 vs ${OTHERS + 1} traced containers\n`);
    const one1 = await phase('1 container', rec);
    for (let i = 0; i < OTHERS; i++) others.push(await sleeper());
    const t0 = Date.now();
    for (const o of others) handles.push(rec.addProcess(o.pid, 64 << 10).handle);
    process.stdout.write(`  registered ${OTHERS} more in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    const many = await phase(`${OTHERS + 1} containers`, rec);
    for (const h of handles.splice(0)) rec.removeContainer(h);
    const one2 = await phase('1 container again', rec);
    const oneOver = ((one1.traced - one1.bare) + (one2.traced - one2.bare)) / 2;
    const manyOver = many.traced - many.bare;
    process.stdout.write(`\nper-call overhead, ${OTHERS + 1} traced / 1 traced: ${(manyOver / oneOver).toFixed(2)}× (${manyOver.toFixed(0)} / ${oneOver.toFixed(0)} ns; goal within 10 %)\n`);
  } finally {
    for (const h of handles) rec.removeContainer(h);
    for (const o of others) o.proc.kill('SIGKILL');
    rec.close();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
