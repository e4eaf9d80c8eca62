/**
 * HPACK (RFC 7541), as much as a one-call HTTP/2 client needs: the request's
 * header block written with literals only (no compression state of ours), and
 * a full decoder for the answer's blocks (static and dynamic table, Huffman).
 * Header names and values are octet strings; they are handled as latin1.
 */

/** RFC 7541 Appendix A: the static table, index 1..61 (a name alone means an empty value). */
const STATIC_TABLE: ReadonlyArray<readonly [string, string]> = [
  [':authority', ''],
  [':method', 'GET'],
  [':method', 'POST'],
  [':path', '/'],
  [':path', '/index.html'],
  [':scheme', 'http'],
  [':scheme', 'https'],
  [':status', '200'],
  [':status', '204'],
  [':status', '206'],
  [':status', '304'],
  [':status', '400'],
  [':status', '404'],
  [':status', '500'],
  ...[
    'accept-charset',
    'accept-encoding',
    'accept-language',
    'accept-ranges',
    'accept',
    'access-control-allow-origin',
    'age',
    'allow',
    'authorization',
    'cache-control',
    'content-disposition',
    'content-encoding',
    'content-language',
    'content-length',
    'content-location',
    'content-range',
    'content-type',
    'cookie',
    'date',
    'etag',
    'expect',
    'expires',
    'from',
    'host',
    'if-match',
    'if-modified-since',
    'if-none-match',
    'if-range',
    'if-unmodified-since',
    'last-modified',
    'link',
    'location',
    'max-forwards',
    'proxy-authenticate',
    'proxy-authorization',
    'range',
    'referer',
    'refresh',
    'retry-after',
    'server',
    'set-cookie',
    'strict-transport-security',
    'transfer-encoding',
    'user-agent',
    'vary',
    'via',
    'www-authenticate',
  ].map((name): [string, string] => [name, name === 'accept-encoding' ? 'gzip, deflate' : '']),
];

/** A malformed header block: the connection cannot go on (COMPRESSION_ERROR). */
export class HpackError extends Error {}

// ---------------------------------------------------------------------------
// Huffman code (RFC 7541 Appendix B). The code is canonical: within one
// length, codes are consecutive in symbol order, and each length starts
// right after the last code of the shorter one shifted left. So the symbols
// of each length, in order, are the whole table. 256 is EOS (30 ones).

const chars = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

const HUFFMAN_BY_LENGTH: ReadonlyArray<readonly [number, readonly number[]]> = [
  [5, chars('012aceiost')],
  [6, chars(' %-./3456789=A_bdfghlmnpru')],
  [7, chars(':BCDEFGHIJKLMNOPQRSTUVWYjkqvwxyz')],
  [8, chars('&*,;XZ')],
  [10, chars('!"()?')],
  [11, chars("'+|")],
  [12, chars('#>')],
  [13, [0, ...chars('$@[]~')]],
  [14, chars('^}')],
  [15, chars('<`{')],
  [19, [92, 195, 208]],
  [20, [128, 130, 131, 162, 184, 194, 224, 226]],
  [21, [153, 161, 167, 172, 176, 177, 179, 209, 216, 217, 227, 229, 230]],
  [22, [129, 132, 133, 134, 136, 146, 154, 156, 160, 163, 164, 169, 170, 173, 178, 181, 185, 186, 187, 189, 190, 196, 198, 228, 232, 233]],
  [23, [1, 135, 137, 138, 139, 140, 141, 143, 147, 149, 150, 151, 152, 155, 157, 158, 165, 166, 168, 174, 175, 180, 182, 183, 188, 191, 197, 231, 239]],
  [24, [9, 142, 144, 145, 148, 159, 171, 206, 215, 225, 236, 237]],
  [25, [199, 207, 234, 235]],
  [26, [192, 193, 200, 201, 202, 205, 210, 213, 218, 219, 238, 240, 242, 243, 255]],
  [27, [203, 204, 211, 212, 214, 221, 222, 223, 241, 244, 245, 246, 247, 248, 250, 251, 252, 253, 254]],
  [28, [2, 3, 4, 5, 6, 7, 8, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24, 25, 26, 27, 28, 29, 30, 31, 127, 220, 249]],
  [30, [10, 13, 22, 256]],
];

const EOS = 256;

/** Per code length: the first code of that length and its symbols (built once, on first use). */
let huffmanLevels: Array<{ first: number; symbols: readonly number[] } | undefined> | undefined;

function levels(): Array<{ first: number; symbols: readonly number[] } | undefined> {
  if (huffmanLevels) return huffmanLevels;
  const out: Array<{ first: number; symbols: readonly number[] } | undefined> = [];
  let code = 0;
  let len = 0;
  for (const [bits, symbols] of HUFFMAN_BY_LENGTH) {
    code *= 2 ** (bits - len);
    len = bits;
    out[bits] = { first: code, symbols };
    code += symbols.length;
  }
  huffmanLevels = out;
  return out;
}

/** Huffman-coded octets to a latin1 string; the padding must be at most 7 one-bits (RFC 7541 5.2). */
export function huffmanDecode(data: Buffer): string {
  const lv = levels();
  const out: number[] = [];
  let code = 0;
  let len = 0;
  for (let i = 0; i < data.length; i++) {
    for (let bit = 7; bit >= 0; bit--) {
      code = code * 2 + ((data[i] >> bit) & 1);
      len++;
      const l = lv[len];
      if (l && code - l.first < l.symbols.length) {
        const sym = l.symbols[code - l.first];
        if (sym === EOS) throw new HpackError('Huffman string contains EOS');
        out.push(sym);
        code = 0;
        len = 0;
      } else if (len > 30) {
        throw new HpackError('invalid Huffman code');
      }
    }
  }
  if (len > 7 || code !== 2 ** len - 1) throw new HpackError('invalid Huffman padding');
  return Buffer.from(out).toString('latin1');
}

// ---------------------------------------------------------------------------
// Decoding.

/** The decoder's dynamic table (one per connection, for blocks the peer sends). */
export class DynamicTable {
  /** Newest first. */
  private entries: Array<readonly [string, string]> = [];
  private size = 0;

  constructor(private maxSize = 4096) {}

  /** Index 1..61 is static, 62.. dynamic (RFC 7541 2.3.3). */
  get(index: number): readonly [string, string] {
    if (index >= 1 && index <= STATIC_TABLE.length) return STATIC_TABLE[index - 1];
    const e = this.entries[index - STATIC_TABLE.length - 1];
    if (!e) throw new HpackError(`header index ${index} is not in the table`);
    return e;
  }

  add(name: string, value: string): void {
    const cost = name.length + value.length + 32;
    this.entries.unshift([name, value]);
    this.size += cost;
    this.evict();
  }

  resize(maxSize: number): void {
    this.maxSize = maxSize;
    this.evict();
  }

  private evict(): void {
    while (this.size > this.maxSize && this.entries.length) {
      const [n, v] = this.entries.pop()!;
      this.size -= n.length + v.length + 32;
    }
  }
}

/** Decodes one whole header block (HEADERS plus any CONTINUATION) into name/value pairs, in order. */
export function decodeHeaderBlock(block: Buffer, table: DynamicTable, maxTableSize = 4096): Array<[string, string]> {
  let pos = 0;
  const integer = (prefixBits: number): number => {
    const mask = (1 << prefixBits) - 1;
    let v = block[pos++] & mask;
    if (v < mask) return v;
    let shift = 0;
    for (;;) {
      if (pos >= block.length) throw new HpackError('header block ends inside an integer');
      const b = block[pos++];
      v += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(b & 0x80)) return v;
      if (shift > 28) throw new HpackError('header integer too large');
    }
  };
  const string = (): string => {
    if (pos >= block.length) throw new HpackError('header block ends before a string');
    const huffman = (block[pos] & 0x80) !== 0;
    const len = integer(7);
    if (pos + len > block.length) throw new HpackError('header string runs past the block');
    const bytes = block.subarray(pos, pos + len);
    pos += len;
    return huffman ? huffmanDecode(bytes) : bytes.toString('latin1');
  };
  const out: Array<[string, string]> = [];
  while (pos < block.length) {
    const b = block[pos];
    if (b & 0x80) {
      // Indexed field.
      const index = integer(7);
      if (index === 0) throw new HpackError('header index 0');
      const [n, v] = table.get(index);
      out.push([n, v]);
    } else if (b & 0x40) {
      // Literal with incremental indexing.
      const index = integer(6);
      const name = index ? table.get(index)[0] : string();
      const value = string();
      table.add(name, value);
      out.push([name, value]);
    } else if (b & 0x20) {
      // Dynamic table size update.
      const size = integer(5);
      if (size > maxTableSize) throw new HpackError(`table size ${size} above the ${maxTableSize} allowed`);
      table.resize(size);
    } else {
      // Literal without indexing (0000) or never indexed (0001).
      const index = integer(4);
      const name = index ? table.get(index)[0] : string();
      out.push([name, string()]);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Encoding (literals without indexing, raw strings: no state to keep).

function pushInteger(out: number[], value: number, prefixBits: number, firstByte: number): void {
  const mask = (1 << prefixBits) - 1;
  if (value < mask) {
    out.push(firstByte | value);
    return;
  }
  out.push(firstByte | mask);
  value -= mask;
  while (value >= 0x80) {
    out.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  out.push(value);
}

function pushString(out: number[], s: string): void {
  const bytes = Buffer.from(s, 'latin1');
  pushInteger(out, bytes.length, 7, 0);
  for (const b of bytes) out.push(b);
}

/** A header block of literal fields, never indexed by us, in the order given (pseudo-headers first). */
export function encodeHeaderBlock(fields: ReadonlyArray<readonly [string, string]>): Buffer {
  const out: number[] = [];
  for (const [name, value] of fields) {
    out.push(0x00);
    pushString(out, name);
    pushString(out, value);
  }
  return Buffer.from(out);
}
