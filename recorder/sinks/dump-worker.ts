/**
 * The worker thread of a big dump (dump-worker-client.ts starts it): writes
 * the SQLite file with writeDumpFrom while the main thread decodes the rows
 * and posts them in packs (rowpack.ts). It takes the packs synchronously, as
 * SQLite's loop asks for rows: when none is queued it sleeps on the shared
 * counter the main thread bumps after each post.
 *
 * workerData: dest, frame (the dump less its rows), port (the packs come on
 * it), sig (Int32Array on a SharedArrayBuffer: [0] messages posted, [1]
 * messages taken). Messages: a RowPack, { end: true } after the last one, or
 * { abort } when making the rows failed. It answers on parentPort with
 * { ok: WriteDumpResult } or { error: { message, code } }.
 */
import { MessagePort, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { PackReader, RowPack } from './rowpack';
import { DumpFrame, RowSource, writeDumpFrom } from './sqlite';

export type ToWorker = RowPack | { end: true } | { abort: { message: string; code?: string } };
export type FromWorker = { ok: { events: number; bytes: number } } | { error: { message: string; code?: string } };
export interface DumpWorkerData {
  dest: string;
  frame: DumpFrame;
  port: MessagePort;
  sig: Int32Array;
}

const { dest, frame, port, sig } = workerData as DumpWorkerData;

function nextMessage(): ToWorker {
  for (;;) {
    const posted = Atomics.load(sig, 0);
    const m = receiveMessageOnPort(port);
    if (m) {
      Atomics.add(sig, 1, 1);
      Atomics.notify(sig, 1);
      return m.message as ToWorker;
    }
    Atomics.wait(sig, 0, posted);
  }
}

let reader: PackReader | null = null;
const packs: RowSource = {
  next(row) {
    while (!reader || reader.done) {
      const m = nextMessage();
      if ('end' in m) return false;
      if ('abort' in m) throw Object.assign(new Error(m.abort.message), m.abort.code ? { code: m.abort.code } : {});
      reader = new PackReader(m);
    }
    reader.fillNext(row);
    return true;
  },
};

let answer: FromWorker;
try {
  answer = { ok: writeDumpFrom(dest, frame, packs) };
} catch (err) {
  const code = ((err as Error).cause as { code?: unknown } | undefined)?.code;
  answer = { error: { message: (err as Error).message, code: typeof code === 'string' ? code : undefined } };
}
port.close();
parentPort!.postMessage(answer);
