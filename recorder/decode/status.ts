/** A wait status as strace words it when a thread or process ends. */
import { signalName } from './signals';

/** How a wait status ended a thread: the exit code, or the killing signal and whether it dumped core. */
export function decodeExitStatus(status: number): { exitCode: number | null; signo: number | null; coreDumped: boolean } {
  const signo = status & 0x7f;
  if (signo === 0) return { exitCode: (status >> 8) & 0xff, signo: null, coreDumped: false };
  return { exitCode: null, signo, coreDumped: (status & 0x80) !== 0 };
}

/** strace's words for an ending: "exited with 3", "killed by SIGSEGV", "killed by SIGSEGV (core dumped)". */
export function endingText(exitCode: number | null, signo: number | null, coreDumped: boolean): string {
  if (signo === null) return `exited with ${exitCode ?? 0}`;
  return `killed by ${signalName(signo) ?? signo}${coreDumped ? ' (core dumped)' : ''}`;
}
