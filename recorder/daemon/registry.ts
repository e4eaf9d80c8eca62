/**
 * The container registry: the one place that hooks, gRPC, discovery and the
 * HTTP API feed and read. Running containers own a kernel ring; exited ones
 * own an archive (an SQLite dump in the state dir). Enrichment (Kubernetes
 * names from CRI annotations) happens on the way in.
 */
import fs from 'node:fs';
import path from 'node:path';
import { bootToWallOffsetNs } from '../clock';
import { RingStats } from '../native';
import { Recorder, Snapshot, mntnsIdOfPid, mntnsOfPid } from '../recorder';
import { PairedCalls } from '../events';
import { containerEnding } from '../ending';
import { EventRow, HistoryRow, mergeRows, ProcessRow, lazyRows, toProcessRows, toRow } from '../rows';
import { DEFAULT_STRING_LIMIT } from '../render';
import { renameArchivedContainer } from '../sinks/archive';
import type { DumpWorker } from '../sinks/dump-worker-client';
import { DumpWorkerMode, dumpWorkerUseful, readDump, setArchivedExitCode, WORKER_ROWS, writeDumpAsync } from '../sinks/sqlite';
import { entrypointCalls, entrypointEvents, EntrypointState } from './entrypoint';
import { RingFollower } from './follow';
import { AddContainerRequest, ApiError, ContainerInfo, EventFilter, RegistryApi } from './api';
import { loadRunning, PersistedContainer, saveRunning } from './persist';

export interface RegistryOptions {
  recorder: Recorder;
  stateDir: string;
  /** Ring bytes for containers that do not ask for a size. */
  ringBytes: number;
  maxContainers: number;
  /** Archives of exited containers are deleted, oldest first, beyond these. */
  retentionBytes: number;
  retentionMs: number;
  /** How often watch() looks for new events. */
  watchIntervalMs?: number;
  /** How often running containers are checked for having exited without RemoveContainer (0: never). */
  reapIntervalMs?: number;
  /**
   * Who writes big dumps and archives (WORKER_ROWS calls or more): a worker
   * thread while this one decodes their rows when a CPU is idle (auto, the
   * default: dumpWorkerUseful), a worker thread whatever the load (always),
   * or this thread (never).
   */
  dumpWorker?: DumpWorkerMode;
  /** Longest string or buffer shown in the rows of dumps, archives and event text (default 32, as strace's -s). */
  stringLimit?: number;
  log?: (line: string) => void;
}

interface Entry {
  id: string;
  name: string;
  pod: string | null;
  namespace: string | null;
  runtime: string | null;
  pid: number;
  mntns: bigint;
  /** The namespace's never-reused id; 0n when unknown. */
  nsId: bigint;
  bundle: string | null;
  labels: Record<string, string>;
  startedNs: bigint;
  exitedNs: bigint | null;
  exitCode: number | null;
  /** Running: the ring. */
  handle: number | null;
  /** Exited: the archive, and what it held. */
  archive: string | null;
  archived: Counts | null;
  /**
   * Added before its entrypoint ran (prestart-like hooks): the runtime's own
   * set-up calls in the namespace are left out, history starts at the init's
   * first execve. execBootNs: when that execve entered, once seen.
   */
  beforeExec: boolean;
  execBootNs: bigint | null;
  /** That execve's thread and end (entrypoint.ts); not kept across restarts: found again while the ring holds the execve. */
  execWindow?: EntrypointState['execWindow'];
  /** How it was found: 'hook' (AddContainer) or 'discovery'. */
  source: 'hook' | 'discovery';
  /** exitCode was read from the kernel's record of the init's end, not given by the runtime. */
  exitCodeInferred?: boolean;
  /** When archiving it last failed (Date.now()), so the reaper does not retry every second. */
  archiveFailedAt?: number;
  /** Its archiving under way (remove): other removes and deletes wait for it. */
  removing?: Promise<ContainerInfo>;
}

/** A ring's history as rows (made as they are read), with its process events and counts. */
interface RingHistory {
  rows: Iterable<EventRow>;
  calls: number;
  processRows: ProcessRow[];
  counts: Counts;
  /** The worker thread started for writing it, while the ring was read (ringHistoryAsync). */
  worker?: DumpWorker;
}

/** What a history holds: calls, records overwritten, lost, and since when it has no gap. */
interface Counts {
  events: number;
  overwritten: number;
  lost: number;
  completeSinceNs: bigint | null;
}

const NO_COUNTS: Counts = { events: 0, overwritten: 0, lost: 0, completeSinceNs: null };

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,255}$/;
const ARCHIVE_DIR = 'archives';

/** Errors of the state dir's storage: the client may retry once there is room (503), not a bug (500). */
const STORAGE_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_READONLY']);
function isStorageError(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.code === 'string' && (STORAGE_CODES.has(e.code) || [...STORAGE_CODES].some((c) => (e!.code as string).startsWith(`${c}_`)))) return true;
  }
  return false;
}

/** After a failed archive, the reaper tries again this much later (not every second). */
const ARCHIVE_RETRY_MS = 15_000;

const nowNs = (): bigint => BigInt(Date.now()) * 1000000n;
const iso = (ns: bigint | null): string | null => (ns === null ? null : new Date(Number(ns / 1000000n)).toISOString());

/** Kubernetes names from the CRI annotations (containerd and CRI-O spell them differently). */
export function kubernetesNames(a: Record<string, string>): { name?: string; pod?: string; namespace?: string } {
  return {
    name: a['io.kubernetes.cri.container-name'] ?? a['io.kubernetes.container.name'],
    pod: a['io.kubernetes.cri.sandbox-name'] ?? a['io.kubernetes.pod.name'],
    namespace: a['io.kubernetes.cri.sandbox-namespace'] ?? a['io.kubernetes.pod.namespace'],
  };
}

function matchesFilter(r: EventRow, f: EventFilter, names: Set<string> | null): boolean {
  if (f.since !== undefined && r.tsNs < f.since) return false;
  if (f.until !== undefined && r.tsNs >= f.until) return false;
  if (names && !names.has(r.name)) return false;
  if (f.tid !== undefined && r.tid !== f.tid) return false;
  if (f.failedOnly && r.error === null) return false;
  return true;
}

export function filterRows(rows: Iterable<EventRow>, f: EventFilter = {}): EventRow[] {
  const names = f.syscalls?.length ? new Set(f.syscalls) : null;
  const out: EventRow[] = [];
  for (const r of rows) {
    if (!matchesFilter(r, f, names)) continue;
    out.push(r);
    if (f.limit !== undefined && out.length >= f.limit) break;
  }
  return out;
}

/**
 * Mount namespaces that are the host's, never a container's: the daemon's
 * own, init's, and the kernel's first one (kthreadd's, pid 2). Under
 * systemd's sandboxing or in a pod with hostPID the daemon has a namespace of
 * its own, and init's may be unreadable from there; kthreadd's is not.
 */
export function hostMountNamespaces(): Set<bigint> {
  const out = new Set<bigint>([mntnsOfPid(process.pid)]);
  for (const pid of [1, 2]) {
    try {
      if (pid === 2 && fs.readFileSync('/proc/2/comm', 'utf8').trim() !== 'kthreadd') continue;
      out.add(mntnsOfPid(pid));
    } catch {
      // not readable from here: the others still count
    }
  }
  return out;
}

export class Registry implements RegistryApi {
  private readonly entries = new Map<string, Entry>();
  private readonly archiveDir: string;
  private dumps = 0;
  /** SQLite files written (dumps and archives), by a worker thread or by this one. */
  private readonly written = { worker: 0, main: 0 };
  /** Counts the requests that allocate much (adds, removes, dumps, histories): the daemon settles its memory once it stops moving. */
  activity = 0;
  private readonly hostMntns = hostMountNamespaces();
  private readonly execNrs: Set<number>;
  /** Settles once the containers running before a restart are back (see restoreRunning). */
  readonly restored: Promise<void>;
  private reaper: NodeJS.Timeout | undefined;
  private reaping = false;

  constructor(private readonly opts: RegistryOptions) {
    this.archiveDir = path.join(opts.stateDir, ARCHIVE_DIR);
    this.execNrs = new Set(['execve', 'execveat'].map((n) => opts.recorder.table.byName.get(n)?.nr ?? -1));
    fs.mkdirSync(this.archiveDir, { recursive: true, mode: 0o700 });
    this.loadArchives();
    this.restored = this.restoreRunning();
    const every = opts.reapIntervalMs ?? 1000;
    if (every > 0) {
      this.reaper = setInterval(() => void this.reap(), every);
      this.reaper.unref();
    }
  }

  /**
   * Archives running containers whose process is gone (no poststop hook ran,
   * or the runtime died): their exit code is unknown.
   */
  async reap(): Promise<void> {
    // One pass at a time: archiving a big ring outlasts the interval.
    if (this.reaping) return;
    this.reaping = true;
    try {
      await this.reapGone();
    } finally {
      this.reaping = false;
    }
  }

  private async reapGone(): Promise<void> {
    for (const e of [...this.entries.values()]) {
      // Skipped while a removal already archives it (a poststop, a DELETE, an earlier pass).
      if (e.handle === null || e.removing || this.stillInNamespace(e)) continue;
      if (e.archiveFailedAt !== undefined && Date.now() - e.archiveFailedAt < ARCHIVE_RETRY_MS) continue;
      if (e.archiveFailedAt === undefined) this.log(`container ${e.id}: pid ${e.pid} is gone without RemoveContainer`);
      try {
        await this.remove(e.id, null);
      } catch (err) {
        this.log(`reaping ${e.id}: ${(err as Error).message}`);
      }
    }
  }

  /** Stops the background check (daemon shutdown). */
  stop(): void {
    if (this.reaper) clearInterval(this.reaper);
    this.reaper = undefined;
  }

  private log(line: string): void {
    this.opts.log?.(line);
  }

  /**
   * Running containers of an earlier run of the daemon (registry.json): their
   * rings outlived it (pinned), so they are adopted, with every record the
   * kernel wrote meanwhile. A container whose ring did not survive (a reboot,
   * pins removed) but which still runs is recorded again from now; a pinned
   * ring nobody claims is kept as recovered-<mntns> and archived.
   */
  private async restoreRunning(): Promise<void> {
    const { containers, problem } = loadRunning(this.opts.stateDir);
    if (problem) this.log(problem);
    const rec = this.opts.recorder;
    const pinned = new Map(rec.pinnedRings().map((r) => [`${r.mntns}/${r.nsId}`, r]));
    const again: PersistedContainer[] = [];
    const cut: Entry[] = [];
    for (const c of containers) {
      const key = `${c.mntns}/${c.nsId}`;
      if (this.entries.has(c.id)) {
        // Archived after all (the last daemon wrote the archive as it stopped): the ring it left pinned is a copy.
        if (pinned.has(key)) {
          pinned.delete(key);
          try {
            rec.removeContainer(rec.adoptContainer(BigInt(c.mntns), BigInt(c.nsId)));
            this.log(`container ${c.id}: archived as the last daemon stopped; its pinned ring is freed`);
          } catch (err) {
            this.log(`container ${c.id}: freeing its pinned ring: ${(err as Error).message}`);
          }
        }
        continue;
      }
      if (!pinned.has(key)) {
        again.push(c);
        continue;
      }
      pinned.delete(key);
      let handle: number;
      try {
        handle = rec.adoptContainer(BigInt(c.mntns), BigInt(c.nsId));
      } catch (err) {
        this.log(`container ${c.id}: adopting its ring: ${(err as Error).message}`);
        again.push(c);
        continue;
      }
      // Exited as the runtime reported, with its exit code; one found gone is exited once its code is read (archive).
      const reported = !!c.exitedNs && c.exitCode !== null && c.exitCode !== undefined;
      const e: Entry = {
        ...c,
        mntns: BigInt(c.mntns),
        nsId: BigInt(c.nsId),
        startedNs: BigInt(c.startedNs),
        execBootNs: c.execBootNs === null ? null : BigInt(c.execBootNs),
        exitedNs: reported ? BigInt(c.exitedNs!) : null,
        exitCode: reported ? c.exitCode! : null,
        handle,
        archive: null,
        archived: null,
      };
      this.entries.set(c.id, e);
      this.log(`container ${c.id}: ring re-adopted (mount namespace ${c.mntns}); nothing recorded meanwhile is lost`);
      if (c.exitedNs) cut.push(e);
    }
    for (const r of pinned.values()) {
      const id = `recovered-${r.mntns}-${r.generation}`;
      try {
        const handle = rec.adoptContainer(r.mntns, r.nsId);
        this.entries.set(id, {
          id, name: id, pod: null, namespace: null, runtime: null, pid: 0, mntns: r.mntns, nsId: r.nsId, bundle: null, labels: {},
          startedNs: nowNs(), exitedNs: null, exitCode: null, handle, archive: null, archived: null,
          beforeExec: false, execBootNs: null, source: 'discovery',
        });
        this.log(`a pinned ring of mount namespace ${r.mntns} belongs to no known container; kept as ${id} and archived`);
      } catch (err) {
        this.log(`a pinned ring of mount namespace ${r.mntns}: ${(err as Error).message}`);
      }
    }
    for (const c of again) {
      if (!this.stillRunning(c.pid, BigInt(c.mntns), BigInt(c.nsId))) {
        this.log(`container ${c.id}: its ring did not survive the daemon's restart and it no longer runs; its history is lost`);
        continue;
      }
      try {
        await this.add({ id: c.id, pid: c.pid, bundle: c.bundle ?? undefined, name: c.name, runtime: c.runtime ?? undefined, annotations: c.labels, source: c.source });
        this.log(`container ${c.id}: its ring did not survive the daemon's restart; recorded again from now`);
      } catch (err) {
        this.log(`container ${c.id}: recording it again: ${(err as Error).message}`);
      }
    }
    this.saveRunning();
    // Being archived (removed, or found gone) when the last daemon stopped: archive them now.
    for (const e of cut) {
      this.log(`container ${e.id}: it was being archived when the last daemon stopped; archiving it now`);
      this.remove(e.id, e.exitCode).catch((err: Error) => this.log(`archiving ${e.id}: ${err.message}`));
    }
  }

  /** Writes the running containers to registry.json; a failure is logged (the rings still record). */
  private saveRunning(): void {
    const running: PersistedContainer[] = [];
    for (const e of this.entries.values()) {
      if (e.handle === null || e.id.startsWith('recovered-')) continue;
      running.push({
        id: e.id, name: e.name, pod: e.pod, namespace: e.namespace, runtime: e.runtime, pid: e.pid,
        mntns: e.mntns.toString(), nsId: e.nsId.toString(), bundle: e.bundle, labels: e.labels,
        startedNs: e.startedNs.toString(), beforeExec: e.beforeExec,
        execBootNs: e.execBootNs === null ? null : e.execBootNs.toString(), source: e.source,
        // Being archived: what the runtime reported, should the daemon stop before the archive is written.
        ...(e.exitedNs !== null ? { exitedNs: e.exitedNs.toString(), exitCode: e.exitCodeInferred ? null : e.exitCode } : {}),
      });
    }
    try {
      saveRunning(this.opts.stateDir, running);
    } catch (err) {
      this.log(`saving the registry: ${(err as Error).message}; a restart now would lose track of running containers`);
    }
  }

  /** Exited containers from earlier runs of the daemon. */
  private loadArchives(): void {
    for (const f of fs.readdirSync(this.archiveDir)) {
      const file = path.join(this.archiveDir, f);
      if (f.endsWith('.tmp') || f.includes('.db.')) {
        fs.rmSync(file, { force: true }); // a dump that never completed
        continue;
      }
      if (!f.endsWith('.db')) continue;
      try {
        const d = readDump(file);
        for (const c of d.containers) {
          this.entries.set(c.id, {
            id: c.id,
            name: c.name ?? c.id,
            pod: c.pod,
            namespace: c.namespace,
            runtime: c.runtime,
            pid: c.pid ?? 0,
            mntns: BigInt(c.mntns ?? 0),
            nsId: 0n,
            bundle: c.bundle,
            labels: c.labels,
            startedNs: c.startedNs ?? 0n,
            exitedNs: c.exitedNs,
            exitCode: c.exitCode,
            handle: null,
            archive: file,
            archived: { events: c.events, overwritten: c.overwritten, lost: c.lost, completeSinceNs: c.completeSinceNs },
            beforeExec: false,
            execBootNs: null,
            source: 'hook',
          });
        }
        d.close?.();
      } catch (err) {
        this.log(`ignoring archive ${file}: ${(err as Error).message}`);
      }
    }
  }

  private resolve(ref: string): Entry {
    if (typeof ref !== 'string' || ref === '') throw new ApiError('invalid', 'a container reference is required');
    const exact = this.entries.get(ref);
    if (exact) return exact;
    const byPrefix = [...this.entries.values()].filter((e) => e.id.startsWith(ref));
    if (byPrefix.length === 1) return byPrefix[0];
    if (byPrefix.length > 1) throw new ApiError('conflict', `"${ref}" is the start of ${byPrefix.length} container ids; use more of the id`);
    // A name used again (a container re-created under the same name) means its newest container.
    const byName = [...this.entries.values()].filter((e) => e.name === ref);
    if (byName.length > 0) return byName.reduce((a, b) => (b.startedNs > a.startedNs ? b : a));
    throw new ApiError('not_found', `no container matches "${ref}"`);
  }

  /** What a ring holds, from its stats; events is the number of calls when they were paired. */
  private ringCounts(e: Entry, s: RingStats, calls?: number): Counts {
    const completeSinceNs = s.held === 0 ? null : s.overwritten > 0 ? s.oldestBootNs + bootToWallOffsetNs() : e.startedNs;
    return { events: calls ?? Math.ceil(s.held / 2), overwritten: s.overwritten, lost: s.lost, completeSinceNs };
  }

  /** counts: from a snapshot just taken, so they describe the same history as its rows. */
  private info(e: Entry, counts?: Counts): ContainerInfo {
    const { events, overwritten, lost, completeSinceNs } =
      counts ?? (e.handle !== null ? this.ringCounts(e, this.opts.recorder.stats(e.handle)) : e.archived ?? NO_COUNTS);
    return {
      id: e.id,
      name: e.name,
      pod: e.pod,
      namespace: e.namespace,
      runtime: e.runtime,
      pid: e.pid,
      mntns: e.mntns.toString(),
      // Exited once the runtime says so (exitedNs), also while its ring is being archived: the archive says so too.
      state: e.handle !== null && e.exitedNs === null ? 'running' : 'exited',
      startedAt: iso(e.startedNs)!,
      exitedAt: iso(e.exitedNs),
      exitCode: e.exitCode,
      events,
      overwritten,
      lost,
      completeSince: iso(completeSinceNs),
      bundle: e.bundle,
      labels: e.labels,
    };
  }

  async add(req: AddContainerRequest): Promise<ContainerInfo> {
    this.activity++;
    if (!req || typeof req.id !== 'string' || !ID_RE.test(req.id)) {
      throw new ApiError('invalid', 'id must be 1-256 characters of A-Z a-z 0-9 . _ - and start with a letter or digit');
    }
    if (!Number.isInteger(req.pid) || req.pid <= 0) throw new ApiError('invalid', `pid must be a positive integer, not ${req.pid}`);
    const earlier = this.entries.get(req.id);
    if (earlier && earlier.handle !== null) throw new ApiError('exists', `container ${req.id} is already registered`);
    const running = [...this.entries.values()].filter((e) => e.handle !== null);
    if (running.length >= this.opts.maxContainers) {
      throw new ApiError('exhausted', `already recording ${running.length} containers (--max-containers ${this.opts.maxContainers})`);
    }
    let mntns: bigint;
    let nsId: bigint;
    try {
      mntns = mntnsOfPid(req.pid);
      nsId = mntnsIdOfPid(req.pid);
    } catch (err) {
      throw new ApiError('invalid', (err as Error).message);
    }
    if (this.hostMntns.has(mntns)) {
      throw new ApiError('invalid', `process ${req.pid} is in the host's mount namespace (${mntns}, the daemon's or init's): it is not in a container, and recording it would record the host`);
    }
    const same = running.find((e) => e.mntns === mntns);
    if (same) {
      if (this.stillInNamespace(same)) {
        throw new ApiError('conflict', `container ${same.id} already records mount namespace ${mntns} (pid ${req.pid})`);
      }
      // The kernel reuses the inode of a dead namespace: the old container is gone; archive it first.
      this.log(`mount namespace ${mntns} was reused: ${same.id} has exited`);
      await this.remove(same.id, null);
    }
    // The id of an exited container is used again (`runc run web` twice): the old history is kept as <id>~N.
    if (earlier) this.retire(earlier);
    let handle: number;
    try {
      handle = this.opts.recorder.addContainer(mntns, req.ringBytes ?? this.opts.ringBytes, nsId);
    } catch (err) {
      const msg = (err as Error).message;
      throw new ApiError(/budget|in use/.test(msg) ? 'exhausted' : /ring size|greater than|larger than/.test(msg) ? 'invalid' : 'internal', msg);
    }
    const annotations = req.annotations ?? {};
    const k8s = kubernetesNames(annotations);
    const e: Entry = {
      id: req.id,
      name: req.name || k8s.name || req.id.slice(0, 12),
      pod: k8s.pod ?? null,
      namespace: k8s.namespace ?? null,
      runtime: req.runtime || null,
      pid: req.pid,
      mntns,
      nsId,
      bundle: req.bundle || null,
      labels: annotations,
      startedNs: nowNs(),
      exitedNs: null,
      exitCode: null,
      handle,
      archive: null,
      archived: null,
      beforeExec: req.beforeExec === true,
      execBootNs: null,
      source: req.source ?? 'hook',
    };
    this.entries.set(e.id, e);
    this.saveRunning();
    this.log(`recording ${e.id} (${e.name}) pid ${e.pid} mntns ${mntns}`);
    return this.info(e);
  }

  /** Moves an exited container (and its archive) to the id <id>~N, freeing <id> for a new container. */
  private retire(e: Entry): void {
    let n = 1;
    while (this.entries.has(`${e.id}~${n}`)) n++;
    const id = `${e.id}~${n}`;
    if (e.archive) {
      const file = path.join(this.archiveDir, `${id}.db`);
      try {
        renameArchivedContainer(e.archive, e.id, id);
        fs.renameSync(e.archive, file);
      } catch (err) {
        throw new ApiError('internal', `keeping the earlier history of ${e.id} as ${id}: ${(err as Error).message}`);
      }
      e.archive = file;
    }
    this.entries.delete(e.id);
    this.log(`container id ${e.id} is used again; its earlier history is now ${id}`);
    e.id = id;
    if (e.name === id.slice(0, id.indexOf('~')).slice(0, 12)) e.name = id;
    this.entries.set(id, e);
  }

  /** Whether a running entry's process still lives in the namespace it was registered with. */
  private stillInNamespace(e: Entry): boolean {
    return this.stillRunning(e.pid, e.mntns, e.nsId);
  }

  private stillRunning(pid: number, mntns: bigint, nsId: bigint): boolean {
    try {
      return mntnsOfPid(pid) === mntns && (nsId === 0n || mntnsIdOfPid(pid) === nsId);
    } catch {
      return false;
    }
  }

  /**
   * One snapshot of the ring: its rows, its signals and thread exits, and the
   * counts that go with them. Rows are made as they are read (a dump streams
   * them into SQLite: none is kept).
   */
  private ringHistory(e: Entry): RingHistory {
    return this.historyOfSnapshot(e, this.opts.recorder.snapshot(e.handle!));
  }

  /**
   * ringHistory() that gives the event loop back while it pairs a big ring.
   * For a ring that holds a big dump's worth of calls, the worker thread
   * that is to write it is started first, when --dump-worker says so (auto:
   * when a CPU is idle now): its 60-100 ms of start-up run on another core
   * while this one reads and pairs the ring. Without one the dump is written
   * in this thread (writeHistory).
   */
  private async ringHistoryAsync(e: Entry): Promise<RingHistory> {
    let worker: DumpWorker | undefined;
    const mode = this.opts.dumpWorker ?? 'auto';
    if (mode !== 'never' && this.opts.recorder.heldEstimate(e.handle!) / 2 >= WORKER_ROWS && (mode === 'always' || (await dumpWorkerUseful()))) {
      worker = (await import('../sinks/dump-worker-client')).DumpWorker.start();
    }
    try {
      return { ...this.historyOfSnapshot(e, await this.opts.recorder.snapshotAsync(e.handle!)), worker };
    } catch (err) {
      await worker?.close();
      throw err;
    }
  }

  /** A snapshot's calls that are the container's: from its entrypoint's execve on when it was added before it. */
  private callsOf(e: Entry, calls: PairedCalls, wrapped: boolean): PairedCalls {
    return e.beforeExec ? this.fromEntrypoint(e, calls, wrapped) : calls;
  }

  private historyOfSnapshot(e: Entry, snap: Snapshot): RingHistory {
    const events = this.callsOf(e, snap.calls, snap.stats.overwritten > 0);
    const offset = bootToWallOffsetNs();
    const rows = lazyRows(events, this.opts.recorder.table, { wallOffsetNs: offset, stringLimit: this.opts.stringLimit });
    // Process events from the same point as the calls: the runtime's own set-up threads are not the container's.
    const processRows = toProcessRows(e.beforeExec ? entrypointEvents(e, snap.process) : snap.process, { wallOffsetNs: offset });
    const counts = this.ringCounts(e, snap.stats, events.length);
    if (e.execBootNs !== null && snap.stats.overwritten === 0 && events.length > 0) counts.completeSinceNs = e.execBootNs + offset;
    return { rows, calls: events.length, processRows, counts };
  }

  /** The calls that are the container's when it was added before its entrypoint ran (entrypoint.ts). */
  private fromEntrypoint(e: Entry, calls: PairedCalls, wrapped: boolean): PairedCalls {
    const keep = entrypointCalls(e, calls, this.execNrs, wrapped);
    return keep === null ? calls : calls.pick(keep);
  }

  /** The calls and the process events (signals, thread exits) a container holds, ring or archive. */
  private historyOf(e: Entry): { rows: Iterable<EventRow>; processRows: ProcessRow[] } {
    if (e.handle !== null) return this.ringHistory(e);
    if (e.archive) {
      const d = readDump(e.archive);
      return { rows: d.rows, processRows: d.process };
    }
    return { rows: [], processRows: [] };
  }

  /**
   * The held history with signals and thread exits among the calls, oldest
   * first. The syscall-name and failed-only filters select calls; process
   * events are kept as their context (as strace keeps them under -e trace=),
   * within since/until and the tid. limit keeps the first N calls, last the
   * last N (tail -n); the process events go with the calls kept: up to the
   * first call left out (limit), from the first call kept on (last), so a
   * `+++ killed by SIGSEGV +++` after the last call stays.
   */
  history(ref: string, filter: EventFilter = {}): HistoryRow[] {
    this.activity++;
    const { rows, processRows } = this.historyOf(this.resolve(ref));
    let calls = filterRows(rows, { ...filter, limit: undefined });
    let from = filter.since;
    let until = filter.until;
    if (filter.last !== undefined && calls.length > filter.last) {
      calls = calls.slice(calls.length - filter.last);
      if (calls.length && (from === undefined || calls[0].tsNs > from)) from = calls[0].tsNs;
    }
    if (filter.limit !== undefined && calls.length > filter.limit) {
      const cut = calls[filter.limit].tsNs;
      calls = calls.slice(0, filter.limit);
      if (until === undefined || cut < until) until = cut;
    }
    const context = processRows.filter(
      (p) => (from === undefined || p.tsNs >= from) && (until === undefined || p.tsNs < until) && (filter.tid === undefined || p.tid === filter.tid),
    );
    return mergeRows(calls, context);
  }

  private rowsOf(e: Entry): Iterable<EventRow> {
    if (e.handle !== null) return this.ringHistory(e).rows;
    if (e.archive) return readDump(e.archive).rows;
    return [];
  }

  /** Writes a ring's history as an SQLite file (a big one by a worker thread as --dump-worker says), counting who wrote it. */
  private async writeHistory(e: Entry, file: string, h: RingHistory, durable: boolean): Promise<void> {
    const container = { ...this.info(e, h.counts), startedNs: e.startedNs, exitedNs: e.exitedNs, completeSinceNs: h.counts.completeSinceNs };
    const written = await writeDumpAsync(
      file,
      // ringHistoryAsync has decided: a worker thread if it started one.
      {
        container,
        rows: h.rows,
        process: h.processRows,
        rowCount: h.calls,
        worker: h.worker !== undefined,
        durable,
        meta: { string_limit: String(this.opts.stringLimit ?? DEFAULT_STRING_LIMIT) },
      },
      h.worker,
    );
    this.written[written.worker ? 'worker' : 'main']++;
  }

  async remove(id: string, exitCode: number | null = null): Promise<ContainerInfo> {
    this.activity++;
    const e = this.entries.get(id);
    if (!e) throw new ApiError('not_found', `no container with id "${id}"`);
    // Being archived already (a second poststop, the reaper): answer once that is done.
    if (e.removing) return e.removing.catch(() => undefined).then(() => this.remove(id, exitCode));
    if (e.handle === null) {
      // Already archived (found gone, or a repeated poststop): keep it; the runtime's exit code wins over an inferred one.
      if (exitCode !== null && (e.exitCode === null || e.exitCodeInferred) && e.archive) {
        setArchivedExitCode(e.archive, e.id, exitCode);
        e.exitCode = exitCode;
        e.exitCodeInferred = false;
      }
      return this.info(e);
    }
    const archiving = this.archive(e, exitCode);
    e.removing = archiving;
    try {
      return await archiving;
    } finally {
      e.removing = undefined;
    }
  }

  /** Archives a running container's ring and frees it (remove). The event loop goes on meanwhile. */
  private async archive(e: Entry, exitCode: number | null): Promise<ContainerInfo> {
    const id = e.id;
    const exitedNs = e.exitedNs ?? nowNs();
    // The runtime reported the exit: the container is exited from now on, and says so while it is archived.
    if (exitCode !== null) {
      e.exitedNs = exitedNs;
      e.exitCode = exitCode;
      e.exitCodeInferred = false;
      this.saveRunning();
    }
    const file = path.join(this.archiveDir, `${e.id}.db`);
    const history = await this.ringHistoryAsync(e);
    const { calls, processRows, counts } = history;
    // No exit code from the runtime (found gone): the kernel's record of init's exit tells it. Until it is
    // read the container stays running, so no one sees it exited with no exit code.
    if (exitCode === null) {
      e.exitCode = containerEnding(processRows, e.pid)?.runtimeExitCode ?? null;
      e.exitCodeInferred = e.exitCode !== null;
      e.exitedNs = exitedNs;
    }
    try {
      await this.writeHistory(e, file, history, true);
    } catch (err) {
      // Keep the ring: the history stays in memory and can still be dumped; archiving is tried again later.
      e.exitedNs = null;
      e.exitCode = null;
      const first = e.archiveFailedAt === undefined;
      e.archiveFailedAt = Date.now();
      const msg = `archiving container ${id}: ${(err as Error).message}; its history is kept in memory and archiving will be retried`;
      if (first) this.log(msg);
      throw new ApiError(isStorageError(err) ? 'unavailable' : 'internal', msg);
    }
    e.archiveFailedAt = undefined;
    e.archived = counts;
    if (e.handle !== null) this.opts.recorder.removeContainer(e.handle);
    e.handle = null;
    e.archive = file;
    this.saveRunning();
    this.log(`container ${id} exited; ${calls} calls archived in ${file}`);
    this.enforceRetention();
    return this.info(e);
  }

  /** Deletes the oldest archives beyond the byte and age limits. */
  enforceRetention(): void {
    const exited = [...this.entries.values()]
      .filter((e) => e.handle === null && e.archive)
      .map((e) => ({ e, size: fs.statSync(e.archive!, { throwIfNoEntry: false })?.size ?? 0 }))
      .sort((a, b) => Number((a.e.exitedNs ?? 0n) - (b.e.exitedNs ?? 0n)));
    let total = exited.reduce((n, x) => n + x.size, 0);
    const oldest = nowNs() - BigInt(this.opts.retentionMs) * 1000000n;
    for (const x of exited) {
      if (total <= this.opts.retentionBytes && (x.e.exitedNs ?? 0n) >= oldest) continue;
      fs.rmSync(x.e.archive!, { force: true });
      this.entries.delete(x.e.id);
      total -= x.size;
      this.log(`retention: dropped the archive of ${x.e.id}`);
    }
  }

  /** Whether an id is known, running or exited (discovery leaves those alone). */
  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** Whether a running container already records this mount namespace. */
  recordsMntns(mntns: bigint): boolean {
    for (const e of this.entries.values()) if (e.handle !== null && e.mntns === mntns) return true;
    return false;
  }

  list(): ContainerInfo[] {
    return [...this.entries.values()].map((e) => this.info(e));
  }

  get(ref: string): ContainerInfo {
    return this.info(this.resolve(ref));
  }

  /** The container a ref names, without its ring's counts (for those, get walks a running one's whole ring). */
  lookup(ref: string): { id: string; name: string } {
    const { id, name } = this.resolve(ref);
    return { id, name };
  }

  events(ref: string, filter: EventFilter = {}): EventRow[] {
    this.activity++;
    return filterRows(this.rowsOf(this.resolve(ref)), filter);
  }

  async *watch(ref: string, filter: EventFilter, signal: AbortSignal): AsyncIterable<EventRow> {
    const e = this.resolve(ref);
    const names = filter.syscalls?.length ? new Set(filter.syscalls) : null;
    const table = this.opts.recorder.table;
    // Calls are picked by number and thread before they are decoded: a tail of one syscall decodes little.
    const nrs = names ? new Set([...names].flatMap((n) => { const info = table.byName.get(n); return info ? [info.nr] : []; })) : null;
    const offset = bootToWallOffsetNs();
    let sent = 0;
    // The first pass sends only the last `filter.last` of what matched.
    let keepLast = filter.last;
    const send = function* (batch: EventRow[]): Generator<EventRow, boolean> {
      for (const r of keepLast === undefined ? batch : batch.slice(batch.length - Math.min(keepLast, batch.length))) {
        if (signal.aborted) return false;
        yield r;
        if (filter.limit !== undefined && ++sent >= filter.limit) return false;
      }
      keepLast = undefined;
      return true;
    };
    // Of a running container's ring each pass reads only what is new, and the calls still running at the last
    // pass (follow.ts); those are sent once they return. `seenNs`: the newest entry read, for the archive.
    let seenNs = -1n;
    let running = new Set<string>();
    if (e.handle !== null) {
      const follower = new RingFollower(this.opts.recorder, e.handle, this.opts.recorder.fill(e.handle).ringBytes);
      while (!signal.aborted && e.handle !== null) {
        const got = follower.read((calls) => this.callsOf(e, calls, this.opts.recorder.hasWrapped(e.handle!)));
        const batch: EventRow[] = [];
        for (let i = 0; i < got.calls.length; i++) {
          if (nrs && !nrs.has(got.calls.nr(i))) continue;
          if (filter.tid !== undefined && got.calls.tid(i) !== filter.tid) continue;
          if (got.calls.unfinished(i)) continue;
          const r = toRow(got.calls.get(i), got.seqs[i], table, { wallOffsetNs: offset, stringLimit: this.opts.stringLimit });
          if (matchesFilter(r, filter, names)) batch.push(r);
        }
        // Calls come in the order they entered (a resumed one where it returned): the newest entry is the last one's.
        for (let i = got.calls.length - 1; i >= 0; i--) {
          if (got.calls.resumed(i)) continue;
          const ns = got.calls.bootNs(i) + offset;
          if (ns > seenNs) seenNs = ns;
          break;
        }
        running = follower.runningKeys();
        if (!(yield* send(batch))) return;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.opts.watchIntervalMs ?? 100);
          signal.addEventListener('abort', () => {
            clearTimeout(t);
            resolve();
          }, { once: true });
        });
      }
      if (signal.aborted) return;
    }
    // An archive (or a ring archived while it was followed): what the passes have not read, and the calls still
    // running at the last one.
    const wall = new Set([...running].map((k) => {
      const [boot, tid] = k.split('/');
      return `${BigInt(boot) + offset}/${tid}`;
    }));
    const batch: EventRow[] = [];
    for (const r of this.rowsOf(e)) {
      if (r.tsNs <= seenNs && !wall.has(`${r.tsNs}/${r.tid}`)) continue;
      if (matchesFilter(r, filter, names)) batch.push(r);
    }
    yield* send(batch);
  }

  /** Writes the container's history to file, a temporary file the caller sends and removes (not fsynced). */
  async dump(ref: string, file: string): Promise<{ events: number; name: string }> {
    this.activity++;
    const e = this.resolve(ref);
    this.dumps++;
    if (e.handle === null && e.archive) {
      // The archive is already a dump: copy it whole, then rename.
      const tmp = `${file}.${process.pid}.tmp`;
      try {
        fs.copyFileSync(e.archive, tmp);
        fs.renameSync(tmp, file);
      } catch (err) {
        fs.rmSync(tmp, { force: true });
        throw new ApiError(isStorageError(err) ? 'unavailable' : 'internal', `dump of container ${e.id}: ${(err as Error).message}`);
      }
      return { events: e.archived?.events ?? 0, name: e.name };
    }
    const history = await this.ringHistoryAsync(e);
    try {
      // Sent to the client and removed: no need to reach the disk first.
      await this.writeHistory(e, file, history, false);
    } catch (err) {
      throw new ApiError(isStorageError(err) ? 'unavailable' : 'internal', `dump of container ${e.id}: ${(err as Error).message}`);
    }
    return { events: history.calls, name: e.name };
  }

  async delete(ref: string): Promise<void> {
    this.activity++;
    const e = this.resolve(ref);
    // Let an archiving under way finish first: it frees the ring itself.
    if (e.removing) await e.removing.catch(() => undefined);
    if (this.entries.get(e.id) !== e) return;
    if (e.handle !== null) this.opts.recorder.removeContainer(e.handle);
    if (e.archive) fs.rmSync(e.archive, { force: true });
    this.entries.delete(e.id);
    if (e.handle !== null) this.saveRunning();
    this.log(`deleted ${e.id}`);
  }

  /** Counters for /metrics. */
  metrics() {
    const all = this.list();
    const host = this.opts.recorder.hostStats();
    return {
      running: all.filter((c) => c.state === 'running').length,
      exited: all.filter((c) => c.state === 'exited').length,
      events: all.reduce((n, c) => n + c.events, 0),
      overwritten: all.reduce((n, c) => n + c.overwritten, 0),
      lost: all.reduce((n, c) => n + c.lost, 0) + host.missed,
      missed: host.missed,
      ringBytes: host.ringBytesInUse,
      budgetBytes: host.budgetBytes,
      dumps: this.dumps,
      written: { ...this.written },
    };
  }

  /** Daemon shutdown that hands over to the next daemon: the rings stay pinned and keep recording. */
  handOver(): void {
    this.stop();
    this.saveRunning();
  }

  /** Archives every running container (shutdown with --release-on-exit: the rings are freed). */
  async archiveAll(): Promise<void> {
    this.stop();
    for (const e of [...this.entries.values()]) {
      if (e.handle === null) continue;
      try {
        await this.remove(e.id, null);
      } catch (err) {
        this.log(`shutdown: ${(err as Error).message}`);
      }
    }
  }
}
