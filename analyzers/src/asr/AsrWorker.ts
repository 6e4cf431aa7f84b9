import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AsrEngine, AsrEngineName, AsrStream, AsrStreamOptions } from './AsrEngine.ts';
import type { AsrWorkerData, FromWorker, ToWorker } from './AsrWorkerProtocol.ts';
import { AsrWorkerStream, type AsrWorkerLink, type AsrWorkerStreamLimits } from './AsrWorkerStream.ts';
import type { AsrEngineSpec } from './selectEngine.ts';

/** Options of {@link AsrWorker.start}. */
export interface AsrWorkerOptions {
  /**
   * Per-stream bound of audio posted to the worker but not yet decoded, in seconds; beyond it
   * chunks are rejected with an `overflow` event. Default 10 s.
   */
  maxQueuedSec?: number;
  /**
   * Per-stream backlog (s of audio posted but not decoded) above which partial hypotheses are
   * shed (withheld and not computed; finals still come; a `shedding` event reports it). Default
   * 5 s, or half of `maxQueuedSec` when that is smaller: sustained overload, on its way to the
   * overflow bound. Not lower, because shedding during a short catch-up (e.g. 8 rooms starting
   * together: 2–7 s of backlog for a few seconds) made captions later, not earlier — while shed,
   * a word's first caption is its utterance's final — and saved almost no decode time with
   * PocketSphinx (partials off: 0.038–0.039 CPU-s per audio-s, on: 0.038–0.041, 2026 issue #12
   * measurement). Must be > 0 and < `maxQueuedSec`.
   */
  shedPartialsAboveSec?: number;
  /**
   * Backlog below which shed partials resume (s). Default 1 s, or a fifth of the shedding bound
   * when that is smaller (hysteresis, so a backlog hovering around the bound does not toggle).
   * Must be ≥ 0 and < `shedPartialsAboveSec`.
   */
  resumePartialsBelowSec?: number;
}

/** Default {@link AsrWorkerOptions.shedPartialsAboveSec} (s). */
export const DEFAULT_SHED_PARTIALS_ABOVE_SEC = 5;
/** Default {@link AsrWorkerOptions.resumePartialsBelowSec} (s). */
export const DEFAULT_RESUME_PARTIALS_BELOW_SEC = 1;

/**
 * An {@link AsrEngine} whose decoding runs in a `worker_threads` Worker, so the analyzer's main
 * thread (RTP, Opus decode, 100 ms voice windows) never waits on recognition: PocketSphinx's
 * FFI calls and sherpa-onnx's ONNX runs are synchronous and would otherwise stall the event loop.
 * One worker hosts one engine (one model in memory) and any number of streams, served round-robin
 * per stream in the thread (see asrWorkerMain.ts); `AsrWorkerPool` spreads streams over
 * several workers.
 *
 * Hypotheses arrive asynchronously as `hypothesis` events on the streams, in order. If the worker
 * dies, every open stream emits `error` and pending flushes reject.
 *
 * The worker runs TypeScript through tsx's loader, registered by `asrWorkerBoot.mjs` at worker start, so
 * it works under `tsx`, vitest and plain `node --import tsx` alike.
 */
export class AsrWorker implements AsrEngine {
  /** @inheritdoc */
  readonly name: AsrEngineName;
  /** @inheritdoc */
  readonly description: string;
  private readonly streams = new Map<number, AsrWorkerStream>();
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private nextToken = 1;
  private dead: Error | null = null;
  private exited: Promise<void>;

  private constructor(private readonly worker: Worker, ready: { name: AsrEngineName; description: string }, private readonly limits: AsrWorkerStreamLimits) {
    this.name = ready.name;
    this.description = `${ready.description} [worker thread]`;
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', (code) => this.fail(new Error(`ASR worker exited (code ${code})`)));
  }

  /**
   * Start a worker thread and load the engine in it.
   * @param spec engine to create (from `selectEngine(...).spec`).
   * @param options see {@link AsrWorkerOptions}.
   * @returns once the engine is loaded in the worker.
   * @throws Error with the engine's message when it cannot be loaded (the worker is stopped).
   * @throws RangeError when the bounds are out of range (see {@link AsrWorkerOptions}).
   */
  static async start(spec: AsrEngineSpec, options: AsrWorkerOptions = {}): Promise<AsrWorker> {
    const limits = AsrWorker.limits(options);
    const data: AsrWorkerData = { spec };
    const worker = new Worker(fileURLToPath(new URL('./asrWorkerBoot.mjs', import.meta.url)), { workerData: data });
    const ready = await new Promise<{ name: AsrEngineName; description: string }>((resolve, reject) => {
      const onMessage = (m: FromWorker): void => {
        if (m.type === 'ready') {
          cleanup();
          resolve({ name: m.name, description: m.description });
        } else if (m.type === 'init-error') {
          cleanup();
          reject(new Error(m.message));
        }
      };
      const onError = (err: Error): void => {
        cleanup();
        reject(err);
      };
      const onExit = (code: number): void => {
        cleanup();
        reject(new Error(`ASR worker exited during start (code ${code})`));
      };
      const cleanup = (): void => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    }).catch(async (err: unknown) => {
      await worker.terminate();
      throw err;
    });
    return new AsrWorker(worker, ready, limits);
  }

  /**
   * Validated bounds with defaults.
   * @throws RangeError when out of range.
   */
  static limits(options: AsrWorkerOptions): AsrWorkerStreamLimits {
    const maxQueuedSec = options.maxQueuedSec ?? 10;
    const shedPartialsAboveSec = options.shedPartialsAboveSec ?? Math.min(DEFAULT_SHED_PARTIALS_ABOVE_SEC, maxQueuedSec / 2);
    const resumePartialsBelowSec = options.resumePartialsBelowSec ?? Math.min(DEFAULT_RESUME_PARTIALS_BELOW_SEC, shedPartialsAboveSec / 5);
    if (!(maxQueuedSec > 0)) throw new RangeError('maxQueuedSec must be > 0');
    if (!(shedPartialsAboveSec > 0 && shedPartialsAboveSec < maxQueuedSec)) throw new RangeError('shedPartialsAboveSec must be > 0 and < maxQueuedSec');
    if (!(resumePartialsBelowSec >= 0 && resumePartialsBelowSec < shedPartialsAboveSec)) throw new RangeError('resumePartialsBelowSec must be ≥ 0 and < shedPartialsAboveSec');
    return { maxQueuedSec, shedPartialsAboveSec, resumePartialsBelowSec };
  }

  /** Streams open on this worker (≥ 0). */
  get streamCount(): number {
    return this.streams.size;
  }

  /** Audio queued to this worker over all its streams, seconds (≥ 0). */
  get backlogSec(): number {
    let sec = 0;
    for (const s of this.streams.values()) sec += s.backlogSec;
    return sec;
  }

  /** @inheritdoc */
  createStream(options: AsrStreamOptions = {}): AsrStream & AsrWorkerStream {
    if (this.dead) throw new Error(`ASR worker unavailable: ${this.dead.message}`);
    const id = this.nextId++;
    const link: AsrWorkerLink = {
      post: (m, transfer) => this.post(m, transfer),
      request: (m) => this.request(m),
      detach: (sid) => this.streams.delete(sid),
    };
    const s = new AsrWorkerStream(id, link, this.limits);
    this.streams.set(id, s);
    this.post({ type: 'open', id, options });
    return s;
  }

  /** @inheritdoc Closes open streams (emitting their finals), then stops the thread. */
  async close(): Promise<void> {
    if (this.dead) return;
    await Promise.allSettled([...this.streams.values()].map((s) => s.close()));
    this.post({ type: 'shutdown' });
    const timer = setTimeout(() => void this.worker.terminate(), 5000);
    await this.exited;
    clearTimeout(timer);
  }

  private post(m: ToWorker, transfer?: ArrayBuffer[]): void {
    if (this.dead) return;
    this.worker.postMessage(m, transfer);
  }

  private request(m: { type: 'flush' | 'close-stream'; id: number }): Promise<void> {
    if (this.dead) return m.type === 'close-stream' ? Promise.resolve() : Promise.reject(this.dead);
    const token = this.nextToken++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(token, { resolve, reject });
      this.worker.postMessage({ ...m, token } satisfies ToWorker);
    });
  }

  private onMessage(m: FromWorker): void {
    switch (m.type) {
      case 'hypothesis':
        this.streams.get(m.id)?.onHypothesis(m.h);
        return;
      case 'progress':
        this.streams.get(m.id)?.onProgress(m.samples, m.decodeMs, m.cpuMs);
        return;
      case 'done': {
        const p = this.pending.get(m.token);
        this.pending.delete(m.token);
        if (m.error) p?.reject(new Error(m.error));
        else p?.resolve();
        return;
      }
      case 'error': {
        const err = new Error(m.message);
        if (m.id !== null) this.streams.get(m.id)?.emit('error', err);
        else for (const s of this.streams.values()) s.emit('error', err);
        return;
      }
      default:
        return;
    }
  }

  private fail(err: Error): void {
    if (this.dead) return;
    this.dead = err;
    const shuttingDown = this.streams.size === 0;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    if (shuttingDown) return;
    for (const s of this.streams.values()) {
      if (s.listenerCount('error') > 0) s.emit('error', err);
      else process.stderr.write(`asr: stream ${s.id}: ${err.message}\n`);
    }
  }
}
