/**
 * Symbolic constants printed as strace prints them (its default "abbrev"
 * style): a value by name, flags joined with "|" in strace's order, unknown
 * values in hex with a "/* PREFIX_??? *\/" comment.
 */

/** [value, name]; for flags in the order strace prints them. */
export type Xlat = readonly (readonly [number, string])[];

/** A value table compiled for lookups. */
export type ValueNames = ReadonlyMap<number, string>;

export function valueNames(x: Xlat): ValueNames {
  const m = new Map<number, string>();
  // The first name of a value wins, as in strace's tables.
  for (const [v, n] of x) if (!m.has(v)) m.set(v, n);
  return m;
}

/** C's "%#x" of an unsigned value: 0 stays "0". */
export function hexU(v: number | bigint): string {
  if (typeof v === 'number') {
    if (v === 0) return '0';
    // Small integers print fast; a large double would not (see kinds.ts).
    return '0x' + (v < 0x40000000 ? v.toString(16) : BigInt(v).toString(16));
  }
  return v === 0n ? '0' : '0x' + v.toString(16);
}

/** C's "%#o": 0 stays "0". */
export function octU(v: number): string {
  return v === 0 ? '0' : '0' + v.toString(8);
}

/** C's "%#03o", strace's way to print a file mode: 0 is "000", 022 is "022", 0644 is "0644". */
export function mode03o(v: number): string {
  const s = '0' + v.toString(8);
  return s.length >= 3 ? s : s.padStart(3, '0');
}

/** One value by name, else "%#x /* unknown *\/" (strace's printxval). */
export function xval(names: ValueNames, v: number, unknown: string): string {
  const n = names.get(v);
  if (n !== undefined) return n;
  return `${v < 0 ? '0x' + (v >>> 0).toString(16) : hexU(v)} /* ${unknown} */`;
}

/** As xval, the unknown value in decimal (strace's printxval_d). */
export function xvalD(names: ValueNames, v: number, unknown: string): string {
  const n = names.get(v);
  return n !== undefined ? n : `${v} /* ${unknown} */`;
}

/**
 * Flags (a 32-bit unsigned value) in the table's order, joined with "|";
 * bits no name covers follow in hex. No known bit at all: "%#x /* unknown *\/";
 * zero: zero (a name given for it, else "0").
 */
export function flags(table: Xlat, value: number, unknown: string, zero = '0'): string {
  let rest = value >>> 0;
  if (rest === 0) return zero;
  let out = '';
  for (let i = 0; i < table.length; i++) {
    const bit = table[i][0];
    if (bit !== 0 && ((rest & bit) >>> 0) === bit) {
      out = out ? out + '|' + table[i][1] : table[i][1];
      rest = (rest & ~bit) >>> 0;
      if (rest === 0) break;
    }
  }
  if (!out) return `0x${rest.toString(16)} /* ${unknown} */`;
  return rest ? `${out}|0x${rest.toString(16)}` : out;
}

/** flags() of a 64-bit value: names for the low 32 bits, higher bits in the hex rest. */
export function flags64(table: Xlat, value: bigint, unknown: string, zero = '0'): string {
  const v = BigInt.asUintN(64, value);
  if (v <= 0xffffffffn) return flags(table, Number(v), unknown, zero);
  const low = flags(table, Number(v & 0xffffffffn), unknown, '');
  const high = (v >> 32n) << 32n;
  if (!low) return `0x${high.toString(16)} /* ${unknown} */`;
  const m = / \/\* .* \*\/$/.exec(low);
  if (m) return `0x${(high | BigInt(low.slice(2, m.index))).toString(16)} /* ${unknown} */`;
  const bar = low.lastIndexOf('|0x');
  if (bar >= 0) return `${low.slice(0, bar)}|0x${(high | BigInt(low.slice(bar + 1))).toString(16)}`;
  return `${low}|0x${high.toString(16)}`;
}

/** [value, name] with 64-bit values, for flags() of tables that name bits above 31. */
export type Xlat64 = readonly (readonly [bigint, string])[];

/** flags() for a table with 64-bit values (clone3's flags). */
export function flagsWide(table: Xlat64, value: bigint, unknown: string, zero = '0'): string {
  let rest = BigInt.asUintN(64, value);
  if (rest === 0n) return zero;
  let out = '';
  for (const [bit, name] of table) {
    if (bit !== 0n && (rest & bit) === bit) {
      out = out ? out + '|' + name : name;
      rest &= ~bit;
      if (rest === 0n) break;
    }
  }
  if (!out) return `0x${rest.toString(16)} /* ${unknown} */`;
  return rest ? `${out}|0x${rest.toString(16)}` : out;
}
