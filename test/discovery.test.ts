/**
 * Containers started without the hooks: found by the daemon in a runtime's
 * state dir (chokidar) or, at daemon start, in /proc; recorded from then on;
 * archived when they exit although no poststop hook tells the daemon.
 * Real runc containers, a real daemon, curl over its socket.
 */
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { idFromRuntimeCmdline, parseStateFile } from '../recorder/daemon/discovery';
import { ContainerInfo } from '../recorder/daemon/api';
import { curl, DaemonProcess, sqlite, startDaemonProcess, tempDirs } from './lib/daemon';
import { makeBundle, RuncContainer, tempRuncRoot, uniqueId } from './lib/runc';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const json = (b: Buffer) => JSON.parse(b.toString('utf8'));

async function waitFor<T>(what: string, get: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function container(d: DaemonProcess, id: string): Promise<ContainerInfo | undefined> {
  const r = await curl(d.apiSocket, [`http://localhost/v1/containers/${id}`]);
  return r.status === 200 ? (json(r.body) as ContainerInfo) : undefined;
}

test('runc state.json and crun status files are read; runtime command lines give the id', (t) => {
  const runc = JSON.stringify({
    id: 'web',
    init_process_pid: 4242,
    created: '2026-11-23T17:01:45Z',
    config: { labels: ['io.kubernetes.cri.container-name=web', 'bundle=/srv/web'] },
  });
  t.deepEqual(parseStateFile('/run/runc/web/state.json', runc), {
    id: 'web',
    pid: 4242,
    bundle: '/srv/web',
    runtime: 'runc',
    annotations: { 'io.kubernetes.cri.container-name': 'web' },
  });
  t.deepEqual(parseStateFile('/run/crun/db/status', JSON.stringify({ pid: 77, bundle: '/srv/db' })), {
    id: 'db',
    pid: 77,
    bundle: '/srv/db',
    runtime: 'crun',
    annotations: {},
  });
  t.is(parseStateFile('/run/runc/x/state.json', '{"id":"x","init_pro'), null, 'a file being written is not a state');
  t.is(parseStateFile('/run/runc/x/state.json', '{"id":"x","init_process_pid":0}'), null);
  t.is(idFromRuntimeCmdline(['runc', '--root', '/r', 'run', '--bundle', '/b', 'web']), 'web');
  t.is(idFromRuntimeCmdline(['/usr/bin/containerd-shim-runc-v2', '-namespace', 'k8s.io', '-id', 'abc', '-address', '/s']), 'abc');
  t.is(idFromRuntimeCmdline(['/usr/bin/conmon', '--api-version', '1', '-c', 'f00', '-u', 'f00']), 'f00');
  t.is(idFromRuntimeCmdline(['runc', 'state', 'web']), null);
});

test('a runc container started without hooks is found in the state dir, recorded, and archived when it exits', async (t) => {
  const root = tempRuncRoot();
  const dirs = tempDirs('sb-discover-');
  const daemon = await startDaemonProcess(dirs, ['--discover', root]);
  const bdir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-discover-bundle-'));
  const id = uniqueId('disc');
  // Busy for a few seconds so discovery (after its grace period) sees it running, then exits 7.
  const b = makeBundle(bdir, { args: ['/bin/sh', '-c', 'i=0; while [ $i -lt 40 ]; do cat /etc/hostname > /dev/null; i=$((i+1)); sleep 0.1; done; exit 7'] });
  let c: RuncContainer | undefined;
  try {
    const before = Date.now();
    c = await RuncContainer.create(b, id, { root });
    // runc has written its state.json by the time create returns: from here discovery has one second.
    const created = Date.now();
    await c.start();
    await waitFor('discovery', () => container(daemon, id));
    const foundAfterMs = Date.now() - created;
    t.log(`found ${foundAfterMs} ms after runc create returned`);
    t.true(foundAfterMs < 1000, `found within one second (${foundAfterMs} ms)`);
    const found = await waitFor('first events', async () => {
      const info = await container(daemon, id);
      return info && info.events > 0 ? info : undefined;
    });
    t.is(found.state, 'running');
    t.is(found.pid, c.pid);
    t.is(found.runtime, 'runc');
    t.truthy(found.completeSince, 'history held from discovery on');
    t.true(Date.parse(found.completeSince!) >= before, 'completeSince is the discovery, not the container start');
    t.regex(daemon.log(), new RegExp(`discovery: found container ${id}`));

    // No poststop hook: the exit is noticed and the history archived.
    const exited = await waitFor('archive', async () => {
      const info = await container(daemon, id);
      return info?.state === 'exited' ? info : undefined;
    });
    t.true(exited.events > 0);
    const out = path.join(dirs.root, 'disc.db');
    const r = await curl(daemon.apiSocket, ['-X', 'POST', `http://localhost/v1/containers/${id}/dump`]);
    t.is(r.status, 200);
    fs.writeFileSync(out, r.body);
    const opens = sqlite(out, "SELECT count(*) FROM opens WHERE path = '/etc/hostname'");
    t.true(Number(opens.trim()) > 0, `cat's opens of /etc/hostname are in the archive (${opens.trim()})`);
  } finally {
    await c?.delete().catch(() => undefined);
    await daemon.stop();
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(bdir, { recursive: true, force: true });
    fs.rmSync(dirs.root, { recursive: true, force: true });
  }
});

test('a container already running when the daemon starts is found by the /proc sweep', async (t) => {
  const root = tempRuncRoot();
  const unwatched = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-discover-none-'));
  const dirs = tempDirs('sb-discover-');
  const bdir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-discover-bundle-'));
  const id = uniqueId('sweep');
  const b = makeBundle(bdir, { args: ['/bin/sh', '-c', 'while :; do cat /etc/hostname > /dev/null; sleep 0.1; done'] });
  // `runc run` in the foreground stays the init's parent, with the id on its command line.
  const gated = await RuncContainer.runGated(b, id, { root, timeoutMs: 60_000 });
  gated.go();
  let daemon: DaemonProcess | undefined;
  try {
    await sleep(300);
    // The state dir is not watched: only the /proc sweep can find it.
    daemon = await startDaemonProcess(dirs, ['--discover', unwatched]);
    const found = await waitFor('sweep', () => container(daemon!, id), 5_000);
    t.is(found.pid, gated.pid);
    t.is(found.state, 'running');
    t.regex(daemon.log(), /found container .* in \/proc/);
    // Recorded from the sweep on: the first openat held may be the shell's of /dev/null (the redirection)
    // before cat runs, so wait for cat's of /etc/hostname, which comes every 0.1 s.
    const ev = await waitFor('events', async () => {
      const r = await curl(daemon!.apiSocket, [`http://localhost/v1/containers/${id}/events?format=ndjson&syscall=openat`]);
      const rows: { name?: string; path: string | null }[] = r.body.toString().trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
      return rows.some((row) => row.path === '/etc/hostname') ? rows : undefined;
    });
    const opens = ev.filter((r) => r.name === 'openat');
    t.true(opens.length > 0 && opens.every((r) => r.path === '/etc/hostname' || r.path === '/dev/null'), JSON.stringify(opens));
  } finally {
    gated.kill();
    await gated.done.catch(() => undefined);
    await daemon?.stop();
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(unwatched, { recursive: true, force: true });
    fs.rmSync(bdir, { recursive: true, force: true });
    fs.rmSync(dirs.root, { recursive: true, force: true });
  }
});
