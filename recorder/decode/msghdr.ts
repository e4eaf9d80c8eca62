/**
 * struct msghdr of sendmsg and recvmsg as strace 6.1 prints it:
 *   {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="pong", iov_len=4}],
 *    msg_iovlen=1, msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET,
 *    cmsg_type=SCM_RIGHTS, cmsg_data=[3]}], msg_controllen=24, msg_flags=0}
 * from the pieces the kernel side captured (types.ts MSGHDR_PART): the
 * header, the name, the iovec array, each iovec's data and the control data.
 */
import type { RawItem } from '../records';
import { MSGHDR_PART } from '../syscalls/types';
import { MSG_FLAGS, SOCKET_LEVELS } from './consts';
import { printSockaddr } from './sockaddr';
import { quoteBytes } from './strings';
import { flags, hexU, valueNames, xval } from './xlat';

/** sizeof(struct user_msghdr) and sizeof(struct cmsghdr) on 64-bit architectures. */
export const MSGHDR_SIZE = 56;
const CMSG_HDR = 16;

/** The captured pieces of one msghdr, in the order the kernel side wrote them. */
export interface MsghdrPieces {
  header: RawItem | undefined;
  name: RawItem | undefined;
  iov: RawItem | undefined;
  data: RawItem[];
  control: RawItem | undefined;
}

/** The pieces of argument arg among items, from the entry (MEM_IN) or exit (MEM_OUT) capture. */
export function msghdrPieces(items: readonly RawItem[], arg: number, kind: number): MsghdrPieces {
  const p: MsghdrPieces = { header: undefined, name: undefined, iov: undefined, data: [], control: undefined };
  for (const it of items) {
    if (it.arg !== arg || it.kind !== kind) continue;
    switch (it.part ?? 0) {
      case MSGHDR_PART.HEADER:
        p.header = it;
        break;
      case MSGHDR_PART.NAME:
        p.name = it;
        break;
      case MSGHDR_PART.IOV:
        p.iov = it;
        break;
      case MSGHDR_PART.DATA:
        p.data.push(it);
        break;
      case MSGHDR_PART.CONTROL:
        p.control = it;
        break;
      default:
        break;
    }
  }
  return p;
}

function ptr(v: bigint): string {
  return v === 0n ? 'NULL' : '0x' + v.toString(16);
}

function view(d: Uint8Array): DataView {
  return new DataView(d.buffer, d.byteOffset, d.byteLength);
}

/** The msg_namelen a header holds (the caller's, in recvmsg's entry capture). */
export function msghdrNamelen(header: Uint8Array): number | undefined {
  return header.length >= MSGHDR_SIZE ? view(header).getInt32(8, true) : undefined;
}

/** An iovec's data as strace's printstrn shows len bytes of it (noData: the address, as for a call that failed). */
function iovBase(base: bigint, len: bigint, data: RawItem | undefined, limit: number, noData = false): string {
  if (base === 0n) return 'NULL';
  if (noData || !data || data.fault) return ptr(base);
  return quoteBytes(data.data, limit, data.truncated || BigInt(data.data.length) < len);
}

/**
 * The iovec array: iovlen entries, each with up to dataSize bytes of data in
 * all (recvmsg: the bytes received; sendmsg: no bound); noData: the bases as
 * addresses (readv that failed).
 */
export function printIovecs(p: MsghdrPieces, addr: bigint, iovlen: bigint, dataSize: bigint | undefined, limit: number, noData = false): string {
  if (addr === 0n) return 'NULL';
  if (iovlen === 0n) return '[]';
  const iov = p.iov;
  if (!iov || iov.fault || iov.data.length < 16) return ptr(addr);
  const v = view(iov.data);
  const have = Math.floor(iov.data.length / 16);
  let left = dataSize;
  let out = '[';
  for (let k = 0; BigInt(k) < iovlen; k++) {
    if (k) out += ', ';
    if (k >= limit || k >= have) {
      out += '...';
      break;
    }
    const base = v.getBigUint64(16 * k, true);
    const len = v.getBigUint64(16 * k + 8, true);
    let shown = len;
    if (left !== undefined) {
      if (shown > left) shown = left;
      left -= shown;
    }
    out += `{iov_base=${iovBase(base, shown, p.data[k], limit, noData)}, iov_len=${len}}`;
  }
  return out + ']';
}

const SCM_TYPES = valueNames([
  [1, 'SCM_RIGHTS'],
  [2, 'SCM_CREDENTIALS'],
  [3, 'SCM_SECURITY'],
  [4, 'SCM_PIDFD'],
  [41, 'SO_WIFI_STATUS'],
  [61, 'SO_TXTIME'],
  [29, 'SO_TIMESTAMP_OLD'],
  [35, 'SO_TIMESTAMPNS_OLD'],
  [37, 'SO_TIMESTAMPING_OLD'],
  [63, 'SO_TIMESTAMP_NEW'],
  [64, 'SO_TIMESTAMPNS_NEW'],
  [65, 'SO_TIMESTAMPING_NEW'],
  [0x36, 'SCM_TIMESTAMPING_OPT_STATS'],
  [0x3a, 'SCM_TIMESTAMPING_PKTINFO'],
]);

const IP_CMSG_TYPES = valueNames([
  [1, 'IP_TOS'],
  [2, 'IP_TTL'],
  [6, 'IP_RECVOPTS'],
  [7, 'IP_RETOPTS'],
  [8, 'IP_PKTINFO'],
  [11, 'IP_RECVERR'],
  [20, 'IP_ORIGDSTADDR'],
  [23, 'IP_CHECKSUM'],
  [52, 'IP_PROTOCOL'],
  [3, 'SCM_SECURITY'],
]);

/** An array of n elements, at most limit of them shown (strace's print_local_array). */
function localArray(n: number, limit: number, elem: (i: number) => string): string {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i >= limit) {
      parts.push('...');
      break;
    }
    parts.push(elem(i));
  }
  return '[' + parts.join(', ') + ']';
}

/**
 * ", cmsg_data=..." for the types strace decodes and this file knows;
 * "" for the others (timestamps, IP_PKTINFO and IP_RECVERR are not decoded here).
 */
function cmsgData(level: number, type: number, d: Uint8Array, limit: number): string {
  const v = view(d);
  if (level === 1) {
    if (type === 1 && d.length >= 4) return ', cmsg_data=' + localArray(d.length >> 2, limit, (i) => String(v.getInt32(4 * i, true)));
    if (type === 2 && d.length >= 12) {
      const id = (x: number): string => (x === 0xffffffff ? '-1' : String(x));
      return `, cmsg_data={pid=${v.getInt32(0, true)}, uid=${id(v.getUint32(4, true))}, gid=${id(v.getUint32(8, true))}}`;
    }
    if (type === 3 && d.length >= 1) return ', cmsg_data=' + quoteBytes(d);
    return '';
  }
  if (level === 0) {
    if ((type === 2 || type === 23) && d.length >= 4) return ', cmsg_data=' + localArray(d.length >> 2, limit, (i) => String(v.getUint32(4 * i, true)));
    if ((type === 1 || type === 6 || type === 7) && d.length >= 1) return ', cmsg_data=' + localArray(d.length, limit, (i) => hexU(d[i]));
    if (type === 20 && d.length >= 16) return ', cmsg_data=' + printSockaddr(d, Math.min(d.length, 128));
    if (type === 3 && d.length >= 1) return ', cmsg_data=' + quoteBytes(d);
  }
  return '';
}

/** cmsg_type (and data) by level. */
function cmsgType(level: number, type: number, d: Uint8Array, limit: number): string {
  if (level === 1) return xval(SCM_TYPES, type, 'SCM_???') + cmsgData(level, type, d, limit);
  if (level === 0) return xval(IP_CMSG_TYPES, type, 'IP_???') + cmsgData(level, type, d, limit);
  return hexU(type >>> 0);
}

/** msg_control: the control messages in controllen bytes at addr, of which `control` holds the first. */
function printControl(addr: bigint, controllen: bigint, control: RawItem | undefined, limit: number): string {
  if (controllen < BigInt(CMSG_HDR) || !control || control.fault || control.data.length < CMSG_HDR) return ptr(addr);
  const buf = control.data;
  const v = view(buf);
  const total = buf.length;
  let left = total;
  let at = 0;
  let out = '[';
  while (left >= CMSG_HDR) {
    const cmsgLen = v.getBigUint64(at, true);
    const level = v.getInt32(at + 8, true);
    const type = v.getInt32(at + 12, true);
    if (at) out += ', ';
    const len = cmsgLen > BigInt(left) ? left : Number(cmsgLen);
    const data = buf.subarray(at + CMSG_HDR, at + Math.max(len, CMSG_HDR));
    out += `{cmsg_len=${cmsgLen}, cmsg_level=${xval(SOCKET_LEVELS, level, 'SOL_???')}, cmsg_type=${cmsgType(level, type, data, limit)}}`;
    if (len < CMSG_HDR) {
      left -= CMSG_HDR;
      break;
    }
    const step = (cmsgLen + 7n) & ~7n;
    if (step >= BigInt(left)) {
      left = 0;
      break;
    }
    at += Number(step);
    left -= Number(step);
  }
  if (left) out += `, ... /* ${ptr(addr + BigInt(total - left))} */`;
  else if (control.truncated || BigInt(total) < controllen) out += ', ...';
  return out + ']';
}

/**
 * The msghdr after the call. userNamelen: recvmsg's msg_namelen as passed
 * in; dataSize: the bytes received, which bound the iovec data shown.
 */
export function printMsghdr(p: MsghdrPieces, userNamelen: number | undefined, dataSize: bigint | undefined, limit: number): string | undefined {
  const h = p.header;
  if (!h || h.fault || h.data.length < MSGHDR_SIZE) return undefined;
  const v = view(h.data);
  const name = v.getBigUint64(0, true);
  const namelen = v.getInt32(8, true);
  const iovAddr = v.getBigUint64(16, true);
  const iovlen = v.getBigUint64(24, true);
  const control = v.getBigUint64(32, true);
  const controllen = v.getBigUint64(40, true);
  const msgFlags = v.getUint32(48, true);

  const shownNamelen = userNamelen !== undefined && namelen > userNamelen ? userNamelen : namelen;
  let nameText: string;
  if (shownNamelen < 2 || name === 0n || !p.name || p.name.fault || p.name.data.length < 2) nameText = ptr(name);
  else nameText = printSockaddr(p.name.data, Math.min(shownNamelen, p.name.data.length));
  let out = `{msg_name=${nameText}, msg_namelen=`;
  out += userNamelen !== undefined && userNamelen !== namelen ? `${userNamelen} => ${namelen}` : String(namelen);
  out += `, msg_iov=${printIovecs(p, iovAddr, iovlen, dataSize, limit)}, msg_iovlen=${iovlen}`;
  if (controllen !== 0n) out += `, msg_control=${printControl(control, controllen, p.control, limit)}`;
  out += `, msg_controllen=${controllen}, msg_flags=${flags(MSG_FLAGS, msgFlags, 'MSG_???')}}`;
  return out;
}
