/** A real straceback daemon process in temporary run and state dirs, for tests. */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pinDirFor } from '../../recorder/daemon/daemon';
import { releasePins } from '../../recorder/recorder';
import { repoRoot } from './procs';

export interface DaemonProcess {
  runDir: string;
  stateDir: string;
  apiSocket: string;
  managerSocket: string;
  proc: ChildProcess;
  /** What the daemon wrote to stderr so far. */
  log(): string;
  /** SIGTERM and wait; resolves to the exit code. */
  stop(): Promise<number | null>;
}

export interface CurlResult {
  status: number;
  body: Buffer;
  headers: string;
}

export const cli = (): string => path.join(repoRoot(), 'bin', 'straceback');

export function tempDirs(prefix = 'sb-daemon-'): { runDir: string; stateDir: string; root: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { root, runDir: path.join(root, 'run'), stateDir: path.join(root, 'state') };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The daemon's readiness line (not just any line with "serving": a refusal says "is already serving"). */
const READY = /straceback: serving \S+ \(HTTP\) and \S+ \(gRPC\)/;

/** Starts `straceback daemon` and waits until its API socket answers. */
export async function startDaemonProcess(dirs: { runDir: string; stateDir: string }, extra: string[] = [], wrapper: string[] = []): Promise<DaemonProcess> {
  // wrapper: a command the daemon runs under, e.g. ['unshare', '-m'].
  // Test daemons free their rings when stopped unless a test asks for the hand-over (--no-release-on-exit).
  const argv = [cli(), 'daemon', '--run-dir', dirs.runDir, '--state-dir', dirs.stateDir, '--release-on-exit', ...extra];
  const proc = spawn(wrapper[0] ?? argv[0], [...wrapper.slice(1), ...(wrapper.length ? argv : argv.slice(1))], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  // 'close' comes after the last stderr data, unlike 'exit'.
  const exited = new Promise<number | null>((resolve) => proc.once('close', (code) => resolve(code)));
  const apiSocket = path.join(dirs.runDir, 'api.sock');
  // A daemon that never came up may still have pinned its programs: they go with it.
  const release = () => {
    try {
      releasePins(pinDirFor(dirs.runDir));
    } catch {
      // Held by another live daemon on the same run dir (the refusal tests): it is that one's.
    }
  };
  for (let i = 0; i < 400; i++) {
    if (proc.exitCode !== null) {
      const code = await exited;
      release();
      throw new Error(`daemon exited with ${code}: ${log}`);
    }
    if (READY.test(log) && fs.existsSync(apiSocket)) break;
    await sleep(50);
  }
  if (!READY.test(log)) {
    proc.kill('SIGKILL');
    await exited;
    release();
    throw new Error(`daemon did not start within 20 s: ${log}`);
  }
  return {
    ...dirs,
    apiSocket,
    managerSocket: path.join(dirs.runDir, 'manager.sock'),
    proc,
    log: () => log,
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      const code = await exited;
      // Whatever the daemon left pinned (killed, or handing over) goes with the test: unpinned programs detach.
      release();
      return code;
    },
  };
}

let curlSeq = 0;

/** Real curl over the unix socket; headers go to a temp file (stderr of a child is a socket, not openable). */
export function curl(socket: string, args: string[], timeoutMs = 60_000): Promise<CurlResult> {
  const headerFile = path.join(os.tmpdir(), `sb-curl-${process.pid}-${++curlSeq}.headers`);
  return new Promise((resolve, reject) => {
    execFile(
      'curl',
      ['-sS', '--unix-socket', socket, '-D', headerFile, '-o', '-', ...args],
      { encoding: 'buffer', maxBuffer: 512 * 1024 * 1024, timeout: timeoutMs },
      (err, stdout, stderr) => {
        const headers = fs.existsSync(headerFile) ? fs.readFileSync(headerFile, 'latin1') : '';
        fs.rmSync(headerFile, { force: true });
        // Keep the last status line (curl may print 100-continue first).
        const all = [...headers.matchAll(/^HTTP\/[\d.]+ (\d{3})/gm)];
        if (!all.length) return reject(new Error(`curl ${args.join(' ')}: ${err?.message ?? ''} ${stderr.toString()}`));
        resolve({ status: Number(all[all.length - 1][1]), body: stdout, headers });
      },
    );
  });
}

/** The daemon's count of SQLite files (dumps, archives) written by its worker thread and by its main thread (GET /metrics). */
export async function filesWritten(d: DaemonProcess): Promise<{ worker: number; main: number }> {
  const m = (await curl(d.apiSocket, ['http://localhost/metrics'])).body.toString();
  const n = (writer: string) => Number(new RegExp(`^straceback_sqlite_files_written_total\\{writer="${writer}"\\} (\\d+)$`, 'm').exec(m)?.[1]);
  return { worker: n('worker'), main: n('main') };
}

export function sqlite(db: string, sql: string): string {
  return require('node:child_process').execFileSync('sqlite3', ['-batch', '-bail', db, sql], { encoding: 'utf8' }) as string;
}
