/**
 * Entry of the ASR worker thread (started by {@link AsrWorker}): creates the engine named in
 * `workerData.spec`, then serves stream commands from the main thread. All decoding (FFI/ONNX
 * calls) happens here, off the analyzer's main event loop.
 *
 * Fairness: commands are queued per stream and served round-robin ({@link RoundRobinQueues}),
 * one command (≈ one 100 ms chunk) at a time, returning to the event loop in between so newly
 * posted commands are queued as they arrive. A stream with a backlog therefore costs every other
 * stream on this thread at most one chunk's decode per round, instead of its whole backlog (the
 * shared FIFO this replaced). Within a stream, commands keep their order. `partials` (shedding)
 * commands take effect on arrival, ahead of the queue.
 */
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { AsrEngine, AsrStream } from './AsrEngine.ts';
import type { AsrWorkerData, FromWorker, ToWorker } from './AsrWorkerProtocol.ts';
import { readAnalyzerEnv } from '../env.ts';
import { RoundRobinQueues } from './RoundRobinQueues.ts';
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

type StreamCommand = Exclude<ToWorker, { type: 'shutdown' } | { type: 'partials' }>;

const streams = new Map<number, AsrStream>();
const queues = new RoundRobinQueues<StreamCommand>();
let engine: AsrEngine;
try {
  engine = await createEngine((workerData as AsrWorkerData).spec);
  send({ type: 'ready', name: engine.name, description: engine.description });
} catch (err) {
  send({ type: 'init-error', message: (err as Error).message });
  process.exit(0);
}

let running = false;
let shutdownRequested = false;

port.on('message', (m: ToWorker) => {
  if (m.type === 'shutdown') shutdownRequested = true;
  else if (m.type === 'partials') setPartials(m.id, m.enabled);
  else queues.push(m.id, m);
  schedule();
});

/** Runs the next queued command on a later turn of the event loop (so messages are received in between). */
function schedule(): void {
  if (running) return;
  running = true;
  setImmediate(() => void runNext());
}

async function runNext(): Promise<void> {
  const next = queues.shift();
  if (next) {
    await handle(next.job).catch((err: unknown) => send({ type: 'error', id: next.key, message: (err as Error).message }));
    running = false;
    schedule();
    return;
  }
  running = false;
  if (shutdownRequested) await shutdown();
}

function setPartials(id: number, enabled: boolean): void {
  const s = streams.get(id) as (AsrStream & { setPartialsEnabled?: (on: boolean) => void }) | undefined;
  s?.setPartialsEnabled?.(enabled);
}

async function handle(m: StreamCommand): Promise<void> {
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
      const t0 = performance.now();
      const c0 = process.threadCpuUsage();
      try {
        s?.push(m.samples, m.startSec);
      } finally {
        const c = process.threadCpuUsage(c0);
        send({ type: 'progress', id: m.id, samples: m.samples.length, decodeMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 });
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
  }
}

async function shutdown(): Promise<void> {
  for (const s of streams.values()) await s.close().catch(() => {});
  streams.clear();
  await engine.close();
  port!.close();
}
