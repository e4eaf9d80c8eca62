/**
 * `straceback daemon`: owns the recorder and serves it. One daemon per run
 * dir: a second one refuses to start; sockets left by a dead one are replaced.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Recorder } from '../recorder';
import { API_SOCKET, MANAGER_SOCKET } from './api';
import { startTracerManager } from './grpc';
import { createApiServer } from './http';
import { Discovery } from './discovery';
import { Registry } from './registry';
import { MemorySettler } from './settle';
import { native } from '../native';
import type { DumpWorkerMode } from '../sinks/sqlite';

export interface DaemonOptions {
  runDir: string;
  stateDir: string;
  ringBytes: number;
  budgetBytes: number;
  maxContainers: number;
  retentionBytes: number;
  retentionMs: number;
  /** Runtime state dirs watched for containers started without hooks; empty: no discovery. */
  discoverRoots: string[];
  /** Group (name or gid) given access to the sockets (0660) and the run dir (0710); unset: root only. */
  socketGroup?: string;
  /** Where the BPF programs, maps and rings are pinned so they outlive the daemon (default: pinDirFor(runDir)). */
  pinDir?: string;
  /**
   * On shutdown archive every running container and free the rings and pins,
   * instead of handing them over (still recording) to the next daemon.
   */
  releaseOnExit?: boolean;
  /** Who writes big dumps and archives (default auto; RegistryOptions.dumpWorker). */
  dumpWorker?: DumpWorkerMode;
  /** How long discovery leaves a new container to its hook (default 250 ms). */
  discoverGraceMs?: number;
  /** Quiet time after which garbage is collected and free memory given back (default 5000 ms; settle.ts). */
  settleMs?: number;
  /** Longest string or buffer shown in dumps, archives and event text (default 32, as strace's -s). */
  stringLimit?: number;
  log: (line: string) => void;
}

export interface Daemon {
  registry: Registry;
  apiSocket: string;
  managerSocket: string;
  close(): Promise<void>;
}

const PID_FILE = 'daemon.pid';

function answers(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(socket);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

function isDaemonPid(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('daemon');
  } catch {
    return false;
  }
}

/** Refuses when another daemon serves this run dir; clears what a dead one left. */
async function claimRunDir(runDir: string): Promise<void> {
  const pidFile = path.join(runDir, PID_FILE);
  const api = path.join(runDir, API_SOCKET);
  let other = 0;
  try {
    other = Number(fs.readFileSync(pidFile, 'utf8').trim()) || 0;
  } catch {
    // no pid file: no daemon here yet
  }
  if (isDaemonPid(other) || (await answers(api))) {
    throw new Error(`another straceback daemon${other ? ` (pid ${other})` : ''} is already serving ${runDir}; stop it first or use another --run-dir`);
  }
  for (const f of [API_SOCKET, MANAGER_SOCKET]) fs.rmSync(path.join(runDir, f), { force: true });
  fs.rmSync(pidFile, { force: true });
  fs.writeFileSync(pidFile, `${process.pid}\n`, { mode: 0o600, flag: 'wx' });
}

function listen(server: import('node:http').Server, socket: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // The socket is made with the process umask; narrow it before anyone can connect.
    const old = process.umask(0o177);
    server.listen(socket, () => {
      process.umask(old);
      server.off('error', reject);
      resolve();
    });
  });
}

function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const what: Record<string, string> = {
    EROFS: 'it is on a read-only file system (EROFS)',
    EACCES: 'permission denied (EACCES)',
    ENOSPC: 'the disk is full (ENOSPC)',
    ENOTDIR: 'it is not a directory (ENOTDIR)',
  };
  return (code && what[code]) ?? (err as Error).message;
}

export const DEFAULT_RUN_DIR = '/run/straceback';
export const BPFFS = '/sys/fs/bpf';

/** The pin dir of a run dir: /sys/fs/bpf/straceback/default for /run/straceback, else one named by a hash of the run dir. */
export function pinDirFor(runDir: string): string {
  const abs = path.resolve(runDir);
  const name = abs === DEFAULT_RUN_DIR ? 'default' : crypto.createHash('sha256').update(abs).digest('hex').slice(0, 16);
  return path.join(BPFFS, 'straceback', name);
}

/** bpffs must be mounted for pins; mount it when it is not (as root), or say exactly what to do. */
function ensureBpffs(log: (line: string) => void): void {
  const mounted = () => fs.readFileSync('/proc/self/mounts', 'utf8').split('\n').some((l) => l.split(' ')[1] === BPFFS && l.split(' ')[2] === 'bpf');
  if (mounted()) return;
  try {
    execFileSync('mount', ['-t', 'bpf', 'bpf', BPFFS], { stdio: 'ignore' });
  } catch {
    // said below
  }
  if (!mounted()) throw new Error(`bpffs is not mounted at ${BPFFS} and mounting it failed: run \`mount -t bpf bpf ${BPFFS}\` as root (rings are pinned there so they outlive the daemon)`);
  log(`bpffs was not mounted at ${BPFFS}: mounted it`);
}

export const KERNEL_BTF = '/sys/kernel/btf/vmlinux';

/** The CO-RE programs are relocated against the kernel's BTF: without it nothing can load. */
function checkBtf(): void {
  let size = 0;
  try {
    size = fs.statSync(KERNEL_BTF).size;
  } catch {
    size = -1;
  }
  // sysfs reports the real size of the BTF blob; an empty or missing file is no BTF.
  if (size <= 0) {
    throw new Error(`the kernel's BTF (${KERNEL_BTF}) is ${size < 0 ? 'missing' : 'empty'}: straceback's CO-RE BPF programs need a kernel built with CONFIG_DEBUG_INFO_BTF=y`);
  }
}

/** A group name from /etc/group, or a numeric gid. */
export function resolveGroup(group: string): number {
  if (/^\d+$/.test(group)) return Number(group);
  let text = '';
  try {
    text = fs.readFileSync('/etc/group', 'utf8');
  } catch (err) {
    throw new Error(`--socket-group ${group}: cannot read /etc/group: ${(err as Error).message}`);
  }
  for (const line of text.split('\n')) {
    const [name, , gid] = line.split(':');
    if (name === group && /^\d+$/.test(gid ?? '')) return Number(gid);
  }
  throw new Error(`--socket-group ${group}: no such group in /etc/group`);
}

export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const gid = opts.socketGroup ? resolveGroup(opts.socketGroup) : null;
  fs.mkdirSync(opts.runDir, { recursive: true, mode: 0o700 });
  if (gid === null) {
    fs.chmodSync(opts.runDir, 0o700);
  } else {
    // The group may reach the sockets by name, not list or create files.
    fs.chownSync(opts.runDir, 0, gid);
    fs.chmodSync(opts.runDir, 0o710);
  }
  const tmpDir = path.join(opts.stateDir, 'tmp');
  try {
    fs.mkdirSync(opts.stateDir, { recursive: true, mode: 0o700 });
    fs.accessSync(opts.stateDir, fs.constants.W_OK);
  } catch (err) {
    throw new Error(`state dir ${opts.stateDir} is not usable: ${describeFsError(err)}; archives and dumps are written there (--state-dir)`);
  }
  await claimRunDir(opts.runDir);
  try {
    fs.rmSync(tmpDir, { recursive: true, force: true });
    fs.mkdirSync(tmpDir, { mode: 0o700 });
  } catch (err) {
    fs.rmSync(path.join(opts.runDir, PID_FILE), { force: true });
    throw new Error(`state dir ${opts.stateDir} is not usable: ${describeFsError(err)}; archives and dumps are written there (--state-dir)`);
  }

  let recorder: Recorder;
  const pinDir = opts.pinDir ?? pinDirFor(opts.runDir);
  try {
    checkBtf();
    ensureBpffs(opts.log);
    recorder = new Recorder({ ringBytes: opts.ringBytes, budgetBytes: opts.budgetBytes, pinDir });
    for (const w of recorder.warnings) opts.log(w);
  } catch (err) {
    fs.rmSync(path.join(opts.runDir, PID_FILE), { force: true });
    throw new Error(`starting the recorder: ${(err as Error).message}`);
  }
  let open = true;
  const registry = new Registry({
    recorder,
    stateDir: opts.stateDir,
    ringBytes: opts.ringBytes,
    maxContainers: opts.maxContainers,
    retentionBytes: opts.retentionBytes,
    retentionMs: opts.retentionMs,
    dumpWorker: opts.dumpWorker,
    stringLimit: opts.stringLimit,
    log: opts.log,
  });
  await registry.restored;
  const settler = new MemorySettler({ activity: () => registry.activity, trim: () => native().trimMemory(), lowMemory: () => native().lowMemory(), quietMs: opts.settleMs });
  const apiSocket = path.join(opts.runDir, API_SOCKET);
  const managerSocket = path.join(opts.runDir, MANAGER_SOCKET);
  const http = createApiServer(registry, { tmpDir, healthy: () => open, log: opts.log, settles: () => settler.settles });
  await listen(http, apiSocket);
  const old = process.umask(0o177);
  let grpc: { close(): Promise<void> };
  try {
    grpc = await startTracerManager(managerSocket, registry, { log: opts.log });
  } finally {
    process.umask(old);
  }
  if (gid === null) {
    fs.chmodSync(apiSocket, 0o600);
    fs.chmodSync(managerSocket, 0o600);
  } else {
    for (const s of [apiSocket, managerSocket]) {
      fs.chownSync(s, 0, gid);
      fs.chmodSync(s, 0o660);
    }
  }
  let discovery: Discovery | null = null;
  if (opts.discoverRoots.length > 0) {
    discovery = new Discovery(registry, { roots: opts.discoverRoots, graceMs: opts.discoverGraceMs, log: opts.log });
    await discovery.start();
  }
  opts.log(`serving ${apiSocket} (HTTP) and ${managerSocket} (gRPC); state in ${opts.stateDir}`);

  return {
    registry,
    apiSocket,
    managerSocket,
    async close() {
      if (!open) return;
      open = false;
      settler.stop();
      await discovery?.close();
      await grpc.close();
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
      if (opts.releaseOnExit) {
        await registry.archiveAll();
        recorder.close({ release: true });
      } else {
        // The rings stay pinned and keep recording; the next daemon adopts them.
        registry.handOver();
        recorder.close();
        opts.log(`rings left recording in ${pinDir} for the next daemon (--release-on-exit frees them instead)`);
      }
      for (const f of [API_SOCKET, MANAGER_SOCKET, PID_FILE]) fs.rmSync(path.join(opts.runDir, f), { force: true });
      fs.rmSync(tmpDir, { recursive: true, force: true });
      opts.log('stopped');
    },
  };
}
