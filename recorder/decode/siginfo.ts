/**
 * A delivered signal's siginfo as strace prints it in its `--- SIG... {...} ---`
 * lines: si_signo and si_code by name, then the members that the signal and
 * code give a meaning to (the sender's si_pid and si_uid, si_addr of a
 * fault, si_status of SIGCHLD, the syscall of a seccomp SIGSYS...).
 *
 * Input: the first 48 bytes of the kernel's siginfo (bpf/record.h
 * SB_SIGINFO_BYTES), laid out as on every 64-bit Linux: si_signo, si_errno,
 * si_code at 0, 4, 8, the union from byte 16.
 */
import { errnoInfo } from './errno';
import { signalName } from './signals';
import { Arch } from '../syscalls/types';
import { syscallTable } from '../syscalls/table';
import { hexU } from './xlat';

/** si_code values any signal can carry (sender kinds); codes <= 0 come from user space. */
const SI_CODES = new Map<number, string>([
  [0, 'SI_USER'],
  [0x80, 'SI_KERNEL'],
  [-1, 'SI_QUEUE'],
  [-2, 'SI_TIMER'],
  [-3, 'SI_MESGQ'],
  [-4, 'SI_ASYNCIO'],
  [-5, 'SI_SIGIO'],
  [-6, 'SI_TKILL'],
  [-7, 'SI_DETHREAD'],
  [-60, 'SI_ASYNCNL'],
]);

const SIGILL = 4;
const SIGTRAP = 5;
const SIGBUS = 7;
const SIGFPE = 8;
const SIGSEGV = 11;
const SIGCHLD = 17;
const SIGPOLL = 29;
const SIGSYS = 31;

const CLD_EXITED = 1;
const SI_USER = 0;
const SI_TIMER = -2;
const SI_SIGIO = -5;
const SI_TKILL = -6;
const SEGV_BNDERR = 3;
const SEGV_PKUERR = 4;
const BUS_MCEERR_AR = 4;
const BUS_MCEERR_AO = 5;

const codes = (prefix: string, names: string[]): Map<number, string> => new Map(names.map((n, i) => [i + 1, prefix + n]));

/** Codes that mean something only for one signal (asm-generic/siginfo.h). */
const CODES_BY_SIGNAL = new Map<number, Map<number, string>>([
  [SIGILL, codes('ILL_', ['ILLOPC', 'ILLOPN', 'ILLADR', 'ILLTRP', 'PRVOPC', 'PRVREG', 'COPROC', 'BADSTK', 'BADIADDR'])],
  [SIGFPE, new Map([...codes('FPE_', ['INTDIV', 'INTOVF', 'FLTDIV', 'FLTOVF', 'FLTUND', 'FLTRES', 'FLTINV', 'FLTSUB']), [14, 'FPE_FLTUNK'], [15, 'FPE_CONDTRAP']])],
  [SIGSEGV, codes('SEGV_', ['MAPERR', 'ACCERR', 'BNDERR', 'PKUERR', 'ACCADI', 'ADIDERR', 'ADIPERR', 'MTEAERR', 'MTESERR', 'CPERR'])],
  [SIGBUS, codes('BUS_', ['ADRALN', 'ADRERR', 'OBJERR', 'MCEERR_AR', 'MCEERR_AO'])],
  [SIGTRAP, codes('TRAP_', ['BRKPT', 'TRACE', 'BRANCH', 'HWBKPT', 'UNK', 'PERF'])],
  [SIGCHLD, codes('CLD_', ['EXITED', 'KILLED', 'DUMPED', 'TRAPPED', 'STOPPED', 'CONTINUED'])],
  [SIGPOLL, codes('POLL_', ['IN', 'OUT', 'MSG', 'ERR', 'PRI', 'HUP'])],
  [SIGSYS, codes('SYS_', ['SECCOMP', 'USER_DISPATCH'])],
]);

const AUDIT_ARCHES = new Map<number, string>([
  [0xc000003e, 'AUDIT_ARCH_X86_64'],
  [0x40000003, 'AUDIT_ARCH_I386'],
  [0xc00000b7, 'AUDIT_ARCH_AARCH64'],
  [0x40000028, 'AUDIT_ARCH_ARM'],
]);

/** si_code by name: the sender kinds first, then the signal's own codes; else in hex, as an unsigned value. */
export function siCodeName(signo: number, code: number): string {
  return SI_CODES.get(code) ?? CODES_BY_SIGNAL.get(signo)?.get(code) ?? hexU(code >>> 0);
}

/** strace's pointer printing: NULL, else hex. */
function ptr(v: bigint): string {
  return v === 0n ? 'NULL' : '0x' + v.toString(16);
}

/** The siginfo members shown for a signal, as strace prints them, with the braces. */
export function printSiginfo(info: Buffer, arch: Arch = 'x86_64'): string {
  if (info.length < 16) return '{}';
  const signo = info.readInt32LE(0);
  if (signo === 0) return '{}';
  const errno = info.readInt32LE(4);
  const code = info.readInt32LE(8);
  const i32 = (off: number): number => (info.length >= off + 4 ? info.readInt32LE(off) : 0);
  const u32 = (off: number): number => (info.length >= off + 4 ? info.readUInt32LE(off) : 0);
  const u64 = (off: number): bigint => (info.length >= off + 8 ? info.readBigUInt64LE(off) : 0n);
  const s64 = (off: number): bigint => (info.length >= off + 8 ? info.readBigInt64LE(off) : 0n);

  const parts = [`si_signo=${signalName(signo) ?? signo}`, `si_code=${siCodeName(signo, code)}`];
  if (errno !== 0) parts.push(`si_errno=${errnoInfo(errno)?.name ?? errno}`);
  // Union members (64-bit layout): _kill/_rt/_sigchld: pid 16, uid 20; _rt: sigval 24;
  // _sigchld: status 24, utime 32, stime 40; _timer: tid 16, overrun 20, sigval 24;
  // _sigfault: addr 16, addr_lsb 24, lower 32 and upper 40 (bounds), pkey 32;
  // _sigpoll: band 16, fd 24; _sigsys: call_addr 16, syscall 24, arch 28.
  const source = (): void => {
    parts.push(`si_pid=${i32(16)}`, `si_uid=${u32(20)}`);
  };
  const sigval = (): void => {
    parts.push(`si_int=${i32(24)}`, `si_ptr=${ptr(u64(24))}`);
  };
  if (code <= 0) {
    // Sent from user space (kill, tgkill, sigqueue, timers, ...).
    if (code === SI_USER || code === SI_TKILL) {
      source();
    } else if (code === SI_TIMER) {
      parts.push(`si_timerid=${hexU(u32(16))}`, `si_overrun=${i32(20)}`);
      sigval();
    } else if (code === SI_SIGIO) {
      parts.push(`si_band=${s64(16)}`, `si_fd=${i32(24)}`);
    } else {
      source();
      if (u64(24) !== 0n) sigval();
    }
  } else {
    switch (signo) {
      case SIGCHLD: {
        source();
        const status = i32(24);
        parts.push(`si_status=${code === CLD_EXITED ? status : signalName(status) ?? status}`);
        parts.push(`si_utime=${s64(32)}`, `si_stime=${s64(40)}`);
        break;
      }
      case SIGILL:
      case SIGFPE:
      case SIGTRAP:
        parts.push(`si_addr=${ptr(u64(16))}`);
        break;
      case SIGSEGV:
        parts.push(`si_addr=${ptr(u64(16))}`);
        if (code === SEGV_BNDERR) parts.push(`si_lower=${ptr(u64(32))}`, `si_upper=${ptr(u64(40))}`);
        else if (code === SEGV_PKUERR) parts.push(`si_pkey=${u32(32)}`);
        break;
      case SIGBUS:
        parts.push(`si_addr=${ptr(u64(16))}`);
        if (code === BUS_MCEERR_AR || code === BUS_MCEERR_AO) parts.push(`si_addr_lsb=${hexU(info.length >= 26 ? info.readUInt16LE(24) : 0)}`);
        break;
      case SIGPOLL:
        if (code >= 1 && code <= 3) parts.push(`si_band=${s64(16)}`, `si_fd=${i32(24)}`);
        break;
      case SIGSYS: {
        const nr = i32(24);
        const info = nr >= 0 ? syscallTable(arch).byNr[nr] : undefined;
        const archWord = u32(28);
        parts.push(`si_call_addr=${ptr(u64(16))}`, `si_syscall=${info ? '__NR_' + info.name : nr}`);
        parts.push(`si_arch=${AUDIT_ARCHES.get(archWord) ?? hexU(archWord) + ' /* AUDIT_ARCH_??? */'}`);
        break;
      }
      default:
        if (i32(16) !== 0 || u32(20) !== 0) source();
        if (u64(24) !== 0n) sigval();
    }
  }
  return '{' + parts.join(', ') + '}';
}
