/**
 * The HTTP/1.1 API on a unix socket (docs/interface.md "HTTP API"): a thin
 * adapter over the registry and the sinks. JSON errors with real statuses.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { HistoryRow } from '../rows';
import { parseSyscallFilter } from '../syscalls/table';
import { msgpack, ndjson, textLines } from '../sinks/stream';
import { ApiError, EventFilter, HTTP_STATUS } from './api';
import { Registry } from './registry';

export interface HttpOptions {
  /** Where dumps are written before they are sent (then removed). */
  tmpDir: string;
  /** true once the BPF programs are attached. */
  healthy: () => boolean;
  log?: (line: string) => void;
  /** Longest request body accepted (there is no endpoint that needs one). */
  maxBodyBytes?: number;
  /** Times the daemon gave memory back after a quiet spell (settle.ts). */
  settles?: () => number;
}

const FORMATS = ['text', 'ndjson', 'msgpack'] as const;
type Format = (typeof FORMATS)[number];
const CONTENT_TYPES: Record<Format, string> = {
  text: 'text/plain; charset=utf-8',
  ndjson: 'application/x-ndjson',
  msgpack: 'application/x-msgpack',
};
const MAX_LIMIT = 10_000_000;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** since/until: RFC 3339 time, or unix time in ns (19 digits) or s (with fraction). */
export function parseTime(name: string, v: string): bigint {
  if (/^\d{16,20}$/.test(v)) return BigInt(v);
  if (/^\d{1,12}(\.\d{1,9})?$/.test(v)) {
    const [s, frac = ''] = v.split('.');
    return BigInt(s) * 1000000000n + BigInt(frac.padEnd(9, '0'));
  }
  const ms = Date.parse(v);
  if (Number.isNaN(ms) || !/^\d{4}-\d\d-\d\d/.test(v)) {
    throw new HttpError(400, `${name}: not a time: "${v}" (RFC 3339, or unix seconds or nanoseconds)`);
  }
  return BigInt(ms) * 1000000n;
}

const QUERY_KEYS = new Set(['format', 'since', 'until', 'limit', 'last', 'syscall', 'tid', 'failed']);

export function parseEventQuery(q: URLSearchParams): { format: Format; filter: EventFilter } {
  for (const k of q.keys()) if (!QUERY_KEYS.has(k)) throw new HttpError(400, `unknown query parameter "${k}"`);
  const format = (q.get('format') ?? 'text') as Format;
  if (!FORMATS.includes(format)) throw new HttpError(400, `format must be one of ${FORMATS.join(', ')}, not "${format}"`);
  const filter: EventFilter = {};
  const since = q.get('since');
  const until = q.get('until');
  if (since) filter.since = parseTime('since', since);
  if (until) filter.until = parseTime('until', until);
  for (const key of ['limit', 'last'] as const) {
    const v = q.get(key);
    if (v === null) continue;
    if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > MAX_LIMIT) throw new HttpError(400, `${key} must be an integer from 1 to ${MAX_LIMIT}`);
    filter[key] = Number(v);
  }
  if (filter.limit !== undefined && filter.last !== undefined) throw new HttpError(400, 'limit (the first N calls) and last (the last N) do not go together');
  let syscalls: string[];
  try {
    syscalls = parseSyscallFilter(q.getAll('syscall'));
  } catch (err) {
    throw new HttpError(400, `syscall: ${(err as Error).message}`);
  }
  if (syscalls.length) filter.syscalls = syscalls;
  const tid = q.get('tid');
  if (tid !== null) {
    if (!/^\d{1,10}$/.test(tid) || Number(tid) < 1) throw new HttpError(400, `tid must be a positive integer`);
    filter.tid = Number(tid);
  }
  const failed = q.get('failed');
  if (failed !== null) {
    if (!['', '1', 'true', '0', 'false'].includes(failed)) throw new HttpError(400, 'failed must be true or false');
    filter.failedOnly = failed === '' || failed === '1' || failed === 'true';
  }
  return { format, filter };
}

function encode(format: Format, rows: HistoryRow[]): Iterable<string | Buffer> {
  if (format === 'ndjson') return ndjson(rows);
  if (format === 'msgpack') return msgpack(rows);
  return textLines(rows, {});
}

/** Methods allowed per route pattern, for 405 answers. */
const ROUTES: Array<{ re: RegExp; methods: string[] }> = [
  { re: /^\/healthz$/, methods: ['GET', 'HEAD'] },
  { re: /^\/metrics$/, methods: ['GET', 'HEAD'] },
  { re: /^\/v1\/containers$/, methods: ['GET', 'HEAD'] },
  { re: /^\/v1\/containers\/[^/]+$/, methods: ['GET', 'HEAD', 'DELETE'] },
  { re: /^\/v1\/containers\/[^/]+\/events$/, methods: ['GET', 'HEAD'] },
  { re: /^\/v1\/containers\/[^/]+\/dump$/, methods: ['POST'] },
];

function openFds(): number {
  try {
    return fs.readdirSync('/proc/self/fd').length - 1; // less the one reading the directory
  } catch {
    return -1;
  }
}

function metricsText(m: ReturnType<Registry['metrics']>, settles: number): string {
  const lines: string[] = [];
  const metric = (name: string, type: string, help: string, samples: Array<[string, number]>) => {
    lines.push(`# HELP straceback_${name} ${help}`, `# TYPE straceback_${name} ${type}`);
    for (const [labels, v] of samples) lines.push(`straceback_${name}${labels} ${v}`);
  };
  metric('containers', 'gauge', 'Containers known to the daemon, by state.', [
    ['{state="running"}', m.running],
    ['{state="exited"}', m.exited],
  ]);
  metric('events_held', 'gauge', 'Syscalls held in rings and archives.', [['', m.events]]);
  metric('events_overwritten', 'gauge', 'Records pushed out of rings by newer ones (by design).', [['', m.overwritten]]);
  metric('events_lost', 'gauge', 'Events the recorder failed to keep (not overwritten: lost).', [['', m.lost]]);
  metric('ring_bytes', 'gauge', 'Bytes of kernel ring memory in use.', [['', m.ringBytes]]);
  metric('ring_budget_bytes', 'gauge', 'Bytes all rings together may use.', [['', m.budgetBytes]]);
  metric('dumps_total', 'counter', 'Dumps served.', [['', m.dumps]]);
  metric('sqlite_files_written_total', 'counter', 'Dumps and archives written, by a worker thread (big ones) or the main thread.', [
    ['{writer="worker"}', m.written.worker],
    ['{writer="main"}', m.written.main],
  ]);
  metric('memory_settles_total', 'counter', 'Times garbage was collected and free memory given back after a quiet spell.', [['', settles]]);
  // The daemon's own memory and descriptors, under the names Prometheus client libraries use.
  const mem = process.memoryUsage();
  const plain = (name: string, type: string, help: string, v: number) => lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${v}`);
  plain('process_resident_memory_bytes', 'gauge', 'Resident memory of the daemon, ring pages it has read included.', mem.rss);
  plain('nodejs_heap_size_used_bytes', 'gauge', 'V8 heap in use.', mem.heapUsed);
  plain('nodejs_heap_size_total_bytes', 'gauge', 'V8 heap reserved.', mem.heapTotal);
  plain('nodejs_external_memory_bytes', 'gauge', 'Memory of C++ objects bound to JavaScript ones (buffers).', mem.external);
  plain('process_open_fds', 'gauge', 'Open file descriptors of the daemon.', openFds());
  return lines.join('\n') + '\n';
}

export function createApiServer(registry: Registry, opts: HttpOptions): http.Server {
  const maxBody = opts.maxBodyBytes ?? 64 * 1024;
  let dumpSeq = 0;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      throw new HttpError(400, `not a request target: ${JSON.stringify((req.url ?? '').slice(0, 200))}`);
    }
    const route = ROUTES.find((r) => r.re.test(url.pathname));
    if (!route) throw new HttpError(404, `no such endpoint: ${url.pathname}`);
    const method = req.method ?? 'GET';
    if (!route.methods.includes(method)) {
      throw new HttpError(405, `${method} is not allowed on ${url.pathname}`, { allow: route.methods.join(', ') });
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBody) throw new HttpError(413, `request body of ${declared} bytes is larger than ${maxBody}`);
    await drainBody(req, maxBody);

    const parts = url.pathname.split('/').map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        throw new HttpError(400, `bad percent-encoding in the path: ${p}`);
      }
    });
    const ref = parts[3];
    if (url.pathname === '/healthz') {
      if (!opts.healthy()) throw new HttpError(503, 'the BPF programs are not attached');
      return sendJson(res, 200, { status: 'ok' });
    }
    if (url.pathname === '/metrics') {
      const text = metricsText(registry.metrics(), opts.settles?.() ?? 0);
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'content-length': Buffer.byteLength(text) });
      res.end(method === 'HEAD' ? undefined : text);
      return;
    }
    if (url.pathname === '/v1/containers') {
      if ([...url.searchParams.keys()].length) throw new HttpError(400, 'this endpoint takes no query parameters');
      return sendJson(res, 200, { containers: registry.list() });
    }
    if (parts.length === 4) {
      if (method === 'DELETE') {
        await registry.delete(ref);
        res.writeHead(204);
        res.end();
        return;
      }
      return sendJson(res, 200, registry.get(ref));
    }
    if (parts[4] === 'events') {
      const { format, filter } = parseEventQuery(url.searchParams);
      const rows = registry.history(ref, filter);
      res.writeHead(200, { 'content-type': CONTENT_TYPES[format], 'x-straceback-events': String(rows.length) });
      if (method === 'HEAD') return void res.end();
      await pipeline(Readable.from(encode(format, rows)), res);
      return;
    }
    // POST /v1/containers/{ref}/dump
    const file = path.join(opts.tmpDir, `dump-${process.pid}-${++dumpSeq}.db`);
    try {
      const { events, name } = await registry.dump(ref, file);
      const size = fs.statSync(file).size;
      const safeName = name.replace(/[^A-Za-z0-9._-]/g, '_') || 'container';
      res.writeHead(200, {
        'content-type': 'application/vnd.sqlite3',
        'content-length': size,
        'content-disposition': `attachment; filename="${safeName}.db"`,
        'x-straceback-events': String(events),
      });
      // 1 MiB reads: a 50 MB dump went out in 85-105 ms instead of 120-190 ms with the default 64 KiB.
      await pipeline(fs.createReadStream(file, { highWaterMark: 1 << 20 }), res);
    } finally {
      fs.rmSync(file, { force: true });
    }
  }

  const server = http.createServer(
    // Slow or stalled clients: headers within 10 s, the whole request within 30 s, checked every second.
    { maxHeaderSize: 16 * 1024, requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: 5_000, connectionsCheckingInterval: 1000 },
    (req, res) => {
      handle(req, res).catch((err: unknown) => {
        let status = 500;
        let headers: Record<string, string> = {};
        if (err instanceof HttpError) {
          status = err.status;
          headers = err.headers;
        } else if (err instanceof ApiError) status = HTTP_STATUS[err.kind];
        const message = (err as Error).message;
        if (res.headersSent) {
          // The client went away mid-body (or after it): nothing to answer.
          if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') opts.log?.(`${req.method} ${req.url}: ${message}`);
          res.destroy();
          return;
        }
        if (status >= 500) opts.log?.(`${req.method} ${req.url}: ${message}`);
        if (status === 413) headers.connection = 'close';
        sendJson(res, status, { error: message }, headers);
      });
    },
  );
  // CONNECT (a tunnel) is served by no route; without this Node would just drop the connection.
  server.on('connect', (req: http.IncomingMessage, socket: import('node:stream').Duplex) => {
    const body = JSON.stringify({ error: `CONNECT is not allowed` }) + '\n';
    socket.on('error', () => socket.destroy());
    socket.end(`HTTP/1.1 405 Method Not Allowed\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  // A request the parser cannot even read still gets a JSON answer.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const body = JSON.stringify({ error: `bad request: ${err.code ?? err.message}` }) + '\n';
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  return server;
}

/** Reads and discards a request body, refusing one larger than max. */
function drainBody(req: http.IncomingMessage, max: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let n = 0;
    req.on('data', (chunk: Buffer) => {
      n += chunk.length;
      if (n > max) {
        req.pause();
        reject(new HttpError(413, `request body larger than ${max} bytes`));
      }
    });
    req.on('end', () => resolve());
    req.on('error', reject);
  });
}
