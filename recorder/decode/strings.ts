/**
 * Byte strings printed the way strace prints them by default (without -x):
 * printable ASCII as is, \t \n \v \f \r \" \\ as C escapes, every other byte
 * in octal ("\0", "\177", "\303"), with three digits only when an octal digit
 * follows ("\0001"). strace 6.1 uses \x escapes only with -x/-xx or for a
 * few buffers it always shows in hex (getrandom's).
 */

/** The escape of each byte; undefined for bytes printed as themselves. */
const ESCAPE: (string | undefined)[] = [];
for (let c = 0; c < 256; c++) {
  if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) continue;
  const simple: Record<number, string> = { 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 0x22: '\\"', 0x5c: '\\\\' };
  ESCAPE[c] = simple[c] ?? '\\' + c.toString(8);
}

function isOctalDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x37;
}

/** Node's Buffer method behind toString('latin1', ...), without the argument checks (about 30 % faster on short strings). */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: (this: Uint8Array, start: number, end: number) => string }).latin1Slice;

function latin1(data: Uint8Array, start: number, end: number): string {
  if (data instanceof Buffer) return latin1Slice ? latin1Slice.call(data, start, end) : data.toString('latin1', start, end);
  return String.fromCharCode.apply(null, Array.from(data.subarray(start, end)));
}

/**
 * Quotes bytes. At most limit bytes are shown; if there were more (or the
 * capture itself was cut: truncated), "..." follows the closing quote, as
 * strace prints a string longer than -s.
 */
export function quoteBytes(data: Uint8Array, limit = Infinity, truncated = false): string {
  return quoteRange(data, 0, data.length, limit, truncated);
}

/** quoteBytes of data[start, end), without making a view of them. */
export function quoteRange(data: Uint8Array, start: number, end: number, limit = Infinity, truncated = false): string {
  const n = Math.min(end, start + limit);
  let s = '"';
  let run = start;
  for (let i = start; i < n; i++) {
    const c = data[i];
    const esc = ESCAPE[c];
    if (esc === undefined) continue;
    if (run < i) s += latin1(data, run, i);
    run = i + 1;
    // Octal escapes take three digits when an octal digit comes next.
    if (c < 0x80 && esc.length < 4 && esc.charCodeAt(1) <= 0x37 && esc.charCodeAt(1) >= 0x30 && i + 1 < n && isOctalDigit(data[i + 1])) {
      s += '\\' + c.toString(8).padStart(3, '0');
    } else {
      s += esc;
    }
  }
  if (run < n) s += latin1(data, run, n);
  s += '"';
  if (truncated || end > n) s += '...';
  return s;
}

const HEX_ESCAPE: string[] = Array.from({ length: 256 }, (_, c) => '\\x' + c.toString(16).padStart(2, '0'));

/** quoteBytes with every byte as a \x escape: strace's QUOTE_FORCE_HEX ("\x27\x25\xd4"). */
export function quoteHex(data: Uint8Array, limit = Infinity, truncated = false): string {
  const n = Math.min(data.length, limit);
  let s = '"';
  for (let i = 0; i < n; i++) s += HEX_ESCAPE[data[i]];
  s += '"';
  if (truncated || data.length > n) s += '...';
  return s;
}
