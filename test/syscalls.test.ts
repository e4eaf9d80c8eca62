/**
 * The syscall tables (recorder/syscalls/): numbers, argument lists, capture
 * kinds, the BPF descriptor table, and that the committed tables are what
 * scripts/gen-syscalls.mjs makes of this machine's sources.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  SB_DESC_ENTER_ITEMS,
  SB_DESC_ENTER_STRINGS,
  SB_DESC_EXIT_ITEMS,
  SB_DESC_EXIT_STRINGS,
  SB_DESC_ONE_STR,
  SB_DESC_ONE_BUF_OUT,
  SB_NR_MAX,
  SB_SC_DESC_SIZE,
  decodeDesc,
  encodeDescTable,
  parseSyscallFilter,
  syscallName,
  syscallTable,
} from '../recorder/syscalls/table';
import { Arch, CaptureKind, SIZED_KINDS, SyscallInfo, SyscallTable, isPointerType } from '../recorder/syscalls/types';

const ROOT = path.resolve(__dirname, '..', '..');
const ARCHES: Arch[] = ['x86_64', 'arm64'];

function call(table: SyscallTable, name: string): SyscallInfo {
  const info = table.byName.get(name);
  if (!info) throw new Error(`${table.arch}: no syscall ${name}`);
  return info;
}

function argOf(table: SyscallTable, name: string, arg: string) {
  const a = call(table, name).args.find((x) => x.name === arg);
  if (!a) throw new Error(`${table.arch}: ${name} has no argument ${arg}`);
  return a;
}

test('table sizes', (t) => {
  const x86 = syscallTable('x86_64');
  const arm = syscallTable('arm64');
  t.true(x86.byName.size >= 360, `x86_64 has ${x86.byName.size}`);
  t.true(arm.byName.size >= 290, `arm64 has ${arm.byName.size}`);
  for (const table of [x86, arm]) {
    t.is(table.byNr.filter(Boolean).length, table.byName.size);
    t.true(table.byNr.length <= SB_NR_MAX, `${table.arch} numbers fit the descriptor table`);
  }
});

test('x86_64 numbers and arguments', (t) => {
  const x = syscallTable('x86_64');
  const nr = (name: string) => call(x, name).nr;
  t.is(nr('read'), 0);
  t.is(nr('write'), 1);
  t.is(nr('open'), 2);
  t.is(nr('connect'), 42);
  t.is(nr('execve'), 59);
  t.is(nr('exit_group'), 231);
  t.is(nr('openat'), 257);
  t.is(nr('clone3'), 435);
  t.deepEqual(
    call(x, 'openat').args.map((a) => a.name),
    ['dfd', 'filename', 'flags', 'mode'],
  );
  t.is(call(x, 'getpid').args.length, 0);
  t.is(call(x, 'mmap').args.length, 6);
  t.is(argOf(x, 'execve', 'argv').capture, CaptureKind.ARGV);
  t.is(argOf(x, 'execve', 'envp').capture, CaptureKind.ENVP);
  t.is(argOf(x, 'execve', 'filename').capture, CaptureKind.STR);
  t.is(argOf(x, 'connect', 'uservaddr').capture, CaptureKind.SOCKADDR_IN);
  t.is(argOf(x, 'write', 'buf').capture, CaptureKind.BUF_IN);
  t.is(argOf(x, 'read', 'buf').capture, CaptureKind.BUF_OUT);
  t.is(argOf(x, 'getcwd', 'buf').capture, CaptureKind.STR_OUT);
  t.is(argOf(x, 'accept4', 'upeer_sockaddr').capture, CaptureKind.SOCKADDR_OUT);
  t.deepEqual(argOf(x, 'fstat', 'statbuf'), { name: 'statbuf', type: 'struct stat *', capture: CaptureKind.MEM_OUT, size: 144 });
  t.is(argOf(x, 'rt_sigaction', 'act').size, 32);
  t.is(argOf(x, 'wait4', 'stat_addr').size, 4);
  // x86_64 clone: child_tidptr before tls
  t.deepEqual(
    call(x, 'clone').args.map((a) => a.name),
    ['clone_flags', 'newsp', 'parent_tidptr', 'child_tidptr', 'tls'],
  );
});

test('arm64 numbers and arguments (asm-generic table)', (t) => {
  const a = syscallTable('arm64');
  const nr = (name: string) => call(a, name).nr;
  t.is(nr('io_setup'), 0);
  t.is(nr('getcwd'), 17);
  t.is(nr('openat'), 56);
  t.is(nr('read'), 63);
  t.is(nr('write'), 64);
  t.is(nr('newfstatat'), 79);
  t.is(nr('exit_group'), 94);
  t.is(nr('connect'), 203);
  t.is(nr('clone'), 220);
  t.is(nr('execve'), 221);
  t.is(nr('clone3'), 435);
  for (const gone of ['open', 'stat', 'lstat', 'fork', 'vfork', 'pipe', 'access', 'dup2', 'select', 'poll']) {
    t.false(a.byName.has(gone), `arm64 has no ${gone}`);
  }
  t.is(call(a, 'openat').args.length, 4);
  t.is(argOf(a, 'fstat', 'statbuf').size, 128);
  t.is(argOf(a, 'newfstatat', 'statbuf').size, 128);
  t.is(argOf(a, 'rt_sigaction', 'act').size, 32);
  // CONFIG_CLONE_BACKWARDS: tls before child_tidptr
  t.deepEqual(
    call(a, 'clone').args.map((x) => x.name),
    ['clone_flags', 'newsp', 'parent_tidptr', 'tls', 'child_tidptr'],
  );
  t.deepEqual(
    call(a, 'fadvise64').args.map((x) => x.type),
    ['int', 'loff_t', 'loff_t', 'int'],
  );
});

test('capture kinds are consistent with the arguments they apply to', (t) => {
  for (const arch of ARCHES) {
    const table = syscallTable(arch);
    let str = 0;
    for (const info of table.byName.values()) {
      t.true(info.args.length <= 6, `${arch} ${info.name}`);
      info.args.forEach((arg, i) => {
        const where = `${arch} ${info.name}.${arg.name}`;
        const next = info.args[i + 1];
        // prctl's unsigned long arg2 is a pointer for the two options PRCTL_NAME captures.
        if (arg.capture !== CaptureKind.NONE && arg.capture !== CaptureKind.PRCTL_NAME) t.true(isPointerType(arg.type), `${where} is a pointer`);
        // mount's data: a void * that is text for most file systems.
        if ((arg.capture === CaptureKind.STR || arg.capture === CaptureKind.ARGV || arg.capture === CaptureKind.STR_OUT) && `${info.name}.${arg.name}` !== 'mount.data') {
          t.true(arg.type.includes('char'), `${where}: ${arg.type}`);
        }
        if (arg.capture === CaptureKind.STR) str++;
        if (arg.capture === CaptureKind.BUF_IN || arg.capture === CaptureKind.SOCKADDR_IN) {
          t.truthy(next, `${where} has a length argument`);
          t.regex(next?.name ?? '', /len|count|size/i, `${where}: next argument is its length`);
          t.false((next?.type ?? '*').includes('*'), `${where}: length passed by value`);
        }
        if (arg.capture === CaptureKind.SOCKADDR_OUT) {
          t.regex(next?.name ?? '', /len/i, `${where}: next argument is its length`);
          t.true((next?.type ?? '').includes('*'), `${where}: length passed by pointer`);
        }
        t.is(SIZED_KINDS.has(arg.capture), arg.size !== undefined, `${where}: a size only with the sized kinds`);
      });
    }
    // every path-taking call of the table, at least
    t.true(str > 80, `${arch} has ${str} STR arguments`);
    for (const [name, arg] of [
      ['openat', 'filename'], ['mkdirat', 'pathname'], ['unlinkat', 'pathname'], ['renameat2', 'oldname'],
      ['renameat2', 'newname'], ['linkat', 'newname'], ['symlinkat', 'oldname'], ['getxattr', 'name'],
      ['setxattr', 'pathname'], ['swapon', 'specialfile'], ['mount', 'dir_name'], ['mount', 'type'],
      ['umount2', 'name'], ['chdir', 'filename'], ['statx', 'filename'], ['truncate', 'path'], ['mount', 'data'],
    ]) {
      t.is(argOf(table, name, arg).capture, CaptureKind.STR, `${arch} ${name}.${arg}`);
    }
    for (const [name, arg] of [['write', 'buf'], ['pwrite64', 'buf'], ['sendto', 'buff']]) {
      t.is(argOf(table, name, arg).capture, CaptureKind.BUF_IN, `${arch} ${name}.${arg}`);
    }
    t.is(argOf(table, 'sendto', 'addr').capture, CaptureKind.SOCKADDR_IN);
    t.is(argOf(table, 'recvfrom', 'addr').capture, CaptureKind.SOCKADDR_OUT);
    t.is(argOf(table, 'recvfrom', 'ubuf').capture, CaptureKind.BUF_OUT);
    t.is(argOf(table, 'readlinkat', 'buf').capture, CaptureKind.BUF_OUT);
    t.is(argOf(table, 'mq_timedsend', 'u_msg_ptr').capture, CaptureKind.NONE);
    t.is(argOf(table, 'getrandom', 'ubuf').capture, CaptureKind.BUF_OUT);
    t.is(argOf(table, 'setsockopt', 'optval').capture, CaptureKind.BUF_IN);
    t.deepEqual(argOf(table, 'socketpair', 'usockvec'), { name: 'usockvec', type: 'int *', capture: CaptureKind.MEM_OUT, size: 8 });
    t.is(argOf(table, 'prlimit64', 'old_rlim').capture, CaptureKind.MEM_OUT);
    t.is(argOf(table, 'prlimit64', 'new_rlim').capture, CaptureKind.MEM_IN);
    // the socklen_t passed in, which strace shows next to the one written back
    for (const [name, len] of [['accept', 'upeer_addrlen'], ['accept4', 'upeer_addrlen'], ['recvfrom', 'addr_len'], ['getsockname', 'usockaddr_len']]) {
      t.deepEqual([argOf(table, name, len).capture, argOf(table, name, len).size], [CaptureKind.MEM_IN, 4], `${arch} ${name}.${len}`);
    }
    t.is(argOf(table, 'execveat', 'argv').capture, CaptureKind.ARGV);
    t.is(argOf(table, 'execveat', 'envp').capture, CaptureKind.ENVP);
    const poll = arch === 'x86_64' ? 'poll' : 'ppoll'; // arm64 has ppoll only
    t.deepEqual([argOf(table, poll, 'ufds').capture, argOf(table, poll, 'ufds').size], [CaptureKind.ARRAY_INOUT, 8]);
    t.deepEqual([argOf(table, 'ppoll', 'tsp').capture, argOf(table, 'ppoll', 'tsp').size], [CaptureKind.MEM_INOUT, 16]);
    t.deepEqual([argOf(table, 'getsockopt', 'optval').capture, argOf(table, 'getsockopt', 'optlen').capture], [CaptureKind.SOCKADDR_OUT, CaptureKind.MEM_INOUT]);
    t.is(argOf(table, 'sendmsg', 'msg').capture, CaptureKind.MSGHDR_IN);
    t.is(argOf(table, 'recvmsg', 'msg').capture, CaptureKind.MSGHDR_OUT);
    t.deepEqual([argOf(table, 'clone3', 'uargs').capture, argOf(table, 'clone3', 'uargs').size], [CaptureKind.CLONE_ARGS, 128]);
    t.is(argOf(table, 'clock_nanosleep', 'rqtp').size, 16);
    t.is(argOf(table, 'pipe2', 'fildes').size, 8);
    t.is(argOf(table, 'rt_sigprocmask', 'nset').size, 8);
    t.is(argOf(table, 'uname', 'name').size, 390);
  }
});

test('syscallName falls back to strace\'s syscall_0x... for unknown numbers', (t) => {
  const x = syscallTable('x86_64');
  const a = syscallTable('arm64');
  t.is(syscallName(x, 257), 'openat');
  t.is(syscallName(a, 56), 'openat');
  t.is(syscallName(x, 1000), 'syscall_0x3e8'); // as strace 6.1 printed syscall(1000) here
  t.is(syscallName(x, 400), 'syscall_0x190'); // 387..423 are unassigned on x86_64
  t.is(syscallName(a, 244), 'syscall_0xf4'); // arch-specific range, empty on arm64
  t.is(syscallName(a, 1024), 'syscall_0x400');
});

test('parseSyscallFilter: lists split, repeats dropped, names of any architecture, unknown names refused', (t) => {
  t.deepEqual(parseSyscallFilter(['openat,connect', ' write ', 'openat', '']), ['openat', 'connect', 'write']);
  t.deepEqual(parseSyscallFilter([]), []);
  // open is x86_64's only (arm64 has openat alone); a dump from either machine may be read here.
  t.true(syscallTable('x86_64').byName.has('open'));
  t.false(syscallTable('arm64').byName.has('open'));
  t.deepEqual(parseSyscallFilter(['open']), ['open']);
  // strace's name for a number no table knows, as rows carry it.
  t.deepEqual(parseSyscallFilter(['syscall_0x190', 'syscall_0']), ['syscall_0x190', 'syscall_0']);
  t.throws(() => parseSyscallFilter(['openat,nosuch']), { message: 'unknown syscall "nosuch"' });
  t.throws(() => parseSyscallFilter(['OPENAT']), { message: 'unknown syscall "OPENAT"' });
  t.throws(() => parseSyscallFilter(['syscall_0x']), { message: /unknown syscall/ });
  t.throws(() => parseSyscallFilter(['x'.repeat(100)]), { message: `unknown syscall "${'x'.repeat(64)}…"` });
});

test('encodeDescTable: struct sb_sc_desc[512]', (t) => {
  for (const arch of ARCHES) {
    const table = syscallTable(arch);
    const buf = encodeDescTable(table);
    t.is(buf.length, 12288);
    t.is(buf.length, SB_NR_MAX * SB_SC_DESC_SIZE);

    const openat = decodeDesc(buf, call(table, 'openat').nr);
    t.is(openat.nargs, 4);
    t.is(openat.kind[1], CaptureKind.STR);
    t.deepEqual(openat.kind, [0, 1, 0, 0, 0, 0]);
    t.is(openat.flags & SB_DESC_ENTER_ITEMS, SB_DESC_ENTER_ITEMS);
    t.is(openat.flags & SB_DESC_EXIT_ITEMS, 0);
    t.is(openat.flags & SB_DESC_ENTER_STRINGS, SB_DESC_ENTER_STRINGS, 'a path is a string: sized only by reading it');
    t.is(openat.flags & SB_DESC_ONE_STR, SB_DESC_ONE_STR, 'the path is its only item at entry');
    t.is(openat.strArg, 1);
    // raw bytes: nargs, flags (ENTER_ITEMS|ENTER_STRINGS|ONE_STR), kind[6], sizes all zero, str_arg 1, buf_arg 0, padding
    const off = call(table, 'openat').nr * SB_SC_DESC_SIZE;
    t.deepEqual([...buf.subarray(off, off + SB_SC_DESC_SIZE)], [4, 0x25, 0, 1, 0, 0, 0, 0, ...new Array(12).fill(0), 1, 0, 0, 0]);
    // ONE_STR: one string and nothing else at entry, whatever comes at exit
    const oneStr = (name: string) => {
      const d = decodeDesc(buf, call(table, name).nr);
      return d.flags & SB_DESC_ONE_STR ? d.strArg : null;
    };
    t.is(oneStr('newfstatat'), 1, 'newfstatat: the path at entry, the struct stat at exit');
    t.is(oneStr('chdir'), 0);
    t.is(oneStr('unlinkat'), 1);
    t.is(oneStr('execve'), null, 'execve: the path and argv');
    t.is(oneStr('renameat2'), null, 'two paths');
    // ONE_BUF_OUT: one buffer as long as the call returned and nothing else at exit, whatever comes at entry
    const oneBufOut = (name: string) => {
      const d = decodeDesc(buf, call(table, name).nr);
      return d.flags & SB_DESC_ONE_BUF_OUT ? d.bufArg : null;
    };
    t.is(oneBufOut('read'), 1);
    t.is(oneBufOut('pread64'), 1);
    t.is(oneBufOut('getrandom'), 0);
    t.is(oneBufOut('readlinkat'), 2, 'readlinkat: the path at entry, the buffer at exit');
    t.is(oneBufOut('recvfrom'), null, 'recvfrom: the buffer and the address');
    t.is(oneBufOut('write'), null, 'write: its buffer at entry');
    t.is(oneBufOut('openat'), null);
    t.is(oneStr('connect'), null, 'a sockaddr, not a string');
    t.is(oneStr('getpid'), null);
    // pread64's buffer has a known length at exit: no string flag, so it is written straight into the ring.
    const pread = decodeDesc(buf, call(table, 'pread64').nr);
    t.is(pread.flags, SB_DESC_EXIT_ITEMS | SB_DESC_ONE_BUF_OUT);

    const fstat = decodeDesc(buf, call(table, 'fstat').nr);
    t.is(fstat.nargs, 2);
    t.is(fstat.flags, SB_DESC_EXIT_ITEMS);
    t.is(fstat.kind[1], CaptureKind.MEM_OUT);
    t.is(fstat.size[1], arch === 'x86_64' ? 144 : 128);
    t.is(buf.readUInt16LE(call(table, 'fstat').nr * SB_SC_DESC_SIZE + 8 + 2), fstat.size[1]);

    const recvfrom = decodeDesc(buf, call(table, 'recvfrom').nr);
    t.is(recvfrom.nargs, 6);
    t.is(recvfrom.flags, SB_DESC_ENTER_ITEMS | SB_DESC_EXIT_ITEMS);
    t.deepEqual(recvfrom.kind, [0, CaptureKind.BUF_OUT, 0, 0, CaptureKind.SOCKADDR_OUT, CaptureKind.MEM_IN]);
    t.is(recvfrom.size[5], 4);

    const sendto = decodeDesc(buf, call(table, 'sendto').nr);
    t.deepEqual(sendto.kind, [0, CaptureKind.BUF_IN, 0, 0, CaptureKind.SOCKADDR_IN, 0]);
    t.is(sendto.flags, SB_DESC_ENTER_ITEMS);

    // captured at entry and again at exit, sized: straight into the ring both times
    t.is(decodeDesc(buf, call(table, 'ppoll').nr).flags, SB_DESC_ENTER_ITEMS | SB_DESC_EXIT_ITEMS);
    t.is(decodeDesc(buf, call(table, 'getsockopt').nr).flags, SB_DESC_ENTER_ITEMS | SB_DESC_EXIT_ITEMS);
    t.is(decodeDesc(buf, call(table, 'clone3').nr).flags, SB_DESC_ENTER_ITEMS | SB_DESC_EXIT_ITEMS);
    // a msghdr's size is known only by reading it: scratch at entry (sendmsg), at exit (recvmsg)
    t.is(decodeDesc(buf, call(table, 'sendmsg').nr).flags, SB_DESC_ENTER_ITEMS | SB_DESC_ENTER_STRINGS);
    t.is(decodeDesc(buf, call(table, 'recvmsg').nr).flags, SB_DESC_ENTER_ITEMS | SB_DESC_EXIT_ITEMS | SB_DESC_EXIT_STRINGS);

    const getpid = decodeDesc(buf, call(table, 'getpid').nr);
    t.deepEqual(getpid, { nargs: 0, flags: 0, kind: [0, 0, 0, 0, 0, 0], size: [0, 0, 0, 0, 0, 0], strArg: 0, bufArg: 0 });

    // every number: unknown ones are nargs 6 without captures, known ones match the table
    for (let nr = 0; nr < SB_NR_MAX; nr++) {
      const d = decodeDesc(buf, nr);
      const info = table.byNr[nr];
      t.is(d.nargs, info ? info.args.length : 6, `${arch} ${nr}`);
      if (!info) t.deepEqual([d.flags, ...d.kind, ...d.size], new Array(13).fill(0), `${arch} ${nr}`);
      t.is(d.strArg, d.flags & SB_DESC_ONE_STR ? d.strArg : 0, `${arch} ${nr}: str_arg only with ONE_STR`);
      if (d.flags & SB_DESC_ONE_STR) t.is(d.kind[d.strArg], CaptureKind.STR, `${arch} ${nr}`);
      t.is(d.bufArg, d.flags & SB_DESC_ONE_BUF_OUT ? d.bufArg : 0, `${arch} ${nr}: buf_arg only with ONE_BUF_OUT`);
      if (d.flags & SB_DESC_ONE_BUF_OUT) t.is(d.kind[d.bufArg], CaptureKind.BUF_OUT, `${arch} ${nr}`);
      t.is(buf.readUIntLE(nr * SB_SC_DESC_SIZE + 22, 2), 0);
    }
  }
});

test('syscallTable() defaults to the host architecture and is cached', (t) => {
  const host = process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? 'arm64' : undefined;
  if (!host) {
    t.throws(() => syscallTable());
    return;
  }
  t.is(syscallTable().arch, host);
  t.is(syscallTable(), syscallTable(host));
});

// ---------------------------------------------------------------------------
// The committed tables equal the generator's output. The generator reads this
// machine's UAPI headers and tracefs, so the comparison is meaningful only
// where those are the sources named in the files' first line.

function readable(dir: string): boolean {
  try {
    return fs.readdirSync(dir).some((e) => e.startsWith('sys_enter_'));
  } catch {
    return false;
  }
}

function uapiVersion(): string | undefined {
  try {
    const text = fs.readFileSync('/usr/include/linux/version.h', 'utf8');
    const get = (k: string) => new RegExp(`#define LINUX_VERSION_${k} (\\d+)`).exec(text)?.[1];
    return `${get('MAJOR')}.${get('PATCHLEVEL')}.${get('SUBLEVEL')}`;
  } catch {
    return undefined;
  }
}

function generatorSkipReason(arch: Arch): string | undefined {
  const file = fs.readFileSync(path.join(ROOT, 'recorder', 'syscalls', `${arch}.ts`), 'utf8');
  const first = file.split('\n', 1)[0];
  const kernel = /tracefs syscall formats of Linux (\S+)/.exec(first)?.[1];
  const uapi = /Linux UAPI headers (\S+)\)/.exec(first)?.[1];
  if (!readable('/sys/kernel/tracing/events/syscalls') && !readable('/sys/kernel/debug/tracing/events/syscalls')) {
    return 'tracefs syscall events not readable (needs root and tracefs)';
  }
  if (kernel !== os.release()) return `generated from kernel ${kernel}, running ${os.release()}`;
  if (uapi !== uapiVersion()) return `generated from UAPI headers ${uapi}, installed ${uapiVersion()}`;
  return undefined;
}

for (const arch of ARCHES) {
  const reason = generatorSkipReason(arch);
  const title = `recorder/syscalls/${arch}.ts is what scripts/gen-syscalls.mjs generates${reason ? ` (skipped: ${reason})` : ''}`;
  (reason ? test.skip : test)(title, (t) => {
    const generated = execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'gen-syscalls.mjs'), arch], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    const committed = fs.readFileSync(path.join(ROOT, 'recorder', 'syscalls', `${arch}.ts`), 'utf8');
    t.true(generated.length > 10000);
    t.is(generated, committed, 'rerun: node scripts/gen-syscalls.mjs --write');
  });
}
