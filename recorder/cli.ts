#!/usr/bin/env node
/**
 * The straceback command line (docs/interface.md "CLI").
 * Exit codes: 0 success, 1 failure, 2 usage error. Handlers are loaded
 * lazily so a command pays only for what it uses.
 */
import yargs, { Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { UsageError, checkStringLimit, parseRingSize, parseSize } from './cli-util';
import type { DumpWorkerMode } from './sinks/sqlite';

const DEFAULT_RUN_DIR = process.env.STRACEBACK_RUN_DIR || '/run/straceback';
const DEFAULT_STATE_DIR = process.env.STRACEBACK_STATE_DIR || '/var/lib/straceback';

function withRunDir<T>(y: Argv<T>) {
  return y.option('run-dir', {
    type: 'string',
    default: DEFAULT_RUN_DIR,
    describe: "the daemon's run dir, with its sockets (env STRACEBACK_RUN_DIR)",
  });
}

/** --syscall's values checked and split as the daemon does it, so a misspelt name is a usage error (2), not an empty answer. */
function syscallFilter(values: string[]): string[] {
  // Loaded here: only commands given --syscall pay for the syscall tables.
  const { parseSyscallFilter } = require('./syscalls/table') as typeof import('./syscalls/table');
  try {
    return parseSyscallFilter(values);
  } catch (err) {
    throw new UsageError(`--syscall: ${(err as Error).message}`);
  }
}

function threadId(value: unknown): number {
  const tid = /^\d+$/.test(String(value)) ? Number(value) : NaN;
  if (!Number.isInteger(tid) || tid < 1 || tid > 0xffffffff) throw new UsageError(`--tid: not a thread id: ${String(value)}`);
  return tid;
}

function withFilters<T>(y: Argv<T>) {
  return y
    .option('syscall', {
      type: 'string',
      array: true,
      describe: 'only these syscalls (repeatable, or comma-separated: openat,connect); signals and exits are shown as strace shows them',
      coerce: syscallFilter,
    })
    .option('tid', { type: 'string', describe: 'only this thread (its id as the lines show it)', coerce: threadId })
    .option('failed', { type: 'boolean', default: false, describe: 'only calls that failed' });
}

/** tail's --lines: a count, or "all" (undefined: the whole held history). */
function lineCount(value: unknown): number | undefined {
  const s = String(value);
  if (s === 'all') return undefined;
  const n = /^\d+$/.test(s) ? Number(s) : NaN;
  if (!Number.isInteger(n) || n > 0xffffffff) throw new UsageError(`--lines: not a count or "all": ${s}`);
  return n;
}

function withInstallRoot<T>(y: Argv<T>) {
  return y
    .option('root', { type: 'string', default: '/', describe: 'prefix every target path with DIR (tests, image builds)' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'print what would change, change nothing' });
}

async function main(argv: string[]): Promise<number> {
  let status = 0;
  const set = (p: Promise<number>) => p.then((s) => void (status = s));
  await yargs(argv)
    .scriptName('straceback')
    .usage('$0 <command> [options]\n\nA flight recorder for containers: the recent syscalls of every container, kept by the kernel, readable at any moment.')
    .command(
      'daemon',
      'Run the recorder daemon: gRPC tracer manager and HTTP API on unix sockets',
      (y) =>
        withRunDir(y)
          .option('state-dir', { type: 'string', default: DEFAULT_STATE_DIR, describe: 'archives of exited containers (env STRACEBACK_STATE_DIR)' })
          .option('ring-size', { type: 'string', default: '1M', describe: 'ring per container, rounded up to a power of two (64K..64M); a bigger ring holds more history but makes each traced call slower (README: Performance)' })
          .option('ring-budget', { type: 'string', default: '256M', describe: 'all rings together may use at most this much memory' })
          .option('max-containers', { type: 'number', default: 1024, describe: 'containers recorded at once at most' })
          .option('retention', { type: 'string', default: '1G', describe: 'archives beyond this total size are deleted, oldest first' })
          .option('retention-age', { type: 'string', default: '7d', describe: 'archives older than this are deleted' })
          .option('discover', {
            type: 'string',
            array: true,
            default: ['/run/runc', '/run/containerd/runc', '/run/crun'],
            describe: 'runtime state dirs watched for containers started without the hooks (recorded from discovery on); --no-discover turns discovery off',
          })
          .option('socket-group', { type: 'string', describe: 'group (name or gid) allowed to use the sockets (0660); default: root only (0600)' })
          .option('pin-dir', { type: 'string', describe: 'bpffs dir where programs and rings are pinned so they outlive the daemon (default /sys/fs/bpf/straceback/default for the default run dir)' })
          .option('release-on-exit', {
            type: 'boolean',
            default: false,
            describe: 'on SIGTERM archive running containers and free their rings, instead of leaving them recording for the next daemon',
          })
          .option('dump-worker', {
            type: 'string',
            choices: ['auto', 'always', 'never'],
            default: 'auto',
            // --no-dump-worker (before 'never' existed) and a bare --dump-worker keep their meaning.
            coerce: (v: unknown) => (v === false || v === 'false' ? 'never' : v === true || v === '' || v === 'true' ? 'auto' : v),
            describe:
              'who writes big dumps and archives (160,000 calls or more): auto, a worker thread while the rows are decoded when a CPU is idle; always, a worker thread; never (or --no-dump-worker), the thread that decodes',
          })
          .option('string-limit', {
            alias: 's',
            type: 'number',
            default: 32,
            describe:
              "longest string or buffer shown in dumps, archives and event text, as strace's -s (paths are shown whole); up to what is captured: 128 bytes of buffers, 4 KiB of strings",
          })
          .option('settle-after', {
            type: 'string',
            default: '5s',
            describe: 'after this long without adds, removes or dumps, collect garbage and give free memory back to the system',
          }),
      (a) =>
        set(
          import('./commands').then((c) =>
            c.daemonCommand({
              runDir: a['run-dir'],
              stateDir: a['state-dir'],
              ringSize: a['ring-size'],
              ringBudget: a['ring-budget'],
              maxContainers: a['max-containers'],
              retention: a.retention,
              retentionAge: a['retention-age'],
              // --no-discover arrives as [false].
              discover: (a.discover as unknown[]).includes(false) ? [] : a.discover.filter((d) => typeof d === 'string' && d !== ''),
              socketGroup: a['socket-group'],
              pinDir: a['pin-dir'],
              releaseOnExit: a['release-on-exit'],
              dumpWorker: a['dump-worker'] as DumpWorkerMode,
              settleAfter: a['settle-after'],
              stringLimit: a['string-limit'],
            }),
          ),
        ),
    )
    .command(
      'list',
      'List recorded containers, running and exited',
      (y) => withRunDir(y).option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
      (a) => set(import('./commands').then((c) => c.listCommand({ runDir: a['run-dir'], json: a.json }))),
    )
    .command(
      'dump <ref>',
      "Write a container's history as an SQLite file",
      (y) =>
        withRunDir(y)
          .positional('ref', { type: 'string', demandOption: true, describe: 'container id, unique id prefix, or name' })
          .option('output', { alias: 'o', type: 'string', describe: 'the file to write (default REF.db; - for stdout, not a terminal)' }),
      (a) => set(import('./commands').then((c) => c.dumpCommand({ runDir: a['run-dir'], ref: a.ref, output: a.output }))),
    )
    .command(
      'show <target>',
      'Print a history from a dump file or a live container',
      (y) =>
        withFilters(withRunDir(y))
          .positional('target', { type: 'string', demandOption: true, describe: 'FILE.db, or a container id, prefix or name' })
          .option('format', {
            choices: ['text', 'json', 'chrome'] as const,
            default: 'text' as const,
            describe: 'text (like strace), json (one object per call), or chrome (trace-event JSON for Perfetto UI / chrome://tracing)',
          })
          .option('utc', { type: 'boolean', default: false, describe: 'times in UTC instead of local time' }),
      (a) =>
        set(
          import('./commands').then((c) =>
            c.showCommand({ runDir: a['run-dir'], target: a.target, format: a.format, syscall: a.syscall, tid: a.tid, failed: a.failed, utc: a.utc }),
          ),
        ),
    )
    .command(
      'tail <ref>',
      "Follow a container's syscalls live (Ctrl-C to stop)",
      (y) =>
        withFilters(withRunDir(y))
          .positional('ref', { type: 'string', demandOption: true, describe: 'container id, unique id prefix, or name' })
          .option('lines', {
            alias: 'n',
            type: 'string',
            default: '10',
            describe: 'first print the last N calls held (after the filters), 0 for none, "all" for all of them',
            coerce: lineCount,
          })
          .example('$0 tail web -n 0 --syscall openat', "web's openat calls from now on")
          .example('$0 tail web -n all --failed', 'every failed call the ring holds, then the new ones'),
      (a) =>
        set(import('./commands').then((c) => c.tailCommand({ runDir: a['run-dir'], ref: a.ref, syscall: a.syscall, tid: a.tid, failed: a.failed, last: a.lines }))),
    )
    .command(
      'run [command..]',
      'Run a command in its own mount namespace, record it, and print its syscall history when it exits',
      (y) =>
        y
          .positional('command', { type: 'string', array: true, describe: 'the command and its arguments (put -- before it)' })
          .option('ring-size', { type: 'string', default: '4M', describe: 'ring size, rounded up to a power of two (64K..64M); a bigger ring holds more history but makes each traced call slower' })
          .option('output', { alias: 'o', type: 'string', describe: 'write the history to FILE instead of stderr' })
          .option('string-limit', { alias: 's', type: 'number', default: 32, describe: 'longest string or buffer shown (paths are shown whole)' })
          .option('utc', { type: 'boolean', default: false, describe: 'print times in UTC instead of local time' })
          .example('$0 run -- ls -l /', 'record ls and print what it did')
          .parserConfiguration({ 'populate--': true }),
      (a) => {
        const command = [...((a.command as string[] | undefined) ?? []), ...((a['--'] as string[] | undefined) ?? []).map(String)];
        if (command.length === 0) throw new UsageError('run needs a command, e.g. straceback run -- ls /');
        const ringBytes = parseRingSize(a['ring-size']);
        const stringLimit = checkStringLimit(a['string-limit'], '-s');
        return set(import('./run').then((r) => r.runRecorded({ command, ringBytes, output: a.output, stringLimit, utc: a.utc })));
      },
    )
    .command(
      'install',
      'Put the systemd unit, the OCI hook config (podman, CRI-O) and the straceback commands in place, linked to this checkout',
      (y) =>
        withInstallRoot(y)
          .option('force', { type: 'boolean', default: false, describe: 'replace files and links at the targets that straceback did not make' })
          .option('enable', { type: 'boolean', default: false, describe: 'also enable the unit, so the daemon starts at boot (works under --root too)' })
          .option('now', { type: 'boolean', default: false, describe: 'also enable and start the daemon now (needs systemd as PID 1 and --root /)' })
          .example('$0 install --now', 'install, then start the daemon at once and at every boot')
          .example('$0 install --root /mnt/image --enable', 'install into an image being built')
          .epilogue(
            'Targets: /usr/local/bin/straceback and straceback-hook, /usr/local/share/doc/straceback (links into this checkout), ' +
              '/etc/systemd/system/straceback.service, /etc/containers/oci/hooks.d/straceback.json. ' +
              'A second run changes nothing. containerd has no hooks dir: see hooks/containerd/ in the checkout.',
          ),
      (a) =>
        set(
          import('./install').then((m) =>
            m.installCommand({ root: a.root, dryRun: a['dry-run'], force: a.force, enable: a.enable, now: a.now }),
          ),
        ),
    )
    .command(
      'uninstall',
      'Remove what straceback install put in place (stopping and disabling the unit first); archives are kept',
      (y) => withInstallRoot(y),
      (a) => set(import('./install').then((m) => m.uninstallCommand({ root: a.root, dryRun: a['dry-run'] }))),
    )
    .demandCommand(1, 'name a command; see straceback --help')
    .strict()
    .help()
    .alias('h', 'help')
    .version()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      // yargs' own errors (YError: a --syscall its coerce refused...) are usage errors too.
      if (err && !(err instanceof UsageError) && err.name !== 'YError') throw err;
      throw new UsageError(err ? err.message : msg);
    })
    .parseAsync();
  return status;
}

if (require.main === module) {
  // The reader went away (straceback show … | head): the output is done, as when SIGPIPE ends a C tool, but
  // quietly and with status 0, so `set -o pipefail` scripts do not fail on it.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    process.stderr.write(`straceback: writing the output: ${err.message}\n`);
    process.exit(1);
  });
  main(hideBin(process.argv)).then(
    (code) => process.exit(code),
    (err: Error) => {
      const usage = err instanceof UsageError;
      process.stderr.write(`straceback: ${err.message}\n${usage ? 'Run straceback --help for usage.\n' : ''}`);
      process.exit(usage ? 2 : 1);
    },
  );
}
