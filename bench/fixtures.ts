/**
 * Shared by the benchmarks: the made-up container row the sink benchmarks
 * write, and a dump over the API socket as a user takes it with curl.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { ContainerInfo } from '../recorder/daemon/api';

/** The dump's container row: a made-up container named "bench", running unless the fields given say otherwise. */
export function benchContainer(fields: Partial<ContainerInfo> = {}): ContainerInfo {
  return {
    id: 'bench',
    name: 'bench',
    pod: null,
    namespace: null,
    runtime: null,
    pid: 1,
    mntns: '0',
    state: 'running',
    startedAt: new Date().toISOString(),
    exitedAt: null,
    exitCode: null,
    events: 0,
    overwritten: 0,
    lost: 0,
    completeSince: null,
    bundle: null,
    labels: {},
    ...fields,
  };
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
