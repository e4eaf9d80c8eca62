/**
 * 1000 container start/stop cycles through the real hook program (prestart,
 * then poststop), each container a real process in a mount namespace of its
 * own: the daemon's file descriptors, the host's BPF maps and the daemon's
 * RSS come back to where they were, and a second round of as many cycles
 * leaves them where the first did. The figures are printed. CYCLES=N
 * changes the count.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../recorder/paths';
import { curl, DaemonProcess, startDaemonProcess, tempDirs } from './lib/daemon';
import { MapCensus, mapCensus, openFdCount, rssBytes, statusBytes, strayMaps } from './lib/procs';

const CYCLES = Number(process.env.CYCLES ?? 1000);
const PARALLEL = 4;
const WARMUP = 200;
const HOOK = path.join(repoRoot(), 'bin', 'straceback-hook');

function hook(stage: string, state: object, runDir: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(HOOK, [stage], { env: { PATH: process.env.PATH, STRACEBACK_RUN_DIR: runDir }, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stderr }));
    p.stdin.end(JSON.stringify(state));
  });
}

/** A "container": a process in a new mount namespace, up until killed. */
function startContainer(): Promise<{ pid: number; stop(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const p = spawn('unshare', ['-m', '--propagation', 'private', '/bin/sh', '-c', 'echo $$; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const closed = new Promise<void>((r) => p.once('close', () => r()));
    p.stdout.once('data', (d: Buffer) => {
      const pid = Number(d.toString().trim());
      resolve({
        pid,
        async stop() {
          p.kill('SIGKILL');
          await closed;
        },
      });
    });
    p.once('error', reject);
  });
}

const MiB = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

/** A number of the daemon's /metrics. */
async function metric(daemon: DaemonProcess, name: string): Promise<number> {
  const text = (await curl(daemon.apiSocket, ['http://localhost/metrics'])).body.toString();
  const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
  if (!m) throw new Error(`${name} not in /metrics`);
  return Number(m[1]);
}

interface Level {
  fds: number;
  maps: MapCensus;
  rss: number;
  anon: number;
  heapUsed: number;
  heapTotal: number;
}

/**
 * The daemon's open fd count once it holds still: the server side of the
 * connection that just asked for a metric is closed a moment after curl has
 * its answer. A leaked fd stays, so a count steady over half a second tells.
 */
async function steadyFdCount(pid: number): Promise<number> {
  let last = openFdCount(pid);
  for (let same = 0, i = 0; same < 5 && i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const now = openFdCount(pid);
    same = now === last ? same + 1 : 0;
    last = now;
  }
  return last;
}

/**
 * The daemon's level once it has settled: after the work just done it waits
 * for the quiet spell (--settle-after) to pass and the daemon to collect its
 * garbage and give free memory back, as an idle daemon on a host does.
 */
async function settledLevel(daemon: DaemonProcess): Promise<Level> {
  const pid = daemon.proc.pid!;
  const settles = await metric(daemon, 'straceback_memory_settles_total');
  for (let i = 0; i < 100 && (await metric(daemon, 'straceback_memory_settles_total')) <= settles; i++) await new Promise((r) => setTimeout(r, 200));
  return {
    fds: await steadyFdCount(pid),
    maps: await mapCensus(pid),
    rss: rssBytes(pid),
    anon: statusBytes('RssAnon', pid),
    heapUsed: await metric(daemon, 'nodejs_heap_size_used_bytes'),
    heapTotal: await metric(daemon, 'nodejs_heap_size_total_bytes'),
  };
}

function levels(before: Level, after: Level): string {
  return (
    `daemon fds ${before.fds} -> ${after.fds}; BPF maps held ${before.maps.held.size} -> ${after.maps.held.size} (host ${before.maps.host.size} -> ${after.maps.host.size}); ` +
    `daemon RSS ${MiB(before.rss)} -> ${MiB(after.rss)} (anonymous ${MiB(before.anon)} -> ${MiB(after.anon)}; V8 heap in use ${MiB(before.heapUsed)} -> ${MiB(after.heapUsed)}, reserved ${MiB(before.heapTotal)} -> ${MiB(after.heapTotal)})`
  );
}

/**
 * What the RSS may be above its starting level after a settle: JIT code and
 * what the allocators keep (see README; 2.5 MiB here after 1000 cycles).
 */
const RSS_SLACK = 6 * 1048576;
/**
 * What a second round of as many cycles may add: allocator and JIT noise only
 * (2000 cycles here: +2.0, +2.1, +1.8 MiB at 1000, 1500, 2000; a CI run:
 * +2.1 MiB with the V8 heap in use 0.1 MiB lower). A leak of 4 KiB per cycle
 * still shows; the heap in use is held to 1 MiB on its own.
 */
const RSS_FLAT = 4 * 1048576;

test.serial(`${CYCLES} start/stop cycles through the hooks: fds, BPF maps and RSS come back, and stay back ${CYCLES} cycles more`, async (t) => {
  t.timeout(20 * 60_000);
  const dirs = tempDirs('sb-cycles-');
  // Archives are kept small by retention, as on a busy host.
  const daemon = await startDaemonProcess(dirs, ['--no-discover', '--ring-size', '64K', '--retention', '20M', '--settle-after', '1s']);
  let failures = 0;
  const cycle = async (i: number) => {
    const c = await startContainer();
    const id = `cycle-${i}`;
    const add = await hook('prestart', { ociVersion: '1.0.2', id, status: 'created', pid: c.pid, bundle: '' }, daemon.runDir);
    await c.stop();
    const rm = await hook('poststop', { ociVersion: '1.0.2', id, status: 'stopped', bundle: '' }, daemon.runDir);
    if (add.code !== 0 || rm.code !== 0 || add.stderr || rm.stderr) {
      failures++;
      if (failures < 5) t.log(`cycle ${i}: prestart ${add.code} ${add.stderr} poststop ${rm.code} ${rm.stderr}`);
    }
  };
  const run = async (from: number, to: number) => {
    let next = from;
    await Promise.all(Array.from({ length: PARALLEL }, async () => {
      while (next < to) await cycle(next++);
    }));
  };
  try {
    // Warm up (code paths, allocator, SQLite) before taking the baseline, and
    // until retention holds as many exited containers as it will (about 160
    // with 20 MB): from there on the registry's data stops growing.
    await run(0, WARMUP);
    const before = await settledLevel(daemon);
    const started = Date.now();
    await run(WARMUP, WARMUP + CYCLES);
    const secs = (Date.now() - started) / 1000;
    const after = await settledLevel(daemon);
    // As many again: what the first round left (JIT code, allocator pools) must not grow with the cycles.
    await run(WARMUP + CYCLES, WARMUP + 2 * CYCLES);
    const again = await settledLevel(daemon);
    const list = JSON.parse((await curl(daemon.apiSocket, ['http://localhost/v1/containers'])).body.toString()).containers;
    t.log(`${CYCLES} cycles in ${secs.toFixed(1)} s (${(secs / CYCLES * 1000).toFixed(0)} ms per cycle, ${PARALLEL} at a time)`);
    t.log(`after ${CYCLES}: ` + levels(before, after));
    t.log(`after ${CYCLES} more: ` + levels(after, again));
    t.log(`containers listed: ${list.length} (running ${list.filter((c: { state: string }) => c.state === 'running').length})`);
    t.is(failures, 0, 'every hook call succeeded silently');
    t.is(list.filter((c: { state: string }) => c.state === 'running').length, 0, 'every container was archived');
    t.is(after.fds, before.fds, 'no file descriptor leaked');
    t.deepEqual(await strayMaps(before.maps, daemon.proc.pid), [], 'every ring map was freed');
    t.is(after.maps.held.size, before.maps.held.size, 'the daemon holds as many maps as before');
    t.true(after.heapUsed < before.heapUsed + 2 * 1048576, `the V8 heap in use is back: ${MiB(before.heapUsed)} -> ${MiB(after.heapUsed)}`);
    t.true(after.rss < before.rss + RSS_SLACK, `RSS is back near its level: ${MiB(before.rss)} -> ${MiB(after.rss)}`);
    t.is(again.fds, before.fds, 'no file descriptor leaked in the second round');
    t.deepEqual(await strayMaps(after.maps, daemon.proc.pid), [], 'every ring map was freed in the second round');
    t.is(again.maps.held.size, before.maps.held.size, 'the daemon holds as many maps as before after the second round');
    t.true(again.heapUsed < after.heapUsed + 1048576, `the second round left the heap in use where it was: ${MiB(after.heapUsed)} -> ${MiB(again.heapUsed)}`);
    t.true(again.rss < after.rss + RSS_FLAT, `the second round left RSS where it was: ${MiB(after.rss)} -> ${MiB(again.rss)}`);
  } finally {
    await daemon.stop();
    fs.rmSync(dirs.root, { recursive: true, force: true });
  }
});

test.serial('200 runc containers in a row with the hooks: all recorded, all archived, nothing left behind', async (t) => {
  const { makeBundle, RuncContainer, tempRuncRoot } = await import('./lib/runc');
  const dirs = tempDirs('sb-200-');
  const daemon = await startDaemonProcess(dirs, ['--no-discover', '--ring-size', '64K', '--settle-after', '1s']);
  const root = tempRuncRoot();
  const env = [`STRACEBACK_RUN_DIR=${daemon.runDir}`];
  const bundle = makeBundle(path.join(dirs.root, 'bundle'), {
    args: ['/bin/sh', '-c', 'cat /etc/hostname > /dev/null'],
    hooks: { prestart: [{ path: HOOK, args: ['straceback-hook', 'prestart'], env }], poststop: [{ path: HOOK, args: ['straceback-hook', 'poststop'], env }] },
  });
  const N = Number(process.env.CONTAINERS ?? 200);
  try {
    let before: Level | undefined;
    let half: Level | undefined;
    for (let i = 0; i < N + 5; i++) {
      // The first five warm up; the baseline is taken after them.
      if (i === 5) before = await settledLevel(daemon);
      if (i === 5 + Math.floor(N / 2)) half = await settledLevel(daemon);
      const r = await RuncContainer.runForeground(bundle, `c200-${i}`, { root });
      if (r.code !== 0) t.fail(`container ${i}: exit ${r.code}: ${r.stderr}`);
    }
    const after = await settledLevel(daemon);
    if (!before || !half) throw new Error('no baseline');
    const list = JSON.parse((await curl(daemon.apiSocket, ['http://localhost/v1/containers'])).body.toString()).containers as Array<{ id: string; state: string; events: number }>;
    t.log('first half: ' + levels(before, half));
    t.log('second half: ' + levels(half, after));
    t.is(list.length, N + 5);
    t.deepEqual(list.filter((c) => c.state !== 'exited').map((c) => c.id), [], 'all archived at poststop');
    t.deepEqual(list.filter((c) => c.events < 3).map((c) => c.id), [], 'all recorded');
    t.is(after.fds, before.fds, 'no file descriptor left behind');
    t.deepEqual(await strayMaps(before.maps, daemon.proc.pid), [], 'no BPF map left behind');
    t.is(after.maps.held.size, before.maps.held.size, 'the daemon holds as many maps as before');
    t.true(after.heapUsed < before.heapUsed + 2 * 1048576, `the V8 heap in use is back: ${MiB(before.heapUsed)} -> ${MiB(after.heapUsed)}`);
    // The first hundred containers warm the daemon up: here its RSS grew by
    // 4-6 MiB in them, most of it a malloc arena of another thread that
    // malloc_trim leaves and that does not grow again (second halves: +0.6
    // to +2.2 MiB, the registry of exited containers included). A leak of a
    // ring's 64 KiB, or 40 KiB, per container shows in the second half.
    t.true(after.rss < half.rss + RSS_FLAT, `the second half of the containers left RSS where the first did: ${MiB(half.rss)} -> ${MiB(after.rss)}`);
  } finally {
    await daemon.stop();
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(dirs.root, { recursive: true, force: true });
  }
});
