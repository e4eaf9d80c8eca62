/**
 * The worker thread of a big dump (dump-worker-client.ts starts it): writes
 * the SQLite file with writeDumpFrom while the main thread decodes the rows
 * and posts them in packs (rowpack.ts). It takes the packs synchronously, as
 * SQLite's loop asks for rows: when none is queued it sleeps on the shared
 * counter the main thread bumps after each post.
 *
 * workerData: port (the messages come on it), sig (Int32Array on a
 * SharedArrayBuffer: [0] messages posted, [1] messages taken). The worker
 * can be started before its dump is known (while the ring is read), so the
 * first message says what to write: { start: { dest, frame } } (frame: the
 * dump less its rows), or { cancel: true } to end with no answer. Then: a
 * RowPack, { end: true } after the last one, or { abort } when making the
 * rows failed. It answers on parentPort with { ok: WriteDumpResult } or
 * { error: { message, code } }.
 */
import { MessagePort, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { PackReader, RowPack } from './rowpack';
import { DumpFrame, RowSource, writeDumpFrom } from './sqlite';

export type ToWorker = RowPack | { end: true } | { abort: { message: string; code?: string } };
export type FirstToWorker = { start: { dest: string; frame: DumpFrame } } | { cancel: true };
export type FromWorker = { ok: { events: number; bytes: number } } | { error: { message: string; code?: string } };
export interface DumpWorkerData {
  port: MessagePort;
  sig: Int32Array;
}

const { port, sig } = workerData as DumpWorkerData;

function nextMessage<T = ToWorker>(): T {
  for (;;) {
    const posted = Atomics.load(sig, 0);
    const m = receiveMessageOnPort(port);
    if (m) {
      Atomics.add(sig, 1, 1);
      Atomics.notify(sig, 1);
      return m.message as T;
    }
    Atomics.wait(sig, 0, posted);
  }
}

let reader: PackReader | null = null;
const packs: RowSource = {
  next(to) {
    while (!reader || reader.done) {
      const m = nextMessage();
      if ('end' in m) return false;
      if ('abort' in m) throw Object.assign(new Error(m.abort.message), m.abort.code ? { code: m.abort.code } : {});
      reader = new PackReader(m);
    }
    reader.putNext(to);
    return true;
  },
};

const first = nextMessage<FirstToWorker>();
if ('start' in first) {
  let answer: FromWorker;
  try {
    answer = { ok: writeDumpFrom(first.start.dest, first.start.frame, packs) };
  } catch (err) {
    const code = ((err as Error).cause as { code?: unknown } | undefined)?.code;
    answer = { error: { message: (err as Error).message, code: typeof code === 'string' ? code : undefined } };
  }
  parentPort!.postMessage(answer);
}
port.close();
