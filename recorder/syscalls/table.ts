/**
 * Syscall tables: names and argument lists for rendering, and the descriptor
 * table (struct sb_sc_desc[SB_NR_MAX], bpf/record.h) that tells the BPF
 * program which argument data to capture.
 */
import { ARM64_SYSCALLS } from './arm64';
import {
  Arch,
  CaptureKind,
  CaptureKindName,
  ENTER_KINDS,
  EXIT_KINDS,
  SIGFRAME_MASK_OFFSET,
  SIZED_KINDS,
  SyscallArg,
  SyscallInfo,
  SyscallRow,
  SyscallTable,
  VARIABLE_AT_ENTRY,
  VARIABLE_AT_EXIT,
} from './types';
import { X86_64_SYSCALLS } from './x86_64';

/** Syscall numbers covered by the descriptor table (SB_NR_MAX). */
export const SB_NR_MAX = 512;
/** sizeof(struct sb_sc_desc). */
export const SB_SC_DESC_SIZE = 24;
export const SB_DESC_ENTER_ITEMS = 0x01;
export const SB_DESC_EXIT_ITEMS = 0x02;
/** Some item of that phase is a string: its length is known only by reading it (bpf/record.h). */
export const SB_DESC_ENTER_STRINGS = 0x04;
export const SB_DESC_EXIT_STRINGS = 0x08;
/** rt_sigreturn: argument 0 is the address of its frame's signal mask (CaptureKind.SIGFRAME). */
export const SB_DESC_SIGFRAME = 0x10;
/** The one item at entry is a string (STR) at argument strArg: the BPF side reads it into scratch first and, its length known, writes the record straight into the ring. */
export const SB_DESC_ONE_STR = 0x20;
/** The one item at exit is a buffer (BUF_OUT) at argument bufArg, as long as the call returned: the BPF side writes the exit record straight into the ring without sizing its items first. */
export const SB_DESC_ONE_BUF_OUT = 0x40;
/** Largest captured item (SB_ITEM_MAX). */
export const SB_ITEM_MAX = 4096;
const MAX_ARGS = 6;

const ROWS: Record<Arch, readonly SyscallRow[]> = {
  x86_64: X86_64_SYSCALLS,
  arm64: ARM64_SYSCALLS,
};

let host: Arch | undefined;

/** This machine's architecture, by syscall table (asked for every rendered call: process.arch is a getter, so it is read once). */
export function hostArch(): Arch {
  if (host !== undefined) return host;
  switch (process.arch) {
    case 'x64':
      return (host = 'x86_64');
    case 'arm64':
      return (host = 'arm64');
    default:
      throw new Error(`straceback: no syscall table for ${process.arch}`);
  }
}

function kindName(kind: number): string {
  return Object.keys(CaptureKind).find((k) => CaptureKind[k as CaptureKindName] === kind) ?? String(kind);
}

function parseArg(call: string, spec: string): SyscallArg {
  let decl = spec;
  let capture: number = CaptureKind.NONE;
  let size: number | undefined;
  const at = spec.lastIndexOf(' @');
  if (at >= 0) {
    decl = spec.slice(0, at);
    const [kindName, bytes] = spec.slice(at + 2).split(':');
    if (!Object.prototype.hasOwnProperty.call(CaptureKind, kindName)) {
      throw new Error(`syscall ${call}: unknown capture kind in '${spec}'`);
    }
    capture = CaptureKind[kindName as CaptureKindName];
    if (bytes !== undefined) size = Number(bytes);
  }
  const sized = SIZED_KINDS.has(capture);
  if (sized !== (size !== undefined)) throw new Error(`syscall ${call}: '${spec}': a size goes with ${[...SIZED_KINDS].map(kindName).join('/')} only`);
  if (size !== undefined && !(Number.isInteger(size) && size > 0 && size <= SB_ITEM_MAX)) {
    throw new Error(`syscall ${call}: '${spec}': size out of range`);
  }
  const sp = decl.lastIndexOf(' ');
  if (sp <= 0) throw new Error(`syscall ${call}: argument '${spec}' has no type`);
  const arg: SyscallArg = { name: decl.slice(sp + 1), type: decl.slice(0, sp), capture };
  if (size !== undefined) arg.size = size;
  return arg;
}

/** Builds a table from generated rows, checking them. */
export function buildTable(arch: Arch, rows: readonly SyscallRow[]): SyscallTable {
  const byNr: (SyscallInfo | undefined)[] = [];
  const byName = new Map<string, SyscallInfo>();
  for (const [nr, name, ...specs] of rows) {
    if (!Number.isInteger(nr) || nr < 0) throw new Error(`${arch}: bad syscall number ${nr} (${name})`);
    if (byNr[nr]) throw new Error(`${arch}: syscall number ${nr} is both ${byNr[nr]!.name} and ${name}`);
    if (byName.has(name)) throw new Error(`${arch}: syscall ${name} twice`);
    if (specs.length > MAX_ARGS) throw new Error(`${arch}: syscall ${name} has ${specs.length} arguments`);
    const info: SyscallInfo = { nr, name, args: specs.map((s) => parseArg(name, s)) };
    byNr[nr] = info;
    byName.set(name, info);
  }
  return { arch, byNr, byName };
}

const cache = new Map<Arch, SyscallTable>();

/** The table of an architecture (default: this host's), built once. */
export function syscallTable(arch: Arch = hostArch()): SyscallTable {
  let table = cache.get(arch);
  if (!table) {
    table = buildTable(arch, ROWS[arch]);
    cache.set(arch, table);
  }
  return table;
}

/** Longest name a syscall filter takes (the longest known is 22 characters). */
const FILTER_NAME_MAX = 64;

/**
 * The syscall names of a filter (--syscall, ?syscall=, WatchEvents'
 * syscalls), as a user writes them: comma-separated lists split, blanks and
 * repeats dropped. Each must be a syscall of some architecture's table (a
 * dump may come from another machine) or strace's name for a number no
 * table knows (syscall_0x1c2); otherwise it throws `unknown syscall "NAME"`,
 * as `strace -e trace=NAME` refuses it, instead of silently matching nothing.
 */
export function parseSyscallFilter(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const value of values) {
    for (const part of String(value).split(',')) {
      const name = part.trim();
      if (!name || out.includes(name)) continue;
      if (!isSyscallName(name)) {
        const shown = name.length > FILTER_NAME_MAX ? `${name.slice(0, FILTER_NAME_MAX)}…` : name;
        throw new Error(`unknown syscall ${JSON.stringify(shown)}`);
      }
      out.push(name);
    }
  }
  return out;
}

function isSyscallName(name: string): boolean {
  if (name.length > FILTER_NAME_MAX) return false;
  if (/^syscall_(0|0x[0-9a-f]+)$/.test(name)) return true;
  return (Object.keys(ROWS) as Arch[]).some((arch) => syscallTable(arch).byName.has(name));
}

/**
 * The name of syscall nr, or for a number the table does not know the name
 * strace prints: "syscall_" and the number as C's "%#lx" (syscall_0x1c2).
 */
export function syscallName(table: SyscallTable, nr: number): string {
  const info = table.byNr[nr];
  if (info) return info.name;
  return nr === 0 ? 'syscall_0' : `syscall_0x${nr.toString(16)}`;
}

/**
 * struct sb_sc_desc[SB_NR_MAX], little endian:
 *   u8 nargs; u8 flags; u8 kind[6]; u16 size[6]; u8 str_arg; u8 buf_arg; u8 _pad[2].
 * A number the table does not know gets nargs 6 and no captures.
 */
export function encodeDescTable(table: SyscallTable): Buffer {
  const buf = Buffer.alloc(SB_NR_MAX * SB_SC_DESC_SIZE);
  for (let nr = 0; nr < SB_NR_MAX; nr++) {
    const off = nr * SB_SC_DESC_SIZE;
    const info = table.byNr[nr];
    if (!info) {
      buf.writeUInt8(MAX_ARGS, off);
      continue;
    }
    let flags = 0;
    info.args.forEach((arg, i) => {
      buf.writeUInt8(arg.capture, off + 2 + i);
      buf.writeUInt16LE(arg.size ?? 0, off + 8 + 2 * i);
      if (ENTER_KINDS.has(arg.capture)) flags |= SB_DESC_ENTER_ITEMS;
      if (EXIT_KINDS.has(arg.capture)) flags |= SB_DESC_EXIT_ITEMS;
      if (VARIABLE_AT_ENTRY.has(arg.capture)) flags |= SB_DESC_ENTER_STRINGS;
      if (VARIABLE_AT_EXIT.has(arg.capture)) flags |= SB_DESC_EXIT_STRINGS;
    });
    const captured = info.args.map((arg, i) => ({ capture: arg.capture, i }));
    const atEntry = captured.filter((a) => ENTER_KINDS.has(a.capture));
    if (atEntry.length === 1 && atEntry[0].capture === CaptureKind.STR) {
      flags |= SB_DESC_ONE_STR;
      buf.writeUInt8(atEntry[0].i, off + 20);
    }
    const atExit = captured.filter((a) => EXIT_KINDS.has(a.capture));
    if (atExit.length === 1 && atExit[0].capture === CaptureKind.BUF_OUT) {
      flags |= SB_DESC_ONE_BUF_OUT;
      buf.writeUInt8(atExit[0].i, off + 21);
    }
    if (info.name === 'rt_sigreturn' && info.args.length === 0) {
      // No argument: the mask its signal frame restores, read from the user stack, as argument 0.
      buf.writeUInt8(CaptureKind.SIGFRAME, off + 2);
      buf.writeUInt16LE(SIGFRAME_MASK_OFFSET[table.arch], off + 8);
      flags |= SB_DESC_ENTER_ITEMS | SB_DESC_SIGFRAME;
    }
    buf.writeUInt8(info.args.length, off);
    buf.writeUInt8(flags, off + 1);
  }
  return buf;
}

export interface DecodedDesc {
  nargs: number;
  flags: number;
  kind: number[];
  size: number[];
  strArg: number;
  bufArg: number;
}

/** One entry of an encodeDescTable() buffer. */
export function decodeDesc(buf: Buffer, nr: number): DecodedDesc {
  const off = nr * SB_SC_DESC_SIZE;
  const kind: number[] = [];
  const size: number[] = [];
  for (let i = 0; i < MAX_ARGS; i++) {
    kind.push(buf.readUInt8(off + 2 + i));
    size.push(buf.readUInt16LE(off + 8 + 2 * i));
  }
  return { nargs: buf.readUInt8(off), flags: buf.readUInt8(off + 1), kind, size, strArg: buf.readUInt8(off + 20), bufArg: buf.readUInt8(off + 21) };
}
