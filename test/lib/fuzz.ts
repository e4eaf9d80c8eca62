/**
 * What the fuzz tests share: a seeded generator (the same inputs for the
 * same seed, so a failure can be replayed with FUZZ_SEED) and a daemon that
 * holds one real, archived history whose bytes must not change.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectTracerManager } from '../../recorder/daemon/grpc-client';
import { curl, DaemonProcess, startDaemonProcess, tempDirs } from './daemon';
import { startWorkload } from './procs';

/** xorshift32. */
export function rng(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  const int = (n: number) => next() % n;
  return {
    int,
    pick: <T>(a: readonly T[]): T => a[int(a.length)],
    chance: (p: number) => next() / 0x100000000 < p,
    bytes: (n: number) => Buffer.from(Array.from({ length: n }, () => int(256))),
  };
}

export type Rng = ReturnType<typeof rng>;

/** A daemon holding the archived history of one real recorded process, registered as keepId. */
export async function daemonWithHistory(prefix: string, keepId: string): Promise<{ daemon: DaemonProcess; root: string }> {
  const dirs = tempDirs(prefix);
  const daemon = await startDaemonProcess(dirs, ['--no-discover']);
  const client = await connectTracerManager(daemon.managerSocket, { deadlineMs: 10_000 });
  const file = path.join(os.tmpdir(), `${prefix}seq-${process.pid}`);
  try {
    const w = await startWorkload(['--unshare', 'sequence', file, '50']);
    await client.addContainer({ id: keepId, pid: w.pid });
    w.go();
    await w.done;
    await client.removeContainer({ id: keepId, exitCode: 0 });
  } finally {
    client.close();
    fs.rmSync(file, { force: true });
  }
  return { daemon, root: dirs.root };
}

/** sha256 of a container's whole history as NDJSON: equal before and after means unchanged. */
export async function historyHash(daemon: DaemonProcess, id: string): Promise<string> {
  const r = await curl(daemon.apiSocket, [`http://localhost/v1/containers/${id}/events?format=ndjson`]);
  if (r.status !== 200) throw new Error(`history of ${id}: ${r.status} ${r.body.toString()}`);
  return crypto.createHash('sha256').update(r.body).digest('hex');
}
