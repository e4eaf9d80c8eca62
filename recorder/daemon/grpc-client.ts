/**
 * A small TracerManager client for the CLI, the hooks and tests: typed
 * promise methods over the daemon's Unix socket. Answers come back as the
 * daemon's own types (ContainerInfo, EventRow), int64 values as bigint.
 */
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { EventRow } from '../rows';
import { AddContainerRequest, ContainerInfo } from './api';
import {
  tracerManagerClientConstructor,
  WireAddContainerRequest,
  WireContainer,
  WireEvent,
  WireListContainersRequest,
  WireListContainersResponse,
  WireRemoveContainerRequest,
  WireWatchEventsRequest,
} from './grpc';

export type Container = ContainerInfo;
export type Event = EventRow;
export type { AddContainerRequest };

export interface RemoveContainerRequest {
  id: string;
  /** Exit status 0..255; omitted or null when not known. */
  exitCode?: number | null;
}

export interface WatchEventsRequest {
  /** Container ref: full id, unique id prefix, or unique name. */
  id: string;
  /** Unix epoch ns, inclusive. */
  sinceNs?: bigint;
  syscalls?: string[];
  tid?: number;
  failedOnly?: boolean;
  /** Of the held history, only the last N events before the new ones (0: new ones only); all when unset. */
  last?: number;
  /** Aborting it cancels the call; the loop then ends without an error. */
  signal?: AbortSignal;
}

export interface TracerManagerClientOptions {
  /** Deadline of connecting and of each unary call (default 5000 ms). Watches have none. */
  deadlineMs?: number;
}

export interface TracerManagerClient {
  addContainer(req: AddContainerRequest): Promise<Container>;
  removeContainer(req: RemoveContainerRequest): Promise<Container>;
  listContainers(): Promise<Container[]>;
  /** Held events, then live ones, until the loop stops (break/return cancels the call) or the server ends it. */
  watchEvents(req: WatchEventsRequest): AsyncIterable<Event>;
  close(): void;
}

/** A failed call: `code` is the grpc status number, message reads `NOT_FOUND: no container matches "x"`. */
export class TracerManagerError extends Error {
  readonly codeName: string;
  constructor(
    readonly code: grpc.status,
    readonly details: string,
  ) {
    const codeName = grpc.status[code] ?? `CODE_${code}`;
    super(`${codeName}: ${details}`);
    this.name = 'TracerManagerError';
    this.codeName = codeName;
  }
}

function toClientError(err: unknown): TracerManagerError {
  if (err instanceof TracerManagerError) return err;
  const e = err as Partial<grpc.ServiceError> | undefined;
  if (e && typeof e.code === 'number') return new TracerManagerError(e.code, e.details ?? e.message ?? '');
  return new TracerManagerError(grpc.status.UNKNOWN, err instanceof Error ? err.message : String(err));
}

export function containerFromWire(w: WireContainer): Container {
  return {
    id: w.id,
    name: w.name,
    pod: w.pod ?? null,
    namespace: w.namespace ?? null,
    runtime: w.runtime ?? null,
    pid: w.pid,
    mntns: w.mntns,
    state: w.state === 'CONTAINER_STATE_EXITED' ? 'exited' : 'running',
    startedAt: w.startedAt,
    exitedAt: w.exitedAt ?? null,
    exitCode: w.exitCode ?? null,
    events: Number(w.events),
    overwritten: Number(w.overwritten),
    lost: Number(w.lost),
    completeSince: w.completeSince ?? null,
    bundle: w.bundle ?? null,
    labels: { ...w.labels },
  };
}

export function eventFromWire(w: WireEvent): Event {
  const e: Event = {
    seq: Number(w.seq),
    tsNs: BigInt(w.tsNs),
    durNs: w.durNs === undefined || w.durNs === null ? null : BigInt(w.durNs),
    cpu: w.cpu,
    pid: w.pid,
    tid: w.tid,
    comm: w.comm,
    nr: w.nr,
    name: w.name,
    args: w.args,
    ret: w.ret === undefined || w.ret === null ? null : BigInt(w.ret),
    error: w.error ?? null,
    unfinished: w.unfinished,
    resumed: w.resumed,
    path: w.path ?? null,
    // proto3 cannot tell an empty repeated field from an absent one; rows never hold [].
    argv: w.argv && w.argv.length > 0 ? [...w.argv] : null,
    address: w.address ?? null,
    port: w.port ?? null,
  };
  if (w.retDetail) e.retDetail = w.retDetail;
  return e;
}

export async function connectTracerManager(socketPath: string, opts: TracerManagerClientOptions = {}): Promise<TracerManagerClient> {
  const deadlineMs = opts.deadlineMs ?? 5000;
  const target = `unix:${path.resolve(socketPath)}`;
  const service = tracerManagerClientConstructor().service;
  const client = new grpc.Client(target, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
  });

  try {
    await new Promise<void>((resolve, reject) => {
      client.waitForReady(Date.now() + deadlineMs, (err) => (err ? reject(err) : resolve()));
    });
  } catch (err) {
    client.close();
    throw new TracerManagerError(grpc.status.UNAVAILABLE, `cannot connect to ${target}: ${(err as Error).message}`);
  }

  function unary<Req, Res>(method: string, req: Req): Promise<Res> {
    const def = service[method] as grpc.MethodDefinition<Req, Res>;
    return new Promise<Res>((resolve, reject) => {
      client.makeUnaryRequest<Req, Res>(
        def.path,
        def.requestSerialize,
        def.responseDeserialize,
        req,
        { deadline: Date.now() + deadlineMs },
        (err, res) => {
          if (err) reject(toClientError(err));
          else if (res === undefined) reject(new TracerManagerError(grpc.status.INTERNAL, `${method}: empty answer`));
          else resolve(res);
        },
      );
    });
  }

  async function* watch(req: WatchEventsRequest): AsyncGenerator<Event> {
    const def = service.WatchEvents as grpc.MethodDefinition<WireWatchEventsRequest, WireEvent>;
    const wire: WireWatchEventsRequest = {
      id: req.id,
      sinceNs: req.sinceNs === undefined ? null : req.sinceNs.toString(),
      syscalls: req.syscalls ?? [],
      tid: req.tid ?? null,
      failedOnly: req.failedOnly ?? false,
      last: req.last ?? null,
    };
    const signal = req.signal;
    if (signal?.aborted) return;
    const call = client.makeServerStreamRequest(def.path, def.requestSerialize, def.responseDeserialize, wire, {});
    let ended = false;
    let aborted = false;
    const onAbort = () => {
      aborted = true;
      call.cancel();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const msg of call) yield eventFromWire(msg as WireEvent);
      ended = true;
    } catch (err) {
      ended = true;
      // Our own cancel (the signal fired) ends the loop quietly.
      if (aborted && (err as Partial<grpc.ServiceError>).code === grpc.status.CANCELLED) return;
      throw toClientError(err);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (!ended) {
        // The consumer stopped early: cancel. The CANCELLED status that follows is expected; swallow it.
        call.on('error', () => {});
        call.cancel();
      }
    }
  }

  return {
    async addContainer(req) {
      const wire: WireAddContainerRequest = {
        id: req.id,
        pid: req.pid,
        bundle: req.bundle ?? '',
        name: req.name ?? '',
        runtime: req.runtime ?? '',
        annotations: req.annotations ?? {},
        ringBytes: req.ringBytes ?? 0,
        beforeExec: req.beforeExec ?? false,
      };
      return containerFromWire(await unary<WireAddContainerRequest, WireContainer>('AddContainer', wire));
    },
    async removeContainer(req) {
      const wire: WireRemoveContainerRequest = { id: req.id, exitCode: req.exitCode ?? null };
      return containerFromWire(await unary<WireRemoveContainerRequest, WireContainer>('RemoveContainer', wire));
    },
    async listContainers() {
      const res = await unary<WireListContainersRequest, WireListContainersResponse>('ListContainers', {});
      return (res.containers ?? []).map(containerFromWire);
    },
    watchEvents(req) {
      return { [Symbol.asyncIterator]: () => watch(req) };
    },
    close() {
      client.close();
    },
  };
}
