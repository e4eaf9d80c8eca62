/**
 * node dist/bench/dump-stages.js: where the time of a dump goes, in process.
 * A counter loop (write of an incrementing number to /dev/null) fills a
 * 64 MiB ring (BENCH_RING_MIB); then, for BENCH_ROUNDS rounds (default 3),
 * the stages a dump runs are timed one by one on the same snapshot: native
 * snapshot, parse and pair, rows (decoding) streamed into the SQLite file in
 * one thread and, as the daemon writes a big dump, with SQLite in a worker
 * thread (and, apart, rows alone and SQLite alone). Prints calls/s of each
 * stage and of the whole. With BENCH_PROFILE=FILE it writes a CPU profile of
 * one round's snapshot, pairing and dump (taken with the inspector, since --cpu-prof's SIGPROF interrupts
 * the BPF verifier). BENCH_KEEP=FILE keeps a copy of the first dump. The workload keeps running while
 * the dumps are taken (a live container: it holds one of the machine's cores); BENCH_STOPPED=1 stops it
 * (SIGSTOP) once the ring is full, as for the ring of a container that has crashed. Needs root.
 */
import fs from 'node:fs';
import inspector from 'node:inspector';
import os from 'node:os';
import path from 'node:path';
import { bootToWallOffsetNs } from '../recorder/clock';
import { indexSnapshot } from '../recorder/events';
import { lazyRows, toRows } from '../recorder/rows';
import { DumpWorker } from '../recorder/sinks/dump-worker-client';
import { writeDump, writeDumpAsync } from '../recorder/sinks/sqlite';
import { benchContainer, counterRing } from './fixtures';

const RING_MIB = Number(process.env.BENCH_RING_MIB ?? 64);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const STOPPED = process.env.BENCH_STOPPED === '1';

const CONTAINER = benchContainer();

function seconds(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function main(): Promise<void> {
  // A full ring: the loop ran long enough to wrap it.
  const { rec, handle, close } = await counterRing(RING_MIB, STOPPED);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-stages-'));
  let session: inspector.Session | undefined;
  try {
    const table = rec.table;
    const offset = bootToWallOffsetNs();
    const profile = process.env.BENCH_PROFILE;
    const results: Record<string, number[]> = { snapshot: [], 'parse+pair': [], 'rows+sqlite': [], 'rows+sqlite, worker': [], '(rows alone)': [], '(sqlite alone)': [] };
    // The whole, timed as one, with the worker started when SQLite is reached or before the snapshot (as the daemon does).
    const wholes: Record<string, number[]> = { 'all, worker started for SQLite': [], 'all, worker started before the snapshot': [] };
    let calls = 0;
    for (let r = 0; r < ROUNDS; r++) {
      if (profile && r === ROUNDS - 1) {
        session = new inspector.Session();
        session.connect();
        const post = (m: string, p?: object) => new Promise<unknown>((res, rej) => session!.post(m, p, (e, v) => (e ? rej(e) : res(v))));
        await post('Profiler.enable');
        await post('Profiler.setSamplingInterval', { interval: 200 });
        await post('Profiler.start');
      }
      let t = process.hrtime.bigint();
      const snap = rec['core'].snapshot(handle);
      results.snapshot.push(seconds(t));
      t = process.hrtime.bigint();
      const { calls: syscalls } = indexSnapshot(snap.records, rec['sigreturns'], snap.order);
      results['parse+pair'].push(seconds(t));
      // As the daemon writes a dump: rows made one at a time as SQLite takes them.
      t = process.hrtime.bigint();
      const file = path.join(dir, `dump-${r}.db`);
      writeDump(file, { container: CONTAINER, rows: lazyRows(syscalls, table, { wallOffsetNs: offset }) });
      results['rows+sqlite'].push(seconds(t));
      if (session) {
        // The profile covers what the daemon runs: snapshot, pairing, rows into SQLite.
        const s = session;
        const prof = await new Promise<unknown>((res, rej) => s.post('Profiler.stop', (e, v) => (e ? rej(e) : res(v))));
        fs.writeFileSync(profile!, JSON.stringify((prof as { profile: unknown }).profile));
        session.disconnect();
        session = undefined;
      }
      if (process.env.BENCH_KEEP) fs.copyFileSync(file, process.env.BENCH_KEEP);
      fs.rmSync(file);
      calls = syscalls.length;
      // The same, as writeDumpAsync writes a big dump: SQLite in a worker thread while this one decodes.
      t = process.hrtime.bigint();
      await writeDumpAsync(file, { container: CONTAINER, rows: lazyRows(syscalls, table, { wallOffsetNs: offset }), worker: true });
      results['rows+sqlite, worker'].push(seconds(t));
      fs.rmSync(file);
      for (const early of r % 2 ? [true, false] : [false, true]) {
        t = process.hrtime.bigint();
        const started = early ? DumpWorker.start() : undefined;
        const s2 = rec['core'].snapshot(handle);
        const ix = indexSnapshot(s2.records, rec['sigreturns'], s2.order);
        await writeDumpAsync(file, { container: CONTAINER, rows: lazyRows(ix.calls, table, { wallOffsetNs: offset }), worker: true }, started);
        wholes[early ? 'all, worker started before the snapshot' : 'all, worker started for SQLite'].push(seconds(t));
        fs.rmSync(file);
      }
      // The two apart, for the record.
      t = process.hrtime.bigint();
      const rows = toRows(syscalls.toArray(), table, { wallOffsetNs: offset });
      results['(rows alone)'].push(seconds(t));
      t = process.hrtime.bigint();
      writeDump(file, { container: CONTAINER, rows });
      results['(sqlite alone)'].push(seconds(t));
      fs.rmSync(file);
    }
    const best = (xs: number[]) => Math.min(...xs);
    console.log(`${calls.toLocaleString('en')} calls from a ${RING_MIB} MiB ring; best of ${ROUNDS} rounds; workload ${STOPPED ? 'stopped' : 'running'}`);
    console.log('| stage | s | calls/s |\n|---|---:|---:|');
    for (const [stage, xs] of Object.entries(results)) {
      console.log(`| ${stage} | ${best(xs).toFixed(3)} | ${Math.round(calls / best(xs)).toLocaleString('en')} |`);
    }
    const front = best(results.snapshot) + best(results['parse+pair']);
    for (const [what, stage] of [['in one thread', 'rows+sqlite'], ['SQLite in a worker', 'rows+sqlite, worker']]) {
      const total = front + best(results[stage]);
      console.log(`| all, ${what} | ${total.toFixed(3)} | ${Math.round(calls / total).toLocaleString('en')} |`);
    }
    for (const [what, xs] of Object.entries(wholes)) {
      console.log(`| ${what} (timed whole) | ${best(xs).toFixed(3)} | ${Math.round(calls / best(xs)).toLocaleString('en')} |`);
    }
  } finally {
    session?.disconnect();
    fs.rmSync(dir, { recursive: true, force: true });
    await close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
