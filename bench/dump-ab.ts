/**
 * node dist/bench/dump-ab.js OTHER: this build's dump stages against another
 * build's (OTHER: the root of a built checkout, e.g. a clone at an earlier
 * commit), in one process on one snapshot, the two taking turns. This VM's
 * speed changes from one minute to the next (the same build's dump took 0.69
 * s in one run and 1.05 s half an hour later), so builds compared in separate
 * runs tell little; alternating in one process they see the same machine.
 *
 * A counter loop fills a 64 MiB ring (BENCH_RING_MIB) and is stopped; its one
 * snapshot is then, for BENCH_ROUNDS rounds (default 8), paired and written
 * into SQLite with the worker thread as the daemon writes a big dump (the
 * worker started first), and in one thread as it does when no CPU is idle,
 * by each build in turn, the order swapped every round; apart, each build's
 * rows alone (made and packed on this thread, each
 * pack dropped once made, as posting it does). Prints each build's times,
 * their medians and this build's median / OTHER's. (A pass that kept the
 * packs to time SQLite alone made both builds' figures depend on the garbage
 * it left: run dump-stages.js for that.) Needs root.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchContainer, counterRing, median } from './fixtures';

const RING_MIB = Number(process.env.BENCH_RING_MIB ?? 64);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);

/** What a build offers for a dump (the same names since the twelfth session). */
interface Build {
  label: string;
  indexSnapshot(buf: Buffer, sigreturns: ReadonlySet<number>, order: Uint32Array): { calls: { length: number } };
  lazyRows(calls: unknown, table: unknown, opts: { wallOffsetNs: bigint }): Iterable<unknown>;
  DumpWorker: { start(): unknown };
  writeDumpAsync(dest: string, input: object, started?: unknown): Promise<unknown>;
  PackWriter: new (n: number) => { add(r: unknown): void; full: boolean; size: number; take(): { n: number } };
  offset: bigint;
  times: Record<string, number[]>;
}

function load(root: string, label: string): Build {
  const dist = path.join(root, 'dist', 'recorder');
  const req = (m: string) => require(path.join(dist, m)) as Record<string, never>;
  return {
    label,
    indexSnapshot: req('events').indexSnapshot,
    lazyRows: req('rows').lazyRows,
    DumpWorker: req('sinks/dump-worker-client').DumpWorker,
    writeDumpAsync: req('sinks/sqlite').writeDumpAsync,
    PackWriter: req('sinks/rowpack').PackWriter,
    offset: (req('clock').bootToWallOffsetNs as () => bigint)(),
    times: { 'pairing + rows into SQLite, worker': [], 'pairing + rows into SQLite, one thread': [], 'rows alone (made and packed)': [] },
  };
}

function ms(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Makes and packs the rows as the daemon's thread does, dropping each pack: the rows made. */
function packAll(b: Build, rows: Iterable<unknown>): number {
  let n = 0;
  const w = new b.PackWriter(1024);
  for (const r of rows) {
    w.add(r);
    if (w.full) n += w.take().n;
  }
  return n + w.take().n;
}

async function main(): Promise<void> {
  const other = process.argv[2];
  if (!other || !fs.existsSync(path.join(other, 'dist', 'recorder', 'sinks', 'sqlite.js'))) {
    console.error('usage: node dist/bench/dump-ab.js OTHER   (OTHER: the root of another built checkout of straceback)');
    process.exit(2);
  }
  const builds = [load(path.join(__dirname, '..', '..'), 'this build'), load(path.resolve(other), path.resolve(other))];
  const { rec, handle, close } = await counterRing(RING_MIB, true);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-ab-'));
  try {
    const snap = (rec as unknown as { core: { snapshot(h: number): { records: Buffer; order: Uint32Array } } }).core.snapshot(handle);
    const sigreturns = (rec as unknown as { sigreturns: ReadonlySet<number> }).sigreturns;
    const file = path.join(dir, 'ab.db');
    let calls = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const b of round % 2 ? [...builds].reverse() : builds) {
        const started = b.DumpWorker.start();
        // The worker's start-up (60-100 ms) is not what is compared.
        await new Promise((r) => setTimeout(r, 150));
        let t = process.hrtime.bigint();
        const ix = b.indexSnapshot(snap.records, sigreturns, snap.order);
        calls = ix.calls.length;
        await b.writeDumpAsync(file, { container: benchContainer(), rows: b.lazyRows(ix.calls, rec.table, { wallOffsetNs: b.offset }), worker: true, durable: false }, started);
        b.times['pairing + rows into SQLite, worker'].push(ms(t));
        fs.rmSync(file);
        // As the daemon writes a big dump when no CPU is idle (--dump-worker=auto).
        t = process.hrtime.bigint();
        const one = b.indexSnapshot(snap.records, sigreturns, snap.order);
        await b.writeDumpAsync(file, { container: benchContainer(), rows: b.lazyRows(one.calls, rec.table, { wallOffsetNs: b.offset }), worker: false, durable: false });
        b.times['pairing + rows into SQLite, one thread'].push(ms(t));
        fs.rmSync(file);
        t = process.hrtime.bigint();
        if (packAll(b, b.lazyRows(ix.calls, rec.table, { wallOffsetNs: b.offset })) !== calls) throw new Error(`${b.label}: rows lost`);
        b.times['rows alone (made and packed)'].push(ms(t));
      }
    }
    console.log(`${calls.toLocaleString('en')} calls from a ${RING_MIB} MiB ring, workload stopped; ${ROUNDS} rounds, builds alternating`);
    console.log(`| stage | build | ms per round | median |\n|---|---|---|---:|`);
    for (const stage of Object.keys(builds[0].times)) {
      for (const b of builds) console.log(`| ${stage} | ${b.label} | ${b.times[stage].map((x) => x.toFixed(0)).join(' ')} | ${median(b.times[stage]).toFixed(0)} |`);
      console.log(`| ${stage} | this / other | | ${(median(builds[0].times[stage]) / median(builds[1].times[stage])).toFixed(3)}× |`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
