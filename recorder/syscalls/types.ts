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
  // The kinds below make items of the kinds above (MEM_IN at entry, MEM_OUT at
  // exit), several per argument for the composite ones, told apart by
  // RawItem.part. Items carry a 4-bit kind; these are descriptor kinds only.
  /** SyscallArg.size bytes at entry, and again at exit if the call succeeded (getsockopt's optlen). */
  MEM_INOUT: 10,
  /**
   * (next argument) elements of SyscallArg.size bytes at entry, and again at
   * exit if the call returned > 0 (poll's pollfds and their revents).
   */
  ARRAY_INOUT: 11,
  /** At entry, how many pointers a NULL-terminated array holds (envp): ENVP_ITEM. */
  ENVP: 12,
  /** struct user_msghdr at entry, with its name, iovecs, their data and control (sendmsg): MSGHDR_PART. */
  MSGHDR_IN: 13,
  /** The msghdr at entry (msg_namelen passed in), and all of it at exit if the call succeeded (recvmsg). */
  MSGHDR_OUT: 14,
  /**
   * clone3's struct clone_args at entry, (next argument) bytes but at most
   * SyscallArg.size; at exit, in the parent, the pidfd the kernel wrote back
   * (4 bytes) when the flags have CLONE_PIDFD.
   */
  CLONE_ARGS: 15,
  /** (return value) elements of SyscallArg.size bytes at exit, if the call returned > 0 (epoll_wait's events): a MEM_OUT item. */
  ARRAY_OUT: 16,
  /** struct iovec[next argument] and each one's data, at entry (writev): MEM_IN items, MSGHDR_PART.IOV and DATA. */
  IOV_IN: 17,
  /** At entry the array alone (MEM_IN, MSGHDR_PART.IOV); at exit the array and the data up to the return value (readv): MEM_OUT items. */
  IOV_OUT: 18,
  /** prctl's second argument: PR_SET_NAME's string at entry (a STR item), PR_GET_NAME's 16 bytes at exit (MEM_OUT). */
  PRCTL_NAME: 19,
  /** futex's timeout (size bytes, a MEM_IN item at entry), for the operations that wait only; other operations put a number there. */
  FUTEX_TIME: 20,
  /** At exit, when the call returned bytes: how many directory entries they hold (getdents64), a MEM_OUT item: DIRENTS_ITEM. */
  DIRENTS: 21,
  /** (previous argument) x size bytes at entry, a MEM_IN item (setgroups' list). */
  ARRAY_IN: 22,
  /** An fd_set of (first argument) fds, at most size bytes: MEM_IN at entry, MEM_OUT at exit if the call returned > 0 (select). */
  FDSET: 23,
  /** size bytes at exit (MEM_OUT), only when a signal interrupted the call (a restart code): nanosleep's time left. */
  TIME_LEFT: 24,
  /** rt_sigreturn's frame's signal mask at entry (MEM_IN, 8 bytes, as argument 0): set by encodeDescTable, not by the table. */
  SIGFRAME: 25,
  /**
   * pselect6's last argument, struct { const sigset_t *ss; size_t ss_len }, at
   * entry: its 16 bytes (MEM_IN), then, when ss is set and ss_len is 8, the
   * mask (MEM_IN, SIGMASK_PART).
   */
  SIGMASK_ARG: 26,
  /**
   * A struct the caller sizes (openat2's open_how, mount_setattr's mount_attr):
   * (next argument) bytes at entry but at most SyscallArg.size, a MEM_IN item.
   */
  STRUCT_IN: 27,
  /**
   * fsconfig's value, by the command in its second argument, at entry: a
   * string (STR item) for FSCONFIG_SET_STRING, SET_PATH and SET_PATH_EMPTY;
   * (next argument) bytes (BUF_IN item) for FSCONFIG_SET_BINARY; else nothing.
   */
  FSCONFIG_VALUE: 28,
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
  CaptureKind.MEM_INOUT,
  CaptureKind.ARRAY_INOUT,
  CaptureKind.ENVP,
  CaptureKind.MSGHDR_IN,
  CaptureKind.MSGHDR_OUT,
  CaptureKind.CLONE_ARGS,
  CaptureKind.IOV_IN,
  CaptureKind.IOV_OUT,
  CaptureKind.PRCTL_NAME,
  CaptureKind.FUTEX_TIME,
  CaptureKind.ARRAY_IN,
  CaptureKind.FDSET,
  CaptureKind.SIGMASK_ARG,
  CaptureKind.STRUCT_IN,
  CaptureKind.FSCONFIG_VALUE,
]);

/** Kinds captured at syscall exit (SB_DESC_EXIT_ITEMS). */
export const EXIT_KINDS: ReadonlySet<number> = new Set<number>([
  CaptureKind.BUF_OUT,
  CaptureKind.SOCKADDR_OUT,
  CaptureKind.MEM_OUT,
  CaptureKind.STR_OUT,
  CaptureKind.MEM_INOUT,
  CaptureKind.ARRAY_INOUT,
  CaptureKind.MSGHDR_OUT,
  CaptureKind.CLONE_ARGS,
  CaptureKind.ARRAY_OUT,
  CaptureKind.IOV_OUT,
  CaptureKind.PRCTL_NAME,
  CaptureKind.DIRENTS,
  CaptureKind.FDSET,
  CaptureKind.TIME_LEFT,
]);

/**
 * Kinds whose items at entry / at exit have a size known only by reading
 * user memory: the BPF program builds those records in per-CPU scratch
 * (SB_DESC_ENTER_STRINGS / SB_DESC_EXIT_STRINGS).
 */
export const VARIABLE_AT_ENTRY: ReadonlySet<number> = new Set<number>([
  CaptureKind.STR,
  CaptureKind.ARGV,
  CaptureKind.ENVP,
  CaptureKind.MSGHDR_IN,
  CaptureKind.IOV_IN,
  CaptureKind.PRCTL_NAME,
]);
export const VARIABLE_AT_EXIT: ReadonlySet<number> = new Set<number>([CaptureKind.STR_OUT, CaptureKind.MSGHDR_OUT, CaptureKind.IOV_OUT]);

/**
 * Whether an argument's C type is a pointer: a '*', or one of the kernel's
 * pointer typedefs cap_user_header_t and cap_user_data_t (linux/capability.h).
 */
export function isPointerType(type: string): boolean {
  return type.includes('*') || /^(const )?cap_user_(header|data)_t$/.test(type);
}

/** Kinds that take a byte count (' @KIND:bytes'). */
export const SIZED_KINDS: ReadonlySet<number> = new Set<number>([
  CaptureKind.MEM_IN,
  CaptureKind.MEM_OUT,
  CaptureKind.MEM_INOUT,
  CaptureKind.ARRAY_INOUT,
  CaptureKind.CLONE_ARGS,
  CaptureKind.ARRAY_OUT,
  CaptureKind.FUTEX_TIME,
  CaptureKind.ARRAY_IN,
  CaptureKind.FDSET,
  CaptureKind.TIME_LEFT,
  CaptureKind.STRUCT_IN,
]);

/** The parts of a MSGHDR_IN / MSGHDR_OUT capture (RawItem.part). DATA comes once per iovec captured, in order. */
export const MSGHDR_PART = { HEADER: 0, NAME: 1, IOV: 2, DATA: 3, CONTROL: 4 } as const;

/** The part of a SIGMASK_ARG capture that holds the mask (the struct is part 0). */
export const SIGMASK_PART = 1;

/** iovecs of a msghdr captured at most (their data too), and bytes of its control data. */
export const MSGHDR_IOV_MAX = 32;
export const MSGHDR_CONTROL_MAX = 256;

/**
 * An ENVP item: u32 count, u32 how the count ended. Counting stops at
 * ENVP_MAX pointers.
 */
export const ENVP_ITEM = { TERMINATED: 0, UNTERMINATED: 1, CAPPED: 2 } as const;
export const ENVP_MAX = 4096;

/** A DIRENTS item: {u32 count, u32 how the walk ended}; at most DIRENTS_MAX entries are counted. */
export const DIRENTS_ITEM = { COMPLETE: 0, BAD: 1, CAPPED: 2 } as const;
export const DIRENTS_MAX = 8192;

export type Arch = 'x86_64' | 'arm64';

/**
 * Where rt_sigreturn finds the mask the signal frame restores, from the user
 * stack pointer at its entry: x86_64, sp points at the frame's struct
 * ucontext (the return address was popped), whose uc_sigmask follows
 * uc_flags, uc_link, uc_stack (24) and uc_mcontext (256); arm64, sp points at
 * struct rt_sigframe: siginfo (128), then the ucontext's uc_flags, uc_link
 * and uc_stack.
 */
export const SIGFRAME_MASK_OFFSET: Readonly<Record<Arch, number>> = { x86_64: 8 + 8 + 24 + 256, arm64: 128 + 8 + 8 + 24 };

export interface SyscallArg {
  name: string;
  /**
   * C type as the kernel declares it in SYSCALL_DEFINE, as tracefs prints it:
   * without the __user annotation, e.g. "const char *".
   */
  type: string;
  /** CaptureKind value. */
  capture: number;
  /** Bytes captured (MEM_IN, MEM_OUT, MEM_INOUT), bytes per element (ARRAY_INOUT, ARRAY_OUT), most bytes (CLONE_ARGS). */
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
