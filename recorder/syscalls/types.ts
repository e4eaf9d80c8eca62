/**
 * Types of the syscall tables (x86_64.ts, arm64.ts, built by table.ts).
 * CaptureKind mirrors enum sb_arg_kind in bpf/record.h: change both together.
 */

/** How the BPF program captures the data behind a pointer argument. */
export const CaptureKind = {
  /** Nothing beyond the register value. */
  NONE: 0,
  /** NUL-terminated string, at entry. */
  STR: 1,
  /** Buffer at entry, length in the next argument. */
  BUF_IN: 2,
  /** Buffer at exit, length = return value. */
  BUF_OUT: 3,
  /** struct sockaddr at entry, length in the next argument. */
  SOCKADDR_IN: 4,
  /** struct sockaddr at exit, length in *(int *)next argument. */
  SOCKADDR_OUT: 5,
  /** NULL-terminated char *[] at entry, one item per entry. */
  ARGV: 6,
  /** SyscallArg.size bytes at entry. */
  MEM_IN: 7,
  /** SyscallArg.size bytes at exit, if the call succeeded. */
  MEM_OUT: 8,
  /** NUL-terminated string at exit, if the call succeeded. */
  STR_OUT: 9,
} as const;

export type CaptureKindName = keyof typeof CaptureKind;
export type CaptureKindValue = (typeof CaptureKind)[CaptureKindName];

/** Kinds captured at syscall entry (SB_DESC_ENTER_ITEMS). */
export const ENTER_KINDS: ReadonlySet<number> = new Set<number>([
  CaptureKind.STR,
  CaptureKind.BUF_IN,
  CaptureKind.SOCKADDR_IN,
  CaptureKind.ARGV,
  CaptureKind.MEM_IN,
]);

/** Kinds captured at syscall exit (SB_DESC_EXIT_ITEMS). */
export const EXIT_KINDS: ReadonlySet<number> = new Set<number>([
  CaptureKind.BUF_OUT,
  CaptureKind.SOCKADDR_OUT,
  CaptureKind.MEM_OUT,
  CaptureKind.STR_OUT,
]);

export type Arch = 'x86_64' | 'arm64';

export interface SyscallArg {
  name: string;
  /**
   * C type as the kernel declares it in SYSCALL_DEFINE, as tracefs prints it:
   * without the __user annotation, e.g. "const char *".
   */
  type: string;
  /** CaptureKind value. */
  capture: number;
  /** Bytes captured, for MEM_IN / MEM_OUT. */
  size?: number;
}

export interface SyscallInfo {
  nr: number;
  name: string;
  args: SyscallArg[];
}

export interface SyscallTable {
  arch: Arch;
  /** Indexed by syscall number; holes are numbers the architecture does not assign. */
  byNr: (SyscallInfo | undefined)[];
  byName: Map<string, SyscallInfo>;
}

/**
 * One generated row: [nr, name, ...arguments]. An argument is "type name",
 * optionally followed by " @KIND" or " @KIND:bytes" (KIND a CaptureKind name),
 * e.g. 'struct stat * statbuf @MEM_OUT:144'.
 */
export type SyscallRow = readonly [number, string, ...string[]];
