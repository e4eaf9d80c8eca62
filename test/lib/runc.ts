/**
 * Real runc containers for straceback's tests, with a busybox-static rootfs.
 *
 * What works on the test machines (runc 1.1.5, root, cgroup v1 hybrid, no
 * CAP_SYS_RESOURCE), found by trying it:
 *  - the spec from `runc spec`, edited as below, runs unchanged: runc's default
 *    cgroup path (linux.cgroupsPath unset means /<id> under every v1 hierarchy,
 *    nested under our own cgroup for `memory`) is created and removed by runc
 *    without trouble, so no resources are dropped. BundleOptions.cgroupsPath
 *    can set one explicitly; container ids must therefore be unique across
 *    concurrent tests (use uniqueId()).
 *  - container state always goes to a temporary --root (never /run/runc):
 *    tempRuncRoot() makes one under os.tmpdir().
 *  - stdio of the container is files in the bundle (stdout, stderr; stdin is
 *    /dev/null) handed to runc as fds, never pipes that Node holds, so
 *    `runc create` returns while the container lives on.
 *  - runc state reports no exit code, and after `runc create` the container's
 *    init is no child of ours, so create/start/waitExit only tell "stopped".
 *    To get the exit code use runForeground() (`runc run`, whose own exit code
 *    is the container's: 128+N when killed by signal N), or runGated(), which
 *    is `runc run` held at a createRuntime hook until go(), so a recorder can
 *    register the init's pid / mount namespace before the container's process
 *    runs and the test still gets the exit code.
 *
 * Example container script (busybox sh inside the rootfs):
 *   args: ['/bin/sh', '-c', 'echo hi > /tmp/x; cat /nonexistent; exit 3']
 *   -> openat/write/close of /tmp/x, a failing openat (ENOENT) by cat,
 *      "cat: can't open '/nonexistent': No such file or directory" on stderr,
 *      exit status 3 (via runForeground/runGated).
 *
 *   const root = tempRuncRoot();
 *   const b = makeBundle(dir, { args: ['/bin/sh', '-c', 'echo hello; exit 3'] });
 *   const c = await RuncContainer.create(b, uniqueId(), { root });
 *   c.pid; mntnsOf(c.pid);       // init pid known before start()
 *   await c.start();
 *   await c.waitExit(10_000);    // state.status === 'stopped'
 *   c.stdout();                  // 'hello\n'
 *   await c.delete();
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mntnsOf } from './procs';

/** runc binary (Debian's runc package installs /usr/sbin/runc). */
export const RUNC = fs.existsSync('/usr/sbin/runc') ? '/usr/sbin/runc' : 'runc';
/** Static busybox from Debian's busybox-static package. */
export const BUSYBOX = '/bin/busybox';

/** OCI runtime-spec hook. */
export interface OciHook {
  path: string;
  args?: string[];
  env?: string[];
  timeout?: number;
}

/** OCI runtime-spec hooks (runc 1.1 supports all of these). */
export interface OciHooks {
  prestart?: OciHook[];
  createRuntime?: OciHook[];
  createContainer?: OciHook[];
  startContainer?: OciHook[];
  poststart?: OciHook[];
  poststop?: OciHook[];
}

export interface BundleOptions {
  /** process.args, e.g. ['/bin/sh', '-c', 'echo hello; exit 3']. */
  args: string[];
  /** Added to (or overriding, by name) the spec's PATH and TERM: 'K=V' strings or a record. */
  env?: string[] | Record<string, string>;
  hooks?: OciHooks;
  /** Container hostname (default 'straceback-test'). */
  hostname?: string;
  /** process.cwd inside the container (default '/'). */
  cwd?: string;
  /** linux.cgroupsPath; unset lets runc use /<id>. */
  cgroupsPath?: string;
  /** Share the host's network namespace instead of a fresh one (only lo, down). */
  hostNetwork?: boolean;
}

/** A bundle directory written by makeBundle. */
export interface Bundle {
  dir: string;
  rootfs: string;
  configPath: string;
  /** Container stdout / stderr (written by create, runForeground, runGated). */
  stdoutPath: string;
  stderrPath: string;
  /** runc's own log (--log). */
  logPath: string;
}

/** Output of `runc state`. */
export interface RuncState {
  ociVersion: string;
  id: string;
  pid: number;
  status: 'creating' | 'created' | 'running' | 'paused' | 'stopped';
  bundle: string;
  rootfs: string;
  created: string;
  owner: string;
  annotations?: Record<string, string>;
}

export interface RuncOptions {
  /** runc --root: state directory; must not be /run/runc. Default: a per-process tempRuncRoot(). */
  root?: string;
}

export interface RunOptions extends RuncOptions {
  /** Give up (kill and delete the container) after this long (default 30000). */
  timeoutMs?: number;
}

export interface RunResult {
  /** Container exit status (runForeground/runGated) — null from run(), where runc cannot tell. */
  code: number | null;
  /** Signal that ended the runc process itself (normally null). */
  signal: string | null;
  stdout: string;
  stderr: string;
}

export interface GatedRun {
  /** Host pid of the container's init (runc init, exec()ing args once released). */
  pid: number;
  /** Its mount namespace inode: the container's, already unshared at the hook. */
  mntns: bigint;
  state: RuncState;
  /** Releases the hook: the container then starts its process. Idempotent. */
  go(): void;
  /** Settles when `runc run` has exited (runc removes the container itself). */
  done: Promise<RunResult>;
  /** Releases the gate and SIGKILLs the container. */
  kill(): void;
}

/** $0 of the gate hook's shell: marks the hook so a rerun replaces it. */
const GATE_MARK = 'straceback-gate';

function run(file: string, args: string[], timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')}: ${err.message.trim()} ${String(stderr).trim()}`));
      else resolve(String(stdout));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const tempDirs: string[] = [];
let cleanupHooked = false;
function rememberTemp(dir: string): string {
  tempDirs.push(dir);
  if (!cleanupHooked) {
    cleanupHooked = true;
    process.on('exit', () => {
      for (const d of tempDirs) {
        try {
          fs.rmSync(d, { recursive: true, force: true });
        } catch {
          // best effort
        }
      }
    });
  }
  return dir;
}

/** A fresh container id: 'sbt-<prefix>-<random hex>' (unique per call). */
export function uniqueId(prefix = 'c'): string {
  return `sbt-${prefix}-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
}

/**
 * Makes a fresh runc state root under os.tmpdir(). Not removed automatically:
 * remove it after deleting its containers (e.g. fs.rmSync(root, {recursive: true})).
 */
export function tempRuncRoot(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'straceback-runc-'));
}

let defaultRoot: string | undefined;
function resolveRoot(opts?: RuncOptions): string {
  let root = opts?.root;
  if (root === undefined) {
    defaultRoot ??= rememberTemp(tempRuncRoot());
    root = defaultRoot;
  }
  root = path.resolve(root);
  if (root === '/run/runc') throw new Error('refusing to use the host runc root /run/runc');
  fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  return root;
}

/**
 * Builds a busybox rootfs in `dir`: bin/busybox (copy of the static
 * /bin/busybox) plus a symlink bin/NAME -> busybox for every applet of
 * `busybox --list` (sh, ls, cat, echo, true, false, sleep, wget, nc, ...),
 * empty proc/ sys/ dev/ tmp/ root/, and etc/ with passwd, group, hostname, hosts.
 */
export function buildBusyboxRootfs(dir: string): void {
  if (!fs.existsSync(BUSYBOX)) {
    throw new Error(`${BUSYBOX} is missing: install Debian's busybox-static package`);
  }
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  for (const d of ['proc', 'sys', 'dev', 'tmp', 'etc', 'root']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  fs.chmodSync(path.join(dir, 'tmp'), 0o1777);
  fs.chmodSync(path.join(dir, 'root'), 0o700);
  const bb = path.join(bin, 'busybox');
  fs.copyFileSync(BUSYBOX, bb);
  fs.chmodSync(bb, 0o755);
  const applets = execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' })
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== 'busybox' && !s.includes('/'));
  for (const name of applets) {
    const link = path.join(bin, name);
    fs.rmSync(link, { force: true });
    fs.symlinkSync('busybox', link);
  }
  const etc = path.join(dir, 'etc');
  fs.writeFileSync(path.join(etc, 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  fs.writeFileSync(path.join(etc, 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  fs.writeFileSync(path.join(etc, 'hostname'), 'straceback-test\n');
  fs.writeFileSync(path.join(etc, 'hosts'), '127.0.0.1\tlocalhost\n::1\tlocalhost\n');
}

let cachedRootfs: string | undefined;
/** The per-process cached busybox rootfs (built on first use, removed at exit). */
function rootfsCache(): string {
  if (cachedRootfs === undefined) {
    const dir = rememberTemp(fs.mkdtempSync(path.join(os.tmpdir(), 'straceback-rootfs-')));
    buildBusyboxRootfs(path.join(dir, 'rootfs'));
    cachedRootfs = path.join(dir, 'rootfs');
  }
  return cachedRootfs;
}

/** Copies a tree; the big busybox binary is hard-linked when possible (read-only use). */
function copyTree(src: string, dst: string): void {
  const st = fs.lstatSync(src);
  if (st.isSymbolicLink()) {
    fs.symlinkSync(fs.readlinkSync(src), dst);
  } else if (st.isDirectory()) {
    fs.mkdirSync(dst);
    fs.chmodSync(dst, st.mode & 0o7777);
    for (const e of fs.readdirSync(src)) copyTree(path.join(src, e), path.join(dst, e));
  } else if (st.size >= 1 << 20) {
    try {
      fs.linkSync(src, dst);
    } catch {
      fs.copyFileSync(src, dst);
    }
  } else {
    fs.copyFileSync(src, dst);
  }
}

let cachedSpec: string | undefined;
/** JSON text of `runc spec` (generated once per process). */
function baseSpec(): string {
  if (cachedSpec === undefined) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'straceback-spec-'));
    try {
      execFileSync(RUNC, ['spec', '--bundle', dir]);
      cachedSpec = fs.readFileSync(path.join(dir, 'config.json'), 'utf8');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return cachedSpec;
}

function mergeEnv(base: string[], extra: BundleOptions['env']): string[] {
  const list = extra === undefined ? [] : Array.isArray(extra) ? extra : Object.entries(extra).map(([k, v]) => `${k}=${v}`);
  const out = new Map<string, string>();
  for (const kv of [...base, ...list]) {
    const eq = kv.indexOf('=');
    out.set(eq < 0 ? kv : kv.slice(0, eq), kv);
  }
  return [...out.values()];
}

function bundleOf(dir: string): Bundle {
  const d = path.resolve(dir);
  return {
    dir: d,
    rootfs: path.join(d, 'rootfs'),
    configPath: path.join(d, 'config.json'),
    stdoutPath: path.join(d, 'stdout'),
    stderrPath: path.join(d, 'stderr'),
    logPath: path.join(d, 'runc.log'),
  };
}

/**
 * Writes a runc bundle in `dir` (created if needed): rootfs/ (a copy of the
 * per-process cached busybox rootfs; replaced if present) and config.json
 * from `runc spec` with process.args/env/cwd, terminal false, absolute
 * root.path, readonly false, hostname, and the given hooks.
 */
export function makeBundle(dir: string, opts: BundleOptions): Bundle {
  if (opts.args.length === 0) throw new Error('makeBundle: args must not be empty');
  const b = bundleOf(dir);
  fs.mkdirSync(b.dir, { recursive: true });
  fs.rmSync(b.rootfs, { recursive: true, force: true });
  copyTree(rootfsCache(), b.rootfs);

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const spec: any = JSON.parse(baseSpec());
  spec.process.args = [...opts.args];
  spec.process.terminal = false;
  delete spec.process.consoleSize;
  spec.process.env = mergeEnv(spec.process.env ?? [], opts.env);
  spec.process.cwd = opts.cwd ?? '/';
  spec.root = { path: b.rootfs, readonly: false };
  spec.hostname = opts.hostname ?? 'straceback-test';
  if (opts.hooks !== undefined) spec.hooks = JSON.parse(JSON.stringify(opts.hooks));
  if (opts.cgroupsPath !== undefined) spec.linux.cgroupsPath = opts.cgroupsPath;
  if (opts.hostNetwork) {
    spec.linux.namespaces = spec.linux.namespaces.filter((n: { type: string }) => n.type !== 'network');
  }
  fs.writeFileSync(b.configPath, JSON.stringify(spec, null, 2));
  return b;
}

function asBundle(bundle: Bundle | string): Bundle {
  return typeof bundle === 'string' ? bundleOf(bundle) : bundle;
}

function readText(p: string): string {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

/** Spawns runc with stdin /dev/null and stdout/stderr to the bundle's files; resolves on its exit. */
function spawnRunc(args: string[], b: Bundle): { child: ReturnType<typeof spawn>; exit: Promise<{ code: number | null; signal: string | null }> } {
  const out = fs.openSync(b.stdoutPath, 'w');
  const err = fs.openSync(b.stderrPath, 'w');
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(RUNC, args, { stdio: ['ignore', out, err] });
  } finally {
    fs.closeSync(out);
    fs.closeSync(err);
  }
  const exit = new Promise<{ code: number | null; signal: string | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return { child, exit };
}

/** A container made by `runc create`, driven with runc's CLI. */
export class RuncContainer {
  private constructor(
    readonly id: string,
    readonly bundle: Bundle,
    readonly root: string,
    /** Host pid of the container's init (from `runc state` after create). */
    readonly pid: number,
  ) {}

  /**
   * `runc --root ROOT --log B/runc.log create --bundle B ID` with the
   * container's stdio on B/stdout and B/stderr; resolves after create with
   * the init pid known (status 'created': the process waits for start()).
   */
  static async create(bundle: Bundle | string, id: string, opts: RuncOptions = {}): Promise<RuncContainer> {
    const b = asBundle(bundle);
    const root = resolveRoot(opts);
    const { exit } = spawnRunc(['--root', root, '--log', b.logPath, 'create', '--bundle', b.dir, id], b);
    const { code, signal } = await exit;
    if (code !== 0) {
      throw new Error(`runc create ${id} failed (code=${code} signal=${signal}): ${readText(b.stderrPath).trim()} ${readText(b.logPath).trim()}`);
    }
    const st = await RuncContainer.stateOf(root, id);
    return new RuncContainer(id, b, root, st.pid);
  }

  /** `runc state ID` under `root`. */
  static async stateOf(root: string, id: string): Promise<RuncState> {
    return JSON.parse(await run(RUNC, ['--root', root, 'state', id])) as RuncState;
  }

  /** IDs that `runc list` shows under `root`. */
  static async list(root: string): Promise<string[]> {
    const out = (await run(RUNC, ['--root', root, 'list', '--format', 'json'])).trim();
    if (out === '' || out === 'null') return [];
    return (JSON.parse(out) as RuncState[]).map((s) => s.id);
  }

  state(): Promise<RuncState> {
    return RuncContainer.stateOf(this.root, this.id);
  }

  async start(): Promise<void> {
    await run(RUNC, ['--root', this.root, 'start', this.id]);
  }

  /** Polls `runc state` until 'stopped' and returns that state; rejects after timeoutMs. */
  async waitExit(timeoutMs = 30_000): Promise<RuncState> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const st = await this.state();
      if (st.status === 'stopped') return st;
      if (Date.now() >= deadline) throw new Error(`container ${this.id} still ${st.status} after ${timeoutMs} ms`);
      await sleep(25);
    }
  }

  /** `runc kill ID SIGNAL` (default KILL). */
  async kill(signal = 'KILL'): Promise<void> {
    await run(RUNC, ['--root', this.root, 'kill', this.id, signal]);
  }

  /** `runc delete --force ID`: kills it if needed and removes its state and cgroups. */
  async delete(): Promise<void> {
    await run(RUNC, ['--root', this.root, 'delete', '--force', this.id]);
  }

  /** What the container wrote to stdout / stderr so far. */
  stdout(): string {
    return readText(this.bundle.stdoutPath);
  }

  stderr(): string {
    return readText(this.bundle.stderrPath);
  }

  /**
   * create / start / waitExit / delete. code is null: runc cannot tell the
   * exit status of a created container (use runForeground for it).
   */
  static async run(bundle: Bundle | string, id: string, opts: RunOptions = {}): Promise<RunResult & { pid: number; state: RuncState }> {
    const c = await RuncContainer.create(bundle, id, opts);
    try {
      await c.start();
      const state = await c.waitExit(opts.timeoutMs ?? 30_000);
      return { code: null, signal: null, stdout: c.stdout(), stderr: c.stderr(), pid: c.pid, state };
    } finally {
      await c.delete();
    }
  }

  /**
   * `runc run --bundle B ID` in the foreground: its exit code is the
   * container's (128+N if killed by signal N). runc deletes the container
   * itself when it ends; on timeout it is killed and deleted, and this rejects.
   */
  static async runForeground(bundle: Bundle | string, id: string, opts: RunOptions = {}): Promise<RunResult> {
    const b = asBundle(bundle);
    const root = resolveRoot(opts);
    const { exit } = spawnRunc(['--root', root, '--log', b.logPath, 'run', '--bundle', b.dir, id], b);
    return finishForeground(b, root, id, exit, opts.timeoutMs ?? 30_000);
  }

  /**
   * `runc run` held by a createRuntime hook (a host /bin/sh that saves the
   * state JSON and blocks reading a FIFO in the bundle) until go(). Resolves
   * once the hook runs: the init pid and the container's mount namespace are
   * known, and the container's process has not run yet. done gives the exit
   * code. The bundle's config.json gets the hook appended (rewritten each call).
   */
  static async runGated(bundle: Bundle | string, id: string, opts: RunOptions = {}): Promise<GatedRun> {
    const b = asBundle(bundle);
    const root = resolveRoot(opts);
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const statePath = path.join(b.dir, 'gate.state.json');
    const fifoPath = path.join(b.dir, 'gate.fifo');
    fs.rmSync(statePath, { force: true });
    fs.rmSync(`${statePath}.tmp`, { force: true });
    fs.rmSync(fifoPath, { force: true });
    execFileSync('mkfifo', ['-m', '0600', fifoPath]);

    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const spec: any = JSON.parse(fs.readFileSync(b.configPath, 'utf8'));
    const gateHook: OciHook = {
      path: '/bin/sh',
      args: ['sh', '-c', 'cat > "$1.tmp" && mv "$1.tmp" "$1" && read x < "$2"', GATE_MARK, statePath, fifoPath],
      env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'],
    };
    spec.hooks = spec.hooks ?? {};
    spec.hooks.createRuntime = [...(spec.hooks.createRuntime ?? []).filter((h: OciHook) => h.args?.[3] !== GATE_MARK), gateHook];
    fs.writeFileSync(b.configPath, JSON.stringify(spec, null, 2));

    // O_RDWR on a FIFO never blocks on Linux; holding it open until runc exits
    // keeps the go byte in the pipe even if the hook opens it later.
    const gateFd = fs.openSync(fifoPath, fs.constants.O_RDWR);
    let released = false;
    const go = (): void => {
      if (released) return;
      released = true;
      fs.writeSync(gateFd, 'g\n');
    };
    const { exit } = spawnRunc(['--root', root, '--log', b.logPath, 'run', '--bundle', b.dir, id], b);
    let exited = false;
    const exitSeen = exit.then(
      (r) => {
        exited = true;
        return r;
      },
      (e: Error) => {
        exited = true;
        throw e;
      },
    );
    const done = finishForeground(b, root, id, exitSeen, timeoutMs, go).finally(() => fs.closeSync(gateFd));
    let initPid: number | undefined;
    const kill = (): void => {
      go();
      void killUntilGone(root, id, () => exited, initPid);
    };

    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (fs.existsSync(statePath)) break;
      if (exited || Date.now() >= deadline) {
        kill();
        const r = await done.catch((e: Error) => ({ code: null, signal: null, stdout: '', stderr: e.message }));
        throw new Error(`runc run ${id}: gate hook never ran (code=${r.code}): ${r.stderr.trim()} ${readText(b.logPath).trim()}`);
      }
      await sleep(10);
    }
    const state = JSON.parse(fs.readFileSync(statePath, 'utf8')) as RuncState;
    initPid = state.pid;
    let mntns: bigint;
    try {
      mntns = mntnsOf(state.pid);
    } catch (e) {
      kill();
      await done.catch(() => undefined);
      throw e;
    }
    return { pid: state.pid, mntns, state, go, done, kill };
  }
}

/**
 * SIGKILLs a container until `gone()` (its `runc run` exited): `runc kill`,
 * plus a direct SIGKILL of the init pid when known, which also works while
 * runc is still in a hook (state 'creating', where `runc kill` refuses).
 * The init is runc run's child, so its pid cannot be reused while runc lives.
 */
async function killUntilGone(root: string, id: string, gone: () => boolean, initPid?: number): Promise<void> {
  for (let i = 0; i < 400 && !gone(); i++) {
    if (initPid !== undefined) {
      try {
        process.kill(initPid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await run(RUNC, ['--root', root, 'kill', id, 'KILL']).catch(() => undefined);
    await sleep(25);
  }
}

async function finishForeground(
  b: Bundle,
  root: string,
  id: string,
  exit: Promise<{ code: number | null; signal: string | null }>,
  timeoutMs: number,
  beforeKill?: () => void,
): Promise<RunResult> {
  let timer: NodeJS.Timeout | undefined;
  let exited = false;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const first = await Promise.race([exit.then((r) => ({ r })), timedOut]);
  clearTimeout(timer);
  if (first === 'timeout') {
    beforeKill?.();
    const markExited = (): void => {
      exited = true;
    };
    void exit.then(markExited, markExited);
    await killUntilGone(root, id, () => exited);
    await exit.catch(() => undefined);
    await run(RUNC, ['--root', root, 'delete', '--force', id]).catch(() => undefined);
    throw new Error(`runc run ${id} did not finish within ${timeoutMs} ms; killed. stderr: ${readText(b.stderrPath).trim()}`);
  }
  // runc run removes the container when it ends; make sure of it (no-op normally).
  await run(RUNC, ['--root', root, 'delete', '--force', id]).catch(() => undefined);
  return { code: first.r.code, signal: first.r.signal, stdout: readText(b.stdoutPath), stderr: readText(b.stderrPath) };
}
