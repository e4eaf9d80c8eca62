/**
 * `straceback run [--] CMD ARGS...`: records one command in its own mount
 * namespace, the way a container is recorded, and prints its history when
 * it exits. No container runtime and no daemon involved.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bootToWallOffsetNs } from './clock';
import { SyscallEvent, mergeHistory } from './events';
import { gatePath } from './native';
import { Recorder } from './recorder';
import { renderEvents } from './render';
import { UsageError } from './cli-util';

export interface RunOptions {
  command: string[];
  ringBytes: number;
  output?: string;
  stringLimit: number;
  utc: boolean;
}

/** Resolves a command like execvp would, so the exec is the only call after recording starts. */
export function resolveCommand(cmd: string, envPath = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'): string {
  const candidates = cmd.includes('/') ? [path.resolve(cmd)] : envPath.split(':').filter(Boolean).map((d) => path.join(d, cmd));
  for (const c of candidates) {
    try {
      const st = fs.statSync(c);
      if (st.isFile()) {
        fs.accessSync(c, fs.constants.X_OK);
        return c;
      }
    } catch {
      // try the next one
    }
  }
  throw new Error(cmd.includes('/') ? `cannot execute ${cmd}: not an executable file` : `${cmd}: command not found in PATH`);
}

/** The gate's own calls before it execs the command are not the command's history. */
function fromFirstExec(events: SyscallEvent[], gatePid: number, execNrs: Set<number>): SyscallEvent[] {
  const first = events.findIndex((e) => e.tid === gatePid && execNrs.has(e.nr));
  return first < 0 ? events : events.slice(first);
}

/** Runs the command; resolves to the exit status straceback should exit with. */
export async function runRecorded(opts: RunOptions): Promise<number> {
  const [cmd, ...args] = opts.command;
  const file = resolveCommand(cmd);
  // Opened before the command runs, as strace -o does: a history with nowhere to go is not recorded at all.
  let outFd: number | undefined;
  if (opts.output) {
    try {
      outFd = fs.openSync(opts.output, 'w', 0o644);
    } catch (err) {
      throw new Error(`-o ${opts.output}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (err as Error).message}`);
    }
  }
  const rec = new Recorder({ ringBytes: opts.ringBytes });
  let handle: number | undefined;
  const child = spawn(gatePath(), [file, cmd, ...args], { stdio: ['inherit', 'inherit', 'inherit', 'pipe'] });
  const control = child.stdio[3] as unknown as NodeJS.ReadWriteStream;
  let startError: Error | undefined;
  control.once('data', () => {
    try {
      handle = rec.addProcess(child.pid!).handle;
      control.write('G');
    } catch (err) {
      startError = err as Error;
      child.kill('SIGKILL');
    }
  });
  // Ctrl-C goes to the command; straceback stays to print what it did.
  const ignore = () => undefined;
  process.on('SIGINT', ignore);
  const status = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal }));
  }).finally(() => process.off('SIGINT', ignore));
  let endRecorded = false;
  try {
    if (startError) throw new Error(`could not start recording: ${startError.message}`);
    if (handle === undefined) throw new Error('the command ended before recording started');
    const snap = rec.snapshot(handle);
    rec.removeContainer(handle);
    const execNrs = new Set(['execve', 'execveat'].map((n) => rec.table.byName.get(n)?.nr ?? -1));
    const events = fromFirstExec(snap.events, child.pid!, execNrs);
    const from = events.length ? events[0].bootNs : 0n;
    const procEvents = snap.process.filter((p) => p.bootNs >= from);
    // The kernel's own record of the command's end replaces the line printed below from its wait status.
    endRecorded = procEvents.some((p) => p.type === 'exit' && p.groupDead && p.pid === child.pid);
    const text = renderEvents(mergeHistory(events, procEvents), rec.table, { wallOffsetNs: bootToWallOffsetNs(), stringLimit: opts.stringLimit, utc: opts.utc });
    const s = snap.stats;
    const summary = `straceback: ${events.length} calls shown; ring held ${s.held} records, ${s.overwritten} overwritten, ${s.lost} lost\n`;
    if (outFd !== undefined) fs.writeFileSync(outFd, text);
    else process.stderr.write(text);
    process.stderr.write(summary);
  } finally {
    rec.close();
    if (outFd !== undefined) fs.closeSync(outFd);
  }
  if (status.signal) {
    if (!endRecorded) process.stderr.write(`+++ killed by ${status.signal} +++\n`);
    return 128 + (require('node:os').constants.signals[status.signal] ?? 0);
  }
  return status.code ?? 1;
}
