/**
 * struct sockaddr as strace prints it:
 *   {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("1.2.3.4")}
 *   {sa_family=AF_INET6, sin6_port=htons(80), sin6_flowinfo=htonl(0),
 *    inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}
 *   {sa_family=AF_UNIX, sun_path="/x"}   {sa_family=AF_UNIX, sun_path=@"abstract"}
 *   {sa_family=AF_NETLINK, nl_pid=0, nl_groups=00000000}
 * Other families: {sa_family=AF_X, sa_data="..."}.
 */
import { ADDRESS_FAMILIES, AF_INET, AF_INET6, AF_NETLINK, AF_PACKET, AF_UNIX, ETH_PROTOCOLS } from './consts';
import { quoteBytes } from './strings';
import { xval } from './xlat';

/** An IPv6 address (16 bytes at off) the way glibc's inet_ntop writes it. */
export function inet6ToString(b: Uint8Array, off = 0): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((b[off + 2 * i] << 8) | b[off + 2 * i + 1]);
  // The longest run (first of equal ones) of two or more zero words becomes "::".
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestStart = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += i === 0 ? '::' : ':';
      i += bestLen - 1;
      continue;
    }
    // An IPv4 tail for ::a.b.c.d and ::ffff:a.b.c.d.
    if (i === 6 && bestStart === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff))) {
      out += `${b[off + 12]}.${b[off + 13]}.${b[off + 14]}.${b[off + 15]}`;
      break;
    }
    out += w[i].toString(16);
    if (i < 7) out += ':';
  }
  return out;
}

function u16be(b: Uint8Array, off: number): number {
  return (b[off] << 8) | b[off + 1];
}

function u32le(b: Uint8Array, off: number): number {
  return (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (b[off + 3] << 24)) >>> 0;
}

function u32be(b: Uint8Array, off: number): number {
  return ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
}

/** AF_UNIX: a path up to its NUL, an abstract name (leading NUL) shown as @"...". */
function unixPath(b: Uint8Array, len: number): string {
  const start = 2;
  if (len <= start) return '';
  if (b[start] === 0 && len > start + 1) {
    return ', sun_path=@' + quoteBytes(b.subarray(start + 1, len));
  }
  let end = start;
  while (end < len && b[end] !== 0) end++;
  return ', sun_path=' + quoteBytes(b.subarray(start, end));
}

/**
 * A sockaddr of len bytes (the address length the call used; data may hold
 * fewer when the capture was cut).
 */
export function printSockaddr(data: Uint8Array, len = data.length): string {
  const n = Math.min(len, data.length);
  if (n < 2) return '{sa_family=AF_UNSPEC}';
  const family = data[0] | (data[1] << 8);
  let out = '{sa_family=' + xval(ADDRESS_FAMILIES, family, 'AF_???');
  switch (family) {
    case AF_INET:
      if (n >= 8) {
        return `${out}, sin_port=htons(${u16be(data, 2)}), sin_addr=inet_addr("${data[4]}.${data[5]}.${data[6]}.${data[7]}")}`;
      }
      break;
    case AF_INET6:
      if (n >= 24) {
        out += `, sin6_port=htons(${u16be(data, 2)}), sin6_flowinfo=htonl(${u32be(data, 4)})`;
        out += `, inet_pton(AF_INET6, "${inet6ToString(data, 8)}", &sin6_addr)`;
        if (n >= 28) out += `, sin6_scope_id=${u32le(data, 24)}`;
        return out + '}';
      }
      break;
    case AF_UNIX:
      return out + unixPath(data, n) + '}';
    case AF_NETLINK:
      if (n >= 12) {
        return `${out}, nl_pid=${u32le(data, 4)}, nl_groups=${u32le(data, 8).toString(16).padStart(8, '0')}}`;
      }
      break;
    case AF_PACKET:
      if (n >= 20) {
        const proto = u16be(data, 2);
        const ifindex = u32le(data, 4) | 0;
        const hatype = data[8] | (data[9] << 8);
        const pkttype = data[10];
        const halen = data[11];
        // Bytes as C's "%#02x": 0 is "00", 5 is "0x5".
        const addr = Array.from(data.subarray(12, 12 + Math.min(halen, 8)), (x) => (x === 0 ? '00' : '0x' + x.toString(16))).join(', ');
        out += `, sll_protocol=htons(${xval(ETH_PROTOCOLS, proto, 'ETH_P_???')}), sll_ifindex=${ifindex}`;
        out += `, sll_hatype=${hatype}, sll_pkttype=${pkttype}, sll_halen=${halen}`;
        return out + (halen ? `, sll_addr=[${addr}]}` : '}');
      }
      break;
    default:
      break;
  }
  return `${out}, sa_data=${quoteBytes(data.subarray(2, n))}}`;
}
