/**
 * Proves the test/bench helpers work for real, standalone (no recorder):
 * test/helpers/bin/{workload,sysbench}, test/lib/procs.ts, test/lib/runc.ts.
 * Needs root, runc and busybox-static (runc tests), gcc/make (built in before()).
 */
import test from 'ava';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bpfMapCount, helperBin, mntnsOf, openFdCount, repoRoot, rssBytes, startWorkload } from './lib/procs';
import { RuncContainer, buildBusyboxRootfs, makeBundle, tempRuncRoot, uniqueId } from './lib/runc';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'straceback-helpers-test-'));

test.before(() => {
  execFileSync('make', ['-s', '-C', path.join(repoRoot(), 'test', 'helpers')], { stdio: 'inherit' });
});

test.after.always(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function execHelper(name: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(helperBin(name), args, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

test('workload sequence creates, writes and removes its file after go()', async (t) => {
  const file = path.join(tmp, 'seq-file');
  const seen: string[] = [];
  const watcher = fs.watch(tmp, (ev, name) => {
    if (name === 'seq-file') seen.push(ev);
  });
  try {
    const w = await startWorkload(['sequence', file, '5']);
    t.true(w.pid > 0);
    t.is(w.mntns, mntnsOf(process.pid), 'no --unshare: same mount namespace as ours');
    await new Promise((r) => setTimeout(r, 100));
    t.false(fs.existsSync(file), 'nothing happens before go()');
    t.deepEqual(seen, []);
    w.go();
    const r = await w.done;
    t.is(r.code, 0, r.stderr);
    t.is(r.signal, null);
    t.is(r.stdout, 'done\n');
    t.is(r.stderr, '');
    t.false(fs.existsSync(file), 'unlinked at the end');
    // inotify: created (rename), written (change), unlinked (rename).
    for (let i = 0; i < 50 && seen.filter((e) => e === 'rename').length < 2; i++) {
      await new Promise((res) => setTimeout(res, 20));
    }
    t.true(seen.filter((e) => e === 'rename').length >= 2, `events: ${seen.join(',')}`);
    t.true(seen.includes('change'), `events: ${seen.join(',')}`);
  } finally {
    watcher.close();
  }
});

test('workload --unshare lives in its own mount namespace', async (t) => {
  const w = await startWorkload(['--unshare', 'sequence', path.join(tmp, 'unshare-file'), '1']);
  t.not(w.mntns, mntnsOf(process.pid));
  t.is(w.mntns, mntnsOf(w.pid));
  w.go();
  const r = await w.done;
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'done\n');
});

test('workload counter 1000 and getpid exit 0', async (t) => {
  const c = await startWorkload(['counter', '1000']);
  c.go();
  const rc = await c.done;
  t.is(rc.code, 0, rc.stderr);
  t.is(rc.stdout, '');
  const g = await startWorkload(['getpid', '1000']);
  g.go();
  t.is((await g.done).code, 0);
});

test('workload sleep stays alive until killed; counter 0 runs until killed', async (t) => {
  const s = await startWorkload(['sleep', '60000']);
  s.go();
  await new Promise((r) => setTimeout(r, 100));
  t.true(fs.existsSync(`/proc/${s.pid}`));
  s.kill();
  const rs = await s.done;
  t.is(rs.signal, 'SIGKILL');

  const c = await startWorkload(['counter', '0']);
  c.go();
  await new Promise((r) => setTimeout(r, 100));
  c.kill();
  t.is((await c.done).signal, 'SIGKILL');

  const short = await startWorkload(['sleep', '20']);
  short.go();
  t.is((await short.done).code, 0);
});

test('workload kill before go, and stdin closed before go, end it', async (t) => {
  const w = await startWorkload(['getpid', '1']);
  w.kill();
  t.is((await w.done).signal, 'SIGKILL');

  const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(helperBin('workload'), ['getpid', '1'], (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
    child.stdin?.end();
  });
  t.is(r.code, 1);
  t.regex(r.stdout, /^ready \d+\n$/);
  t.regex(r.stderr, /stdin closed before the go byte/);
});

test('workload bad usage exits 2 with a message, and startWorkload rejects', async (t) => {
  for (const args of [[], ['nope'], ['getpid'], ['getpid', 'x'], ['sequence', 'f'], ['--unshare'], ['counter', '-1'], ['lengths', '4096'], ['paths', '250']]) {
    const r = await execHelper('workload', args);
    t.is(r.code, 2, `args ${JSON.stringify(args)}`);
    t.regex(r.stderr, /usage:/);
    t.is(r.stdout, '');
  }
  await t.throwsAsync(startWorkload(['bogus']), { message: /exited before its ready line.*code=2/s });
});

test('sysbench prints its result lines', async (t) => {
  const g = await execHelper('sysbench', ['getppid', '20000']);
  t.is(g.code, 0, g.stderr);
  t.regex(g.stdout, /^getppid ns_per_call=\d+\.\d+\n$/);
  const o = await execHelper('sysbench', ['open', '2000']);
  t.is(o.code, 0, o.stderr);
  t.regex(o.stdout, /^open ns_per_call=\d+\.\d+\n$/);

  const file = path.join(tmp, 'pread-file');
  fs.writeFileSync(file, Buffer.alloc(8192, 7));
  const p = await execHelper('sysbench', ['pread', '20000', file]);
  t.is(p.code, 0, p.stderr);
  const m = /^pread ns_per_call=(\d+\.\d+) mib_per_s=(\d+\.\d+)\n$/.exec(p.stdout);
  t.truthy(m, p.stdout);
  t.true(Number(m![1]) > 0 && Number(m![2]) > 0);

  t.is((await execHelper('sysbench', ['pread', '10', path.join(tmp, 'missing')])).code, 1);
  const bare = await execHelper('sysbench', ['getppid']);
  t.is(bare.code, 2);
  t.regex(bare.stderr, /: getppid takes N\n/, 'the message names the mode');
  t.is((await execHelper('sysbench', ['open', '0'])).code, 2);
  t.is((await execHelper('sysbench', ['--bogus', 'getppid', '1'])).code, 2);
});

test('sysbench --unshare --wait speaks the handshake', async (t) => {
  const s = await startWorkload(['--unshare', '--wait', 'getppid', '1000'], { program: 'sysbench' });
  t.not(s.mntns, mntnsOf(process.pid));
  s.go();
  const r = await s.done;
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^getppid ns_per_call=\d+\.\d+\n$/);
});

test('openFdCount, rssBytes and bpfMapCount give sane numbers', async (t) => {
  const before = openFdCount();
  t.true(before >= 3);
  const fd = fs.openSync('/dev/null', 'r');
  t.is(openFdCount(), before + 1);
  fs.closeSync(fd);
  t.is(openFdCount(), before);
  const rss = rssBytes();
  t.true(rss > 10 * 1024 * 1024 && rss < 8 * 1024 * 1024 * 1024, `rss ${rss}`);
  const maps = await bpfMapCount();
  t.true(Number.isInteger(maps) && maps >= 0);
});

test('buildBusyboxRootfs makes a usable tree', (t) => {
  const dir = path.join(tmp, 'rootfs-check');
  buildBusyboxRootfs(dir);
  for (const n of ['sh', 'ls', 'cat', 'echo', 'true', 'false', 'sleep', 'wget', 'nc']) {
    t.is(fs.readlinkSync(path.join(dir, 'bin', n)), 'busybox', n);
  }
  for (const d of ['proc', 'sys', 'dev', 'tmp', 'etc']) t.true(fs.statSync(path.join(dir, d)).isDirectory(), d);
  t.regex(fs.readFileSync(path.join(dir, 'etc', 'passwd'), 'utf8'), /^root:x:0:0:/);
  t.regex(fs.readFileSync(path.join(dir, 'etc', 'group'), 'utf8'), /^root:x:0:/);
  t.is(execFileSync(path.join(dir, 'bin', 'echo'), ['hi'], { encoding: 'utf8' }), 'hi\n');
});

test.serial('runc container: create/start/waitExit/delete with busybox', async (t) => {
  const root = tempRuncRoot();
  const id = uniqueId('basic');
  try {
    const b = makeBundle(path.join(tmp, 'bundle-basic'), { args: ['/bin/sh', '-c', 'echo hello; exit 3'] });
    const spec = JSON.parse(fs.readFileSync(b.configPath, 'utf8'));
    t.deepEqual(spec.process.args, ['/bin/sh', '-c', 'echo hello; exit 3']);
    t.false(spec.process.terminal);
    t.is(spec.root.path, b.rootfs);
    t.true(path.isAbsolute(spec.root.path));

    const c = await RuncContainer.create(b, id, { root });
    t.true(c.pid > 0);
    t.is((await c.state()).status, 'created');
    t.not(mntnsOf(c.pid), mntnsOf(process.pid), 'container init has its own mount namespace');
    t.deepEqual(await RuncContainer.list(root), [id]);
    await c.start();
    const st = await c.waitExit(20_000);
    t.is(st.status, 'stopped');
    t.is(c.stdout(), 'hello\n');
    await c.delete();
    t.deepEqual(await RuncContainer.list(root), []);
    t.false(fs.existsSync(path.join(root, id)), 'no state dir left');
    t.deepEqual(fs.readdirSync(root), []);
    t.false(fs.existsSync(`/sys/fs/cgroup/pids/${id}`), 'no cgroup left');
    await t.throwsAsync(RuncContainer.stateOf(root, id));
  } finally {
    await RuncContainer.stateOf(root, id).then(
      () => execFileSync('runc', ['--root', root, 'delete', '--force', id]),
      () => undefined,
    );
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test.serial('runc container: run() convenience, and a script with a failing call', async (t) => {
  const root = tempRuncRoot();
  try {
    const b = makeBundle(path.join(tmp, 'bundle-run'), {
      args: ['/bin/sh', '-c', 'echo hi > /tmp/x; cat /nonexistent; echo "$FOO"; hostname; exit 3'],
      env: { FOO: 'bar' },
    });
    const r = await RuncContainer.run(b, uniqueId('run'), { root, timeoutMs: 20_000 });
    t.is(r.state.status, 'stopped');
    t.is(r.code, null);
    t.is(r.stdout, 'bar\nstraceback-test\n');
    t.regex(r.stderr, /can't open '\/nonexistent'/);
    t.is(fs.readFileSync(path.join(b.rootfs, 'tmp', 'x'), 'utf8'), 'hi\n');
    t.deepEqual(fs.readdirSync(root), []);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test.serial('runc container: runForeground gives the exit code', async (t) => {
  const root = tempRuncRoot();
  try {
    const b = makeBundle(path.join(tmp, 'bundle-fg'), { args: ['/bin/sh', '-c', 'echo hello; exit 3'] });
    const r = await RuncContainer.runForeground(b, uniqueId('fg'), { root });
    t.is(r.code, 3);
    t.is(r.stdout, 'hello\n');
    t.deepEqual(fs.readdirSync(root), []);

    // On timeout the container is killed and deleted, and runForeground rejects.
    const k = makeBundle(path.join(tmp, 'bundle-fg-timeout'), { args: ['/bin/sleep', '60'] });
    const t0 = Date.now();
    await t.throwsAsync(RuncContainer.runForeground(k, uniqueId('fgt'), { root, timeoutMs: 500 }), {
      message: /did not finish within 500 ms/,
    });
    t.true(Date.now() - t0 < 10_000);
    t.deepEqual(fs.readdirSync(root), []);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test.serial('runc container: runGated holds the container until go()', async (t) => {
  const root = tempRuncRoot();
  try {
    const b = makeBundle(path.join(tmp, 'bundle-gated'), {
      args: ['/bin/sh', '-c', 'cat /proc/self/mountinfo > /dev/null; echo hello; exit 3'],
    });
    const g = await RuncContainer.runGated(b, uniqueId('gated'), { root });
    t.true(g.pid > 0);
    t.not(g.mntns, mntnsOf(process.pid));
    await new Promise((r) => setTimeout(r, 200));
    t.is(fs.readFileSync(b.stdoutPath, 'utf8'), '', 'nothing ran before go()');
    t.true(fs.existsSync(`/proc/${g.pid}`));
    t.is(mntnsOf(g.pid), g.mntns);
    g.go();
    const r = await g.done;
    t.is(r.code, 3, r.stderr);
    t.is(r.stdout, 'hello\n');
    t.deepEqual(fs.readdirSync(root), []);

    // kill() before go() also ends it.
    const g2 = await RuncContainer.runGated(b, uniqueId('gatedk'), { root });
    g2.kill();
    const r2 = await g2.done;
    t.not(r2.code, 0);
    t.deepEqual(fs.readdirSync(root), []);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
