/**
 * straceback-hook: the OCI hook that tells the straceback daemon about a
 * container (docs/hooks.md). The runtime (runc, crun, CRI-O, podman,
 * containerd via runc) runs it with the container's OCI state JSON on stdin:
 * at a pre-exec stage or poststart it calls TracerManager.AddContainer, at
 * poststop RemoveContainer.
 *
 * It fails open: whatever goes wrong (no daemon, a slow one, a refusal, bad
 * input) it writes one line to stderr and exits 0, so the container runs
 * untraced rather than not at all; --fail-closed exits 1 instead. It runs on
 * every container start, so it loads node:fs and node:net only (gRPC and
 * protobuf by hand: grpc-unary.ts, hpack.ts, protobuf.ts) and exits as soon
 * as it has its answer.
 */
import fs from 'node:fs';
import net from 'node:net';
import { CallError, GRPC_ALREADY_EXISTS, GRPC_OK, grpcStatusName, unaryCall } from './grpc-unary';
import { encodeAddContainerRequest, encodeRemoveContainerRequest } from './protobuf';

export const DEFAULT_SOCKET = '/run/straceback/manager.sock';
export const DEFAULT_TIMEOUT_MS = 2000;
const SERVICE = '/straceback.v1.TracerManager/';

/** OCI hook stages (runtime-spec config.md "POSIX-platform Hooks"). */
export const STAGES = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'] as const;
export type Stage = (typeof STAGES)[number];

/** Stages at which the container's process has not exec'd its entrypoint yet. */
const PRE_EXEC: ReadonlySet<string> = new Set(['prestart', 'createRuntime', 'createContainer', 'startContainer']);

const USAGE = `Usage: straceback-hook [STAGE] [--socket PATH | --run-dir DIR] [--timeout SECONDS] [--fail-closed] [--no-kmsg]

OCI hook: reads the container's OCI state JSON on stdin and registers the
container with the straceback daemon (pre-exec stages, poststart) or marks it
exited (poststop).

  STAGE            prestart, createRuntime, createContainer, startContainer,
                   poststart or poststop; when left out it is taken from the
                   state's status (creating/created: pre-exec, running:
                   poststart, stopped: poststop)
  --socket PATH    the daemon's gRPC socket (env STRACEBACK_SOCKET;
                   default ${DEFAULT_SOCKET})
  --run-dir DIR    the daemon's run dir: DIR/manager.sock (env STRACEBACK_RUN_DIR)
  --timeout SECS   give up after this long (default ${DEFAULT_TIMEOUT_MS / 1000})
  --fail-closed    exit 1 when the container could not be registered
                   (default: say why on stderr and exit 0, so it runs untraced)
  --no-kmsg        say it on stderr only, not also in the kernel log
                   (runc drops the stderr of a hook that exits 0)
  --help           this text

Bad arguments also exit 0 (the container runs untraced) unless --fail-closed
is given or stdin is a terminal; then they exit 2.
`;

export interface HookOptions {
  stage?: Stage;
  socket: string;
  timeoutMs: number;
  failClosed: boolean;
  help: boolean;
}

/** Bad arguments: the hook's configuration is wrong. */
export class UsageError extends Error {}

/** Flags and environment; flags win, and of two flags naming the socket the last one does. */
export function parseArgs(argv: string[], env: NodeJS.ProcessEnv): HookOptions {
  const opts: HookOptions = {
    socket: env.STRACEBACK_SOCKET || (env.STRACEBACK_RUN_DIR ? `${env.STRACEBACK_RUN_DIR}/manager.sock` : DEFAULT_SOCKET),
    timeoutMs: DEFAULT_TIMEOUT_MS,
    failClosed: false,
    help: false,
  };
  // --fail-closed applies even when another argument is wrong: it decides the exit code of a usage error.
  opts.failClosed = argv.includes('--fail-closed');
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      // "--socket --fail-closed" is a forgotten value, not a path.
      if (i + 1 >= argv.length || argv[i + 1].startsWith('--')) throw new UsageError(`${flag} needs a value`);
      return argv[++i];
    };
    switch (flag) {
      case '--help':
      case '-h':
        opts.help = true;
        break;
      case '--fail-closed':
      case '--no-kmsg':
        break;
      case '--socket': {
        const v = value();
        if (v === '') throw new UsageError('--socket needs a path');
        opts.socket = v;
        break;
      }
      case '--run-dir': {
        const v = value();
        if (v === '') throw new UsageError('--run-dir needs a directory');
        opts.socket = `${v.replace(/\/+$/, '')}/manager.sock`;
        break;
      }
      case '--timeout': {
        const v = value();
        const secs = Number(v);
        if (v.trim() === '' || !Number.isFinite(secs) || secs <= 0 || secs > 3600) {
          throw new UsageError(`--timeout: ${JSON.stringify(v)} is not a number of seconds in (0, 3600]`);
        }
        opts.timeoutMs = secs * 1000;
        break;
      }
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option ${flag}`);
        if (opts.stage !== undefined) throw new UsageError(`one stage only, got ${opts.stage} and ${arg}`);
        if (!(STAGES as readonly string[]).includes(arg)) throw new UsageError(`unknown stage ${JSON.stringify(arg)} (one of ${STAGES.join(', ')})`);
        opts.stage = arg as Stage;
    }
  }
  return opts;
}

/** The fields of the OCI state the hook uses (runtime-spec runtime.md "State"). */
export interface OciState {
  id: string;
  status: string;
  /** As given: validated where it is needed (poststop has none to check). */
  pid?: unknown;
  bundle?: string;
  annotations?: Record<string, string>;
}

/** A failure to report: what went wrong, for the one stderr line. */
class HookFailure extends Error {}

export function parseState(text: string): OciState {
  let s: unknown;
  try {
    s = JSON.parse(text);
  } catch (e) {
    const what = text.trim() === '' ? 'stdin is empty' : `not JSON (${(e as Error).message})`;
    throw new HookFailure(`cannot read the OCI state on stdin: ${what}`);
  }
  if (typeof s !== 'object' || s === null || Array.isArray(s)) throw new HookFailure('cannot read the OCI state on stdin: not a JSON object');
  const o = s as Record<string, unknown>;
  if (typeof o.id !== 'string' || o.id === '') throw new HookFailure(`the OCI state on stdin has no container id (id: ${JSON.stringify(o.id) ?? 'missing'})`);
  return {
    id: o.id,
    status: typeof o.status === 'string' ? o.status : '',
    pid: o.pid,
    bundle: typeof o.bundle === 'string' ? o.bundle : undefined,
    annotations: stringRecord(o.annotations),
  };
}

function stringRecord(v: unknown): Record<string, string> | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

/** The stage from the state's status, when none was given. */
export function stageOfStatus(status: string): Stage | undefined {
  switch (status) {
    case 'creating':
    case 'created':
      return 'prestart';
    case 'running':
      return 'poststart';
    case 'stopped':
      return 'poststop';
    default:
      return undefined;
  }
}

/** Annotations of <bundle>/config.json, overridden by those of the state; config.json may be missing. */
export function annotationsOf(state: OciState): Record<string, string> {
  let fromConfig: Record<string, string> | undefined;
  if (state.bundle) {
    try {
      const spec = JSON.parse(fs.readFileSync(`${state.bundle}/config.json`, 'utf8')) as { annotations?: unknown };
      fromConfig = stringRecord(spec?.annotations);
    } catch {
      // Not fatal: the state's annotations (if any) are the same ones in every runtime we know.
    }
  }
  return { ...fromConfig, ...state.annotations };
}

/** Runtime name from the hook's parent (runc, crun; "runc:[2:INIT]" is runc), or "". */
export function runtimeOfParent(ppid = process.ppid): string {
  try {
    const comm = fs.readFileSync(`/proc/${ppid}/comm`, 'utf8').trim();
    return /^[^:]*/.exec(comm)![0];
  } catch {
    return '';
  }
}

/** Whole stdin: a pipe is read without blocking (so the timeout still fires), a file at once. */
function readStdin(): Promise<string> {
  let st: fs.Stats;
  try {
    st = fs.fstatSync(0);
  } catch (e) {
    return Promise.reject(new HookFailure(`cannot read the OCI state on stdin (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`));
  }
  if (st.isFIFO() || st.isSocket()) {
    return new Promise((resolve, reject) => {
      const sock = new net.Socket({ fd: 0, readable: true, writable: false });
      const chunks: Buffer[] = [];
      sock.on('data', (c: Buffer) => chunks.push(c));
      sock.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      sock.on('error', (e: NodeJS.ErrnoException) => reject(new HookFailure(`cannot read the OCI state on stdin (${e.code ?? e.message})`)));
    });
  }
  if (st.isCharacterDevice() && require('node:tty').isatty(0)) {
    return Promise.reject(new HookFailure('stdin is a terminal: the runtime passes the OCI state JSON on stdin'));
  }
  try {
    return Promise.resolve(fs.readFileSync(0, 'utf8'));
  } catch (e) {
    return Promise.reject(new HookFailure(`cannot read the OCI state on stdin (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`));
  }
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** Why a call got no answer, for the stderr line. */
function callFailure(err: unknown, socket: string, timeoutMs: number): string {
  if (err instanceof CallError) {
    if (err.code === 'ETIMEDOUT') return `no answer from the daemon at ${socket} within ${seconds(timeoutMs)} (timeout)`;
    if (err.code === 'ENOENT') return `daemon not reachable at ${socket} (ENOENT: no such socket; is the straceback daemon running?)`;
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return `the daemon at ${socket} closed the connection before answering (${err.code})`;
    if (err.code === 'EPROTO') return `call to the daemon at ${socket} failed (${err.message})`;
    // ECONNREFUSED (a daemon that died and left its socket), EACCES, ENOTSOCK, ...
    return `daemon not reachable at ${socket} (${err.code})`;
  }
  return `call to the daemon at ${socket} failed (${(err as Error)?.message ?? String(err)})`;
}

export interface HookOutcome {
  /** Process exit code. */
  code: number;
  /** The one line for stderr (without its newline), or "" on success. */
  line: string;
  /** Bad arguments: the usage text follows the line. */
  usage?: boolean;
}

/** `p`, or a HookFailure once `ms` have passed. */
function within<T>(p: Promise<T>, ms: number, why: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new HookFailure(why)), Math.max(0, ms));
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/**
 * One hook run: parse, read the state, call the daemon, all within the
 * timeout counted from startedAt. Never throws: every failure is an outcome
 * with its line. main() adds a hard cap in case something still hangs.
 */
/** The pod sandbox ("pause") container, as containerd's and CRI-O's CRI annotations mark it. */
export function isPodSandbox(a: Record<string, string>): boolean {
  return a['io.kubernetes.cri.container-type'] === 'sandbox' || a['io.kubernetes.cri-o.ContainerType'] === 'sandbox';
}

export async function runHook(
  argv: string[],
  env: NodeJS.ProcessEnv,
  readInput: () => Promise<string> = readStdin,
  startedAt = Date.now(),
): Promise<HookOutcome> {
  let opts: HookOptions;
  try {
    opts = parseArgs(argv, env);
  } catch (e) {
    return { code: usageExitCode(argv), line: `straceback-hook: ${(e as Error).message}; nothing done`, usage: true };
  }
  if (opts.help) return { code: 0, line: '' };
  const remaining = (): number => Math.max(1, startedAt + opts.timeoutMs - Date.now());
  const failed = (what: string | null, why: string, untraced: string): HookOutcome => ({
    code: opts.failClosed ? 1 : 0,
    line: `straceback-hook: ${what ? what + ': ' : ''}${why.replace(/\s*\n\s*/g, ' ')}; ${opts.failClosed ? 'failing the hook (--fail-closed)' : untraced}`,
  });

  let state: OciState;
  try {
    const text = await within(readInput(), remaining(), `no OCI state on stdin within ${seconds(opts.timeoutMs)} (timeout: stdin was not closed)`);
    state = parseState(text);
  } catch (e) {
    return failed(opts.stage ?? null, (e as Error).message, opts.stage === 'poststop' ? 'nothing recorded as exited' : 'the container runs untraced');
  }
  const stage = opts.stage ?? stageOfStatus(state.status);
  if (stage === undefined) {
    return failed(`hook for container ${state.id}`, `cannot tell the stage from status ${JSON.stringify(state.status)}; give it as the first argument`, 'nothing done');
  }

  const annotations = annotationsOf(state);
  // A Kubernetes pod's sandbox (pause) container runs nothing worth a ring.
  if (isPodSandbox(annotations)) return { code: 0, line: '' };

  if (stage === 'poststop') {
    const what = `poststop of container ${state.id}`;
    try {
      const a = await unaryCall(opts.socket, SERVICE + 'RemoveContainer', encodeRemoveContainerRequest({ id: state.id }), remaining());
      if (a.code === GRPC_OK) return { code: 0, line: '' };
      return failed(what, `the daemon answered ${grpcStatusName(a.code)}: ${a.message}`, 'not recorded as exited');
    } catch (e) {
      return failed(what, callFailure(e, opts.socket, opts.timeoutMs), 'not recorded as exited (the daemon archives it once it finds the process gone)');
    }
  }

  const pid = state.pid;
  const what = `${stage} of container ${state.id}${typeof pid === 'number' ? ` (pid ${pid})` : ''}`;
  const untraced = stage === 'poststart' ? 'the container runs untraced' : 'the container starts untraced';
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0 || pid > 2 ** 31 - 1) {
    return failed(what, `the OCI state has no valid pid (pid: ${JSON.stringify(pid) ?? 'missing'})`, untraced);
  }
  const request = encodeAddContainerRequest({
    id: state.id,
    pid,
    bundle: state.bundle ?? '',
    runtime: runtimeOfParent(),
    annotations,
    beforeExec: PRE_EXEC.has(stage),
  });
  try {
    const a = await unaryCall(opts.socket, SERVICE + 'AddContainer', request, remaining());
    // ALREADY_EXISTS: it is traced already (a repeated hook, or the daemon's discovery saw it first).
    if (a.code === GRPC_OK || a.code === GRPC_ALREADY_EXISTS) return { code: 0, line: '' };
    return failed(what, `the daemon answered ${grpcStatusName(a.code)}: ${a.message}`, untraced);
  } catch (e) {
    return failed(what, callFailure(e, opts.socket, opts.timeoutMs), untraced);
  }
}

/**
 * Bad arguments block the container only when asked to (--fail-closed) or
 * when a person runs the hook at a terminal: in a runtime's hook list a typo
 * must not stop every container on the host.
 */
function usageExitCode(argv: string[]): number {
  if (argv.includes('--fail-closed')) return 2;
  try {
    return require('node:tty').isatty(0) ? 2 : 0;
  } catch {
    return 0;
  }
}

function timeoutOf(argv: string[], env: NodeJS.ProcessEnv): number {
  try {
    return parseArgs(argv, env).timeoutMs;
  } catch {
    return DEFAULT_TIMEOUT_MS;
  }
}

/**
 * The line also goes to the kernel log (dmesg, journalctl -k or -t straceback-hook):
 * runc, and containerd through it, drop the stderr of a hook that exits 0,
 * so a hook failing open would otherwise leave no trace anywhere.
 */
function toKernelLog(line: string): void {
  const text = line.replace(/^straceback-hook: /, '');
  // The newline ends the record: without it the kernel holds it back as a line to be continued.
  const record = Buffer.from(`<12>straceback-hook[${process.pid}]: ${text.slice(0, 900)}\n`, 'utf8');
  let fd: number | undefined;
  try {
    fd = fs.openSync('/dev/kmsg', 'w');
    fs.writeSync(fd, record);
  } catch {
    // Not root, or no /dev/kmsg (some sandboxes): stderr has the line.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** The program: runs the hook under a hard cap, writes at most its one line (plus usage), exits. */
export function main(argv: string[]): void {
  const startedAt = Date.now();
  const env = process.env;
  if (argv.includes('--help') || argv.includes('-h')) {
    fs.writeSync(1, USAGE);
    process.exit(0);
  }
  const timeoutMs = timeoutOf(argv, env);
  const failClosed = argv.includes('--fail-closed');
  const kmsg = !argv.includes('--no-kmsg');
  const exit = (o: HookOutcome): never => {
    if (o.line) {
      fs.writeSync(2, `${o.line}\n${o.usage ? USAGE : ''}`);
      if (kmsg) toKernelLog(o.line);
    }
    process.exit(o.code);
  };
  // The hard cap: whatever is still pending (stdin never closed, a daemon that accepted and went
  // silent), the runtime gets its answer in time. The call itself times out first, with a better line.
  setTimeout(
    () =>
      exit({
        code: failClosed ? 1 : 0,
        line: `straceback-hook: gave up after ${seconds(timeoutMs)} (timeout) waiting for the OCI state on stdin or the daemon; ${failClosed ? 'failing the hook (--fail-closed)' : 'the container runs untraced'}`,
      }),
    timeoutMs + 200,
  );
  runHook(argv, env, readStdin, startedAt).then(exit, (e: unknown) =>
    exit({ code: failClosed ? 1 : 0, line: `straceback-hook: internal error: ${String((e as Error)?.message ?? e).replace(/\s*\n\s*/g, ' ')}` }),
  );
}

if (require.main === module) main(process.argv.slice(2));
