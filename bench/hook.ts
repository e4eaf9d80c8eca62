/**
 * node dist/bench/hook.js: what straceback-hook adds to every container
 * start. Runs, interleaved round by round so a busy machine slows every
 * command alike, `node -e 0` (the floor: any Node program costs this) and
 * the hook against a live daemon:
 *   - poststop of an unknown id: a full gRPC round trip (NOT_FOUND), no container;
 *   - prestart AddContainer of a real sleeping process in its own mount
 *     namespace (removed again with DELETE between runs, untimed);
 * both through the launcher bin/straceback-hook and as `node dist/hooks/hook.js`;
 * and, for scale, `node -e "require('node:http2')"`: what loading node:http2
 * alone would add (the hook speaks HTTP/2 on node:net instead).
 * Prints mean and median wall times and the ratio hook / node (goal <= 1.3).
 *
 * BENCH_RUNS (default 40) rounds; BENCH_HOOK_NODE_ARGS adds node flags to the
 * direct runs (e.g. "--jitless") to try them.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { curl, startDaemonProcess, tempDirs } from '../test/lib/daemon';
import { repoRoot, startWorkload } from '../test/lib/procs';

const RUNS = Number(process.env.BENCH_RUNS ?? 40);
const WARMUP = 3;
const EXTRA_NODE_ARGS = (process.env.BENCH_HOOK_NODE_ARGS ?? '').split(' ').filter(Boolean);

interface Command {
  label: string;
  file: string;
  args: string[];
  input: string;
  /** Untimed, before each run. */
  prepare?: () => Promise<void>;
  /** What a correct run writes to stderr (checked on every run). */
  stderr: RegExp;
  times: number[];
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const dirs = tempDirs('sb-bench-hook-');
  const daemon = await startDaemonProcess(dirs, ['--no-discover']);
  const sleeper = await startWorkload(['--unshare', 'sleep', '600000']);
  try {
    const root = repoRoot();
    const launcher = path.join(root, 'bin', 'straceback-hook');
    const script = path.join(root, 'dist', 'hooks', 'hook.js');
    const env = ['--run-dir', dirs.runDir, '--no-kmsg'];
    const unknown = JSON.stringify({ ociVersion: '1.0.2', id: 'bench-unknown', status: 'stopped', pid: 0, bundle: '' });
    const id = 'bench-add';
    const add = JSON.stringify({ ociVersion: '1.0.2', id, status: 'creating', pid: sleeper.pid, bundle: '' });
    const removeAdded = async (): Promise<void> => {
      const r = await curl(daemon.apiSocket, ['-X', 'DELETE', `http://localhost/v1/containers/${id}`]);
      if (r.status !== 204 && r.status !== 404) throw new Error(`DELETE ${id}: ${r.status} ${r.body}`);
    };
    const notFound = /^straceback-hook: poststop of container bench-unknown: the daemon answered NOT_FOUND/;
    const commands: Command[] = [
      { label: 'node -e 0', file: process.execPath, args: ['-e', '0'], input: unknown, stderr: /^$/, times: [] },
      { label: `node -e "require('node:http2')"`, file: process.execPath, args: ['-e', "require('node:http2')"], input: unknown, stderr: /^$/, times: [] },
      { label: 'straceback-hook poststop, unknown id (NOT_FOUND)', file: launcher, args: ['poststop', ...env], input: unknown, stderr: notFound, times: [] },
      { label: 'node dist/hooks/hook.js poststop, unknown id', file: process.execPath, args: [...EXTRA_NODE_ARGS, script, 'poststop', ...env], input: unknown, stderr: notFound, times: [] },
      { label: 'straceback-hook prestart, AddContainer of a live process', file: launcher, args: ['prestart', ...env], input: add, prepare: removeAdded, stderr: /^$/, times: [] },
      { label: 'node dist/hooks/hook.js prestart, AddContainer', file: process.execPath, args: [...EXTRA_NODE_ARGS, script, 'prestart', ...env], input: add, prepare: removeAdded, stderr: /^$/, times: [] },
    ];

    for (let round = 0; round < WARMUP + RUNS; round++) {
      // Rotate the order so no command always runs right after the same one.
      for (let k = 0; k < commands.length; k++) {
        const c = commands[(k + round) % commands.length];
        await c.prepare?.();
        const t0 = process.hrtime.bigint();
        const r = spawnSync(c.file, c.args, { input: c.input, encoding: 'utf8' });
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (r.status !== 0 || !c.stderr.test(r.stderr)) {
          throw new Error(`${c.label}: exit ${r.status} ${r.signal ?? ''} stderr ${JSON.stringify(r.stderr)}`);
        }
        if (round >= WARMUP) c.times.push(ms);
      }
      const added = await curl(daemon.apiSocket, [`http://localhost/v1/containers/${id}`]);
      if (added.status !== 200) throw new Error(`the hook did not register ${id}: ${added.status} ${added.body}`);
    }

    const floor = mean(commands[0].times);
    const floorMedian = median(commands[0].times);
    console.log(`straceback-hook start-up, ${RUNS} interleaved rounds (${WARMUP} warm-up), node ${process.version}${EXTRA_NODE_ARGS.length ? `, direct runs with ${EXTRA_NODE_ARGS.join(' ')}` : ''}`);
    console.log('| command | mean ms | median ms | min ms | mean / node -e 0 | median / node -e 0 |');
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const c of commands) {
      const m = mean(c.times);
      const md = median(c.times);
      console.log(`| ${c.label} | ${m.toFixed(1)} | ${md.toFixed(1)} | ${Math.min(...c.times).toFixed(1)} | ${(m / floor).toFixed(2)} | ${(md / floorMedian).toFixed(2)} |`);
    }
  } finally {
    sleeper.kill();
    await sleeper.done;
    await daemon.stop();
    fs.rmSync(dirs.root, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
