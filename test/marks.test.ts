/**
 * Which tasks the kernel side records. The syscall programs look up the
 * mount namespace only of tasks that carry a mark (bpf/straceback.bpf.c):
 * tasks made in a registered namespace are marked as they are made, tasks
 * already there when it is registered by a scan over every task, and tasks
 * that move in or out with setns or unshare when that call returns. These
 * tests check each way in and out on the real kernel, and that a mark left
 * behind never writes into another container's ring.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SyscallEvent } from '../recorder/events';
import { Recorder } from '../recorder/recorder';
import { startWorkload } from './lib/procs';
import { makeBundle, RUNC, RuncContainer, uniqueId } from './lib/runc';

const nrOf = (rec: Recorder, name: string): number => {
  const info = rec.table.byName.get(name);
  if (!info) throw new Error(`no syscall ${name}`);
  return info.nr;
};

const callsOf = (rec: Recorder, handle: number): SyscallEvent[] =>
  rec.snapshot(handle).events.filter((e): e is SyscallEvent => 'nr' in e);

test.serial('threads and a child that exist before the namespace is registered are all recorded', async (t) => {
  const rec = new Recorder();
  t.teardown(() => rec.close());
  const w = await startWorkload(['--unshare', 'threads', '6'], { program: 'marks' });
  const handle = rec.addContainer(w.mntns, 1 << 20);
  w.go();
  const res = await w.done;
  t.is(res.code, 0, res.stderr);
  const tids = /^tids ((?:\d+ ?)+)$/m.exec(res.stdout)?.[1].trim().split(' ').map(Number) ?? [];
  t.is(tids.length, 8, `main thread, 6 threads and a child: ${res.stdout}`);
  const gettid = nrOf(rec, 'gettid');
  const seen = new Set(callsOf(rec, handle).filter((e) => e.nr === gettid && !e.unfinished).map((e) => e.tid));
  for (const tid of tids) t.true(seen.has(tid), `gettid of task ${tid} was not recorded`);
  // Each returned its own tid.
  for (const e of callsOf(rec, handle).filter((e) => e.nr === gettid && e.ret !== undefined))
    t.is(Number(e.ret), e.tid);
});

test.serial('a task that enters a registered namespace with setns is recorded, also after it unshares, until it joins another namespace', async (t) => {
  const rec = new Recorder();
  t.teardown(() => rec.close());
  const target = await startWorkload(['--unshare', 'sleep', '60000']);
  t.teardown(() => target.kill());
  const handle = rec.addContainer(target.mntns, 1 << 20);
  const mover = await startWorkload(['move', String(target.pid)], { program: 'marks' });
  mover.go();
  const res = await mover.done;
  t.is(res.code, 0, res.stderr);
  const mine = callsOf(rec, handle).filter((e) => e.pid === mover.pid);
  const names = mine.map((e) => rec.table.byNr[e.nr]?.name ?? String(e.nr));
  // setns itself entered outside (only its return is held), then getpid
  // inside; unshare made a namespace of the task's own, which stays the
  // container's: it returns, and getppid there is recorded. The setns back
  // home entered there and returned in a namespace no container is recorded
  // in: from then on the task is not the container's (its gettid is not held).
  t.deepEqual(names, ['setns', 'getpid', 'unshare', 'getppid', 'setns'], `calls recorded: ${names.join(', ')}`);
  t.true(mine[0].resumed, 'setns entered before the task was in the namespace');
  t.is(Number(mine[0].ret), 0);
  t.is(Number(mine[1].ret), mover.pid);
  t.false(mine[2].unfinished, 'the unshare into a namespace of its own has no exit');
  t.is(Number(mine[2].ret), 0);
  t.true(mine[4].unfinished, 'the setns home returned outside, not recorded');
});

test.serial('a mark left on a task of a removed container never writes into the ring that takes its slot', async (t) => {
  // No spare rings: a new ring goes into the lowest free slot of its size.
  const rec = new Recorder({ spareRings: 0 });
  t.teardown(() => rec.close());
  const RING = 256 << 10;
  // A: marked, calling getpid without pause before, during and after its container is removed.
  const a = await startWorkload(['--unshare', 'getpid', '1000000000']);
  t.teardown(() => a.kill());
  const ha = rec.addContainer(a.mntns, RING);
  const slotA = rec.stats(ha).slot;
  a.go();
  await new Promise((r) => setTimeout(r, 50));
  rec.removeContainer(ha);
  // B: another namespace in that same slot (once the freed slot is cleared, in the
  // background). Until B's scan takes A's mark away, A's calls would reach the slot.
  const b = await startWorkload(['--unshare', 'getpid', '5']);
  t.teardown(() => b.kill());
  let hb = rec.addContainer(b.mntns, RING);
  for (let i = 0; i < 50 && rec.stats(hb).slot !== slotA; i++) {
    rec.removeContainer(hb);
    await new Promise((r) => setTimeout(r, 100));
    hb = rec.addContainer(b.mntns, RING);
  }
  t.is(rec.stats(hb).slot, slotA, 'B did not get the slot A had');
  b.go();
  t.is((await b.done).code, 0);
  await new Promise((r) => setTimeout(r, 50));
  a.kill();
  await a.done;
  const calls = callsOf(rec, hb);
  t.is(calls.filter((e) => e.pid === a.pid).length, 0, 'calls of the removed container landed in the ring that took its slot');
  t.is(calls.filter((e) => e.pid === b.pid && e.nr === nrOf(rec, 'getpid')).length, 5);
  t.is(rec.stats(hb).lost, 0);
});

test.serial('a namespace removed and registered again is recorded again: its tasks are marked afresh', async (t) => {
  const rec = new Recorder();
  t.teardown(() => rec.close());
  const c = await startWorkload(['--unshare', 'getpid', '3']);
  t.teardown(() => c.kill());
  rec.removeContainer(rec.addContainer(c.mntns, 1 << 20));
  const again = rec.addContainer(c.mntns, 1 << 20);
  c.go();
  t.is((await c.done).code, 0);
  t.is(callsOf(rec, again).filter((e) => e.pid === c.pid && e.nr === nrOf(rec, 'getpid')).length, 3);
});

test.serial('a process that runc exec starts in a container registered while it runs is recorded', async (t) => {
  const rec = new Recorder();
  t.teardown(() => rec.close());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-marks-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const c = await RuncContainer.create(makeBundle(dir, { args: ['/bin/sh', '-c', 'sleep 60'] }), uniqueId('marks'));
  t.teardown(() => c.delete());
  await c.start();
  // Registered after it started: its tasks are marked by the scan; the exec'd
  // process joins the namespace with setns and forks, runc-style.
  const { handle } = rec.addProcess(c.pid);
  execFileSync(RUNC, ['--root', c.root, 'exec', c.id, '/bin/sh', '-c', 'cat /from-runc-exec; true'], { stdio: 'ignore' });
  const calls = callsOf(rec, handle);
  const openat = nrOf(rec, 'openat');
  const open = calls.find((e) => e.nr === openat && e.items.some((i) => i.data.toString('latin1') === '/from-runc-exec'));
  t.truthy(open, 'the open of /from-runc-exec by the exec\'d cat is missing');
  t.is(Number(BigInt.asIntN(64, open!.ret ?? 0n)), -2, 'ENOENT');
  t.is(rec.stats(handle).lost, 0);
});
