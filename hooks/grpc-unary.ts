/**
 * One unary gRPC call over HTTP/2 on a Unix socket, written on node:net.
 *
 * Why not node:http2: loading it and setting up its session costs about
 * 20 ms, which straceback-hook would add to every container start (see
 * bench/hook.ts). One call needs little of HTTP/2 (RFC 9113): the preface,
 * SETTINGS, one stream with a HEADERS and DATA frames out, and HEADERS, DATA,
 * CONTINUATION, RST_STREAM, GOAWAY, PING and WINDOW_UPDATE in. The answer's
 * header blocks are decoded with hpack.ts.
 *
 * gRPC over HTTP/2 (PROTOCOL-HTTP2.md of grpc/grpc): POST /<service>/<method>,
 * content-type application/grpc, te: trailers; the body is length-prefixed
 * messages; the status comes in grpc-status / grpc-message trailers, or in
 * the headers of a trailers-only answer.
 */
import net from 'node:net';
import { decodeHeaderBlock, DynamicTable, encodeHeaderBlock } from './hpack';

/** gRPC status names by code (grpc/doc/statuscodes.md). */
export const GRPC_STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];

export const GRPC_OK = 0;
export const GRPC_NOT_FOUND = 5;
export const GRPC_ALREADY_EXISTS = 6;

export function grpcStatusName(code: number): string {
  return GRPC_STATUS_NAMES[code] ?? `CODE_${code}`;
}

/** HTTP/2 error codes (RFC 9113 section 7), for RST_STREAM and GOAWAY. */
const H2_ERRORS = [
  'NO_ERROR',
  'PROTOCOL_ERROR',
  'INTERNAL_ERROR',
  'FLOW_CONTROL_ERROR',
  'SETTINGS_TIMEOUT',
  'STREAM_CLOSED',
  'FRAME_SIZE_ERROR',
  'REFUSED_STREAM',
  'CANCEL',
  'COMPRESSION_ERROR',
  'CONNECT_ERROR',
  'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY',
  'HTTP_1_1_REQUIRED',
];

const h2ErrorName = (code: number): string => H2_ERRORS[code] ?? `0x${code.toString(16)}`;

/** The message in a length-prefixed gRPC frame: compressed flag 0, 4-byte big-endian length. */
export function grpcFrame(message: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(5 + message.length);
  frame[0] = 0;
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  return frame;
}

/** How the daemon answered: a gRPC status (0 is OK), the response body (undecoded frames) and all headers and trailers. */
export interface GrpcAnswer {
  code: number;
  message: string;
  body: Buffer;
  headers: Array<[string, string]>;
}

/**
 * The call got no gRPC answer. `code` is an errno name for a socket failure
 * (ENOENT, ECONNREFUSED, EACCES, ECONNRESET), ETIMEDOUT, or EPROTO when the
 * peer does not speak gRPC over HTTP/2 as expected.
 */
export class CallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CallError';
  }
}

// Frame types, flags and settings (RFC 9113 sections 6 and 6.5.2).
const DATA = 0x0;
const HEADERS = 0x1;
const RST_STREAM = 0x3;
const SETTINGS = 0x4;
const PUSH_PROMISE = 0x5;
const PING = 0x6;
const GOAWAY = 0x7;
const WINDOW_UPDATE = 0x8;
const CONTINUATION = 0x9;
const END_STREAM = 0x1;
const ACK = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY = 0x20;
const SETTINGS_HEADER_TABLE_SIZE = 0x1;
const SETTINGS_ENABLE_PUSH = 0x2;
const SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
const SETTINGS_MAX_FRAME_SIZE = 0x5;

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const DEFAULT_WINDOW = 65_535;
const MAX_WINDOW = 2 ** 31 - 1;
/** Our one stream. */
const STREAM = 1;
/** More buffered from the peer than this is not an answer to one small call. */
const MAX_BUFFERED = 16 << 20;

function frame(type: number, flags: number, stream: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const f = Buffer.allocUnsafe(9 + payload.length);
  f.writeUIntBE(payload.length, 0, 3);
  f[3] = type;
  f[4] = flags;
  f.writeUInt32BE(stream, 5);
  payload.copy(f, 9);
  return f;
}

function settingsPayload(pairs: Array<[number, number]>): Buffer {
  const p = Buffer.allocUnsafe(6 * pairs.length);
  pairs.forEach(([id, value], i) => {
    p.writeUInt16BE(id, 6 * i);
    p.writeUInt32BE(value, 6 * i + 2);
  });
  return p;
}

function u31(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n, 0);
  return b;
}

/** grpc-message is percent-encoded; a value that does not decode is kept as it came. */
function percentDecode(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

/**
 * POSTs one request message to `method` ("/package.Service/Method") on the
 * gRPC server at the Unix socket and resolves with its status. Rejects with
 * CallError when no status arrives: no socket, refused, reset, not gRPC over
 * HTTP/2, or nothing within timeoutMs (ETIMEDOUT; also sent as grpc-timeout).
 */
export function unaryCall(socketPath: string, method: string, request: Buffer, timeoutMs: number): Promise<GrpcAnswer> {
  return new Promise<GrpcAnswer>((resolve, reject) => {
    const sock = net.connect(socketPath);
    let settled = false;
    const finish = (err: CallError | null, answer?: GrpcAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(answer!);
    };
    const fail = (code: string, message: string): void => finish(new CallError(code, message));
    const timer = setTimeout(() => fail('ETIMEDOUT', `no answer within ${timeoutMs} ms`), timeoutMs);

    // What we send: the body in DATA frames as the peer's windows and frame size allow.
    const body = grpcFrame(request);
    let sent = 0;
    let connWindow = DEFAULT_WINDOW;
    let streamWindow = DEFAULT_WINDOW;
    let peerInitialWindow = DEFAULT_WINDOW;
    let maxFrame = 16_384;
    const sendData = (): void => {
      while (sent < body.length) {
        const n = Math.min(body.length - sent, maxFrame, connWindow, streamWindow);
        if (n <= 0) return;
        const last = sent + n === body.length;
        sock.write(frame(DATA, last ? END_STREAM : 0, STREAM, body.subarray(sent, sent + n)));
        sent += n;
        connWindow -= n;
        streamWindow -= n;
      }
    };

    const headerBlock = encodeHeaderBlock([
      [':method', 'POST'],
      [':scheme', 'http'],
      [':path', method],
      [':authority', 'localhost'],
      ['content-type', 'application/grpc'],
      ['te', 'trailers'],
      ['grpc-timeout', `${Math.max(1, Math.ceil(timeoutMs))}m`],
      ['user-agent', 'straceback-hook'],
    ]);
    sock.write(
      Buffer.concat([
        PREFACE,
        // No push; our stream may receive as much as the peer likes (no WINDOW_UPDATE to send back).
        frame(SETTINGS, 0, 0, settingsPayload([[SETTINGS_ENABLE_PUSH, 0], [SETTINGS_INITIAL_WINDOW_SIZE, MAX_WINDOW]])),
        frame(WINDOW_UPDATE, 0, 0, u31(MAX_WINDOW - DEFAULT_WINDOW)),
        frame(HEADERS, END_HEADERS, STREAM, headerBlock),
      ]),
    );
    sendData();

    // What we get.
    const table = new DynamicTable();
    const headers: Array<[string, string]> = [];
    const data: Buffer[] = [];
    let fragments: Buffer[] | undefined;
    let blockStream = 0;
    let endAfterHeaders = false;
    let pending: Buffer = Buffer.alloc(0);
    let framed = false;

    const streamEnded = (): void => {
      const get = (name: string) => headers.find(([n]) => n === name)?.[1];
      const status = get('grpc-status');
      if (status !== undefined) {
        const code = /^\d+$/.test(status) ? Number(status) : 2;
        finish(null, { code, message: percentDecode(get('grpc-message') ?? ''), body: Buffer.concat(data), headers });
        return;
      }
      const http = get(':status');
      if (http !== undefined && http !== '200') fail('EPROTO', `HTTP status ${http}, not a gRPC answer`);
      else fail('EPROTO', 'the call ended without a gRPC status');
    };

    const headerBlockDone = (): void => {
      const block = Buffer.concat(fragments!);
      fragments = undefined;
      // Every block is decoded, whatever its stream: they all update the one dynamic table.
      const fields = decodeHeaderBlock(block, table);
      if (blockStream !== STREAM) return;
      headers.push(...fields);
      if (endAfterHeaders) streamEnded();
    };

    const onFrame = (type: number, flags: number, stream: number, p: Buffer): void => {
      if (fragments && type !== CONTINUATION) throw new CallError('EPROTO', 'a header block was interrupted');
      switch (type) {
        case SETTINGS: {
          if (flags & ACK) return;
          for (let i = 0; i + 6 <= p.length; i += 6) {
            const id = p.readUInt16BE(i);
            const value = p.readUInt32BE(i + 2);
            if (id === SETTINGS_MAX_FRAME_SIZE) maxFrame = value;
            if (id === SETTINGS_INITIAL_WINDOW_SIZE) {
              streamWindow += value - peerInitialWindow;
              peerInitialWindow = value;
            }
            if (id === SETTINGS_HEADER_TABLE_SIZE) {
              // Limits the peer's decoder table, which we never add to.
            }
          }
          sock.write(frame(SETTINGS, ACK, 0));
          sendData();
          return;
        }
        case WINDOW_UPDATE: {
          const inc = p.readUInt32BE(0) & 0x7fffffff;
          if (stream === 0) connWindow += inc;
          else if (stream === STREAM) streamWindow += inc;
          sendData();
          return;
        }
        case PING:
          if (!(flags & ACK)) sock.write(frame(PING, ACK, 0, p));
          return;
        case GOAWAY: {
          const last = p.readUInt32BE(0) & 0x7fffffff;
          const code = p.readUInt32BE(4);
          const debug = p.subarray(8).toString('utf8');
          // A graceful GOAWAY that covers our stream lets it finish.
          if (last < STREAM || code !== 0) {
            throw new CallError(code === 0 ? 'ECONNRESET' : 'EPROTO', `the daemon closed the connection (GOAWAY ${h2ErrorName(code)}${debug ? `: ${debug}` : ''})`);
          }
          return;
        }
        case RST_STREAM:
          if (stream === STREAM) throw new CallError('EPROTO', `the daemon reset the call (RST_STREAM ${h2ErrorName(p.readUInt32BE(0))})`);
          return;
        case PUSH_PROMISE:
          throw new CallError('EPROTO', 'PUSH_PROMISE although push is disabled');
        case HEADERS:
        case CONTINUATION: {
          let block = p;
          if (type === HEADERS) {
            let start = 0;
            let end = p.length;
            if (flags & PADDED) {
              start = 1;
              end -= p[0];
            }
            if (flags & PRIORITY) start += 5;
            if (start > end) throw new CallError('EPROTO', 'malformed HEADERS frame');
            block = p.subarray(start, end);
            fragments = [];
            blockStream = stream;
            endAfterHeaders = (flags & END_STREAM) !== 0;
          } else if (!fragments || stream !== blockStream) {
            throw new CallError('EPROTO', 'CONTINUATION without its HEADERS');
          }
          fragments!.push(block);
          if (flags & END_HEADERS) headerBlockDone();
          return;
        }
        case DATA: {
          if (stream !== STREAM) return;
          let start = 0;
          let end = p.length;
          if (flags & PADDED) {
            start = 1;
            end -= p[0];
          }
          if (start > end) throw new CallError('EPROTO', 'malformed DATA frame');
          data.push(p.subarray(start, end));
          if (flags & END_STREAM) streamEnded();
          return;
        }
        default:
          // PRIORITY and unknown frame types are ignored (RFC 9113 section 4.1).
          return;
      }
    };

    sock.on('data', (chunk: Buffer) => {
      if (settled) return;
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      try {
        if (!framed) {
          if (pending.length < 5) return;
          // An HTTP/1 server answers the preface with a status line.
          if (pending.subarray(0, 5).toString('latin1') === 'HTTP/') throw new CallError('EPROTO', 'the peer answered in HTTP/1, not HTTP/2');
          framed = true;
        }
        while (!settled && pending.length >= 9) {
          const len = pending.readUIntBE(0, 3);
          if (len > MAX_BUFFERED) throw new CallError('EPROTO', `frame of ${len} bytes`);
          if (pending.length < 9 + len) break;
          const type = pending[3];
          const flags = pending[4];
          const stream = pending.readUInt32BE(5) & 0x7fffffff;
          const payload = pending.subarray(9, 9 + len);
          pending = pending.subarray(9 + len);
          onFrame(type, flags, stream, payload);
        }
      } catch (e) {
        if (e instanceof CallError) finish(e);
        else fail('EPROTO', `bad answer: ${(e as Error).message}`);
      }
    });
    sock.on('error', (e: NodeJS.ErrnoException) => fail(e.code ?? 'EIO', e.message));
    sock.on('close', () => fail('ECONNRESET', 'the daemon closed the connection before answering'));
  });
}
