/**
 * Sink throughput: `node dist/bench/dump.js [ROWS]` (as root: it records a
 * real process first).
 *
 * Rows are real: a shell in its own mount namespace runs ls, cat of a
 * missing file, a refused connect and a few more commands under the
 * recorder; its rows are repeated (with increasing seq and time) up to ROWS
 * (default 1,000,000). Measured in one run:
 *   (a) writeDump: rows -> SQLite file on disk (views, fsync and rename included)
 *   (b) textLines: the text format
 *   (c) ndjson and msgpack encoders
 * Each figure is the best of a few rounds.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bootToWallOffsetNs } from '../recorder/clock';
import { benchContainer } from './fixtures';
import { Recorder } from '../recorder/recorder';
import { EventRow, toRows } from '../recorder/rows';
import { writeDump } from '../recorder/sinks/sqlite';
import { SCHEMA_VIEWS_SQL, SCHEMA_TABLES_SQL } from '../recorder/sinks/schema';
import { msgpack, ndjson, textLines } from '../recorder/sinks/stream';
import { spawnGatedShell } from '../test/lib/procs';

const SCRIPT = [
  'echo ready',
  'read x',
  'ls -l /etc /usr/lib > /dev/null',
  'cat /nonexistent 2>/dev/null',
  'busybox nc 127.0.0.1 1 2>/dev/null',
  'for f in /etc/passwd /etc/group /etc/hostname /etc/os-release; do cat $f > /dev/null; done',
  'date > /dev/null',
  'true',
].join('\n');

/** Records the script above in its own mount namespace; returns its rows. */
async function recordRealRows(): Promise<EventRow[]> {
  const rec = new Recorder({ ringBytes: 16 << 20 });
  try {
    const { child, closed: exited } = await spawnGatedShell(SCRIPT, 'inherit');
    const { handle } = rec.addProcess(child.pid!);
    child.stdin.end('go\n');
    await exited;
    const snap = rec.snapshot(handle);
    return toRows(snap.events, rec.table, { wallOffsetNs: bootToWallOffsetNs() });
  } finally {
    rec.close();
  }
}

/** n rows: the real ones over and over, seq 1..n, times moving on by the recording's span each round. */
function repeatRows(real: EventRow[], n: number): EventRow[] {
  const first = real[0].tsNs;
  const span = real[real.length - 1].tsNs - first + 1000n;
  const out: EventRow[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const r = real[i % real.length];
    const round = BigInt(Math.floor(i / real.length));
    out[i] = { ...r, seq: i + 1, tsNs: r.tsNs + round * span };
  }
  return out;
}

function seconds(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function best(rounds: number, fn: () => void): number {
  let min = Infinity;
  for (let i = 0; i < rounds; i++) min = Math.min(min, seconds(fn));
  return min;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 1_000_000);
  const real = await recordRealRows();
  if (real.length < 50) throw new Error(`only ${real.length} rows recorded`);
  const rows = repeatRows(real, n);
  const names = new Map<string, number>();
  for (const r of real) names.set(r.name, (names.get(r.name) ?? 0) + 1);
  const top = [...names].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(`${real.length} real rows recorded (${top}, …), repeated to ${fmt(n)}\n`);

  const container = benchContainer({ mntns: '4026531840', state: 'exited', exitedAt: new Date().toISOString(), exitCode: 0, events: n });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-'));
  const file = path.join(dir, 'bench.db');
  const table: Array<{ what: string; rate: number; unit: string; goal: number | null; out: string }> = [];
  const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;
  let floor: SqliteFloor;
  try {
    let bytes = 0;
    const tDump = best(2, () => {
      bytes = writeDump(file, { container, rows }).bytes;
    });
    table.push({ what: '(a) writeDump: rows -> SQLite file', rate: n / tDump, unit: 'rows/s', goal: null, out: mib(bytes) + ' file' });
    floor = sqliteFloor(file, path.join(dir, 'floor.db'), n);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  // Strings are measured as the HTTP layer pays for them: flattened and UTF-8 encoded (Buffer.byteLength).
  let textBytes = 0;
  const tText = best(5, () => {
    textBytes = 0;
    for (const c of textLines(rows)) textBytes += Buffer.byteLength(c);
  });
  table.push({ what: '(b) textLines', rate: n / tText, unit: 'lines/s', goal: 1_000_000, out: mib(textBytes) });
  let jsonBytes = 0;
  const tJson = best(5, () => {
    jsonBytes = 0;
    for (const c of ndjson(rows)) jsonBytes += Buffer.byteLength(c);
  });
  table.push({ what: '(c) ndjson', rate: n / tJson, unit: 'rows/s', goal: null, out: mib(jsonBytes) });
  let packBytes = 0;
  const tPack = best(5, () => {
    packBytes = 0;
    for (const c of msgpack(rows)) packBytes += c.length;
  });
  table.push({ what: '(c) msgpack', rate: n / tPack, unit: 'rows/s', goal: null, out: mib(packBytes) });

  console.log('| what | throughput | goal | output |');
  console.log('|---|---:|---:|---:|');
  for (const r of table) {
    const goal = r.goal === null ? '—' : `${fmt(r.goal)} ${r.rate >= r.goal ? 'met' : 'NOT met'}`;
    console.log(`| ${r.what} | ${fmt(r.rate)} ${r.unit} | ${goal} | ${r.out} |`);
  }
  console.log(
    `\nSQLite alone, the same rows copied table to table in one process (no JavaScript, no binding): ` +
      `${fmt(n / floor.total)} rows/s = insert ${floor.insert.toFixed(2)} s + views ${floor.index.toFixed(2)} s + commit/close/fsync ${floor.sync.toFixed(2)} s`,
  );
  console.log('The 500,000/s dump goal is end to end, from the ring (node dist/bench/daemon.js); (a) is the SQLite sink alone.');
  console.log(`node ${process.version}, SQLite ${floor.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`);
}

interface SqliteFloor {
  insert: number;
  index: number;
  sync: number;
  total: number;
  version: string;
}

/**
 * What SQLite itself needs for the rows of `src`: a fresh file with the same
 * settings as writeDump, rows copied with INSERT … SELECT (the WHERE keeps
 * SQLite from copying records verbatim), the same views, then fsync.
 */
function sqliteFloor(src: string, dest: string, n: number): SqliteFloor {
  const db = new Database(dest);
  for (const p of ['page_size = 16384', 'journal_mode = OFF', 'synchronous = OFF', 'locking_mode = EXCLUSIVE', 'temp_store = MEMORY', 'cache_size = -65536']) {
    db.pragma(p);
  }
  const version = String(db.prepare('SELECT sqlite_version()').pluck().get());
  db.prepare('ATTACH ? AS src').run(src);
  db.exec('BEGIN');
  db.exec(SCHEMA_TABLES_SQL);
  const t0 = process.hrtime.bigint();
  const copied = db.prepare('INSERT INTO main.syscall SELECT * FROM src.syscall WHERE id > 0').run().changes;
  const t1 = process.hrtime.bigint();
  db.exec(SCHEMA_VIEWS_SQL);
  const t2 = process.hrtime.bigint();
  db.exec('COMMIT');
  db.close();
  const fd = fs.openSync(dest, 'r+');
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  const t3 = process.hrtime.bigint();
  if (copied !== n) throw new Error(`copied ${copied} rows, expected ${n}`);
  const s = (a: bigint, b: bigint): number => Number(b - a) / 1e9;
  return { insert: s(t0, t1), index: s(t1, t2), sync: s(t2, t3), total: s(t0, t3), version };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
