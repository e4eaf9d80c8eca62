/**
 * A container registered before its entrypoint ran (as prestart hooks do)
 * has a history that starts at the entrypoint's execve: runc's own set-up
 * calls in the container's mount namespace are not the container's.
 * Real runc containers held at a createRuntime hook, a real daemon.
 */
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CallIndex, doomedByExec, entrypointCalls, EntrypointState } from '../recorder/daemon/entrypoint';
import { connectTracerManager } from '../recorder/daemon/grpc-client';
import { curl, sqlite, startDaemonProcess, tempDirs } from './lib/daemon';
import { repoRoot } from '../recorder/paths';
import { makeBundle, RuncContainer, uniqueId } from './lib/runc';

/**
 * The first rows of a gated runc container's dump, and what runc init's other
 * threads (Go's) did in it until the entrypoint's execve returned: their calls
 * and their ends (the exec kills them).
 */
async function firstRows(beforeExec: boolean): Promise<{ rows: string[]; pid: number; code: number | null; runtimeThreads: { calls: number; events: number } }> {
  const dirs = tempDirs('sb-entry-');
  const daemon = await startDaemonProcess(dirs, ['--no-discover']);
  const client = await connectTracerManager(daemon.managerSocket, { deadlineMs: 10_000 });
  const bdir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-entry-bundle-'));
  try {
    const b = makeBundle(bdir, { args: ['/bin/sh', '-c', 'cat /etc/hostname; exit 4'] });
    const id = uniqueId('entry');
    const g = await RuncContainer.runGated(b, id);
    await client.addContainer({ id, pid: g.pid, beforeExec });
    g.go();
    const r = await g.done;
    await client.removeContainer({ id, exitCode: r.code ?? undefined });
    const dump = await curl(daemon.apiSocket, ['-X', 'POST', `http://localhost/v1/containers/${id}/dump`]);
    const file = path.join(dirs.root, 'entry.db');
    fs.writeFileSync(file, dump.body);
    const rows = sqlite(file, 'SELECT pid, name, args FROM syscall ORDER BY id LIMIT 3').trim().split('\n');
    const execEnd = `(SELECT ts_ns + dur_ns FROM syscall WHERE pid = ${g.pid} AND name = 'execve' ORDER BY id LIMIT 1)`;
    const others = (table: string) => `(SELECT count(*) FROM ${table} WHERE pid = ${g.pid} AND tid != ${g.pid} AND ts_ns <= ${execEnd})`;
    const [calls, events] = sqlite(file, `SELECT ${others('syscall')}, ${others('event')}`).trim().split('|').map(Number);
    return { rows, pid: g.pid, code: r.code, runtimeThreads: { calls, events } };
  } finally {
    client.close();
    await daemon.stop();
    fs.rmSync(bdir, { recursive: true, force: true });
    fs.rmSync(dirs.root, { recursive: true, force: true });
  }
}

test('registered before exec: the first recorded call is the entrypoint execve; runc init\'s other threads are left out', async (t) => {
  const { rows, pid, code, runtimeThreads } = await firstRows(true);
  t.is(code, 4);
  t.regex(rows[0], new RegExp(`^${pid}\\|execve\\|"/bin/sh", \\["/bin/sh", "-c", "cat /etc/hostname; exit 4"\\]`), rows.join('\n'));
  // They go on (sleeping, waiting) while the execve runs, and end in it.
  t.deepEqual(runtimeThreads, { calls: 0, events: 0 });
});

test('registered without before_exec: runc init set-up calls come first, and its other threads\' ends', async (t) => {
  const { rows, runtimeThreads } = await firstRows(false);
  t.notRegex(rows[0], /\|execve\|/, 'runc init ran calls in the namespace before the entrypoint');
  t.true(runtimeThreads.events > 0, 'the exec ended the Go threads of runc init');
});

/** Calls as PairedCalls gives them: [tid, name, entry ns, duration ns (undefined: unfinished), resumed?], all of process `pid`. */
function callIndex(pid: number, rows: Array<[number, string, bigint, bigint | undefined, boolean?]>): CallIndex & { names: (keep: number[] | null) => string[] } {
  const nrs: Record<string, number> = { execve: 59, nanosleep: 35, futex: 202, brk: 12 };
  return {
    length: rows.length,
    resumed: (i) => rows[i][4] === true,
    bootNs: (i) => rows[i][2],
    pid: () => pid,
    tid: (i) => rows[i][0],
    nr: (i) => nrs[rows[i][1]],
    get: (i) => ({ durNs: rows[i][3] }),
    names: (keep) => (keep ?? rows.map((_, i) => i)).map((i) => `${rows[i][0]} ${rows[i][1]}`),
  };
}
const EXEC_NRS = new Set([59, 322]);

test('the cut at the entrypoint: the init\'s other threads until its execve returns are the runtime\'s, even at the same nanosecond', (t) => {
  const calls = callIndex(10, [
    [10, 'futex', 50n, 5n],
    [12, 'nanosleep', 100n, 70n], // the same clock reading as the execve's entry, sorted first
    [10, 'execve', 100n, 1000n],
    [11, 'futex', 90n, 200n, true], // resumed: began before the cut
    [12, 'nanosleep', 180n, 60n],
    [13, 'futex', 400n, undefined],
    [10, 'brk', 1200n, 1n],
    [14, 'futex', 1300n, 2n], // a thread of the new image
  ]);
  const s: EntrypointState = { pid: 10, execBootNs: null };
  t.deepEqual(calls.names(entrypointCalls(s, calls, EXEC_NRS, false)), ['10 execve', '10 brk', '14 futex']);
  t.is(s.execBootNs, 100n);
  t.deepEqual(s.execWindow, { tid: 10, endNs: 1100n });
  // Thread ends and signals go by the same rule.
  t.true(doomedByExec(s, 10, 12, 1100n));
  t.false(doomedByExec(s, 10, 10, 500n));
  t.false(doomedByExec(s, 10, 12, 1101n));
  t.false(doomedByExec(s, 99, 12, 500n), 'another process');
});

test('the cut at the entrypoint while the execve runs, before it, and past a wrapped ring', (t) => {
  const running = callIndex(10, [
    [10, 'execve', 100n, undefined],
    [12, 'nanosleep', 5000n, undefined],
  ]);
  const s: EntrypointState = { pid: 10, execBootNs: null };
  t.deepEqual(running.names(entrypointCalls(s, running, EXEC_NRS, false)), ['10 execve'], 'until it returns, every other thread of the init is doomed');
  t.deepEqual(s.execWindow, { tid: 10, endNs: null });
  // The next read holds it returned: the window closes.
  const later = callIndex(10, [
    [10, 'execve', 100n, 900n],
    [10, 'brk', 1200n, 1n],
  ]);
  t.is(entrypointCalls(s, later, EXEC_NRS, false), null, 'all of them');
  t.deepEqual(s.execWindow, { tid: 10, endNs: 1000n });

  const before = callIndex(10, [[10, 'futex', 50n, 5n]]);
  const none: EntrypointState = { pid: 10, execBootNs: null };
  t.deepEqual(entrypointCalls(none, before, EXEC_NRS, false), [], 'no execve yet: nothing is the container\'s');
  t.is(entrypointCalls(none, before, EXEC_NRS, true), null, 'wrapped past it unseen: all of it');
  t.is(none.execBootNs, 0n);
});

test('an id used again: the new run takes the id, the earlier history stays as <id>~1, also after a restart', async (t) => {
  const dirs = tempDirs('sb-reuse-');
  let daemon = await startDaemonProcess(dirs, ['--no-discover']);
  const client = await connectTracerManager(daemon.managerSocket, { deadlineMs: 10_000 });
  const bdir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-reuse-bundle-'));
  const id = uniqueId('reuse');
  try {
    for (const word of ['first', 'second']) {
      const b = makeBundle(bdir, { args: ['/bin/sh', '-c', `echo ${word} > /tmp/${word}`] });
      const g = await RuncContainer.runGated(b, id);
      await client.addContainer({ id, pid: g.pid, name: 'web', beforeExec: true });
      g.go();
      await g.done;
      await client.removeContainer({ id });
    }
    const paths = async (ref: string) => {
      const r = await curl(daemon.apiSocket, [`http://localhost/v1/containers/${ref}/events?format=ndjson&syscall=openat`]);
      t.is(r.status, 200, r.body.toString());
      return r.body.toString().trim().split('\n').filter(Boolean).map((l) => JSON.parse(l).path as string);
    };
    t.true((await paths(id)).includes('/tmp/second'));
    t.false((await paths(id)).includes('/tmp/first'));
    t.true((await paths(`${id}~1`)).includes('/tmp/first'));
    t.true((await paths('web')).includes('/tmp/second'), 'a name used twice means the newest container');
    client.close();
    await daemon.stop();
    daemon = await startDaemonProcess(dirs, ['--no-discover']);
    t.true((await paths(`${id}~1`)).includes('/tmp/first'), 'the renamed archive is found again after a restart');
    t.true((await paths(id)).includes('/tmp/second'));
  } finally {
    client.close();
    await daemon.stop();
    fs.rmSync(bdir, { recursive: true, force: true });
    fs.rmSync(dirs.root, { recursive: true, force: true });
  }
});

test('a container that crashes: its history ends with the signal and the kill, and it exits 139 without a runtime exit code', async (t) => {
  const dirs = tempDirs('sb-crash-');
  const daemon = await startDaemonProcess(dirs, ['--no-discover']);
  const client = await connectTracerManager(daemon.managerSocket, { deadlineMs: 10_000 });
  const bdir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-crash-bundle-'));
  try {
    const b = makeBundle(bdir, { args: ['/procevents', '--now', 'segv', '/etc/hostname'] });
    fs.copyFileSync(path.join(repoRoot(), 'test', 'helpers', 'bin', 'procevents-static'), path.join(b.rootfs, 'procevents'));
    fs.chmodSync(path.join(b.rootfs, 'procevents'), 0o755);
    const id = uniqueId('crash');
    const g = await RuncContainer.runGated(b, id);
    await client.addContainer({ id, pid: g.pid, beforeExec: true });
    g.go();
    t.is((await g.done).code, 139);
    // While it is still held in the ring, the live API shows the end.
    const live = await curl(daemon.apiSocket, [`http://localhost/v1/containers/${id}/events?format=text`]);
    const tail = live.body.toString().trim().split('\n').slice(-2);
    t.regex(tail[0], /procevents --- SIGSEGV \{si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL\} ---$/);
    t.regex(tail[1], /procevents \+\+\+ killed by SIGSEGV( \(core dumped\))? \+\+\+$/);
    // No exit code from the runtime (a poststop hook has none): the kernel's record of it is used.
    const removed = await client.removeContainer({ id });
    t.is(removed.exitCode, 139);
    const dump = await curl(daemon.apiSocket, ['-X', 'POST', `http://localhost/v1/containers/${id}/dump`]);
    const file = path.join(dirs.root, 'crash.db');
    fs.writeFileSync(file, dump.body);
    t.is(sqlite(file, 'SELECT exit_code, ended, end_signal FROM container').trim(), '139|killed by SIGSEGV|SIGSEGV');
    t.is(sqlite(file, "SELECT kind, signame FROM event ORDER BY id").trim().split('\n').slice(-2).join(' '), 'signal|SIGSEGV exit|SIGSEGV');
    const archived = await curl(daemon.apiSocket, [`http://localhost/v1/containers/${id}/events?format=text`]);
    t.deepEqual(archived.body.toString().trim().split('\n').slice(-2), live.body.toString().trim().split('\n').slice(-2), 'the archive shows the same end');
  } finally {
    client.close();
    await daemon.stop();
    fs.rmSync(bdir, { recursive: true, force: true });
    fs.rmSync(dirs.root, { recursive: true, force: true });
  }
});
