import type { AsrHypothesis, AsrStreamOptions } from './AsrEngine.ts';
import type { AsrEngineSpec } from './selectEngine.ts';

/** `workerData` of the ASR worker thread. */
export interface AsrWorkerData {
  /** Engine to create inside the worker. */
  spec: AsrEngineSpec;
}

/**
 * Main thread → worker. Stream commands (`open` … `close-stream`) are queued per stream and served
 * round-robin across streams (see `RoundRobinQueues`); `partials` takes effect on arrival.
 */
export type ToWorker =
  | { type: 'open'; id: number; options: AsrStreamOptions }
  | { type: 'push'; id: number; samples: Float32Array; startSec: number }
  | { type: 'end-utterance'; id: number }
  | { type: 'flush'; id: number; token: number }
  | { type: 'close-stream'; id: number; token: number }
  /** Withhold (`enabled: false`) or resume partial hypotheses of stream `id` (shedding). */
  | { type: 'partials'; id: number; enabled: boolean }
  | { type: 'shutdown' };

/** Worker → main thread. */
export type FromWorker =
  | { type: 'ready'; name: AsrEngineSpec['name']; description: string }
  | { type: 'init-error'; message: string }
  | { type: 'hypothesis'; id: number; h: AsrHypothesis }
  /**
   * `samples` more samples of stream `id` have been decoded (frees queue space); the decoding
   * took `decodeMs` of wall time and `cpuMs` of the worker thread's CPU time.
   */
  | { type: 'progress'; id: number; samples: number; decodeMs: number; cpuMs: number }
  | { type: 'done'; id: number; token: number; error?: string }
  | { type: 'error'; id: number | null; message: string };
