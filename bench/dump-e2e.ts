/**
 * node dist/bench/dump-e2e.js: a big dump end to end (a full 64 MiB ring ->
 * SQLite file at the client, with curl over the API socket), written as the
 * daemon's default chooses (--dump-worker=auto: SQLite in a worker thread
 * when a CPU is idle), always in a worker thread, and in one thread, side by
 * side: three daemons record the same counter loop, and their dumps take
 * turns. First while the loop runs (it holds one of the machine's cores),
 * then with it stopped (SIGSTOP), as the ring of a container that crashed.
 * BENCH_ROUNDS dumps per daemon and phase (default 3); prints the medians
 * and their ratios to one thread's. Needs root.
 */
import path from 'node:path';
import { connectTracerManager } from '../recorder/daemon/grpc-client';
import { DaemonProcess, filesWritten, startDaemonProcess, tempDirs } from '../test/lib/daemon';
import { startWorkload } from '../test/lib/procs';
import { CurlDump, curlDump, median } from './fixtures';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

async function main(): Promise<void> {
  const setups = [
    { name: 'as chosen (--dump-worker=auto, the default)', flags: [] as string[] },
    { name: 'SQLite in a worker thread (--dump-worker=always)', flags: ['--dump-worker=always'] },
    { name: 'one thread (--dump-worker=never)', flags: ['--dump-worker=never'] },
  ];
  const daemons: Array<{ name: string; d: DaemonProcess; root: string }> = [];
  const w = await startWorkload(['--unshare', 'counter', '0']);
  try {
    for (const s of setups) {
      const dirs = tempDirs('sb-bench-e2e-');
      const d = await startDaemonProcess(dirs, ['--no-discover', ...s.flags]);
      daemons.push({ name: s.name, d, root: dirs.root });
      const c = await connectTracerManager(d.managerSocket, { deadlineMs: 30_000 });
      await c.addContainer({ id: 'big', pid: w.pid, ringBytes: 64 << 20 });
      c.close();
    }
    w.go();
    // Long enough to wrap the rings: the dumps are of full ones.
    await new Promise((r) => setTimeout(r, 5000));
    console.log('| workload | dump written with | calls | end to end (median) | calls/s | first byte |\n|---|---|---:|---:|---:|---:|');
    for (const phase of ['running', 'stopped'] as const) {
      if (phase === 'stopped') process.kill(w.pid, 'SIGSTOP');
      const runs = new Map<string, CurlDump[]>(daemons.map((x) => [x.name, []]));
      const chose = await filesWritten(daemons[0].d);
      for (let i = 0; i < ROUNDS; i++) {
        // Taking turns at going first, so none always follows the same other.
        const order = daemons.map((_, k) => daemons[(k + i) % daemons.length]);
        for (const x of order) runs.get(x.name)!.push(await curlDump(x.d.apiSocket, 'big', path.join(x.root, 'out.db')));
      }
      const rates: number[] = [];
      for (const x of daemons) {
        const r = runs.get(x.name)!;
        const ms = median(r.map((d) => d.ms));
        const events = median(r.map((d) => d.events));
        rates.push((events / ms) * 1000);
        console.log(`| ${phase} | ${x.name} | ${events.toLocaleString('en')} | ${ms.toFixed(0)} ms | ${Math.round(rates[rates.length - 1]).toLocaleString('en')} | ${median(r.map((d) => d.firstByteMs)).toFixed(0)} ms |`);
      }
      const chosen = await filesWritten(daemons[0].d);
      const one = rates[rates.length - 1];
      console.log(`| ${phase} | auto chose | ${chosen.worker - chose.worker} dumps with the worker, ${chosen.main - chose.main} in one thread | | | |`);
      console.log(`| ${phase} | as chosen / one thread | | | ${(rates[0] / one).toFixed(2)}× | |`);
      console.log(`| ${phase} | worker / one thread | | | ${(rates[1] / one).toFixed(2)}× | |`);
      if (phase === 'stopped') process.kill(w.pid, 'SIGCONT');
    }
  } finally {
    w.kill();
    await w.done;
    for (const x of daemons) await x.d.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
