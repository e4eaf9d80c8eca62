/**
 * node dist/bench/daemon.js: the daemon at scale. RSS idle and with N
 * registered containers (real processes, each in its own mount namespace),
 * and how long `straceback list` and GET /v1/containers take then.
 */
import { spawnSync } from 'node:child_process';
import { curlDump, CurlDump, median } from './fixtures';
import fs from 'node:fs';
import path from 'node:path';
import { connectTracerManager } from '../recorder/daemon/grpc-client';
import { cli, curl, startDaemonProcess, tempDirs } from '../test/lib/daemon';
import { startWorkload, Workload } from '../test/lib/procs';

const N = Number(process.env.BENCH_CONTAINERS ?? 1000);

/** RSS, and the part of it that is anonymous (the daemon's own memory) vs shared (ring pages it has read). */
function rssMiB(pid: number): string {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) / 1024;
  return `${kb('VmRSS').toFixed(1)} MiB (anon ${kb('RssAnon').toFixed(1)}, shared ${(kb('RssFile') + kb('RssShmem')).toFixed(1)})`;
}

async function main(): Promise<void> {
  const dirs = tempDirs('sb-bench-daemon-');
  const daemon = await startDaemonProcess(dirs, ['--ring-size', '256K', '--ring-budget', `${Math.ceil((N * 300) / 1024) + 64}M`, '--max-containers', String(N + 10)]);
  const workloads: Workload[] = [];
  try {
    await new Promise((r) => setTimeout(r, 500));
    const idle = rssMiB(daemon.proc.pid!);
    const client = await connectTracerManager(daemon.managerSocket, { deadlineMs: 30_000 });
    const t0 = Date.now();
    for (let i = 0; i < N; i++) {
      const w = await startWorkload(['--unshare', 'sleep', '600000']);
      workloads.push(w);
      await client.addContainer({ id: `bench-${i}`, pid: w.pid });
    }
    const addMs = (Date.now() - t0) / N;
    client.close();
    const loaded = rssMiB(daemon.proc.pid!);
    const listTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const s = process.hrtime.bigint();
      const r = spawnSync(cli(), ['list', '--run-dir', dirs.runDir], { encoding: 'utf8', maxBuffer: 64 << 20 });
      listTimes.push(Number(process.hrtime.bigint() - s) / 1e6);
      if (r.status !== 0 || r.stdout.trim().split('\n').length !== N + 1) throw new Error(`list failed: ${r.stderr}`);
    }
    const apiTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const s = process.hrtime.bigint();
      const r = await curl(daemon.apiSocket, ['http://localhost/v1/containers']);
      apiTimes.push(Number(process.hrtime.bigint() - s) / 1e6);
      if (r.status !== 200) throw new Error('GET /v1/containers failed');
    }
    const afterList = rssMiB(daemon.proc.pid!);
    for (const w of workloads.splice(0)) w.kill();

    // End to end: a full 64 MiB ring, dumped over the socket into a file at the client, while recording goes on.
    const busy = await startWorkload(['--unshare', 'counter', '0']);
    workloads.push(busy);
    const c2 = await connectTracerManager(daemon.managerSocket, { deadlineMs: 30_000 });
    await c2.addContainer({ id: 'bench-dump', pid: busy.pid, ringBytes: 64 << 20 });
    c2.close();
    busy.go();
    await new Promise((r) => setTimeout(r, 4000));
    const dumpRuns: CurlDump[] = [];
    for (let i = 0; i < 3; i++) dumpRuns.push(await curlDump(daemon.apiSocket, 'bench-dump', path.join(dirs.root, `dump-${i}.db`)));
    const d = dumpRuns.sort((a, b) => a.ms - b.ms)[1];
    console.log(`| measure | value |\n|---|---:|`);
    console.log(`| daemon RSS idle | ${idle} |`);
    console.log(`| daemon RSS with ${N} containers registered | ${loaded} |`);
    console.log(`| daemon RSS after listing them 10 times | ${afterList} |`);
    console.log(`| AddContainer (gRPC, incl. starting the process) | ${addMs.toFixed(1)} ms each |`);
    console.log(`| straceback list, ${N} containers (median of 5, incl. node start) | ${median(listTimes).toFixed(0)} ms |`);
    console.log(`| GET /v1/containers, ${N} containers (median of 5) | ${median(apiTimes).toFixed(0)} ms |`);
    console.log(`| dump end to end: full 64 MiB ring -> SQLite file at the client (median of 3) | ${d.events} calls in ${d.ms.toFixed(0)} ms = ${Math.round((d.events / d.ms) * 1000).toLocaleString('en')} calls/s (first byte after ${d.firstByteMs.toFixed(0)} ms) |`);
  } finally {
    for (const w of workloads) w.kill();
    await Promise.all(workloads.map((w) => w.done));
    await daemon.stop();
    fs.rmSync(dirs.root, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
