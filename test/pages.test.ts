/**
 * recorder/sinks/pages.ts: rows appended as B-tree pages must make the file
 * SQLite would have made with INSERTs, value for value and type for type,
 * and a file that passes SQLite's own integrity check and the sqlite3
 * shell's. Small pages (512 bytes) give deep trees and long overflow chains
 * from a few thousand rows; the dump's own 16 KiB pages are checked too.
 */
import test, { ExecutionContext } from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import Database from 'better-sqlite3';
import { RowidTableAppender, readDbFileInfo } from '../recorder/sinks/pages';
import { writeDump, readDump } from '../recorder/sinks/sqlite';
import { EventRow } from '../recorder/rows';
import { containerInfo } from './lib/container';
import { sqlite } from './lib/daemon';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-pages-'));
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));

type Value = null | number | bigint | string;
interface Row {
  id: number;
  values: Value[];
}

const COLUMNS = ['a', 'b', 'c', 'd'];
const CREATE = `CREATE TABLE t (id INTEGER PRIMARY KEY, ${COLUMNS.join(', ')}); CREATE TABLE other (x TEXT); INSERT INTO other VALUES ('before')`;

/** Integers at every serial type's edges, both signs. */
const INTEGERS: Value[] = [
  0, 1, 2, -1, 127, 128, -128, -129, 32767, 32768, -32768, -32769, 8388607, 8388608, -8388608, -8388609, 2147483647, 2147483648, -2147483648,
  -2147483649, 140737488355327, 140737488355328, -140737488355328, -140737488355329, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER,
  2n ** 47n, -(2n ** 47n) - 1n, 2n ** 63n - 1n, -(2n ** 63n), 0n, 1n, -5n, 1796654454273279748n,
];
/** Text: ASCII, Latin-1, other planes, a lone surrogate, NULs, empty. */
const TEXTS: Value[] = ['', 'write', 'a\0b', 'caf\u00e9 \u00ff', '\u4e2d\u6587', '\u{1f600} smile', 'lone \ud800 half', '"quoted", 3'];

/** Deterministic rows: every kind of value, some long enough to spill into overflow pages of any page size. */
function makeRows(n: number, firstId = 1, step = 1): Row[] {
  const rows: Row[] = [];
  let x = 12345;
  // An LCG modulo 2^32, its high bits used.
  const rand = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) >>> 8;
  for (let i = 0; i < n; i++) {
    const values: Value[] = [];
    for (let c = 0; c < COLUMNS.length; c++) {
      const k = rand() % 10;
      if (k === 0) values.push(null);
      else if (k < 4) values.push(INTEGERS[rand() % INTEGERS.length]);
      else if (k < 8) values.push(TEXTS[rand() % TEXTS.length]);
      else if (k === 8) values.push(`row ${i} `.repeat(1 + (rand() % 40)));
      // Long: from just under a 512-byte page's local limit to several 16 KiB pages.
      else values.push('L'.repeat(400 + (rand() % 3) * 700 + (rand() % 2) * 40_000) + i);
    }
    rows.push({ id: firstId + i * step, values });
  }
  return rows;
}

function createDb(file: string, pageSize: number): void {
  const db = new Database(file);
  db.pragma(`page_size = ${pageSize}`);
  db.pragma('journal_mode = OFF');
  db.exec(CREATE);
  db.close();
}

/** The rows appended as pages (pages.ts). */
function byPages(file: string, pageSize: number, rows: Row[]): void {
  createDb(file, pageSize);
  const db = new Database(file);
  const root = db.prepare("SELECT rootpage FROM sqlite_schema WHERE name = 't'").pluck().get() as number;
  db.close();
  const fd = fs.openSync(file, 'r+');
  try {
    const w = new RowidTableAppender(fd, readDbFileInfo(fd), root);
    for (const r of rows) {
      do {
        w.begin();
        for (let i = r.values.length - 1; i >= 0; i--) {
          const v = r.values[i];
          if (v === null) w.nul();
          else if (typeof v === 'bigint') w.big(v);
          else if (typeof v === 'number') w.int(v);
          else w.text(v);
        }
        w.nul();
      } while (!w.end(r.id));
    }
    w.finish();
  } finally {
    fs.closeSync(fd);
  }
}

/** Lone surrogates. */
const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * The same rows through SQLite's INSERT. Integers are bound as int64
 * (better-sqlite3 binds a number as a double, which a column without
 * affinity keeps as REAL). A lone surrogate is bound as U+FFFD, what the
 * pages hold: better-sqlite3 would store its three raw bytes, which are not
 * UTF-8.
 */
function bySql(file: string, pageSize: number, rows: Row[]): void {
  createDb(file, pageSize);
  const db = new Database(file);
  const put = db.prepare(`INSERT INTO t VALUES (?, ${COLUMNS.map(() => '?').join(', ')})`);
  db.transaction(() => {
    for (const r of rows) put.run(r.id, ...r.values.map((v) => (typeof v === 'number' ? BigInt(v) : typeof v === 'string' ? v.replace(LONE, '\ufffd') : v)));
  })();
  db.close();
}

/** What read() gives from the file opened read-only, which is closed after. */
function readDb<T>(file: string, read: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** Every row with each value's type, as SQLite reads them back. */
function contents(file: string): unknown[] {
  return readDb(file, (db) => {
    db.defaultSafeIntegers(true);
    const typed = COLUMNS.map((c) => `${c}, typeof(${c})`).join(', ');
    return db.prepare(`SELECT id, ${typed} FROM t ORDER BY id`).raw().all();
  });
}

/** Pages of table t of one type (leaf, internal, overflow), by SQLite's dbstat. */
function pagesOf(file: string, type: string): number {
  return readDb(file, (db) => db.prepare("SELECT count(*) FROM dbstat WHERE name = 't' AND pagetype = ?").pluck().get(type) as number);
}

/** The two files' rows are the same; on a difference, the first differing row is shown (not the whole table). */
function sameRows(t: ExecutionContext, mine: string, theirs: string): void {
  const a = contents(mine);
  const b = contents(theirs);
  t.is(a.length, b.length);
  const i = a.findIndex((row, k) => !isDeepStrictEqual(row, b[k]));
  if (i >= 0) t.deepEqual(a[i], b[i], `row ${i}`);
  else t.pass();
}

function integrity(file: string): string {
  return readDb(file, (db) => (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check).join('\n'));
}

for (const [pageSize, n] of [
  [512, 0],
  [512, 1],
  [512, 2],
  [512, 3000],
  [1024, 1500],
  [4096, 700],
  [16384, 900],
  [65536, 400],
] as const) {
  test(`${n} rows appended as ${pageSize}-byte pages read back as the same INSERTs made them, and the file checks`, (t) => {
    const rows = makeRows(n);
    const mine = path.join(dir, `pages-${pageSize}-${n}.db`);
    const theirs = path.join(dir, `sql-${pageSize}-${n}.db`);
    byPages(mine, pageSize, rows);
    bySql(theirs, pageSize, rows);
    t.is(integrity(mine), 'ok');
    sameRows(t, mine, theirs);
    if (n >= 400) t.true(pagesOf(mine, 'overflow') > 0, 'some rows spill into overflow pages');
    // The shell agrees, and the table takes more rows through SQL afterwards.
    t.is(sqlite(mine, 'PRAGMA integrity_check; SELECT count(*) FROM t; SELECT x FROM other'), `ok\n${n}\nbefore\n`);
    const db = new Database(mine);
    db.prepare('INSERT INTO t (id, a) VALUES (?, ?)').run(n + 10, 'after');
    db.prepare('INSERT INTO other VALUES (?)').run('after');
    db.close();
    t.is(integrity(mine), 'ok');
    t.is(contents(mine).length, n + 1);
  });
}

test('a deep tree: 20,000 rows on 512-byte pages, ids with gaps, three levels of interior pages', (t) => {
  const rows = makeRows(20_000, 1_000_000_000_000, 7).map((r) => ({ ...r, values: r.values.map((v) => (typeof v === 'string' && v.length > 60 ? v.slice(0, 60) : v)) }));
  const mine = path.join(dir, 'deep.db');
  const theirs = path.join(dir, 'deep-sql.db');
  byPages(mine, 512, rows);
  bySql(theirs, 512, rows);
  t.is(integrity(mine), 'ok');
  sameRows(t, mine, theirs);
  // A leaf under three interior levels has the path /NNN/NNN/NNN/.
  const slashes = readDb(mine, (db) => db.prepare("SELECT max(length(path) - length(replace(path, '/', ''))) FROM dbstat WHERE name = 't' AND pagetype = 'leaf'").pluck().get() as number);
  // No interior page is left with a right-most child only.
  const fewest = readDb(mine, (db) => db.prepare("SELECT min(ncell) FROM dbstat WHERE name = 't' AND pagetype = 'internal'").pluck().get() as number);
  t.true(slashes >= 4, `leaf paths have ${slashes} slashes`);
  t.true(fewest >= 1, `an interior page with ${fewest} cells`);
});

test('text is stored as UTF-8, a lone surrogate as U+FFFD', (t) => {
  const file = path.join(dir, 'utf8.db');
  byPages(file, 4096, [{ id: 1, values: ['caf\u00e9', 'x\ud800y', '\u{1f600}', 'a\0b'] }]);
  t.deepEqual(
    readDb(file, (db) => db.prepare('SELECT hex(a), hex(b), hex(c), hex(d) FROM t').raw().get()),
    ['636166C3A9', '78EFBFBD79', 'F09F9880', '610062'],
  );
});

test('rows must come in increasing rowid order: the appender refuses any other', (t) => {
  const file = path.join(dir, 'order.db');
  createDb(file, 4096);
  const fd = fs.openSync(file, 'r+');
  try {
    const w = new RowidTableAppender(fd, readDbFileInfo(fd), 2);
    w.begin();
    w.nul();
    t.true(w.end(5));
    for (const id of [5, 4, 1.5, Number.MAX_SAFE_INTEGER + 2]) {
      w.begin();
      w.nul();
      t.throws(() => w.end(id), { message: /rows must come in increasing rowid order/ });
    }
  } finally {
    fs.closeSync(fd);
  }
});

test('files or tables the appender cannot write into are refused', (t) => {
  const notDb = path.join(dir, 'not.db');
  fs.writeFileSync(notDb, 'x'.repeat(200));
  const fd = fs.openSync(notDb, 'r');
  try {
    t.throws(() => readDbFileInfo(fd), { message: 'not an SQLite database' });
  } finally {
    fs.closeSync(fd);
  }
  // A table that holds rows already, or a page that is no table's root, is refused.
  const full = path.join(dir, 'full.db');
  bySql(full, 4096, makeRows(3));
  const fd3 = fs.openSync(full, 'r+');
  try {
    for (const root of [2, 1, 99]) t.throws(() => new RowidTableAppender(fd3, readDbFileInfo(fd3), root), { message: `page ${root} is not the root of an empty table` });
  } finally {
    fs.closeSync(fd3);
  }
  const utf16 = path.join(dir, 'utf16.db');
  const db = new Database(utf16);
  db.pragma("encoding = 'UTF-16le'");
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
  db.close();
  const fd2 = fs.openSync(utf16, 'r');
  try {
    t.throws(() => readDbFileInfo(fd2), { message: /not UTF-8/ });
  } finally {
    fs.closeSync(fd2);
  }
});

const CONTAINER = containerInfo({ id: 'c1', name: 'web', runtime: 'runc', state: 'exited' });

/** A syscall row with the given seq and a few odd values. */
function eventRow(seq: number, over: Partial<EventRow> = {}): EventRow {
  return {
    seq,
    tsNs: 1796654454273279748n + BigInt(seq),
    durNs: seq % 3 === 0 ? null : BigInt(seq % 5000),
    cpu: seq % 2,
    pid: 4242,
    tid: 4242 + (seq % 3),
    comm: seq % 7 === 0 ? 'caf\u00e9' : 'workload',
    nr: 1,
    name: 'write',
    args: `1, "${seq}\\n", ${String(seq).length + 1}`,
    ret: seq % 11 === 0 ? -2n : BigInt(String(seq).length + 1),
    error: seq % 11 === 0 ? 'ENOENT' : null,
    unfinished: seq % 13 === 0,
    resumed: false,
    path: seq % 17 === 0 ? '/p/' + 'x'.repeat(seq % 20_000) : null,
    argv: null,
    address: null,
    port: null,
    ...over,
  };
}

test('a dump: its syscall rows read back whole, in or out of order, and the file passes the integrity check', (t) => {
  const rows = Array.from({ length: 30_000 }, (_, i) => eventRow(i + 1));
  // Two rows out of order (kept for an INSERT), one of them between others.
  const shuffled = [...rows.slice(0, 100), rows[29_999], ...rows.slice(100, 29_999)];
  for (const [name, input] of [
    ['ordered', rows],
    ['out of order', shuffled],
  ] as const) {
    const file = path.join(dir, `dump-${name.replace(/ /g, '-')}.db`);
    const res = writeDump(file, { container: CONTAINER, rows: input });
    t.is(res.events, rows.length);
    t.is(integrity(file), 'ok', name);
    t.deepEqual([...readDump(file).rows], rows, name);
    t.is(sqlite(file, "SELECT events FROM container; SELECT count(*) FROM errors; SELECT count(*) FROM syscall WHERE container_id = 'c1'"), `30000\n${Math.floor(30_000 / 11)}\n30000\n`);
  }
});
