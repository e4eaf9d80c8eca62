/**
 * The TracerManager under 10,000 generated gRPC requests, raw over HTTP/2 on
 * the real daemon's socket: random bytes, mutated valid messages (flipped
 * bytes, wrong wire types, lengths past the end, huge varints, bad UTF-8,
 * invalid ids and pids), wrong frame lengths. Every answer is a grpc-status
 * that blames the input, never INTERNAL or UNKNOWN: a whole gRPC frame with a
 * bad message gets INVALID_ARGUMENT (or NOT_FOUND, ALREADY_EXISTS, and
 * RESOURCE_EXHAUSTED for a ring over the budget); a frame whose length is
 * wrong gets what the gRPC spec (doc/statuscodes.md) has the library send:
 * UNIMPLEMENTED for a request cardinality violation (no message, or a second
 * one, on a unary call) or a compression flag with no encoding,
 * RESOURCE_EXHAUSTED for a declared length over the receive limit. The
 * daemon keeps serving and the held history is unchanged.
 */
import test from 'ava';
import fs from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import { curl, DaemonProcess } from './lib/daemon';
import { daemonWithHistory, historyHash, rng, Rng } from './lib/fuzz';

const COUNT = 10_000;
const SEED = Number(process.env.FUZZ_SEED ?? 1123);
const KEEP_ID = 'Z9keep-grpc';


// Protobuf encoding, for building near-valid messages.
function varint(v: bigint): Buffer {
  const out: number[] = [];
  let n = BigInt.asUintN(64, v);
  do {
    let b = Number(n & 0x7fn);
    n >>= 7n;
    if (n > 0n) b |= 0x80;
    out.push(b);
  } while (n > 0n);
  return Buffer.from(out);
}
const key = (field: number, wire: number) => varint(BigInt((field << 3) | wire));
const lenField = (field: number, data: Buffer) => Buffer.concat([key(field, 2), varint(BigInt(data.length)), data]);
const intField = (field: number, v: bigint) => Buffer.concat([key(field, 0), varint(v)]);

interface FuzzInput {
  method: string;
  body: Buffer;
  /** The frame declares this length instead of the body's. */
  declared?: number;
  /** AddContainer with a ring size field (field 7), which may be over the budget. */
  ringSize?: boolean;
}

function fuzzMessage(r: Rng): FuzzInput {
  const method = r.pick(['AddContainer', 'AddContainer', 'RemoveContainer', 'ListContainers', 'WatchEvents']);
  const id = r.pick([
    () => Buffer.from(`fz-${r.int(1e6)}`),
    () => Buffer.alloc(0),
    () => Buffer.from('a'.repeat(257)),
    () => Buffer.from('../../etc/passwd'),
    () => Buffer.from([0xff, 0xfe, 0xc0, 0x80]),
    () => r.bytes(r.int(40)),
    () => Buffer.from('Z9keep'), // a prefix of the held container: Add must not take it over
  ])();
  const pid = r.pick([0n, -1n, 1n, 2n ** 31n, 2n ** 63n, BigInt(r.int(4_000_000)), BigInt(process.pid)]);
  const fields: Buffer[] = [lenField(1, id)];
  let ringSize = false;
  if (method === 'AddContainer') {
    fields.push(intField(2, pid), lenField(3, r.bytes(r.int(10))), lenField(5, Buffer.from('runc')));
    if (r.int(2)) fields.push(lenField(6, Buffer.concat([lenField(1, r.bytes(r.int(8))), lenField(2, r.bytes(r.int(8)))])));
    if (r.int(3) === 0) {
      fields.push(intField(7, BigInt(r.pick([1, 4096, 2 ** 40, 2 ** 62]))));
      ringSize = true;
    }
  } else if (method === 'RemoveContainer') {
    if (r.int(2)) fields.push(intField(2, BigInt(r.pick([0, 255, 256, -1, 2 ** 40]))));
  } else if (method === 'WatchEvents') {
    if (r.int(2)) fields.push(lenField(3, r.bytes(r.int(10))));
    if (r.int(2)) fields.push(intField(4, BigInt(r.pick([0, -5, 2 ** 33]))));
  }
  let body = Buffer.concat(fields);
  switch (r.int(8)) {
    case 0: // random bytes: field numbers and wire types of any kind, a field 7 among them
      body = r.bytes(r.int(200));
      ringSize = method === 'AddContainer';
      break;
    case 1: // flip bytes
      for (let i = 0; i < 1 + r.int(4) && body.length; i++) body[r.int(body.length)] = r.int(256);
      break;
    case 2: // a length running past the end
      body = Buffer.concat([body, key(3, 2), varint(1000n), r.bytes(5)]);
      break;
    case 3: // wire types 6 and 7 do not exist
      body = Buffer.concat([body, Buffer.from([(9 << 3) | r.pick([6, 7]), 1])]);
      break;
    case 4: // a varint that never ends
      body = Buffer.concat([body, key(2, 0), Buffer.alloc(12, 0xff)]);
      break;
    case 5: // truncated
      body = body.subarray(0, r.int(body.length + 1));
      break;
    case 6: // the frame says a different length
      return { method, body, declared: r.pick([0, body.length + 7, body.length > 0 ? body.length - 1 : 0]) };
    default:
      break;
  }
  return { method, body, ringSize };
}

const OK = 0;
const INVALID_ARGUMENT = 3;
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;
const RESOURCE_EXHAUSTED = 8;
const UNIMPLEMENTED = 12;

/** Why an answer is wrong for its input, or null when it is right. */
function wrongAnswer(input: FuzzInput, status: number | null, message: string): string | null {
  if (status === null) return 'no grpc-status';
  const framed = input.declared === undefined || input.declared === input.body.length;
  if (!framed) {
    // The gRPC library's own answers to a broken frame, as the spec lists them.
    if (status === UNIMPLEMENTED && /request message|compressed/.test(message)) return null;
    if (status === RESOURCE_EXHAUSTED && /larger than|size/i.test(message)) return null;
  }
  // A whole frame, or a short one that still held one message: the service's own answers.
  if ([OK, INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS].includes(status)) return null;
  if (status === RESOURCE_EXHAUSTED && input.ringSize && /budget|ring/i.test(message)) return null;
  return `status ${status}`;
}

let daemon: DaemonProcess;
let root: string;

test.before(async () => {
  ({ daemon, root } = await daemonWithHistory('sb-fuzz-grpc-', KEEP_ID));
});

test.after.always(async () => {
  await daemon?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

const history = () => historyHash(daemon, KEEP_ID);

function call(session: http2.ClientHttp2Session, method: string, body: Buffer, declared = body.length): Promise<{ status: number | null; message: string }> {
  return new Promise((resolve) => {
    const req = session.request({ ':method': 'POST', ':path': `/straceback.v1.TracerManager/${method}`, 'content-type': 'application/grpc', te: 'trailers' });
    let status: number | null = null;
    let message = '';
    const take = (h: http2.IncomingHttpHeaders) => {
      if (h['grpc-status'] !== undefined) status = Number(h['grpc-status']);
      if (h['grpc-message'] !== undefined) message = decodeURIComponent(String(h['grpc-message']));
    };
    req.on('response', take);
    req.on('trailers', take);
    req.on('data', () => undefined);
    req.on('error', () => undefined);
    // A stream call (WatchEvents) that is accepted keeps going: its first answer is enough.
    const timer = setTimeout(() => req.close(http2.constants.NGHTTP2_CANCEL), 2000);
    req.on('close', () => {
      clearTimeout(timer);
      resolve({ status, message });
    });
    const prefix = Buffer.alloc(5);
    prefix.writeUInt32BE(declared >>> 0, 1);
    req.end(Buffer.concat([prefix, body]));
  });
}

test(`${COUNT} generated gRPC requests: answers that blame the input, the daemon up, history unchanged`, async (t) => {
  const before = await history();
  const r = rng(SEED);
  const inputs = Array.from({ length: COUNT }, () => fuzzMessage(r));
  const session = http2.connect('http://localhost', { createConnection: () => net.connect(daemon.managerSocket) });
  session.on('error', () => undefined);
  const codes = new Map<string, number>();
  const failures: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < inputs.length) {
      const i = next++;
      const input = inputs[i];
      const a = await call(session, input.method, input.body, input.declared);
      const k = `${input.method}:${input.declared === undefined ? 'framed' : 'misframed'}:${a.status ?? 'none'}`;
      codes.set(k, (codes.get(k) ?? 0) + 1);
      const wrong = wrongAnswer(input, a.status, a.message);
      if (wrong) failures.push(`#${i} ${input.method} ${input.body.toString('hex')} declared ${input.declared} -> ${wrong} ${a.message}`);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  session.close();
  t.log('answers:', JSON.stringify(Object.fromEntries([...codes].sort())));
  t.deepEqual(failures.slice(0, 20), []);
  t.is((await curl(daemon.apiSocket, ['http://localhost/healthz'])).status, 200);
  t.is(await history(), before);
  const list = JSON.parse((await curl(daemon.apiSocket, ['http://localhost/v1/containers'])).body.toString());
  const held = list.containers.find((c: { id: string }) => c.id === KEEP_ID);
  t.is(held.state, 'exited');
  t.is(held.exitCode, 0, 'no fuzzed RemoveContainer changed it');
});
