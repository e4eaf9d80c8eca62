/**
 * straceback-hook: its hand-made protobuf, HPACK and gRPC client checked
 * against the real .proto (protobufjs) and a node:http2 server; then the hook
 * program itself with real runc containers and a real daemon, and every way
 * it can fail (no daemon, a silent one, bad input, refusals): one line on
 * stderr, exit 0 unless --fail-closed, and the daemon unaffected.
 */
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import protobuf from 'protobufjs';
import { CallError, grpcFrame, unaryCall } from '../hooks/grpc-unary';
import { decodeHeaderBlock, DynamicTable, encodeHeaderBlock, huffmanDecode, HpackError } from '../hooks/hpack';
import { encodeAddContainerRequest, encodeRemoveContainerRequest } from '../hooks/protobuf';
import { ContainerInfo } from '../recorder/daemon/api';
import { curl, DaemonProcess, sqlite, startDaemonProcess, tempDirs } from './lib/daemon';
import { repoRoot, spawnGatedShell } from './lib/procs';
import { makeBundle, OciHook, RuncContainer, tempRuncRoot, uniqueId } from './lib/runc';

const HOOK = path.join(repoRoot(), 'bin', 'straceback-hook');
const PROTO = path.join(repoRoot(), 'proto', 'straceback', 'v1', 'tracer_manager.proto');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const json = (b: Buffer) => JSON.parse(b.toString('utf8'));

let daemon: DaemonProcess;
let root: string;
let runcRoot: string;

test.before(async () => {
  const dirs = tempDirs('sb-hook-');
  root = dirs.root;
  runcRoot = tempRuncRoot();
  daemon = await startDaemonProcess(dirs, ['--no-discover']);
});

test.after.always(async () => {
  await daemon?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
  if (runcRoot) fs.rmSync(runcRoot, { recursive: true, force: true });
});

test.afterEach.always((t) => {
  if (!t.passed && daemon) t.log(daemon.log());
});

interface HookRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs bin/straceback-hook with `input` on stdin (null: stdin stays open).
 * --no-kmsg unless `kmsg`: the tests keep the host's kernel log clean.
 */
function hook(args: string[], input: string | null, opts: { env?: Record<string, string>; kmsg?: boolean } = {}): Promise<HookRun> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(HOOK, opts.kmsg ? args : [...args, '--no-kmsg'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.stdin.on('error', () => {});
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    if (input !== null) child.stdin.end(input);
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', () => clearTimeout(killer));
  });
}

const runDirArgs = () => ['--run-dir', daemon.runDir];

async function info(ref: string): Promise<ContainerInfo | undefined> {
  const r = await curl(daemon.apiSocket, [`http://localhost/v1/containers/${ref}`]);
  return r.status === 200 ? (json(r.body) as ContainerInfo) : undefined;
}

/** One line, the hook's, ending in a newline. */
function assertOneLine(t: { is: (a: unknown, b: unknown, m?: string) => void; regex: (s: string, r: RegExp, m?: string) => void }, stderr: string, re: RegExp): void {
  t.regex(stderr, /^straceback-hook: [^\n]+\n$/, `one line: ${JSON.stringify(stderr)}`);
  t.regex(stderr, re);
}

// ---------------------------------------------------------------------------
// The wire, piece by piece.

test('protobuf: the requests decode with the real .proto', (t) => {
  const rootNs = protobuf.loadSync(PROTO);
  const Add = rootNs.lookupType('straceback.v1.AddContainerRequest');
  const Remove = rootNs.lookupType('straceback.v1.RemoveContainerRequest');
  const asObject = (type: protobuf.Type, b: Buffer) => type.toObject(type.decode(b), { longs: String, defaults: false });

  const annotations = {
    'io.kubernetes.cri.container-name': 'web',
    'io.kubernetes.pod.namespace': 'prod',
    'unicode ✓': 'héllo ünïcode ✓ 🐳',
    empty: '',
    long: 'x'.repeat(300),
  };
  const full = encodeAddContainerRequest({
    id: 'c0ffee.web_1-2',
    pid: 2_147_483_647,
    bundle: '/run/containerd/io.containerd.runtime.v2.task/k8s.io/c0ffee',
    name: 'named',
    runtime: 'runc',
    annotations,
    ringBytes: 2 ** 40,
    beforeExec: true,
  });
  t.deepEqual(asObject(Add, full), {
    id: 'c0ffee.web_1-2',
    pid: 2_147_483_647,
    bundle: '/run/containerd/io.containerd.runtime.v2.task/k8s.io/c0ffee',
    name: 'named',
    runtime: 'runc',
    annotations,
    ringBytes: '1099511627776',
    beforeExec: true,
  });

  // Defaults are left out, as protoc does: id and pid only.
  const minimal = encodeAddContainerRequest({ id: 'x', pid: 1 });
  t.deepEqual([...minimal], [0x0a, 0x01, 0x78, 0x10, 0x01]);
  t.deepEqual(asObject(Add, minimal), { id: 'x', pid: 1 });
  t.deepEqual(asObject(Add, encodeAddContainerRequest({ id: 'x', pid: 1, beforeExec: false })), { id: 'x', pid: 1 });

  // A negative int32 is a 10-byte varint; a uint64 above 2^53 keeps every digit.
  const negative = encodeAddContainerRequest({ id: 'x', pid: -1, ringBytes: 2n ** 64n - 1n });
  t.deepEqual(asObject(Add, negative), { id: 'x', pid: -1, ringBytes: '18446744073709551615' });
  t.is(negative.length, 3 + 1 + 10 + 1 + 10);

  // exit_code is `optional`: absent unless given, and 0 is sent when given.
  t.deepEqual(asObject(Remove, encodeRemoveContainerRequest({ id: 'web' })), { id: 'web' });
  const zero = Remove.decode(encodeRemoveContainerRequest({ id: 'web', exitCode: 0 })) as unknown as { exitCode?: number };
  t.is(zero.exitCode, 0);
  t.deepEqual(asObject(Remove, encodeRemoveContainerRequest({ id: 'web', exitCode: 137 })), { id: 'web', exitCode: 137 });

  t.deepEqual([...grpcFrame(minimal)], [0, 0, 0, 0, 5, ...minimal]);
});

test('hpack: the RFC 7541 C.4 requests (Huffman, dynamic table) decode', (t) => {
  const table = new DynamicTable();
  const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
  t.deepEqual(decodeHeaderBlock(hex('8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff'), table), [
    [':method', 'GET'],
    [':scheme', 'http'],
    [':path', '/'],
    [':authority', 'www.example.com'],
  ]);
  t.deepEqual(decodeHeaderBlock(hex('8286 84be 5886 a8eb 1064 9cbf'), table), [
    [':method', 'GET'],
    [':scheme', 'http'],
    [':path', '/'],
    [':authority', 'www.example.com'],
    ['cache-control', 'no-cache'],
  ]);
  t.deepEqual(decodeHeaderBlock(hex('8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf'), table), [
    [':method', 'GET'],
    [':scheme', 'https'],
    [':path', '/index.html'],
    [':authority', 'www.example.com'],
    ['custom-key', 'custom-value'],
  ]);
  // The newest entry is index 62.
  t.deepEqual(table.get(62), ['custom-key', 'custom-value']);

  // Padding: at most 7 one-bits; EOS inside a string is an error.
  t.is(huffmanDecode(Buffer.from([0x07])), '0');
  t.throws(() => huffmanDecode(Buffer.from([0x00])), { instanceOf: HpackError, message: /padding/ });
  t.throws(() => huffmanDecode(Buffer.from([0xff, 0xff, 0xff, 0xff])), { instanceOf: HpackError, message: /EOS/ });
  t.throws(() => decodeHeaderBlock(Buffer.from([0x80]), new DynamicTable()), { instanceOf: HpackError });
  t.throws(() => decodeHeaderBlock(Buffer.from([0xff, 0x00]), new DynamicTable()), { instanceOf: HpackError, message: /not in the table/ });

  // What we encode (raw literals) decodes back, also lengths past a one-byte integer.
  const fields: Array<[string, string]> = [
    [':path', '/straceback.v1.TracerManager/AddContainer'],
    ['x-long', 'v'.repeat(1000)],
  ];
  t.deepEqual(decodeHeaderBlock(encodeHeaderBlock(fields), new DynamicTable()), fields);
});

/** A node:http2 server on a Unix socket; `handler` answers each stream. */
async function h2Server(handler: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void) {
  const sock = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sb-h2-')), 's.sock');
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  server.on('stream', (stream, headers) => {
    // Resets and GOAWAYs are the point of some answers: their errors on our side are expected.
    stream.on('error', () => {});
    handler(stream, headers);
  });
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  return {
    sock,
    async close() {
      for (const s of sessions) s.destroy();
      await new Promise((r) => server.close(r));
      fs.rmSync(path.dirname(sock), { recursive: true, force: true });
    },
  };
}

/** Every octet a header value may hold (RFC 9110: VCHAR, obs-text, SP, HTAB). */
const ALL_OCTETS = String.fromCharCode(0x09, ...Array.from({ length: 0x7f - 0x20 }, (_, i) => 0x20 + i), ...Array.from({ length: 0x80 }, (_, i) => 0x80 + i));
/**
 * The same octets, each between runs of 5-bit symbols: shorter Huffman-coded
 * than raw, so the server's HPACK encoder codes it (ALL_OCTETS alone goes raw).
 */
const ALL_OCTETS_HUFFMAN = [...ALL_OCTETS].map((c) => `aeiost0123${c}`).join('');

test('grpc-unary against node:http2: headers and trailers with every octet, dynamic table, CONTINUATION, flow control both ways', async (t) => {
  const seen: http2.IncomingHttpHeaders[] = [];
  const server = await h2Server((stream, headers) => {
    seen.push(headers);
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const first = { 'x-all': ALL_OCTETS, 'x-huffman': ALL_OCTETS_HUFFMAN, 'x-repeat': 'same value twice', 'x-big': 'b'.repeat(30_000) };
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', ...first }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'x-repeat': 'same value twice', 'x-all': ALL_OCTETS, 'x-huffman': ALL_OCTETS_HUFFMAN }));
      stream.end(Buffer.concat(chunks));
    });
  });
  t.teardown(() => server.close());

  // 300 KB: past the peer's 64 KiB windows and 16 KiB frames.
  const request = Buffer.alloc(300_000, 0x5a);
  const a = await unaryCall(server.sock, '/t.Echo/Call', request, 5000);
  t.is(a.code, 0);
  t.deepEqual(a.body, grpcFrame(request), 'the echoed body arrived whole');
  const values = (name: string) => a.headers.filter(([n]) => n === name).map(([, v]) => v);
  t.deepEqual(values('x-all'), [ALL_OCTETS, ALL_OCTETS]);
  t.deepEqual(values('x-huffman'), [ALL_OCTETS_HUFFMAN, ALL_OCTETS_HUFFMAN]);
  t.deepEqual(values('x-repeat'), ['same value twice', 'same value twice']);
  t.deepEqual(values('x-big'), ['b'.repeat(30_000)], 'a header block over 16 KiB (HEADERS + CONTINUATION)');
  t.deepEqual(values(':status'), ['200']);

  const h = seen[0];
  t.is(h[':method'], 'POST');
  t.is(h[':path'], '/t.Echo/Call');
  t.is(h['content-type'], 'application/grpc');
  t.is(h.te, 'trailers');
  t.is(h['grpc-timeout'], '5000m');
});

test('grpc-unary: trailers-only status, HTTP errors, resets, GOAWAY, silence', async (t) => {
  const server = await h2Server((stream, headers) => {
    stream.on('data', () => {});
    switch (headers[':path']) {
      case '/t/TrailersOnly':
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '5', 'grpc-message': encodeURIComponent('no container "x" ✓ 100%') }, { endStream: true });
        break;
      case '/t/NotFound':
        stream.respond({ ':status': 404 }, { endStream: true });
        break;
      case '/t/Reset':
        stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
        break;
      case '/t/GoAway':
        stream.session!.goaway(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM, 0, Buffer.from('too many'));
        break;
      case '/t/NoStatus':
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
        stream.end();
        break;
      default:
      // Silent: never answers.
    }
  });
  t.teardown(() => server.close());
  const call = (m: string, ms = 3000) => unaryCall(server.sock, m, Buffer.from('x'), ms);

  const only = await call('/t/TrailersOnly');
  t.is(only.code, 5);
  t.is(only.message, 'no container "x" ✓ 100%');

  const errorOf = async (p: Promise<unknown>) => (await t.throwsAsync(p, { instanceOf: CallError })) as CallError;
  t.like(await errorOf(call('/t/NotFound')), { code: 'EPROTO', message: 'HTTP status 404, not a gRPC answer' });
  t.like(await errorOf(call('/t/Reset')), { code: 'EPROTO', message: 'the daemon reset the call (RST_STREAM REFUSED_STREAM)' });
  const away = await errorOf(call('/t/GoAway'));
  t.is(away.code, 'EPROTO');
  t.regex(away.message, /GOAWAY ENHANCE_YOUR_CALM: too many/);
  t.like(await errorOf(call('/t/NoStatus')), { code: 'EPROTO', message: 'the call ended without a gRPC status' });
  const t0 = Date.now();
  t.like(await errorOf(call('/t/Silent', 300)), { code: 'ETIMEDOUT' });
  t.true(Date.now() - t0 < 1000);

  t.like(await errorOf(unaryCall(path.join(root, 'no-such.sock'), '/t/X', Buffer.alloc(0), 1000)), { code: 'ENOENT' });
  const http1 = net.createServer((s) => s.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n'));
  const http1Sock = path.join(root, 'http1.sock');
  await new Promise<void>((r) => http1.listen(http1Sock, r));
  t.teardown(() => http1.close());
  t.like(await errorOf(unaryCall(http1Sock, '/t/X', Buffer.alloc(0), 1000)), { code: 'EPROTO', message: 'the peer answered in HTTP/1, not HTTP/2' });
});

// ---------------------------------------------------------------------------
// The hook with real runc containers.

const SCRIPT = 'cat /etc/hostname; exit 3';

/** A runc bundle running SCRIPT, named by its CRI annotation, with `hooks`. */
function bundleWithHooks(name: string, hooks: Record<string, OciHook[]>) {
  const b = makeBundle(fs.mkdtempSync(path.join(root, `${name}-`)), { args: ['/bin/sh', '-c', SCRIPT], hooks });
  const spec = JSON.parse(fs.readFileSync(b.configPath, 'utf8'));
  spec.annotations = { 'io.kubernetes.cri.container-name': name, 'org.example.from-config': 'yes' };
  fs.writeFileSync(b.configPath, JSON.stringify(spec, null, 2));
  return b;
}

/** Dump by name over the HTTP API: the first call and the opens of /etc/hostname. */
async function dumpByName(name: string): Promise<{ first: string; hostnameOpens: number }> {
  const r = await curl(daemon.apiSocket, ['-X', 'POST', `http://localhost/v1/containers/${name}/dump`]);
  if (r.status !== 200) throw new Error(`dump ${name}: ${r.status} ${r.body}`);
  const db = path.join(root, `${name}.db`);
  fs.writeFileSync(db, r.body);
  return {
    first: sqlite(db, 'SELECT name, args FROM syscall ORDER BY id LIMIT 1').trim(),
    hostnameOpens: Number(sqlite(db, "SELECT count(*) FROM opens WHERE path = '/etc/hostname'")),
  };
}

const FIRST_EXEC = /^execve\|"\/bin\/sh", \["\/bin\/sh", "-c", "cat \/etc\/hostname; exit 3"\]/;

test.serial('runc run with prestart and poststop hooks: traced from the entrypoint execve, archived at poststop, dumpable by name', async (t) => {
  const name = `web-${process.pid}-a`;
  const entry = (stage: string): OciHook => ({ path: HOOK, args: ['straceback-hook', stage, '--no-kmsg'], env: [`STRACEBACK_RUN_DIR=${daemon.runDir}`], timeout: 5 });
  const b = bundleWithHooks(name, { prestart: [entry('prestart')], poststop: [entry('poststop')] });
  const id = uniqueId('hook');
  const r = await RuncContainer.runForeground(b, id, { root: runcRoot });
  t.is(r.code, 3, r.stderr);
  t.is(r.stdout, 'straceback-test\n');
  t.is(r.stderr, '');

  const c = await info(id);
  t.truthy(c, 'listed');
  t.is(c!.name, name, 'named from the CRI annotation in config.json');
  t.is(c!.runtime, 'runc', "the hook's parent");
  t.is(c!.bundle, b.dir);
  t.is(c!.labels['org.example.from-config'], 'yes');
  t.is(c!.state, 'exited');
  t.truthy(c!.exitedAt);

  const d = await dumpByName(name);
  t.regex(d.first, FIRST_EXEC, 'the first recorded call is the entrypoint execve (before_exec)');
  t.true(d.hostnameOpens >= 1, 'the openat of /etc/hostname by cat');
});

test.serial('one hook entry for both stages, as hooks.d gives it: the stage comes from the state status', async (t) => {
  const shipped = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'hooks', 'hooks.d', 'straceback.json'), 'utf8'));
  t.deepEqual(shipped.stages, ['prestart', 'poststop']);
  const log = path.join(root, `inferred-${process.pid}.log`);
  // The shipped entry (args, timeout), run through sh only to keep its stderr and exit status.
  const args = (shipped.hook.args as string[]).slice(1).concat('--no-kmsg');
  const entry: OciHook = {
    path: '/bin/sh',
    args: ['sh', '-c', `"$0" "$@" 2>>${log}; echo "exit $?" >>${log}`, HOOK, ...args],
    env: [...(shipped.hook.env ?? []), `STRACEBACK_RUN_DIR=${daemon.runDir}`],
    timeout: shipped.hook.timeout,
  };
  const name = `web-${process.pid}-b`;
  const b = bundleWithHooks(name, { prestart: [entry], poststop: [entry] });
  const id = uniqueId('inferred');
  const r = await RuncContainer.runForeground(b, id, { root: runcRoot });
  t.is(r.code, 3, r.stderr);
  t.is(fs.readFileSync(log, 'utf8'), 'exit 0\nexit 0\n', 'both stages ran, silent and successful');
  const c = await info(id);
  t.is(c?.state, 'exited');
  t.regex((await dumpByName(name)).first, FIRST_EXEC);
});

test.serial('createRuntime and poststart stages register too (poststart: after the exec)', async (t) => {
  for (const stage of ['createRuntime', 'poststart']) {
    const name = `web-${process.pid}-${stage.toLowerCase()}`;
    const entry: OciHook = { path: HOOK, args: ['straceback-hook', stage, '--run-dir', daemon.runDir, '--no-kmsg'] };
    // poststart: keep the process alive past the hook, so there is something to record.
    const b = makeBundle(fs.mkdtempSync(path.join(root, `${stage}-`)), {
      args: ['/bin/sh', '-c', stage === 'poststart' ? 'sleep 1; cat /etc/hostname; exit 3' : SCRIPT],
      hooks: { [stage]: [entry], poststop: [{ ...entry, args: ['straceback-hook', 'poststop', '--run-dir', daemon.runDir, '--no-kmsg'] }] },
    });
    const spec = JSON.parse(fs.readFileSync(b.configPath, 'utf8'));
    spec.annotations = { 'io.kubernetes.cri.container-name': name };
    fs.writeFileSync(b.configPath, JSON.stringify(spec));
    const id = uniqueId(stage.toLowerCase());
    const r = await RuncContainer.runForeground(b, id, { root: runcRoot });
    t.is(r.code, 3, `${stage}: ${r.stderr}`);
    t.is((await info(id))?.state, 'exited', stage);
    const d = await dumpByName(name);
    if (stage === 'createRuntime') t.regex(d.first, FIRST_EXEC, stage);
    t.true(d.hostnameOpens >= 1, stage);
  }
});

test.serial('no daemon: runc still runs the container, the hook says why and exits 0; --fail-closed stops the start with that line', async (t) => {
  // A daemon that was running and stopped cleanly: its run dir has no socket any more.
  const dirs = tempDirs('sb-hook-stopped-');
  t.teardown(() => fs.rmSync(dirs.root, { recursive: true, force: true }));
  const stopped = await startDaemonProcess(dirs, ['--no-discover']);
  t.is(await stopped.stop(), 0);
  t.false(fs.existsSync(stopped.managerSocket));

  const state = JSON.stringify({ ociVersion: '1.0.2', id: 'web', status: 'creating', pid: 4242, bundle: '/nonexistent' });
  const direct = await hook(['prestart'], state, { env: { STRACEBACK_RUN_DIR: dirs.runDir } });
  t.is(direct.code, 0);
  assertOneLine(
    t,
    direct.stderr,
    new RegExp(`^straceback-hook: prestart of container web \\(pid 4242\\): daemon not reachable at ${dirs.runDir}/manager\\.sock \\(ENOENT: .*\\); the container starts untraced\\n$`),
  );
  const closed = await hook(['prestart', '--fail-closed'], state, { env: { STRACEBACK_RUN_DIR: dirs.runDir } });
  t.is(closed.code, 1);
  assertOneLine(t, closed.stderr, /daemon not reachable .*; failing the hook \(--fail-closed\)$/m);

  // A daemon killed with its socket left behind: ECONNREFUSED.
  const stale = path.join(dirs.root, 'stale.sock');
  spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(stale)}, () => process.kill(process.pid, 'SIGKILL'))`]);
  t.true(fs.statSync(stale).isSocket());
  const refused = await hook(['poststop', '--socket', stale], JSON.stringify({ id: 'web', status: 'stopped' }));
  t.is(refused.code, 0);
  assertOneLine(t, refused.stderr, /^straceback-hook: poststop of container web: daemon not reachable at .*stale\.sock \(ECONNREFUSED\); not recorded as exited/);

  // Through runc: the container runs (exit 3, its output); with --fail-closed runc refuses and shows the line.
  const entry = (extra: string[]): OciHook => ({ path: HOOK, args: ['straceback-hook', 'prestart', '--no-kmsg', ...extra], env: [`STRACEBACK_RUN_DIR=${dirs.runDir}`] });
  const open = await RuncContainer.runForeground(bundleWithHooks(`down-${process.pid}`, { prestart: [entry([])] }), uniqueId('down'), { root: runcRoot });
  t.is(open.code, 3, open.stderr);
  t.is(open.stdout, 'straceback-test\n');
  const id = uniqueId('closed');
  const shut = await RuncContainer.runForeground(bundleWithHooks(`closed-${process.pid}`, { prestart: [entry(['--fail-closed'])] }), id, { root: runcRoot });
  t.not(shut.code, 0);
  t.is(shut.stdout, '', 'the container process never ran');
  t.regex(shut.stderr, new RegExp(`straceback-hook: prestart of container ${id} \\(pid \\d+\\): daemon not reachable at ${dirs.runDir}/manager\\.sock`));
});

test.serial('a daemon that accepts and never answers: the hook gives up within its timeout and exits 0', async (t) => {
  const held: net.Socket[] = [];
  const silent = net.createServer((s) => held.push(s));
  const sock = path.join(root, 'silent.sock');
  await new Promise<void>((r) => silent.listen(sock, r));
  t.teardown(() => {
    for (const s of held) s.destroy();
    silent.close();
  });
  const state = JSON.stringify({ id: 'web', status: 'creating', pid: process.pid });

  const byDefault = await hook(['--socket', sock], state);
  t.is(byDefault.code, 0);
  assertOneLine(t, byDefault.stderr, /^straceback-hook: prestart of container web \(pid \d+\): no answer from the daemon at .*silent\.sock within 2 s \(timeout\); the container starts untraced$/m);
  t.true(byDefault.ms >= 2000 && byDefault.ms < 2000 + 1500, `took ${byDefault.ms} ms with the default 2 s timeout`);

  const short = await hook(['--socket', sock, '--timeout', '0.5', '--fail-closed'], state);
  t.is(short.code, 1);
  assertOneLine(t, short.stderr, /within 0\.5 s \(timeout\); failing the hook/);
  t.true(short.ms < 500 + 1500, `took ${short.ms} ms`);
  t.true(held.length >= 2, 'the hook did connect');

  // stdin never closed: the same cap.
  const noEof = await hook(['prestart', '--socket', sock, '--timeout', '1'], null);
  t.is(noEof.code, 0);
  assertOneLine(t, noEof.stderr, /^straceback-hook: prestart: no OCI state on stdin within 1 s \(timeout: stdin was not closed\); the container runs untraced$/m);
  t.true(noEof.ms < 1000 + 1500, `took ${noEof.ms} ms`);
});

test.serial('bad input and refusals fail open with one clear line; the daemon and a traced container are unaffected', async (t) => {
  // A traced "container": a shell in its own mount namespace, registered by the hook at poststart.
  const shell = await spawnGatedShell('echo ready; read go; cat /etc/hostname >/dev/null; ls / >/dev/null; exec sleep 60');
  t.teardown(() => shell.child.kill('SIGKILL'));
  const liveId = uniqueId('live');
  const added = await hook(['poststart', ...runDirArgs()], JSON.stringify({ id: liveId, status: 'running', pid: shell.child.pid }));
  t.is(added.code, 0, added.stderr);
  t.is(added.stderr, '');
  shell.child.stdin.end('go\n');
  await sleep(500);
  const before = (await info(liveId))!;
  t.is(before.state, 'running');
  t.true(before.events > 0);

  // A pid that is gone.
  const gone = spawnSync('/bin/true');
  const gonePid = gone.pid!;
  t.false(fs.existsSync(`/proc/${gonePid}`));

  const cases: Array<{ why: string; args: string[]; input: string; re: RegExp }> = [
    { why: 'not JSON', args: ['prestart'], input: '{"id": "web", "pid": ', re: /^straceback-hook: prestart: cannot read the OCI state on stdin: not JSON \(.*\); the container runs untraced$/ },
    { why: 'empty stdin', args: [], input: '', re: /^straceback-hook: cannot read the OCI state on stdin: stdin is empty; the container runs untraced$/ },
    { why: 'an array', args: ['poststop'], input: '[1,2]', re: /^straceback-hook: poststop: cannot read the OCI state on stdin: not a JSON object; nothing recorded as exited$/ },
    { why: 'no id', args: ['prestart'], input: '{"status":"creating","pid":1}', re: /^straceback-hook: prestart: the OCI state on stdin has no container id \(id: missing\); the container runs untraced$/ },
    { why: 'no pid', args: ['prestart'], input: '{"id":"web","status":"creating"}', re: /^straceback-hook: prestart of container web: the OCI state has no valid pid \(pid: missing\); the container starts untraced$/ },
    { why: 'pid 0', args: [], input: '{"id":"web","status":"created","pid":0}', re: /^straceback-hook: prestart of container web \(pid 0\): the OCI state has no valid pid \(pid: 0\)/ },
    { why: 'pid a string', args: ['prestart'], input: '{"id":"web","status":"creating","pid":"42"}', re: /^straceback-hook: prestart of container web: the OCI state has no valid pid \(pid: "42"\)/ },
    {
      why: 'pid gone',
      args: ['prestart'],
      input: JSON.stringify({ id: uniqueId('gone'), status: 'creating', pid: gonePid }),
      re: new RegExp(`^straceback-hook: prestart of container sbt-gone-\\S+ \\(pid ${gonePid}\\): the daemon answered INVALID_ARGUMENT: .*${gonePid}.*; the container starts untraced$`),
    },
    {
      why: 'bad id',
      args: ['prestart'],
      input: JSON.stringify({ id: 'web/../x', status: 'creating', pid: shell.child.pid }),
      re: /^straceback-hook: prestart of container web\/\.\.\/x \(pid \d+\): the daemon answered INVALID_ARGUMENT: id .*; the container starts untraced$/,
    },
    { why: 'unknown id at poststop', args: ['poststop'], input: '{"id":"never-registered-here","status":"stopped","pid":0}', re: /^straceback-hook: poststop of container never-registered-here: the daemon answered NOT_FOUND: .*never-registered-here.*; not recorded as exited$/ },
    { why: 'status without a stage', args: [], input: '{"id":"web","status":"paused","pid":1}', re: /^straceback-hook: hook for container web: cannot tell the stage from status "paused"; give it as the first argument; nothing done$/ },
  ];
  for (const c of cases) {
    const r = await hook([...c.args, ...runDirArgs()], c.input);
    t.is(r.code, 0, `${c.why}: exit ${r.code}`);
    t.regex(r.stderr, /^straceback-hook: [^\n]+\n$/, `${c.why}: one line: ${JSON.stringify(r.stderr)}`);
    t.regex(r.stderr.trimEnd(), c.re, c.why);
    t.is(r.stdout, '', c.why);
  }
  const closed = await hook(['poststop', '--fail-closed', ...runDirArgs()], '{"id":"never-registered-here","status":"stopped"}');
  t.is(closed.code, 1);
  assertOneLine(t, closed.stderr, /NOT_FOUND.*; failing the hook \(--fail-closed\)$/m);

  t.is((await curl(daemon.apiSocket, ['http://localhost/healthz'])).status, 200);
  const after = (await info(liveId))!;
  t.is(after.state, 'running');
  t.true(after.events >= before.events, `events ${before.events} -> ${after.events}`);
  t.is((await info('web'))?.id, undefined, 'nothing named web was registered');

  // Registering the same container again is no failure (ALREADY_EXISTS): silent, exit 0.
  const again = await hook(['prestart', ...runDirArgs()], JSON.stringify({ id: liveId, status: 'creating', pid: shell.child.pid }));
  t.is(again.code, 0);
  t.is(again.stderr, '');

  // poststop of a live container: exited at once (no waiting for the process to go).
  const stop = await hook(runDirArgs(), JSON.stringify({ id: liveId, status: 'stopped', pid: 0 }));
  t.is(stop.code, 0, stop.stderr);
  t.is(stop.stderr, '');
  t.is((await info(liveId))?.state, 'exited');
});

test.serial('annotations: config.json merged with the state (the state wins); runtime from the parent; a missing config.json is fine', async (t) => {
  const shell = await spawnGatedShell('echo ready; read go; exec sleep 60');
  t.teardown(() => shell.child.kill('SIGKILL'));
  const bundle = fs.mkdtempSync(path.join(root, 'annotated-'));
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify({ ociVersion: '1.0.2', annotations: { a: 'from config', b: 'from config', n: 7 } }));
  const id = uniqueId('annotated');
  const r = await hook(['createRuntime', ...runDirArgs()], JSON.stringify({ id, status: 'creating', pid: shell.child.pid, bundle, annotations: { b: 'from state', c: 'from state' } }));
  t.is(r.code, 0, r.stderr);
  const c = (await info(id))!;
  t.deepEqual(c.labels, { a: 'from config', b: 'from state', c: 'from state' });
  t.is(c.bundle, bundle);
  t.is(c.runtime, fs.readFileSync('/proc/self/comm', 'utf8').trim(), "this test process is the hook's parent");
  await hook(['poststop', ...runDirArgs()], JSON.stringify({ id, status: 'stopped' }));

  const shell2 = await spawnGatedShell('echo ready; read go; exec sleep 60');
  t.teardown(() => shell2.child.kill('SIGKILL'));
  const id2 = uniqueId('noconfig');
  const r2 = await hook(['prestart', ...runDirArgs()], JSON.stringify({ id: id2, status: 'creating', pid: shell2.child.pid, bundle: path.join(root, 'no-such-bundle') }));
  t.is(r2.code, 0, r2.stderr);
  t.is(r2.stderr, '');
  t.deepEqual((await info(id2))?.labels, {});
});

test.serial('socket: flags beat the environment, STRACEBACK_SOCKET beats STRACEBACK_RUN_DIR', async (t) => {
  const unknown = JSON.stringify({ id: 'nobody-here', status: 'stopped' });
  // NOT_FOUND proves the daemon was reached; ENOENT that it was not.
  const reached = /NOT_FOUND/;
  const missed = /ENOENT/;
  const bogusDir = path.join(root, 'no-daemon');
  const cases: Array<[string[], Record<string, string>, RegExp]> = [
    [['--run-dir', daemon.runDir], { STRACEBACK_RUN_DIR: bogusDir, STRACEBACK_SOCKET: `${bogusDir}/x.sock` }, reached],
    [['--socket', daemon.managerSocket], { STRACEBACK_RUN_DIR: bogusDir }, reached],
    [[], { STRACEBACK_RUN_DIR: daemon.runDir }, reached],
    [[], { STRACEBACK_SOCKET: daemon.managerSocket, STRACEBACK_RUN_DIR: bogusDir }, reached],
    [[], { STRACEBACK_SOCKET: `${bogusDir}/x.sock`, STRACEBACK_RUN_DIR: daemon.runDir }, missed],
    [['--socket', daemon.managerSocket, '--run-dir', bogusDir], {}, missed],
    [[`--run-dir=${bogusDir}`, `--socket=${daemon.managerSocket}`], {}, reached],
  ];
  for (const [args, env, re] of cases) {
    const r = await hook(['poststop', ...args], unknown, { env });
    t.is(r.code, 0);
    t.regex(r.stderr, re, `${args.join(' ')} ${JSON.stringify(env)}`);
  }
  const def = await hook(['poststop'], unknown);
  t.regex(def.stderr, /daemon not reachable at \/run\/straceback\/manager\.sock|NOT_FOUND/, 'the default socket');
});

test.serial('usage: --help, and bad arguments fail open unless --fail-closed (exit 2)', async (t) => {
  const help = await hook(['--help'], '');
  t.is(help.code, 0);
  t.regex(help.stdout, /^Usage: straceback-hook \[STAGE\]/);
  t.is(help.stderr, '');
  const state = '{"id":"web","status":"creating","pid":1}';
  for (const args of [['--bogus'], ['prestop'], ['prestart', 'poststop'], ['--timeout', 'soon'], ['--timeout', '0'], ['--socket']]) {
    const r = await hook(args, state);
    t.is(r.code, 0, args.join(' '));
    t.regex(r.stderr, /^straceback-hook: .+; nothing done\nUsage: straceback-hook/, args.join(' '));
    const closed = await hook([...args, '--fail-closed'], state);
    t.is(closed.code, 2, `${args.join(' ')} --fail-closed`);
  }
  const stage = await hook(['prestop'], state);
  t.regex(stage.stderr, /unknown stage "prestop" \(one of prestart, createRuntime, createContainer, startContainer, poststart, poststop\)/);
});

test.serial('a failure also goes to the kernel log, where runc cannot drop it', async (t) => {
  if (process.getuid?.() !== 0 || spawnSync('dmesg', ['--notime']).status !== 0) {
    t.pass('dmesg is not readable here');
    return;
  }
  const id = uniqueId('kmsg');
  const r = await hook(['poststop', '--socket', path.join(root, 'nothing.sock')], JSON.stringify({ id, status: 'stopped' }), { kmsg: true });
  t.is(r.code, 0);
  let seen = '';
  for (let i = 0; i < 20 && !seen; i++) {
    seen = spawnSync('dmesg', ['--notime'], { encoding: 'utf8' }).stdout.split('\n').find((l) => l.includes(id)) ?? '';
    if (!seen) await sleep(50);
  }
  t.regex(seen, new RegExp(`straceback-hook\\[\\d+\\]: poststop of container ${id}: daemon not reachable at .*nothing\\.sock \\(ENOENT`));
});

test('containerd snippet: the README recipe makes a whole default spec with the hooks; config.toml points at it', (t) => {
  const dir = path.join(repoRoot(), 'hooks', 'containerd');
  const toml = fs.readFileSync(path.join(dir, 'config.toml'), 'utf8');
  t.regex(toml, /^\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.runc\]\n {2}runtime_type = "io\.containerd\.runc\.v2"\n {2}base_runtime_spec = "\/etc\/containerd\/straceback-base-spec\.json"$/m);
  const fragment = JSON.parse(fs.readFileSync(path.join(dir, 'base-spec-hooks.json'), 'utf8'));
  t.deepEqual(Object.keys(fragment), ['hooks']);
  for (const stage of ['prestart', 'poststop']) {
    t.deepEqual(fragment.hooks[stage], [{ path: '/usr/local/bin/straceback-hook', args: ['straceback-hook', stage], timeout: 5 }]);
  }
  if (spawnSync('ctr', ['--version']).status !== 0 || spawnSync('jq', ['--version']).status !== 0) {
    t.log('ctr or jq missing: the recipe itself is not run');
    return;
  }
  const recipe = spawnSync('sh', ['-c', `ctr oci spec | jq --slurpfile h ${path.join(dir, 'base-spec-hooks.json')} '.hooks = $h[0].hooks'`], { encoding: 'utf8' });
  t.is(recipe.status, 0, recipe.stderr);
  const spec = JSON.parse(recipe.stdout);
  t.deepEqual(spec.hooks, fragment.hooks);
  t.true(spec.linux.namespaces.length >= 4, 'a whole default spec: namespaces');
  t.true(spec.process.capabilities.bounding.length > 0, 'a whole default spec: capabilities');
  t.true(spec.mounts.some((m: { destination: string }) => m.destination === '/proc'), 'a whole default spec: mounts');
});

test('a Kubernetes pod sandbox (pause) container is skipped: no call, no message', async (t) => {
  const { runHook } = await import('../hooks/hook');
  for (const annotations of [{ 'io.kubernetes.cri.container-type': 'sandbox' }, { 'io.kubernetes.cri-o.ContainerType': 'sandbox' }]) {
    for (const stage of ['prestart', 'poststop']) {
      // The socket does not exist: any call would fail and say so.
      const state = JSON.stringify({ ociVersion: '1.0.2', id: 'pause-1', status: stage === 'poststop' ? 'stopped' : 'created', pid: process.pid, bundle: '', annotations });
      const out = await runHook([stage, '--socket', '/nonexistent/manager.sock', '--no-kmsg'], {}, async () => state);
      t.deepEqual([out.code, out.line], [0, ''], `${stage} ${JSON.stringify(annotations)}`);
    }
  }
  const app = JSON.stringify({ ociVersion: '1.0.2', id: 'app-1', status: 'created', pid: process.pid, bundle: '', annotations: { 'io.kubernetes.cri.container-type': 'container' } });
  const out = await runHook(['prestart', '--socket', '/nonexistent/manager.sock', '--no-kmsg'], {}, async () => app);
  t.regex(out.line, /daemon not reachable|nonexistent/, 'an app container is not skipped');
});
