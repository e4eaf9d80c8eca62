/**
 * Unit tests of the record parser's own 64-bit readers (records.ts u64, i64,
 * and u64Words, i64Words over a Buffer's words), which take shortcuts
 * Buffer's readers do not: they must give the same values for every bit
 * pattern.
 */
import test from 'ava';
import { i64, i64Words, u64, u64Words, wordsOf } from '../recorder/records';

const EDGES = [
  0n, 1n, 4095n, 4096n, 2n ** 32n - 1n, 2n ** 32n, 0x1fffffffffffffn, 2n ** 53n - 1n, 2n ** 53n, 0x7ffd12345678n,
  2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 4096n, 2n ** 64n - 1n, 2n ** 64n - 2n ** 53n, 2n ** 64n - 2n ** 53n - 1n,
];

test('u64 and i64 read what readBigUInt64LE and readBigInt64LE read', (t) => {
  const b = Buffer.alloc(16);
  const check = (off: number) => {
    t.is(u64(b, off), b.readBigUInt64LE(off));
    t.is(i64(b, off), b.readBigInt64LE(off));
    const w = wordsOf(b)!;
    t.is(u64Words(w, off >>> 2), b.readBigUInt64LE(off));
    t.is(i64Words(w, off >>> 2), b.readBigInt64LE(off));
  };
  for (const v of EDGES) {
    b.writeBigUInt64LE(v, 4);
    check(4);
  }
  // Random patterns, weighted to small, negative and pointer-like values.
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
  let wrong = 0;
  for (let i = 0; i < 20000; i++) {
    for (let k = 0; k < 8; k++) b[k] = rnd() < 128 ? 0 : rnd();
    if (rnd() < 64) b.fill(0xff, 5, 8);
    if (u64(b, 0) !== b.readBigUInt64LE(0) || i64(b, 0) !== b.readBigInt64LE(0)) wrong++;
    const w = wordsOf(b)!;
    if (u64Words(w, 0) !== b.readBigUInt64LE(0) || i64Words(w, 0) !== b.readBigInt64LE(0)) wrong++;
  }
  t.is(wrong, 0);
});

test('wordsOf reads a Buffer in place only from a word boundary', (t) => {
  const whole = Buffer.alloc(32);
  whole.writeBigUInt64LE(0x1122334455667788n, 8);
  const at4 = whole.subarray(4);
  t.is(u64Words(wordsOf(at4)!, 1), 0x1122334455667788n, 'a view from a word boundary');
  t.is(wordsOf(at4)!.length, 7);
  t.is(wordsOf(whole.subarray(2)), null, 'a view between words');
});
