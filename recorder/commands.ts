/** The CLI commands that talk to (or are) the daemon. recorder/cli.ts wires them to yargs. */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { ApiClientError, apiJson, apiRequest, expectOk, readAll } from './client';
import { EventRow, HistoryRow, ProcessRow } from './rows';
import { ContainerInfo, MANAGER_SOCKET } from './daemon/api';
import type { DumpWorkerMode, ShowOptions } from './sinks/sqlite';
import { UsageError, checkStringLimit, parseDuration, parseRingSize, parseSize } from './cli-util';

export interface DaemonArgs {
  runDir: string;
  stateDir: string;
  ringSize: string;
  ringBudget: string;
  maxContainers: number;
  retention: string;
  retentionAge: string;
  /** Runtime state dirs to watch; [] turns discovery off. */
  discover: string[];
  socketGroup?: string;
  pinDir?: string;
  releaseOnExit?: boolean;
  /** Who writes big dumps (default auto: a worker thread when a CPU is idle). */
  dumpWorker?: DumpWorkerMode;
  /** Quiet time before memory is given back (duration text). */
  settleAfter?: string;
  /** Longest string or buffer shown in dumps, archives and event text. */
  stringLimit: number;
}

export async function daemonCommand(a: DaemonArgs): Promise<number> {
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} straceback: ${line}\n`);
  if (!Number.isInteger(a.maxContainers) || a.maxContainers < 1) throw new UsageError('--max-containers must be a positive integer');
  checkStringLimit(a.stringLimit);
  const { startDaemon } = await import('./daemon/daemon');
  const daemon = await startDaemon({
    runDir: a.runDir,
    stateDir: a.stateDir,
    ringBytes: parseRingSize(a.ringSize),
    budgetBytes: parseSize(a.ringBudget),
    maxContainers: a.maxContainers,
    retentionBytes: parseSize(a.retention),
    retentionMs: parseDuration(a.retentionAge),
    discoverRoots: a.discover,
    socketGroup: a.socketGroup,
    pinDir: a.pinDir,
    releaseOnExit: a.releaseOnExit,
    dumpWorker: a.dumpWorker,
    settleMs: a.settleAfter === undefined ? undefined : parseDuration(a.settleAfter),
    stringLimit: a.stringLimit,
    log,
  });
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      log(`${sig}: shutting down`);
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await daemon.close();
  return 0;
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

export async function listCommand(a: { runDir: string; json: boolean }): Promise<number> {
  const { containers } = await apiJson<{ containers: ContainerInfo[] }>(a.runDir, 'GET', '/v1/containers');
  if (a.json) {
    process.stdout.write(JSON.stringify({ containers }, null, 2) + '\n');
    return 0;
  }
  const rows = [['ID', 'NAME', 'STATE', 'PID', 'EVENTS', 'OVERWRITTEN', 'LOST', 'STARTED']];
  for (const c of containers) {
    rows.push([c.id.slice(0, 12), c.pod ? `${c.namespace ?? ''}/${c.pod}/${c.name}` : c.name, c.exitCode !== null ? `${c.state} (${c.exitCode})` : c.state, String(c.pid), String(c.events), String(c.overwritten), String(c.lost), c.startedAt]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  process.stdout.write(rows.map((r) => r.map((v, i) => pad(v, widths[i])).join('  ').trimEnd()).join('\n') + '\n');
  return 0;
}

/** A one-line progress bar on stderr, only when it is a terminal. */
function progress(total: number): Transform {
  let done = 0;
  let last = 0;
  const tty = process.stderr.isTTY;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      done += chunk.length;
      const now = Date.now();
      if (tty && now - last > 100) {
        last = now;
        const frac = total ? Math.min(1, done / total) : 0;
        const bar = '#'.repeat(Math.round(frac * 30)).padEnd(30, '.');
        process.stderr.write(`\r[${bar}] ${(done / 1048576).toFixed(1)} MiB`);
      }
      cb(null, chunk);
    },
    flush(cb) {
      if (tty) process.stderr.write('\r' + ' '.repeat(50) + '\r');
      cb();
    },
  });
}

/**
 * dump REF [-o FILE]: the daemon's SQLite file, written to a temp file renamed
 * when whole, or with -o - to stdout (| gzip, | ssh), never onto a terminal.
 * The temp file is created before the daemon is asked (seconds of work for a
 * big ring), so a place that cannot take the file fails at once.
 */
export async function dumpCommand(a: { runDir: string; ref: string; output?: string }): Promise<number> {
  const toStdout = a.output === '-';
  if (toStdout && process.stdout.isTTY) throw new UsageError('-o -: refusing to write an SQLite file to a terminal; redirect stdout or give a file');
  const out = toStdout ? 'stdout' : (a.output ?? `${a.ref.replace(/[^A-Za-z0-9._-]/g, '_')}.db`);
  let tmp: string | undefined;
  let fd: number | undefined;
  if (!toStdout) {
    const dir = path.dirname(path.resolve(out));
    tmp = path.join(dir, `.${path.basename(out)}.${process.pid}.part`);
    try {
      fd = fs.openSync(tmp, 'w', 0o600);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new Error(`writing ${out}: ${code === 'ENOENT' && !fs.existsSync(dir) ? 'no such directory' : `cannot create a file in the directory (${code})`}: ${dir}`);
    }
  }
  try {
    const r = await expectOk(await apiRequest(a.runDir, 'POST', `/v1/containers/${encodeURIComponent(a.ref)}/dump`));
    const sink = fd === undefined ? process.stdout : fs.createWriteStream('', { fd });
    fd = undefined; // the stream closes it
    try {
      await pipeline(r.body, progress(Number(r.headers['content-length'] ?? 0)), sink, { end: !toStdout });
      if (tmp) {
        fs.renameSync(tmp, out);
        tmp = undefined;
      }
    } catch (err) {
      throw new Error(`writing ${out}: ${(err as Error).message}`);
    }
    process.stderr.write(`straceback: ${r.headers['x-straceback-events'] ?? '?'} calls written to ${out}\n`);
    return 0;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
    if (tmp) fs.rmSync(tmp, { force: true });
  }
}

export interface ShowArgs {
  runDir: string;
  target: string;
  format: 'text' | 'json' | 'chrome';
  syscall?: string[];
  tid?: number;
  failed: boolean;
  utc: boolean;
}

export async function showCommand(a: ShowArgs): Promise<number> {
  const isFile = a.target.endsWith('.db') || (a.target.includes('/') && fs.existsSync(a.target));
  if (isFile) {
    if (!fs.existsSync(a.target)) throw new Error(`${a.target}: no such file`);
    const { showDump } = await import('./sinks/sqlite');
    const opts: ShowOptions = { format: a.format, syscalls: a.syscall, tid: a.tid, failedOnly: a.failed, utc: a.utc };
    for (const chunk of showDump(a.target, opts)) {
      if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once('drain', r));
    }
    return 0;
  }
  if (a.format === 'chrome') {
    // A live container: fetch its events as NDJSON and build the trace here.
    const { chromeTrace } = await import('./sinks/chrome');
    const q = new URLSearchParams({ format: 'ndjson' });
    for (const s of a.syscall ?? []) q.append('syscall', s);
    if (a.tid !== undefined) q.set('tid', String(a.tid));
    if (a.failed) q.set('failed', 'true');
    const r = await expectOk(await apiRequest(a.runDir, 'GET', `/v1/containers/${encodeURIComponent(a.target)}/events?${q}`));
    const text = (await readAll(r.body)).toString('utf8');
    const rows = text.split('\n').filter(Boolean).map(rowFromJson);
    for (const chunk of chromeTrace(rows, { container: a.target })) process.stdout.write(chunk);
    return 0;
  }
  const q = new URLSearchParams({ format: a.format === 'json' ? 'ndjson' : 'text' });
  for (const s of a.syscall ?? []) q.append('syscall', s);
  if (a.tid !== undefined) q.set('tid', String(a.tid));
  if (a.failed) q.set('failed', 'true');
  const r = await expectOk(await apiRequest(a.runDir, 'GET', `/v1/containers/${encodeURIComponent(a.target)}/events?${q}`));
  await pipeline(r.body, process.stdout, { end: false });
  return 0;
}

export async function tailCommand(a: { runDir: string; ref: string; syscall?: string[]; tid?: number; failed: boolean; last?: number }): Promise<number> {
  // Ctrl-C or SIGTERM ends the watch cleanly, also while the client is still
  // loading or connecting: the signal cancels the call even while it waits.
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let client: import('./daemon/grpc-client').TracerManagerClient | undefined;
  try {
    // Loaded here: only tail pays for the gRPC client.
    const { connectTracerManager } = await import('./daemon/grpc-client');
    const { textLines } = await import('./sinks/stream');
    if (stop.signal.aborted) return 0;
    client = await connectTracerManager(path.join(a.runDir, MANAGER_SOCKET), { deadlineMs: 5000 }).catch((err: Error) => {
      if (stop.signal.aborted) return undefined;
      throw new ApiClientError(`cannot reach the straceback daemon at ${path.join(a.runDir, MANAGER_SOCKET)}: ${err.message}`);
    });
    if (!client || stop.signal.aborted) return 0;
    const stream = client.watchEvents({ id: a.ref, syscalls: a.syscall ?? [], tid: a.tid, failedOnly: a.failed, last: a.last, signal: stop.signal });
    for await (const row of stream) {
      for (const line of textLines([row], {})) process.stdout.write(line);
    }
  } catch (err) {
    if (!stop.signal.aborted) throw err;
  } finally {
    // The handlers stay: the process exits next, with status 0, also when a
    // Ctrl-C comes as the watch ends by itself (the container exited).
    client?.close();
  }
  return 0;
}

/** An NDJSON row (64-bit values as strings) back to a syscall row, or a process event (which has a "kind"). */
function rowFromJson(line: string): HistoryRow {
  const o = JSON.parse(line) as Record<string, unknown>;
  const big = (v: unknown) => (v === null || v === undefined ? null : BigInt(v as string));
  if (o.kind !== undefined) return { ...(o as unknown as ProcessRow), tsNs: BigInt(o.tsNs as string) };
  return { ...(o as unknown as EventRow), tsNs: BigInt(o.tsNs as string), durNs: big(o.durNs), ret: big(o.ret) };
}

export { ApiClientError };
