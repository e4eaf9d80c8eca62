/**
 * Socket option values as strace 6.1 prints them: setsockopt's optval at
 * entry (its length is optlen) and getsockopt's at exit (the length the
 * kernel wrote back). Options strace decodes with data this recorder does
 * not have (interface names behind an ifindex, BPF filter programs behind a
 * pointer) are shown as the pointer.
 */
import { errnoInfo } from './errno';
import { quoteBytes, quoteHex } from './strings';
import { valueNames, xval, xvalD } from './xlat';

const SOL_IP = 0;
const SOL_SOCKET = 1;
const SOL_RAW = 255;
const SOL_PACKET = 263;
const SOL_NETLINK = 270;

const SO_ERROR = 4;
const SO_LINGER = 13;
const SO_PEERCRED = 17;
const SO_ATTACH_FILTER = 26;
const SO_ATTACH_REUSEPORT_CBPF = 51;
const SO_TXREHASH = 74;
const IP_ADD_MEMBERSHIP = 35;
const IP_DROP_MEMBERSHIP = 36;
const ICMP_FILTER = 1;
const PACKET_RX_RING = 5;
const PACKET_STATISTICS = 6;
const PACKET_TX_RING = 13;
const NETLINK_LIST_MEMBERSHIPS = 9;

/** SOL_SOCKET options strace prints as an int ([1]) whatever their length, by number (asm-generic/socket.h). */
const SO_INT_LIKE: ReadonlySet<number> = new Set([
  1, 2, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16, 18, 19, 27, 29, 30, 32, 33, 34, 35, 36, 37, 40, 41, 42, 43, 44, 45, 46, 49, 53, 56,
  60, 63, 64, 65, 68, 69, 70, 73, 75,
]);

const TXREHASH_VALUES = valueNames([
  [-1, 'SOCK_TXREHASH_DEFAULT'],
  [0, 'SOCK_TXREHASH_DISABLED'],
  [1, 'SOCK_TXREHASH_ENABLED'],
]);

/** ICMP message types, by bit of struct icmp_filter. */
const ICMP_TYPES = valueNames([
  [0, 'ICMP_ECHOREPLY'],
  [3, 'ICMP_DEST_UNREACH'],
  [4, 'ICMP_SOURCE_QUENCH'],
  [5, 'ICMP_REDIRECT'],
  [8, 'ICMP_ECHO'],
  [11, 'ICMP_TIME_EXCEEDED'],
  [12, 'ICMP_PARAMETERPROB'],
  [13, 'ICMP_TIMESTAMP'],
  [14, 'ICMP_TIMESTAMPREPLY'],
  [15, 'ICMP_INFO_REQUEST'],
  [16, 'ICMP_INFO_REPLY'],
  [17, 'ICMP_ADDRESS'],
  [18, 'ICMP_ADDRESSREPLY'],
]);

/** A captured option value: at most its first bytes; `cut` when the value went on past them. */
export interface OptionBytes {
  data: Uint8Array;
  cut: boolean;
}

function ptr(v: bigint): string {
  return v === 0n ? 'NULL' : '0x' + BigInt.asUintN(64, v).toString(16);
}

function i32(d: Uint8Array, off: number): number {
  return d[off] | (d[off + 1] << 8) | (d[off + 2] << 16) | (d[off + 3] << 24);
}

function u32(d: Uint8Array, off: number): number {
  return i32(d, off) >>> 0;
}

/** "[%d]" of the int at the start, or undefined when fewer than 4 bytes were captured. */
function intIn(d: Uint8Array): string | undefined {
  return d.length >= 4 ? `[${i32(d, 0)}]` : undefined;
}

/** A uid or gid as strace prints an id: -1 as -1, others unsigned. */
function id(v: number): string {
  return v >>> 0 === 0xffffffff ? '-1' : String(v >>> 0);
}

interface Field {
  name: string;
  size: number;
  print: (d: Uint8Array, off: number) => string;
}

/**
 * A struct of which only len bytes exist (strace's MAYBE_PRINT_FIELD_LEN):
 * fields that fit whole are printed, one that is cut shows its bytes in hex,
 * later ones are left out.
 */
function partialStruct(d: Uint8Array, len: number, fields: readonly Field[]): string {
  const parts: string[] = [];
  let off = 0;
  for (const f of fields) {
    if (len <= off) break;
    parts.push(len >= off + f.size ? `${f.name}=${f.print(d, off)}` : `${f.name}=${quoteHex(d.subarray(off, len))}`);
    off += f.size;
  }
  return '{' + parts.join(', ') + '}';
}

const LINGER: readonly Field[] = [
  { name: 'l_onoff', size: 4, print: (d, o) => String(i32(d, o)) },
  { name: 'l_linger', size: 4, print: (d, o) => String(i32(d, o)) },
];
const UCRED: readonly Field[] = [
  { name: 'pid', size: 4, print: (d, o) => String(i32(d, o)) },
  { name: 'uid', size: 4, print: (d, o) => id(i32(d, o)) },
  { name: 'gid', size: 4, print: (d, o) => id(i32(d, o)) },
];
const TPACKET_STATS: readonly Field[] = [
  { name: 'tp_packets', size: 4, print: (d, o) => String(u32(d, o)) },
  { name: 'tp_drops', size: 4, print: (d, o) => String(u32(d, o)) },
  { name: 'tp_freeze_q_cnt', size: 4, print: (d, o) => String(u32(d, o)) },
];

function inetAddr(d: Uint8Array, off: number): string {
  return `inet_addr("${d[off]}.${d[off + 1]}.${d[off + 2]}.${d[off + 3]}")`;
}

/**
 * struct icmp_filter: the ICMP types whose bit is set, or, when more than
 * half are, "~" and those whose bit is clear: ~[ICMP_ECHO].
 */
export function printIcmpFilter(d: Uint8Array, len: number, addr: bigint): string {
  if (len <= 0) return ptr(addr);
  const n = Math.min(len, 4);
  if (d.length < n) return ptr(addr);
  // Bytes not given keep their bits set, as in the kernel's copy.
  let bits = 0xffffffff;
  for (let i = 0; i < n; i++) bits = (bits & ~(0xff << (8 * i))) | (d[i] << (8 * i));
  bits >>>= 0;
  let count = 0;
  for (let i = 0; i < 32; i++) if (bits & (1 << i)) count++;
  let out = '';
  if (count > 16) {
    bits = ~bits >>> 0;
    out = '~';
  }
  const names: string[] = [];
  for (let i = 0; i < 32; i++) if (bits & (1 << i)) names.push(xval(ICMP_TYPES, i, 'ICMP_???'));
  return out + '[' + names.join(' ') + ']';
}

/** setsockopt's optval: the value, len bytes at addr of which `value` holds the first. */
export function printSetsockopt(level: number, name: number, addr: bigint, len: number, value: OptionBytes | undefined, limit: number): string {
  if (addr === 0n) return 'NULL';
  if (!value) return ptr(addr);
  const d = value.data;
  switch (level) {
    case SOL_SOCKET:
      switch (name) {
        case SO_LINGER:
          return len < 8 || d.length < 8 ? ptr(addr) : `{l_onoff=${i32(d, 0)}, l_linger=${i32(d, 4)}}`;
        case SO_ATTACH_FILTER:
        case SO_ATTACH_REUSEPORT_CBPF: {
          // struct sock_fprog: unsigned short len, then the filter's address.
          if (len !== 16 || d.length < 16) return ptr(addr);
          const filter = Buffer.from(d.buffer, d.byteOffset, d.byteLength).readBigUInt64LE(8);
          return `{len=${d[0] | (d[1] << 8)}, filter=${ptr(filter)}}`;
        }
        case SO_TXREHASH:
          return len < 4 || d.length < 4 ? ptr(addr) : `[${xvalD(TXREHASH_VALUES, i32(d, 0), 'SOCK_TXREHASH_???')}]`;
        default:
          if (SO_INT_LIKE.has(name)) return len < 4 ? ptr(addr) : intIn(d) ?? ptr(addr);
      }
      break;
    case SOL_IP:
      if (name === IP_ADD_MEMBERSHIP || name === IP_DROP_MEMBERSHIP) {
        return len < 8 || d.length < 8 ? ptr(addr) : `{imr_multiaddr=${inetAddr(d, 0)}, imr_interface=${inetAddr(d, 4)}}`;
      }
      // MCAST_JOIN_GROUP, MCAST_LEAVE_GROUP: a group_req (an interface index and a sockaddr) strace resolves to a name.
      if (name === 42 || name === 45) return ptr(addr);
      break;
    case 41: // SOL_IPV6
      // ipv6_mreq and group_req hold an interface index, which strace prints by the interface's name.
      if (name === 20 || name === 21 || name === 27 || name === 28 || name === 42 || name === 45) return ptr(addr);
      break;
    case SOL_PACKET:
      if (name === PACKET_RX_RING || name === PACKET_TX_RING) {
        if (len !== 16 || d.length < 16) return ptr(addr);
        return `{tp_block_size=${u32(d, 0)}, tp_block_nr=${u32(d, 4)}, tp_frame_size=${u32(d, 8)}, tp_frame_nr=${u32(d, 12)}}`;
      }
      // PACKET_ADD_MEMBERSHIP, PACKET_DROP_MEMBERSHIP: a packet_mreq, with an interface index.
      if (name === 1 || name === 2) return ptr(addr);
      break;
    case SOL_RAW:
      if (name === ICMP_FILTER) return printIcmpFilter(d, len, addr);
      break;
    case SOL_NETLINK:
      return len < 4 ? ptr(addr) : intIn(d) ?? ptr(addr);
    default:
      break;
  }
  if (len === 4) return intIn(d) ?? ptr(addr);
  // The length is an int; a negative one reads as a huge unsigned count.
  return quoteBytes(d, limit, value.cut);
}

/**
 * getsockopt's optval after a successful call: ulen the length passed in,
 * rlen the one written back, `value` the first bytes of the value.
 */
export function printGetsockopt(
  level: number,
  name: number,
  addr: bigint,
  ulen: number,
  rlen: number,
  value: OptionBytes | undefined,
  limit: number,
): string {
  if (ulen <= 0 || rlen <= 0) return ptr(addr);
  if (addr === 0n) return 'NULL';
  if (!value) return ptr(addr);
  const d = value.data;
  switch (level) {
    case SOL_SOCKET:
      switch (name) {
        case SO_LINGER:
          return partialStruct(d, Math.min(rlen, 8, d.length), LINGER);
        case SO_PEERCRED:
          return partialStruct(d, Math.min(rlen, 12, d.length), UCRED);
        case SO_ATTACH_FILTER:
          // The filter's instructions: strace decodes them, they were not captured.
          return ptr(addr);
        case SO_ERROR: {
          if (rlen < 4) return quoteHex(d.subarray(0, rlen), limit);
          if (d.length < 4) return ptr(addr);
          const err = u32(d, 0);
          return `[${errnoInfo(err)?.name ?? err}]`;
        }
        case SO_TXREHASH:
          if (rlen < 4) return quoteHex(d.subarray(0, rlen), limit);
          return d.length < 4 ? ptr(addr) : `[${xvalD(TXREHASH_VALUES, i32(d, 0), 'SOCK_TXREHASH_???')}]`;
        default:
          if (SO_INT_LIKE.has(name)) return rlen >= 4 ? intIn(d) ?? ptr(addr) : quoteHex(d.subarray(0, rlen), limit);
      }
      break;
    case SOL_PACKET:
      if (name === PACKET_STATISTICS) return partialStruct(d, Math.min(rlen, 12, d.length), TPACKET_STATS);
      break;
    case SOL_RAW:
      if (name === ICMP_FILTER) return printIcmpFilter(d, rlen, addr);
      break;
    case SOL_NETLINK: {
      if (name !== NETLINK_LIST_MEMBERSHIPS) return intIn(d) ?? ptr(addr);
      const n = Math.floor(Math.min(ulen, rlen) / 4);
      const have = Math.min(n, Math.floor(d.length / 4), limit);
      const groups: string[] = [];
      for (let i = 0; i < have; i++) groups.push(String(u32(d, 4 * i)));
      if (n > have) groups.push('...');
      return '[' + groups.join(', ') + ']';
    }
    default:
      break;
  }
  if (rlen === 4) return intIn(d) ?? ptr(addr);
  return quoteBytes(d.subarray(0, rlen), limit, value.cut || rlen > d.length);
}
