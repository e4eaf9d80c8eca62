/**
 * Rings that outlive their recorder (pinDir) and the spare-ring pool behind
 * a fast addContainer, on the real kernel with real processes: a recorder in
 * a child process is SIGKILLed while a container keeps running, and a new
 * one takes its ring over without a hole.
 */
import test, { ExecutionContext } from 'ava';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SyscallEvent } from '../recorder/events';
import { native } from '../recorder/native';
import { mntnsIdOfPid, Recorder, releasePins } from '../recorder/recorder';
import { BPFTOOL, mapCensus, repoRoot, startWorkload, strayMaps, Workload } from './lib/procs';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tempPinDir(): string {
  return `/sys/fs/bpf/straceback-test-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
}

/** Whether a BPF program with this id is still loaded. */
function progLoaded(id: number): boolean {
  try {
    execFileSync(BPFTOOL, ['prog', 'show', 'id', String(id)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The id of the program a pinned link holds. */
function linkProgId(pin: string): number {
  const info = JSON.parse(execFileSync(BPFTOOL, ['-j', 'link', 'show', 'pinned', pin]).toString()) as { prog_id: number };
  return info.prog_id;
}

/** Inner map id per slot of a pinned outer ring map. */
function slotMapIds(pin: string): Map<number, number> {
  const le = (bytes: string[]) => bytes.reduce((v, b, i) => v + Number(b) * 2 ** (8 * i), 0);
  const rows = JSON.parse(execFileSync(BPFTOOL, ['-j', 'map', 'dump', 'pinned', pin]).toString()) as Array<{ key: string[]; value: string[] }>;
  return new Map(rows.map((r) => [le(r.key), le(r.value)]));
}

async function gone(check: () => boolean, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  while (check()) {
    if (Date.now() > until) return false;
    await sleep(50);
  }
  return true;
}

/**
 * A paced writer in a mount namespace of its own, speaking the workload
 * handshake: after go it writes "0\n", "1\n", ... to /dev/null, five every
 * 2 ms, until killed; about 1 KiB of ring per tick, so a few seconds fit in
 * a small ring and nothing is overwritten.
 */
function startPacedWriter(): Promise<Workload> {
  const script = [
    "const fs = require('fs');",
    'process.stdout.write(`ready ${process.pid}\\n`);',
    'const b = Buffer.alloc(1);',
    'for (;;) { try { if (fs.readSync(0, b, 0, 1, null) === 1) break; process.exit(1); } catch (e) { if (e.code !== "EAGAIN") throw e; } }',
    "const fd = fs.openSync('/dev/null', 'w');",
    'let i = 0;',
    'setInterval(() => { for (let k = 0; k < 5; k++) fs.writeSync(fd, `${i++}\\n`); }, 2);',
  ].join('\n');
  return startWorkload(['--mount', '--propagation', 'private', process.execPath, '-e', script], { program: '/usr/bin/unshare' });
}

/** The counter values a paced writer wrote, in ring order, with when each was written. */
function counterWrites(events: SyscallEvent[], writeNr: number, pid: number): Array<{ value: number; bootNs: bigint }> {
  const out: Array<{ value: number; bootNs: bigint }> = [];
  for (const e of events) {
    if (e.pid !== pid || e.nr !== writeNr) continue;
    const data = e.items.find((i) => i.arg === 1)?.data.toString('latin1');
    const m = data === undefined ? null : /^(\d+)\n$/.exec(data);
    if (m) out.push({ value: Number(m[1]), bootNs: e.bootNs });
  }
  return out;
}

/**
 * A recorder in a child node process that records mntns into a pinned ring
 * and keeps reading it (stats every 20 ms) until it is killed.
 */
async function startChildRecorder(pinDir: string, mntns: bigint, nsId: bigint, ringBytes: number): Promise<ChildProcess> {
  const recorderJs = path.join(repoRoot(), 'dist', 'recorder', 'recorder.js');
  const script = [
    `const { Recorder } = require(${JSON.stringify(recorderJs)});`,
    `const rec = new Recorder({ pinDir: ${JSON.stringify(pinDir)}, ringBytes: ${ringBytes} });`,
    `const h = rec.addContainer(${mntns}n, ${ringBytes}, ${nsId}n);`,
    "process.stdout.write('added\\n');",
    'setInterval(() => rec.stats(h), 20);',
  ].join('\n');
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('added\n')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`the child recorder exited (${code}) before adding: ${err}`)));
  });
  return child;
}

function cleanupPins(t: ExecutionContext, pinDir: string): void {
  t.teardown(() => {
    try {
      releasePins(pinDir);
    } catch {
      // a recorder of the test still holds it: its own teardown closes it first
    }
  });
}

test.serial('a pinned ring outlives its SIGKILLed recorder and is adopted with no hole', async (t) => {
  const pinDir = tempPinDir();
  cleanupPins(t, pinDir);
  const ringBytes = 8 << 20;
  const mapsBefore = await mapCensus();

  const w = await startPacedWriter();
  t.teardown(() => w.kill());
  const nsId = mntnsIdOfPid(w.pid);
  const child = await startChildRecorder(pinDir, w.mntns, nsId, ringBytes);
  w.go();
  await sleep(400);

  // Killed mid-run: it is reading the ring every 20 ms and never gets to close anything.
  const exited = new Promise((r) => child.on('exit', r));
  const killedNs = native().bootTimeNs();
  child.kill('SIGKILL');
  await exited;
  t.true(fs.existsSync(path.join(pinDir, 'identity')), 'the pins are gone with the recorder');
  await sleep(400); // the workload keeps writing, nobody has the ring mapped

  const outerPin = path.join(pinDir, `sb_rings_${Math.log2(ringBytes) - 16}`);
  const slotsLeft = slotMapIds(outerPin);
  t.is(slotsLeft.size, 5, 'the dead recorder left its ring and 4 spares');
  const adoptStartNs = native().bootTimeNs();
  const rec = new Recorder({ pinDir, ringBytes });
  t.teardown(() => rec.close({ release: true }));
  t.deepEqual(rec.warnings, []);
  const pinned = rec.pinnedRings();
  t.deepEqual(pinned.map((p) => ({ mntns: p.mntns, nsId: p.nsId, ringBytes: p.ringBytes })), [{ mntns: w.mntns, nsId, ringBytes }]);
  t.true(pinned[0].generation >= 1);
  // The spares the dead recorder had ready were never used: they are this one's now, none made.
  t.is(rec.hostStats().spareRings, 4);
  t.deepEqual(slotMapIds(outerPin), slotsLeft);
  t.throws(() => rec.addContainer(w.mntns, ringBytes), { message: /pinned ring \(adoptContainer/ });
  t.throws(() => rec.adoptContainer(w.mntns, nsId + 1n), { message: /the inode was reused/ });
  const h = rec.adoptContainer(w.mntns, nsId);
  const adoptedNs = native().bootTimeNs();
  t.deepEqual(rec.pinnedRings(), []);
  t.throws(() => rec.adoptContainer(w.mntns), { message: /already recorded by this recorder/ });
  await sleep(400);

  w.kill();
  await w.done;
  const snap = rec.snapshot(h);
  const writeNr = rec.table.byName.get('write')!.nr;
  const writes = counterWrites(snap.events, writeNr, w.pid);
  t.log(`${writes.length} counter writes: ${writes.filter((x) => x.bootNs < killedNs).length} before the kill, ` +
    `${writes.filter((x) => x.bootNs > killedNs && x.bootNs < adoptStartNs).length} while no recorder ran, ` +
    `${writes.filter((x) => x.bootNs > adoptedNs).length} after the adoption; ring stats ${JSON.stringify({ ...snap.stats, createdBootNs: undefined, oldestBootNs: undefined, newestBootNs: undefined })}`);
  t.is(snap.stats.lost, 0);
  t.is(snap.stats.overwritten, 0);
  // The writer is gone: every record the kernel reserved in the ring, also while no recorder ran, is held.
  t.is(snap.stats.recorded, snap.stats.held);
  t.true(writes.length > 300);
  t.deepEqual(writes.map((x) => x.value), writes.map((_, i) => i), 'the counter has a hole or starts late');
  t.true(writes.some((x) => x.bootNs < killedNs), 'nothing from before the kill');
  t.true(writes.some((x) => x.bootNs > killedNs + 100_000_000n && x.bootNs < adoptStartNs), 'nothing from while no recorder ran');
  t.true(writes.some((x) => x.bootNs > adoptedNs), 'nothing from after the adoption');

  const stats = rec.stats(h);
  t.is(stats.lost, 0);
  rec.removeContainer(h);
  rec.close({ release: true });
  t.false(fs.existsSync(pinDir), 'close({ release: true }) left the pin dir');
  t.deepEqual(await strayMaps(mapsBefore, undefined, 15_000), [], 'maps made by the test and still there');
});

test.serial('a restart hands over: close() keeps the pins, the next recorder reuses the programs', async (t) => {
  const pinDir = tempPinDir();
  cleanupPins(t, pinDir);
  const first = new Recorder({ pinDir });
  t.throws(() => new Recorder({ pinDir }), { message: /in use by another running recorder/ });
  t.throws(() => releasePins(pinDir), { message: /in use by another running recorder/ });
  const w = await startWorkload(['--unshare', 'getpid', '300']);
  first.addProcess(w.pid);
  // A small ring that overwrites while no recorder runs: its counts stay exact.
  const small = await startWorkload(['--unshare', 'getpid', '20000']);
  first.addProcess(small.pid, 65536);
  const enterProg = linkProgId(path.join(pinDir, 'link_sb_sys_enter'));
  first.close();
  t.true(fs.existsSync(path.join(pinDir, 'identity')));
  t.true(progLoaded(enterProg), 'closing without release detached the programs');

  w.go();
  small.go();
  t.is((await w.done).code, 0);
  t.is((await small.done).code, 0);
  const second = new Recorder({ pinDir });
  t.teardown(() => second.close({ release: true }));
  t.deepEqual(second.warnings, []);
  t.is(linkProgId(path.join(pinDir, 'link_sb_sys_enter')), enterProg, 'a second set of programs was attached');
  t.deepEqual(second.pinnedRings().map((r) => r.mntns).sort(), [w.mntns, small.mntns].sort());
  const hSmall = second.adoptContainer(small.mntns);
  const over = second.snapshot(hSmall);
  t.log(`small ring: ${JSON.stringify({ ...over.stats, createdBootNs: undefined, oldestBootNs: undefined, newestBootNs: undefined })}`);
  t.true(over.stats.overwritten > 0);
  t.true(over.stats.recorded >= 40000);
  t.is(over.stats.recorded, over.stats.overwritten + over.stats.held);
  t.is(over.stats.lost, 0);
  const exits = over.events.filter((e) => e.nr === second.table.byName.get('getpid')!.nr && e.ret !== undefined);
  t.true(exits.length > 100);
  second.removeContainer(hSmall);
  const h = second.adoptContainer(w.mntns);
  const snap = second.snapshot(h);
  const getpid = second.table.byName.get('getpid')!.nr;
  t.is(snap.events.filter((e) => e.nr === getpid && e.pid === w.pid && e.ret !== undefined).length, 300);
  t.is(snap.stats.lost, 0);
  // Adopted rings count in the budget like added ones.
  t.is(second.hostStats().ringBytesInUse, snap.stats.ringBytes + 16384 + 4096);
  second.close({ release: true });
  t.false(fs.existsSync(pinDir));
  t.true(await gone(() => progLoaded(enterProg)), 'the programs stayed loaded after release');
});

test.serial('an incomplete or incompatible pin set is replaced with a warning; releasePins of a missing dir does nothing', async (t) => {
  const pinDir = tempPinDir();
  cleanupPins(t, pinDir);

  t.notThrows(() => releasePins(pinDir));
  t.notThrows(() => Recorder.releasePins(path.join(pinDir, 'nested', 'deeper')));
  const notBpf = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-notpins-'));
  fs.writeFileSync(path.join(notBpf, 'keep'), 'x');
  t.throws(() => releasePins(notBpf), { message: /not on a BPF filesystem/ });
  t.true(fs.existsSync(path.join(notBpf, 'keep')));
  fs.rmSync(notBpf, { recursive: true, force: true });
  t.throws(() => new Recorder({ pinDir: os.tmpdir() }), { message: /not on a BPF filesystem/ });

  // Incomplete: a link pin is missing (as if a recorder died while pinning).
  let rec = new Recorder({ pinDir });
  rec.addContainer(0x7c000000n + BigInt(process.pid & 0xffff), 65536);
  const oldEnter = linkProgId(path.join(pinDir, 'link_sb_sys_enter'));
  rec.close();
  fs.rmSync(path.join(pinDir, 'link_sb_sys_exit'));
  rec = new Recorder({ pinDir });
  t.log(rec.warnings.join('\n'));
  t.is(rec.warnings.length, 1);
  t.regex(rec.warnings[0], /incomplete \(missing link_sb_sys_exit\).*started afresh/);
  t.deepEqual(rec.pinnedRings(), [], 'a ring of the replaced set was offered');
  t.true(fs.existsSync(path.join(pinDir, 'link_sb_sys_exit')), 'the fresh set is not complete');
  t.true(await gone(() => progLoaded(oldEnter)), 'the replaced programs are still loaded');
  const mode = fs.statSync(pinDir).mode & 0o777;
  t.is(mode, 0o700);

  // Incompatible: made by another BPF object (its hash in the identity map differs).
  const enter = linkProgId(path.join(pinDir, 'link_sb_sys_enter'));
  rec.close();
  const identity = path.join(pinDir, 'identity');
  const looked = JSON.parse(execFileSync(BPFTOOL, ['-j', 'map', 'lookup', 'pinned', identity, 'key', '0', '0', '0', '0']).toString()) as { value: string[] };
  const value = looked.value.map((b) => Number(b));
  value[8] ^= 0xff; // objectHash is the second 64-bit field
  execFileSync(BPFTOOL, ['map', 'update', 'pinned', identity, 'key', '0', '0', '0', '0', 'value', ...value.map(String)]);
  rec = new Recorder({ pinDir });
  t.teardown(() => rec.close({ release: true }));
  t.log(rec.warnings.join('\n'));
  t.is(rec.warnings.length, 1);
  t.regex(rec.warnings[0], /made by a different BPF object/);
  t.true(await gone(() => progLoaded(enter)), 'the replaced programs are still loaded');

  // Foreign files are not a set either.
  rec.close();
  for (const f of fs.readdirSync(pinDir)) fs.rmSync(path.join(pinDir, f));
  fs.mkdirSync(path.join(pinDir, 'stray'));
  rec = new Recorder({ pinDir });
  t.regex(rec.warnings.join('\n'), /no identity map/);
  t.false(fs.existsSync(path.join(pinDir, 'stray')));

  rec.close({ release: true });
  t.false(fs.existsSync(pinDir));
  t.notThrows(() => releasePins(pinDir));
});

const stat = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return `mean ${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(3)} median ${q(0.5).toFixed(3)} p90 ${q(0.9).toFixed(3)} max ${s[s.length - 1].toFixed(3)} ms`;
};

test.serial('addContainer takes spare rings: many containers in a row, each recorded whole, within the budget', async (t) => {
  const mapsBefore = await mapCensus();
  const ringBytes = 256 << 10;
  const budgetBytes = 4 << 20;
  const rec = new Recorder({ ringBytes, budgetBytes });
  t.teardown(() => rec.close());
  const getpid = rec.table.byName.get('getpid')!.nr;
  const within = () => {
    const hs = rec.hostStats();
    return hs.ringBytesInUse + hs.spareBytes + hs.clearingBytes <= hs.budgetBytes;
  };
  await sleep(100);
  t.is(rec.hostStats().spareRings, 4);

  // Real containers one after another, with a busy one removed while it runs in between:
  // a ring handed out again never shows another container's calls.
  const adds: number[] = [];
  const removes: number[] = [];
  const busy = await startWorkload(['--unshare', 'counter', '0']);
  t.teardown(() => busy.kill());
  busy.go();
  for (let i = 0; i < 25; i++) {
    const n = 40 + i;
    const w = await startWorkload(['--unshare', 'getpid', String(n)]);
    const hBusy = rec.addContainer(busy.mntns, ringBytes);
    let t0 = process.hrtime.bigint();
    const h = rec.addContainer(w.mntns, ringBytes, mntnsIdOfPid(w.pid));
    adds.push(Number(process.hrtime.bigint() - t0) / 1e6);
    rec.removeContainer(hBusy); // while it writes
    w.go();
    t.is((await w.done).code, 0);
    const snap = rec.snapshot(h);
    t.is(snap.events.filter((e) => e.nr === getpid && e.ret !== undefined).length, n, `container ${i}: getpid calls`);
    t.false(snap.events.some((e) => e.pid !== w.pid), `container ${i}: another process's calls are in its ring`);
    t.is(snap.stats.lost, 0);
    t.is(snap.stats.overwritten, 0);
    t0 = process.hrtime.bigint();
    rec.removeContainer(h);
    removes.push(Number(process.hrtime.bigint() - t0) / 1e6);
    t.true(within(), `over budget after container ${i}: ${JSON.stringify(rec.hostStats())}`);
    await sleep(20); // containers do not start back to back
  }
  busy.kill();
  t.log(`addContainer (spare pool): ${stat(adds)}`);
  t.log(`removeContainer: ${stat(removes)}`);

  // A burst: more at once than there are spares; the budget still holds, and spares
  // give their bytes up to rings that need them.
  const cost = ringBytes + 16384 + 4096;
  const fit = Math.floor(budgetBytes / cost);
  const burst: number[] = [];
  const handles: number[] = [];
  for (let i = 0; i < fit; i++) {
    const t0 = process.hrtime.bigint();
    handles.push(rec.addContainer(0x7b000000n + BigInt(i), ringBytes));
    burst.push(Number(process.hrtime.bigint() - t0) / 1e6);
    t.true(within());
  }
  t.log(`addContainer, ${fit} in a burst (4 spares): ${stat(burst)}`);
  t.is(rec.hostStats().ringBytesInUse, fit * cost);
  t.throws(() => rec.addContainer(0x7b000000n + BigInt(fit), ringBytes), { message: /ring budget spent/ });
  for (const h of handles) rec.removeContainer(h);
  t.is(rec.hostStats().rings, 0);
  t.is(rec.hostStats().ringBytesInUse, 0);
  // Slots are cleared in the background, spares made again.
  const until = Date.now() + 5000;
  while ((rec.hostStats().clearingBytes > 0 || rec.hostStats().spareRings < 4) && Date.now() < until) await sleep(20);
  t.is(rec.hostStats().clearingBytes, 0);
  t.is(rec.hostStats().spareRings, 4);

  rec.close();
  t.deepEqual(await strayMaps(mapsBefore, undefined, 15_000), [], 'maps made by the test and still there');
});

test.serial('without spares every add waits for the kernel (for comparison)', async (t) => {
  const rec = new Recorder({ ringBytes: 256 << 10, spareRings: 0 });
  t.teardown(() => rec.close());
  const adds: number[] = [];
  const removes: number[] = [];
  for (let i = 0; i < 20; i++) {
    let t0 = process.hrtime.bigint();
    const h = rec.addContainer(0x7a000000n + BigInt(i), 256 << 10);
    adds.push(Number(process.hrtime.bigint() - t0) / 1e6);
    t0 = process.hrtime.bigint();
    rec.removeContainer(h);
    removes.push(Number(process.hrtime.bigint() - t0) / 1e6);
    await sleep(20);
  }
  t.is(rec.hostStats().spareRings, 0);
  t.log(`addContainer (no spares): ${stat(adds)}`);
  t.log(`removeContainer: ${stat(removes)}`);
  t.pass();
});
