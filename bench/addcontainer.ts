/**
 * node dist/bench/addcontainer.js: how long the native addContainer and
 * removeContainer take (what every container start and stop waits for).
 * Registers made-up mount namespace inodes (nothing runs in them, so nothing
 * is recorded): the cost measured is the ring's and the filter's alone.
 *
 * BENCH_RUNS (default 100) add/remove pairs; BENCH_RING_BYTES (default 1 MiB);
 * BENCH_GAP_MS (default 30): pause between pairs, as between container starts
 * (the spare pool refills in it); BENCH_SPARES: spare rings (default: the
 * Recorder's); BENCH_PIN_DIR: record with pins there (released at the end).
 * Prints mean, median, p90 and max of each, in ms.
 */
import { Recorder } from '../recorder/recorder';

const RUNS = Number(process.env.BENCH_RUNS ?? 100);
const RING_BYTES = Number(process.env.BENCH_RING_BYTES ?? 1 << 20);
const GAP_MS = Number(process.env.BENCH_GAP_MS ?? 30);
const PIN_DIR = process.env.BENCH_PIN_DIR;
const SPARES = process.env.BENCH_SPARES === undefined ? undefined : Number(process.env.BENCH_SPARES);

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const quantile = (xs: number[], q: number) => sorted(xs)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const fmt = (v: number) => v.toFixed(3).padStart(8);

function line(label: string, xs: number[]): string {
  return `${label.padEnd(16)} mean ${fmt(mean(xs))}  median ${fmt(quantile(xs, 0.5))}  p90 ${fmt(quantile(xs, 0.9))}  max ${fmt(Math.max(...xs))}  (ms, ${xs.length} runs)`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const rec = new Recorder({ ringBytes: RING_BYTES, pinDir: PIN_DIR, spareRings: SPARES });
  const adds: number[] = [];
  const removes: number[] = [];
  let spares = 0;
  try {
    await sleep(200); // let the spare pool settle
    spares = rec.hostStats().spareRings;
    // Made-up inodes well away from the ones the host uses.
    const base = 0x7e000000n + BigInt(process.pid & 0xffff) * 4096n;
    for (let i = 0; i < RUNS; i++) {
      const t0 = process.hrtime.bigint();
      const h = rec.addContainer(base + BigInt(i), RING_BYTES);
      const t1 = process.hrtime.bigint();
      rec.removeContainer(h);
      const t2 = process.hrtime.bigint();
      adds.push(Number(t1 - t0) / 1e6);
      removes.push(Number(t2 - t1) / 1e6);
      if (GAP_MS > 0) await sleep(GAP_MS);
    }
  } finally {
    rec.close({ release: true });
  }
  console.log(`ring ${RING_BYTES} bytes, ${GAP_MS} ms between pairs, ${spares} spare rings${PIN_DIR ? `, pinned in ${PIN_DIR}` : ''}`);
  console.log(line('addContainer', adds));
  console.log(line('removeContainer', removes));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
