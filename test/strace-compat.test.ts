/**
 * straceback's lines against strace's own: test/helpers/bin/syscalls80 runs
 * once, recorded by straceback and traced by `strace -f -p PID` at the same
 * time. Every call both saw (matched per thread, in order, by syscall name)
 * must print the same line apart from timestamps, durations, strace's column
 * padding before " = " and pointer values. Any other difference fails the
 * test, which lists the syscalls that differ with both lines.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SyscallEvent } from '../recorder/events';
import { Recorder } from '../recorder/recorder';
import { renderEvent } from '../recorder/render';
import { syscallName } from '../recorder/syscalls/table';
import { SyscallTable } from '../recorder/syscalls/types';
import { startWorkload } from './lib/procs';

interface Line {
  name: string;
  text: string;
}

/** Pointer values differ between runs of nothing: both sides are normalized the same way. */
function normalize(s: string): string {
  return s.replace(/0x[0-9a-f]{8,}/g, '0xPTR');
}

/** strace -f -o output: complete calls per tid (unfinished/resumed pairs joined). */
function parseStrace(text: string): Map<number, Line[]> {
  const out = new Map<number, Line[]>();
  const pending = new Map<number, string>();
  for (const raw of text.split('\n')) {
    const m = /^(\d+) +(.*)$/.exec(raw);
    if (!m) continue;
    const tid = Number(m[1]);
    let body = m[2];
    if (body.startsWith('---') || body.startsWith('+++')) continue;
    if (body.endsWith(' <unfinished ...>')) {
      pending.set(tid, body.slice(0, -' <unfinished ...>'.length));
      continue;
    }
    const resumed = /^<\.\.\. (\w+) resumed>(.*)$/.exec(body);
    if (resumed) {
      const start = pending.get(tid);
      pending.delete(tid);
      // A call strace attached in the middle of: its start was never printed.
      if (start === undefined || !start.startsWith(resumed[1] + '(')) continue;
      body = start + resumed[2];
    }
    // strace pads the return to column 40.
    body = body.replace(/\) +(= [^"]*)$/, ') $1');
    const name = body.slice(0, body.indexOf('('));
    if (!/^\w+$/.test(name)) continue;
    let list = out.get(tid);
    if (!list) out.set(tid, (list = []));
    list.push({ name, text: body });
  }
  // exit/exit_group and calls still blocked at the end.
  for (const [tid, start] of pending) {
    const name = start.slice(0, start.indexOf('('));
    if (name === 'exit' || name === 'exit_group') {
      let list = out.get(tid);
      if (!list) out.set(tid, (list = []));
      list.push({ name, text: start + ') = ?' });
    }
  }
  return out;
}

/** straceback's lines per tid, without the time/cpu/pid/comm prefix and the duration. */
function ourLines(events: SyscallEvent[], table: SyscallTable): Map<number, Line[]> {
  const out = new Map<number, Line[]>();
  for (const ev of events) {
    if (ev.resumed) continue;
    const line = renderEvent(ev, table, { wallOffsetNs: 0n, utc: true });
    const head = `[${ev.cpu}] ${ev.pid}/${ev.tid} ${ev.comm} `;
    const body = line.slice(line.indexOf(head) + head.length).replace(/ <\d+\.\d{6}>$/, '');
    let list = out.get(ev.tid);
    if (!list) out.set(ev.tid, (list = []));
    list.push({ name: syscallName(table, ev.nr), text: body });
  }
  return out;
}

/** Longest common subsequence of two call lists by syscall name: the matched index pairs. */
function matchByName(a: Line[], b: Line[]): [number, number][] {
  const n = a.length;
  const m = b.length;
  const dp: Uint32Array[] = [];
  for (let i = 0; i <= n; i++) dp.push(new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      dp[i][j] = a[i].name === b[j].name ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
    }
  }
  const pairs: [number, number][] = [];
  for (let i = 0, j = 0; i < n && j < m; ) {
    if (a[i].name === b[j].name) {
      pairs.push([i, j]);
      i++;
      j++;
    } else if (dp[i + 1][j] >= dp[i][j + 1]) i++;
    else j++;
  }
  return pairs;
}

async function traceWithStrace(pid: number, file: string): Promise<{ done: Promise<number | null> }> {
  const child = spawn('strace', ['-f', '-o', file, '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`strace did not attach: ${stderr}`)), 10_000);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      stderr += s;
      if (/attached/.test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('error', (e) => reject(e));
  });
  // Let strace settle in its wait loop before the workload starts.
  await new Promise((r) => setTimeout(r, 200));
  return { done };
}

test.serial('straceback prints what strace prints for the calls of syscalls80', async (t) => {
  const rec = new Recorder({ ringBytes: 4 << 20 });
  t.teardown(() => rec.close());
  const w = await startWorkload(['--unshare'], { program: 'syscalls80' });
  t.teardown(() => w.kill());
  const { handle } = rec.addProcess(w.pid);
  const file = path.join(os.tmpdir(), `sb-strace-${process.pid}-${Date.now()}.txt`);
  t.teardown(() => fs.rmSync(file, { force: true }));
  const strace = await traceWithStrace(w.pid, file);
  w.go();
  const res = await w.done;
  t.is(res.code, 0, res.stderr);
  t.is(await strace.done, 0);

  const snap = rec.snapshot(handle);
  t.is(snap.stats.lost, 0);
  t.is(snap.stats.overwritten, 0);
  const ours = ourLines(snap.events, rec.table);
  const theirs = parseStrace(fs.readFileSync(file, 'utf8'));

  const names = new Set<string>();
  const differences: string[] = [];
  const differing = new Set<string>();
  let total = 0;
  let exact = 0;
  for (const [tid, list] of theirs) {
    const mine = ours.get(tid) ?? [];
    const pairs = matchByName(mine, list);
    total += list.length;
    for (const [i, j] of pairs) {
      const a = normalize(mine[i].text);
      const b = normalize(list[j].text);
      names.add(list[j].name);
      if (a === b) {
        exact++;
        continue;
      }
      differing.add(list[j].name);
      differences.push(`${list[j].name}\n  straceback: ${a}\n  strace:     ${b}`);
    }
    const unmatched = list.length - pairs.length;
    if (unmatched) t.log(`tid ${tid}: ${unmatched} strace line(s) with no straceback call`);
    const extra = mine.length - pairs.length;
    if (extra) t.log(`tid ${tid}: ${extra} straceback call(s) strace did not print`);
  }
  const matched = exact + differences.length;
  t.log(`${names.size} different syscalls; ${matched}/${total} strace lines matched to a straceback call`);
  t.log(`${exact}/${matched} identical, ${differences.length} differ${differing.size ? ` (${[...differing].sort().join(', ')})` : ''}`);
  for (const d of differences) t.log(`DIFFERS: ${d}`);
  t.true(names.size >= 80, `only ${names.size} different syscalls matched`);
  t.true(matched >= total - 2, `${total - matched} strace lines were not matched`);
  t.deepEqual([...differing].sort(), [], 'syscalls whose lines differ from strace\'s');
  t.deepEqual(differences, []);
});
