/** The CLI's side of the HTTP API: requests over the daemon's unix socket. */
import http from 'node:http';
import path from 'node:path';
import { API_SOCKET } from './daemon/api';

export class ApiClientError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface ApiResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: http.IncomingMessage;
}

export function apiRequest(runDir: string, method: string, urlPath: string): Promise<ApiResponse> {
  const socketPath = path.join(runDir, API_SOCKET);
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path: urlPath, headers: { host: 'localhost' } }, (res) =>
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res }),
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? 'is it running? (start it with: straceback daemon)' : err.message;
      reject(new ApiClientError(`cannot reach the straceback daemon at ${socketPath}: ${why}`));
    });
    req.end();
  });
}

export async function readAll(res: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Throws the daemon's JSON error for a non-2xx answer. */
export async function expectOk(r: ApiResponse): Promise<ApiResponse> {
  if (r.status >= 200 && r.status < 300) return r;
  const body = (await readAll(r.body)).toString('utf8');
  let msg = body.trim();
  try {
    msg = (JSON.parse(body) as { error?: string }).error ?? msg;
  } catch {
    // not JSON: keep the text
  }
  throw new ApiClientError(msg || `HTTP ${r.status}`, r.status);
}

export async function apiJson<T>(runDir: string, method: string, urlPath: string): Promise<T> {
  const r = await expectOk(await apiRequest(runDir, method, urlPath));
  return JSON.parse((await readAll(r.body)).toString('utf8')) as T;
}
