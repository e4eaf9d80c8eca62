/**
 * Shared by the benchmarks: the made-up container row the sink benchmarks
 * write, a dump over the API socket as a user takes it with curl, and a ring
 * filled by a counter loop.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { ContainerInfo } from '../recorder/daemon/api';
import { Recorder } from '../recorder/recorder';
import { containerInfo } from '../test/lib/container';
import { startWorkload, Workload } from '../test/lib/procs';

/** The middle value of xs (the upper of the two middle ones when their count is even). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** The dump's container row: a made-up container named "bench", running unless the fields given say otherwise. */
export function benchContainer(fields: Partial<ContainerInfo> = {}): ContainerInfo {
  return containerInfo({ id: 'bench', name: 'bench', ...fields });
}

export interface CurlDump {
  ms: number;
  events: number;
  /** Until the first byte the daemon snapshots, pairs and writes the file; then it is sent. */
  firstByteMs: number;
}

/** POST /v1/containers/ID/dump as a user would: curl writes the body to a file (removed after), the headers to stdout. */
export async function curlDump(apiSocket: string, id: string, out: string): Promise<CurlDump> {
  const s = process.hrtime.bigint();
  const headers = await new Promise<string>((resolve, reject) =>
    execFile('curl', ['-sS', '--fail', '--unix-socket', apiSocket, '-D', '-', '-o', out, '-w', 'first-byte: %{time_starttransfer}\n', '-X', 'POST', `http://localhost/v1/containers/${id}/dump`], (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    ),
  );
  const ms = Number(process.hrtime.bigint() - s) / 1e6;
  fs.rmSync(out);
  return {
    ms,
    events: Number(/x-straceback-events: (\d+)/i.exec(headers)?.[1] ?? 0),
    firstByteMs: Number(/first-byte: ([0-9.]+)/.exec(headers)?.[1] ?? NaN) * 1000,
  };
}

/** A recorder whose ring a counter loop has filled (the dump benchmarks' subject), and how to end both. */
export interface CounterRing {
  rec: Recorder;
  handle: number;
  /** SIGCONT for a stopped loop, then the loop and the recorder end. */
  close(): Promise<void>;
}

/**
 * Starts a counter loop (write of an incrementing number to /dev/null) in
 * its own mount namespace, records it into a ring of ringMiB, lets it run
 * BENCH_FILL_MS (default 4 s: long enough to wrap a 64 MiB ring) and, if
 * `stopped`, stops it (SIGSTOP) as the ring of a container that crashed.
 */
export async function counterRing(ringMiB: number, stopped: boolean): Promise<CounterRing> {
  const rec = new Recorder({ ringBytes: ringMiB << 20 });
  let w: Workload | undefined;
  try {
    w = await startWorkload(['--unshare', 'counter', '0']);
    const { handle } = rec.addProcess(w.pid);
    w.go();
    await new Promise((r) => setTimeout(r, Number(process.env.BENCH_FILL_MS ?? 4000)));
    if (stopped) process.kill(w.pid, 'SIGSTOP');
    const loop = w;
    return {
      rec,
      handle,
      async close() {
        if (stopped) process.kill(loop.pid, 'SIGCONT');
        loop.kill();
        await loop.done;
        rec.close();
      },
    };
  } catch (err) {
    w?.kill();
    rec.close();
    throw err;
  }
}
