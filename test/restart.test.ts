/**
 * History that survives the daemon: a container writes a counter every 20 ms
 * while the daemon is stopped (SIGTERM, as `systemctl restart` does) or
 * killed (kill -9) and started again. The rings are pinned in bpffs and keep
 * recording with no daemon; the registry is on disk; the new daemon adopts
 * the ring: the counter runs through before, during and after the gap with
 * no number missing, and nothing is lost.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { connectTracerManager } from '../recorder/daemon/grpc-client';
import { curl, DaemonProcess, sqlite, startDaemonProcess, tempDirs } from './lib/daemon';
import { startWorkload } from './lib/procs';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HAND_OVER = ['--no-discover', '--no-release-on-exit'];

const signalled = (d: DaemonProcess) => new Promise((r) => (d.proc.exitCode !== null || d.proc.signalCode !== null ? r(null) : d.proc.once('close', r)));

async function waitUntil(ok: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; !ok(); await sleep(50)) if (Date.now() > end) throw new Error(`not so after ${ms} ms`);
}

/** The numbers the ticker wrote, in the order the history holds them. */
async function counter(d: DaemonProcess, id: string): Promise<number[]> {
  const r = await curl(d.apiSocket, [`http://localhost/v1/containers/${id}/events?format=ndjson&syscall=write`]);
  if (r.status !== 200) throw new Error(`${id}: ${r.status} ${r.body.toString()}`);
  return r.body
    .toString()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((row) => row.name === 'write')
    .map((row) => Number(/"(\d+)\\n"/.exec(row.args)?.[1]));
}

for (const how of ['SIGTERM', 'SIGKILL'] as const) {
  test.serial(`${how === 'SIGKILL' ? 'kill -9' : 'SIGTERM (systemctl restart)'} of the daemon: the history goes on without a hole`, async (t) => {
    const dirs = tempDirs('sb-restart-');
    let daemon = await startDaemonProcess(dirs, HAND_OVER);
    const w = await startWorkload(['--unshare', 'ticker', '20']);
    try {
      const client = await connectTracerManager(daemon.managerSocket, { deadlineMs: 10_000 });
      await client.addContainer({ id: 'ticker', pid: w.pid, name: 'tick' });
      client.close();
      w.go();
      await sleep(600);
      const before = await counter(daemon, 'ticker');
      t.true(before.length >= 10, `${before.length} writes before`);

      daemon.proc.kill(how);
      await new Promise((r) => daemon.proc.once('close', r));
      // No daemon: the kernel goes on recording into the pinned ring.
      await sleep(1000);
      daemon = await startDaemonProcess(dirs, HAND_OVER);
      t.regex(daemon.log(), /container ticker: ring re-adopted/);
      await sleep(300);

      const info = JSON.parse((await curl(daemon.apiSocket, ['http://localhost/v1/containers/tick'])).body.toString());
      t.is(info.state, 'running');
      t.is(info.lost, 0);
      t.is(info.overwritten, 0);
      const after = await counter(daemon, 'ticker');
      t.deepEqual(after.slice(0, before.length), before, 'what was held before is still there');
      t.true(after.length >= before.length + 40, `the second the daemon was away was recorded (${before.length} -> ${after.length} writes)`);
      t.true(after.every((v, i) => v === i), 'the counter runs from 0 with no number missing');
      t.log(`${how}: ${before.length} writes held before, ${after.length} after the restart, lost ${info.lost}, overwritten ${info.overwritten}`);
      t.is(info.completeSince, JSON.parse((await curl(daemon.apiSocket, ['http://localhost/v1/containers/tick'])).body.toString()).completeSince);
    } finally {
      w.kill();
      await daemon.stop();
      fs.rmSync(dirs.root, { recursive: true, force: true });
    }
  });
}

test.serial('a container that exits while no daemon runs is archived by the next one, with its whole history', async (t) => {
  const dirs = tempDirs('sb-restart-');
  let daemon = await startDaemonProcess(dirs, HAND_OVER);
  const w = await startWorkload(['--unshare', 'getpid', '500']);
  try {
    const client = await connectTracerManager(daemon.managerSocket, { deadlineMs: 10_000 });
    await client.addContainer({ id: 'gone', pid: w.pid });
    client.close();
    daemon.proc.kill('SIGKILL');
    await new Promise((r) => daemon.proc.once('close', r));
    // It runs and exits with no daemon at all.
    w.go();
    await w.done;
    daemon = await startDaemonProcess(dirs, HAND_OVER);
    let info: { state: string; events: number; exitCode: number | null } | undefined;
    for (let i = 0; i < 50 && info?.state !== 'exited'; i++) {
      await sleep(100);
      info = JSON.parse((await curl(daemon.apiSocket, ['http://localhost/v1/containers/gone'])).body.toString());
    }
    t.is(info!.state, 'exited');
    t.is(info!.exitCode, 0, "the exit code from the kernel's record");
    const calls = await curl(daemon.apiSocket, ['http://localhost/v1/containers/gone/events?format=ndjson&syscall=getpid']);
    t.is(calls.body.toString().trim().split('\n').filter((l) => l.includes('"getpid"')).length, 500);
  } finally {
    w.kill();
    await daemon.stop();
    fs.rmSync(dirs.root, { recursive: true, force: true });
  }
});

test.serial('a container archived as the daemon stopped, but still in its registry: the next daemon frees its pinned ring, no recovered- copy', async (t) => {
  const dirs = tempDirs('sb-restart-');
  let daemon = await startDaemonProcess(dirs, HAND_OVER);
  const w = await startWorkload(['--unshare', 'getpid', '200']);
  try {
    const client = await connectTracerManager(daemon.managerSocket, { deadlineMs: 10_000 });
    await client.addContainer({ id: 'both', pid: w.pid });
    client.close();
    w.go();
    await w.done;
    // The archive written, the registry not yet rewritten, then the daemon gone: as when archiving ends
    // between the shutdown's last registry save and the exit.
    const dump = await curl(daemon.apiSocket, ['-X', 'POST', 'http://localhost/v1/containers/both/dump']);
    t.is(dump.status, 200);
    daemon.proc.kill('SIGKILL');
    await signalled(daemon);
    fs.writeFileSync(path.join(dirs.stateDir, 'archives', 'both.db'), dump.body);
    daemon = await startDaemonProcess(dirs, HAND_OVER);
    t.regex(daemon.log(), /container both: archived as the last daemon stopped; its pinned ring is freed/);
    const ids = JSON.parse((await curl(daemon.apiSocket, ['http://localhost/v1/containers'])).body.toString()).containers.map((c: { id: string }) => c.id);
    t.deepEqual(ids, ['both']);
    const metrics = (await curl(daemon.apiSocket, ['http://localhost/metrics'])).body.toString();
    t.regex(metrics, /^straceback_ring_bytes 0$/m, 'no ring left in use');
    const calls = await curl(daemon.apiSocket, ['http://localhost/v1/containers/both/events?format=ndjson&syscall=getpid']);
    t.is(calls.body.toString().trim().split('\n').filter((l) => l.includes('"getpid"')).length, 200, 'the history is the archive');
  } finally {
    w.kill();
    await daemon.stop();
    fs.rmSync(dirs.root, { recursive: true, force: true });
  }
});

(d: DaemonProcess) => new Promise((r) => (d.proc.exitCode !== null || d.proc.signalCode !== null ? r(null) : d.proc.once('close', r)));

for (const how of ['SIGTERM', 'SIGKILL'] as const) {
  const title =
    how === 'SIGTERM'
      ? 'SIGTERM while a big ring is being archived: the next daemon has the whole history, the archive whole, no temp file'
      : "kill -9 while a big ring is being archived: the next daemon archives it at once with the runtime's exit code";
  test.serial(title, async (t) => {
    const dirs = tempDirs('sb-restart-');
    const archives = path.join(dirs.stateDir, 'archives');
    const CALLS = 650_000;
    // The runtime's word wins over the kernel's record (the workload exits 0): 7 shows whose it is.
    const reported = how === 'SIGTERM' ? 0 : 7;
    let daemon = await startDaemonProcess(dirs, HAND_OVER);
    const w = await startWorkload(['--unshare', 'getpid', String(CALLS)]);
    try {
      const client = await connectTracerManager(daemon.managerSocket, { deadlineMs: 10_000 });
      // 64 MiB: the whole run fits, and archiving it takes about as long as the daemon's 2 s grace for
      // calls in flight at shutdown: after SIGTERM the archive may be written before the daemon stops or be
      // left to the next daemon, which adopts the pinned ring. Either way nothing may be lost.
      await client.addContainer({ id: 'big', pid: w.pid, ringBytes: 64 << 20 });
      w.go();
      await w.done;
      const removing = client.removeContainer({ id: 'big', exitCode: reported }).then(() => 'archived', (e: Error) => `cut: ${e.message}`);
      if (how === 'SIGTERM') {
        await sleep(300);
      } else {
        // Killed as soon as the registry on disk says the runtime reported the exit: mid-archive.
        const registry = path.join(dirs.stateDir, 'registry.json');
        for (let i = 0; i < 1000 && !fs.readFileSync(registry, 'utf8').includes('"exitedNs"'); i++) await sleep(5);
      }
      daemon.proc.kill(how);
      await signalled(daemon);
      const firstLog = daemon.log();
      const finished = /calls archived/.test(firstLog);
      t.log(`RemoveContainer: ${await removing}; the first daemon ${finished ? 'finished archiving before it stopped' : 'stopped before the archive was written'}`);
      if (how === 'SIGKILL') t.false(finished, 'killed mid-archive');
      client.close();

      daemon = await startDaemonProcess(dirs, HAND_OVER);
      let info: { state: string; events: number; exitCode: number | null; lost: number } | undefined;
      for (let i = 0; i < 150 && info?.state !== 'exited'; i++) {
        if (i) await sleep(100);
        info = JSON.parse((await curl(daemon.apiSocket, ['http://localhost/v1/containers/big'])).body.toString());
      }
      t.is(info!.state, 'exited');
      t.is(info!.exitCode, reported, "the runtime's exit code, also while the next daemon archives");
      t.is(info!.lost, 0);
      const file = path.join(dirs.root, 'big.db');
      const dump = await curl(daemon.apiSocket, ['-X', 'POST', 'http://localhost/v1/containers/big/dump']);
      t.is(dump.status, 200);
      fs.writeFileSync(file, dump.body);
      t.is(sqlite(file, "SELECT count(*) FROM syscall WHERE name = 'getpid'").trim(), String(CALLS), 'every getpid is held');
      t.is(sqlite(file, 'SELECT state, exit_code FROM container').trim(), `exited|${reported}`);
      // The next daemon archives it without waiting for a RemoveContainer that will not come again.
      await waitUntil(() => finished || /container big exited; \d+ calls archived/.test(daemon.log()), 20_000);
      if (!finished) t.regex(daemon.log(), /container big: it was being archived when the last daemon stopped; archiving it now/);
      t.is(sqlite(path.join(archives, 'big.db'), 'SELECT state, exit_code FROM container').trim(), `exited|${reported}`);
      const ids = JSON.parse((await curl(daemon.apiSocket, ['http://localhost/v1/containers'])).body.toString()).containers.map((c: { id: string }) => c.id);
      t.deepEqual(ids, ['big'], 'one container, no recovered- copy of its ring');
      const left = fs.readdirSync(archives);
      t.deepEqual(left.filter((f) => !f.endsWith('.db')), [], 'no temp file in the archive dir');
      for (const f of left) t.is(sqlite(path.join(archives, f), 'PRAGMA integrity_check').trim(), 'ok', f);
    } finally {
      w.kill();
      await daemon.stop();
      fs.rmSync(dirs.root, { recursive: true, force: true });
    }
  });
}

