/**
 * The running part of the registry on disk (<state>/registry.json): what a
 * restarted daemon needs to give re-adopted rings back their containers.
 * Exited containers need no entry here: their archives describe them.
 * Written whole to a temp file and renamed: a crash of the daemon leaves the
 * old file or the new one, never a torn one. Not fsynced (it would add
 * milliseconds to every container start): what it describes, the pinned
 * rings, does not outlive the kernel either, and the page cache outlives the
 * daemon.
 */
import fs from 'node:fs';
import path from 'node:path';

export const REGISTRY_FILE = 'registry.json';
const FORMAT = 1;

/** A running container as persisted (64-bit numbers as decimal strings). */
export interface PersistedContainer {
  id: string;
  name: string;
  pod: string | null;
  namespace: string | null;
  runtime: string | null;
  pid: number;
  mntns: string;
  nsId: string;
  bundle: string | null;
  labels: Record<string, string>;
  startedNs: string;
  beforeExec: boolean;
  execBootNs: string | null;
  source: 'hook' | 'discovery';
  /**
   * Set when the runtime had reported the exit (RemoveContainer) and the
   * daemon stopped before the ring was archived: the next daemon archives it
   * at once, with the runtime's exit code.
   */
  exitedNs?: string | null;
  exitCode?: number | null;
}

export function saveRunning(stateDir: string, containers: PersistedContainer[]): void {
  const file = path.join(stateDir, REGISTRY_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, JSON.stringify({ format: FORMAT, containers }) + '\n');
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

function isPersisted(c: unknown): c is PersistedContainer {
  const o = c as Record<string, unknown>;
  return (
    !!o &&
    typeof o.id === 'string' &&
    typeof o.name === 'string' &&
    Number.isInteger(o.pid) &&
    typeof o.mntns === 'string' &&
    /^\d+$/.test(o.mntns) &&
    typeof o.nsId === 'string' &&
    /^\d+$/.test(o.nsId) &&
    typeof o.startedNs === 'string' &&
    /^\d+$/.test(o.startedNs) &&
    (o.execBootNs === null || (typeof o.execBootNs === 'string' && /^\d+$/.test(o.execBootNs))) &&
    typeof o.labels === 'object' &&
    o.labels !== null &&
    (o.exitedNs === undefined || o.exitedNs === null || (typeof o.exitedNs === 'string' && /^\d+$/.test(o.exitedNs))) &&
    (o.exitCode === undefined || o.exitCode === null || (Number.isInteger(o.exitCode) && (o.exitCode as number) >= 0 && (o.exitCode as number) <= 255))
  );
}

/**
 * The persisted running containers; [] when there is no file. A file that
 * cannot be read as one is moved aside (registry.json.corrupt-<time>) and
 * reported through `problem`, so the daemon starts anyway.
 */
export function loadRunning(stateDir: string): { containers: PersistedContainer[]; problem: string | null } {
  const file = path.join(stateDir, REGISTRY_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { containers: [], problem: null };
    return { containers: [], problem: `reading ${file}: ${(err as Error).message}` };
  }
  try {
    const j = JSON.parse(text) as { format?: unknown; containers?: unknown };
    if (j.format !== FORMAT || !Array.isArray(j.containers)) throw new Error(`not a format ${FORMAT} registry`);
    const bad = j.containers.filter((c) => !isPersisted(c)).length;
    if (bad) throw new Error(`${bad} malformed entries`);
    return { containers: j.containers as PersistedContainer[], problem: null };
  } catch (err) {
    const aside = `${file}.corrupt-${Date.now()}`;
    try {
      fs.renameSync(file, aside);
    } catch {
      // leave it; the next save replaces it
    }
    return { containers: [], problem: `${file} is not readable as a registry (${(err as Error).message}); moved to ${aside}` };
  }
}
