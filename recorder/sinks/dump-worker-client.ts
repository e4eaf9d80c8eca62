/**
 * writeDumpAsync of a big dump: this thread makes the rows (decoding, the
 * larger half of the work) and posts them in packs to a worker thread that
 * writes the SQLite file (dump-worker.ts), so the two halves run on two
 * cores. At most MAX_QUEUED packs wait for the worker; this thread gives the
 * event loop a turn every PACKS_PER_TURN packs. Whole or absent, with the
 * errors writeDump gives: the worker makes the file as writeDump does.
 */
import path from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { DumpWorkerData, FromWorker, ToWorker } from './dump-worker';
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

export async function writeDumpInWorker(dest: string, input: WriteDumpInput): Promise<WriteDumpResult> {
  const target = path.resolve(dest);
  const { rows, rowCount: _count, worker: _worker, ...rest } = input;
  const frame: DumpFrame = { ...rest, process: input.process ? [...input.process] : undefined };
  const sig = new Int32Array(new SharedArrayBuffer(8));
  const { port1, port2 } = new MessageChannel();
  const data: DumpWorkerData = { dest: target, frame, port: port2, sig };
  const worker = new Worker(path.join(__dirname, 'dump-worker.js'), { workerData: data, transferList: [port2] });
  let failed = false;
  const result = new Promise<WriteDumpResult>((resolve, reject) => {
    worker.once('message', (m: FromWorker) => {
      if ('ok' in m) resolve({ ...m.ok, worker: true });
      else reject(new Error(m.error.message, { cause: m.error.code ? { code: m.error.code } : undefined }));
    });
    worker.once('error', (err) => reject(new Error(`writing dump ${target}: its worker thread failed: ${err.message}`, { cause: err })));
    worker.once('exit', (code) => reject(new Error(`writing dump ${target}: its worker thread exited with ${code} before it answered`)));
  });
  result.catch(() => {
    failed = true;
  });
  let posted = 0;
  const post = (m: ToWorker, transfer: ArrayBuffer[] = []) => {
    port1.postMessage(m, transfer);
    posted++;
    Atomics.add(sig, 0, 1);
    Atomics.notify(sig, 0);
  };
  try {
    const packer = new PackWriter(PACK_ROWS);
    const send = () => {
      const pack = packer.take();
      post(pack, packTransfer(pack));
    };
    for (const r of rows) {
      packer.add(r);
      if (!packer.full) continue;
      send();
      for (let taken = Atomics.load(sig, 1); !failed && posted - taken > MAX_QUEUED; taken = Atomics.load(sig, 1)) {
        const w = waitAsync(sig, 1, taken, 100);
        if (w.async) await w.value;
      }
      // A turn for the event loop now and then, as writeDumpAsync gives in one thread.
      if (posted % PACKS_PER_TURN === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      if (failed) break;
    }
    if (!failed) {
      if (packer.size) send();
      post({ end: true });
    }
  } catch (err) {
    // Making the rows failed: the worker throws the same error, so the file goes and the message is writeDump's.
    const code = (err as { code?: unknown }).code;
    post({ abort: { message: (err as Error).message, code: typeof code === 'string' ? code : undefined } });
  }
  try {
    return await result;
  } finally {
    port1.close();
    await worker.terminate();
  }
}
