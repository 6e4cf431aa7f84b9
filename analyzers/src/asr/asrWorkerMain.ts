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
const T = new Map<number, { waits: number[]; wall: number; cpu: number; audio: number }>();
function trace(id: number, wait: number, wall: number, cpu: number, audio: number): void {
  if (!process.env.LECTERN_ASR_TRACE) return;
  let t = T.get(id);
  if (!t) T.set(id, (t = { waits: [], wall: 0, cpu: 0, audio: 0 }));
  t.waits.push(wait); t.wall += wall; t.cpu += cpu; t.audio += audio;
}
if (process.env.LECTERN_ASR_TRACE) setInterval(() => {
  const tc = process.threadCpuUsage();
  const rows = [...T.entries()].map(([id, t]) => { const w = t.waits.sort((a, b) => a - b); return `s${id}: n=${w.length} wait p50=${w[w.length >> 1]?.toFixed(0)} p95=${w[Math.floor(w.length * 0.95)]?.toFixed(0)} max=${w.at(-1)?.toFixed(0)} ms, decode wall/audio=${(t.wall / 1000 / t.audio).toFixed(3)} cpu/audio=${(t.cpu / 1000 / t.audio).toFixed(3)}`; });
  T.clear();
  process.stderr.write(`[asr-trace pid=${process.pid}] threadCpu=${((tc.user + tc.system) / 1e6).toFixed(1)}s ${rows.join(' | ')}\n`);
}, 5000).unref();
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
      const t0 = performance.timeOrigin + performance.now();
      const c0 = process.threadCpuUsage();
      try {
        s?.push(m.samples, m.startSec);
      } finally {
        const t1 = performance.timeOrigin + performance.now();
        const c1 = process.threadCpuUsage(c0);
        trace(m.id, t0 - (m as unknown as { postedAt: number }).postedAt, t1 - t0, (c1.user + c1.system) / 1000, m.samples.length / 16000);
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
