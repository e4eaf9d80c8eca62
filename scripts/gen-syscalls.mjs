#!/usr/bin/env node
// Generates recorder/syscalls/x86_64.ts and recorder/syscalls/arm64.ts: every
// syscall of the architecture with its number, name, the kernel's argument
// names and types, and how the BPF program captures the data behind each
// argument (enum sb_arg_kind in bpf/record.h).
//
//   node scripts/gen-syscalls.mjs x86_64    print the x86_64 table
//   node scripts/gen-syscalls.mjs arm64     print the arm64 table
//   node scripts/gen-syscalls.mjs --write   rewrite both files in recorder/syscalls/
//
// Sources, all read from this machine (plain Node, no dependencies):
//   numbers and names  x86_64: /usr/include/x86_64-linux-gnu/asm/unistd_64.h
//                      arm64:  /usr/include/asm-generic/unistd.h, evaluated the
//                              way arch/arm64/include/uapi/asm/unistd.h includes it
//                      (package linux-libc-dev), plus NEWER below for calls
//                      added to the kernel after those headers.
//   arguments          tracefs: events/syscalls/sys_enter_*/format of the running
//                      kernel (mount -t tracefs nodev /sys/kernel/tracing; root).
//                      The format files are the SYSCALL_DEFINE argument lists;
//                      they print types without the __user annotation, and the
//                      tables keep them exactly as printed.
//                      arm64 has no tracefs here: its calls are looked up by the
//                      entry point the generic header names (sys_newfstat for
//                      fstat, ...), which is the SYSCALL_DEFINE name on every
//                      architecture; ARCH_ARGS fixes the one arm64 call whose
//                      argument order differs from x86_64 (clone).
//                      Calls with no tracefs event (not implemented, or not
//                      built into the running kernel) get KNOWN_ARGS, written
//                      from the kernel sources; their rows carry a comment.
//   capture kinds      rules in captureOf() plus the OVERRIDES table.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = path.join(ROOT, 'recorder', 'syscalls');

const X86_64_HEADER = '/usr/include/x86_64-linux-gnu/asm/unistd_64.h';
const GENERIC_HEADER = '/usr/include/asm-generic/unistd.h';
const VERSION_HEADER = '/usr/include/linux/version.h';
const TRACEFS_DIRS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];

// What arch/arm64/include/uapi/asm/unistd.h defines before it includes
// asm-generic/unistd.h (Linux 5.14 .. 6.10; from 6.11 the same set is
// arch/arm64/kernel/Makefile.syscalls: "renameat newstat rlimit memfd_secret").
const ARM64_DEFINES = {
  __BITS_PER_LONG: 64,
  __ARCH_WANT_RENAMEAT: 1,
  __ARCH_WANT_NEW_STAT: 1,
  __ARCH_WANT_SET_GET_RLIMIT: 1,
  __ARCH_WANT_TIME32_SYSCALLS: 1,
  __ARCH_WANT_SYS_CLONE3: 1,
  __ARCH_WANT_MEMFD_SECRET: 1,
};

// Calls newer than the installed UAPI headers, numbered as in the kernel's
// arch/x86/entry/syscalls/syscall_64.tbl and scripts/syscall.tbl (Linux 6.18).
// A header that already has the call wins, and must agree on the number.
const NEWER_COMMON = [
  [451, 'cachestat'], [452, 'fchmodat2'], [453, 'map_shadow_stack'], [454, 'futex_wake'],
  [455, 'futex_wait'], [456, 'futex_requeue'], [457, 'statmount'], [458, 'listmount'],
  [459, 'lsm_get_self_attr'], [460, 'lsm_set_self_attr'], [461, 'lsm_list_modules'],
  [462, 'mseal'], [463, 'setxattrat'], [464, 'getxattrat'], [465, 'listxattrat'],
  [466, 'removexattrat'], [467, 'open_tree_attr'], [468, 'file_getattr'], [469, 'file_setattr'],
];
const NEWER = {
  x86_64: [[335, 'uretprobe'], [336, 'uprobe'], ...NEWER_COMMON],
  arm64: NEWER_COMMON,
};

// x86_64 table name -> SYSCALL_DEFINE name, where they differ (syscall_64.tbl).
const X86_64_ENTRY = {
  stat: 'newstat', lstat: 'newlstat', fstat: 'newfstat', uname: 'newuname',
  sendfile: 'sendfile64', umount2: 'umount',
};

// Argument lists that differ by architecture from what tracefs (x86_64) says.
const ARCH_ARGS = {
  arm64: {
    clone: {
      why: 'arm64 selects CONFIG_CLONE_BACKWARDS, kernel/fork.c',
      args: ['unsigned long clone_flags', 'unsigned long newsp', 'int * parent_tidptr', 'unsigned long tls', 'int * child_tidptr'],
    },
    // the generic table's 223 is sys_fadvise64_64, which x86_64 does not build
    fadvise64: {
      why: 'sys_fadvise64_64, mm/fadvise.c',
      args: ['int fd', 'loff_t offset', 'loff_t len', 'int advice'],
    },
  },
};

// Calls without a tracefs event here, from the kernel's SYSCALL_DEFINE (or,
// for calls never implemented in mainline, the argument count strace uses).
const KNOWN_ARGS = {
  // kernel/module/main.c, kernel/kexec.c, kernel/kexec_file.c (CONFIG_MODULES / CONFIG_KEXEC* off here)
  init_module: { why: 'kernel/module/main.c', args: ['void * umod', 'unsigned long len', 'const char * uargs'] },
  delete_module: { why: 'kernel/module/main.c', args: ['const char * name_user', 'unsigned int flags'] },
  finit_module: { why: 'kernel/module/main.c', args: ['int fd', 'const char * uargs', 'int flags'] },
  kexec_load: { why: 'kernel/kexec.c', args: ['unsigned long entry', 'unsigned long nr_segments', 'struct kexec_segment * segments', 'unsigned long flags'] },
  kexec_file_load: { why: 'kernel/kexec_file.c', args: ['int kernel_fd', 'int initrd_fd', 'unsigned long cmdline_len', 'const char * cmdline_ptr', 'unsigned long flags'] },
  // removed from the kernel, numbers kept
  lookup_dcookie: { why: 'fs/dcookies.c, removed in 6.7', args: ['u64 cookie64', 'char * buf', 'size_t len'] },
  uselib: { why: 'fs/exec.c, removed in 6.11', args: ['const char * library'] },
  _sysctl: { why: 'kernel/sysctl_binary.c, removed in 5.5', args: ['struct __sysctl_args * args'] },
  nfsservctl: { why: 'fs/nfsctl.c, removed in 3.1', args: ['int cmd', 'struct nfsctl_arg * arg', 'void * res'] },
  create_module: { why: 'Linux 2.4, never in 2.6+', args: ['const char * name_user', 'size_t size'] },
  get_kernel_syms: { why: 'Linux 2.4, never in 2.6+', args: ['struct kernel_sym * table'] },
  query_module: { why: 'Linux 2.4, never in 2.6+', args: ['const char * name_user', 'int which', 'char * buf', 'size_t bufsize', 'size_t * ret'] },
  // x86_64 entries without an entry point (sys_ni_syscall)
  set_thread_area: { why: 'arch/x86/kernel/tls.c, 32-bit only', args: ['struct user_desc * u_info'] },
  get_thread_area: { why: 'arch/x86/kernel/tls.c, 32-bit only', args: ['struct user_desc * u_info'] },
  epoll_ctl_old: { why: 'never implemented; as epoll_ctl', args: ['int epfd', 'int op', 'int fd', 'struct epoll_event * event'] },
  epoll_wait_old: { why: 'never implemented; as epoll_wait', args: ['int epfd', 'struct epoll_event * events', 'int maxevents', 'int timeout'] },
  getpmsg: { why: 'never implemented (STREAMS)', args: ['int fd', 'struct strbuf * ctlptr', 'struct strbuf * dataptr', 'int * bandp', 'int * flagsp'] },
  putpmsg: { why: 'never implemented (STREAMS)', args: ['int fd', 'const struct strbuf * ctlptr', 'const struct strbuf * dataptr', 'int band', 'int flags'] },
  afs_syscall: { why: 'never implemented; strace nargs', args: genericArgs(5) },
  tuxcall: { why: 'never implemented; strace nargs', args: genericArgs(3) },
  security: { why: 'never implemented; strace nargs', args: genericArgs(3) },
  vserver: { why: 'never implemented; strace nargs', args: genericArgs(5) },
  // CONFIG_X86_USER_SHADOW_STACK off here
  map_shadow_stack: { why: 'arch/x86/kernel/shstk.c, arch/arm64/mm/gcs.c', args: ['unsigned long addr', 'unsigned long size', 'unsigned int flags'] },
};

function genericArgs(n) {
  return Array.from({ length: n }, (_, i) => `unsigned long arg${i}`);
}

// Struct sizes behind MEM_* captures that differ by architecture.
//   STAT: struct stat. x86_64 arch/x86/include/uapi/asm/stat.h = 144 bytes;
//     arm64 uses include/uapi/asm-generic/stat.h = 128 bytes.
//   SIGACTION: the kernel's struct sigaction read by rt_sigaction (sizeof,
//     include/linux/signal_types.h): handler, flags, restorer, mask = 32 bytes
//     on both. arm64 also has sa_restorer: its uapi asm/signal.h defines
//     SA_RESTORER (for AArch32), so asm-generic/signal.h defines
//     __ARCH_HAS_SA_RESTORER.
//   EPOLL_EVENT: struct epoll_event, u32 events and u64 data: packed on x86_64
//     (include/uapi/linux/eventpoll.h, EPOLL_PACKED) = 12 bytes; 16 on arm64.
const ARCH_SIZES = {
  x86_64: { STAT: 144, SIGACTION: 32, EPOLL_EVENT: 12 },
  arm64: { STAT: 128, SIGACTION: 32, EPOLL_EVENT: 16 },
};

// "syscall.argument" (table name) -> capture. Everything not listed follows
// captureOf(): a 'const char *' is a string (STR), all else is NONE.
const OVERRIDES = {
  // data buffers read at entry; the length is the next argument
  'write.buf': 'BUF_IN',
  'pwrite64.buf': 'BUF_IN',
  'sendto.buff': 'BUF_IN',
  // buffers the call fills; the length is the return value
  'read.buf': 'BUF_OUT',
  'pread64.buf': 'BUF_OUT',
  'recvfrom.ubuf': 'BUF_OUT',
  'readlink.buf': 'BUF_OUT',
  'readlinkat.buf': 'BUF_OUT',
  'getcwd.buf': 'STR_OUT',
  // pselect6's { const sigset_t *ss; size_t ss_len }, and the mask behind it
  'pselect6.sig': 'SIGMASK_ARG',
  // mount's data: options text for most file systems
  'mount.data': 'STR',
  // socket addresses: in = length in the next argument, out = length in *next
  'connect.uservaddr': 'SOCKADDR_IN',
  'bind.umyaddr': 'SOCKADDR_IN',
  'sendto.addr': 'SOCKADDR_IN',
  'accept.upeer_sockaddr': 'SOCKADDR_OUT',
  'accept4.upeer_sockaddr': 'SOCKADDR_OUT',
  'getsockname.usockaddr': 'SOCKADDR_OUT',
  'getpeername.usockaddr': 'SOCKADDR_OUT',
  'recvfrom.addr': 'SOCKADDR_OUT',
  // argv's strings; envp counted only, as strace shows it (0x7ffd... /* 12 vars */)
  'execve.argv': 'ARGV',
  'execveat.argv': 'ARGV',
  'execve.envp': 'ENVP',
  'execveat.envp': 'ENVP',
  // fixed-size structures
  'nanosleep.rqtp': 'MEM_IN:16', // struct __kernel_timespec
  'clock_nanosleep.rqtp': 'MEM_IN:16',
  'nanosleep.rmtp': 'TIME_LEFT:16', // the time left, written when a signal interrupts the sleep
  'clock_nanosleep.rmtp': 'TIME_LEFT:16',
  'pipe.fildes': 'MEM_OUT:8', // int[2]
  'pipe2.fildes': 'MEM_OUT:8',
  'stat.statbuf': 'MEM_OUT:STAT',
  'lstat.statbuf': 'MEM_OUT:STAT',
  'fstat.statbuf': 'MEM_OUT:STAT',
  'newfstatat.statbuf': 'MEM_OUT:STAT',
  'rt_sigaction.act': 'MEM_IN:SIGACTION',
  'rt_sigprocmask.nset': 'MEM_IN:8', // sigset_t (the kernel insists sigsetsize == 8)
  'wait4.stat_addr': 'MEM_OUT:4', // int
  'uname.name': 'MEM_OUT:390', // struct new_utsname, 6 * 65
  'socketpair.usockvec': 'MEM_OUT:8', // int[2]
  'prlimit64.new_rlim': 'MEM_IN:16', // struct rlimit64
  'prlimit64.old_rlim': 'MEM_OUT:16',
  'getrlimit.rlim': 'MEM_OUT:16', // struct rlimit: two longs on 64-bit architectures
  'setrlimit.rlim': 'MEM_IN:16',
  // what the kernel writes back, as strace shows it after the call
  'rt_sigaction.oact': 'MEM_OUT:SIGACTION',
  'rt_sigprocmask.oset': 'MEM_OUT:8', // sigset_t
  'rt_sigpending.uset': 'MEM_OUT:8',
  'sigaltstack.uss': 'MEM_IN:24', // stack_t: ss_sp, ss_flags (padded), ss_size
  'sigaltstack.uoss': 'MEM_OUT:24',
  'clock_gettime.tp': 'MEM_OUT:16', // struct __kernel_timespec
  'clock_getres.tp': 'MEM_OUT:16',
  'getresuid.ruidp': 'MEM_OUT:4',
  'getresuid.euidp': 'MEM_OUT:4',
  'getresuid.suidp': 'MEM_OUT:4',
  'getresgid.rgidp': 'MEM_OUT:4',
  'getresgid.egidp': 'MEM_OUT:4',
  'getresgid.sgidp': 'MEM_OUT:4',
  'getrusage.ru': 'MEM_OUT:32', // struct rusage: strace shows its two timevals, then ...
  'wait4.ru': 'MEM_OUT:32',
  'statx.buffer': 'MEM_OUT:48', // struct statx up to stx_size, what strace shows
  'statfs.buf': 'MEM_OUT:88', // struct statfs up to f_flags (64-bit words on x86_64 and arm64)
  'fstatfs.buf': 'MEM_OUT:88',
  'sysinfo.info': 'MEM_OUT:112', // struct sysinfo of a 64-bit process
  // epoll: the event given, and the events the call returned (as many as its return value)
  'epoll_ctl.event': 'MEM_IN:EPOLL_EVENT',
  'epoll_wait.events': 'ARRAY_OUT:EPOLL_EVENT',
  'epoll_pwait.events': 'ARRAY_OUT:EPOLL_EVENT',
  'epoll_pwait2.events': 'ARRAY_OUT:EPOLL_EVENT',
  'epoll_pwait.sigmask': 'MEM_IN:8', // sigset_t
  // capabilities: the header (version, pid), and the data: two structs of three u32 sets for versions 2 and 3
  'capget.header': 'MEM_IN:8',
  'capget.dataptr': 'MEM_OUT:24',
  'capset.header': 'MEM_IN:8',
  'capset.data': 'MEM_IN:24',
  'epoll_pwait2.sigmask': 'MEM_IN:8',
  'epoll_pwait2.timeout': 'MEM_IN:16', // struct __kernel_timespec
  // the socklen_t passed in, next to a SOCKADDR_OUT: strace shows it when it
  // differs from the length written back ([110 => 2]) and when the call failed
  'accept.upeer_addrlen': 'MEM_IN:4',
  'accept4.upeer_addrlen': 'MEM_IN:4',
  'getsockname.usockaddr_len': 'MEM_IN:4',
  'getpeername.usockaddr_len': 'MEM_IN:4',
  'recvfrom.addr_len': 'MEM_IN:4',
  // socket option values: setsockopt's length is optlen
  'setsockopt.optval': 'BUF_IN',
  // random bytes the call wrote; the length is the return value
  'getrandom.ubuf': 'BUF_OUT',
  // getsockopt's value at exit, its length in *optlen as a sockaddr's; optlen before and after
  'getsockopt.optval': 'SOCKADDR_OUT',
  'getsockopt.optlen': 'MEM_INOUT:4',
  // poll's struct pollfd[nfds] (8 bytes each): events at entry, revents at exit;
  // ppoll's timeout at entry and the time left at exit, and its signal mask
  'poll.ufds': 'ARRAY_INOUT:8',
  'ppoll.ufds': 'ARRAY_INOUT:8',
  'ppoll.tsp': 'MEM_INOUT:16', // struct __kernel_timespec
  'ppoll.sigmask': 'MEM_IN:8', // sigset_t
  // struct clone_args, up to 128 bytes of the size given (strace knows 88; a non-zero tail is shown)
  'clone3.uargs': 'CLONE_ARGS:128',
  // struct user_msghdr with its name, iovecs and their data, control data
  'sendmsg.msg': 'MSGHDR_IN',
  'recvmsg.msg': 'MSGHDR_OUT',
  // extended attribute values: set at entry (length: size), got at exit (length: the return value)
  'setxattr.value': 'BUF_IN',
  'lsetxattr.value': 'BUF_IN',
  'fsetxattr.value': 'BUF_IN',
  'getxattr.value': 'BUF_OUT',
  'lgetxattr.value': 'BUF_OUT',
  'fgetxattr.value': 'BUF_OUT',
  // the CPU set the call wrote: as many bytes as it returned
  'sched_getaffinity.user_mask_ptr': 'BUF_OUT',
  // the thread name PR_SET_NAME gives and PR_GET_NAME gets (other options: nothing)
  'prctl.arg2': 'PRCTL_NAME',
  // futex's timeout, read only for the operations that wait (others put val2 there)
  'futex.utime': 'FUTEX_TIME:16', // struct __kernel_timespec
  // how many directory entries the call returned (strace shows the count)
  'getdents.dirent': 'DIRENTS',
  'getdents64.dirent': 'DIRENTS',
  // group lists: setgroups' (as many as its first argument says), the ones getgroups wrote (its return value)
  'setgroups.grouplist': 'ARRAY_IN:4', // gid_t
  'getgroups.grouplist': 'ARRAY_OUT:4',
  // select's fd sets (up to FD_SETSIZE, 1024 fds), before and after; its timeout and the time left
  'select.inp': 'FDSET:128',
  'select.outp': 'FDSET:128',
  'select.exp': 'FDSET:128',
  'select.tvp': 'MEM_INOUT:16', // struct __kernel_old_timeval
  'pselect6.inp': 'FDSET:128',
  'pselect6.outp': 'FDSET:128',
  'pselect6.exp': 'FDSET:128',
  'pselect6.tsp': 'MEM_INOUT:16', // struct __kernel_timespec
  // iovec arrays and their data: written at entry, read at exit (up to the bytes read)
  'writev.vec': 'IOV_IN',
  'pwritev.vec': 'IOV_IN',
  'pwritev2.vec': 'IOV_IN',
  'readv.vec': 'IOV_OUT',
  'preadv.vec': 'IOV_OUT',
  'preadv2.vec': 'IOV_OUT',
  // strings the kernel declares as plain char *
  'mount.dev_name': 'STR',
  'mount.dir_name': 'STR',
  'mount.type': 'STR',
  'umount2.name': 'STR',
  'utime.filename': 'STR',
  'utimes.filename': 'STR',
  // structs the caller sizes in the next argument, up to 64 bytes (strace shows a non-zero tail past
  // the fields it knows: open_how's 24 bytes, mount_attr's 32)
  'openat2.how': 'STRUCT_IN:64',
  'mount_setattr.uattr': 'STRUCT_IN:64',
  'open_tree_attr.uattr': 'STRUCT_IN:64',
  // fsconfig's value: a string or bytes, as its command says
  'fsconfig._value': 'FSCONFIG_VALUE',
  // const char * that is message data, not a string
  'mq_timedsend.u_msg_ptr': 'NONE',
};

/** Kernel typedefs that are pointers (linux/capability.h). */
const POINTER_TYPEDEFS = /^(const )?cap_user_(header|data)_t$/;

const KINDS = [
  'NONE', 'STR', 'BUF_IN', 'BUF_OUT', 'SOCKADDR_IN', 'SOCKADDR_OUT', 'ARGV', 'MEM_IN', 'MEM_OUT', 'STR_OUT',
  'MEM_INOUT', 'ARRAY_INOUT', 'ENVP', 'MSGHDR_IN', 'MSGHDR_OUT', 'CLONE_ARGS', 'ARRAY_OUT', 'IOV_IN', 'IOV_OUT', 'PRCTL_NAME',
  'FUTEX_TIME', 'DIRENTS', 'ARRAY_IN', 'FDSET', 'TIME_LEFT', 'SIGMASK_ARG', 'STRUCT_IN', 'FSCONFIG_VALUE',
];
const SB_ITEM_MAX = 4096;

// ---------------------------------------------------------------------------
// sources

function die(msg) {
  process.stderr.write(`gen-syscalls: ${msg}\n`);
  process.exit(2);
}

function readSource(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    die(`cannot read ${file} (${e.code}); install linux-libc-dev`);
  }
}

function uapiVersion() {
  const text = readSource(VERSION_HEADER);
  const get = (k) => {
    const m = new RegExp(`#define LINUX_VERSION_${k} (\\d+)`).exec(text);
    return m ? m[1] : undefined;
  };
  const major = get('MAJOR');
  if (major !== undefined) return `${major}.${get('PATCHLEVEL')}.${get('SUBLEVEL')}`;
  const code = Number(/#define LINUX_VERSION_CODE (\d+)/.exec(text)?.[1]);
  return `${code >> 16}.${(code >> 8) & 255}.${code & 255}`;
}

/** tracefs: event name (SYSCALL_DEFINE name) -> ['type name', ...]. */
function readTracefs() {
  for (const dir of TRACEFS_DIRS) {
    const events = path.join(dir, 'events', 'syscalls');
    let names;
    try {
      names = fs.readdirSync(events);
    } catch {
      continue;
    }
    const out = new Map();
    for (const ev of names.sort()) {
      if (!ev.startsWith('sys_enter_')) continue;
      const format = fs.readFileSync(path.join(events, ev, 'format'), 'utf8');
      const args = [];
      let seenNr = false;
      for (const m of format.matchAll(/^\s*field:([^;]+);/gm)) {
        const decl = m[1].trim();
        if (decl.endsWith(' __syscall_nr')) {
          seenNr = true;
          continue;
        }
        if (!seenNr) continue; // common_* fields
        args.push(decl.replace(/\s+/g, ' '));
      }
      if (!seenNr) die(`${ev}/format: no __syscall_nr field`);
      out.set(ev.slice('sys_enter_'.length), args);
    }
    if (out.size === 0) continue;
    return { dir, events: out };
  }
  die(`no syscall events in ${TRACEFS_DIRS.join(' or ')}; as root: mount -t tracefs nodev /sys/kernel/tracing`);
}

/** asm/unistd_64.h: [{nr, name, entry}] */
function readX86_64() {
  const rows = [];
  for (const m of readSource(X86_64_HEADER).matchAll(/^#define __NR_(\w+)\s+(\d+)\s*$/gm)) {
    const name = m[1];
    rows.push({ nr: Number(m[2]), name, entry: X86_64_ENTRY[name] ?? name });
  }
  return rows;
}

/**
 * asm-generic/unistd.h as a 64-bit, non-compat arm64 build sees it: a small
 * preprocessor for what the header uses (#if/#ifdef/#ifndef/#elif/#else/
 * #endif, #define/#undef, defined(), ==, !=, !, &&, ||) and the __SYSCALL
 * family of table macros.
 */
function readGeneric(predefined) {
  const text = readSource(GENERIC_HEADER)
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\\\n/g, ' ');
  const defs = new Map(Object.entries(predefined).map(([k, v]) => [k, String(v)]));
  const stack = [];
  let active = true;
  const nrDefs = new Map(); // __NR_x / __NR3264_x -> value text
  const entries = new Map(); // __NR_x / __NR3264_x -> sys_y
  const order = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    let m;
    if ((m = /^#\s*(\w+)\s*(.*)$/.exec(line))) {
      const [, dir, rest] = m;
      if (dir === 'if' || dir === 'ifdef' || dir === 'ifndef') {
        const cond = dir === 'if' ? evalCond(rest, defs) : defs.has(rest.trim()) === (dir === 'ifdef');
        stack.push({ parent: active, taken: active && cond });
        active = active && cond;
      } else if (dir === 'elif') {
        const top = stack.at(-1);
        const cond = top.parent && !top.taken && evalCond(rest, defs);
        if (cond) top.taken = true;
        active = cond;
      } else if (dir === 'else') {
        const top = stack.at(-1);
        active = top.parent && !top.taken;
        top.taken = true;
      } else if (dir === 'endif') {
        active = stack.pop().parent;
      } else if (!active) {
        continue;
      } else if (dir === 'define') {
        const d = /^(\w+)(\([^)]*\))?\s*(.*)$/.exec(rest);
        if (!d[2]) defs.set(d[1], d[3]);
        if (/^__NR(3264)?_\w+$/.test(d[1]) && !d[2]) {
          nrDefs.set(d[1], d[3].trim());
          if (d[1].startsWith('__NR_')) order.push(d[1]);
        }
      } else if (dir === 'undef') {
        defs.delete(rest.trim());
        nrDefs.delete(rest.trim());
      }
      continue;
    }
    if (!active) continue;
    if ((m = /^(__SYSCALL|__SC_COMP|__SC_3264|__SC_COMP_3264)\s*\(([^)]*)\)/.exec(line))) {
      const a = m[2].split(',').map((s) => s.trim());
      // 64-bit, no __SYSCALL_COMPAT: the native (_sys / _64) entry point
      const entry = { __SYSCALL: a[1], __SC_COMP: a[1], __SC_3264: a[2], __SC_COMP_3264: a[2] }[m[1]];
      entries.set(a[0], entry);
    }
  }
  if (stack.length) die(`${GENERIC_HEADER}: unbalanced #if`);
  const resolve = (sym, depth = 0) => {
    const v = nrDefs.get(sym);
    if (v === undefined || depth > 4) return undefined;
    return /^\d+$/.test(v) ? { nr: Number(v), sym } : resolve(v, depth + 1);
  };
  const rows = [];
  for (const sym of order) {
    const r = resolve(sym);
    if (!r) continue; // __NR_syscalls after #undef, etc.
    const entry = entries.get(sym) ?? entries.get(r.sym);
    if (!entry) continue; // __NR_syscalls, __NR_arch_specific_syscall: numbers, not calls
    const name = sym.slice('__NR_'.length);
    rows.push({ nr: r.nr, name, entry: entry === 'sys_ni_syscall' ? null : entry.replace(/^sys_/, '') });
  }
  return rows;
}

function evalCond(expr, defs) {
  const src = expr
    .replace(/defined\s*\(\s*(\w+)\s*\)/g, (_, n) => (defs.has(n) ? '1' : '0'))
    .replace(/defined\s+(\w+)/g, (_, n) => (defs.has(n) ? '1' : '0'))
    .replace(/[A-Za-z_]\w*/g, (n) => (defs.has(n) && /^\d+$/.test(defs.get(n).trim()) ? defs.get(n).trim() : '0'));
  const toks = src.match(/\d+|\|\||&&|==|!=|<=|>=|[()!<>]/g) ?? [];
  if (toks.join('') !== src.replace(/\s+/g, '')) die(`cannot evaluate #if ${expr}`);
  let i = 0;
  const peek = () => toks[i];
  const next = () => toks[i++];
  const primary = () => {
    const t = next();
    if (t === '(') {
      const v = or();
      if (next() !== ')') die(`#if ${expr}: missing )`);
      return v;
    }
    if (t === '!') return primary() ? 0 : 1;
    if (/^\d+$/.test(t)) return Number(t);
    die(`#if ${expr}: unexpected ${t}`);
  };
  const cmp = () => {
    let v = primary();
    while (['==', '!=', '<', '>', '<=', '>='].includes(peek())) {
      const op = next();
      const w = primary();
      v = Number({ '==': v === w, '!=': v !== w, '<': v < w, '>': v > w, '<=': v <= w, '>=': v >= w }[op]);
    }
    return v;
  };
  const and = () => {
    let v = cmp();
    while (peek() === '&&') {
      next();
      const w = cmp();
      v = v && w ? 1 : 0;
    }
    return v;
  };
  const or = () => {
    let v = and();
    while (peek() === '||') {
      next();
      const w = and();
      v = v || w ? 1 : 0;
    }
    return v;
  };
  const v = or();
  if (i !== toks.length) die(`#if ${expr}: trailing tokens`);
  return v !== 0;
}

// ---------------------------------------------------------------------------
// tables

function splitDecl(decl) {
  const sp = decl.lastIndexOf(' ');
  if (sp <= 0) die(`argument without a type: ${decl}`);
  return { type: decl.slice(0, sp), name: decl.slice(sp + 1) };
}

const usedOverrides = new Set();

/** The capture spec of one argument: 'NONE', 'STR', 'MEM_OUT:144', ... */
function captureOf(arch, call, arg) {
  const key = `${call}.${arg.name}`;
  let spec = OVERRIDES[key];
  if (spec !== undefined) {
    usedOverrides.add(key);
  } else {
    // Rule: the kernel's 'const char __user *' arguments are NUL-terminated
    // names (paths, xattr/key/fs/queue names); data buffers of that type are
    // in OVERRIDES. Plain 'char *' is a buffer unless OVERRIDES says STR.
    spec = arg.type === 'const char *' ? 'STR' : 'NONE';
  }
  const [kind, size] = spec.split(':');
  if (!KINDS.includes(kind)) die(`${key}: unknown capture kind ${kind}`);
  if (size === undefined) return kind;
  const bytes = /^\d+$/.test(size) ? Number(size) : ARCH_SIZES[arch][size];
  if (!(bytes > 0 && bytes <= SB_ITEM_MAX)) die(`${key}: bad size ${size}`);
  return `${kind}:${bytes}`;
}

function checkArgs(arch, call, args) {
  if (args.length > 6) die(`${arch} ${call}: ${args.length} arguments`);
  args.forEach((a, i) => {
    const kind = a.capture.split(':')[0];
    const next = args[i + 1];
    const where = `${arch} ${call}.${a.name} (${kind})`;
    // mount's data is a void * that is text for most file systems (strace prints it as a string).
    const textVoid = call === 'mount' && a.name === 'data';
    if ((kind === 'STR' || kind === 'ARGV' || kind === 'STR_OUT') && !a.type.includes('char') && !textVoid) die(`${where}: type ${a.type}`);
    // PRCTL_NAME: prctl's unsigned long, a pointer for the two options the BPF side checks.
    if (kind !== 'NONE' && kind !== 'PRCTL_NAME' && !a.type.includes('*') && !POINTER_TYPEDEFS.test(a.type)) die(`${where}: not a pointer`);
    if (kind === 'BUF_IN' || kind === 'SOCKADDR_IN') {
      if (!next || next.type.includes('*') || !/len|count|size/i.test(next.name)) die(`${where}: next argument is not its length`);
    }
    if (kind === 'SOCKADDR_OUT') {
      if (!next || !next.type.includes('*') || !/len/i.test(next.name)) die(`${where}: next argument is not a length pointer`);
    }
    if (kind === 'ARRAY_INOUT' || kind === 'CLONE_ARGS' || kind === 'IOV_IN' || kind === 'IOV_OUT' || kind === 'STRUCT_IN') {
      if (!next || next.type.includes('*') || !/n|len|count|size/i.test(next.name)) die(`${where}: next argument is not its count or size`);
    }
    if (kind === 'ARRAY_IN') {
      const prev = args[i - 1];
      if (!prev || prev.type.includes('*') || !/size|count|len/i.test(prev.name)) die(`${where}: previous argument is not its count`);
    }
    if (kind === 'FSCONFIG_VALUE' && (call !== 'fsconfig' || !/aux/.test(next?.name ?? ''))) die(`${where}: not fsconfig's value`);
    if (kind === 'ENVP' && a.type !== 'const char *const *') die(`${where}: type ${a.type}`);
    if ((kind === 'MSGHDR_IN' || kind === 'MSGHDR_OUT') && !a.type.includes('msghdr')) die(`${where}: type ${a.type}`);
  });
}

function buildRows(arch, calls, tracefs) {
  const byName = new Map(calls.map((c) => [c.name, c]));
  for (const [nr, name] of NEWER[arch]) {
    const have = byName.get(name);
    if (have && have.nr !== nr) die(`${arch} ${name}: header says ${have.nr}, NEWER says ${nr}`);
    if (!have) {
      const c = { nr, name, entry: name };
      calls.push(c);
      byName.set(name, c);
    }
  }
  calls.sort((a, b) => a.nr - b.nr);
  const seen = new Set();
  return calls.map((c) => {
    if (seen.has(c.nr)) die(`${arch}: number ${c.nr} twice`);
    seen.add(c.nr);
    const special = ARCH_ARGS[arch]?.[c.name];
    let decls = special?.args;
    let note = special && `not from tracefs: ${special.why}`;
    if (!decls && c.entry) decls = tracefs.get(c.entry);
    if (!decls) {
      const known = KNOWN_ARGS[c.name];
      if (!known) die(`${arch} ${c.name} (${c.nr}): no tracefs event ${c.entry} and no KNOWN_ARGS entry`);
      decls = known.args;
      note = `not from tracefs: ${known.why}`;
    }
    const args = decls.map((d) => {
      const a = splitDecl(d);
      return { ...a, capture: captureOf(arch, c.name, a) };
    });
    checkArgs(arch, c.name, args);
    return { nr: c.nr, name: c.name, args, note };
  });
}

function quote(s) {
  if (/['\\\n]/.test(s)) die(`unexpected character in ${s}`);
  return `'${s}'`;
}

function render(arch, rows, sources) {
  const constName = arch === 'x86_64' ? 'X86_64_SYSCALLS' : 'ARM64_SYSCALLS';
  const lines = [
    `// Generated by scripts/gen-syscalls.mjs from ${sources}. Do not edit; rerun the script.`,
    '//',
    `// ${rows.length} syscalls. Row: [nr, name, ...arguments]; an argument is 'type name' as`,
    "// tracefs prints the kernel's SYSCALL_DEFINE (without __user), then ' @KIND' or",
    "// ' @KIND:bytes' when the BPF program captures the data behind it (types.ts CaptureKind).",
    '// Rows marked "not from tracefs" have arguments written from the kernel sources.',
    "import type { SyscallRow } from './types';",
    '',
    `export const ${constName}: readonly SyscallRow[] = [`,
  ];
  for (const r of rows) {
    const args = r.args.map((a) => quote(a.capture === 'NONE' ? `${a.type} ${a.name}` : `${a.type} ${a.name} @${a.capture}`));
    const line = `  [${[String(r.nr), quote(r.name), ...args].join(', ')}],`;
    lines.push(r.note ? `${line} // ${r.note}` : line);
  }
  lines.push('];', '');
  return lines.join('\n');
}

function generate() {
  const tracefs = readTracefs();
  const uapi = uapiVersion();
  const kernel = `${os.release()} (${os.arch() === 'x64' ? 'x86_64' : os.arch()})`;
  const x86 = buildRows('x86_64', readX86_64(), tracefs.events);
  const arm = buildRows('arm64', readGeneric(ARM64_DEFINES), tracefs.events);
  const unused = Object.keys(OVERRIDES).filter((k) => !usedOverrides.has(k));
  if (unused.length) die(`OVERRIDES that match no argument: ${unused.join(', ')}`);
  return {
    x86_64: render('x86_64', x86,
      `asm/unistd_64.h (Linux UAPI headers ${uapi}) and the tracefs syscall formats of Linux ${kernel}`),
    arm64: render('arm64', arm,
      `asm-generic/unistd.h as arm64 includes it (Linux UAPI headers ${uapi}) and, by entry point, the tracefs syscall formats of Linux ${kernel}`),
  };
}

const arg = process.argv[2];
if (arg === 'x86_64' || arg === 'arm64') {
  process.stdout.write(generate()[arg]);
} else if (arg === '--write') {
  const out = generate();
  for (const arch of ['x86_64', 'arm64']) {
    const file = path.join(OUT_DIR, `${arch}.ts`);
    fs.writeFileSync(file, out[arch]);
    process.stderr.write(`wrote ${path.relative(ROOT, file)}\n`);
  }
} else {
  process.stderr.write('usage: node scripts/gen-syscalls.mjs x86_64 | arm64 | --write\n');
  process.exit(2);
}
