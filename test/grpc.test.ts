/**
 * The TracerManager gRPC adapter against a small in-test registry: request
 * validation, error codes, int64 fidelity, streaming and cancellation,
 * shutdown, and garbage on the wire. (The real registry is tested elsewhere.)
 */
import test, { ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { AddContainerRequest, ApiError, ContainerInfo, EventFilter, RegistryApi } from '../recorder/daemon/api';
import { startTracerManager } from '../recorder/daemon/grpc';
import { connectTracerManager, Event, TracerManagerClient, TracerManagerError } from '../recorder/daemon/grpc-client';
import { EventRow } from '../recorder/rows';
import { containerInfo } from './lib/container';

const BIG_TS = 1795445139123456789n; // > 2^53: a double would round it.

function row(seq: number, over: Partial<EventRow> = {}): EventRow {
  return {
    seq,
    tsNs: BIG_TS + BigInt(seq),
    durNs: 12_345n,
    cpu: 1,
    pid: 40,
    tid: 42,
    comm: 'nginx',
    nr: 257,
    name: 'openat',
    args: 'AT_FDCWD, "/etc/nginx/nginx.conf", O_RDONLY|O_CLOEXEC',
    ret: -2n,
    error: 'ENOENT',
    unfinished: false,
    resumed: false,
    path: '/etc/nginx/nginx.conf',
    argv: null,
    address: null,
    port: null,
    ...over,
  };
}

const ROWS: EventRow[] = [
  row(1),
  row(2, { nr: 59, name: 'execve', args: '"/bin/sh", ["sh", "-c", "x"], 0x7ffd', ret: 0n, error: null, path: '/bin/sh', argv: ['sh', '-c', 'x'] }),
  row(3, { nr: 42, name: 'connect', ret: 0n, error: null, path: null, address: '10.0.0.7', port: 8080, durNs: 9_223_372_036_854_775_807n }),
  row(4, { nr: 0, name: 'read', durNs: null, ret: null, error: null, unfinished: true, path: null }),
  row(5, { nr: 0, name: 'read', args: '', ret: 5n, error: null, resumed: true, durNs: null, path: null }),
  row(6, { nr: 7, name: 'poll', args: '[{fd=4, events=POLLIN}], 1, 0', ret: 1n, error: null, path: null, retDetail: '[{fd=4, revents=POLLIN}]' }),
];

/** A Map-backed RegistryApi that records what reaches it. */
class FakeRegistry implements RegistryApi {
  readonly containers = new Map<string, ContainerInfo>();
  /** Every call that reached the registry: method and its main argument. */
  readonly calls: string[] = [];
  readonly watches: { ref: string; filter: EventFilter }[] = [];
  /** Set to make the next add() fail with an unexpected error. */
  addFails: Error | undefined;
  /** Set to make watch() throw after its rows. */
  watchFails: Error | undefined;
  rows: EventRow[] = ROWS;
  private abortWaiters: (() => void)[] = [];
  aborts = 0;

  /** Resolves when a watch's abort signal has fired (n of them in all). */
  aborted(n = 1): Promise<void> {
    if (this.aborts >= n) return Promise.resolve();
    return new Promise((resolve) => this.abortWaiters.push(() => this.aborts >= n && resolve()));
  }

  async add(req: AddContainerRequest): Promise<ContainerInfo> {
    this.calls.push(`add ${req.id}`);
    if (this.addFails) throw this.addFails;
    if (this.containers.has(req.id)) throw new ApiError('exists', `container ${req.id} is already recorded`);
    await new Promise((r) => setImmediate(r));
    const info = containerInfo({
      id: req.id,
      name: req.name ?? req.id.slice(0, 12),
      pod: req.annotations?.['io.kubernetes.cri.sandbox-name'] ?? null,
      namespace: req.annotations?.['io.kubernetes.cri.sandbox-namespace'] ?? null,
      runtime: req.runtime ?? null,
      pid: req.pid,
      mntns: '4026532781',
      startedAt: '2026-11-23T14:02:03.123Z',
      bundle: req.bundle ?? null,
      labels: { ...(req.annotations ?? {}), ...(req.ringBytes ? { ring: String(req.ringBytes) } : {}) },
    });
    this.containers.set(req.id, info);
    return info;
  }

  async remove(id: string, exitCode?: number | null): Promise<ContainerInfo> {
    this.calls.push(`remove ${id}`);
    const c = this.containers.get(id);
    if (!c) throw new ApiError('not_found', `no container matches "${id}"`);
    const done: ContainerInfo = { ...c, state: 'exited', exitedAt: '2026-11-23T14:05:00.000Z', exitCode: exitCode ?? null };
    this.containers.set(id, done);
    return done;
  }

  list(): ContainerInfo[] {
    this.calls.push('list');
    return [...this.containers.values()];
  }

  get(ref: string): ContainerInfo {
    this.calls.push(`get ${ref}`);
    const exact = this.containers.get(ref);
    if (exact) return exact;
    const hits = [...this.containers.values()].filter((c) => c.id.startsWith(ref) || c.name === ref);
    if (hits.length === 1) return hits[0];
    if (hits.length > 1) throw new ApiError('conflict', `"${ref}" matches ${hits.length} containers`);
    throw new ApiError('not_found', `no container matches "${ref}"`);
  }

  lookup(ref: string): { id: string; name: string } {
    const { id, name } = this.get(ref);
    return { id, name };
  }

  events(ref: string): EventRow[] {
    this.get(ref);
    return this.rows;
  }

  async *watch(ref: string, filter: EventFilter, signal: AbortSignal): AsyncIterable<EventRow> {
    this.calls.push(`watch ${ref}`);
    this.watches.push({ ref, filter });
    try {
      for (const r of this.rows) {
        if (signal.aborted) return;
        yield r;
      }
      if (this.watchFails) throw this.watchFails;
      // Live tail: nothing new happens; wait until the adapter aborts.
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        else signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      if (signal.aborted) {
        this.aborts++;
        for (const w of this.abortWaiters) w();
      }
    }
  }

  async dump(): Promise<{ events: number; name: string }> {
    throw new Error('not used here');
  }

  async delete(): Promise<void> {
    throw new Error('not used here');
  }
}

interface Ctx {
  dir: string;
  sock: string;
  registry: FakeRegistry;
  server: { close(): Promise<void> };
  client: TracerManagerClient;
  logs: string[];
}

async function setup(t: ExecutionContext): Promise<Ctx> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-grpc-'));
  const sock = path.join(dir, 'manager.sock');
  const registry = new FakeRegistry();
  const logs: string[] = [];
  const server = await startTracerManager(sock, registry, { log: (l) => logs.push(l) });
  const client = await connectTracerManager(sock, { deadlineMs: 5000 });
  t.teardown(async () => {
    client.close();
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { dir, sock, registry, server, client, logs };
}

/** Rejects if p takes longer than ms. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function rejectsWith(t: ExecutionContext, p: Promise<unknown>, code: grpc.status): Promise<TracerManagerError> {
  const err = await t.throwsAsync<TracerManagerError>(p, { instanceOf: TracerManagerError });
  t.is(err?.code, code, `${err?.message}`);
  t.true(err?.message.startsWith(`${grpc.status[code]}: `), err?.message);
  return err!;
}

const ADD = {
  id: 'c0ffee0123456789',
  pid: 4242,
  bundle: '/run/containerd/io.containerd.runtime.v2.task/k8s.io/c0ffee',
  runtime: 'runc',
  annotations: { 'io.kubernetes.cri.sandbox-name': 'web-0', 'io.kubernetes.cri.sandbox-namespace': 'prod' },
  ringBytes: 1 << 20,
};

test('AddContainer returns the container and passes the request through', async (t) => {
  const { client, registry } = await setup(t);
  const c = await client.addContainer(ADD);
  t.deepEqual(c, registry.containers.get(ADD.id));
  t.is(c.pod, 'web-0');
  t.is(c.namespace, 'prod');
  t.is(c.exitCode, null);
  t.is(c.exitedAt, null);
  t.is(c.state, 'running');
  t.is(c.mntns, '4026532781');
  t.is(c.labels.ring, String(1 << 20));
  t.deepEqual(registry.calls, [`add ${ADD.id}`]);
});

test('duplicate AddContainer is ALREADY_EXISTS', async (t) => {
  const { client } = await setup(t);
  await client.addContainer(ADD);
  const err = await rejectsWith(t, client.addContainer(ADD), grpc.status.ALREADY_EXISTS);
  t.is(err.details, `container ${ADD.id} is already recorded`);
});

test('RemoveContainer: unknown is NOT_FOUND; a known one comes back exited with its exit code, 0 included', async (t) => {
  const { client } = await setup(t);
  const err = await rejectsWith(t, client.removeContainer({ id: 'nope' }), grpc.status.NOT_FOUND);
  t.is(err.message, 'NOT_FOUND: no container matches "nope"');
  await client.addContainer(ADD);
  await client.addContainer({ id: 'other', pid: 7 });
  const gone = await client.removeContainer({ id: ADD.id, exitCode: 137 });
  t.is(gone.state, 'exited');
  t.is(gone.exitCode, 137);
  t.is(gone.exitedAt, '2026-11-23T14:05:00.000Z');
  // proto3 optional keeps 0 apart from "not known".
  t.is((await client.removeContainer({ id: 'other', exitCode: 0 })).exitCode, 0);
  await client.addContainer({ id: 'third', pid: 8 });
  t.is((await client.removeContainer({ id: 'third' })).exitCode, null);
});

test('invalid requests are INVALID_ARGUMENT and never reach the registry', async (t) => {
  const { client, registry } = await setup(t);
  const cases: [string, Promise<unknown>, RegExp][] = [
    ['empty id', client.addContainer({ id: '', pid: 1 }), /id is empty/],
    ['slash', client.addContainer({ id: 'a/b', pid: 1 }), /characters outside \[A-Za-z0-9\._-\]/],
    ['space', client.addContainer({ id: 'a b', pid: 1 }), /characters outside/],
    ['unicode', client.addContainer({ id: 'café', pid: 1 }), /characters outside/],
    ['too long', client.addContainer({ id: 'x'.repeat(257), pid: 1 }), /257 characters long, more than 256/],
    ['pid 0', client.addContainer({ id: 'ok', pid: 0 }), /pid must be a positive process id, got 0/],
    ['pid < 0', client.addContainer({ id: 'ok', pid: -5 }), /got -5/],
    ['remove empty', client.removeContainer({ id: '' }), /id is empty/],
    ['remove bad id', client.removeContainer({ id: '../etc' }), /characters outside/],
    ['exit code', client.removeContainer({ id: 'ok', exitCode: 300 }), /exit_code must be 0\.\.255/],
    ['watch empty', first(client.watchEvents({ id: '' })), /id is empty/],
    ['watch control', first(client.watchEvents({ id: 'a\nb' })), /control characters/],
    ['watch tid', first(client.watchEvents({ id: 'ok', tid: -1 })), /tid must be a positive thread id/],
    ['watch since', first(client.watchEvents({ id: 'ok', sinceNs: -1n })), /since_ns must not be negative/],
    ['watch syscall', first(client.watchEvents({ id: 'ok', syscalls: ['open at'] })), /syscalls: unknown syscall "open at"/],
    ['watch unknown syscall', first(client.watchEvents({ id: 'ok', syscalls: ['openat', 'nosuch'] })), /syscalls: unknown syscall "nosuch"/],
  ];
  for (const [what, p, re] of cases) {
    const err = await t.throwsAsync<TracerManagerError>(p, { instanceOf: TracerManagerError }, what);
    t.is(err?.code, grpc.status.INVALID_ARGUMENT, `${what}: ${err?.message}`);
    t.regex(err?.message ?? '', re, what);
    t.regex(err?.message ?? '', /^INVALID_ARGUMENT: /, what);
  }
  // The largest valid id is accepted.
  await client.addContainer({ id: 'x'.repeat(256), pid: 1 });
  t.deepEqual(registry.calls, [`add ${'x'.repeat(256)}`]);
});

test('a request over 1 MiB is RESOURCE_EXHAUSTED', async (t) => {
  const { client, registry } = await setup(t);
  await rejectsWith(t, client.addContainer({ id: 'big', pid: 1, annotations: { a: 'x'.repeat(2 << 20) } }), grpc.status.RESOURCE_EXHAUSTED);
  t.deepEqual(registry.calls, []);
  // A normal-sized one still goes through on the same connection.
  t.is((await client.addContainer({ id: 'small', pid: 1, annotations: { a: 'x'.repeat(1000) } })).id, 'small');
});

test('ListContainers', async (t) => {
  const { client, registry } = await setup(t);
  t.deepEqual(await client.listContainers(), []);
  await client.addContainer(ADD);
  await client.addContainer({ id: 'b', pid: 9, name: 'sidecar' });
  const list = await client.listContainers();
  t.deepEqual(list, [...registry.containers.values()]);
  t.deepEqual(
    list.map((c) => c.name),
    ['c0ffee012345', 'sidecar'],
  );
});

async function first<T>(it: AsyncIterable<T>): Promise<T | undefined> {
  for await (const v of it) return v;
  return undefined;
}

test('WatchEvents streams rows with int64 intact and stops when the client cancels', async (t) => {
  const { client, registry } = await setup(t);
  await client.addContainer(ADD);
  const got: Event[] = [];
  const since = BIG_TS - 1000n;
  await within(
    (async () => {
      for await (const ev of client.watchEvents({ id: 'c0ffee', sinceNs: since, syscalls: ['openat', 'execve'], tid: 42, failedOnly: true })) {
        got.push(ev);
        if (got.length === ROWS.length) break;
      }
    })(),
    5000,
    'watch',
  );
  t.deepEqual(got, ROWS);
  t.is(got[0].tsNs, 1795445139123456790n);
  t.is(got[2].durNs, 9_223_372_036_854_775_807n);
  t.is(got[0].ret, -2n);
  // The registry got the ref as sent and the filter with since_ns exact.
  t.deepEqual(registry.watches, [{ ref: 'c0ffee', filter: { since, syscalls: ['openat', 'execve'], tid: 42, failedOnly: true } }]);
  // Cancelling the call aborted the registry's signal.
  await within(registry.aborted(), 3000, 'registry abort after cancel');
  t.is(registry.aborts, 1);
  // An empty filter stays empty.
  await first(client.watchEvents({ id: ADD.id }));
  t.deepEqual(registry.watches[1], { ref: ADD.id, filter: {} });
  await within(registry.aborted(2), 3000, 'second abort');
});

test('WatchEvents stops quietly when its AbortSignal fires, even before any event', async (t) => {
  const { client, registry } = await setup(t);
  await client.addContainer(ADD);
  registry.rows = [];
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 200);
  const got: Event[] = [];
  await within(
    (async () => {
      for await (const ev of client.watchEvents({ id: ADD.id, signal: ac.signal })) got.push(ev);
    })(),
    5000,
    'aborted watch',
  );
  t.deepEqual(got, []);
  await within(registry.aborted(), 3000, 'registry abort');
  // Already aborted: no call at all.
  t.deepEqual(await first(client.watchEvents({ id: ADD.id, signal: ac.signal })), undefined);
  t.is(registry.watches.length, 1);
});

test('WatchEvents on an unknown ref is NOT_FOUND before streaming', async (t) => {
  const { client, registry } = await setup(t);
  const err = await rejectsWith(t, first(client.watchEvents({ id: 'ghost' })), grpc.status.NOT_FOUND);
  t.is(err.message, 'NOT_FOUND: no container matches "ghost"');
  t.deepEqual(registry.watches, []);
});

test('WatchEvents ends cleanly when the registry ends the stream', async (t) => {
  const { client, registry } = await setup(t);
  await client.addContainer(ADD);
  // A registry whose watch ends by itself (say the container was deleted): the stream ends with OK.
  registry.watch = async function* () {
    yield* ROWS.slice(0, 2);
  };
  const got: Event[] = [];
  for await (const ev of client.watchEvents({ id: ADD.id })) got.push(ev);
  t.deepEqual(got, ROWS.slice(0, 2));
});

test('unexpected errors are INTERNAL with their message', async (t) => {
  const { client, registry, logs } = await setup(t);
  registry.addFails = new Error('disk on fire');
  const err = await rejectsWith(t, client.addContainer(ADD), grpc.status.INTERNAL);
  t.is(err.message, 'INTERNAL: disk on fire');
  t.true(logs.some((l) => l.includes('AddContainer') && l.includes('disk on fire')), logs.join('\n'));
  // Other ApiError kinds map through GRPC_CODE.
  registry.addFails = new ApiError('exhausted', 'ring budget spent: 64 MiB in use');
  await rejectsWith(t, client.addContainer(ADD), grpc.status.RESOURCE_EXHAUSTED);
  registry.addFails = undefined;

  // Mid-stream: the rows already sent arrive, then the error.
  await client.addContainer(ADD);
  registry.rows = ROWS.slice(0, 2);
  registry.watchFails = new TypeError('bad record');
  const got: Event[] = [];
  const werr = await t.throwsAsync<TracerManagerError>(
    within(
      (async () => {
        for await (const ev of client.watchEvents({ id: ADD.id })) got.push(ev);
      })(),
      5000,
      'failing watch',
    ),
    { instanceOf: TracerManagerError },
  );
  t.is(werr?.code, grpc.status.INTERNAL);
  t.is(werr?.message, 'INTERNAL: bad record');
  t.deepEqual(got, ROWS.slice(0, 2));
});

test('100 concurrent unary calls all succeed', async (t) => {
  const { client, registry } = await setup(t);
  const ids = Array.from({ length: 100 }, (_, i) => `ctr-${i}`);
  const added = await within(Promise.all(ids.map((id, i) => client.addContainer({ id, pid: 1000 + i }))), 10000, 'adds');
  t.deepEqual(
    added.map((c) => c.id),
    ids,
  );
  const [list, removed] = await within(
    Promise.all([client.listContainers(), Promise.all(ids.slice(0, 50).map((id) => client.removeContainer({ id, exitCode: 0 })))]),
    10000,
    'list and removes',
  );
  t.is(list.length, 100);
  t.true(removed.every((c) => c.state === 'exited' && c.exitCode === 0));
  t.is(registry.containers.size, 100);
});

test('close() ends live watches, releases the socket and stops accepting connections', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-grpc-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const sock = path.join(dir, 'manager.sock');
  const registry = new FakeRegistry();
  const server = await startTracerManager(sock, registry);
  t.true(fs.lstatSync(sock).isSocket());
  // A second server on the same live socket is refused.
  await t.throwsAsync(startTracerManager(sock, registry), { message: /in use/ });
  const client = await connectTracerManager(sock, { deadlineMs: 2000 });
  await client.addContainer(ADD);
  const seen: Event[] = [];
  const watching = (async () => {
    for await (const ev of client.watchEvents({ id: ADD.id })) seen.push(ev);
  })();
  while (seen.length < ROWS.length) await new Promise((r) => setTimeout(r, 10));

  const started = Date.now();
  await within(server.close(), 5000, 'close');
  t.true(Date.now() - started < 2000, 'close did not wait for the grace timeout');
  const err = await t.throwsAsync<TracerManagerError>(within(watching, 3000, 'watch end'), { instanceOf: TracerManagerError });
  t.is(err?.code, grpc.status.UNAVAILABLE);
  t.is(registry.aborts, 1);
  client.close();
  await server.close(); // idempotent

  t.false(fs.existsSync(sock));
  const connErr = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    const s = net.connect(sock);
    s.once('connect', () => {
      s.destroy();
      resolve(null);
    });
    s.once('error', (e) => resolve(e));
  });
  t.truthy(connErr);
  t.is(connErr?.code, 'ENOENT');
  const cerr = await t.throwsAsync<TracerManagerError>(connectTracerManager(sock, { deadlineMs: 300 }), { instanceOf: TracerManagerError });
  t.is(cerr?.code, grpc.status.UNAVAILABLE);
  t.regex(cerr?.message ?? '', /^UNAVAILABLE: cannot connect to unix:/);

  // A stale socket file (its daemon killed) is replaced on the next start.
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(sock)}, () => console.log('up'))`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((r) => child.stdout!.once('data', r));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  t.true(fs.lstatSync(sock).isSocket(), 'the killed listener left its socket file');
  const again = await startTracerManager(sock, registry);
  const c2 = await connectTracerManager(sock, { deadlineMs: 2000 });
  t.deepEqual(
    (await c2.listContainers()).map((c) => c.id),
    [ADD.id],
  );
  c2.close();
  await again.close();
  t.false(fs.existsSync(sock));
});

/** Sends one raw gRPC request over HTTP/2; resolves with the grpc-status and grpc-message. */
function rawCall(sock: string, method: string, body: Buffer, declaredLength = body.length): Promise<{ status: number; message: string }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect('http://localhost', { createConnection: () => net.connect(sock) });
    session.on('error', reject);
    const req = session.request({
      ':method': 'POST',
      ':path': `/straceback.v1.TracerManager/${method}`,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    let status: string | undefined;
    let message = '';
    const take = (h: http2.IncomingHttpHeaders) => {
      if (h['grpc-status'] !== undefined) status = String(h['grpc-status']);
      if (h['grpc-message'] !== undefined) message = decodeURIComponent(String(h['grpc-message']));
    };
    req.on('response', take);
    req.on('trailers', take);
    req.on('data', () => {});
    req.on('error', reject);
    req.on('close', () => {
      session.close();
      if (status === undefined) reject(new Error('no grpc-status in the answer'));
      else resolve({ status: Number(status), message });
    });
    const prefix = Buffer.alloc(5);
    prefix.writeUInt8(0, 0); // not compressed
    prefix.writeUInt32BE(declaredLength, 1);
    req.end(Buffer.concat([prefix, body]));
  });
}

test('garbage on the wire gets a grpc-status and the server keeps serving', async (t) => {
  const { client, registry, sock } = await setup(t);
  // 0xff...: field 31 with wire type 7, which does not exist: protobuf cannot decode it.
  const bad = await within(rawCall(sock, 'AddContainer', Buffer.alloc(32, 0xff)), 5000, 'raw call');
  t.log(`undecodable AddContainer body -> grpc-status ${bad.status} (${grpc.status[bad.status]}): ${bad.message}`);
  t.is(bad.status, grpc.status.INVALID_ARGUMENT);

  const random = crypto.randomBytes(64);
  const rnd = await within(rawCall(sock, 'AddContainer', random), 5000, 'raw random call');
  t.log(`random AddContainer body ${random.toString('hex')} -> grpc-status ${rnd.status} (${grpc.status[rnd.status]}): ${rnd.message}`);
  t.true([grpc.status.INVALID_ARGUMENT, grpc.status.NOT_FOUND].includes(rnd.status), 'random bytes: undecodable, or decoded as a request for no container');

  // A frame that declares more bytes than the server accepts.
  const huge = await within(rawCall(sock, 'AddContainer', Buffer.alloc(8), 2 << 20), 5000, 'raw oversized call');
  t.log(`oversized frame -> grpc-status ${huge.status} (${grpc.status[huge.status]}): ${huge.message}`);
  t.is(huge.status, grpc.status.RESOURCE_EXHAUSTED);

  // An unknown method.
  const unk = await within(rawCall(sock, 'Nope', Buffer.alloc(0)), 5000, 'raw unknown method');
  t.is(unk.status, grpc.status.UNIMPLEMENTED);

  t.deepEqual(registry.calls, []);
  t.is((await client.addContainer(ADD)).id, ADD.id);
  t.deepEqual(registry.calls, [`add ${ADD.id}`]);
});
