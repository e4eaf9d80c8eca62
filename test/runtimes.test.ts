/**
 * The hooks through the two other real runtimes that run here:
 *  - podman with the shipped hooks.d JSON (--hooks-dir), on runc (crun refuses
 *    this machine's hybrid cgroups). podman's own options must come before
 *    --rootfs DIR, whose DIR is the first positional argument; the ulimits are
 *    needed because podman's default RLIMIT_NOFILE (1048576) is above what a
 *    process without CAP_SYS_RESOURCE may set.
 *  - containerd started by the test on its own root, state and socket (CRI
 *    plugin off), and `ctr run --config spec.json` with the hooks in the spec.
 * Both: the first recorded call is the entrypoint's execve, poststop archives,
 * and the history is dumpable after the container is gone.
 */
import test from 'ava';
import { ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ContainerInfo } from '../recorder/daemon/api';
import { repoRoot } from '../recorder/paths';
import { curl, DaemonProcess, sqlite, startDaemonProcess, tempDirs } from './lib/daemon';
import { makeBundle, uniqueId } from './lib/runc';

const HOOK = path.join(repoRoot(), 'bin', 'straceback-hook');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const json = (b: Buffer) => JSON.parse(b.toString('utf8'));

function exec(file: string, args: string[], timeoutMs = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let daemon: DaemonProcess;
let root: string;

test.before(async () => {
  const dirs = tempDirs('sb-runtimes-');
  root = dirs.root;
  daemon = await startDaemonProcess(dirs, ['--no-discover']);
});

test.after.always(async () => {
  await daemon?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

test.afterEach.always((t) => {
  if (!t.passed) t.log(daemon.log());
});

async function info(ref: string): Promise<ContainerInfo | undefined> {
  const r = await curl(daemon.apiSocket, [`http://localhost/v1/containers/${ref}`]);
  return r.status === 200 ? (json(r.body) as ContainerInfo) : undefined;
}

/** Dumps by ref and returns the first rows and the opens of /etc/hostname. */
async function dumped(ref: string, name: string): Promise<{ first: string; hostnameOpens: number }> {
  const r = await curl(daemon.apiSocket, ['-X', 'POST', `http://localhost/v1/containers/${ref}/dump`]);
  if (r.status !== 200) throw new Error(`dump ${ref}: ${r.status} ${r.body.toString()}`);
  const file = path.join(root, `${name}.db`);
  fs.writeFileSync(file, r.body);
  return {
    first: sqlite(file, 'SELECT name, args FROM syscall ORDER BY id LIMIT 1').trim(),
    hostnameOpens: Number(sqlite(file, "SELECT count(*) FROM opens WHERE path = '/etc/hostname'").trim()),
  };
}

const SCRIPT = 'cat /etc/hostname; exit 3';
/** The entrypoint's execve as the dump's first row (name|args; the envp pointer varies, its count is shown). */
const FIRST_EXEC = new RegExp(`^execve\\|"/bin/sh", \\["/bin/sh", "-c", "${SCRIPT}"\\], 0x[0-9a-f]+ /\\* \\d+ vars? \\*/$`);

test('podman with the shipped hooks.d JSON: recorded from the execve, archived at poststop', async (t) => {
  const dir = fs.mkdtempSync(path.join(root, 'podman-'));
  const bundle = makeBundle(path.join(dir, 'bundle'), { args: ['/bin/true'] });
  // The shipped file, with only the hook's path and the daemon's run dir changed.
  const hooksDir = path.join(dir, 'hooks.d');
  fs.mkdirSync(hooksDir);
  const shipped = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'hooks', 'hooks.d', 'straceback.json'), 'utf8'));
  shipped.hook.path = HOOK;
  shipped.hook.env = [`STRACEBACK_RUN_DIR=${daemon.runDir}`];
  fs.writeFileSync(path.join(hooksDir, 'straceback.json'), JSON.stringify(shipped));
  const cidFile = path.join(dir, 'cid');
  const run = await exec('podman', [
    '--runtime', 'runc', '--hooks-dir', hooksDir,
    'run', '--rm', '--network', 'none', '--cidfile', cidFile,
    '--ulimit', 'nofile=4096:4096', '--ulimit', 'nproc=4096:4096',
    '--rootfs', bundle.rootfs, '/bin/sh', '-c', SCRIPT,
  ]);
  t.is(run.code, 3, run.stderr);
  t.notRegex(run.stderr, /straceback-hook/, 'the hook said nothing: it worked');
  const id = fs.readFileSync(cidFile, 'utf8').trim();
  t.regex(id, /^[0-9a-f]{64}$/);
  const c = await info(id);
  t.truthy(c, 'the daemon knows the container');
  t.is(c!.state, 'exited', 'poststop archived it');
  t.is(c!.runtime, 'runc');
  // podman names the container by its short id; the dump works by that prefix after the container is gone.
  const d = await dumped(id.slice(0, 12), 'podman');
  t.regex(d.first, FIRST_EXEC);
  t.true(d.hostnameOpens >= 1);
});

async function startContainerd(dir: string): Promise<{ sock: string; proc: ChildProcess; stop(): Promise<void> }> {
  const sock = path.join(dir, 'containerd.sock');
  const config = path.join(dir, 'config.toml');
  fs.writeFileSync(
    config,
    [
      'version = 2',
      `root = "${dir}/root"`,
      `state = "${dir}/state"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      '[grpc]',
      `  address = "${sock}"`,
      '[ttrpc]',
      `  address = "${sock}.ttrpc"`,
      '',
    ].join('\n'),
  );
  const proc = spawn('containerd', ['--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr!.on('data', (b: Buffer) => (log += b.toString()));
  const closed = new Promise<void>((resolve) => proc.once('close', () => resolve()));
  for (let i = 0; i < 100; i++) {
    if ((await exec('ctr', ['--address', sock, 'version'], 5000)).code === 0) break;
    if (proc.exitCode !== null) throw new Error(`containerd exited: ${log}`);
    await sleep(100);
  }
  return {
    sock,
    proc,
    async stop() {
      proc.kill('SIGTERM');
      await closed;
    },
  };
}

test('containerd with ctr run --config and the hooks in the spec', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-containerd-'));
  const ctd = await startContainerd(dir);
  try {
    const bundle = makeBundle(path.join(dir, 'bundle'), { args: ['/bin/sh', '-c', SCRIPT] });
    // The spec makeBundle wrote (from `runc spec`), with the hooks as a base_runtime_spec would carry them.
    const spec = JSON.parse(fs.readFileSync(bundle.configPath, 'utf8'));
    const hook = (stage: string) => ({ path: HOOK, args: ['straceback-hook', stage], env: [`STRACEBACK_RUN_DIR=${daemon.runDir}`] });
    spec.hooks = { prestart: [hook('prestart')], poststop: [hook('poststop')] };
    const specFile = path.join(dir, 'spec.json');
    fs.writeFileSync(specFile, JSON.stringify(spec));
    const id = uniqueId('ctd');
    const run = await exec('ctr', ['--address', ctd.sock, 'run', '--rm', '--config', specFile, id]);
    t.is(run.code, 3, run.stderr);
    t.notRegex(run.stderr, /straceback-hook/);
    const c = await info(id);
    t.truthy(c);
    t.is(c!.state, 'exited');
    const d = await dumped(id, 'containerd');
    t.regex(d.first, FIRST_EXEC);
    t.true(d.hostnameOpens >= 1);
  } finally {
    await ctd.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
