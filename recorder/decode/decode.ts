/**
 * Decodes a paired syscall event into strace's text: the arguments (by the
 * kinds of recorder/decode/table.ts) and the return value.
 */
import type { SyscallEvent } from '../events';
import type { RawItem } from '../records';
import { CaptureKind, type Arch } from '../syscalls/types';
import { F_GETFD, F_GETFL, F_GETLEASE, F_GETSIG, F_GET_SEALS, FD_FLAGS, LEASE_TYPES, SCHED_POLICIES, SEAL_FLAGS, SUID_DUMP } from './consts';
import { signalName } from './signals';
import { errnoInfo, RESTART_ERRNOS } from './errno';
import { DecodeCtx, Kind, KINDS, printOpenFlags } from './kinds';
import { SYSCALL_ARGS, SYSCALL_RETURNS } from './table';
import { fdsetMembers, printRevents, printTimespec, printTimeval } from './structs';
import { flags, hexU, octU } from './xlat';

interface Step {
  kind: Kind;
  arg: number;
}

export interface Decoder {
  name: string;
  steps: Step[];
  /** Index of the first step strace prints at return (steps.length if none). */
  firstExit: number;
  ret: string;
  /** Bit i set: argument i is a socket address (getsockopt's value is captured like one, and is not). */
  addressArgs: number;
}

/** Parses a table row ("kind" or "kind@N") into steps; throws on an unknown kind. */
export function compileDecoder(name: string, row: readonly string[], ret = 'dec'): Decoder {
  const steps: Step[] = row.map((spec, pos) => {
    const at = spec.indexOf('@');
    const kindName = at < 0 ? spec : spec.slice(0, at);
    const kind = KINDS[kindName];
    if (!kind) throw new Error(`decode table: ${name}: unknown kind '${kindName}'`);
    return { kind, arg: at < 0 ? pos : Number(spec.slice(at + 1)) };
  });
  let firstExit = steps.findIndex((s) => s.kind.exit);
  if (firstExit < 0) firstExit = steps.length;
  let addressArgs = 0;
  for (const s of steps) if (s.kind === KINDS.sockaddr_in || s.kind === KINDS.sockaddr_out) addressArgs |= 1 << s.arg;
  return { name, steps, firstExit, ret, addressArgs };
}

const decoders = new Map<string, Decoder>();
for (const [name, row] of Object.entries(SYSCALL_ARGS)) {
  decoders.set(name, compileDecoder(name, row, SYSCALL_RETURNS[name]));
}

/** The decoder of a syscall, if the table has it. */
export function decoderFor(name: string): Decoder | undefined {
  return decoders.get(name);
}

/** Names of the syscalls decoded with all their arguments. */
export function decodedSyscalls(): string[] {
  return [...decoders.keys()];
}

// One context, refilled for every event (decoding is synchronous).
const ctx: DecodeCtx = {
  arch: 'x86_64',
  args: [],
  item: [undefined, undefined, undefined, undefined, undefined, undefined],
  argv: [],
  items: [],
  done: false,
  ret: 0n,
  failed: false,
  limit: 32,
};

function fill(ev: SyscallEvent, arch: Arch, limit: number): DecodeCtx {
  const c = ctx;
  c.arch = arch;
  c.args = ev.args;
  const item = c.item;
  for (let i = 0; i < 6; i++) item[i] = undefined;
  if (c.argv.length) c.argv.length = 0;
  const items: RawItem[] = ev.items;
  c.items = items;
  for (let j = 0; j < items.length; j++) {
    const it = items[j];
    if (it.kind === CaptureKind.ARGV) c.argv.push(it);
    else if (it.arg < 6 && !it.part) item[it.arg] = it;
  }
  c.done = !ev.unfinished && ev.ret !== undefined;
  c.ret = ev.ret ?? 0n;
  c.failed = c.done && c.ret < 0n && c.ret >= -4095n;
  c.limit = limit;
  return c;
}

/**
 * The arguments of a call as strace prints them, without the parentheses.
 * For a call that did not return, only those strace prints at entry, and
 * `open` says whether strace's line continues with ", " before its
 * " <unfinished ...>" (it printed a separator for an argument still to come).
 */
export function decodeArgs(d: Decoder, ev: SyscallEvent, arch: Arch, limit: number): { text: string; open: boolean } {
  const text = decodeArgsText(d, ev, arch, limit);
  return { text, open: lastOpen };
}

/** Set by decodeArgsText: the last call's line continues with ", " before " <unfinished ...>". */
let lastOpen = false;

/** decodeArgs without allocating a result: the text, with the "open" answer in wasOpen(). */
export function decodeArgsText(d: Decoder, ev: SyscallEvent, arch: Arch, limit: number): string {
  const c = fill(ev, arch, limit);
  const steps = d.steps;
  const end = c.done ? steps.length : d.firstExit;
  let text = '';
  let any = false;
  for (let s = 0; s < end; s++) {
    const step = steps[s];
    const out = step.kind.print(c, step.arg);
    if (out === null) continue;
    text = any ? text + ', ' + out : out;
    any = true;
  }
  lastOpen = !c.done && end < steps.length && steps[end].kind.exit === true && any;
  return text;
}

/** Whether the last decodeArgsText call's line continues with ", " before " <unfinished ...>". */
export function wasOpen(): boolean {
  return lastOpen;
}

/** "= 0" .. "= 4095", made once: most calls return small numbers. */
const SMALL_RETURNS: string[] = Array.from({ length: 4096 }, (_, i) => '= ' + i);

/** " = ..." for an error return: -1 ENOENT (...), or ? ERESTARTSYS (...) for the restart codes. */
function errorReturn(n: number): string {
  const e = errnoInfo(n);
  if (!e) return `= -1 ${n} (Unknown error ${n})`;
  return RESTART_ERRNOS.has(n) ? `= ? ${e.name} (${e.message})` : `= -1 ${e.name} (${e.message})`;
}

/**
 * What strace prints in parentheses after a return value when it comes from
 * captured data rather than from the value: poll's revents,
 * [{fd=4, revents=POLLIN}]. Undefined for other calls, or when nothing was
 * captured. Rows keep it (EventRow.retDetail), since they keep no items.
 */
export function returnDetail(ev: SyscallEvent, d: Decoder | undefined, limit = 32): string | undefined {
  if (d?.ret === 'select') return selectDetail(ev, d);
  if (!d || d.ret !== 'poll' || ev.ret === undefined || ev.ret <= 0n) return undefined;
  let revents: string | undefined;
  let left: string | undefined;
  for (const it of ev.items) {
    if (it.kind !== CaptureKind.MEM_OUT || it.fault) continue;
    if (it.arg === 0) revents = printRevents(it.data, limit);
    // ppoll: the time left of its timeout
    else if (it.arg === 2 && d.name === 'ppoll') left = printTimespec(it.data);
  }
  if (left === undefined) return revents;
  return revents === undefined ? 'left ' + left : revents + ', left ' + left;
}

/**
 * select's and pselect6's ready fds, as many as it returned, by set, and the
 * time left of the timeout: in [3], out [4], left {tv_sec=0, tv_usec=999}.
 */
function selectDetail(ev: SyscallEvent, d: Decoder): string | undefined {
  if (ev.ret === undefined || ev.ret <= 0n) return undefined;
  const nfds = Number(BigInt.asIntN(32, ev.args[0] ?? 0n));
  const parts: string[] = [];
  let ready = Number(ev.ret);
  let left: string | undefined;
  for (const it of ev.items) {
    if (it.kind !== CaptureKind.MEM_OUT || it.fault) continue;
    if (it.arg >= 1 && it.arg <= 3 && ready > 0) {
      const fds = fdsetMembers(it.data, nfds, ready);
      ready -= fds.length;
      if (fds.length) parts.push(`${SELECT_SETS[it.arg - 1]} [${fds.join(' ')}]`);
    } else if (it.arg === 4 && (ev.args[4] ?? 0n) !== 0n) {
      left = d.name === 'select' ? printTimeval(it.data) : printTimespec(it.data);
    }
  }
  if (left !== undefined) parts.push('left ' + left);
  return parts.length ? parts.join(', ') : undefined;
}

const SELECT_SETS = ['in', 'out', 'except'];

/** The return value of a call that returned, as strace prints it ("= 3", "= -1 ENOENT (...)", "= 0x7f..."). */
export function decodeReturn(
  ev: SyscallEvent,
  name: string,
  arch: Arch = 'x86_64',
  d: Decoder | undefined = decoders.get(name),
  limit = 32,
): string {
  const style = d ? d.ret : 'dec';
  const ret = ev.ret ?? 0n;
  if (style === 'dec' && ret >= 0n && ret < 4096n) return SMALL_RETURNS[Number(ret)];
  if (style === 'none') return '= ?';
  if (ret < 0n && ret >= -4095n) return errorReturn(Number(-ret));
  switch (style) {
    case 'hex':
      return '= ' + hexU(BigInt.asUintN(64, ret));
    case 'oct':
      return '= ' + octU(Number(ret));
    case 'fcntl': {
      const cmd = Number(BigInt.asUintN(32, ev.args[1] ?? 0n));
      const v = Number(BigInt.asUintN(32, ret));
      if (cmd === F_GETFD) return v ? `= ${hexU(v)} (flags ${flags(FD_FLAGS, v, 'FD_???')})` : '= 0';
      if (cmd === F_GETFL) return `= ${hexU(v)} (flags ${printOpenFlags(v, arch)})`;
      if (cmd === F_GET_SEALS) return v ? `= ${hexU(v)} (seals ${flags(SEAL_FLAGS, v, 'F_SEAL_???')})` : '= 0';
      if (cmd === F_GETLEASE) {
        const lease = LEASE_TYPES.get(v);
        return lease ? `= ${hexU(v)} (${lease})` : '= ' + hexU(v);
      }
      if (cmd === F_GETSIG && v) {
        const sig = signalName(v);
        if (sig) return `= ${v} (${sig})`;
      }
      return '= ' + ret.toString();
    }
    case 'prctl': {
      const option = Number(BigInt.asUintN(32, ev.args[0] ?? 0n));
      const name = option === 3 ? SUID_DUMP.get(Number(ret)) : undefined;
      return name ? `= ${ret} (${name})` : '= ' + ret.toString();
    }
    case 'sched_policy': {
      const name = SCHED_POLICIES.get(Number(ret));
      return name ? `= ${ret} (${name})` : '= ' + ret.toString();
    }
    case 'select':
    case 'poll': {
      if (ret === 0n) return '= 0 (Timeout)';
      const detail = returnDetail(ev, d, limit);
      return detail ? `= ${ret} (${detail})` : '= ' + ret.toString();
    }
    default:
      return '= ' + ret.toString();
  }
}

