/**
 * Capability numbers by name (linux/capability.h), for the capability a
 * failed call was refused: `= -1 EPERM (Operation not permitted) [CAP_SYS_ADMIN]`.
 */

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

/** 21 for CAP_SYS_ADMIN, undefined for a name the table does not have. */
export function capabilityNumber(name: string): number | undefined {
  const i = (NAMES as readonly string[]).indexOf(name);
  return i < 0 ? undefined : i;
}
