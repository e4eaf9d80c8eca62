/**
 * Load: 500 processes, each in a mount namespace of its own, traced at once
 * by one real daemon; all of them recorded; 20 dumps at the same time while
 * they run, each whole (the counter each process writes has no hole).
 * (The per-call overhead with 500 traced containers against one is measured
 * by `node dist/bench/scale.js`, not here.)
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { connectTracerManager } from '../recorder/daemon/grpc-client';
import { curl, sqlite, startDaemonProcess, tempDirs } from './lib/daemon';
import { startWorkload, Workload } from './lib/procs';

const N = Number(process.env.LOAD_CONTAINERS ?? 500);
const DUMPS = 20;

test(`${N} containers traced at once, all recorded; ${DUMPS} concurrent dumps while they run`, async (t) => {
  const dirs = tempDirs('sb-load-');
  const daemon = await startDaemonProcess(dirs, ['--no-discover', '--ring-size', '64K', '--ring-budget', '256M', '--max-containers', '1024']);
  const client = await connectTracerManager(daemon.managerSocket, { deadlineMs: 60_000 });
  const ws: Workload[] = [];
  try {
    const t0 = Date.now();
    // Each writes 0, 1, 2... to /dev/null every 200 ms, forever.
    for (let i = 0; i < N; i += 25) {
      ws.push(...(await Promise.all(Array.from({ length: Math.min(25, N - i) }, () => startWorkload(['--unshare', 'ticker', '200'])))));
    }
    const t1 = Date.now();
    for (let i = 0; i < N; i++) await client.addContainer({ id: `load-${i}`, pid: ws[i].pid });
    const t2 = Date.now();
    for (const w of ws) w.go();
    t.log(`${N} processes started in ${((t1 - t0) / 1000).toFixed(1)} s, registered in ${((t2 - t1) / 1000).toFixed(1)} s (${((t2 - t1) / N).toFixed(1)} ms each)`);
    await new Promise((r) => setTimeout(r, 2000));

    const list = JSON.parse((await curl(daemon.apiSocket, ['http://localhost/v1/containers'])).body.toString()).containers as Array<{ id: string; events: number; lost: number; state: string }>;
    t.is(list.length, N);
    const silent = list.filter((c) => c.state !== 'running' || c.events < 2);
    t.deepEqual(silent.map((c) => c.id), [], 'every container is running and recorded');
    t.is(list.reduce((n, c) => n + c.lost, 0), 0, 'nothing lost');

    // 20 dumps at once, of 20 different containers, while all 500 keep running.
    const picked = Array.from({ length: DUMPS }, (_, k) => Math.floor((k * N) / DUMPS));
    const d0 = Date.now();
    const dumps = await Promise.all(picked.map((i) => curl(daemon.apiSocket, ['-X', 'POST', `http://localhost/v1/containers/load-${i}/dump`], 120_000)));
    t.log(`${DUMPS} concurrent dumps in ${((Date.now() - d0) / 1000).toFixed(1)} s`);
    for (const [k, r] of dumps.entries()) {
      t.is(r.status, 200, `dump of load-${picked[k]}`);
      const file = path.join(dirs.root, `load-${picked[k]}.db`);
      fs.writeFileSync(file, r.body);
      // The counter's writes, in order, with no number missing.
      const written = sqlite(file, "SELECT args FROM syscall WHERE name = 'write' ORDER BY id")
        .trim()
        .split('\n')
        .map((a) => Number(/"(\d+)\\n"/.exec(a)?.[1]));
      t.true(written.length >= 5, `load-${picked[k]}: ${written.length} writes`);
      t.true(written.every((v, j) => j === 0 || v === written[j - 1] + 1), `load-${picked[k]}: the counter has no hole`);
    }
    t.is((await curl(daemon.apiSocket, ['http://localhost/healthz'])).status, 200);
  } finally {
    for (const w of ws) w.kill();
    client.close();
    await daemon.stop();
    fs.rmSync(dirs.root, { recursive: true, force: true });
  }
});
