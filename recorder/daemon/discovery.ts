/**
 * Discovery of containers started without the hooks: the runtimes' state
 * dirs are watched (chokidar) and, at start, /proc is swept for container
 * inits whose runtime keeps its state elsewhere. What is found is added to
 * the registry like a hooked container, with source 'discovery': it is
 * recorded from the moment it was found, and its completeSince says so.
 * Exits are noticed by the registry's reaper like those of hooked ones.
 *
 * State layouts read:
 *   runc (and podman, CRI-O on runc):  <root>/<id>/state.json
 *       { id, init_process_pid, init_process_start, created, config: { labels: ["bundle=/…", "k=v"…] } }
 *   containerd (runc shim):            <root>/<namespace>/<id>/state.json (the same runc file)
 *   crun:                              <root>/<id>/status  { pid, bundle, created, … }
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FSWatcher } from 'chokidar';
import { mntnsOfPid } from '../recorder';
import { AddContainerRequest, ApiError } from './api';
import { hostMountNamespaces } from './registry';
import { isPodSandbox } from '../../hooks/hook';

/** Where runc, containerd's runc shim and crun keep container state by default. */
export const DEFAULT_STATE_ROOTS = ['/run/runc', '/run/containerd/runc', '/run/crun'];

const STATE_FILES = new Set(['state.json', 'status']);
/**
 * How long a new state file is left to the container's hook. runc writes
 * state.json only after the prestart hooks returned, so a hooked container
 * is registered by then; the wait covers runtimes that write it earlier.
 */
const DEFAULT_GRACE_MS = 250;
/** Parents whose children in another mount namespace are container inits. */
const RUNTIME_PARENT = /^(runc|crun|conmon|containerd-shim.*)$/;

export interface DiscoveryTarget {
  /** Whether a container id is already known (running or exited). */
  has(id: string): boolean;
  /** Whether a mount namespace inode is already recorded. */
  recordsMntns(mntns: bigint): boolean;
  add(req: AddContainerRequest): Promise<unknown>;
}

export interface DiscoveryOptions {
  roots: string[];
  /**
   * A state file is acted on only this long after it appears, so a container
   * whose hook is registering it right now is left to the hook (default 250 ms).
   */
  graceMs?: number;
  log?: (line: string) => void;
}

/** A container as a runtime state file describes it. */
export interface FoundContainer {
  id: string;
  pid: number;
  bundle?: string;
  runtime: string;
  annotations: Record<string, string>;
}

/** Reads a runc state.json or a crun status file; null if it is not one (or not complete yet). */
export function parseStateFile(file: string, text: string): FoundContainer | null {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(text);
  } catch {
    return null; // being written, or not a state file
  }
  if (!j || typeof j !== 'object') return null;
  const pid = Number(j.init_process_pid ?? j.pid);
  const id = typeof j.id === 'string' && j.id ? j.id : path.basename(path.dirname(file));
  if (!Number.isInteger(pid) || pid <= 0) return null;
  const annotations: Record<string, string> = {};
  let bundle = typeof j.bundle === 'string' ? j.bundle : undefined;
  const config = j.config as { labels?: unknown } | undefined;
  if (Array.isArray(config?.labels)) {
    for (const l of config!.labels) {
      if (typeof l !== 'string') continue;
      const eq = l.indexOf('=');
      if (eq <= 0) continue;
      const k = l.slice(0, eq);
      const v = l.slice(eq + 1);
      if (k === 'bundle') bundle = v;
      else annotations[k] = v;
    }
  }
  const runtime = path.basename(file) === 'status' ? 'crun' : 'runc';
  return { id, pid, bundle, runtime, annotations };
}

/** The container id a runtime parent was given, read from its command line. */
export function idFromRuntimeCmdline(argv: string[]): string | null {
  const comm = path.basename(argv[0] ?? '');
  const flag = (names: string[]): string | null => {
    for (let i = 0; i < argv.length - 1; i++) if (names.includes(argv[i])) return argv[i + 1];
    for (const a of argv) for (const n of names) if (a.startsWith(`${n}=`)) return a.slice(n.length + 1);
    return null;
  };
  if (comm.startsWith('containerd-shim')) return flag(['-id', '--id']);
  if (comm === 'conmon') return flag(['-c', '--cid']);
  if (comm === 'runc' || comm === 'crun') {
    // `runc [global flags] run|create [flags] ID`: the id is the last argument.
    const verb = argv.findIndex((a) => a === 'run' || a === 'create');
    if (verb < 0) return null;
    const last = argv[argv.length - 1];
    return last && !last.startsWith('-') ? last : null;
  }
  return null;
}

function readProc(pid: number, what: string): string | null {
  try {
    return fs.readFileSync(`/proc/${pid}/${what}`, 'utf8');
  } catch {
    return null;
  }
}

function parentOf(pid: number): number {
  const stat = readProc(pid, 'stat');
  if (!stat) return 0;
  // Field 4, after the parenthesised comm (which may hold spaces and parentheses).
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) || 0;
}

export class Discovery {
  private watcher: FSWatcher | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pending = new Set<string>();
  private readonly hostMntns = hostMountNamespaces();
  private closed = false;

  constructor(private readonly target: DiscoveryTarget, private readonly opts: DiscoveryOptions) {}

  private log(line: string): void {
    this.opts.log?.(line);
  }

  async start(): Promise<void> {
    const { watch } = await import('chokidar');
    this.sweepProc();
    const roots = this.opts.roots;
    this.watcher = watch(roots, {
      // <root>/<id>/state.json and <root>/<namespace>/<id>/state.json
      depth: 2,
      ignoreInitial: false,
      ignored: (p, stats) => stats?.isFile() === true && !STATE_FILES.has(path.basename(p)),
    });
    this.watcher.on('add', (file) => this.schedule(file));
    this.watcher.on('change', (file) => this.schedule(file));
    this.watcher.on('error', (err) => this.log(`discovery: ${(err as Error).message}`));
    // Roots that do not exist yet (no container ever ran with that runtime) are added when they appear.
    const missing = roots.filter((r) => !fs.existsSync(r));
    if (missing.length) {
      const t = setInterval(() => {
        for (const r of [...missing]) {
          if (!fs.existsSync(r)) continue;
          missing.splice(missing.indexOf(r), 1);
          this.watcher?.add(r);
        }
        if (missing.length === 0) clearInterval(t);
      }, 2000);
      t.unref();
      this.timers.add(t);
    }
    await new Promise<void>((resolve) => this.watcher!.once('ready', () => resolve()));
    this.log(`discovery: watching ${roots.join(', ')}`);
  }

  private schedule(file: string): void {
    if (this.closed || !STATE_FILES.has(path.basename(file)) || this.pending.has(file)) return;
    this.pending.add(file);
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.pending.delete(file);
      void this.examine(file);
    }, this.opts.graceMs ?? DEFAULT_GRACE_MS);
    t.unref();
    this.timers.add(t);
  }

  /** Adds the container a state file describes, unless it is known, gone, or not in a namespace of its own. */
  async examine(file: string): Promise<void> {
    if (this.closed) return;
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return; // deleted meanwhile: the container is gone
    }
    const found = parseStateFile(file, text);
    if (found) await this.offer(found, file);
  }

  private async offer(c: FoundContainer, where: string): Promise<void> {
    if (this.target.has(c.id) || isPodSandbox(c.annotations)) return;
    let mntns: bigint;
    try {
      mntns = mntnsOfPid(c.pid);
    } catch {
      return; // its init is gone already
    }
    if (this.hostMntns.has(mntns) || this.target.recordsMntns(mntns)) return;
    try {
      await this.target.add({ id: c.id, pid: c.pid, bundle: c.bundle, runtime: c.runtime, annotations: c.annotations, source: 'discovery' });
      this.log(`discovery: found container ${c.id} (pid ${c.pid}) in ${where}; recorded from now on`);
    } catch (err) {
      if (err instanceof ApiError && err.kind === 'exists') return; // its hook was quicker
      this.log(`discovery: container ${c.id} (pid ${c.pid}) from ${where}: ${(err as Error).message}`);
    }
  }

  /**
   * Container inits whose runtime keeps state outside the watched roots: a
   * process in a mount namespace of its own whose parent is a runtime, a
   * conmon or a containerd shim, named by the id on that parent's command line.
   */
  sweepProc(): void {
    const seen = new Set<bigint>();
    for (const name of fs.readdirSync('/proc')) {
      const pid = Number(name);
      if (!Number.isInteger(pid) || pid <= 0) continue;
      const ppid = parentOf(pid);
      if (ppid <= 0) continue;
      const comm = readProc(ppid, 'comm')?.trim() ?? '';
      if (!RUNTIME_PARENT.test(comm)) continue;
      let mntns: bigint;
      try {
        mntns = mntnsOfPid(pid);
      } catch {
        continue;
      }
      if (this.hostMntns.has(mntns) || mntns === mntnsOfPidSafe(ppid) || seen.has(mntns)) continue;
      seen.add(mntns);
      const argv = (readProc(ppid, 'cmdline') ?? '').split('\0').filter(Boolean);
      const id = idFromRuntimeCmdline(argv);
      if (!id) continue;
      void this.offer({ id, pid, runtime: comm.startsWith('containerd') ? 'runc' : comm === 'conmon' ? '' : comm, annotations: {} }, '/proc');
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.watcher?.close();
    this.watcher = null;
  }
}

function mntnsOfPidSafe(pid: number): bigint | null {
  try {
    return mntnsOfPid(pid);
  } catch {
    return null;
  }
}
