/**
 * writeDumpAsync of a big dump: this thread makes the rows (decoding, the
 * larger half of the work) and posts them in packs to a worker thread that
 * writes the SQLite file (dump-worker.ts), so the two halves run on two
 * cores. At most MAX_QUEUED packs wait for the worker; this thread gives the
 * event loop a turn every PACKS_PER_TURN packs. Whole or absent, with the
 * errors writeDump gives: the worker makes the file as writeDump does.
 *
 * Starting the thread takes 60-100 ms here, so a caller that knows a big
 * dump is coming starts one first (DumpWorker.start) and reads the ring
 * meanwhile; writeDumpInWorker then takes it.
 */
import path from 'node:path';
import { MessageChannel, MessagePort, Worker } from 'node:worker_threads';
import type { DumpWorkerData, FirstToWorker, FromWorker, ToWorker } from './dump-worker';
import { PackWriter, packTransfer } from './rowpack';
import { DumpFrame, WriteDumpInput, WriteDumpResult } from './sqlite';

/** Atomics.waitAsync (Node 16+; the ES2022 lib this project compiles against does not declare it). */
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, i: number, v: number, ms: number): { async: boolean; value: Promise<string> | string };
}).waitAsync;

/** Rows per pack: small, so the rows a pack holds die young (see PackWriter). */
const PACK_ROWS = 1024;
/** Packs posted and not yet taken by the worker, at most. */
const MAX_QUEUED = 16;
/** The event loop gets a turn every this many packs (8192 rows, as writeDumpAsync in one thread). */
const PACKS_PER_TURN = 8;

/**
 * A dump's worker thread, started before its dump is known. Its listeners are
 * there from the start, so a thread that fails to start is an error of the
 * dump that uses it, never an unhandled one. Used once: by writeDumpInWorker,
 * or let go with close().
 */
export class DumpWorker {
  readonly sig = new Int32Array(new SharedArrayBuffer(8));
  readonly port: MessagePort;
  private readonly worker: Worker;
  private readonly answer: Promise<FromWorker>;
  /** The worker failed or ended before it answered. */
  failed = false;
  /**
   * The worker has answered or failed: it takes no more packs. A worker that
   * failed to write (a full disk while the rows go in) answers before the
   * last pack is posted.
   */
  settled = false;
  /** Resolves when the worker has answered or failed (settled). */
  readonly whenSettled: Promise<void>;
  /** The thread has ended. */
  ended = false;
  private posted = 0;
  private used = false;

  private constructor() {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const data: DumpWorkerData = { port: port2, sig: this.sig };
    this.worker = new Worker(path.join(__dirname, 'dump-worker.js'), { workerData: data, transferList: [port2] });
    this.answer = new Promise<FromWorker>((resolve, reject) => {
      this.worker.once('message', (m: FromWorker) => resolve(m));
      this.worker.once('error', (err) => reject(new Error(`its worker thread failed: ${err.message}`, { cause: err })));
      this.worker.once('exit', (code) => {
        this.ended = true;
        reject(new Error(`its worker thread exited with ${code} before it answered`));
      });
    });
    this.whenSettled = this.answer.then(
      () => {
        this.settled = true;
      },
      () => {
        this.failed = true;
        this.settled = true;
      },
    );
  }

  static start(): DumpWorker {
    return new DumpWorker();
  }

  /** Posts a message for the worker and wakes it if it sleeps. */
  post(m: ToWorker | FirstToWorker, transfer: ArrayBuffer[] = []): void {
    this.port.postMessage(m, transfer);
    this.posted++;
    Atomics.add(this.sig, 0, 1);
    Atomics.notify(this.sig, 0);
  }

  /** Messages posted and not taken yet. */
  get queued(): number {
    return this.posted - Atomics.load(this.sig, 1);
  }

  /** Takes the worker for one dump; a worker is used once. */
  claim(): void {
    if (this.used) throw new Error('a dump worker writes one dump');
    this.used = true;
  }

  /** The worker's answer about the file it wrote. */
  async result(target: string): Promise<WriteDumpResult> {
    let m: FromWorker;
    try {
      m = await this.answer;
    } catch (err) {
      throw new Error(`writing dump ${target}: ${(err as Error).message}`, { cause: (err as Error).cause });
    }
    if ('ok' in m) return { ...m.ok, worker: true };
    throw new Error(m.error.message, { cause: m.error.code ? { code: m.error.code } : undefined });
  }

  /** Ends the thread. A worker not used for a dump is told so first and ends on its own. */
  async close(): Promise<void> {
    if (!this.used) {
      this.used = true;
      if (!this.failed) this.post({ cancel: true });
    }
    this.port.close();
    await this.worker.terminate();
  }
}

/** Writes `input` with `started` (a worker started before) or with a worker started now. */
export async function writeDumpInWorker(dest: string, input: WriteDumpInput, started?: DumpWorker): Promise<WriteDumpResult> {
  const target = path.resolve(dest);
  const { rows, rowCount: _count, worker: _worker, ...rest } = input;
  const frame: DumpFrame = { ...rest, process: input.process ? [...input.process] : undefined };
  const w = started ?? DumpWorker.start();
  w.claim();
  try {
    w.post({ start: { dest: target, frame } });
    try {
      const packer = new PackWriter(PACK_ROWS);
      const send = () => {
        const pack = packer.take();
        w.post(pack, packTransfer(pack));
      };
      let sent = 0;
      for (const r of rows) {
        packer.add(r);
        if (!packer.full) continue;
        send();
        sent++;
        while (!w.settled && w.queued > MAX_QUEUED) {
          const wait = waitAsync(w.sig, 1, Atomics.load(w.sig, 1), 100);
          // A pending waitAsync does not keep the event loop alive: when the worker answers early (a full
          // disk) and ends, the loop could empty and the process exit with this dump unanswered. Its answer
          // comes as an event, which does.
          if (wait.async) await Promise.race([wait.value, w.whenSettled]);
        }
        // A turn for the event loop now and then, as writeDumpAsync gives in one thread.
        if (sent % PACKS_PER_TURN === 0) await new Promise<void>((resolve) => setImmediate(resolve));
        if (w.settled) break;
      }
      if (!w.settled) {
        if (packer.size) send();
        w.post({ end: true });
      }
    } catch (err) {
      // Making the rows failed: the worker throws the same error, so the file goes and the message is writeDump's.
      const code = (err as { code?: unknown }).code;
      w.post({ abort: { message: (err as Error).message, code: typeof code === 'string' ? code : undefined } });
    }
    return await w.result(target);
  } finally {
    await w.close();
  }
}
