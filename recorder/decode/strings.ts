/** Byte strings printed the way strace prints them (default, without -x). */

const SIMPLE: Record<number, string> = { 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 34: '\\"', 92: '\\\\' };

function isOctalDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x37;
}

/**
 * Quotes bytes: printable ASCII as is, the usual C escapes, anything else
 * in octal (three digits only when an octal digit follows, as strace does).
 * A string longer than limit is cut there and followed by "...".
 */
export function quoteBytes(data: Uint8Array, limit = Infinity, truncated = false): string {
  const n = Math.min(data.length, limit);
  let s = '"';
  for (let i = 0; i < n; i++) {
    const c = data[i];
    const simple = SIMPLE[c];
    if (simple) s += simple;
    else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else {
      const oct = c.toString(8);
      s += '\\' + (isOctalDigit(data[i + 1]) && i + 1 < n ? oct.padStart(3, '0') : oct);
    }
  }
  s += '"';
  if (truncated || data.length > n) s += '...';
  return s;
}
