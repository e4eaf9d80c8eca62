/**
 * Who may talk to the daemon: root only by default (run dir 0700, sockets
 * 0600), or one group with --socket-group; refs cannot reach outside the
 * state dir. Checked with a real unprivileged user (nobody) and curl.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { curl, startDaemonProcess, tempDirs } from './lib/daemon';

/** curl as the user nobody (group nogroup); resolves with curl's exit code and output. */
function curlAsNobody(socket: string, url: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'curl', '-sS', '--unix-socket', socket, url], { encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as NodeJS.ErrnoException).code) || 1 : 0, out: stdout + stderr });
    });
  });
}

/** The temp root is 0700 (mkdtemp): let nobody traverse to the run dir, as it can to /run. */
function openPath(root: string): void {
  fs.chmodSync(root, 0o711);
}

test('by default only root can use the sockets', async (t) => {
  const dirs = tempDirs('sb-sec-');
  openPath(dirs.root);
  const d = await startDaemonProcess(dirs, ['--no-discover']);
  try {
    t.is(fs.statSync(d.runDir).mode & 0o777, 0o700);
    t.is(fs.statSync(d.apiSocket).mode & 0o777, 0o600);
    const r = await curlAsNobody(d.apiSocket, 'http://localhost/healthz');
    t.not(r.code, 0);
    t.regex(r.out, /Permission denied|Couldn't connect/);
    t.is((await curl(d.apiSocket, ['http://localhost/healthz'])).status, 200, 'root still can');
  } finally {
    await d.stop();
    fs.rmSync(dirs.root, { recursive: true, force: true });
  }
});

test('--socket-group lets that group in, and nobody else', async (t) => {
  const dirs = tempDirs('sb-sec-');
  openPath(dirs.root);
  const d = await startDaemonProcess(dirs, ['--no-discover', '--socket-group', 'nogroup']);
  try {
    const run = fs.statSync(d.runDir);
    t.is(run.mode & 0o777, 0o710);
    t.is(run.gid, 65534);
    for (const s of [d.apiSocket, d.managerSocket]) {
      const st = fs.statSync(s);
      t.is(st.mode & 0o777, 0o660, s);
      t.is(st.gid, 65534, s);
    }
    const r = await curlAsNobody(d.apiSocket, 'http://localhost/healthz');
    t.is(r.code, 0, r.out);
    t.regex(r.out, /"status":"ok"/);
    t.is(fs.statSync(path.join(d.runDir, 'daemon.pid')).mode & 0o777, 0o600, 'the pid file stays private');
  } finally {
    await d.stop();
    fs.rmSync(dirs.root, { recursive: true, force: true });
  }
});

test('an unknown --socket-group is a clear startup error', async (t) => {
  const dirs = tempDirs('sb-sec-');
  try {
    const err = await t.throwsAsync(startDaemonProcess(dirs, ['--no-discover', '--socket-group', 'no-such-group-here']));
    t.regex(err!.message, /--socket-group no-such-group-here: no such group/);
  } finally {
    fs.rmSync(dirs.root, { recursive: true, force: true });
  }
});

test('refs cannot reach outside the state dir', async (t) => {
  const dirs = tempDirs('sb-sec-');
  const d = await startDaemonProcess(dirs, ['--no-discover']);
  try {
    fs.writeFileSync(path.join(dirs.root, 'secret.db'), 'not yours');
    for (const ref of ['..%2F..%2Fsecret', '..%2F..%2Fsecret.db', '%2E%2E', '..', '.', '%2Fetc%2Fpasswd']) {
      for (const [method, suffix] of [['GET', ''], ['GET', '/events'], ['POST', '/dump'], ['DELETE', '']]) {
        const r = await curl(d.apiSocket, ['--path-as-is', '-X', method, `http://localhost/v1/containers/${ref}${suffix}`]);
        // 405: `..` and `.` turn the path into another route's, where the method is not allowed.
        t.true([400, 404, 405].includes(r.status), `${method} ${ref}${suffix} -> ${r.status}`);
        t.notRegex(r.body.toString('latin1'), /not yours/);
      }
    }
    t.is(fs.readFileSync(path.join(dirs.root, 'secret.db'), 'utf8'), 'not yours');
  } finally {
    await d.stop();
    fs.rmSync(dirs.root, { recursive: true, force: true });
  }
});

test('a daemon in a mount namespace of its own (systemd sandboxing, a pod) still refuses host processes', async (t) => {
  const dirs = tempDirs('sb-sec-');
  // unshare -m: the daemon's namespace is no longer the host's, as under ProtectSystem= or in a pod.
  const d = await startDaemonProcess(dirs, ['--no-discover'], ['unshare', '-m', '--propagation', 'unchanged']);
  const { connectTracerManager } = await import('../recorder/daemon/grpc-client');
  const client = await connectTracerManager(d.managerSocket, { deadlineMs: 10_000 });
  try {
    // This test process lives in the host's (init's) mount namespace.
    const err = await t.throwsAsync(client.addContainer({ id: 'host-proc', pid: process.pid }));
    t.regex(err!.message, /INVALID_ARGUMENT: process \d+ is in the host's mount namespace/);
    t.is((await client.listContainers()).length, 0);
  } finally {
    client.close();
    await d.stop();
    fs.rmSync(dirs.root, { recursive: true, force: true });
  }
});
