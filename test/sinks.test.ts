/**
 * The sinks on real recordings: SQLite dumps read by the real sqlite3 shell,
 * crash safety on real file systems (missing, read-only and full ones), and
 * the streaming encoders checked against recorder/render.ts.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Unpackr } from 'msgpackr';
import { bootToWallOffsetNs } from '../recorder/clock';
import { ContainerInfo } from '../recorder/daemon/api';
import { SyscallEvent } from '../recorder/events';
import { Recorder } from '../recorder/recorder';
import { renderEvent, renderEvents } from '../recorder/render';
import { EventRow, toRows } from '../recorder/rows';
import { CaptureKind, SyscallTable } from '../recorder/syscalls/types';
import { SCHEMA_VERSION, nthArg, openFlags } from '../recorder/sinks/schema';
import { WORKER_ROWS, cpuIdle, dumpWorkerUseful, readDump, showDump, stracebackVersion, writeDump, writeDumpAsync } from '../recorder/sinks/sqlite';
import { jsonLine, msgpack, ndjson, textLines } from '../recorder/sinks/stream';
import { busyLoops, helperBin, repoRoot, spawnGatedShell, startWorkload } from './lib/procs';

const SQLITE3 = '/usr/bin/sqlite3';

interface Recording {
  events: SyscallEvent[];
  rows: EventRow[];
}

let table: SyscallTable;
let offset: bigint;
/** workload `sequence FILE 20`. */
let seq: Recording & { file: string };
/** sh that execs `busybox nc 127.0.0.1 PORT` on a port nothing listens on. */
let nc: Recording & { port: number };

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-sinks-'));

function container(over: Partial<ContainerInfo> = {}): ContainerInfo {
  return {
    id: 'c0ffee' + crypto.randomBytes(4).toString('hex'),
    name: 'web',
    pod: 'web-7d4',
    namespace: 'default',
    runtime: 'runc',
    pid: 4242,
    mntns: '4026532000',
    state: 'exited',
    startedAt: '2025-11-23T14:00:00.000Z',
    exitedAt: '2025-11-23T14:05:00.500Z',
    exitCode: 3,
    events: 0,
    overwritten: 7,
    lost: 0,
    completeSince: '2025-11-23T14:00:01.000Z',
    bundle: '/run/bundle',
    labels: { app: 'web', 'io.kubernetes.pod.name': 'web-7d4' },
    ...over,
  };
}

function freshDir(): string {
  return fs.mkdtempSync(path.join(tmpRoot, 'd-'));
}

/** Runs one query in the real sqlite3 shell (read-only, list mode, '|' between columns). */
function sql(file: string, query: string): string {
  return execFileSync(SQLITE3, ['-readonly', '-batch', file, query], { encoding: 'utf8' }).trimEnd();
}

const reEscape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Real rows repeated with fresh seqs and increasing times, for the big-file tests. */
function manyRows(base: EventRow[], n: number): EventRow[] {
  const span = base[base.length - 1].tsNs - base[0].tsNs + 1000n;
  return Array.from({ length: n }, (_, i) => ({
    ...base[i % base.length],
    seq: i + 1,
    tsNs: base[i % base.length].tsNs + BigInt(Math.floor(i / base.length)) * span,
  }));
}

function mount(args: string[], dir: string): void {
  execFileSync('mount', [...args, dir]);
}

function umount(dir: string): void {
  try {
    execFileSync('umount', [dir]);
  } catch {
    execFileSync('umount', ['-l', dir]);
  }
}

async function recordSequence(rec: Recorder): Promise<Recording & { file: string }> {
  const file = path.join(tmpRoot, `seq-${process.pid}-${Date.now()}`);
  const w = await startWorkload(['--unshare', 'sequence', file, '20']);
  const { handle } = rec.addProcess(w.pid);
  w.go();
  const res = await w.done;
  if (res.code !== 0) throw new Error(`workload failed: ${res.stderr}`);
  const events = rec.snapshot(handle).events;
  rec.removeContainer(handle);
  return { file, events, rows: toRows(events, rec.table, { wallOffsetNs: offset }) };
}

/** A port nothing listens on: bound by a server that is closed again. */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

async function recordConnect(rec: Recorder): Promise<Recording & { port: number }> {
  const port = await closedPort();
  // The shell reports once it runs in its own mount namespace, waits for a line, then execs nc.
  const { child, closed } = await spawnGatedShell(`echo ready; read x; exec busybox nc 127.0.0.1 ${port}`);
  const { handle } = rec.addProcess(child.pid!);
  child.stdin.end('go\n');
  const code = await closed;
  if (code === 0) throw new Error('nc connected to a port nothing listens on');
  const events = rec.snapshot(handle).events;
  rec.removeContainer(handle);
  return { port, events, rows: toRows(events, rec.table, { wallOffsetNs: offset }) };
}

test.before(async () => {
  if (!fs.existsSync(helperBin('workload'))) execFileSync('make', ['-s', '-C', path.join(repoRoot(), 'test', 'helpers')]);
  offset = bootToWallOffsetNs();
  const rec = new Recorder();
  try {
    table = rec.table;
    seq = await recordSequence(rec);
    nc = await recordConnect(rec);
  } finally {
    rec.close();
  }
});

test.after.always(() => {
  fs.rmSync(tmpRoot, { recursive: true, force: true });
});

test('a dump of a real recording opens in the sqlite3 shell: meta, counts, opens, errors', (t) => {
  const dir = freshDir();
  const file = path.join(dir, 'seq.db');
  const c = container();
  const res = writeDump(file, { container: c, rows: seq.rows, meta: { source: 'test' } });
  t.is(res.events, seq.rows.length);
  t.is(res.bytes, fs.statSync(file).size);
  t.deepEqual(fs.readdirSync(dir), ['seq.db'], 'a temporary file was left behind');

  t.is(sql(file, 'PRAGMA integrity_check'), 'ok');
  t.is(sql(file, "SELECT value FROM meta WHERE key = 'schema_version'"), '1');
  const meta = Object.fromEntries(sql(file, 'SELECT key, value FROM meta').split('\n').map((l) => l.split('|')));
  t.is(meta.straceback_version, stracebackVersion());
  t.is(meta.straceback_version, JSON.parse(fs.readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')).version);
  t.is(meta.hostname, os.hostname());
  t.is(meta.kernel, os.release());
  t.true(Math.abs(Date.parse(meta.dumped_at) - Date.now()) < 60_000, meta.dumped_at);
  t.is(meta.source, 'test');
  t.is(sql(file, "SELECT name FROM sqlite_schema WHERE type = 'view' ORDER BY name"), 'connects\nerrors\nexecs\nopens');

  t.is(sql(file, 'SELECT count(*) FROM syscall'), String(seq.rows.length));
  t.is(
    sql(file, 'SELECT id, name, pod, namespace, runtime, pid, mntns, started_ns, exited_ns, exit_code, labels, events, overwritten, lost, complete_since_ns FROM container'),
    [c.id, 'web', 'web-7d4', 'default', 'runc', '4242', '4026532000', '1763906400000000000', '1763906700500000000', '3',
      JSON.stringify(c.labels), String(seq.rows.length), '7', '0', '1763906401000000000'].join('|'),
  );

  const open = seq.rows.find((r) => r.name === 'openat' && r.path === seq.file)!;
  t.truthy(open, 'the openat of the unique path was not recorded');
  // flags: the argument after the path, as the text format prints it (O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC).
  const flags = nthArg(open.args, 2)!;
  t.regex(flags, /O_CREAT|0x80241/);
  t.is(sql(file, `SELECT path, flags, fd, error FROM opens WHERE path = '${seq.file}'`), `${seq.file}|${flags}|${open.ret}|`);
  // 64-bit times survive exactly.
  t.is(sql(file, `SELECT ts_ns, dur_ns FROM syscall WHERE id = ${open.seq}`), `${open.tsNs}|${open.durNs}`);
  t.is(sql(file, "SELECT fd, error FROM opens WHERE path = '/nonexistent/straceback'"), '|ENOENT');
  const failed = seq.rows.find((r) => r.path === '/nonexistent/straceback')!;
  t.is(failed.error, 'ENOENT');
  t.is(sql(file, "SELECT name, args, ret, error FROM errors WHERE args LIKE '%/nonexistent/straceback%'"), `openat|${failed.args}|-2|ENOENT`);
  t.is(sql(file, 'SELECT count(*) FROM errors'), String(seq.rows.filter((r) => r.error !== null).length));
  t.is(sql(file, "SELECT count(*) FROM syscall WHERE name = 'getpid'"), '20');
  // The exit_group the workload ends with is unfinished: no duration, no return.
  t.is(sql(file, "SELECT unfinished, dur_ns IS NULL, ret IS NULL FROM syscall WHERE name = 'exit_group'"), '1|1|1');
  // No index to build at every dump: the views scan the table.
  t.is(sql(file, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'syscall'"), '0');
});

test('execs and connects from a real exec and a refused connect', (t) => {
  const dir = freshDir();
  const file = path.join(dir, 'nc.db');
  writeDump(file, { container: container(), rows: nc.rows });
  const ok = sql(file, 'SELECT path, argv, ret FROM execs WHERE error IS NULL').split('|');
  t.regex(ok[0], /\/busybox$/);
  t.deepEqual(JSON.parse(ok[1]), ['busybox', 'nc', '127.0.0.1', String(nc.port)]);
  t.is(ok[2], '0');
  // argv is JSON the shell's own JSON functions read.
  t.is(sql(file, "SELECT group_concat(value, ' ') FROM execs, json_each(execs.argv) WHERE execs.error IS NULL"), `busybox nc 127.0.0.1 ${nc.port}`);
  t.is(sql(file, "SELECT name, address, port, ret, error FROM connects WHERE name = 'connect'"), `connect|127.0.0.1|${nc.port}|-111|ECONNREFUSED`);
  t.regex(sql(file, "SELECT comm FROM connects WHERE name = 'connect'"), /nc|busybox/);
});

test('readDump gives back exactly the rows written, the container, and filters in SQL', (t) => {
  const dir = freshDir();
  const file = path.join(dir, 'seq.db');
  const c = container();
  writeDump(file, { container: c, rows: seq.rows });
  const d = readDump(file);
  t.is(d.meta.schema_version, String(SCHEMA_VERSION));
  t.is(d.containers.length, 1);
  const got = d.containers[0];
  t.like(got, { id: c.id, name: 'web', pod: 'web-7d4', pid: 4242, mntns: '4026532000', state: 'exited', bundle: '/run/bundle', exitCode: 3 });
  t.deepEqual(got.labels, c.labels);
  t.is(got.startedNs, 1763906400000000000n);
  t.is(got.events, seq.rows.length);
  t.deepEqual([...d.rows], seq.rows);

  const failed = [...readDump(file, { failedOnly: true }).rows];
  t.deepEqual(failed, seq.rows.filter((r) => r.error !== null));
  t.deepEqual([...readDump(file, { syscalls: ['openat', 'close'] }).rows], seq.rows.filter((r) => r.name === 'openat' || r.name === 'close'));
  const tid = seq.rows[seq.rows.length - 1].tid;
  t.deepEqual([...readDump(file, { tid }).rows], seq.rows.filter((r) => r.tid === tid));
  t.deepEqual([...readDump(file, { limit: 3 }).rows], seq.rows.slice(0, 3));
  // Exec'd rows from another recording round-trip too (argv, sockaddr).
  const file2 = path.join(dir, 'nc.db');
  writeDump(file2, { container: container(), rows: nc.rows });
  t.deepEqual([...readDump(file2).rows], nc.rows);

  // Stopping early closes the file; so does close() on an iterator never pulled.
  const early = readDump(file);
  for (const r of early.rows) {
    t.is(r.seq, seq.rows[0].seq);
    break;
  }
  readDump(file).close();
  t.deepEqual(fs.readdirSync(dir).sort(), ['nc.db', 'seq.db']);
});

test('text stream equals renderEvents on the same real events (local time and UTC, any chunk size)', (t) => {
  for (const rec of [seq, nc]) {
    for (const utc of [false, true]) {
      const want = renderEvents(rec.events, table, { wallOffsetNs: offset, utc });
      t.is([...textLines(rec.rows, { utc })].join(''), want);
      const small = [...textLines(rec.rows, { utc, chunkBytes: 200 })];
      t.true(small.length > 1);
      t.is(small.join(''), want);
      for (const chunk of small) t.true(chunk.endsWith('\n'));
      for (const chunk of small.slice(0, -1)) t.true(chunk.length >= 200);
    }
  }
  // The shapes the text format has: resumed, unfinished, exit_group's "= ?", errors with messages.
  const text = [...textLines(seq.rows)].join('');
  t.regex(text, / exit_group\(0\) = \?\n$/);
  t.regex(text, /openat\(AT_FDCWD, "\/nonexistent\/straceback", [^)]*\) = -1 ENOENT \(No such file or directory\) <\d\.\d{6}>\n/);
});

test('text lines equal renderEvent for unfinished, resumed, unknown errno, pointer, huge and slow calls', (t) => {
  const base = seq.events.find((e) => !e.resumed && !e.unfinished && e.items.length > 0)!;
  const nrOf = (name: string): number => table.byName.get(name)!.nr;
  const variants: SyscallEvent[] = [
    { ...base, ret: undefined, durNs: undefined, unfinished: true },
    { ...base, args: [], items: [], resumed: true, durNs: undefined },
    { ...base, ret: -600n },
    { ...base, ret: -4095n },
    { ...base, ret: -4096n },
    { ...base, ret: 2n ** 62n + 1n },
    { ...base, ret: -(2n ** 62n) },
    { ...base, durNs: 12_345_678_901n },
    { ...base, durNs: 2n ** 60n },
    { ...base, durNs: 999n },
    { ...base, nr: nrOf('mmap'), args: [0n, 4096n, 3n, 0x22n, 2n ** 64n - 1n, 0n], items: [], ret: 0x7f12_3456_7000n },
    { ...base, nr: nrOf('mmap'), args: [0n, 4096n, 3n, 0x22n, 2n ** 64n - 1n, 0n], items: [], ret: -12n },
    { ...base, nr: nrOf('exit'), args: [1n], items: [], ret: undefined, durNs: undefined, unfinished: true },
    { ...base, nr: nrOf('getpid'), args: [], items: [], bootNs: base.bootNs + 999_999_999n },
    { ...base, comm: 'caf\u00e9 bar' },
    { ...base, ret: -512n },
    // Return values strace prints with the help of an argument, which rows keep only as text.
    { ...base, nr: nrOf('fcntl'), args: [3n, 3n, 0n], items: [], ret: 0x8002n },
    { ...base, nr: nrOf('fcntl'), args: [3n, 1n, 0n], items: [], ret: 1n },
    { ...base, nr: nrOf('fcntl'), args: [3n, 1034n, 0n], items: [], ret: 5n },
    { ...base, nr: nrOf('fcntl'), args: [3n, 4n, 0x800n], items: [], ret: 0n },
    { ...base, nr: nrOf('prctl'), args: [3n, 0n, 0n, 0n, 0n], items: [], ret: 1n },
    { ...base, nr: nrOf('umask'), args: [0o22n], items: [], ret: 0o22n },
    { ...base, nr: nrOf('poll'), args: [0n, 0n, 10n], items: [], ret: 0n },
    { ...base, nr: nrOf('sched_getscheduler'), args: [1n], items: [], ret: 0n },
    { ...base, nr: nrOf('fcntl'), args: [], items: [], ret: 0x8002n, resumed: true, durNs: undefined },
    { ...base, nr: nrOf('read'), args: [0n, 0x1000n, 10n], items: [], ret: undefined, durNs: undefined, unfinished: true },
    // What strace prints after the return value from data the call wrote: rows carry it (retDetail).
    ...pollEvents(base),
  ];
  for (const ev of variants) {
    for (const utc of [false, true]) {
      const want = renderEvent(ev, table, { wallOffsetNs: offset, utc }) + '\n';
      t.is([...textLines(toRows([ev], table, { wallOffsetNs: offset }), { utc })].join(''), want);
    }
  }
  // A whole second boundary crossed between two rows: the cached "HH:MM:SS" moves on.
  const evs = [0n, 999_999_999n, 1_000_000_000n, 61_000_000_123n, 3_600_000_000_000n].map((d) => ({ ...base, bootNs: base.bootNs + d }));
  t.is([...textLines(toRows(evs, table, { wallOffsetNs: offset }), { utc: true })].join(''), renderEvents(evs, table, { wallOffsetNs: offset, utc: true }));
});

/** poll and ppoll calls that returned with revents set (and ppoll's time left). */
function pollEvents(base: SyscallEvent): SyscallEvent[] {
  const nr = (name: string): number => table.byName.get(name)!.nr;
  const pfd = (fd: number, events: number, revents: number): Buffer => {
    const b = Buffer.alloc(8);
    b.writeInt32LE(fd, 0);
    b.writeUInt16LE(events, 4);
    b.writeUInt16LE(revents, 6);
    return b;
  };
  const item = (arg: number, kind: number, data: Buffer) => ({ arg, kind, truncated: false, fault: false, more: false, data });
  const ts = Buffer.alloc(16);
  ts.writeBigInt64LE(999_997_255n, 8);
  return [
    { ...base, nr: nr('poll'), args: [0x1000n, 1n, 0n], items: [item(0, CaptureKind.MEM_IN, pfd(3, 1, 0)), item(0, CaptureKind.MEM_OUT, pfd(3, 1, 1))], ret: 1n },
    {
      ...base,
      nr: nr('ppoll'),
      args: [0x1000n, 1n, 0x2000n, 0n, 8n],
      items: [item(0, CaptureKind.MEM_IN, pfd(4, 4, 0)), item(2, CaptureKind.MEM_IN, ts), item(0, CaptureKind.MEM_OUT, pfd(4, 4, 4)), item(2, CaptureKind.MEM_OUT, ts)],
      ret: 1n,
    },
  ];
}

test("poll's revents after the return value survive a dump, NDJSON and msgpack", (t) => {
  const base = seq.events.find((e) => !e.resumed && !e.unfinished)!;
  const evs = pollEvents(base);
  const rows = toRows(evs, table, { wallOffsetNs: offset });
  t.is(rows[0].retDetail, '[{fd=3, revents=POLLIN}]');
  t.is(rows[1].retDetail, '[{fd=4, revents=POLLOUT}], left {tv_sec=0, tv_nsec=999997255}');
  t.regex(renderEvent(evs[0], table, { wallOffsetNs: offset }), /poll\(\[\{fd=3, events=POLLIN\}\], 1, 0\) = 1 \(\[\{fd=3, revents=POLLIN\}\]\) </);
  const file = path.join(freshDir(), 'poll.db');
  writeDump(file, { container: container(), rows });
  t.deepEqual([...readDump(file).rows], rows);
  t.is(sql(file, 'SELECT ret_detail FROM syscall ORDER BY id'), rows.map((r) => r.retDetail).join('\n'));
  t.is([...showDump(file, { format: 'text' })].join(''), [...textLines(rows)].join(''));
  t.deepEqual(JSON.parse(jsonLine(rows[0])).retDetail, rows[0].retDetail);
  t.deepEqual(new Unpackr({ useRecords: false, int64AsType: 'bigint' }).unpackMultiple(Buffer.concat([...msgpack(rows)])), rows);
  // Other calls have none, and their rows no such key.
  t.false('retDetail' in seq.rows[0]);
});

const jsonOf = (r: EventRow): Record<string, unknown> =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v]));

test('ndjson: one JSON object per line, EventRow keys in order, 64-bit values as decimal strings', (t) => {
  const rows = [...seq.rows, ...nc.rows];
  const chunks = [...ndjson(rows, { chunkBytes: 1000 })];
  t.true(chunks.length > 1);
  const lines = chunks.join('').split('\n');
  t.is(lines.pop(), '');
  t.is(lines.length, rows.length);
  lines.forEach((line, i) => {
    const obj = JSON.parse(line) as Record<string, unknown>;
    t.deepEqual(Object.keys(obj), Object.keys(rows[i]));
    t.deepEqual(obj, jsonOf(rows[i]));
    t.is(line, JSON.stringify(rows[i], (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
  });
  // 64-bit values of every size, across second boundaries (the seconds' digits are cached).
  const odd = [5n, 999_999_999n, 1_000_000_000n, 1_000_000_001n, 1_999_999_999n, 2n ** 63n - 1n].map((tsNs, i) => ({
    ...seq.rows[1],
    seq: i + 1,
    tsNs,
    durNs: i % 2 ? 2n ** 60n + 1n : 0n,
    ret: i % 2 ? -(2n ** 62n) - 1n : -1n,
  }));
  t.deepEqual([...ndjson(odd)].join('').trimEnd().split('\n'), odd.map((r) => JSON.stringify(jsonOf(r))));
  const open = JSON.parse(jsonLine(seq.rows.find((r) => r.path === seq.file)!)) as { tsNs: string; ret: string };
  t.is(typeof open.tsNs, 'string');
  t.true(BigInt(open.tsNs) > 10n ** 18n);
});

test('msgpack: a stream of maps with EventRow keys; 64-bit values are int64', (t) => {
  const rows = [...seq.rows, ...nc.rows];
  const chunks = [...msgpack(rows, { chunkBytes: 2000 })];
  t.true(chunks.length > 1);
  for (const c of chunks) t.true(Buffer.isBuffer(c));
  const buf = Buffer.concat(chunks);
  const got = new Unpackr({ useRecords: false, int64AsType: 'bigint' }).unpackMultiple(buf) as EventRow[];
  t.is(got.length, rows.length);
  t.deepEqual(got, rows);
  t.deepEqual(Object.keys(got[0]), Object.keys(rows[0]));
  // tsNs is encoded as int64 (0xd3) right after its key.
  const key = Buffer.from([0xa4, ...Buffer.from('tsNs')]);
  const at = buf.indexOf(key);
  t.true(at > 0);
  t.is(buf[at + key.length], 0xd3);
  // Extra properties on a row are not packed.
  const extra = { ...rows[1], containerId: 'x' } as EventRow;
  t.deepEqual(new Unpackr({ useRecords: false, int64AsType: 'bigint' }).unpackMultiple(Buffer.concat([...msgpack([extra])])), [rows[1]]);
});

test('showDump: text equals the stream, json is NDJSON, filters apply', (t) => {
  const dir = freshDir();
  const file = path.join(dir, 'seq.db');
  writeDump(file, { container: container(), rows: seq.rows });
  t.is([...showDump(file, { format: 'text', utc: true })].join(''), renderEvents(seq.events, table, { wallOffsetNs: offset, utc: true }));
  t.is([...showDump(file, { format: 'text' })].join(''), renderEvents(seq.events, table, { wallOffsetNs: offset }));
  const json = [...showDump(file, { format: 'json' })].join('').trimEnd().split('\n');
  t.deepEqual(
    json.map((l) => JSON.parse(l) as unknown),
    seq.rows.map(jsonOf),
  );
  const failed = [...showDump(file, { format: 'text', failedOnly: true, utc: true })].join('');
  t.is(failed.split('\n').length, 2);
  t.regex(failed, /openat\(AT_FDCWD, "\/nonexistent\/straceback".* ENOENT/);
  const opens = [...showDump(file, { format: 'json', syscalls: ['openat', 'unlinkat'] })].join('').trimEnd().split('\n');
  t.deepEqual(opens.map((l) => (JSON.parse(l) as EventRow).name), seq.rows.filter((r) => r.name === 'openat' || r.name === 'unlinkat').map((r) => r.name));
  t.is([...showDump(file, { format: 'text', tid: 1 })].join(''), '');
  t.throws(() => showDump(path.join(dir, 'none.db'), { format: 'text' }), { message: /reading dump .*none\.db: no such file/ });
});

test('a dump into a missing directory fails clearly and creates nothing', (t) => {
  const dir = freshDir();
  const target = path.join(dir, 'no', 'such', 'x.db');
  const err = t.throws(() => writeDump(target, { container: container(), rows: seq.rows }));
  t.is(err?.message, `writing dump ${target}: directory ${path.dirname(target)} does not exist (ENOENT)`);
  t.deepEqual(fs.readdirSync(dir), []);
});

test.serial('a dump into a read-only directory fails clearly; the existing dump stays as it was', (t) => {
  const dir = freshDir();
  mount(['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs'], dir);
  t.teardown(() => umount(dir));
  const target = path.join(dir, 'x.db');
  writeDump(target, { container: container(), rows: seq.rows.slice(0, 5) });
  mount(['-o', 'remount,ro'], dir);
  const err = t.throws(() => writeDump(target, { container: container(), rows: seq.rows }));
  t.is(err?.message, `writing dump ${target}: ${dir} is on a read-only file system (EROFS)`);
  t.deepEqual(fs.readdirSync(dir), ['x.db']);
  t.is([...readDump(target).rows].length, 5);
});

for (const how of ['writeDump', 'writeDumpAsync, in a worker thread'] as const) {
  test.serial(`a full disk (${how}): a clear error with its code, no temporary file, and the previous dump stays whole`, async (t) => {
    const dir = freshDir();
    mount(['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs'], dir);
    t.teardown(() => umount(dir));
    const target = path.join(dir, 'x.db');
    writeDump(target, { container: container(), rows: seq.rows });
    const before = fs.readFileSync(target);
    const big = manyRows([...seq.rows, ...nc.rows], 60_000);
    const err =
      how === 'writeDump'
        ? t.throws(() => writeDump(target, { container: container(), rows: big }))
        : await t.throwsAsync(writeDumpAsync(target, { container: container(), rows: big, worker: true }));
    t.regex(err?.message ?? '', new RegExp(`^writing dump ${reEscape(target)}: disk full \\((SQLITE_FULL|ENOSPC)`));
    // The daemon tells a full disk (503, retry later) from a bug (500) by this code.
    t.regex(String((err?.cause as { code?: string } | undefined)?.code), /^(SQLITE_FULL|ENOSPC)/);
    t.deepEqual(fs.readdirSync(dir), ['x.db']);
    t.deepEqual(fs.readFileSync(target), before);
    t.deepEqual([...readDump(target).rows], seq.rows);
    t.is(sql(target, 'PRAGMA integrity_check'), 'ok');
  });
}
test('a failure while rows are produced, or bad rows, leave nothing behind', (t) => {
  const dir = freshDir();
  const target = path.join(dir, 'x.db');
  function* failing(): Generator<EventRow> {
    yield* seq.rows.slice(0, 10);
    throw new Error('ring vanished');
  }
  const err = t.throws(() => writeDump(target, { container: container(), rows: failing() }));
  t.is(err?.message, `writing dump ${target}: ring vanished`);
  t.deepEqual(fs.readdirSync(dir), []);
  const dup = [seq.rows[0], seq.rows[0]];
  t.throws(() => writeDump(target, { container: container(), rows: dup }), { message: /^writing dump .*x\.db: UNIQUE constraint failed: syscall\.id \(SQLITE_CONSTRAINT_PRIMARYKEY\)$/ });
  t.deepEqual(fs.readdirSync(dir), []);
  // A dump that succeeds replaces an older one whole.
  writeDump(target, { container: container(), rows: seq.rows.slice(0, 3) });
  writeDump(target, { container: container(), rows: seq.rows });
  t.is(sql(target, 'SELECT count(*) FROM syscall'), String(seq.rows.length));
  t.deepEqual(fs.readdirSync(dir), ['x.db']);
  // An empty history is a valid dump.
  const empty = path.join(dir, 'empty.db');
  t.is(writeDump(empty, { container: container(), rows: [] }).events, 0);
  t.is(sql(empty, 'SELECT count(*) FROM syscall; SELECT events FROM container'), '0\n0');
});

/** Every row of every table but meta's dump time, as SQLite holds them: integers as BigInt, reals as numbers, text whole (NULs too). */
function tableDump(file: string): unknown[][][] {
  const db = new Database(file, { readonly: true });
  try {
    const q = (sqlText: string) => db.prepare(sqlText).raw().safeIntegers().all() as unknown[][];
    return [q('SELECT * FROM syscall ORDER BY id'), q('SELECT * FROM event ORDER BY id'), q('SELECT * FROM container'), q("SELECT * FROM meta WHERE key <> 'dumped_at' ORDER BY key")];
  } finally {
    db.close();
  }
}

/** Rows with every odd value a column can hold: NULLs, 0 and negatives, huge numbers, strings with NUL, \x01, non-BMP characters. */
function oddRows(): EventRow[] {
  const base = manyRows([...seq.rows, ...nc.rows], 300);
  const odd: Partial<EventRow>[] = [
    { unfinished: true, ret: null, durNs: null, error: null },
    { resumed: true, durNs: null, ret: -2n, error: 'ENOENT' },
    { ret: -9223372036854775808n, durNs: 0n, port: 0, address: '@abstract\0name', path: 'a\x01b\0c' },
    { ret: 9223372036854775807n, port: 65535, address: '::1', argv: ['sh', '-c', 'echo "\u{1F600}" \\ \u0000'], comm: 'ä\u{1F600}' },
    { caps: ['CAP_SYS_ADMIN', 'CAP_NET_RAW'], retDetail: '[{fd=4, revents=POLLIN}]', args: '' },
    { caps: [], retDetail: undefined, path: '', address: '', argv: [], cpu: 0, pid: 0, tid: 0, nr: 0 },
    { name: 'openat', args: 'AT_FDCWD, "/etc/\u{1F600}", O_RDONLY|O_CLOEXEC', path: '/etc/\u{1F600}' },
  ];
  return base.map((r, i) => ({ ...r, ...(i % 10 === 3 ? odd[(i / 10) % odd.length | 0] : {}) }));
}

test('writeDumpAsync in a worker thread writes the same file as writeDump: every table, every type, every odd value', async (t) => {
  const dir = freshDir();
  const rows = oddRows();
  const big = manyRows([...seq.rows, ...nc.rows], 30_000);
  for (const [name, input] of [['odd', rows], ['big', big]] as const) {
    const c = container({ events: input.length });
    const proc = [{ kind: 'exit' as const, seq: 1, tsNs: 1n, cpu: 0, pid: 4242, tid: 4242, comm: 'init', signo: null, signame: null, siCode: null, detail: 'exited with 3', disposition: null, exitCode: 3, killedBy: null, coreDumped: false, groupDead: true }];
    const here = path.join(dir, `${name}-here.db`);
    const there = path.join(dir, `${name}-worker.db`);
    const a = writeDump(here, { container: c, rows: input, process: proc, meta: { note: 'x' } });
    const b = await writeDumpAsync(there, { container: c, rows: input, process: proc, meta: { note: 'x' }, worker: true });
    t.is(b.events, a.events);
    t.is(b.events, input.length);
    const want = tableDump(here);
    if (name === 'odd') t.true(want[0].some((r) => r.includes('a\x01b\0c')), 'the odd path is in the file, whole');
    t.deepEqual(tableDump(there), want, name);
  }
  t.deepEqual(fs.readdirSync(dir).sort(), ['big-here.db', 'big-worker.db', 'odd-here.db', 'odd-worker.db']);
});

test('writeDumpAsync uses the worker from WORKER_ROWS rows on, and its file reads back as the rows written', async (t) => {
  const dir = freshDir();
  const rows = manyRows([...seq.rows, ...nc.rows], WORKER_ROWS);
  const big = await writeDumpAsync(path.join(dir, 'big.db'), { container: container(), rows, rowCount: rows.length });
  t.true(big.worker, 'written by a worker thread');
  t.deepEqual([...readDump(path.join(dir, 'big.db')).rows], rows);
  const few = rows.slice(0, WORKER_ROWS - 1);
  const small = await writeDumpAsync(path.join(dir, 'small.db'), { container: container(), rows: few, rowCount: few.length });
  t.false(small.worker, 'one row fewer: in this thread');
  t.deepEqual([...readDump(path.join(dir, 'small.db')).rows], few);
  t.false((await writeDumpAsync(path.join(dir, 'forced.db'), { container: container(), rows, rowCount: rows.length, worker: false })).worker);
});

test('a CPU counts as idle by the least of the runnable-task readings, which count the thread that reads', (t) => {
  t.true(cpuIdle([1, 1, 1], 2), 'only the reader runs');
  t.true(cpuIdle([2, 1, 3], 2), 'others ran now and then, not in every reading');
  t.false(cpuIdle([2, 2, 3], 2), 'another task ran in every reading: no CPU left on two');
  t.true(cpuIdle([2, 2, 3], 4));
  t.false(cpuIdle([4, 5, 4], 4));
  t.false(cpuIdle([1], 1));
});

test.serial('with every other CPU busy, no CPU is idle for a dump worker', async (t) => {
  // One busy loop fewer than the CPUs: the thread that asks makes the last one busy.
  const loops = busyLoops(os.cpus().length - 1);
  t.teardown(() => loops.forEach((p) => p.kill('SIGKILL')));
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.false(await dumpWorkerUseful());
});

test('a worker started before its dump is known writes it, even a small one; one not needed is closed and writes nothing', async (t) => {
  const { DumpWorker } = await import('../recorder/sinks/dump-worker-client');
  const dir = freshDir();
  const rows = oddRows();
  const c = container();
  const here = path.join(dir, 'here.db');
  writeDump(here, { container: c, rows });
  const used = DumpWorker.start();
  const r = await writeDumpAsync(path.join(dir, 'started.db'), { container: c, rows, rowCount: rows.length }, used);
  t.true(r.worker, 'the started worker wrote it');
  t.deepEqual(tableDump(path.join(dir, 'started.db')), tableDump(here));
  await t.throwsAsync(writeDumpAsync(path.join(dir, 'again.db'), { container: c, rows }, used), { message: 'a dump worker writes one dump' });
  // The caller said no worker: the started one is let go and this thread writes.
  const unused = DumpWorker.start();
  const f = await writeDumpAsync(path.join(dir, 'forced.db'), { container: c, rows, rowCount: rows.length, worker: false }, unused);
  t.false(f.worker);
  t.true(unused.ended, 'the unused worker has ended');
  // One let go at once, before it has even started, ends too.
  const idle = DumpWorker.start();
  await idle.close();
  t.true(idle.ended, 'the idle worker has ended');
  t.deepEqual(fs.readdirSync(dir).sort(), ['forced.db', 'here.db', 'started.db']);
});

test('in the worker thread: a failure while rows are produced, or bad rows, leave nothing behind, with writeDump\'s errors', async (t) => {
  const dir = freshDir();
  const target = path.join(dir, 'x.db');
  const big = manyRows(seq.rows, 20_000);
  function* failing(): Generator<EventRow> {
    yield* big;
    throw Object.assign(new Error('ring vanished'), { code: 'EIO' });
  }
  const err = await t.throwsAsync(writeDumpAsync(target, { container: container(), rows: failing(), worker: true }));
  t.is(err?.message, `writing dump ${target}: ring vanished (EIO)`);
  t.is((err?.cause as { code?: string } | undefined)?.code, 'EIO', 'the code goes with it: a storage error stays one');
  t.deepEqual(fs.readdirSync(dir), []);
  const dup = [...big.slice(0, 10_000), big[5]];
  await t.throwsAsync(writeDumpAsync(target, { container: container(), rows: dup, worker: true }), {
    message: /^writing dump .*x\.db: UNIQUE constraint failed: syscall\.id \(SQLITE_CONSTRAINT_PRIMARYKEY\)$/,
  });
  t.deepEqual(fs.readdirSync(dir), []);
  t.is((await writeDumpAsync(target, { container: container(), rows: [], worker: true })).events, 0);
  t.is(sql(target, 'SELECT count(*) FROM syscall'), '0');
});

test('readDump names the file in clear errors: missing, not SQLite, foreign SQLite, other version, truncated', (t) => {
  const dir = freshDir();
  const missing = path.join(dir, 'missing.db');
  t.throws(() => readDump(missing), { message: `reading dump ${missing}: no such file (ENOENT)` });

  const random = path.join(dir, 'random.db');
  fs.writeFileSync(random, crypto.randomBytes(8192));
  t.throws(() => readDump(random), { message: new RegExp(`^reading dump ${reEscape(random)}: not an SQLite database \\(SQLITE_NOTADB`) });

  const text = path.join(dir, 'notes.txt');
  fs.writeFileSync(text, 'just some text\n'.repeat(100));
  t.throws(() => readDump(text), { message: new RegExp(`^reading dump ${reEscape(text)}: not an SQLite database`) });

  const foreign = path.join(dir, 'foreign.db');
  const db = new Database(foreign);
  db.exec('CREATE TABLE foo(x); INSERT INTO foo VALUES (1)');
  db.close();
  t.throws(() => readDump(foreign), { message: `reading dump ${foreign}: not a straceback dump (no meta table)` });

  const v2 = path.join(dir, 'v2.db');
  writeDump(v2, { container: container(), rows: seq.rows });
  execFileSync(SQLITE3, [v2, "UPDATE meta SET value = '2' WHERE key = 'schema_version'"]);
  t.throws(() => readDump(v2), { message: `reading dump ${v2}: schema version 2 is not supported (this straceback reads version 1)` });

  const cut = path.join(dir, 'cut.db');
  writeDump(cut, { container: container(), rows: manyRows(seq.rows, 20_000) });
  fs.truncateSync(cut, Math.floor(fs.statSync(cut).size / 2));
  const err = t.throws(() => {
    const d = readDump(cut);
    let n = 0;
    for (const _ of d.rows) n++;
    return n;
  });
  t.regex(err?.message ?? '', new RegExp(`^reading dump ${reEscape(cut)}: `));
  t.regex(err?.message ?? '', /corrupt|malformed/);
});

test('flags of the opens: the argument after the path, whatever the path holds', (t) => {
  t.is(nthArg('AT_FDCWD, "/etc/passwd", 0x80000, 00', 2), '0x80000');
  t.is(nthArg('AT_FDCWD, "/a \\", b, c", 0x2, 00', 2), '0x2');
  t.is(nthArg('AT_FDCWD, "/a \\\\", 0x41, 0644', 2), '0x41');
  t.is(nthArg('["a", "b, c"], 3', 1), '3');
  t.is(nthArg('1', 0), '1');
  t.is(nthArg('1', 1), null);
  t.is(nthArg('', 0), null);
  t.is(openFlags('openat', 'AT_FDCWD, "/x, y", O_WRONLY|O_CREAT, 0600'), 'O_WRONLY|O_CREAT');
  t.is(openFlags('open', '"/x", 0x0'), '0x0');
  t.is(openFlags('openat2', 'AT_FDCWD, "/x", {flags=O_RDONLY|O_CLOEXEC, mode=0, resolve=0}, 24'), 'O_RDONLY|O_CLOEXEC');
  t.is(openFlags('openat2', 'AT_FDCWD, "/x", 0x7ffc1000, 24'), '0x7ffc1000');
  t.is(openFlags('creat', '"/x", 0644'), 'O_WRONLY|O_CREAT|O_TRUNC');
  t.is(openFlags('openat', ''), null);
  t.is(openFlags('read', '3, "x", 1'), null);
});
