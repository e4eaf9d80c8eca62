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
import { connectTracerManager } from '../recorder/daemon/grpc-client';
import { curl, sqlite, startDaemonProcess, tempDirs } from './lib/daemon';
import { repoRoot } from '../recorder/paths';
import { makeBundle, RuncContainer, uniqueId } from './lib/runc';

async function firstRows(beforeExec: boolean): Promise<{ rows: string[]; pid: number; code: number | null }> {
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
    return { rows, pid: g.pid, code: r.code };
  } finally {
    client.close();
    await daemon.stop();
    fs.rmSync(bdir, { recursive: true, force: true });
    fs.rmSync(dirs.root, { recursive: true, force: true });
  }
}

test('registered before exec: the first recorded call is the entrypoint execve', async (t) => {
  const { rows, pid, code } = await firstRows(true);
  t.is(code, 4);
  t.regex(rows[0], new RegExp(`^${pid}\\|execve\\|"/bin/sh", \\["/bin/sh", "-c", "cat /etc/hostname; exit 4"\\]`), rows.join('\n'));
});

test('registered without before_exec: runc init set-up calls come first', async (t) => {
  const { rows } = await firstRows(false);
  t.notRegex(rows[0], /\|execve\|/, 'runc init ran calls in the namespace before the entrypoint');
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
