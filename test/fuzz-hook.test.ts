/**
 * The hook's stdin under 10,000 generated inputs (not JSON, truncated JSON,
 * wrong types, missing and huge fields, bad ids, pids that are not
 * containers, every status and stage), each a full run of the hook's logic
 * (runHook, in process: spawning node 10,000 times would take half an hour)
 * against a real daemon over its real socket. Every run fails open (exit 0)
 * with nothing or one `straceback-hook:` line; the daemon stays up, nothing
 * is registered, and the held history does not change. A sample also runs
 * as the real hook process.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { runHook } from '../hooks/hook';
import { repoRoot } from '../recorder/paths';
import { curl, DaemonProcess } from './lib/daemon';
import { daemonWithHistory, historyHash, rng, Rng } from './lib/fuzz';

const COUNT = 10_000;
const SEED = Number(process.env.FUZZ_SEED ?? 777);
const KEEP_ID = 'Z9keep-hook';


function fuzzInput(r: Rng): { argv: string[]; stdin: string } {
  // Never a container: pids that do not exist, the host's (init, kthreadd, this test), or nonsense.
  const pid = r.pick<unknown>([0, -1, 1, 2, process.pid, 4_194_305, 2 ** 31, 1.5, '42', null, true, [], {}]);
  const id = r.pick<unknown>([`fz-${r.int(1000)}`, '', 'a'.repeat(300), '../../etc', 'bad id', 'Z9keep', 5, null, ['x']]);
  const status = r.pick<unknown>(['creating', 'created', 'running', 'stopped', 'paused', '', 'weird', 7, null]);
  const state: Record<string, unknown> = { ociVersion: r.pick(['1.0.2', '', 1]), id, status, pid, bundle: r.pick(['', '/nonexistent', '/tmp', 3, '/proc/self']) };
  if (r.int(3) === 0) state.annotations = r.pick<unknown>([{}, { 'io.kubernetes.cri.container-name': 'x' }, { a: 1 }, 'str', null, { 'io.kubernetes.cri.container-type': 'sandbox' }]);
  for (const k of Object.keys(state)) if (r.int(8) === 0) delete state[k];
  let stdin = JSON.stringify(state);
  switch (r.int(7)) {
    case 0:
      stdin = stdin.slice(0, r.int(stdin.length));
      break;
    case 1:
      stdin = r.bytes(32).toString('latin1');
      break;
    case 2:
      stdin = r.pick(['', 'null', '[]', '"str"', '42', '{}', '{"id":', '\u0000\u0001']);
      break;
    case 3:
      stdin = JSON.stringify({ ...state, huge: 'x'.repeat(200_000) });
      break;
    default:
      break;
  }
  const argv = r.pick([[], ['prestart'], ['poststop'], ['createRuntime'], ['poststart'], ['startContainer'], ['bogus-stage'], ['--timeout', '1'], ['--timeout', 'x'], ['--nope']]);
  return { argv, stdin };
}

let daemon: DaemonProcess;
let root: string;

test.before(async () => {
  ({ daemon, root } = await daemonWithHistory('sb-fuzz-hook-', KEEP_ID));
});

test.after.always(async () => {
  await daemon?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

const history = () => historyHash(daemon, KEEP_ID);

test.serial(`${COUNT} generated OCI states: the hook fails open with one clear line, the daemon is unaffected`, async (t) => {
  const before = await history();
  const r = rng(SEED);
  const failures: string[] = [];
  const outcomes = new Map<string, number>();
  for (let i = 0; i < COUNT; i++) {
    const { argv, stdin } = fuzzInput(r);
    const out = await runHook([...argv, '--socket', daemon.managerSocket, '--no-kmsg'], {}, async () => stdin);
    const kind = out.line === '' ? 'silent' : (/: ([^:;(]+)/.exec(out.line)?.[1] ?? 'other').slice(0, 40);
    outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
    const ok = out.code === 0 && (out.line === '' || (out.line.startsWith('straceback-hook: ') && !out.line.includes('\n')));
    if (!ok && failures.length < 10) failures.push(`#${i} ${JSON.stringify(argv)} ${JSON.stringify(stdin.slice(0, 120))} -> ${out.code} ${JSON.stringify(out.line.slice(0, 300))}`);
  }
  t.log(`outcomes: ${JSON.stringify(Object.fromEntries([...outcomes].sort((a, b) => b[1] - a[1]).slice(0, 12)))}`);
  t.deepEqual(failures, []);
  t.is((await curl(daemon.apiSocket, ['http://localhost/healthz'])).status, 200);
  t.is(await history(), before, 'the held history is unchanged');
  const list = JSON.parse((await curl(daemon.apiSocket, ['http://localhost/v1/containers'])).body.toString()).containers;
  t.deepEqual(list.map((c: { id: string }) => c.id), [KEEP_ID], 'nothing was registered');
});

test.serial('a sample through the real hook program: exit 0 and one stderr line', async (t) => {
  const r = rng(SEED + 1);
  const hook = path.join(repoRoot(), 'bin', 'straceback-hook');
  for (let i = 0; i < 40; i++) {
    const { argv, stdin } = fuzzInput(r);
    const res = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const p = spawn(hook, [...argv, '--socket', daemon.managerSocket, '--no-kmsg'], { stdio: ['pipe', 'ignore', 'pipe'] });
      let stderr = '';
      p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      p.on('close', (code) => resolve({ code, stderr }));
      p.stdin.on('error', () => undefined);
      p.stdin.end(stdin);
    });
    t.is(res.code, 0, `${JSON.stringify(argv)} ${stdin.slice(0, 80)}: ${res.stderr}`);
    const lines = res.stderr.split('\n').filter((l) => l.startsWith('straceback-hook: '));
    t.true(lines.length <= 1, res.stderr);
  }
  t.is((await curl(daemon.apiSocket, ['http://localhost/healthz'])).status, 200);
});
