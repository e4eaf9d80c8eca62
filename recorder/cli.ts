#!/usr/bin/env node
/** The straceback command line (INTERFACE.md "CLI"). Exit codes: 0 success, 1 failure, 2 usage. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { runRecorded, UsageError } from './run';

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1 << 10, m: 1 << 20, g: 1 << 30 };

/** "64K", "4M", "1048576" -> bytes. */
export function parseSize(text: string): number {
  const m = /^(\d+)\s*([kmg]?)(i?b)?$/i.exec(String(text).trim());
  if (!m) throw new UsageError(`not a size: ${text} (use bytes or K/M/G, e.g. 4M)`);
  return Number(m[1]) * SIZE_UNITS[m[2].toLowerCase()];
}

async function main(argv: string[]): Promise<number> {
  let status = 0;
  await yargs(argv)
    .scriptName('straceback')
    .usage('$0 <command>\n\nA flight recorder for containers: the recent syscalls of every container, kept by the kernel.')
    .command(
      'run [command..]',
      'Run a command in its own mount namespace, record it, and print its syscall history when it exits',
      (y) =>
        y
          .positional('command', { type: 'string', array: true, describe: 'the command and its arguments (put -- before it)' })
          .option('ring-size', { type: 'string', default: '4M', describe: 'ring size, rounded up to a power of two (64K..64M)' })
          .option('output', { alias: 'o', type: 'string', describe: 'write the history to FILE instead of stderr' })
          .option('string-limit', { alias: 's', type: 'number', default: 32, describe: 'longest string or buffer shown (paths are shown whole)' })
          .option('utc', { type: 'boolean', default: false, describe: 'print times in UTC instead of local time' })
          .example('$0 run -- ls -l /', 'record ls and print what it did')
          .parserConfiguration({ 'populate--': true, 'unknown-options-as-args': false }),
      async (a) => {
        const command = [...((a.command as string[] | undefined) ?? []), ...(((a['--'] as string[] | undefined) ?? []).map(String))];
        if (command.length === 0) throw new UsageError('run needs a command, e.g. straceback run -- ls /');
        status = await runRecorded({
          command,
          ringBytes: parseSize(a['ring-size']),
          output: a.output,
          stringLimit: a['string-limit'],
          utc: a.utc,
        });
      },
    )
    .demandCommand(1, 'name a command; see straceback --help')
    .strict()
    .help()
    .alias('h', 'help')
    .version()
    .fail((msg, err, y) => {
      if (err && !(err instanceof UsageError)) throw err;
      process.stderr.write(`straceback: ${err ? err.message : msg}\n\n${y.help() ? '' : ''}Run straceback --help for usage.\n`);
      status = 2;
    })
    .parseAsync();
  return status;
}

if (require.main === module) {
  main(hideBin(process.argv)).then(
    (code) => process.exit(code),
    (err: Error) => {
      process.stderr.write(`straceback: ${err instanceof UsageError ? '' : 'error: '}${err.message}\n`);
      process.exit(err instanceof UsageError ? 2 : 1);
    },
  );
}
