/**
 * The recorder core on the real kernel: real BPF programs, real processes in
 * their own mount namespaces, a real runc container.
 */
import test, { ExecutionContext } from 'ava';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SyscallEvent } from '../recorder/events';
import { KIND_TASK_EXIT } from '../recorder/records';
import { RingFollower } from '../recorder/daemon/follow';
import { mntnsIdOfPid, Recorder } from '../recorder/recorder';
import { renderEvent } from '../recorder/render';
import { CaptureKind } from '../recorder/syscalls/types';
import { mapCensus, mntnsOf, openFdCount, rssBytes, startWorkload, strayMaps } from './lib/procs';
import { makeBundle, RuncContainer, uniqueId } from './lib/runc';

const nrOf = (rec: Recorder, name: string): number => {
  const info = rec.table.byName.get(name);
  if (!info) throw new Error(`no syscall ${name}`);
  return info.nr;
};

const itemText = (ev: SyscallEvent, arg: number): string | undefined =>
  ev.items.find((i) => i.arg === arg && i.kind !== CaptureKind.ARGV)?.data.toString('latin1');

/** A recorder and a counter loop writing into a ring of it (256 KiB unless said), after running for ms. */
async function counterLoop(t: ExecutionContext, ms: number, ringBytes = 256 * 1024): Promise<{ rec: Recorder; w: Awaited<ReturnType<typeof startWorkload>>; handle: number }> {
  const rec = new Recorder();
  t.teardown(() => rec.close());
  const w = await startWorkload(['--unshare', 'counter', '0']);
  t.teardown(() => w.kill());
  const { handle } = rec.addProcess(w.pid, ringBytes);
  w.go();
  await new Promise((r) => setTimeout(r, ms));
  return { rec, w, handle };
}

const signed = (v: bigint | undefined): number => Number(BigInt.asIntN(64, v ?? 0n));

/** Runs workload MODE ARGS in a namespace of its own under a new recorder; its whole history, nothing lost or overwritten. */
async function recordRun(t: ExecutionContext, opts: ConstructorParameters<typeof Recorder>[0], mode: string[]) {
  const rec = new Recorder(opts);
  t.teardown(() => rec.close());
  const w = await startWorkload(['--unshare', ...mode]);
  const { handle } = rec.addProcess(w.pid);
  w.go();
  const res = await w.done;
  t.is(res.code, 0, res.stderr);
  const snap = rec.snapshot(handle);
  t.is(snap.stats.lost, 0);
  t.is(snap.stats.overwritten, 0);
  return { rec, snap };
}

test.serial('records a known call sequence in order, with arguments, strings, returns and errors', async (t) => {
  const rec = new Recorder();
  t.teardown(() => rec.close());
  const file = path.join(os.tmpdir(), `sb-seq-${process.pid}-${Date.now()}`);
  const w = await startWorkload(['--unshare', 'sequence', file, '50']);
  // Another process in another mount namespace, busy at the same time: never recorded.
  const other = await startWorkload(['--unshare', 'getpid', '5000']);
  t.not(w.mntns, mntnsOf(process.pid));
  t.not(w.mntns, other.mntns);
  const { handle } = rec.addProcess(w.pid);
  other.go();
  w.go();
  const [res] = await Promise.all([w.done, other.done]);
  t.is(res.code, 0, res.stderr);

  const snap = rec.snapshot(handle);
  const evs = snap.events;
  t.false(evs.some((e) => e.pid === other.pid), 'a process of another mount namespace appears');
  t.false(evs.some((e) => e.pid === process.pid), 'the test process itself appears');
  t.is(snap.stats.overwritten, 0);
  t.is(snap.stats.lost, 0);
  t.is(rec.heldEstimate(handle), snap.stats.held, 'a ring that has not wrapped holds every record: the estimate is exact');

  const start = evs.findIndex((e) => e.nr === nrOf(rec, 'openat') && itemText(e, 1) === file);
  t.true(start >= 0, 'the openat of the unique path is missing');
  const seq = evs.slice(start);
  const [open, write, close, failed] = seq;
  t.is(signed(open.args[0]) | 0, -100, 'openat dfd is AT_FDCWD');
  t.is(Number(open.args[2]), 0o1 | 0o100 | 0o1000 | 0o2000000, 'O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC');
  t.is(Number(open.args[3]), 0o600);
  const fd = signed(open.ret);
  t.true(fd >= 3);

  t.is(write.nr, nrOf(rec, 'write'));
  t.is(Number(write.args[0]), fd);
  t.is(itemText(write, 1), 'hello straceback\n');
  t.is(Number(write.args[2]), 17);
  t.is(signed(write.ret), 17);

  t.is(close.nr, nrOf(rec, 'close'));
  t.is(Number(close.args[0]), fd);
  t.is(signed(close.ret), 0);

  t.is(failed.nr, nrOf(rec, 'openat'));
  t.is(itemText(failed, 1), '/nonexistent/straceback');
  t.is(signed(failed.ret), -2, 'ENOENT');

  const getpids = seq.slice(4, 54);
  t.is(getpids.length, 50);
  for (const g of getpids) {
    t.is(g.nr, nrOf(rec, 'getpid'));
    t.is(signed(g.ret), w.pid);
    t.false(g.unfinished);
    t.true((g.durNs ?? -1n) >= 0n);
  }
  const unlink = seq[54];
  t.is(unlink.nr, nrOf(rec, 'unlinkat'));
  t.is(itemText(unlink, 1), file);
  t.is(signed(unlink.ret), 0);
  const last = seq[seq.length - 1];
  t.is(last.nr, nrOf(rec, 'exit_group'));
  t.true(last.unfinished, 'exit_group never returns');
  for (const e of seq) {
    t.is(e.pid, w.pid);
    t.is(e.tid, w.pid);
    t.is(e.comm, 'workload');
  }
  // Time order.
  for (let i = 1; i < evs.length; i++) t.true(evs[i].bootNs >= evs[i - 1].bootNs);
});

test.serial('a path in a page the process has not touched yet is read again at exit, where the kernel has faulted it in', async (t) => {
  const rec = new Recorder();
  t.teardown(() => rec.close());
  const cold = `/nonexistent/straceback-cold-${process.pid}`;
  const file = path.join(os.tmpdir(), `sb-cold-${process.pid}-${Date.now()}`);
  fs.writeFileSync(file, cold + '\0');
  t.teardown(() => fs.rmSync(file, { force: true }));
  const w = await startWorkload(['--unshare', 'coldpath', file]);
  const { handle } = rec.addProcess(w.pid);
  w.go();
  const res = await w.done;
  t.is(res.code, 0, res.stderr);
  const evs = rec.snapshot(handle).events;
  const strs = (e: SyscallEvent) => e.items.filter((i) => i.arg === 0 || i.arg === 1).map((i) => (i.fault ? null : i.data.toString('latin1')));
  const opens = evs.filter((e) => e.nr === nrOf(rec, 'openat') && e.args[1] !== 0n);
  const coldOpen = opens.find((e) => e.items.some((i) => i.arg === 1 && !i.fault && i.data.toString('latin1') === cold));
  t.truthy(coldOpen, 'the openat of the path in an untouched page shows no path');
  // The entry could not read it (this is what the test is about); the exit did.
  t.deepEqual(strs(coldOpen!), [null, cold]);
  t.regex(renderEvent(coldOpen!, rec.table, { wallOffsetNs: 0n }), new RegExp(`openat\\(AT_FDCWD, "${cold}", O_RDONLY\\) = -1 ENOENT`));
  const exec = evs.find((e) => e.nr === nrOf(rec, 'execve'));
  t.truthy(exec);
  t.deepEqual(strs(exec!), [null, cold], 'a failed execve: its memory is still the process\'s');
  // Nothing to read at address 8, at entry or exit: the pointer, as strace shows it.
  const bad = opens.find((e) => e.args[1] === 8n);
  t.truthy(bad);
  t.deepEqual(strs(bad!), [null, null]);
  t.regex(renderEvent(bad!, rec.table, { wallOffsetNs: 0n }), /openat\(AT_FDCWD, 0x8, O_RDONLY\) = -1 EFAULT/);
});

test.serial('buffers of every length from 0 to 300 are captured byte for byte, at entry (write) and exit (read), up to the cap', async (t) => {
  // 128 is the default cap and the largest read staged through the stack; 200 takes the direct path above it.
  for (const bufMax of [128, 200]) {
    const { rec, snap } = await recordRun(t, { bufMax }, ['lengths', '300']);
    // The handshake's read(0) is resumed (its entry came before the recording), the pipe's are whole.
    const pipe = (name: string, fd: number) => snap.events.filter((e) => e.nr === nrOf(rec, name) && !e.resumed && Number(e.args[0]) !== fd);
    const writes = pipe('write', 1);
    const reads = pipe('read', 0);
    t.is(writes.length, 301, `bufMax ${bufMax}: writes`);
    t.is(reads.length, 301, `bufMax ${bufMax}: reads`);
    const bad: string[] = [];
    for (let len = 0; len <= 300; len++) {
      const want = Buffer.from(Array.from({ length: Math.min(len, bufMax) }, (_, i) => (len * 7 + i * 31) & 0xff));
      for (const [what, e] of [['write', writes[len]], ['read', reads[len]]] as const) {
        const it = e.items.find((i) => i.arg === 1);
        if (Number(e.ret) !== len || !it || it.fault || !it.data.equals(want) || it.truncated !== len > bufMax) {
          bad.push(`${what} of ${len}: ret ${e.ret}, item ${it ? `${it.data.length} bytes, truncated ${it.truncated}, fault ${it.fault}` : 'missing'}`);
        }
      }
    }
    t.deepEqual(bad, [], `bufMax ${bufMax}`);
    rec.close();
  }
});

test.serial('paths of every length from 0 to 249 are captured whole or cut at the cap, on the short-string path and past it', async (t) => {
  // Up to 127 bytes a lone path goes straight into the ring (SB_DESC_ONE_STR), longer ones through scratch.
  const prefix = '/nonexistent-straceback-';
  for (const strMax of [4096, 60]) {
    const { rec, snap } = await recordRun(t, { strMax }, ['paths', '249']);
    const opens = snap.events.filter((e) => e.nr === nrOf(rec, 'openat') && !e.resumed);
    t.is(opens.length, 250, `strMax ${strMax}`);
    const bad: string[] = [];
    opens.forEach((e, len) => {
      const full = Array.from({ length: len }, (_, i) => (i < prefix.length ? prefix[i] : 'x')).join('');
      const want = full.slice(0, strMax);
      const it = e.items.find((i) => i.arg === 1);
      const got = it?.data.toString('latin1');
      if (!it || it.fault || got !== want || it.truncated !== len > strMax || e.items.length !== 1) {
        bad.push(`${len}: ${it ? `${got?.length} bytes, truncated ${it.truncated}, fault ${it.fault}` : 'missing'}, ${e.items.length} items`);
      }
    });
    t.deepEqual(bad, [], `strMax ${strMax}`);
    rec.close();
  }
});

test.serial('overwrite: a full ring keeps the newest calls, contiguous, and counts what it dropped', async (t) => {
  const rec = new Recorder();
  t.teardown(() => rec.close());
  // More than 2^16 records: the count is exact past a wrap of the records' 16-bit numbers.
  const n = 40000;
  const w = await startWorkload(['--unshare', 'getpid', String(n)]);
  const { handle } = rec.addProcess(w.pid, 64 * 1024);
  w.go();
  t.is((await w.done).code, 0);
  const snap = rec.snapshot(handle);
  const s = snap.stats;
  // After the go byte: the read's exit, n getpid entries and exits, exit_group's entry, the thread's exit.
  t.is(s.recorded, 2 * n + 3);
  t.is(s.pending, 0);
  t.true(s.held > 500 && s.held < 2 * n, `held ${s.held}`);
  t.is(s.overwritten, s.recorded - s.held, 'overwritten is what was lost from the front');
  t.is(s.held, snap.records.length);
  // The estimate from the ring's header alone: within 5 % of what the snapshot held (the records are alike).
  const estimate = rec.heldEstimate(handle);
  t.true(Math.abs(estimate - s.held) < s.held * 0.05, `held ${s.held}, estimated ${estimate}`);

  // The newest calls, contiguous: getpid pairs up to exit_group and the thread's end, no gap.
  const recs = snap.records;
  t.is(recs[recs.length - 1].kind, KIND_TASK_EXIT);
  t.is(recs[recs.length - 2].nr, nrOf(rec, 'exit_group'));
  const getpid = nrOf(rec, 'getpid');
  // The front may start with the exit half of a call whose entry was overwritten.
  const body = recs.slice(recs[0].kind === 2 ? 1 : 0, -2);
  t.is(body.length % 2, 0);
  for (let i = 0; i < body.length; i += 2) {
    t.is(body[i].kind, 1);
    t.is(body[i + 1].kind, 2);
    t.is(body[i].nr, getpid);
    t.is(body[i + 1].nr, getpid);
  }
});

test.serial('stats count the ring in place: while a loop overwrites it they add up, once it stops they equal a snapshot\'s', async (t) => {
  const { rec, w, handle } = await counterLoop(t, 200);
  let newest = 0n;
  for (let round = 0; round < 20; round++) {
    const s = rec.stats(handle);
    t.true(s.overwritten > 0, 'the ring has wrapped');
    t.true(s.held > 1000, `held ${s.held}`);
    t.true(s.held + s.overwritten + s.pending <= s.recorded, `held ${s.held} + overwritten ${s.overwritten} + pending ${s.pending} > recorded ${s.recorded}`);
    t.true(s.oldestBootNs > 0n && s.oldestBootNs <= s.newestBootNs);
    t.true(s.newestBootNs > newest, 'the loop went on between counts');
    newest = s.newestBootNs;
    await new Promise((r) => setTimeout(r, 5));
  }
  process.kill(w.pid, 'SIGSTOP');
  await new Promise((r) => setTimeout(r, 50));
  const counted = rec.stats(handle);
  const { recorded, held, overwritten, pending, lost, oldestBootNs, newestBootNs } = rec.snapshot(handle).stats;
  t.like(counted, { recorded, held, overwritten, pending, lost, oldestBootNs, newestBootNs });
  t.is(held + overwritten + pending, recorded);
  process.kill(w.pid, 'SIGCONT');
});

test.serial('a full big ring is handed over as its copy with the records\' time order; a nearly empty or a small one as its records alone', async (t) => {
  const rec = new Recorder();
  t.teardown(() => rec.close());
  const core = (rec as unknown as { core: { snapshot(h: number): { records: Buffer; order: Uint32Array; held: number } } }).core;
  for (const [calls, ringBytes, full] of [[60000, 4 << 20, true], [20, 4 << 20, false], [20000, 64 << 10, false]] as const) {
    const w = await startWorkload(['--unshare', 'getpid', String(calls)]);
    const { handle } = rec.addProcess(w.pid, ringBytes);
    w.go();
    t.is((await w.done).code, 0);
    const raw = core.snapshot(handle);
    t.is(raw.order.length, raw.held);
    if (full) {
      t.true(raw.records.length >= ringBytes, `the whole ring's copy (${raw.records.length} bytes)`);
    } else {
      let at = 0;
      for (const off of raw.order) {
        t.is(off, at, 'records one after the other, padded to 8');
        at += (raw.records.readUInt16LE(off + 20) + 7) & ~7;
      }
      t.is(at, raw.records.length, 'nothing but the records');
    }
    // Time order by the records' own clocks, and the same records Recorder.snapshot parses.
    for (let k = 1; k < raw.order.length; k++) {
      if (raw.records.readBigUInt64LE(raw.order[k] + 8) < raw.records.readBigUInt64LE(raw.order[k - 1] + 8)) t.fail(`record ${k} is older than the one before`);
    }
    const parsed = rec.snapshot(handle).records;
    t.is(parsed.length, raw.held);
    const entries = parsed.filter((r) => r.nr === nrOf(rec, 'getpid') && r.kind === 1).length;
    if (calls > 10000) t.true(entries > 500 && entries < calls, `${entries} of ${calls} getpid calls held`);
    else t.is(entries, calls);
    rec.removeContainer(handle);
  }
});

/** One snapshot of a counter loop's ring: its whole writes, and the number each wrote (NaN for one without it). */
function counterWrites(rec: Recorder, handle: number): { writes: SyscallEvent[]; values: number[] } {
  const write = nrOf(rec, 'write');
  const writes = rec.snapshot(handle).events.filter((e) => e.nr === write && !e.resumed);
  return { writes, values: writes.map((e) => Number(itemText(e, 1)?.trim())) };
}

/** Where a run of counter values does not go on by one: the indexes i whose value is not values[i - 1] + 1. */
function breaksIn(values: number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < values.length; i++) if (values[i] !== values[i - 1] + 1) out.push(i);
  return out;
}

const consecutiveSnapshots = test.macro(async (t, ringBytes: number, rounds: number) => {
  const { rec, w, handle } = await counterLoop(t, ringBytes > 1 << 20 ? 1000 : 100, ringBytes);
  let previousLast = -1;
  for (let round = 0; round < rounds; round++) {
    const { values } = counterWrites(rec, handle);
    t.true(values.length > 1000, `only ${values.length} writes held`);
    const holes = breaksIn(values).length;
    t.is(holes, 0, `snapshot ${round}: ${holes} holes between ${values[0]} and ${values[values.length - 1]}`);
    t.true(values[values.length - 1] > previousLast, 'the loop went on between snapshots');
    previousLast = values[values.length - 1];
    await new Promise((r) => setTimeout(r, 20));
  }
  w.kill();
  await w.done;
});

test.serial('snapshots during a tight counter loop show consecutive values, ten in a row', consecutiveSnapshots, 256 * 1024, 10);
test.serial('3000 snapshots in a row during a counter loop: none holds a record half-written', async (t) => {
  // The newest records are written while the ring is copied. A copy whose loads were not in order (memcpy,
  // which promises none) took one now and then with its commit word and part of its body: a write with no
  // item, in about 1 of 200 snapshots here.
  const { rec, w, handle } = await counterLoop(t, 100);
  const torn: string[] = [];
  for (let round = 0; round < 3000; round++) {
    const { writes, values } = counterWrites(rec, handle);
    for (const i of breaksIn(values)) torn.push(`snapshot ${round}: ${values[i - 1]} then ${values[i]} (${writes[i].items.length} items)`);
  }
  t.deepEqual(torn, []);
  w.kill();
  await w.done;
});

// From 16 MiB on a second thread faults in the copy's pages while this one copies. (A copy split between two
// threads failed this test about once in eight runs: a record torn at the split.)
test.serial('snapshots of a 32 MiB ring during a tight counter loop (a second thread faulting in the copy) show consecutive values', consecutiveSnapshots, 32 << 20, 3);

test.serial('a live tail reads only what is new: the writes of a counter loop come once each, in order, while it runs', async (t) => {
  const rec = new Recorder();
  t.teardown(() => rec.close());
  const w = await startWorkload(['--unshare', 'counter', '0']);
  t.teardown(() => w.kill());
  // Unhindered, the loop makes calls faster than a read pairs them (about 1 M/s each here), and a tail
  // of it could only fall behind its ring. Slowed down (niced, on one CPU with a busy loop) it makes
  // tens of thousands a second, as a busy container does, and the tail reads while it runs.
  const hog = spawn('taskset', ['-c', '1', 'sh', '-c', 'while :; do :; done'], { stdio: 'ignore' });
  t.teardown(() => hog.kill('SIGKILL'));
  execFileSync('taskset', ['-cp', '1', String(w.pid)], { stdio: 'ignore' });
  execFileSync('renice', ['-n', '19', '-p', String(w.pid)], { stdio: 'ignore' });
  const ringBytes = 4 << 20;
  const { handle } = rec.addProcess(w.pid, ringBytes);
  const write = nrOf(rec, 'write');
  const follower = new RingFollower(rec, handle, ringBytes);
  w.go();
  const values: number[] = [];
  const seqs: number[] = [];
  let biggest = 0;
  const take = () => {
    const got = follower.read();
    for (let i = 0; i < got.calls.length; i++) {
      if (got.calls.unfinished(i)) continue;
      seqs.push(got.seqs[i]);
      const ev = got.calls.get(i);
      if (ev.nr === write && !ev.resumed) values.push(Number(itemText(ev, 1)?.trim()));
    }
    return got.calls.length;
  };
  let reads = 0;
  for (; reads < 50; reads++) {
    await new Promise((r) => setTimeout(r, 10));
    biggest = Math.max(biggest, take());
  }
  process.kill(w.pid, 'SIGSTOP');
  await new Promise((r) => setTimeout(r, 50));
  take();
  t.is(take(), 0, 'nothing new while the loop is stopped');
  t.true(values.length > 1000, `only ${values.length} writes read`);
  let holes = 0;
  const gaps: string[] = [];
  for (let i = 1; i < values.length; i++) {
    if (values[i] !== values[i - 1] + 1) {
      holes++;
      gaps.push(`${values[i - 1]}->${values[i]}`);
    }
  }
  t.is(holes, 0, `${holes} holes or repeats between ${values[0]} and ${values[values.length - 1]}: ${gaps.join(' ')}`);
  t.is(new Set(seqs).size, seqs.length, 'every call has a number of its own');
  t.log(`${seqs.length} calls in ${reads} reads, at most ${biggest} in one`);
  // A read from where the last one stopped copies nothing; one from an earlier position, what was written since.
  const core = rec['core'];
  const before = core.snapshot(handle);
  t.is(core.snapshot(handle, before.next).order.length, 0);
  // Unhindered now, for a few milliseconds (a few thousand calls: the ring holds about 30,000).
  hog.kill('SIGKILL');
  const recorded = rec.fill(handle).recorded;
  process.kill(w.pid, 'SIGCONT');
  // Until it has made some calls: a loop niced to 19 is not always run within a fixed few milliseconds.
  for (let i = 0; i < 500 && rec.fill(handle).recorded === recorded; i++) await new Promise((r) => setTimeout(r, 1));
  process.kill(w.pid, 'SIGSTOP');
  const after = core.snapshot(handle);
  const since = core.snapshot(handle, before.next);
  t.true(since.order.length > 0, 'the loop went on');
  t.is(since.order.length, after.order.length - before.order.length, 'the records since, no more');
  t.is(since.next, after.next);
  process.kill(w.pid, 'SIGCONT');
  w.kill();
  await w.done;
});

test.serial('a live tail behind a ring that wrapped goes on from its oldest record; bad positions are refused', async (t) => {
  const rec = new Recorder();
  t.teardown(() => rec.close());
  const w = await startWorkload(['--unshare', 'counter', '0']);
  t.teardown(() => w.kill());
  const ringBytes = 64 << 10;
  const { handle } = rec.addProcess(w.pid, ringBytes);
  w.go();
  const follower = new RingFollower(rec, handle, ringBytes);
  const write = nrOf(rec, 'write');
  let lastSeq = 0;
  for (let round = 0; round < 5; round++) {
    // Far more than 64 KiB is written between two reads.
    await new Promise((r) => setTimeout(r, 50));
    const got = follower.read();
    const values: number[] = [];
    for (let i = 0; i < got.calls.length; i++) {
      t.true(got.seqs[i] > lastSeq || got.wasRunning(i), `read ${round}: seq ${got.seqs[i]} after ${lastSeq}`);
      const ev = got.calls.get(i);
      // A call found running at the last read comes before the calls new to this one, which begin after what was overwritten.
      if (ev.nr === write && !ev.resumed && !ev.unfinished && !got.wasRunning(i)) values.push(Number(itemText(ev, 1)?.trim()));
    }
    for (let i = 0; i < got.calls.length; i++) lastSeq = Math.max(lastSeq, got.seqs[i]);
    t.true(values.length > 100, `read ${round}: ${values.length} writes`);
    t.true(values.every((v, i) => i === 0 || v === values[i - 1] + 1), `read ${round}: the writes held are consecutive`);
  }
  const core = rec['core'];
  const { next } = core.snapshot(handle);
  process.kill(w.pid, 'SIGSTOP');
  const head = core.fill(handle).written;
  t.throws(() => core.snapshot(handle, head + (1 << 30)), { instanceOf: RangeError, message: /is not a record position of this ring/ });
  t.throws(() => core.snapshot(handle, next + 4), { instanceOf: RangeError });
  process.kill(w.pid, 'SIGCONT');
  w.kill();
  await w.done;
});

test.serial('a runc container registered before its entrypoint runs is recorded from the execve on', async (t) => {
  const rec = new Recorder();
  t.teardown(() => rec.close());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-runc-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const bundle = makeBundle(dir, { args: ['/bin/sh', '-c', 'echo hello; cat /nonexistent; exit 3'] });
  const c = await RuncContainer.create(bundle, uniqueId('rec'));
  t.teardown(() => c.delete());
  const { handle } = rec.addProcess(c.pid);
  await c.start();
  await c.waitExit(20_000);
  const evs = rec.snapshot(handle).events;
  const execve = nrOf(rec, 'execve');
  const first = evs.find((e) => e.nr === execve && itemText(e, 0) === '/bin/sh');
  t.truthy(first, 'the entrypoint execve is missing');
  t.is(signed(first!.ret), 0);
  t.deepEqual(
    first!.items.filter((i) => i.kind === CaptureKind.ARGV).map((i) => i.data.toString()),
    ['/bin/sh', '-c', 'echo hello; cat /nonexistent; exit 3'],
  );
  const after = evs.slice(evs.indexOf(first!));
  t.true(after.some((e) => e.nr === nrOf(rec, 'write') && itemText(e, 1) === 'hello\n'));
  t.true(after.some((e) => itemText(e, 1) === '/nonexistent' && signed(e.ret) === -2), 'the failing open of /nonexistent is missing');
  t.true(after.some((e) => e.nr === nrOf(rec, 'exit_group') && Number(e.args[0]) === 3));
  t.is(c.stdout().trim(), 'hello');
});

test.serial('a runc container whose process unshares a mount namespace of its own: what runs there is still recorded', async (t) => {
  const rec = new Recorder();
  t.teardown(() => rec.close());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-runc-nested-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  // No CAP_SYS_ADMIN in runc's default spec: a user namespace of its own gives unshare -m the right to it.
  const bundle = makeBundle(dir, { args: ['/bin/sh', '-c', 'unshare -U -m /bin/sh -c "cat /nonexistent-nested"; exit 0'] });
  const c = await RuncContainer.create(bundle, uniqueId('nested'));
  t.teardown(() => c.delete());
  const { handle } = rec.addProcess(c.pid);
  await c.start();
  await c.waitExit(20_000);
  const evs = rec.snapshot(handle).events;
  const unshare = evs.find((e) => e.nr === nrOf(rec, 'unshare'));
  t.truthy(unshare, 'the unshare is missing');
  if (signed(unshare!.ret) < 0) return t.pass(`this machine refuses a user namespace in a container (${signed(unshare!.ret)})`);
  t.false(unshare!.unfinished, 'the unshare has no exit');
  const after = evs.slice(evs.indexOf(unshare!));
  t.true(after.some((e) => e.nr === nrOf(rec, 'mount') && signed(e.ret) === 0), "unshare's mount in the new namespace is missing");
  t.true(
    after.some((e) => e.nr === nrOf(rec, 'openat') && e.comm === 'cat' && e.items.some((i) => i.arg === 1 && !i.fault && i.data.toString() === '/nonexistent-nested') && signed(e.ret) === -2),
    "the nested cat's failing openat is missing",
  );
  t.regex(fs.readFileSync(bundle.stderrPath, 'utf8'), /can't open '\/nonexistent-nested'/);
});

test.serial('execve envp: the kernel side counts the variables, up to 4096', async (t) => {
  const rec = new Recorder();
  t.teardown(() => rec.close());
  const envpOf = async (n: number): Promise<string> => {
    const w = await startWorkload(['--unshare', 'environ', String(n)]);
    const { handle } = rec.addProcess(w.pid);
    w.go();
    const res = await w.done;
    t.is(res.code, 0, res.stderr);
    const ev = rec.snapshot(handle).events.find((e) => e.nr === nrOf(rec, 'execve'));
    rec.removeContainer(handle);
    if (!ev) throw new Error(`no execve with ${n} variables`);
    const line = renderEvent(ev, rec.table, { wallOffsetNs: 0n });
    return /\], (0x[0-9a-f]+ \/\*.*?\*\/)\) = /.exec(line)?.[1] ?? line;
  };
  t.regex(await envpOf(1), /^0x[0-9a-f]+ \/\* 1 var \*\/$/);
  t.regex(await envpOf(63), /^0x[0-9a-f]+ \/\* 63 vars \*\/$/);
  t.regex(await envpOf(1000), /^0x[0-9a-f]+ \/\* 1000 vars \*\/$/);
  t.regex(await envpOf(4095), /^0x[0-9a-f]+ \/\* 4095 vars \*\/$/);
  // past the count limit: at least 4096 (strace counts them all)
  t.regex(await envpOf(5000), /^0x[0-9a-f]+ \/\* 4096\+ vars \*\/$/);
});

test.serial('1000 add/remove cycles leave no file descriptors, maps or memory behind', async (t) => {
  const rec = new Recorder({ budgetBytes: 8 << 20 });
  t.teardown(() => rec.close());
  const warm = rec.addContainer(0xf0000000n + 60000n, 64 * 1024);
  rec.removeContainer(warm);
  global.gc?.();
  const fds = openFdCount();
  // Maps of recorders closed by earlier tests are freed by the kernel a little later, so the host's map
  // count may drop meanwhile: what is checked is that every map made during the cycles is gone or ours.
  const maps = await mapCensus();
  const rss = rssBytes();
  for (let i = 0; i < 1000; i++) {
    const h = rec.addContainer(0xf0000000n + 50000n + BigInt(i), (64 << 10) << i % 3);
    rec.snapshot(h);
    rec.removeContainer(h);
  }
  // Removed rings leave their map slots on a background thread (each clear waits for an RCU grace period):
  // their fds are closed once that is done.
  for (let i = 0; i < 200 && rec.hostStats().clearingBytes > 0; i++) await new Promise((r) => setTimeout(r, 50));
  t.is(rec.hostStats().clearingBytes, 0, 'the background clears finished');
  global.gc?.();
  const stray = await strayMaps(maps);
  const after = { fds: openFdCount(), maps: await mapCensus(), rss: rssBytes() };
  t.log(`fds ${fds} -> ${after.fds}, maps held ${maps.held.size} -> ${after.maps.held.size} (host ${maps.host.size} -> ${after.maps.host.size}), rss ${(rss / 1048576).toFixed(1)} -> ${(after.rss / 1048576).toFixed(1)} MiB`, JSON.stringify(rec.hostStats()));
  t.is(after.fds, fds);
  t.deepEqual(stray, [], 'maps made during the cycles and held by nothing of this process');
  t.is(after.maps.held.size, maps.held.size, 'as many maps held as before (spare rings replaced one for one)');
  t.true(after.rss - rss < 32 << 20, 'RSS grew by more than 32 MiB');
  t.is(rec.hostStats().ringBytesInUse, 0);
});

test.serial('bad input gets clear errors and leaves other rings untouched', async (t) => {
  const rec = new Recorder({ budgetBytes: 3 << 20 });
  t.teardown(() => rec.close());
  const w = await startWorkload(['--unshare', 'getpid', '100']);
  const { handle, mntns } = rec.addProcess(w.pid, 1 << 20);
  w.go();
  await w.done;
  const before = rec.snapshot(handle);

  t.throws(() => rec.snapshot(9999), { message: /unknown ring handle 9999/ });
  t.throws(() => rec.removeContainer(9999), { message: /unknown ring handle/ });
  t.throws(() => rec.stats(-1), { message: /non-negative integer/ });
  t.throws(() => rec.addContainer(0xf0000000n + 70000n, 0), { message: /greater than 0/ });
  t.throws(() => rec.addContainer(0xf0000000n + 70001n, 1 << 30), { message: /larger than the maximum/ });
  t.throws(() => rec.addContainer(0n, 65536), { message: /not a mount namespace/ });
  t.throws(() => rec.addContainer(mntns, 65536), { message: /already recorded/ });
  t.throws(() => rec.addContainer(0xf0000000n + 70002n, 4 << 20), { message: /ring budget spent/ });
  const gone = Number(execFileSync('sh', ['-c', 'true & echo $!']).toString().trim());
  await new Promise((r) => setTimeout(r, 50));
  t.throws(() => rec.addProcess(gone), { message: new RegExp(`process ${gone} does not exist`) });
  t.throws(() => rec.addProcess(-5), { message: /not a process id/ });

  const after = rec.snapshot(handle);
  t.true(after.stats.held > 200);
  t.deepEqual(after.stats, before.stats);
  t.deepEqual(after.records, before.records);
});

test.serial('the programs load in a process that gets a signal every 100 µs (a sampling profiler), and record', async (t) => {
  // The verifier gives up on a signal pending on the loading thread (EAGAIN): the load holds them off.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-prof-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const script = `
    const { Recorder } = require(${JSON.stringify(require.resolve('../recorder/recorder'))});
    const { startWorkload } = require(${JSON.stringify(require.resolve('./lib/procs'))});
    (async () => {
      const rec = new Recorder();
      const w = await startWorkload(['--unshare', 'getpid', '100']);
      const { handle } = rec.addProcess(w.pid);
      w.go();
      await w.done;
      const n = rec.snapshot(handle).calls.length;
      rec.close();
      console.log('recorded', n);
    })();`;
  const out = execFileSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=100', '-e', script], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const n = Number(/^recorded (\d+)$/m.exec(out)?.[1]);
  t.true(n >= 100, out);
  // The profiler did sample it: its profile is there.
  t.true(fs.readdirSync(dir).some((f) => f.endsWith('.cpuprofile')));
});

test.serial('a namespace that reuses a registered inode is not recorded into that ring (namespace ids)', async (t) => {
  const rec = new Recorder();
  t.teardown(() => rec.close());
  const w = await startWorkload(['--unshare', 'getpid', '100']);
  const realId = mntnsIdOfPid(w.pid);
  if (realId === 0n) return t.pass('this kernel has no mount namespace ids (NS_GET_MNTNS_ID)');
  // As if the inode had belonged to an older namespace: same inode, another id.
  const stale = rec.addContainer(w.mntns, 1 << 20, realId + 1000n);
  w.go();
  t.is((await w.done).code, 0);
  t.is(rec.snapshot(stale).stats.recorded, 0, 'events of another namespace with the same inode were recorded');
});

/** Resolves once process pid's mount namespace is no longer ns (it unshared), within 10 s. */
async function leftNamespace(pid: number, ns: bigint): Promise<bigint> {
  for (let i = 0; i < 1000; i++) {
    const now = mntnsOf(pid);
    if (now !== ns) return now;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`process ${pid} did not leave mount namespace ${ns}`);
}

test.serial('a task that leaves the container for a mount namespace of its own, and its children, stay recorded in the container', async (t) => {
  const rec = new Recorder();
  t.teardown(() => rec.close());
  const gate = path.join(os.tmpdir(), `sb-nested-${process.pid}-${Date.now()}`);
  t.teardown(() => fs.rmSync(gate, { force: true }));
  const w = await startWorkload(['--unshare', 'nested', gate, '5']);
  t.teardown(() => w.kill());
  // Made before the first leaves its namespace, which then goes away and leaves its inode free for another.
  const other = await startWorkload(['--unshare', 'getpid', '3']);
  t.teardown(() => other.kill());
  const { handle } = rec.addProcess(w.pid);
  w.go();
  const nested = await leftNamespace(w.pid, w.mntns);
  t.not(nested, w.mntns);
  // Another container registered meanwhile: the scan of every task that comes with it keeps the mark.
  const second = rec.addProcess(other.pid).handle;
  fs.writeFileSync(gate, '');
  const res = await w.done;
  t.is(res.code, 0, res.stderr);
  other.go();
  await other.done;

  const snap = rec.snapshot(handle);
  t.is(snap.stats.lost, 0);
  const evs = snap.events;
  const unshare = evs.find((e) => e.nr === nrOf(rec, 'unshare') && e.pid === w.pid);
  t.truthy(unshare, 'the unshare is missing');
  t.false(unshare!.unfinished, 'the unshare that left the namespace has no exit');
  t.is(signed(unshare!.ret), 0);
  // The child's path is in a page it has not touched since the fork: read again at exit.
  const pathOf = (e: SyscallEvent): string | undefined => e.items.find((i) => i.arg === 1 && !i.fault)?.data.toString('latin1');
  const child = evs.find((e) => e.nr === nrOf(rec, 'openat') && pathOf(e) === '/nonexistent/nested-child');
  t.truthy(child, "the nested child's openat is missing");
  t.not(child!.pid, w.pid);
  t.is(signed(child!.ret), -2);
  const parent = evs.find((e) => e.nr === nrOf(rec, 'openat') && pathOf(e) === '/nonexistent/nested-parent');
  t.truthy(parent, "the nested parent's openat after the scan is missing");
  t.is(parent!.pid, w.pid);
  t.is(evs.filter((e) => e.nr === nrOf(rec, 'getpid') && e.pid === child!.pid).length, 5);
  t.is(evs.filter((e) => e.nr === nrOf(rec, 'getpid') && e.pid === w.pid).length, 5);
  t.true(evs.some((e) => e.nr === nrOf(rec, 'wait4') && e.pid === w.pid && signed(e.ret) === child!.pid));
  const others = rec.snapshot(second).events;
  t.false(others.some((e) => e.pid === w.pid || e.pid === child!.pid), "the nested tasks appear in the other container's ring");
});

test.serial('a task that left a container that was then removed is not recorded into the ring that takes its place', async (t) => {
  const rec = new Recorder();
  t.teardown(() => rec.close());
  const gate = path.join(os.tmpdir(), `sb-nested-gone-${process.pid}-${Date.now()}`);
  t.teardown(() => fs.rmSync(gate, { force: true }));
  const w = await startWorkload(['--unshare', 'nested', gate, '5']);
  t.teardown(() => w.kill());
  const next = await startWorkload(['--unshare', 'getpid', '3']);
  t.teardown(() => next.kill());
  // A size no spare ring has, so the second ring takes the slot the first one leaves.
  const first = rec.addProcess(w.pid, 256 << 10);
  w.go();
  await leftNamespace(w.pid, w.mntns);
  const slot = rec.stats(first.handle).slot;
  rec.removeContainer(first.handle);
  for (let i = 0; i < 500 && rec.hostStats().clearingBytes > 0; i++) await new Promise((r) => setTimeout(r, 10));
  const second = rec.addProcess(next.pid, 256 << 10);
  t.is(rec.stats(second.handle).slot, slot, 'the new ring is in the slot of the removed one');
  fs.writeFileSync(gate, '');
  t.is((await w.done).code, 0);
  next.go();
  await next.done;
  const evs = rec.snapshot(second.handle).events;
  t.true(evs.some((e) => e.pid === next.pid), 'the new container is recorded');
  t.false(evs.some((e) => e.pid === w.pid || e.comm === 'workload' && e.pid !== next.pid), 'a task of the removed container was recorded into the new ring');
});
