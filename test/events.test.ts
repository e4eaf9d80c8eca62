/**
 * Process events on the real kernel: signals acted on, threads and processes
 * ending, capabilities refused. Real processes (test/helpers/procevents),
 * a real runc container, real `strace -f` on the same helper for the
 * expected text, real sqlite3 on the dumps.
 */
import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bootToWallOffsetNs } from '../recorder/clock';
import { capabilityName } from '../recorder/decode/caps';
import { printSiginfo } from '../recorder/decode/siginfo';
import { containerEnding } from '../recorder/ending';
import { ExitEvent, HistoryEvent, SignalEvent, isProcessEvent, mergeHistory, pairHistory } from '../recorder/events';
import { KIND_CAP, KIND_SIGNAL, KIND_TASK_EXIT, parseRecords } from '../recorder/records';
import { Recorder, Snapshot } from '../recorder/recorder';
import { renderEvents } from '../recorder/render';
import { EventRow, ProcessRow, mergeRows, toProcessRows, toRows } from '../recorder/rows';
import { chromeTrace } from '../recorder/sinks/chrome';
import { readDump, showDump, writeDump } from '../recorder/sinks/sqlite';
import { ndjson, textLines } from '../recorder/sinks/stream';
import { helperBin, startWorkload } from './lib/procs';
import { makeBundle, RuncContainer, uniqueId } from './lib/runc';

const SQLITE3 = '/usr/bin/sqlite3';
const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-events-'));
test.after.always(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

let rec: Recorder;
test.before(() => {
  rec = new Recorder();
});
test.after.always(() => rec?.close());

interface Recorded {
  pid: number;
  snap: Snapshot;
  history: HistoryEvent[];
  /** Rendered lines without the "time [cpu] pid/tid comm " prefix. */
  bodies: string[];
  lines: string[];
  code: number | null;
  signal: string | null;
}

const offset = bootToWallOffsetNs();

/** "12:00:00.123456789 [1] 10/11 comm rest" -> "rest". */
const bodyOf = (line: string): string => line.replace(/^\d\d:\d\d:\d\d\.\d{9} \[\d+\] \d+\/\d+ \S* /, '');

/** Runs procevents MODE in its own mount namespace, recorded from the go byte on. */
async function recordHelper(args: string[]): Promise<Recorded> {
  const w = await startWorkload(['--unshare', ...args], { program: 'procevents' });
  const { handle } = rec.addProcess(w.pid);
  try {
    w.go();
    const res = await w.done;
    const snap = rec.snapshot(handle);
    const history = mergeHistory(snap.events, snap.process);
    const lines = renderEvents(history, rec.table, { wallOffsetNs: offset }).trimEnd().split('\n');
    return { pid: w.pid, snap, history, lines, bodies: lines.map(bodyOf), code: res.code, signal: res.signal };
  } finally {
    rec.removeContainer(handle);
  }
}

/** strace -f's lines for procevents MODE, each "TID body", the go byte on its stdin. */
function straceHelper(args: string[]): { pid: number; lines: { tid: number; body: string }[] } {
  const out = path.join(tmpRoot, `strace-${args[0]}-${Date.now()}.txt`);
  const r = spawnSync('strace', ['-f', '-o', out, helperBin('procevents'), ...args], { input: 'g', encoding: 'utf8' });
  if (r.error) throw r.error;
  const pid = Number(/^ready (\d+)$/m.exec(r.stdout)?.[1]);
  const lines = fs
    .readFileSync(out, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => {
      const m = /^(\d+) +(.*)$/.exec(l);
      return { tid: Number(m?.[1]), body: m?.[2] ?? l };
    });
  return { pid, lines };
}

/** The process events and the dump input rows of a recording. */
function rowsOf(r: Recorded): { rows: EventRow[]; proc: ProcessRow[] } {
  return { rows: toRows(r.snap.events, rec.table, { wallOffsetNs: offset }), proc: toProcessRows(r.snap.process, { wallOffsetNs: offset }) };
}

function sql(file: string, query: string): string {
  return execFileSync(SQLITE3, ['-readonly', '-batch', file, query], { encoding: 'utf8' }).trimEnd();
}

function dumpOf(r: Recorded, name: string, exitCode: number | null = null): { file: string; rows: EventRow[]; proc: ProcessRow[] } {
  const { rows, proc } = rowsOf(r);
  const file = path.join(tmpRoot, `${name}.db`);
  writeDump(file, {
    container: {
      id: `${name}-${r.pid}`,
      name,
      pod: null,
      namespace: null,
      runtime: 'test',
      pid: r.pid,
      mntns: '1',
      state: 'exited',
      startedAt: new Date().toISOString(),
      exitedAt: new Date().toISOString(),
      exitCode,
      events: rows.length,
      overwritten: 0,
      lost: 0,
      completeSince: null,
      bundle: null,
      labels: {},
    } as unknown as Parameters<typeof writeDump>[1]['container'],
    rows,
    process: proc,
  });
  return { file, rows, proc };
}

test.serial('a crash: the history ends with the SIGSEGV and the kill, exactly as strace -f prints them', async (t) => {
  const target = '/etc/hostname';
  const r = await recordHelper(['segv', target]);
  t.is(r.signal, 'SIGSEGV');
  const n = r.bodies.length;
  t.is(r.bodies[n - 3], `openat(AT_FDCWD, "${target}", O_RDONLY) = 3 <${r.bodies[n - 3].split('<')[1]}`);
  t.is(r.bodies[n - 2], '--- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL} ---');
  t.is(r.bodies[n - 1], '+++ killed by SIGSEGV +++');
  t.regex(r.lines[n - 1], new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{9} \\[\\d+\\] ${r.pid}/${r.pid} procevents \\+\\+\\+`));

  // strace -f on the same program prints the same two last lines.
  const s = straceHelper(['segv', target]);
  const last = s.lines.slice(-2).map((l) => l.body);
  t.deepEqual(last, r.bodies.slice(-2));

  const sig = r.snap.process.find((p): p is SignalEvent => p.type === 'signal')!;
  t.is(sig.signo, 11);
  t.is(sig.handler, 0n, 'the default action');
  const exit = r.snap.process.find((p): p is ExitEvent => p.type === 'exit')!;
  t.is(exit.status, 11);
  t.true(exit.groupDead);
  t.is(exit.tid, r.pid);
});

test.serial('a crash in the dump: event rows, the container ending, show text and chrome instants', async (t) => {
  const r = await recordHelper(['segv', '/etc/hostname']);
  const { file, rows, proc } = dumpOf(r, 'crash');
  t.is(sql(file, "SELECT kind, signo, signame, si_code, detail, disposition FROM event WHERE kind = 'signal'"), 'signal|11|SIGSEGV|1|{si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL}|default');
  t.is(sql(file, "SELECT kind, tid, signame, detail, exit_code IS NULL, killed_by, core_dumped, group_dead FROM event WHERE kind = 'exit'"), `exit|${r.pid}|SIGSEGV|killed by SIGSEGV|1|SIGSEGV|0|1`);
  t.is(sql(file, 'SELECT ended, end_signal, exit_code FROM container'), 'killed by SIGSEGV|SIGSEGV|139');

  const ending = containerEnding(proc, r.pid);
  t.deepEqual(ending && { ...ending, tsNs: 0n }, {
    exitCode: null,
    signal: 'SIGSEGV',
    signo: 11,
    coreDumped: false,
    runtimeExitCode: 139,
    text: 'killed by SIGSEGV',
    tsNs: 0n,
  });
  t.is(containerEnding(rows, r.pid), null, 'syscall rows alone tell nothing');
  t.is(containerEnding(proc, r.pid + 1), null, 'another process');

  // Read back: the same rows; show prints the signal and the kill after the calls, as render.ts does.
  const d = readDump(file);
  t.deepEqual(d.process, proc);
  t.is(d.containers[0].ended, 'killed by SIGSEGV');
  t.is(d.containers[0].endSignal, 'SIGSEGV');
  d.close();
  const text = [...showDump(file, { format: 'text' })].join('');
  t.is(text, renderEvents(r.history, rec.table, { wallOffsetNs: offset }));
  t.is([...textLines(mergeRows(rows, proc))].join(''), text);
  // A syscall filter keeps the process events, as strace's -e trace= does.
  const opens = [...showDump(file, { format: 'text', syscalls: ['openat'] })].join('').trimEnd().split('\n').map(bodyOf);
  t.deepEqual(opens.slice(-2), r.bodies.slice(-2));
  t.true(opens.slice(0, -2).every((l) => l.startsWith('openat(')));

  const json = [...showDump(file, { format: 'json' })].join('').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  t.deepEqual(
    json.filter((o) => o.kind).map((o) => [o.kind, o.detail]),
    [
      ['signal', '{si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL}'],
      ['exit', 'killed by SIGSEGV'],
    ],
  );
  t.is([...ndjson(mergeRows(rows, proc))].join(''), [...showDump(file, { format: 'json' })].join(''));

  const trace = JSON.parse([...chromeTrace(mergeRows(rows, proc))].join('')) as { traceEvents: { name: string; ph: string; cat?: string; tid: number }[] };
  const instants = trace.traceEvents.filter((e) => e.cat === 'signal' || e.cat === 'exit');
  t.deepEqual(
    instants.map((e) => [e.name, e.ph, e.tid]),
    [
      ['--- SIGSEGV ---', 'i', r.pid],
      ['+++ killed by SIGSEGV +++', 'i', r.pid],
    ],
  );
  const shown = JSON.parse([...showDump(file, { format: 'chrome' })].join('')) as { traceEvents: { cat?: string }[] };
  t.is(shown.traceEvents.filter((e) => e.cat === 'signal').length, 1);
});

test.serial('exit 3: "+++ exited with 3 +++" after exit_group, as strace prints it; the ending is exit code 3', async (t) => {
  const r = await recordHelper(['exit', '3']);
  t.is(r.code, 3);
  t.deepEqual(r.bodies.slice(-2), ['exit_group(3) = ?', '+++ exited with 3 +++']);
  const s = straceHelper(['exit', '3']);
  t.deepEqual(s.lines.slice(-2).map((l) => l.body.replace(/ +=/, ' =')), r.bodies.slice(-2));
  const { file, proc } = dumpOf(r, 'exit3');
  t.like(containerEnding(proc, r.pid), { exitCode: 3, signal: null, runtimeExitCode: 3, text: 'exited with 3' });
  t.is(sql(file, 'SELECT ended, end_signal IS NULL, exit_code FROM container'), 'exited with 3|1|3');
  // An exit code the runtime reported wins over the one derived from the history.
  const other = dumpOf(r, 'exit3-reported', 0);
  t.is(sql(other.file, 'SELECT ended, exit_code FROM container'), 'exited with 3|0');
});

test.serial('killed with SIGKILL from outside: the blocked call, the SIGKILL with its sender, then "+++ killed by SIGKILL +++"', async (t) => {
  const w = await startWorkload(['--unshare', 'sleep', '60000']);
  const { handle } = rec.addProcess(w.pid);
  let snap: Snapshot;
  try {
    w.go();
    await new Promise((r) => setTimeout(r, 200));
    process.kill(w.pid, 'SIGKILL');
    t.is((await w.done).signal, 'SIGKILL');
    snap = rec.snapshot(handle);
  } finally {
    rec.removeContainer(handle);
  }
  const bodies = renderEvents(mergeHistory(snap.events, snap.process), rec.table, { wallOffsetNs: offset }).trimEnd().split('\n').map(bodyOf);
  t.regex(bodies[bodies.length - 3], /^nanosleep\(\{tv_sec=60, tv_nsec=0\}, /);
  // strace shows no "--- SIGKILL" line: the kernel keeps no siginfo for it. Recorded as it was sent, it names the sender.
  t.is(bodies[bodies.length - 2], `--- SIGKILL {si_signo=SIGKILL, si_code=SI_USER, si_pid=${process.pid}, si_uid=0} ---`);
  t.is(bodies[bodies.length - 1], '+++ killed by SIGKILL +++');
  t.like(containerEnding(toProcessRows(snap.process, { wallOffsetNs: offset }), w.pid), { signal: 'SIGKILL', runtimeExitCode: 137 });
});

test.serial('killed by the kernel at its hard CPU limit: the SIGKILL as SI_KERNEL, then "+++ killed by SIGKILL +++"', async (t) => {
  const w = await startWorkload(['--unshare', 'counter', '0']);
  const { handle } = rec.addProcess(w.pid);
  let snap: Snapshot;
  try {
    execFileSync('prlimit', ['--pid', String(w.pid), '--cpu=1:1']);
    w.go();
    t.is((await w.done).signal, 'SIGKILL');
    snap = rec.snapshot(handle);
  } finally {
    rec.removeContainer(handle);
  }
  const bodies = renderEvents(mergeHistory(snap.events, snap.process), rec.table, { wallOffsetNs: offset }).trimEnd().split('\n').map(bodyOf);
  t.deepEqual(bodies.slice(-2), ['--- SIGKILL {si_signo=SIGKILL, si_code=SI_KERNEL} ---', '+++ killed by SIGKILL +++']);
});

test.serial('a thread that ends on its own shows its exit under its tid; the process ends with the last thread', async (t) => {
  const r = await recordHelper(['thread', '5']);
  t.is(r.code, 0);
  const exits = r.snap.process.filter((p): p is ExitEvent => p.type === 'exit');
  t.is(exits.length, 2);
  const [thread, main] = exits;
  t.not(thread.tid, r.pid);
  t.is(thread.pid, r.pid);
  t.false(thread.groupDead);
  t.is(thread.status, 5 << 8);
  t.is(main.tid, r.pid);
  t.true(main.groupDead);
  const threadLines = r.lines.filter((l) => l.includes(` ${r.pid}/${thread.tid} `)).map(bodyOf);
  t.deepEqual(threadLines.slice(-2), ['exit(5) = ?', '+++ exited with 5 +++']);
  t.deepEqual(r.bodies.slice(-1), ['+++ exited with 0 +++']);
  t.like(containerEnding(toProcessRows(r.snap.process, { wallOffsetNs: offset }), r.pid), { exitCode: 0, signal: null });

  // strace -f: the same two exit lines, one per thread.
  const s = straceHelper(['thread', '5']);
  const straceExits = s.lines.filter((l) => l.body.startsWith('+++'));
  t.deepEqual(
    straceExits.map((l) => [l.tid === s.pid ? 'main' : 'thread', l.body]),
    [
      ['thread', '+++ exited with 5 +++'],
      ['main', '+++ exited with 0 +++'],
    ],
  );
});

test.serial('a signal with a handler: strace\'s line with the sender, then the handler\'s calls and rt_sigreturn', async (t) => {
  const r = await recordHelper(['usr1']);
  t.is(r.code, 0);
  const at = r.bodies.findIndex((b) => b.startsWith('--- SIGUSR1'));
  t.true(at > 0, r.bodies.join('\n'));
  t.is(r.bodies[at], `--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER, si_pid=${r.pid}, si_uid=0} ---`);
  t.regex(r.bodies[at - 1], new RegExp(`^kill\\(${r.pid}, SIGUSR1\\) = 0 <`));
  t.regex(r.bodies[at + 1], /^getppid\(\) = \d+ </);
  t.regex(r.bodies[at + 2], /^rt_sigreturn\(/);
  const sig = r.snap.process.find((p): p is SignalEvent => p.type === 'signal')!;
  t.true(sig.handler > 1n, 'the handler address is recorded');
  t.is(toProcessRows([sig], { wallOffsetNs: 0n })[0].disposition, 'handler');

  const s = straceHelper(['usr1']);
  const straceLine = s.lines.find((l) => l.body.startsWith('--- SIGUSR1'))!.body;
  t.is(straceLine.replace(`si_pid=${s.pid}`, 'si_pid=PID'), r.bodies[at].replace(`si_pid=${r.pid}`, 'si_pid=PID'));
});

test.serial('a refused capability: EPERM calls show [CAP_SYS_ADMIN], in rows, text, JSON and the dump', async (t) => {
  const r = await recordHelper(['capdrop']);
  t.is(r.code, 0);
  const capRecords = r.snap.records.filter((x) => x.kind === KIND_CAP);
  t.true(capRecords.length >= 2);
  t.true(capRecords.every((x) => x.cap === 21 && x.capRet === -1));
  const host = r.bodies.find((b) => b.startsWith('sethostname('));
  const mount = r.bodies.find((b) => b.startsWith('mount('));
  t.regex(host ?? '', /\) = -1 EPERM \(Operation not permitted\) \[CAP_SYS_ADMIN\] <\d+\.\d{6}>$/);
  t.is(mount?.replace(/ <[\d.]+>$/, ''), 'mount("none", "/tmp", "tmpfs", 0, NULL) = -1 EPERM (Operation not permitted) [CAP_SYS_ADMIN]');
  // Calls that succeeded carry no annotation.
  t.false(r.bodies.some((b) => b.includes('[CAP_') && !b.includes('EPERM')));

  const { file, rows } = dumpOf(r, 'caps');
  const mountRow = rows.find((x) => x.name === 'mount')!;
  t.deepEqual(mountRow.caps, ['CAP_SYS_ADMIN']);
  t.is(rows.find((x) => x.name === 'getpid')?.caps, undefined);
  t.is(sql(file, "SELECT name, error, caps FROM syscall WHERE caps IS NOT NULL ORDER BY id"), 'sethostname|EPERM|CAP_SYS_ADMIN\nmount|EPERM|CAP_SYS_ADMIN');
  const d = readDump(file, { syscalls: ['mount'] });
  t.deepEqual([...d.rows].map((x) => x.caps), [['CAP_SYS_ADMIN']]);
  const text = [...showDump(file, { format: 'text', syscalls: ['mount'] })].join('');
  t.regex(text, /mount\("none", "\/tmp", "tmpfs", 0, NULL\) = -1 EPERM \(Operation not permitted\) \[CAP_SYS_ADMIN\] </);
  const json = JSON.parse([...ndjson([mountRow])].join('')) as { caps: string[] };
  t.deepEqual(json.caps, ['CAP_SYS_ADMIN']);

  // strace prints the same calls failing with EPERM (straceback adds the capability).
  const s = straceHelper(['capdrop']);
  t.regex(s.lines.find((l) => l.body.startsWith('mount('))!.body, /= -1 EPERM \(Operation not permitted\)$/);
});

test.serial('a runc container whose init crashes: the refused hostname, the SIGSEGV, the kill and the ending, 139 as runc says', async (t) => {
  const dir = fs.mkdtempSync(path.join(tmpRoot, 'runc-'));
  const bundle = makeBundle(dir, {
    args: ['/bin/sh', '-c', 'hostname straceback-renamed; exec /bin/procevents --now segv /etc/hostname'],
  });
  fs.copyFileSync(helperBin('procevents-static'), path.join(bundle.rootfs, 'bin', 'procevents'));
  fs.chmodSync(path.join(bundle.rootfs, 'bin', 'procevents'), 0o755);
  const g = await RuncContainer.runGated(bundle, uniqueId('crash'));
  const { handle } = rec.addProcess(g.pid);
  let snap: Snapshot;
  let code: number | null;
  try {
    g.go();
    code = (await g.done).code;
    snap = rec.snapshot(handle);
  } finally {
    rec.removeContainer(handle);
  }
  t.is(code, 139);
  const history = mergeHistory(snap.events, snap.process);
  const lines = renderEvents(history, rec.table, { wallOffsetNs: offset }).trimEnd().split('\n');
  const bodies = lines.map(bodyOf);
  t.true(
    bodies.some((b) => /^sethostname\(.*\) = -1 EPERM \(Operation not permitted\) \[CAP_SYS_ADMIN\] </.test(b)),
    bodies.filter((b) => b.startsWith('sethostname')).join('\n'),
  );
  const initLines = lines.filter((l) => l.includes(` ${g.pid}/${g.pid} `)).map(bodyOf);
  t.deepEqual(initLines.slice(-2), ['--- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL} ---', '+++ killed by SIGSEGV +++']);
  const proc = toProcessRows(snap.process, { wallOffsetNs: offset });
  const ending = containerEnding(proc, g.pid);
  t.like(ending, { signal: 'SIGSEGV', exitCode: null, runtimeExitCode: code ?? -1 });
});

test.serial('a version-1 dump from before the event table and caps column still reads and shows', async (t) => {
  const r = await recordHelper(['capdrop']);
  const { file, rows } = dumpOf(r, 'older');
  // The tables as they were: copies without the new columns under the old names.
  const keep = (table: string, drop: string[]): string => {
    const cols = sql(file, `SELECT name FROM pragma_table_info('${table}')`).split('\n').filter((c) => !drop.includes(c));
    return `CREATE TABLE old_${table} AS SELECT ${cols.join(', ')} FROM ${table}; DROP TABLE ${table}; ALTER TABLE old_${table} RENAME TO ${table};`;
  };
  execFileSync(SQLITE3, [
    file,
    'DROP VIEW execs; DROP VIEW opens; DROP VIEW connects; DROP VIEW errors; DROP TABLE event;' +
      keep('syscall', ['caps']) +
      keep('container', ['ended', 'end_signal']),
  ]);
  t.is(sql(file, "SELECT count(*) FROM sqlite_schema WHERE name = 'event' OR sql LIKE '%caps%' OR sql LIKE '%end_signal%'"), '0');
  const d = readDump(file);
  const back = [...d.rows];
  t.deepEqual(d.process, []);
  t.is(d.containers[0].ended, null);
  t.is(back.length, rows.length);
  t.true(back.every((x) => x.caps === undefined));
  const text = [...showDump(file, { format: 'text' })].join('');
  t.regex(text, /mount\(.*\) = -1 EPERM \(Operation not permitted\) </);
  // No process events and no refused capability ([CAP_...]): the old dump has neither.
  t.notRegex(text, /\+\+\+|\[CAP_/);
});

test('records: process records parse, unknown kinds are stepped over', (t) => {
  const head = (kind: number, size: number): Buffer => {
    const b = Buffer.alloc((size + 7) & ~7);
    b.writeBigUInt64LE(100n, 8);
    b.writeUInt32LE(7, 16);
    b.writeUInt16LE(size, 20);
    b.writeUInt16LE(1, 24);
    b[28] = kind;
    return b;
  };
  const sig = head(KIND_SIGNAL, 120);
  sig.write('crash', 32, 'latin1');
  sig.writeUInt32LE(6, 48);
  sig.writeInt32LE(11, 52);
  sig.writeInt32LE(11, 72);
  sig.writeInt32LE(2, 80);
  sig.writeBigUInt64LE(0x1000n, 88);
  const exit = head(KIND_TASK_EXIT, 56);
  exit[29] = 0x02;
  exit.writeUInt32LE(6, 48);
  exit.writeInt32LE(11 | 0x80, 52);
  const unknown = head(99, 44);
  const cap = head(KIND_CAP, 40);
  cap.writeInt32LE(12, 32);
  cap.writeInt32LE(-1, 36);
  const recs = parseRecords(Buffer.concat([sig, unknown, exit, cap]));
  t.is(recs.length, 3);
  t.is(recs[0].comm, 'crash');
  t.is(recs[0].pid, 6);
  t.is(recs[0].signal?.signo, 11);
  t.is(printSiginfo(recs[0].signal!.info), '{si_signo=SIGSEGV, si_code=SEGV_ACCERR, si_addr=0x1000}');
  t.is(recs[1].exitCode, 0x8b);
  t.true(recs[1].groupDead);
  t.is(recs[2].cap, 12);
  const rows = toProcessRows(
    recs.filter((x) => x.kind === KIND_TASK_EXIT).map((x) => ({ type: 'exit', bootNs: x.bootNs, cpu: 1, pid: 6, tid: 7, comm: 'crash', status: x.exitCode!, groupDead: true })),
    { wallOffsetNs: 0n },
  );
  t.is(rows[0].detail, 'killed by SIGSEGV (core dumped)');
  t.like(containerEnding(rows, 6), { coreDumped: true, runtimeExitCode: 139, text: 'killed by SIGSEGV (core dumped)' });
  t.false(isProcessEvent({ bootNs: 0n, durNs: undefined, cpu: 0, pid: 0, tid: 0, comm: '', nr: 0, args: [], ret: 0n, items: [], unfinished: false, resumed: false }));
});

test('siginfo as strace prints it, per signal and code', (t) => {
  const info = (signo: number, code: number, fill: (b: Buffer) => void = () => {}, errno = 0): Buffer => {
    const b = Buffer.alloc(48);
    b.writeInt32LE(signo, 0);
    b.writeInt32LE(errno, 4);
    b.writeInt32LE(code, 8);
    fill(b);
    return b;
  };
  const kill = (b: Buffer) => {
    b.writeInt32LE(42, 16);
    b.writeUInt32LE(1000, 20);
  };
  t.is(printSiginfo(info(15, 0, kill)), '{si_signo=SIGTERM, si_code=SI_USER, si_pid=42, si_uid=1000}');
  t.is(printSiginfo(info(15, -6, kill)), '{si_signo=SIGTERM, si_code=SI_TKILL, si_pid=42, si_uid=1000}');
  t.is(
    printSiginfo(info(10, -1, (b) => { kill(b); b.writeInt32LE(7, 24); })),
    '{si_signo=SIGUSR1, si_code=SI_QUEUE, si_pid=42, si_uid=1000, si_int=7, si_ptr=0x7}',
  );
  t.is(
    printSiginfo(info(17, 1, (b) => { kill(b); b.writeInt32LE(3, 24); b.writeBigInt64LE(2n, 32); })),
    '{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=42, si_uid=1000, si_status=3, si_utime=2, si_stime=0}',
  );
  t.is(
    printSiginfo(info(17, 2, (b) => { kill(b); b.writeInt32LE(9, 24); })),
    '{si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=42, si_uid=1000, si_status=SIGKILL, si_utime=0, si_stime=0}',
  );
  t.is(printSiginfo(info(7, 2, (b) => b.writeBigUInt64LE(0xdeadbeefn, 16))), '{si_signo=SIGBUS, si_code=BUS_ADRERR, si_addr=0xdeadbeef}');
  t.is(printSiginfo(info(8, 1)), '{si_signo=SIGFPE, si_code=FPE_INTDIV, si_addr=NULL}');
  t.is(printSiginfo(info(11, 0x80)), '{si_signo=SIGSEGV, si_code=SI_KERNEL, si_addr=NULL}');
  t.is(
    printSiginfo(info(31, 1, (b) => { b.writeBigUInt64LE(0x401000n, 16); b.writeInt32LE(39, 24); b.writeUInt32LE(0xc000003e, 28); }), 'x86_64'),
    '{si_signo=SIGSYS, si_code=SYS_SECCOMP, si_call_addr=0x401000, si_syscall=__NR_getpid, si_arch=AUDIT_ARCH_X86_64}',
  );
  t.is(printSiginfo(info(29, 1, (b) => { b.writeBigInt64LE(1n, 16); b.writeInt32LE(5, 24); })), '{si_signo=SIGIO, si_code=POLL_IN, si_band=1, si_fd=5}');
  t.is(printSiginfo(info(14, -2, (b) => b.writeInt32LE(1, 16))), '{si_signo=SIGALRM, si_code=SI_TIMER, si_timerid=0x1, si_overrun=0, si_int=0, si_ptr=NULL}');
  t.is(printSiginfo(info(6, -6, kill, 2)), '{si_signo=SIGABRT, si_code=SI_TKILL, si_errno=ENOENT, si_pid=42, si_uid=1000}');
  t.is(printSiginfo(Buffer.alloc(48)), '{}');
});

test('capability names follow linux/capability.h', (t) => {
  const header = fs.readFileSync('/usr/include/linux/capability.h', 'utf8');
  const defined = [...header.matchAll(/^#define (CAP_[A-Z_]+)\s+(\d+)\s*$/gm)].filter(([, name]) => name !== 'CAP_LAST_CAP');
  t.true(defined.length >= 41);
  for (const [, name, value] of defined) t.is(capabilityName(Number(value)), name);
  t.is(capabilityName(63), 'CAP_63');
});

test.serial('pairing on the snapshot buffer (PairedCalls) gives what pairing the parsed records gives: calls, process events, caps', async (t) => {
  // Signals with handlers and rt_sigreturn, thread ends, a crash, refused capabilities.
  const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));
  for (const args of [['usr1'], ['thread', '5'], ['segv', '/etc/hostname'], ['capdrop']]) {
    const r = await recordHelper(args);
    const byRecords = pairHistory(r.snap.records, rec['sigreturns']);
    t.true(r.snap.calls.length > 0 && r.snap.process.length > 0, `${args[0]}: calls and process events recorded`);
    t.log(`${args.join(" ")}: ${r.snap.calls.length} calls, ${r.snap.process.length} process events, ${byRecords.syscalls.filter((e) => e.caps).length} with refused capabilities`);
    t.is(json(r.snap.events), json(byRecords.syscalls), `${args[0]}: the same calls`);
    t.is(json(r.snap.process), json(byRecords.process), `${args[0]}: the same process events`);
    for (let i = 0; i < r.snap.calls.length; i++) {
      const ev = byRecords.syscalls[i];
      if (r.snap.calls.bootNs(i) !== ev.bootNs || r.snap.calls.nr(i) !== ev.nr || r.snap.calls.pid(i) !== ev.pid || r.snap.calls.resumed(i) !== ev.resumed) {
        t.fail(`${args[0]}: call ${i}'s fields differ`);
        break;
      }
    }
  }
  // A wrapped ring: the oldest exits lost their entries (resumed calls, named by the thread's last entry).
  const w = await startWorkload(['--unshare', 'counter', '20000']);
  const { handle } = rec.addProcess(w.pid, 64 << 10);
  try {
    w.go();
    await w.done;
    const snap = rec.snapshot(handle);
    const byRecords = pairHistory(snap.records, rec['sigreturns']);
    t.true(snap.stats.overwritten > 0, 'the ring wrapped');
    t.is(json(snap.events), json(byRecords.syscalls), 'wrapped: the same calls');
    t.log(`wrapped: ${snap.calls.length} calls, ${snap.events.filter((e) => e.resumed).length} resumed, ${snap.stats.overwritten} records overwritten`);
  } finally {
    rec.removeContainer(handle);
  }
});

