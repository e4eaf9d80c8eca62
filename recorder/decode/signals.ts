/**
 * Signal numbers and signal sets as strace prints them: SIGUSR1, SIGRTMIN,
 * SIGRT_3; sets as [INT TERM], or ~[KILL STOP] when two thirds or more of
 * the bits are set.
 */

/** Names of signals 1..31 (x86_64 and arm64 agree), without the SIG prefix. */
const BASE = [
  '',
  'HUP',
  'INT',
  'QUIT',
  'ILL',
  'TRAP',
  'ABRT',
  'BUS',
  'FPE',
  'KILL',
  'USR1',
  'SEGV',
  'USR2',
  'PIPE',
  'ALRM',
  'TERM',
  'STKFLT',
  'CHLD',
  'CONT',
  'STOP',
  'TSTP',
  'TTIN',
  'TTOU',
  'URG',
  'XCPU',
  'XFSZ',
  'VTALRM',
  'PROF',
  'WINCH',
  'IO',
  'PWR',
  'SYS',
];

/** The kernel's SIGRTMIN and the highest signal (64). */
export const SIGRTMIN = 32;
export const NSIG = 64;

/** Short names (no SIG prefix) of 1..64, as used inside sets. */
const SHORT: string[] = [];
/** Full names of 1..64. */
const FULL: string[] = [];
for (let s = 1; s <= NSIG; s++) {
  const short = s < SIGRTMIN ? BASE[s] : s === SIGRTMIN ? 'RTMIN' : `RT_${s - SIGRTMIN}`;
  SHORT[s] = short;
  FULL[s] = s === SIGRTMIN ? 'SIGRTMIN' : 'SIG' + short;
}

/** SIGTERM for 15, SIGRT_2 for 34; undefined for anything else (0 included). */
export function signalName(sig: number): string | undefined {
  return sig >= 1 && sig <= NSIG ? FULL[sig] : undefined;
}

/** A signal argument: its name, or the number in decimal (0 stays "0"). */
export function printSignal(sig: number): string {
  return (sig >= 1 && sig <= NSIG ? FULL[sig] : undefined) ?? String(sig);
}

function popcount32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * A signal set of 32-bit little-endian words (bit 0 of word 0 is signal 1):
 * "[INT TERM]", "[]", or when two thirds or more of the bits are set the
 * complement, "~[KILL STOP]".
 */
export function printSigsetWords(words: readonly number[]): string {
  let set = 0;
  for (const w of words) set += popcount32(w >>> 0);
  // strace's test, in integer arithmetic: 42 of 64 bits is enough.
  const invert = set >= Math.floor((words.length * 32 * 2) / 3);
  let out = invert ? '~[' : '[';
  let first = true;
  for (let j = 0; j < words.length; j++) {
    let w = (invert ? ~words[j] : words[j]) >>> 0;
    while (w !== 0) {
      const bit = 31 - Math.clz32(w & -w);
      w = (w & ~(1 << bit)) >>> 0;
      const sig = j * 32 + bit + 1;
      const name = sig <= NSIG ? SHORT[sig] : String(sig);
      out += first ? name : ' ' + name;
      first = false;
    }
  }
  return out + ']';
}

/** A sigset_t captured from user memory (len bytes, 8 on x86_64 and arm64). */
export function printSigset(data: Uint8Array, len = data.length): string {
  const n = Math.min(len, data.length, 8);
  const words: number[] = [];
  for (let off = 0; off < n; off += 4) {
    let w = 0;
    for (let b = 0; b < 4 && off + b < n; b++) w |= data[off + b] << (8 * b);
    words.push(w >>> 0);
  }
  return printSigsetWords(words);
}
