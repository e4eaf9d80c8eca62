/**
 * kill -9 of the daemon at random moments while it archives a container or
 * serves a dump, 20 times: afterwards every archive opens and passes
 * PRAGMA integrity_check, no partial file is left, and the restarted daemon
 * serves all of them. (Archives and dumps are written to a temp file, fsynced
 * and renamed: whole or absent.)
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { connectTracerManager } from '../recorder/daemon/grpc-client';
import { curl, DaemonProcess, sqlite, startDaemonProcess, tempDirs } from './lib/daemon';
import { rng } from './lib/fuzz';
import { startWorkload } from './lib/procs';

const ROUNDS = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


async function killHard(d: DaemonProcess): Promise<void> {
  d.proc.kill('SIGKILL');
  await d.stop();
}

test(`kill -9 during archiving and during dumps, ${ROUNDS} times: every archive whole`, async (t) => {
  const dirs = tempDirs('sb-kill9-');
  const rand = rng(0x5eed).int;
  const archives = path.join(dirs.stateDir, 'archives');
  let killedMidway = 0;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const daemon = await startDaemonProcess(dirs, ['--no-discover']);
      const client = await connectTracerManager(daemon.managerSocket, { deadlineMs: 20_000 });
      // A container with a big history to archive: 30,000 calls in a 4 MiB ring, long enough to write
      // that about half the kills below (up to 400 ms later) land in the middle of it.
      const w = await startWorkload(['--unshare', 'getpid', '30000']);
      const id = `kill9-${round}`;
      await client.addContainer({ id, pid: w.pid, ringBytes: 4 << 20 });
      w.go();
      await w.done;
      const during = round % 2 === 0 ? 'archiving' : 'a dump';
      const work =
        during === 'archiving'
          ? client.removeContainer({ id, exitCode: 0 }).then(() => 'done', () => 'cut')
          : curl(daemon.apiSocket, ['-X', 'POST', `http://localhost/v1/containers/${id}/dump`]).then((r) => (r.status === 200 ? 'done' : 'cut'), () => 'cut');
      await sleep(rand(400));
      await killHard(daemon);
      client.close();
      if ((await work) === 'cut') killedMidway++;
      for (const f of fs.existsSync(archives) ? fs.readdirSync(archives) : []) {
        if (!f.endsWith('.db')) continue;
        t.is(sqlite(path.join(archives, f), 'PRAGMA integrity_check').trim(), 'ok', `round ${round} (${during}): ${f}`);
      }
    }
    t.log(`${killedMidway} of ${ROUNDS} kills cut the work short; the others came after it had finished`);
    t.true(killedMidway > 0, 'some kills did land in the middle');
    // A daemon started on what is left serves every archive, and no partial file remains.
    const daemon = await startDaemonProcess(dirs, ['--no-discover']);
    try {
      const left = fs.readdirSync(archives);
      t.deepEqual(left.filter((f) => !f.endsWith('.db')), [], 'no temp files left after a restart');
      for (const f of left) {
        const id = f.replace(/\.db$/, '');
        const r = await curl(daemon.apiSocket, [`http://localhost/v1/containers/${id}`]);
        t.is(r.status, 200, `${id} is served`);
        const info = JSON.parse(r.body.toString());
        t.is(info.state, 'exited');
        t.true(info.events >= 8000, `${id}: the whole history (${info.events} calls)`);
      }
      t.log(`${left.length} archives, all whole`);
    } finally {
      await daemon.stop();
    }
  } finally {
    fs.rmSync(dirs.root, { recursive: true, force: true });
  }
});
