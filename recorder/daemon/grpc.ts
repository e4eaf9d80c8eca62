/**
 * The TracerManager gRPC adapter (proto/straceback/v1/tracer_manager.proto):
 * serves a RegistryApi on a Unix socket for the OCI hooks and the CLI.
 * It validates requests, converts between ContainerInfo/EventRow and the
 * wire messages, and maps ApiError kinds to gRPC codes; everything else is
 * the registry's business.
 *
 * Wire conventions, shared with grpc-client.ts (both load the proto with
 * LOADER_OPTIONS):
 *   - keepCase false: JS objects use camelCase (ts_ns -> tsNs).
 *   - longs String: every 64-bit integer is a decimal string on the JS side,
 *     so nanosecond times above 2^53 keep every digit; we turn them into
 *     bigint (times, ret) or number (counts, ring size) ourselves.
 *   - enums String, defaults true, arrays/objects true: scalars, repeated
 *     fields and maps are always present; proto3 `optional` fields are
 *     undefined when unset.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { repoRoot } from '../paths';
import { EventRow } from '../rows';
import { parseSyscallFilter } from '../syscalls/table';
import { AddContainerRequest, ApiError, ApiErrorKind, ContainerInfo, EventFilter, GRPC_CODE, RegistryApi } from './api';

/** The .proto file, relative to protoDir(). */
export const PROTO_FILE = 'straceback/v1/tracer_manager.proto';
export const SERVICE_NAME = 'straceback.v1.TracerManager';

/** Where the .proto files live: <repo>/proto (loaded at run time, not compiled in). */
export function protoDir(): string {
  return path.join(repoRoot(), 'proto');
}

export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: false,
};

/** Largest request the server accepts. Requests are a few hundred bytes; annotations are the big part. */
export const MAX_RECEIVE_BYTES = 1024 * 1024;

/** Longest container id, and longest ref (id, prefix or name). */
export const MAX_ID_LENGTH = 256;
const ID_RE = /^[A-Za-z0-9._-]+$/;

// ---------------------------------------------------------------------------
// Wire messages as @grpc/proto-loader hands them over (LOADER_OPTIONS).

export type WireContainerState = 'CONTAINER_STATE_UNSPECIFIED' | 'CONTAINER_STATE_RUNNING' | 'CONTAINER_STATE_EXITED';

export interface WireAddContainerRequest {
  id: string;
  pid: number;
  bundle: string;
  name: string;
  runtime: string;
  annotations: Record<string, string>;
  /** uint64. */
  ringBytes: string | number;
  beforeExec?: boolean;
}

export interface WireRemoveContainerRequest {
  id: string;
  exitCode?: number | null;
}

export type WireListContainersRequest = Record<string, never>;

export interface WireContainer {
  id: string;
  name: string;
  pod?: string | null;
  namespace?: string | null;
  runtime?: string | null;
  pid: number;
  mntns: string;
  state: WireContainerState;
  startedAt: string;
  exitedAt?: string | null;
  exitCode?: number | null;
  /** uint64. */
  events: string | number;
  overwritten: string | number;
  lost: string | number;
  completeSince?: string | null;
  bundle?: string | null;
  labels: Record<string, string>;
}

export interface WireListContainersResponse {
  containers: WireContainer[];
}

export interface WireWatchEventsRequest {
  id: string;
  /** int64. */
  sinceNs?: string | null;
  syscalls: string[];
  tid?: number | null;
  failedOnly: boolean;
  last?: number | null;
}

export interface WireEvent {
  /** uint64. */
  seq: string | number;
  /** int64 fields: decimal strings. */
  tsNs: string;
  durNs?: string | null;
  cpu: number;
  pid: number;
  tid: number;
  comm: string;
  nr: number;
  name: string;
  args: string;
  ret?: string | null;
  error?: string | null;
  unfinished: boolean;
  resumed: boolean;
  path?: string | null;
  argv: string[];
  address?: string | null;
  port?: number | null;
  retDetail?: string | null;
}

// ---------------------------------------------------------------------------
// Loading.

let cachedDefinition: protoLoader.PackageDefinition | undefined;

/** The loaded proto (cached): read from protoDir() at run time. */
export function tracerManagerDefinition(): protoLoader.PackageDefinition {
  if (!cachedDefinition) {
    cachedDefinition = protoLoader.loadSync(PROTO_FILE, { ...LOADER_OPTIONS, includeDirs: [protoDir()] });
  }
  return cachedDefinition;
}

/** The generated client constructor; its `.service` is what the server registers. */
export function tracerManagerClientConstructor(): grpc.ServiceClientConstructor {
  const root = grpc.loadPackageDefinition(tracerManagerDefinition());
  let node: unknown = root;
  for (const part of SERVICE_NAME.split('.')) node = (node as Record<string, unknown>)[part];
  if (typeof node !== 'function') throw new Error(`${SERVICE_NAME} is missing from ${PROTO_FILE}`);
  return node as grpc.ServiceClientConstructor;
}

// ---------------------------------------------------------------------------
// Conversions and validation.

function invalid(message: string): ApiError {
  return new ApiError('invalid', message);
}

/** A value for an error message: quoted, control characters escaped, cut at 64 characters. */
function show(s: string): string {
  return JSON.stringify(s.length > 64 ? s.slice(0, 64) + '…' : s);
}

/** A container id: 1 to 256 characters of [A-Za-z0-9._-]. */
export function checkContainerId(id: string, field = 'id'): void {
  if (id === '') throw invalid(`${field} is empty`);
  if (id.length > MAX_ID_LENGTH) throw invalid(`${field} is ${id.length} characters long, more than ${MAX_ID_LENGTH}`);
  if (!ID_RE.test(id)) throw invalid(`${field} ${show(id)} has characters outside [A-Za-z0-9._-]`);
}

/** A container ref (id, id prefix or name): 1 to 256 characters, no control characters. */
export function checkRef(ref: string, field = 'id'): void {
  if (ref === '') throw invalid(`${field} is empty`);
  if (ref.length > MAX_ID_LENGTH) throw invalid(`${field} is ${ref.length} characters long, more than ${MAX_ID_LENGTH}`);
  if (/[\x00-\x1f\x7f]/.test(ref)) throw invalid(`${field} ${show(ref)} has control characters`);
}

/** A uint64/int64 from the wire (decimal string) as a bigint. */
function wireBig(v: string | number, field: string): bigint {
  try {
    return BigInt(v);
  } catch {
    throw invalid(`${field} ${show(String(v))} is not an integer`);
  }
}

export function addRequestFromWire(w: WireAddContainerRequest): AddContainerRequest {
  const id = w.id ?? '';
  checkContainerId(id);
  if (!Number.isInteger(w.pid) || w.pid <= 0) throw invalid(`pid must be a positive process id, got ${w.pid}`);
  const ring = wireBig(w.ringBytes ?? 0, 'ring_bytes');
  if (ring > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid(`ring_bytes ${ring} is too large`);
  const req: AddContainerRequest = { id, pid: w.pid };
  if (w.bundle) req.bundle = w.bundle;
  if (w.name) req.name = w.name;
  if (w.runtime) req.runtime = w.runtime;
  if (w.annotations && Object.keys(w.annotations).length > 0) req.annotations = { ...w.annotations };
  if (ring > 0n) req.ringBytes = Number(ring);
  if (w.beforeExec) req.beforeExec = true;
  return req;
}

export function removeRequestFromWire(w: WireRemoveContainerRequest): { id: string; exitCode: number | null } {
  const id = w.id ?? '';
  checkContainerId(id);
  const exitCode = w.exitCode ?? null;
  if (exitCode !== null && (!Number.isInteger(exitCode) || exitCode < 0 || exitCode > 255)) {
    throw invalid(`exit_code must be 0..255, got ${exitCode}`);
  }
  return { id, exitCode };
}

export function watchRequestFromWire(w: WireWatchEventsRequest): { ref: string; filter: EventFilter } {
  const ref = w.id ?? '';
  checkRef(ref);
  const filter: EventFilter = {};
  if (w.sinceNs !== undefined && w.sinceNs !== null) {
    const since = wireBig(w.sinceNs, 'since_ns');
    if (since < 0n) throw invalid(`since_ns must not be negative, got ${since}`);
    filter.since = since;
  }
  let syscalls: string[];
  try {
    syscalls = parseSyscallFilter(w.syscalls ?? []);
  } catch (err) {
    throw invalid(`syscalls: ${(err as Error).message}`);
  }
  if (syscalls.length > 0) filter.syscalls = syscalls;
  if (w.tid !== undefined && w.tid !== null) {
    if (!Number.isInteger(w.tid) || w.tid <= 0) throw invalid(`tid must be a positive thread id, got ${w.tid}`);
    filter.tid = w.tid;
  }
  if (w.failedOnly) filter.failedOnly = true;
  if (w.last !== undefined && w.last !== null) filter.last = w.last;
  return { ref, filter };
}

export function containerToWire(c: ContainerInfo): WireContainer {
  return {
    id: c.id,
    name: c.name,
    pod: c.pod,
    namespace: c.namespace,
    runtime: c.runtime,
    pid: c.pid,
    mntns: c.mntns,
    state: c.state === 'running' ? 'CONTAINER_STATE_RUNNING' : c.state === 'exited' ? 'CONTAINER_STATE_EXITED' : 'CONTAINER_STATE_UNSPECIFIED',
    startedAt: c.startedAt,
    exitedAt: c.exitedAt,
    exitCode: c.exitCode,
    events: String(c.events),
    overwritten: String(c.overwritten),
    lost: String(c.lost),
    completeSince: c.completeSince,
    bundle: c.bundle,
    labels: c.labels ?? {},
  };
}

export function eventToWire(r: EventRow): WireEvent {
  return {
    seq: String(r.seq),
    tsNs: r.tsNs.toString(),
    durNs: r.durNs === null ? null : r.durNs.toString(),
    cpu: r.cpu,
    pid: r.pid,
    tid: r.tid,
    comm: r.comm,
    nr: r.nr,
    name: r.name,
    args: r.args,
    ret: r.ret === null ? null : r.ret.toString(),
    error: r.error,
    unfinished: r.unfinished,
    resumed: r.resumed,
    path: r.path,
    argv: r.argv ?? [],
    address: r.address,
    port: r.port,
    retDetail: r.retDetail ?? null,
  };
}

function isApiError(err: unknown): err is ApiError {
  if (err instanceof ApiError) return true;
  // Another copy of api.ts (a second build) makes instanceof fail; the shape is enough.
  if (!(err instanceof Error) || err.name !== 'ApiError') return false;
  const kind = (err as Error & { kind?: unknown }).kind;
  return typeof kind === 'string' && Object.prototype.hasOwnProperty.call(GRPC_CODE, kind);
}

/** The gRPC status for a thrown error: ApiError kinds via GRPC_CODE, anything else INTERNAL. */
export function toStatus(err: unknown): { code: grpc.status; details: string } {
  if (isApiError(err)) return { code: GRPC_CODE[err.kind as ApiErrorKind] as grpc.status, details: err.message };
  const message = err instanceof Error ? err.message : String(err);
  return { code: grpc.status.INTERNAL, details: message || 'internal error' };
}

// ---------------------------------------------------------------------------
// The server.

export interface TracerManagerOptions {
  log?: (line: string) => void;
  /** How long close() lets calls finish before it drops them (default 2000 ms). */
  shutdownGraceMs?: number;
}

export interface TracerManagerServer {
  /** Ends live watches (UNAVAILABLE), lets other calls finish, then stops serving and removes the socket. */
  close(): Promise<void>;
}

/** unix: sockets are limited to sizeof(sun_path) - 1 bytes. */
const MAX_SOCKET_PATH = 107;

/** A socket file left by a daemon that died: removed. A live one, or another kind of file, is an error. */
async function clearStaleSocket(socketPath: string): Promise<void> {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(socketPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!st.isSocket()) throw new Error(`${socketPath} exists and is not a socket`);
  const live = await new Promise<boolean>((resolve) => {
    const sock = net.connect(socketPath);
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
  if (live) throw new Error(`${socketPath} is in use: another daemon is serving on it`);
  fs.unlinkSync(socketPath);
}

/** What a request that protobuf could not decode is replaced with. */
const UNDECODABLE = Symbol('undecodable request');

function decodeError(req: unknown): string | null {
  const why = (req as { [UNDECODABLE]?: string } | null)?.[UNDECODABLE];
  return why === undefined ? null : why;
}

/**
 * grpc-js answers INTERNAL when a request cannot be decoded; a malformed
 * request is the client's fault (INVALID_ARGUMENT). The decoder's failure is
 * passed on to the handler, which answers so.
 */
function withRequestDecodeErrors(service: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, def] of Object.entries(service)) {
    out[name] = {
      ...def,
      requestDeserialize: (buf: Buffer) => {
        try {
          return def.requestDeserialize(buf);
        } catch (err) {
          return { [UNDECODABLE]: (err as Error).message || 'undecodable protobuf' };
        }
      },
    };
  }
  return out as grpc.ServiceDefinition;
}

export async function startTracerManager(
  socketPath: string,
  registry: RegistryApi,
  opts: TracerManagerOptions = {},
): Promise<TracerManagerServer> {
  const log = opts.log ?? (() => {});
  const graceMs = opts.shutdownGraceMs ?? 2000;
  const abs = path.resolve(socketPath);
  if (Buffer.byteLength(abs) > MAX_SOCKET_PATH) {
    throw new Error(`socket path ${abs} is longer than ${MAX_SOCKET_PATH} bytes`);
  }
  const service = withRequestDecodeErrors(tracerManagerClientConstructor().service);
  await clearStaleSocket(abs);

  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_RECEIVE_BYTES,
    // Hooks open one connection per container start; a local peer needs no more streams than this.
    'grpc.max_concurrent_streams': 1024,
    // Keepalive: grpc-js defaults (server pings after 2 h idle; clients may not ping more often than every 5 min).
  });

  /** Live WatchEvents calls: aborted by close(). */
  const watches = new Set<AbortController>();
  let shuttingDown = false;

  const fail = (method: string, err: unknown) => {
    const st = toStatus(err);
    if (st.code === grpc.status.INTERNAL) log(`grpc ${method}: internal error: ${st.details}`);
    return st;
  };

  function unary<Req, Res>(method: string, fn: (req: Req) => Promise<Res> | Res): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      if (shuttingDown) {
        callback({ code: grpc.status.UNAVAILABLE, details: 'the daemon is shutting down' });
        return;
      }
      const undecodable = decodeError(call.request);
      if (undecodable !== null) {
        callback({ code: grpc.status.INVALID_ARGUMENT, details: `malformed ${method} request: ${undecodable}` });
        return;
      }
      Promise.resolve()
        .then(() => fn(call.request))
        .then(
          (res) => callback(null, res),
          (err: unknown) => callback(fail(method, err)),
        )
        .catch((err: unknown) => log(`grpc ${method}: could not answer: ${(err as Error)?.message ?? err}`));
    };
  }

  const addContainer = unary<WireAddContainerRequest, WireContainer>('AddContainer', async (w) => {
    const req = addRequestFromWire(w);
    return containerToWire(await registry.add(req));
  });

  const removeContainer = unary<WireRemoveContainerRequest, WireContainer>('RemoveContainer', async (w) => {
    const { id, exitCode } = removeRequestFromWire(w);
    return containerToWire(await registry.remove(id, exitCode));
  });

  const listContainers = unary<WireListContainersRequest, WireListContainersResponse>('ListContainers', () => ({
    containers: registry.list().map(containerToWire),
  }));

  const watchEvents: grpc.handleServerStreamingCall<WireWatchEventsRequest, WireEvent> = (call) => {
    const ac = new AbortController();
    const stop = () => ac.abort();
    // 'cancelled': the client cancelled or went away; 'close': the call ended any other way.
    call.on('cancelled', stop);
    call.on('close', stop);
    watches.add(ac);
    streamEvents(call, ac.signal)
      .then(
        () => {
          if (call.cancelled) return;
          if (shuttingDown) call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'the daemon is shutting down' });
          else call.end();
        },
        (err: unknown) => {
          if (!call.cancelled) call.emit('error', fail('WatchEvents', err));
        },
      )
      .catch((err: unknown) => log(`grpc WatchEvents: could not end the call: ${(err as Error)?.message ?? err}`))
      .finally(() => {
        watches.delete(ac);
        ac.abort();
      });
  };

  async function streamEvents(call: grpc.ServerWritableStream<WireWatchEventsRequest, WireEvent>, signal: AbortSignal): Promise<void> {
    if (shuttingDown) return;
    const undecodable = decodeError(call.request);
    if (undecodable !== null) throw new ApiError('invalid', `malformed WatchEvents request: ${undecodable}`);
    const { ref, filter } = watchRequestFromWire(call.request);
    // NOT_FOUND (or an ambiguous ref) before anything is streamed.
    registry.lookup(ref);
    // Headers now: the client knows the watch is in place before the first event.
    call.sendMetadata(new grpc.Metadata());
    for await (const row of registry.watch(ref, filter, signal)) {
      if (signal.aborted) break;
      if (!call.write(eventToWire(row))) {
        // Backpressure: wait for the client to read, or for the call to end.
        await new Promise<void>((resolve) => {
          const done = () => {
            call.off('drain', done);
            signal.removeEventListener('abort', done);
            resolve();
          };
          call.on('drain', done);
          signal.addEventListener('abort', done);
        });
      }
      if (signal.aborted) break;
    }
  }

  server.addService(service, {
    AddContainer: addContainer,
    RemoveContainer: removeContainer,
    ListContainers: listContainers,
    WatchEvents: watchEvents,
  } as grpc.UntypedServiceImplementation);

  await new Promise<void>((resolve, reject) => {
    server.bindAsync(`unix:${abs}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve()));
  }).catch((err: unknown) => {
    server.forceShutdown();
    throw err;
  });
  // The socket file is ours from here on: close() removes it only if it is still this one.
  let ino: number | undefined;
  try {
    ino = fs.statSync(abs).ino;
  } catch {
    ino = undefined;
  }
  log(`grpc: serving ${SERVICE_NAME} on unix:${abs}`);

  let closing: Promise<void> | undefined;
  return {
    close(): Promise<void> {
      closing ??= (async () => {
        shuttingDown = true;
        for (const ac of watches) ac.abort();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            log(`grpc: calls still running after ${graceMs} ms; dropping them`);
            server.forceShutdown();
            resolve();
          }, graceMs);
          server.tryShutdown(() => {
            clearTimeout(timer);
            resolve();
          });
        });
        try {
          const st = fs.lstatSync(abs);
          if (st.isSocket() && st.ino === ino) fs.unlinkSync(abs);
        } catch {
          // Already gone (Node removes a Unix socket when its server closes).
        }
        log('grpc: stopped');
      })();
      return closing;
    },
  };
}
