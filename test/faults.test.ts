/**
 * Storage faults: a state dir that fills up (a small real tmpfs) or is
 * read-only. Archiving fails with a clear error and is retried, the history
 * stays in the ring, older archives stay whole, the daemon keeps serving.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { connectTracerManager } from '../recorder/daemon/grpc-client';
import { curl, sqlite, startDaemonProcess, tempDirs } from './lib/daemon';
import { startWorkload } from './lib/procs';

function mountTmpfs(dir: string, size: string, ro = false): void {
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700${ro ? ',ro' : ''}`, 'tmpfs', dir]);
}

function umount(dir: string): void {
  try {
    execFileSync('umount', ['-l', dir]);
  } catch {
    // not mounted
  }
}

/** Fills a file system up to its last few KiB. */
function fill(dir: string): string {
  const file = path.join(dir, 'filler');
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

test('a full state dir: archiving fails clearly and is retried, nothing is lost, old archives stay whole', async (t) => {
  const dirs = tempDirs('sb-full-');
  mountTmpfs(dirs.stateDir, '4m');
  const daemon = await startDaemonProcess(dirs, ['--no-discover']);
  const client = await connectTracerManager(daemon.managerSocket, { deadlineMs: 10_000 });
  const seqFile = path.join(os.tmpdir(), `sb-full-seq-${process.pid}`);
  try {
    // An archive made while there was room.
    const a = await startWorkload(['--unshare', 'sequence', seqFile, '20']);
    await client.addContainer({ id: 'old-one', pid: a.pid });
    a.go();
    await a.done;
    await client.removeContainer({ id: 'old-one', exitCode: 0 });
    const oldArchive = path.join(dirs.stateDir, 'archives', 'old-one.db');
    const oldSum = sqlite(oldArchive, 'SELECT count(*), sum(ret) FROM syscall');

    // A container with a lot of history, removed when the disk is full.
    const b = await startWorkload(['--unshare', 'getpid', '30000']);
    await client.addContainer({ id: 'big-one', pid: b.pid });
    b.go();
    await b.done;
    const held = JSON.parse((await curl(daemon.apiSocket, ['http://localhost/v1/containers/big-one'])).body.toString()).events;
    t.true(held > 10_000);
    const filler = fill(dirs.stateDir);

    const err = await t.throwsAsync(client.removeContainer({ id: 'big-one', exitCode: 0 }));
    t.is((err as unknown as { code: number }).code, grpc.status.UNAVAILABLE);
    t.regex(err!.message, /archiving container big-one: .*disk full.*kept in memory/);

    const dump = await curl(daemon.apiSocket, ['-X', 'POST', 'http://localhost/v1/containers/big-one/dump']);
    t.is(dump.status, 503, 'no room for the dump file: 503, not 500');
    t.regex(JSON.parse(dump.body.toString()).error, /disk full/);

    const info = JSON.parse((await curl(daemon.apiSocket, ['http://localhost/v1/containers/big-one'])).body.toString());
    t.is(info.state, 'running', 'still held in its ring');
    t.is(info.events, held, 'nothing lost');
    t.is(sqlite(oldArchive, 'PRAGMA integrity_check').trim(), 'ok');
    t.is(sqlite(oldArchive, 'SELECT count(*), sum(ret) FROM syscall'), oldSum, 'the older archive is untouched');
    t.deepEqual(fs.readdirSync(path.join(dirs.stateDir, 'archives')).sort(), ['old-one.db'], 'no partial archive left behind');
    t.is((await curl(daemon.apiSocket, ['http://localhost/healthz'])).status, 200);

    // Room again: the runtime's retry (or the reaper) archives it whole.
    fs.rmSync(filler);
    const done = await client.removeContainer({ id: 'big-one', exitCode: 0 });
    t.is(done.state, 'exited');
    t.is(done.events, held);
    t.is(sqlite(path.join(dirs.stateDir, 'archives', 'big-one.db'), 'PRAGMA integrity_check').trim(), 'ok');
    t.regex(daemon.log(), /disk full/);
  } finally {
    client.close();
    await daemon.stop();
    umount(dirs.stateDir);
    fs.rmSync(seqFile, { force: true });
    fs.rmSync(dirs.root, { recursive: true, force: true });
  }
});

test('a read-only state dir: the daemon refuses to start, saying where and why', async (t) => {
  const dirs = tempDirs('sb-ro-');
  mountTmpfs(dirs.stateDir, '1m', true);
  try {
    const err = await t.throwsAsync(startDaemonProcess(dirs, ['--no-discover']));
    t.regex(err!.message, /daemon exited with 1/);
    t.regex(err!.message, new RegExp(`${dirs.stateDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*(read-only|EROFS)`));
  } finally {
    umount(dirs.stateDir);
    fs.rmSync(dirs.root, { recursive: true, force: true });
  }
});

test('bpffs not mounted: the daemon mounts it and starts', async (t) => {
  const dirs = tempDirs('sb-nobpffs-');
  // A private mount namespace where /sys/fs/bpf is unmounted; the host's stays as it is.
  const wrapper = ['unshare', '-m', '--propagation', 'private', '/bin/sh', '-c', 'umount /sys/fs/bpf && exec "$@"', 'sh'];
  const daemon = await startDaemonProcess(dirs, ['--no-discover'], wrapper);
  try {
    t.regex(daemon.log(), /bpffs was not mounted at \/sys\/fs\/bpf: mounted it/);
    t.is((await curl(daemon.apiSocket, ['http://localhost/healthz'])).status, 200);
  } finally {
    await daemon.stop();
    fs.rmSync(dirs.root, { recursive: true, force: true });
  }
});

test('no kernel BTF: the daemon refuses to start and says what the kernel lacks', async (t) => {
  const dirs = tempDirs('sb-nobtf-');
  const empty = `${dirs.root}/empty`;
  fs.writeFileSync(empty, '');
  // A private mount namespace where the kernel's BTF reads as an empty file; the host's is untouched.
  const wrapper = ['unshare', '-m', '--propagation', 'private', '/bin/sh', '-c', `mount --bind ${empty} /sys/kernel/btf/vmlinux && exec "$@"`, 'sh'];
  try {
    const err = await t.throwsAsync(startDaemonProcess(dirs, ['--no-discover'], wrapper));
    t.regex(err!.message, /daemon exited with 1/);
    t.regex(err!.message, /kernel's BTF \(\/sys\/kernel\/btf\/vmlinux\) is empty: .*CONFIG_DEBUG_INFO_BTF=y/);
  } finally {
    fs.rmSync(dirs.root, { recursive: true, force: true });
  }
});
