/**
 * The daemon's internal API: what the HTTP and gRPC adapters call, and the
 * errors they map to status codes. One registry implements it; adapters
 * stay thin (INTERFACE.md; docs/interface.md).
 */
import { EventRow } from '../rows';

/** Sockets in the run dir. */
export const API_SOCKET = 'api.sock';
export const MANAGER_SOCKET = 'manager.sock';

export type ContainerState = 'running' | 'exited';

/** A container as the API shows it (GET /v1/containers/{ref}). */
export interface ContainerInfo {
  id: string;
  name: string;
  pod: string | null;
  namespace: string | null;
  runtime: string | null;
  pid: number;
  /** Mount namespace inode, as a decimal string (it does not fit every JSON reader as a number). */
  mntns: string;
  state: ContainerState;
  startedAt: string;
  exitedAt: string | null;
  exitCode: number | null;
  /** Events (paired syscalls) held now. */
  events: number;
  overwritten: number;
  lost: number;
  /** ISO time from which the held history has no gap, or null when nothing is held. */
  completeSince: string | null;
  bundle: string | null;
  labels: Record<string, string>;
}

export interface AddContainerRequest {
  id: string;
  pid: number;
  bundle?: string;
  name?: string;
  runtime?: string;
  /** OCI annotations / labels; Kubernetes names are taken from the CRI ones. */
  annotations?: Record<string, string>;
  /** Ring bytes for this container (default: the daemon's --ring-size). */
  ringBytes?: number;
  /** Added before its entrypoint ran: history starts at the init process's first execve. */
  beforeExec?: boolean;
  /** Who registered it: a hook or the daemon's own discovery (default 'hook'). */
  source?: 'hook' | 'discovery';
}

export interface EventFilter {
  /** Unix epoch ns, inclusive. */
  since?: bigint;
  /** Unix epoch ns, exclusive. */
  until?: bigint;
  /** The first N calls (process events are not counted). */
  limit?: number;
  /** Only the last N calls of the held history (tail -n); a live watch then sends the new ones. */
  last?: number;
  syscalls?: string[];
  tid?: number;
  failedOnly?: boolean;
}

export type ApiErrorKind = 'invalid' | 'not_found' | 'exists' | 'conflict' | 'exhausted' | 'unavailable' | 'internal';

/** An error with a kind the adapters turn into an HTTP status and a gRPC code. */
export class ApiError extends Error {
  constructor(
    readonly kind: ApiErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const HTTP_STATUS: Record<ApiErrorKind, number> = {
  invalid: 400,
  not_found: 404,
  exists: 409,
  conflict: 409,
  exhausted: 503,
  unavailable: 503,
  internal: 500,
};

/** @grpc/grpc-js status numbers (grpc.status). */
export const GRPC_CODE: Record<ApiErrorKind, number> = {
  invalid: 3, // INVALID_ARGUMENT
  not_found: 5, // NOT_FOUND
  exists: 6, // ALREADY_EXISTS
  conflict: 9, // FAILED_PRECONDITION
  exhausted: 8, // RESOURCE_EXHAUSTED
  unavailable: 14, // UNAVAILABLE
  internal: 13, // INTERNAL
};

export interface RegistryApi {
  /** Resolves once the container's mount namespace is in the kernel filter. */
  add(req: AddContainerRequest): Promise<ContainerInfo>;
  /** Marks it exited, archives its history and frees its ring. */
  remove(id: string, exitCode?: number | null): Promise<ContainerInfo>;
  list(): ContainerInfo[];
  /** ref: full id, unique id prefix, or unique name. */
  get(ref: string): ContainerInfo;
  /** Who ref names, cheaply: get also counts what a running container's ring holds (a walk of the whole ring). */
  lookup(ref: string): { id: string; name: string };
  /** The held history, oldest first. */
  events(ref: string, filter?: EventFilter): EventRow[];
  /** Live events: what is held now (filtered), then new events as they are recorded, until signal aborts. */
  watch(ref: string, filter: EventFilter, signal: AbortSignal): AsyncIterable<EventRow>;
  /** Writes the container's history as an SQLite dump to path (whole or absent). */
  dump(ref: string, path: string): Promise<{ events: number; name: string }>;
  /** Stops tracing and forgets the container and its archive. */
  delete(ref: string): Promise<void>;
}
