/**
 * node dist/bench/start-latency.js: what straceback's hooks add to a
 * container's start. `runc run` of a busybox container running `true`, with
 * the prestart/poststop hooks (against a live daemon) and without, side by
 * side: the two kinds alternate, RUNS of each; p50 and p95 of the wall time.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../recorder/paths';
import { startDaemonProcess, tempDirs } from '../test/lib/daemon';
import { makeBundle, RuncContainer, tempRuncRoot } from '../test/lib/runc';

const RUNS = Number(process.env.RUNS ?? 30);

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function main(): Promise<void> {
  const dirs = tempDirs('sb-bench-start-');
  const daemon = await startDaemonProcess(dirs, ['--no-discover']);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-start-'));
  const root = tempRuncRoot();
  try {
    const hook = path.join(repoRoot(), 'bin', 'straceback-hook');
    const env = [`STRACEBACK_RUN_DIR=${daemon.runDir}`];
    const plain = makeBundle(path.join(work, 'plain'), { args: ['/bin/true'] });
    const hooked = makeBundle(path.join(work, 'hooked'), {
      args: ['/bin/true'],
      hooks: { prestart: [{ path: hook, args: ['straceback-hook', 'prestart'], env }], poststop: [{ path: hook, args: ['straceback-hook', 'poststop'], env }] },
    });
    const times = { without: [] as number[], with: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      for (const kind of ['without', 'with'] as const) {
        const t0 = process.hrtime.bigint();
        const r = await RuncContainer.runForeground(kind === 'with' ? hooked : plain, `start-${kind}-${i}`, { root });
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (r.code !== 0) throw new Error(`runc run (${kind} hooks) exited ${r.code}: ${r.stderr}`);
        times[kind].push(ms);
      }
    }
    const list = JSON.parse(fs.readFileSync(path.join(dirs.stateDir, 'registry.json'), 'utf8')).containers.length;
    process.stdout.write(`runc run of busybox true, ${RUNS} runs each, alternating (${fs.readdirSync(path.join(dirs.stateDir, 'archives')).length} containers archived by the hooks, ${list} left running):\n`);
    for (const kind of ['without', 'with'] as const) {
      process.stdout.write(`  ${kind.padEnd(7)} hooks: p50 ${percentile(times[kind], 50).toFixed(0)} ms, p95 ${percentile(times[kind], 95).toFixed(0)} ms\n`);
    }
    const d50 = percentile(times.with, 50) - percentile(times.without, 50);
    const d95 = percentile(times.with, 95) - percentile(times.without, 95);
    process.stdout.write(`  added by the hooks (prestart + poststop): p50 +${d50.toFixed(0)} ms, p95 +${d95.toFixed(0)} ms\n`);
  } finally {
    await daemon.stop();
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(dirs.root, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
