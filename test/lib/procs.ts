/**
 * Process utilities for straceback's tests: start the C helper programs of
 * test/helpers (built by `make -C test/helpers` into test/helpers/bin/) behind
 * their ready/go handshake, and read a few numbers about processes and the
 * host (mount namespace inode, open fds, RSS, the BPF maps and which a process holds).
 *
 * The helpers print `ready <pid>\n`, then block reading one byte from stdin:
 * a harness starts a program, registers its pid / mount namespace with the
 * recorder, then calls go() so the program makes its calls under recording.
 *
 *   const w = await startWorkload(['--unshare', 'sequence', file, '5']);
 *   // ... register w.mntns with the recorder ...
 *   w.go();
 *   const r = await w.done;   // { code: 0, signal: null, stdout: 'done\n', ... }
 */
import { ChildProcess, ChildProcessWithoutNullStreams, spawn, execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../recorder/paths';
import { mntnsOfPid } from '../../recorder/recorder';

/** How a helper program ended. stdout excludes the `ready <pid>` line. */
export interface WorkloadResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export interface Workload {
  /** Host pid of the helper (the one it reported in its ready line). */
  pid: number;
  /** Inode of /proc/<pid>/ns/mnt, read after the ready line (so after --unshare). */
  mntns: bigint;
  /** Writes the one go byte on the helper's stdin; later calls do nothing. */
  go(): void;
  /** Settles (never rejects) when the helper has exited and its stdio closed. */
  done: Promise<WorkloadResult>;
  /** SIGKILLs the helper if it is still running. */
  kill(): void;
}

export interface StartWorkloadOptions {
  /**
   * Program to run: a name of test/helpers/bin ('workload' default,
   * 'sysbench' — pass '--wait' in args for its handshake) or an absolute path
   * to any program that speaks the same handshake.
   */
  program?: string;
  /** How long to wait for the ready line before killing it and rejecting (default 10000). */
  readyTimeoutMs?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** The repository root (recorder/paths.ts), re-exported for tests and benchmarks. */
export { repoRoot };

/** Absolute path of a program in test/helpers/bin/ ('workload', 'sysbench'). */
export function helperBin(name: string): string {
  return path.join(repoRoot(), 'test', 'helpers', 'bin', name);
}

/** n shells spinning in a loop (no syscalls), each keeping a CPU busy until killed. */
export function busyLoops(n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawn('/bin/sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }));
}

/** Mount namespace inode of a process: stat(/proc/<pid>/ns/mnt).st_ino. */
export function mntnsOf(pid: number): bigint {
  return mntnsOfPid(pid);
}

/** Number of open fds of a process, this one by default (entries of /proc/PID/fd, less the one readdir itself uses here). */
export function openFdCount(pid?: number): number {
  return pid === undefined ? fs.readdirSync('/proc/self/fd').length - 1 : fs.readdirSync(`/proc/${pid}/fd`).length;
}

/** A /proc/PID/status memory figure (VmRSS, RssAnon...) in bytes, of this process by default. */
export function statusBytes(key: string, pid?: number): number {
  const where = `/proc/${pid ?? 'self'}/status`;
  const m = new RegExp(`^${key}:\\s+(\\d+)\\s+kB$`, 'm').exec(fs.readFileSync(where, 'utf8'));
  if (!m) throw new Error(`${key} not found in ${where}`);
  return Number(m[1]) * 1024;
}

/** Resident set size in bytes (VmRSS), of this process by default. */
export function rssBytes(pid?: number): number {
  return statusBytes('VmRSS', pid);
}

/** Path of bpftool used by bpfMapCount (Debian installs it in /usr/sbin). */
export const BPFTOOL = '/usr/sbin/bpftool';

/** The BPF maps on the host, from `bpftool -j map show` (needs root). */
export function bpfMaps(): Promise<Array<{ id: number; type: string; name: string }>> {
  return new Promise((resolve, reject) => {
    execFile(BPFTOOL, ['-j', 'map', 'show'], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`${BPFTOOL} -j map show failed: ${err.message} ${stderr}`));
        return;
      }
      const text = stdout.trim();
      if (text === '') {
        resolve([]);
        return;
      }
      try {
        const maps: unknown = JSON.parse(text);
        if (!Array.isArray(maps)) throw new Error('not a JSON array');
        resolve(maps.map((m: { id: number; type: string; name?: string }) => ({ id: m.id, type: m.type, name: m.name ?? '' })));
      } catch (e) {
        reject(new Error(`cannot parse bpftool output: ${(e as Error).message}`));
      }
    });
  });
}

/** Number of BPF maps on the host. */
export async function bpfMapCount(): Promise<number> {
  return (await bpfMaps()).length;
}

/** The BPF maps on the host and those a process holds file descriptors of. */
export interface MapCensus {
  /** Every map on the host: id → name (`bpftool -j map show`). */
  host: Map<number, string>;
  /**
   * Ids of the maps the process holds: those it has an fd of (`map_id:` in
   * /proc/PID/fdinfo) and the maps in the slots of those that are maps of
   * maps (the recorder's rings live there, held by the slot and a mapping).
   */
  held: Set<number>;
}

/** Ids of the BPF maps process `pid` (this one by default) holds file descriptors of. */
export function heldMapIds(pid?: number): Set<number> {
  const dir = `/proc/${pid ?? 'self'}/fdinfo`;
  const ids = new Set<number>();
  for (const fd of fs.readdirSync(dir)) {
    let info: string;
    try {
      info = fs.readFileSync(path.join(dir, fd), 'utf8');
    } catch {
      continue; // closed meanwhile (the readdir's own fd among them)
    }
    const m = /^map_id:\s+(\d+)$/m.exec(info);
    if (m) ids.add(Number(m[1]));
  }
  return ids;
}

/** The host's maps and those `pid` (this process by default) holds. */
export async function mapCensus(pid?: number): Promise<MapCensus> {
  const maps = await bpfMaps();
  const held = heldMapIds(pid);
  for (const m of maps) {
    if (!held.has(m.id) || !m.type.endsWith('_of_maps')) continue;
    // Each slot's value is the inner map's id, little-endian bytes.
    const slots = JSON.parse(execFileSync(BPFTOOL, ['-j', 'map', 'dump', 'id', String(m.id)], { encoding: 'utf8' }) || '[]') as Array<{ value: string[] }>;
    for (const { value } of slots) held.add(Buffer.from(value.map((b) => parseInt(b, 16))).readUInt32LE(0));
  }
  return { host: new Map(maps.map((m) => [m.id, m.name])), held };
}

/**
 * What a leak leaves, compared with `before`: maps created since then that
 * `pid` does not hold (see MapCensus), as "ID NAME".
 * The kernel frees a map a little after its last reference goes, so this
 * polls for up to `ms`. Maps of other processes that go away meanwhile
 * (recorders closed by earlier tests) do not matter, unlike with a count.
 */
export async function strayMaps(before: MapCensus, pid?: number, ms = 10_000): Promise<string[]> {
  const until = Date.now() + ms;
  for (;;) {
    const now = await mapCensus(pid);
    const stray = [...now.host].filter(([id]) => !before.host.has(id) && !now.held.has(id)).map(([id, name]) => `${id} ${name}`);
    if (stray.length === 0 || Date.now() > until) return stray;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Spawns a helper program (test/helpers/bin/workload by default) with `args`,
 * waits for its `ready <pid>` line and returns once the pid and mount
 * namespace are known; the program then waits for go().
 * Rejects (after killing it) if it exits or times out before the ready line.
 */
export function startWorkload(args: string[], opts: StartWorkloadOptions = {}): Promise<Workload> {
  const program = opts.program ?? 'workload';
  const file = path.isAbsolute(program) ? program : helperBin(program);
  if (!fs.existsSync(file)) {
    return Promise.reject(new Error(`${file} is missing: run \`make -C test/helpers\` first`));
  }
  const readyTimeoutMs = opts.readyTimeoutMs ?? 10_000;
  const child = spawn(file, args, { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });

  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    stderr += s;
  });
  // Writing the go byte to a process that already died raises EPIPE here.
  child.stdin.on('error', () => {});

  let exited = false;
  const done = new Promise<WorkloadResult>((resolve) => {
    child.on('close', (code, signal) => {
      exited = true;
      const nl = stdout.indexOf('\n');
      const rest = stdout.startsWith('ready ') && nl >= 0 ? stdout.slice(nl + 1) : stdout;
      resolve({ code, signal, stdout: rest, stderr });
    });
  });

  const kill = (): void => {
    if (!exited && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };

  return new Promise<Workload>((resolve, reject) => {
    let settled = false;
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      kill();
      void done.then((r) =>
        reject(new Error(`${path.basename(file)} ${args.join(' ')}: ${why} (code=${r.code} signal=${r.signal} stderr=${JSON.stringify(r.stderr)})`)),
      );
    };
    const timer = setTimeout(() => fail(`no ready line within ${readyTimeoutMs} ms`), readyTimeoutMs);

    child.on('error', (e) => fail(`spawn failed: ${e.message}`));
    child.on('exit', () => fail('exited before its ready line'));
    child.stdout.on('data', (s: string) => {
      stdout += s;
      if (settled) return;
      const nl = stdout.indexOf('\n');
      if (nl < 0) return;
      const m = /^ready (\d+)$/.exec(stdout.slice(0, nl));
      if (!m) {
        fail(`unexpected first line ${JSON.stringify(stdout.slice(0, nl))}`);
        return;
      }
      const pid = Number(m[1]);
      let mntns: bigint;
      try {
        mntns = mntnsOf(pid);
      } catch (e) {
        fail(`cannot stat /proc/${pid}/ns/mnt: ${(e as Error).message}`);
        return;
      }
      settled = true;
      clearTimeout(timer);
      let wentGo = false;
      resolve({
        pid,
        mntns,
        go(): void {
          if (wentGo) return;
          wentGo = true;
          child.stdin.end(Buffer.from('g'));
        },
        done,
        kill,
      });
    });
  });
}

/**
 * `/bin/sh -c SCRIPT` in a mount namespace of its own. SCRIPT must print a
 * line "ready" and then read one line (the go line) before what is to be
 * recorded; this resolves once "ready" was printed, so the caller can
 * register the shell's namespace, then `child.stdin.end('go\n')`.
 */
export async function spawnGatedShell(script: string, stderr: 'inherit' | 'pipe' = 'pipe'): Promise<{ child: ChildProcessWithoutNullStreams; closed: Promise<number | null> }> {
  const child = spawn('unshare', ['--mount', '--propagation', 'private', '/bin/sh', '-c', script], { stdio: ['pipe', 'pipe', stderr] }) as ChildProcessWithoutNullStreams;
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s: string) => {
      out += s;
      if (out.includes('ready\n')) resolve();
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`the shell exited before it was ready (${code})`)));
  });
  return { child, closed };
}
