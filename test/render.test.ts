/** Pure renderer pieces: strace's quoting rules and the line layout. */
import test from 'ava';
import { quoteBytes } from '../recorder/decode/strings';
import { errnoInfo } from '../recorder/decode/errno';
import { pairRecords } from '../recorder/events';
import { KIND_ENTER, KIND_EXIT, RawRecord } from '../recorder/records';
import { renderEvent } from '../recorder/render';
import { syscallTable } from '../recorder/syscalls/table';

const b = (s: string | number[]) => (typeof s === 'string' ? Buffer.from(s, 'latin1') : Buffer.from(s));

test('quoteBytes escapes like strace', (t) => {
  t.is(quoteBytes(b('hello\n')), '"hello\\n"');
  t.is(quoteBytes(b('tab\there "q" \\')), '"tab\\there \\"q\\" \\\\"');
  // Octal, with three digits only when an octal digit follows.
  t.is(quoteBytes(b([0, 1, 0x7f, 0xff])), '"\\0\\1\\177\\377"');
  t.is(quoteBytes(b([0, 0x31])), '"\\0001"');
  t.is(quoteBytes(b([0, 0x38])), '"\\08"');
  t.is(quoteBytes(b('abcdef'), 3), '"abc"...');
  t.is(quoteBytes(b('abc'), 32, true), '"abc"...');
});

test('errno names and messages', (t) => {
  t.deepEqual(errnoInfo(2), { name: 'ENOENT', message: 'No such file or directory' });
  t.is(errnoInfo(512)?.name, 'ERESTARTSYS');
  t.is(errnoInfo(4000), undefined);
});

test('pairing and a rendered line', (t) => {
  const table = syscallTable('x86_64');
  const openat = table.byName.get('openat')!.nr;
  const base = { cpu: 1, tid: 42, itemsCut: false, pid: 0, comm: '', args: [] as bigint[], ret: 0n, items: [] as RawRecord['items'] };
  const enter: RawRecord = {
    ...base,
    kind: KIND_ENTER,
    bootNs: 1_000_000_000n,
    nr: openat,
    pid: 40,
    comm: 'nginx',
    args: [BigInt.asUintN(64, -100n), 0x1000n, 0x80000n, 0n],
    items: [{ arg: 1, kind: 1, truncated: false, fault: false, more: false, data: b('/etc/nginx/nginx.conf') }],
  };
  const exit: RawRecord = { ...base, kind: KIND_EXIT, bootNs: 1_000_012_345n, nr: openat, ret: -2n };
  const [ev] = pairRecords([enter, exit]);
  t.is(ev.durNs, 12_345n);
  t.false(ev.unfinished);
  const line = renderEvent(ev, table, { wallOffsetNs: 0n, utc: true });
  t.is(line, '00:00:01.000000000 [1] 40/42 nginx openat(AT_FDCWD, "/etc/nginx/nginx.conf", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory) <0.000012>');
  const [alone] = pairRecords([enter]);
  t.true(alone.unfinished);
  t.regex(renderEvent(alone, table, { wallOffsetNs: 0n, utc: true }), /openat\(AT_FDCWD, "\/etc\/nginx\/nginx.conf", O_RDONLY\|O_CLOEXEC <unfinished \.\.\.>$/);
  const [resumed] = pairRecords([exit]);
  t.true(resumed.resumed);
  t.regex(renderEvent(resumed, table, { wallOffsetNs: 0n, utc: true }), /<\.\.\. openat resumed>\) = -1 ENOENT/);
});

test('rt_sigreturn pairs with the exit that reports the restored syscall number', (t) => {
  const table = syscallTable('x86_64');
  const nr = table.byName.get('rt_sigreturn')!.nr;
  const base = { cpu: 0, tid: 7, itemsCut: false, pid: 7, comm: 'x', args: [] as bigint[], ret: 0n, items: [] as RawRecord['items'] };
  const enter: RawRecord = { ...base, kind: KIND_ENTER, bootNs: 10n, nr };
  const exit: RawRecord = { ...base, kind: KIND_EXIT, bootNs: 20n, nr: 0xffff, ret: 0n };
  const plain = pairRecords([enter, exit]);
  t.is(plain.length, 2, 'without the hint they do not pair');
  const [ev, ...rest] = pairRecords([enter, exit], new Set([nr]));
  t.is(rest.length, 0);
  t.false(ev.unfinished);
  t.is(ev.nr, nr);
  t.is(ev.durNs, 10n);
});
