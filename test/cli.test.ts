/** straceback's command line, run as a user would run it. */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './lib/procs';

const cli = path.join(repoRoot(), 'bin', 'straceback');
const run = (args: string[]) => spawnSync(cli, args, { encoding: 'utf8', timeout: 60_000 });

test('run records a command from its execve and exits with its status', (t) => {
  const r = run(['run', '--', '/bin/sh', '-c', 'echo out; cat /nonexistent-sb 2>/dev/null; exit 3']);
  t.is(r.status, 3, r.stderr);
  t.is(r.stdout, 'out\n');
  const lines = r.stderr.trim().split('\n');
  // argv strings are cut at -s (32) like strace cuts them.
  t.regex(lines[0], /^\d\d:\d\d:\d\d\.\d{9} \[\d+\] (\d+)\/\1 sb-gate execve\("\/bin\/sh", \["\/bin\/sh", "-c", "echo out; cat \/nonexistent-sb 2>"\.\.\.\], 0x[0-9a-f]+ \/\* \d+ vars? \*\/\) = 0 <\d+\.\d{6}>$/);
  t.true(lines.some((l) => / write\(1, "out\\n", 4\) = 4 </.test(l)), 'the write of "out\\n" is missing');
  t.true(lines.some((l) => / execve\("\/(usr\/)?bin\/cat", \["cat", "\/nonexistent-sb"\], 0x[0-9a-f]+ \/\* \d+ vars? \*\/\) = 0 </.test(l)), 'the child execve of cat is missing');
  t.true(lines.some((l) => /openat\(AT_FDCWD, "\/nonexistent-sb", [^)]*\) = -1 ENOENT \(No such file or directory\)/.test(l)), 'the failing open is missing');
  t.true(lines.some((l) => /exit_group\(3\) = \?$/.test(l)));
  t.regex(lines[lines.length - 1], /^straceback: \d+ calls shown; ring held \d+ records, 0 overwritten, 0 lost$/);
});

test('run -o writes the history to a file', (t) => {
  const out = path.join(require('node:os').tmpdir(), `sb-cli-${process.pid}.txt`);
  const r = run(['run', '-o', out, '--', '/bin/true']);
  t.is(r.status, 0, r.stderr);
  const text = require('node:fs').readFileSync(out, 'utf8');
  require('node:fs').rmSync(out);
  t.regex(text, /execve\("\/bin\/true"/);
  t.notRegex(r.stderr, /execve/);
});

test('run: getdents64 counts the entries of a big directory, as many as ls lists', (t) => {
  const fs = require('node:fs') as typeof import('node:fs');
  const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'sb-dents-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (let i = 0; i < 3000; i++) fs.writeFileSync(path.join(dir, `file-with-a-longish-name-${i}`), '');
  const r = run(['run', '--', '/bin/ls', '-f', dir]);
  t.is(r.status, 0, r.stderr);
  const listed = r.stdout.split('\n').filter(Boolean).length;
  t.is(listed, 3002);
  const counts = [...r.stderr.matchAll(/ getdents64\(3, 0x[0-9a-f]+ \/\* (\d+) entries \*\/, \d+\) = (\d+) </g)];
  t.true(counts.length >= 2, r.stderr.slice(-2000));
  t.is(Number(counts[counts.length - 1][2]), 0, 'the last getdents64 returns 0');
  t.is(counts.reduce((sum, m) => sum + Number(m[1]), 0), listed);
});

test('run: a sleep a signal cuts short shows the time it had left, as strace does', (t) => {
  const r = run(['run', '--', 'timeout', '0.3', 'sleep', '5']);
  t.is(r.status, 124, r.stderr);
  t.regex(
    r.stderr,
    / sleep clock_nanosleep\(CLOCK_REALTIME, 0, \{tv_sec=5, tv_nsec=0\}, \{tv_sec=4, tv_nsec=\d+\}\) = \? ERESTART_RESTARTBLOCK \(Interrupted by signal\) </,
  );
  t.regex(r.stderr, / sleep \+\+\+ killed by SIGTERM \+\+\+/);
});

test('usage errors exit 2 with a message; a missing command exits 1', (t) => {
  const none = run(['run']);
  t.is(none.status, 2);
  t.regex(none.stderr, /run needs a command/);
  const unknown = run(['frobnicate']);
  t.is(unknown.status, 2);
  t.regex(unknown.stderr, /Unknown argument|Unknown command/i);
  const size = run(['run', '--ring-size', 'huge', '--', '/bin/true']);
  t.is(size.status, 2);
  t.regex(size.stderr, /not a size: huge/);
  for (const [cmd, value] of [['run', '0'], ['run', '128M'], ['daemon', '0']]) {
    const args = cmd === 'run' ? ['run', '--ring-size', value, '--', '/bin/true'] : ['daemon', '--ring-size', value, '--run-dir', '/nonexistent/sb-run'];
    const outside = run(args);
    t.is(outside.status, 2, `${args.join(' ')}: ${outside.stderr}`);
    t.regex(outside.stderr, new RegExp(`--ring-size: ${value} is outside 64K\\.\\.64M`));
  }
  // -s: a whole number of bytes (yargs makes "abc" NaN, which used to be taken as no limit at all).
  for (const [args, flag] of [[['run', '-s', 'abc', '--', '/bin/true'], '-s'], [['run', '-s', '-5', '--', '/bin/true'], '-s'], [['daemon', '--string-limit', '1.5', '--run-dir', '/nonexistent/sb-run'], '--string-limit']] as const) {
    const bad = run([...args]);
    t.is(bad.status, 2, `${args.join(' ')}: ${bad.stderr}`);
    t.true(bad.stderr.includes(`${flag} must be a whole number of bytes, 0 or more`), bad.stderr);
  }
  // -o is opened before the command runs (as strace -o): nowhere to write, nothing run.
  const marker = path.join(require('node:os').tmpdir(), `sb-cli-ran-${process.pid}`);
  const noDir = run(['run', '-o', '/nonexistent/sb/out.txt', '--', '/bin/touch', marker]);
  t.is(noDir.status, 1);
  t.regex(noDir.stderr, /-o \/nonexistent\/sb\/out\.txt: no such directory/);
  t.false(require('node:fs').existsSync(marker), 'the command did not run');
  const missing = run(['run', '--', 'no-such-command-sb']);
  t.is(missing.status, 1);
  t.regex(missing.stderr, /no-such-command-sb: command not found in PATH/);
  const help = run(['run', '--help']);
  t.is(help.status, 0);
  t.regex(help.stdout, /--ring-size/);
});
