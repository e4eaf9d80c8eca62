/**
 * node dist/bench/tail.js: what one `straceback tail` costs the daemon. A
 * container with a 64 MiB ring runs a tight loop until its ring is full;
 * then the loop stops and a moderate workload goes on in the same mount
 * namespace (a shell starting cat and sleep every 10 ms: about 17,000 calls
 * a second here), as on a busy host. Prints the daemon's CPU time over
 * BENCH_SECONDS (default 5) with no tail, with one tail that prints nothing
 * (-n 0 --syscall getppid, a call the workload never makes) and with one
 * that prints everything. Needs root.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { connectTracerManager } from '../recorder/daemon/grpc-client';
import { repoRoot } from '../recorder/paths';
import { startDaemonProcess, tempDirs } from '../test/lib/daemon';
import { startWorkload } from '../test/lib/procs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);

/** CPU seconds (user + system) a process has used. */
function cpuSeconds(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function main(): Promise<void> {
  const dirs = tempDirs('sb-bench-tail-');
  const d = await startDaemonProcess(dirs, ['--no-discover']);
  const w = await startWorkload(['--unshare', 'counter', '0']);
  let shell: ReturnType<typeof spawn> | undefined;
  try {
    const c = await connectTracerManager(d.managerSocket, { deadlineMs: 30_000 });
    await c.addContainer({ id: 'busy', pid: w.pid, ringBytes: 64 << 20 });
    c.close();
    w.go();
    await new Promise((r) => setTimeout(r, 5000));
    process.kill(w.pid, 'SIGSTOP');
    shell = spawn('nsenter', ['-m', '-t', String(w.pid), 'sh', '-c', 'while :; do cat /etc/hostname > /dev/null; sleep 0.01; done'], { stdio: 'ignore' });
    const pid = d.proc.pid!;
    const over = async (): Promise<number> => {
      const c0 = cpuSeconds(pid);
      await new Promise((r) => setTimeout(r, SECONDS * 1000));
      return cpuSeconds(pid) - c0;
    };
    console.log(`| daemon, one container (64 MiB ring, full; then about 17,000 calls/s) | CPU s over ${SECONDS} s | lines |\n|---|---:|---:|`);
    console.log(`| no tail | ${(await over()).toFixed(2)} | |`);
    for (const [name, args] of [
      ['one tail printing nothing (-n 0 --syscall getppid)', ['-n', '0', '--syscall', 'getppid']],
      ['one tail printing every call (-n 0)', ['-n', '0']],
    ] as const) {
      const tail = spawn(path.join(repoRoot(), 'bin', 'straceback'), ['tail', 'busy', ...args, '--run-dir', d.runDir], { stdio: ['ignore', 'pipe', 'inherit'] });
      let lines = 0;
      tail.stdout!.on('data', (b: Buffer) => {
        for (const x of b) if (x === 10) lines++;
      });
      await new Promise((r) => setTimeout(r, 2000));
      const n0 = lines;
      const cpu = await over();
      console.log(`| ${name} | ${cpu.toFixed(2)} | ${lines - n0} |`);
      tail.kill('SIGINT');
      await new Promise((r) => tail.once('close', r));
    }
  } finally {
    shell?.kill('SIGKILL');
    process.kill(w.pid, 'SIGCONT');
    w.kill();
    await w.done;
    await d.stop();
    fs.rmSync(dirs.root, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
