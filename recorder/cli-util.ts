/** Small parsers shared by the CLI commands. */

/** A mistake in how a command was called: exit status 2. */
export class UsageError extends Error {}

/** -s / --string-limit: a count of bytes, 0 or more (strace's -s). */
export function checkStringLimit(v: number, flag = '--string-limit'): number {
  if (!Number.isSafeInteger(v) || v < 0) throw new UsageError(`${flag} must be a whole number of bytes, 0 or more`);
  return v;
}


const UNITS: Record<string, number> = { '': 1, k: 1 << 10, m: 1 << 20, g: 1 << 30, t: 2 ** 40 };

/** "64K", "4M", "1G", "1048576" -> bytes. */
export function parseSize(text: string): number {
  const m = /^(\d+)\s*([kmgt]?)(i?b)?$/i.exec(String(text).trim());
  if (!m) throw new UsageError(`not a size: ${text} (use bytes or K/M/G, e.g. 4M)`);
  return Number(m[1]) * UNITS[m[2].toLowerCase()];
}

const DURATION_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "30s", "12h", "7d" -> ms. */
export function parseDuration(text: string): number {
  const m = /^(\d+)\s*([smhdw])$/.exec(String(text).trim());
  if (!m) throw new UsageError(`not a duration: ${text} (e.g. 30s, 12h, 7d)`);
  return Number(m[1]) * DURATION_UNITS[m[2]];
}

/** Largest ring the recorder makes (its biggest size class). */
const RING_MAX = 64 << 20;

/** --ring-size: a size from 1 byte (rounded up to 64K) to 64M, refused at once rather than at the first container. */
export function parseRingSize(text: string): number {
  const bytes = parseSize(text);
  if (bytes < 1 || bytes > RING_MAX) throw new UsageError(`--ring-size: ${text} is outside 64K..64M`);
  return bytes;
}
