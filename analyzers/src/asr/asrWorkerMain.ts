/**
 * Entry of the ASR worker thread (started by {@link AsrWorker}): creates the engine named in
 * `workerData.spec`, then serves stream commands from the main thread in arrival order. All
 * decoding (FFI/ONNX calls) happens here, off the analyzer's main event loop.
 */
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { AsrEngine, AsrStream } from './AsrEngine.ts';
import type { AsrWorkerData, FromWorker, ToWorker } from './AsrWorkerProtocol.ts';
import { readAnalyzerEnv } from '../env.ts';
import { createEngine } from './selectEngine.ts';

// Linux nice is per thread: lower THIS thread only, so under CPU saturation the analyzer's main
// thread (100 ms voice windows) wins and captions lag instead (LECTERN_ASR_NICE, default 10).
const nice = readAnalyzerEnv().LECTERN_ASR_NICE; // 0–19, validated (a bad value throws here and at gateway start-up)
try {
  if (nice > 0) os.setPriority(0, nice);
} catch {
  /* not permitted: keep the default priority */
}

const port = parentPort;
if (!port) throw new Error('asrWorkerMain must run in a worker thread');
const send = (m: FromWorker): void => port.postMessage(m);

const streams = new Map<number, AsrStream>();
let engine: AsrEngine;
try {
  engine = await createEngine((workerData as AsrWorkerData).spec);
  send({ type: 'ready', name: engine.name, description: engine.description });
} catch (err) {
  send({ type: 'init-error', message: (err as Error).message });
  process.exit(0);
}

port.on('message', (m: ToWorker) => {
  void handle(m).catch((err: unknown) => send({ type: 'error', id: 'id' in m ? m.id : null, message: (err as Error).message }));
});

async function handle(m: ToWorker): Promise<void> {
  switch (m.type) {
    case 'open': {
      const s = engine.createStream(m.options);
      s.on('hypothesis', (h) => send({ type: 'hypothesis', id: m.id, h }));
      s.on('error', (err) => send({ type: 'error', id: m.id, message: err.message }));
      streams.set(m.id, s);
      return;
    }
    case 'push': {
      const s = streams.get(m.id);
      try {
        s?.push(m.samples, m.startSec);
      } finally {
        send({ type: 'progress', id: m.id, samples: m.samples.length });
      }
      return;
    }
    case 'end-utterance':
      streams.get(m.id)?.endUtterance();
      return;
    case 'flush':
    case 'close-stream': {
      const s = streams.get(m.id);
      try {
        if (m.type === 'flush') await s?.flush();
        else {
          streams.delete(m.id);
          await s?.close();
        }
        send({ type: 'done', id: m.id, token: m.token });
      } catch (err) {
        send({ type: 'done', id: m.id, token: m.token, error: (err as Error).message });
      }
      return;
    }
    case 'shutdown':
      for (const s of streams.values()) await s.close().catch(() => {});
      streams.clear();
      await engine.close();
      port!.close();
      return;
  }
}
