/**
 * SQLite dumps (schema.ts): written whole or not at all, read back as rows.
 *
 * writeDump builds the file under a unique temporary name in the destination
 * directory (no journal: the file is one-shot, a failure throws it away):
 * SQLite makes the schema and the meta rows, the syscall rows are appended
 * as B-tree pages written into the file (pages.ts: a row through SQLite's
 * INSERT cost more than making it), and SQLite adds the rest. Then it fsyncs
 * the file, renames it over the destination and fsyncs the directory.
 * Readers never see a partial dump; after an error nothing is left behind.
 *
 * No in-memory variant on purpose: the HTTP layer streams the finished file
 * from disk, and archives of exited containers are these same plain dumps.
 *
 * readDump opens a dump (any straceback file of schema version 1) and
 * yields its rows; showDump is `straceback show FILE.db`.
 */
import Database from 'better-sqlite3';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ContainerInfo } from '../daemon/api';
import { containerEnding } from '../ending';
import { EventRow, HistoryRow, ProcessRow, mergeRowStreams } from '../rows';
import { hostArch } from '../syscalls/table';
import { chromeTrace } from './chrome';
import type { DumpWorker } from './dump-worker-client';
import { DbFileInfo, RowidTableAppender, readDbFileInfo } from './pages';
import { ndjson, textLines } from './stream';
import { CONTAINER_COLUMNS, EVENT_COLUMNS, SCHEMA_VIEWS_SQL, SCHEMA_TABLES_SQL, SCHEMA_VERSION, SYSCALL_COLUMNS, argvColumn, capsColumn, openFlags } from './schema';

/** The container a dump is about; the *Ns fields, when given, win over the ISO times of ContainerInfo. */
export type DumpContainer = ContainerInfo & {
  startedNs?: bigint;
  exitedNs?: bigint | null;
  completeSinceNs?: bigint | null;
};

export interface WriteDumpInput {
  container: DumpContainer;
  /** Oldest first; row.seq becomes syscall.id, so seqs must be unique. */
  rows: Iterable<EventRow> | EventRow[];
  /**
   * Signals and thread exits (rows.ts toProcessRows), oldest first; seq
   * becomes event.id. The init process's (container.pid) last exit among
   * them fills container.ended and end_signal, and exit_code when the
   * container gives none.
   */
  process?: Iterable<ProcessRow> | ProcessRow[];
  /** Extra meta rows (schema_version cannot be overridden). */
  meta?: Record<string, string>;
  /**
   * Whether the file must survive a crash of the machine once written
   * (fsync of the file and its directory; default true). A dump that is only
   * sent to a client and removed does not need it.
   */
  durable?: boolean;
  /** How many rows `rows` gives, when known: writeDumpAsync writes a big dump in a worker thread. */
  rowCount?: number;
  /** writeDumpAsync: in a worker thread (true) or in this one (false), whatever rowCount says. */
  worker?: boolean;
}

/** A dump less its syscall rows: what a worker thread writing the dump is given first. */
export type DumpFrame = Omit<WriteDumpInput, 'rows' | 'rowCount' | 'worker'>;

export interface WriteDumpResult {
  /** syscall rows written. */
  events: number;
  /** Size of the finished file. */
  bytes: number;
  /** writeDumpAsync: whether a worker thread wrote it. */
  worker?: boolean;
}

/** A container row as readDump returns it. */
export interface ContainerRow {
  id: string;
  name: string | null;
  pod: string | null;
  namespace: string | null;
  runtime: string | null;
  pid: number | null;
  mntns: string | null;
  state: string | null;
  bundle: string | null;
  startedNs: bigint | null;
  exitedNs: bigint | null;
  exitCode: number | null;
  labels: Record<string, string>;
  events: number;
  overwritten: number;
  lost: number;
  completeSinceNs: bigint | null;
  /** How init ended ("exited with 3", "killed by SIGSEGV"); null if the history did not hold it (or an older dump). */
  ended: string | null;
  endSignal: string | null;
}

/** Which rows readDump yields (all when empty). */
export interface DumpFilter {
  /** Syscall names. */
  syscalls?: string[];
  tid?: number;
  /** Only calls that returned an error. */
  failedOnly?: boolean;
  /** Unix epoch ns, inclusive. */
  since?: bigint;
  /** Unix epoch ns, exclusive. */
  until?: bigint;
  limit?: number;
}

export interface Dump {
  meta: Record<string, string>;
  containers: ContainerRow[];
  /** The syscall rows in time order; the file is closed when they are exhausted (or by close()). */
  rows: IterableIterator<EventRow>;
  /**
   * The process events (signals, thread exits) in time order, read at once;
   * filtered by tid, since and until (not by syscall name or failure: they
   * are context for the calls, as strace keeps them under -e trace=).
   * Empty for dumps written before the event table existed.
   */
  process: ProcessRow[];
  /** Closes the file early (safe to call more than once). */
  close(): void;
}

/** PRAGMA application_id of a dump: "STBK". */
export const APPLICATION_ID = 0x5354424b;

let versionCache: string | undefined;

/** straceback's version, from the package.json above this file (source or dist/). */
export function stracebackVersion(): string {
  if (versionCache !== undefined) return versionCache;
  let dir = __dirname;
  for (;;) {
    const file = path.join(dir, 'package.json');
    try {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'straceback' && typeof pkg.version === 'string') return (versionCache = pkg.version);
    } catch {
      // not here: keep looking upwards
    }
    const up = path.dirname(dir);
    if (up === dir) return (versionCache = 'unknown');
    dir = up;
  }
}

/** This host's architecture as the syscall tables name it (x86_64, arm64), else the kernel's name. */
function recordingArch(): string {
  try {
    return hostArch();
  } catch {
    return os.machine();
  }
}

function isoToNs(iso: string | null | undefined): bigint | null {
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? BigInt(ms) * 1_000_000n : null;
}

const SQLITE_TEXT: Record<string, string> = {
  SQLITE_FULL: 'disk full',
  SQLITE_IOERR: 'I/O error',
  SQLITE_READONLY: 'read-only file',
  SQLITE_CANTOPEN: 'cannot open the file',
  SQLITE_NOTADB: 'not an SQLite database',
  SQLITE_CORRUPT: 'the file is corrupt',
  SQLITE_NOMEM: 'out of memory',
  SQLITE_TOOBIG: 'a value is too big',
};

/** A short human reason for an fs or SQLite error, ending in its code. */
function reason(err: unknown, dir: string): string {
  const e = err as NodeJS.ErrnoException & { code?: string };
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code?.startsWith('SQLITE_')) {
    const base = code.replace(/^(SQLITE_[A-Z]+?)(_[A-Z_]+)?$/, '$1');
    const text = SQLITE_TEXT[code] ?? SQLITE_TEXT[base];
    return text ? `${text} (${code}: ${e.message})` : `${e.message} (${code})`;
  }
  switch (code) {
    case 'ENOENT':
      return `directory ${dir} does not exist (ENOENT)`;
    case 'ENOTDIR':
      return `${dir} is not a directory (ENOTDIR)`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied in ${dir} (${code})`;
    case 'EROFS':
      return `${dir} is on a read-only file system (EROFS)`;
    case 'ENOSPC':
    case 'EDQUOT':
      return `disk full (${code})`;
    case 'EISDIR':
      return `the destination is a directory (EISDIR)`;
    default:
      return code ? `${e.message.replace(/^[A-Z]+: /, '')} (${code})` : String(e?.message ?? err);
  }
}

function unlinkQuiet(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    // already gone
  }
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a directory; the rename is done either way.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** SQL string literal. */
function sqlText(v: string): string {
  if (v.includes('\0')) throw new Error('the container id contains a NUL character');
  return "'" + v.replace(/'/g, "''") + "'";
}

/**
 * Where a dump's syscall rows go: appended to the empty syscall table as
 * B-tree pages written into the file (pages.ts), in increasing id order. A
 * row whose id is not above the last one's (none from a ring or an archive,
 * which give them in time order) is kept for an INSERT once the pages are
 * written, so SQLite places it, or refuses it as a duplicate.
 */
export class SyscallRows {
  readonly pages: RowidTableAppender;
  /** container_id, the same in every row, as UTF-8. */
  readonly containerId: Buffer;
  /** Rows out of id order: their bound columns' values, putRow's order. */
  readonly late: unknown[][] = [];

  constructor(fd: number, info: DbFileInfo, root: number, containerId: string) {
    this.pages = new RowidTableAppender(fd, info, root);
    this.containerId = Buffer.from(containerId, 'utf8');
  }
}

/** The bound columns of an INSERT of a late row (SYSCALL_COLUMNS less container_id): putRow's order. */
const BOUND_COLUMNS = SYSCALL_COLUMNS.filter((c) => c !== 'container_id');

/**
 * Writes one syscall row, values in SYSCALL_COLUMNS order less container_id
 * (the table's column order: createDump checks it against the file's). SQLite
 * has no booleans (unfinished, resumed: 0/1); 64-bit values are BigInt. Both
 * row sources (row objects, packed rows) come through here, so the order is
 * written once.
 */
export function putRow(
  to: SyscallRows,
  seq: number,
  tsNs: bigint,
  durNs: bigint | null,
  cpu: number,
  pid: number,
  tid: number,
  comm: string | null,
  nr: number,
  name: string,
  args: string,
  ret: bigint | null,
  error: string | null,
  unfinished: number,
  resumed: number,
  path: string | null,
  argv: string | null,
  address: string | null,
  port: number | null,
  flags: string | null,
  caps: string | null,
  retDetail: string | null,
): void {
  if (!(seq > to.pages.lastRowid) || !Number.isSafeInteger(seq)) {
    to.late.push([seq, tsNs, durNs, cpu, pid, tid, comm, nr, name, args, ret, error, unfinished, resumed, path, argv, address, port, flags, caps, retDetail]);
    return;
  }
  const r = to.pages;
  // Last column first (pages.ts): written again when the leaf is full or the row needs overflow pages.
  do {
    r.begin();
    r.textOrNull(retDetail);
    r.textOrNull(caps);
    r.textOrNull(flags);
    if (port === null) r.nul();
    else r.int(port);
    r.textOrNull(address);
    r.textOrNull(argv);
    r.textOrNull(path);
    r.int(resumed);
    r.int(unfinished);
    r.textOrNull(error);
    if (ret === null) r.nul();
    else r.big(ret);
    r.text(args);
    r.text(name);
    r.int(nr);
    r.textOrNull(comm);
    r.int(tid);
    r.int(pid);
    r.int(cpu);
    if (durNs === null) r.nul();
    else r.big(durNs);
    r.big(tsNs);
    r.utf8(to.containerId);
    // id is the rowid: an INTEGER PRIMARY KEY column is NULL in the record.
    r.nul();
  } while (!r.end(seq));
}

/** putRow of a row object. */
function putEventRow(to: SyscallRows, r: EventRow): void {
  putRow(
    to,
    r.seq,
    r.tsNs,
    r.durNs,
    r.cpu,
    r.pid,
    r.tid,
    r.comm,
    r.nr,
    r.name,
    r.args,
    r.ret,
    r.error,
    r.unfinished ? 1 : 0,
    r.resumed ? 1 : 0,
    r.path,
    argvColumn(r.argv),
    r.address,
    r.port,
    openFlags(r.name, r.args),
    capsColumn(r.caps),
    r.retDetail ?? null,
  );
}

function insertEvents(db: Database.Database, containerId: string, rows: ProcessRow[]): void {
  const put = db.prepare(
    `INSERT INTO event(${EVENT_COLUMNS.join(',')}) VALUES (?,${sqlText(containerId)},${new Array(EVENT_COLUMNS.length - 2).fill('?').join(',')})`,
  );
  for (const r of rows) {
    put.run(
      r.seq,
      r.tsNs,
      r.cpu,
      r.pid,
      r.tid,
      r.comm,
      r.kind,
      r.signo,
      r.signame,
      r.siCode,
      r.detail,
      r.disposition,
      r.exitCode,
      r.killedBy,
      r.coreDumped ? 1 : 0,
      r.groupDead ? 1 : 0,
    );
  }
}

/**
 * Writes an SQLite dump of one container's rows to dest: whole or absent.
 * Throws `writing dump DEST: REASON (CODE)` on any failure, after removing its temporary file.
 */
export function writeDump(dest: string, input: WriteDumpInput): WriteDumpResult {
  return writeDumpFrom(dest, input, rowObjects(input.rows));
}

/** writeDump of the rows a RowSource gives (dump-worker.ts: packed rows). */
export function writeDumpFrom(dest: string, input: DumpFrame, source: RowSource): WriteDumpResult {
  const steps = writeDumpSteps(dest, input, source);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * writeDump that gives the event loop back every few thousand rows, so a
 * daemon writing a big dump keeps answering. A big dump (input.rowCount of
 * WORKER_ROWS or more on a host with 2 or more CPUs, or input.worker) is
 * written by a worker thread while this thread decodes its rows
 * (dump-worker-client.ts): a second core does SQLite's half of the work.
 * (The daemon asks dumpWorkerUseful first and says which in input.worker.)
 * `started`: a worker the caller started while it read the ring (it is used
 * unless input.worker is false, and closed either way).
 */
export async function writeDumpAsync(dest: string, input: WriteDumpInput, started?: DumpWorker): Promise<WriteDumpResult> {
  const big = (input.rowCount ?? 0) >= WORKER_ROWS && os.availableParallelism() >= 2;
  if (input.worker === true || (input.worker === undefined && (started || big))) {
    const { writeDumpInWorker } = await import('./dump-worker-client');
    return writeDumpInWorker(dest, input, started);
  }
  if (started) await started.close();
  const steps = writeDumpSteps(dest, input, rowObjects(input.rows));
  for (;;) {
    const step = steps.next();
    if (step.done) return { ...step.value, worker: false };
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/**
 * From this many rows on writeDumpAsync uses a worker thread. Starting one
 * with this module loaded takes 60-100 ms here. Snapshot, pairing and rows
 * into the file, container stopped, best of 5 (dump-stages.js, BENCH_RING_MIB
 * 8/16/32, rows appended as pages): 61,680 rows 0.091 s in one thread, 0.133
 * s with the worker started first; 123,361 rows 0.180 / 0.198 s; 246,723
 * rows 0.399 / 0.358 s. The two cross near 160,000.
 */
export const WORKER_ROWS = 160_000;

/**
 * Who writes a big dump: a worker thread when a CPU is idle (auto, the
 * default), a worker thread whatever the load (always), or the thread that
 * decodes the rows (never).
 */
export type DumpWorkerMode = 'auto' | 'always' | 'never';

/**
 * A worker thread helps only with a second CPU to run on that nothing else
 * wants now. On this 2-CPU VM, with a counter loop holding one of them
 * (dump-e2e.js, four runs), a 493,000-call dump written with the worker
 * made 0.79-0.94x the calls/s of one written in one thread; with the loop
 * stopped, 1.22-1.31x.
 */
export async function dumpWorkerUseful(): Promise<boolean> {
  if (os.availableParallelism() < 2) return false;
  const samples: number[] = [];
  for (let i = 0; i < RUNNABLE_SAMPLES; i++) {
    if (i > 0) await new Promise<void>((resolve) => setTimeout(resolve, 1));
    const n = runnableNow();
    if (n === null) return true;
    samples.push(n);
  }
  return cpuIdle(samples, os.cpus().length);
}

/** Readings of the host's runnable tasks a decision takes, 1 ms apart. */
const RUNNABLE_SAMPLES = 3;

/** Tasks runnable on the host now, this thread included (/proc/loadavg's fourth field, "2/345"); null when unreadable. */
function runnableNow(): number | null {
  try {
    const n = parseInt(fs.readFileSync('/proc/loadavg', 'latin1').split(' ')[3], 10);
    return Number.isFinite(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/**
 * Whether, by readings of the host's runnable tasks taken by a thread that
 * runs (so each counts it), a CPU is left for one more thread. The least
 * reading counts: a task runnable in every reading is busy, one seen once
 * (another thread of this process, a short-lived task) is not. On an idle
 * 2-CPU host 96 % of readings were 1; with a busy loop 92 % were 2.
 */
export function cpuIdle(samples: readonly number[], cpus: number): boolean {
  return Math.min(...samples) < cpus;
}

/** Where the rows of a dump come from: next() writes the next row (putRow), false when none is left. */
export interface RowSource {
  next(to: SyscallRows): boolean;
}

function rowObjects(rows: Iterable<EventRow>): RowSource {
  const it = rows[Symbol.iterator]();
  return {
    next(to) {
      const r = it.next();
      if (r.done) return false;
      putEventRow(to, r.value);
      return true;
    },
  };
}

/** Rows written between two chances for the event loop (writeDumpAsync). */
const ROWS_PER_STEP = 8192;

/** Opens the dump being written with SQLite: no journal (a failure throws the file away), no syncs until the end. */
function openForWriting(file: string): Database.Database {
  const db = new Database(file, { fileMustExist: true });
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('temp_store = MEMORY');
  // A small page cache: what SQLite writes itself is the schema and a few small tables.
  db.pragma('cache_size = -2048');
  return db;
}

/**
 * writeDump's work, stopping (yield) after every ROWS_PER_STEP rows. Three
 * stages on one temporary file: SQLite makes the schema and the meta rows;
 * the syscall rows are appended as pages (SyscallRows); SQLite adds the rows
 * that came out of order, the process events and the container row. The
 * file is renamed into place only when all three are done.
 */
function* writeDumpSteps(dest: string, input: DumpFrame, source: RowSource): Generator<void, WriteDumpResult> {
  const target = path.resolve(dest);
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  let db: Database.Database | undefined;
  let created = false;
  try {
    // Created here (not by SQLite) so the directory's errors come with their errno, and so we hold an fd to fsync.
    fd = fs.openSync(tmp, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o644);
    created = true;
    db = openForWriting(tmp);
    db.pragma('page_size = 16384');
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    const root = createDump(db, input);
    db.close();
    db = undefined;

    const rows = new SyscallRows(fd, readDbFileInfo(fd), root, input.container.id);
    let events = 0;
    while (source.next(rows)) {
      events++;
      if (events % ROWS_PER_STEP === 0) yield;
    }
    rows.pages.finish();

    db = openForWriting(tmp);
    completeDump(db, input, rows.late, events);
    db.close();
    db = undefined;
    if (input.durable !== false) fs.fsyncSync(fd);
    const bytes = fs.fstatSync(fd).size;
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, target);
    created = false;
    if (input.durable !== false) fsyncDir(dir);
    return { events, bytes };
  } catch (err) {
    throw new Error(`writing dump ${target}: ${reason(err, dir)}`, { cause: err });
  } finally {
    if (db) {
      try {
        db.close();
      } catch {
        // closing after a failure: the file goes away anyway
      }
    }
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // ditto
      }
    }
    if (created) {
      unlinkQuiet(tmp);
      unlinkQuiet(tmp + '-journal');
      unlinkQuiet(tmp + '-wal');
    }
  }
}

/** The schema (tables and views) and the meta rows. Returns the syscall table's root page, where its rows go. */
function createDump(db: Database.Database, input: DumpFrame): number {
  db.exec('BEGIN');
  db.exec(SCHEMA_TABLES_SQL);
  db.exec(SCHEMA_VIEWS_SQL);
  const meta: Record<string, string> = {
    straceback_version: stracebackVersion(),
    hostname: os.hostname(),
    kernel: os.release(),
    arch: recordingArch(),
    dumped_at: new Date().toISOString(),
    ...input.meta,
    schema_version: String(SCHEMA_VERSION),
  };
  const putMeta = db.prepare('INSERT INTO meta(key, value) VALUES (?, ?)');
  for (const [k, v] of Object.entries(meta)) putMeta.run(k, String(v));
  db.exec('COMMIT');
  // putRow writes a record's values in SYSCALL_COLUMNS order, which must be the table's.
  const columns = (db.pragma('table_info(syscall)') as Array<{ name: string }>).map((c) => c.name);
  if (columns.join(',') !== SYSCALL_COLUMNS.join(',')) throw new Error(`syscall columns ${columns.join(',')} are not putRow's ${SYSCALL_COLUMNS.join(',')}`);
  return db.prepare("SELECT rootpage FROM sqlite_schema WHERE type = 'table' AND name = 'syscall'").pluck().get() as number;
}

/** What the rows' pages leave: rows out of id order, the process events and the container row. */
function completeDump(db: Database.Database, input: DumpFrame, late: unknown[][], events: number): void {
  const c = input.container;
  db.exec('BEGIN');
  if (late.length) {
    const put = db.prepare(`INSERT INTO syscall(${BOUND_COLUMNS.join(',')}, container_id) VALUES (${BOUND_COLUMNS.map(() => '?').join(',')}, ?)`);
    for (const values of late) put.run(...values, c.id);
  }
  const processRows = input.process ? [...input.process] : [];
  insertEvents(db, c.id, processRows);
  const ending = c.pid ? containerEnding(processRows, c.pid) : null;

  const startedNs = c.startedNs ?? isoToNs(c.startedAt);
  const exitedNs = c.exitedNs !== undefined ? c.exitedNs : isoToNs(c.exitedAt);
  const completeSinceNs = c.completeSinceNs !== undefined ? c.completeSinceNs : isoToNs(c.completeSince);
  db.prepare(`INSERT INTO container(${CONTAINER_COLUMNS.join(',')}) VALUES (${CONTAINER_COLUMNS.map(() => '?').join(',')})`).run(
    c.id,
    c.name ?? null,
    c.pod ?? null,
    c.namespace ?? null,
    c.runtime ?? null,
    c.pid ?? null,
    c.mntns ?? null,
    c.state ?? null,
    c.bundle ?? null,
    startedNs,
    exitedNs,
    c.exitCode ?? ending?.runtimeExitCode ?? null,
    JSON.stringify(c.labels ?? {}),
    events,
    c.overwritten ?? 0,
    c.lost ?? 0,
    completeSinceNs,
    ending?.text ?? null,
    ending?.signal ?? null,
  );
  db.exec('COMMIT');
}

// ---------------------------------------------------------------------------
// Reading

const ROW_COLUMNS = 'id, ts_ns, dur_ns, cpu, pid, tid, comm, nr, name, args, ret, error, unfinished, resumed, path, argv, address, port';

/** ROW_COLUMNS, then caps and ret_detail, or NULL for a dump made before the column was. */
function rowColumns(have: ReadonlySet<string>): string {
  return ROW_COLUMNS + (have.has('caps') ? ', caps' : ', NULL') + (have.has('ret_detail') ? ', ret_detail' : ', NULL');
}

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : (v as number));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
const bigOrNull = (v: unknown): bigint | null => (v === null || v === undefined ? null : typeof v === 'bigint' ? v : BigInt(v as number));

function parseJson<T>(text: unknown, fallback: T): T {
  if (typeof text !== 'string') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

function toEventRow(r: unknown[]): EventRow {
  return {
    seq: num(r[0]),
    tsNs: r[1] as bigint,
    durNs: r[2] as bigint | null,
    cpu: num(r[3]),
    pid: num(r[4]),
    tid: num(r[5]),
    comm: r[6] as string,
    nr: num(r[7]),
    name: r[8] as string,
    args: r[9] as string,
    ret: r[10] as bigint | null,
    error: r[11] as string | null,
    unfinished: r[12] === 1n,
    resumed: r[13] === 1n,
    path: r[14] as string | null,
    argv: r[15] === null ? null : parseJson<string[] | null>(r[15], null),
    address: r[16] as string | null,
    port: numOrNull(r[17]),
  };
}

/** toEventRow, and the columns rowColumns adds. */
function toEventRowWithLater(r: unknown[]): EventRow {
  const row = toEventRow(r);
  if (typeof r[18] === 'string' && r[18] !== '') row.caps = r[18].split(' ');
  if (typeof r[19] === 'string') row.retDetail = r[19];
  return row;
}

function toProcessRow(r: Record<string, unknown>): ProcessRow {
  const kind = r.kind === 'signal' ? 'signal' : 'exit';
  const disposition = r.disposition === 'handler' || r.disposition === 'default' || r.disposition === 'ignore' ? r.disposition : null;
  return {
    kind,
    seq: num(r.id),
    tsNs: bigOrNull(r.ts_ns) ?? 0n,
    cpu: num(r.cpu),
    pid: num(r.pid),
    tid: num(r.tid),
    comm: String(r.comm),
    signo: numOrNull(r.signo),
    signame: (r.signame as string | null) ?? null,
    siCode: numOrNull(r.si_code),
    detail: String(r.detail),
    disposition,
    exitCode: numOrNull(r.exit_code),
    killedBy: (r.killed_by as string | null) ?? null,
    coreDumped: num(r.core_dumped) === 1,
    groupDead: num(r.group_dead) === 1,
  };
}

/** The process events of a dump that has an event table, filtered like its rows. */
function readProcessRows(db: Database.Database, filter: DumpFilter): ProcessRow[] {
  const conds: string[] = [];
  const params: unknown[] = [];
  if (filter.tid !== undefined) {
    conds.push('tid = ?');
    params.push(filter.tid);
  }
  if (filter.since !== undefined) {
    conds.push('ts_ns >= ?');
    params.push(filter.since);
  }
  if (filter.until !== undefined) {
    conds.push('ts_ns < ?');
    params.push(filter.until);
  }
  const sql = `SELECT ${EVENT_COLUMNS.join(', ')} FROM event${conds.length ? ' WHERE ' + conds.join(' AND ') : ''} ORDER BY id`;
  return (db.prepare(sql).all(...params) as Record<string, unknown>[]).map(toProcessRow);
}

function toContainerRow(r: Record<string, unknown>): ContainerRow {
  return {
    id: String(r.id),
    name: (r.name as string | null) ?? null,
    pod: (r.pod as string | null) ?? null,
    namespace: (r.namespace as string | null) ?? null,
    runtime: (r.runtime as string | null) ?? null,
    pid: numOrNull(r.pid),
    mntns: r.mntns === null || r.mntns === undefined ? null : String(r.mntns),
    state: (r.state as string | null) ?? null,
    bundle: (r.bundle as string | null) ?? null,
    startedNs: bigOrNull(r.started_ns),
    exitedNs: bigOrNull(r.exited_ns),
    exitCode: numOrNull(r.exit_code),
    labels: parseJson<Record<string, string>>(r.labels, {}),
    events: numOrNull(r.events) ?? 0,
    overwritten: numOrNull(r.overwritten) ?? 0,
    lost: numOrNull(r.lost) ?? 0,
    completeSinceNs: bigOrNull(r.complete_since_ns),
    ended: (r.ended as string | null | undefined) ?? null,
    endSignal: (r.end_signal as string | null | undefined) ?? null,
  };
}

/** Opens file read-only, turning open failures into `reading dump FILE: …` errors. */
function openReadOnly(file: string, where: string): Database.Database {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) throw new Error(`${where}: not a regular file`);
  } catch (err) {
    if ((err as Error).message.startsWith(where)) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`${where}: ${code === 'ENOENT' ? 'no such file (ENOENT)' : reason(err, path.dirname(file))}`, { cause: err });
  }
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    db.defaultSafeIntegers(true);
    return db;
  } catch (err) {
    throw new Error(`${where}: ${reason(err, path.dirname(file))}`, { cause: err });
  }
}

function rowQuery(filter: DumpFilter, columns = ROW_COLUMNS): { sql: string; params: unknown[] } {
  const conds: string[] = [];
  const params: unknown[] = [];
  if (filter.syscalls && filter.syscalls.length) {
    conds.push(`name IN (${filter.syscalls.map(() => '?').join(',')})`);
    params.push(...filter.syscalls);
  }
  if (filter.tid !== undefined) {
    conds.push('tid = ?');
    params.push(filter.tid);
  }
  if (filter.failedOnly) conds.push('error IS NOT NULL');
  if (filter.since !== undefined) {
    conds.push('ts_ns >= ?');
    params.push(filter.since);
  }
  if (filter.until !== undefined) {
    conds.push('ts_ns < ?');
    params.push(filter.until);
  }
  let sql = `SELECT ${columns} FROM syscall${conds.length ? ' WHERE ' + conds.join(' AND ') : ''} ORDER BY id`;
  if (filter.limit !== undefined) {
    sql += ' LIMIT ?';
    params.push(filter.limit);
  }
  return { sql, params };
}

/**
 * Opens a dump read-only: its meta, containers, and an iterator over its
 * syscall rows (filtered). A missing, corrupt, non-SQLite or non-straceback
 * file, or another schema version, throws `reading dump FILE: REASON`.
 *
 * meta and containers are read at once and the file closed again; the rows
 * iterator opens it anew when first pulled and closes it when exhausted,
 * returned early (break in for..of) or on close(). An iterator never pulled
 * holds nothing open.
 */
export function readDump(file: string, filter: DumpFilter = {}): Dump {
  const where = `reading dump ${file}`;
  const wrap = (err: unknown): Error =>
    err instanceof Error && err.message.startsWith(where) ? err : new Error(`${where}: ${reason(err, path.dirname(file))}`, { cause: err });
  let meta: Record<string, string>;
  let containers: ContainerRow[];
  let processRows: ProcessRow[] = [];
  let sql: string;
  let params: unknown[];
  const db = openReadOnly(file, where);
  try {
    const tables = new Set((db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all() as unknown[]).map(String));
    for (const t of ['meta', 'container', 'syscall']) {
      if (!tables.has(t)) throw new Error(`${where}: not a straceback dump (no ${t} table)`);
    }
    meta = {};
    for (const [k, v] of db.prepare('SELECT key, value FROM meta').raw().all() as unknown[][]) meta[String(k)] = String(v);
    const version = meta.schema_version;
    if (version === undefined) throw new Error(`${where}: not a straceback dump (no schema_version in meta)`);
    if (version !== String(SCHEMA_VERSION)) {
      throw new Error(`${where}: schema version ${version} is not supported (this straceback reads version ${SCHEMA_VERSION})`);
    }
    containers = (db.prepare('SELECT * FROM container ORDER BY rowid').all() as Record<string, unknown>[]).map(toContainerRow);
    // Columns and tables added to version 1 later (schema.ts): read when the dump has them.
    const syscallColumns = new Set((db.prepare("SELECT name FROM pragma_table_info('syscall')").pluck().all() as unknown[]).map(String));
    ({ sql, params } = rowQuery(filter, rowColumns(syscallColumns)));
    // Compiling the row query checks the syscall table has every column now, not halfway through a stream.
    db.prepare(sql);
    if (tables.has('event')) processRows = readProcessRows(db, filter);
  } catch (err) {
    throw wrap(err);
  } finally {
    db.close();
  }

  let closed = false;
  let rowsDb: Database.Database | undefined;
  let active: IterableIterator<unknown[]> | undefined;
  const close = (): void => {
    closed = true;
    if (!rowsDb) return;
    try {
      // A statement still being iterated keeps the connection busy: finish it first.
      active?.return?.();
    } catch {
      // closing anyway
    }
    active = undefined;
    rowsDb.close();
    rowsDb = undefined;
  };

  function* rows(): Generator<EventRow, void, undefined> {
    if (closed) return;
    try {
      rowsDb = openReadOnly(file, where);
      active = rowsDb.prepare(sql).raw(true).iterate(...params) as IterableIterator<unknown[]>;
      for (const r of active) yield toEventRowWithLater(r);
    } catch (err) {
      if (closed) return;
      throw wrap(err);
    } finally {
      close();
    }
  }
  return { meta, containers, rows: rows(), process: processRows, close };
}

/** Output options of showDump. */
export interface ShowOptions {
  format: 'text' | 'json' | 'chrome';
  syscalls?: string[];
  tid?: number;
  failedOnly?: boolean;
  utc?: boolean;
}

/**
 * `straceback show FILE.db`: the dump's rows, in chunks of output that end
 * with a newline. Filters run in SQL.
 *
 * - text: the text format (stream.ts textLines), exactly what `run` and the
 *   HTTP API print for the same calls.
 * - json: NDJSON, one JSON object per call and line, the same objects as
 *   `GET /v1/containers/{ref}/events?format=ndjson` (stream.ts jsonLine):
 *   EventRow's keys, 64-bit values (tsNs, durNs, ret) as decimal strings.
 *   Chosen over one big document so a large dump streams in constant memory
 *   and `jq -c 'select(.error)'` and line tools work on it directly.
 *
 * The file is read right away, so a missing or bad dump throws here, before
 * anything is printed.
 */
export function showDump(file: string, opts: ShowOptions): Iterable<string> {
  if (!['text', 'json', 'chrome'].includes(opts.format)) throw new Error(`unknown format ${String(opts.format)} (text, json or chrome)`);
  const dump = readDump(file, { syscalls: opts.syscalls, tid: opts.tid, failedOnly: opts.failedOnly });
  // Signals and thread ends go between the calls, by time, as strace prints them.
  const history: Iterable<HistoryRow> = dump.process.length ? mergeRowStreams(dump.rows, dump.process) : dump.rows;
  if (opts.format === 'json') return ndjson(history);
  if (opts.format === 'chrome') return chromeTrace(history, { dump: file });
  // The few return values decoded by architecture follow the recording host's, not this one's.
  const arch = dump.meta.arch === 'x86_64' || dump.meta.arch === 'arm64' ? dump.meta.arch : undefined;
  return textLines(history, { utc: opts.utc, arch });
}

/** Records a container's exit code in its archive when it was learnt after archiving. */
export function setArchivedExitCode(file: string, id: string, exitCode: number): void {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.prepare('UPDATE container SET exit_code = ? WHERE id = ?').run(exitCode, id);
  } catch (err) {
    throw new Error(`updating the exit code in ${file}: ${(err as Error).message}`);
  } finally {
    db.close();
  }
}
