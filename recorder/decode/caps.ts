/**
 * Capability numbers by name (linux/capability.h), for the capability a
 * failed call was refused: `= -1 EPERM (Operation not permitted) [CAP_SYS_ADMIN]`.
 */
import { valueNames, xval } from './xlat';

const NAMES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
] as const;

/** The highest capability number this table names (CAP_LAST_CAP of Linux 5.9+). */
export const CAP_LAST_CAP = NAMES.length - 1;

/** CAP_SYS_ADMIN for 21; a number past the table prints as CAP_<n>. */
export function capabilityName(cap: number): string {
  return cap >= 0 && cap <= CAP_LAST_CAP ? NAMES[cap] : `CAP_${cap}`;
}

/** Versions of struct __user_cap_header_struct (linux/capability.h). */
const CAP_VERSIONS = valueNames([
  [0x19980330, '_LINUX_CAPABILITY_VERSION_1'],
  [0x20071026, '_LINUX_CAPABILITY_VERSION_2'],
  [0x20080522, '_LINUX_CAPABILITY_VERSION_3'],
]);

/** capget/capset's header: {version=_LINUX_CAPABILITY_VERSION_3, pid=0}. */
export function printCapHeader(data: Uint8Array): string | undefined {
  if (data.length < 8) return undefined;
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return `{version=${xval(CAP_VERSIONS, v.getUint32(0, true), '_LINUX_CAPABILITY_VERSION_???')}, pid=${v.getInt32(4, true)}}`;
}

/** One capability set from its 32-bit words, low first, as strace prints it: 1<<CAP_CHOWN|1<<CAP_KILL, 0 when empty. */
function printCapSet(words: readonly number[]): string {
  const parts: string[] = [];
  const rest: number[] = [];
  words.forEach((w, j) => {
    let left = w >>> 0;
    for (let bit = 0; bit < 32; bit++) {
      const cap = 32 * j + bit;
      if (left & (1 << bit) && cap <= CAP_LAST_CAP) {
        parts.push('1<<' + NAMES[cap]);
        left = (left & ~(1 << bit)) >>> 0;
      }
    }
    if (left) rest.push(left);
  });
  // Bits past the names: each word's rest in hex, as strace 6.1 shows them.
  for (const r of rest) parts.push('0x' + r.toString(16));
  return parts.length ? parts.join('|') : '0';
}

/**
 * capget/capset's data: {effective=..., permitted=..., inheritable=...};
 * version 1 has one struct of three 32-bit sets, versions 2 and 3 two (the high words second).
 */
export function printCapData(data: Uint8Array, header: Uint8Array | undefined): string | undefined {
  const version = header && header.length >= 8 ? new DataView(header.buffer, header.byteOffset, 8).getUint32(0, true) : 0x20080522;
  const n = version === 0x19980330 ? 1 : 2;
  if (data.length < 12 * n) return undefined;
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const set = (field: number) => printCapSet(Array.from({ length: n }, (_, k) => v.getUint32(12 * k + 4 * field, true)));
  return `{effective=${set(0)}, permitted=${set(1)}, inheritable=${set(2)}}`;
}

/** 21 for CAP_SYS_ADMIN, undefined for a name the table does not have. */
export function capabilityNumber(name: string): number | undefined {
  const i = (NAMES as readonly string[]).indexOf(name);
  return i < 0 ? undefined : i;
}
