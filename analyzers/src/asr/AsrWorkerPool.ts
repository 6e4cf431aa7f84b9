import os from 'node:os';
import type { AsrEngine, AsrEngineName, AsrStream, AsrStreamOptions } from './AsrEngine.ts';
import { AsrWorker, type AsrWorkerOptions } from './AsrWorker.ts';
import type { AsrWorkerStream } from './AsrWorkerStream.ts';
import type { AsrEngineSpec } from './selectEngine.ts';

/** Options of {@link AsrWorkerPool.start}. */
export interface AsrWorkerPoolOptions extends AsrWorkerOptions {
  /**
   * Worker threads (each with its own engine instance), integer ≥ 1. Default: the cores
   * available to the process (`os.availableParallelism()`), the `LECTERN_ASR_THREADS` default.
   */
  threads?: number;
}

/**
 * An {@link AsrEngine} backed by K {@link AsrWorker} threads. Each new stream is pinned to the
 * least-loaded thread (fewest open streams, then the smallest backlog, then the lowest index) for
 * its whole life, so streams decode in parallel on up to K cores and a stream only ever shares
 * its thread (served round-robin, see asrWorkerMain.ts) with about 1/K of the others.
 *
 * Why threads: one thread for all of a process's streams made every stream wait behind every
 * other stream's decoding and every new stream's decoder creation (PocketSphinx `ps_init`,
 * ≈ 0.2 CPU-s), and, niced (LECTERN_ASR_NICE), it got too little of a saturated 2-core host to
 * ever drain a backlog (measured in issue #12: 8 rooms, queue wait 9–11 s at the 10 s bound).
 *
 * If a worker dies its streams emit `error` (as with a single AsrWorker); the pool keeps serving
 * new streams on the remaining workers.
 */
export class AsrWorkerPool implements AsrEngine {
  /** @inheritdoc */
  readonly name: AsrEngineName;
  /** @inheritdoc */
  readonly description: string;
  private readonly streamWorker = new WeakMap<AsrWorkerStream, AsrWorker>();

  private constructor(private readonly workers: AsrWorker[]) {
    this.name = workers[0]!.name;
    this.description = workers[0]!.description.replace(/ \[worker thread\]$/, '') + ` [${workers.length} worker thread${workers.length === 1 ? '' : 's'}]`;
  }

  /**
   * Starts the worker threads (in parallel) and loads the engine in each.
   * @param spec engine to create (from `selectEngine(...).spec`).
   * @param options see {@link AsrWorkerPoolOptions}.
   * @throws RangeError when `threads` is not an integer ≥ 1 or the queue bounds are invalid.
   * @throws Error with the engine's message when it cannot be loaded (workers already started are stopped).
   */
  static async start(spec: AsrEngineSpec, options: AsrWorkerPoolOptions = {}): Promise<AsrWorkerPool> {
    const threads = options.threads ?? os.availableParallelism();
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be an integer ≥ 1, got ${threads}`);
    AsrWorker.limits(options); // validate before starting anything
    const started = await Promise.allSettled(Array.from({ length: threads }, () => AsrWorker.start(spec, options)));
    const workers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await Promise.allSettled(workers.map((w) => w.close()));
      throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
    }
    return new AsrWorkerPool(workers);
  }

  /** Number of worker threads (≥ 1). */
  get threads(): number {
    return this.workers.length;
  }

  /** Open streams per worker thread, in worker order (for status and tests). */
  get streamsPerThread(): number[] {
    return this.workers.map((w) => w.streamCount);
  }

  /**
   * Creates a stream on the least-loaded worker (see the class comment).
   * @inheritdoc
   * @throws Error when every worker has died.
   */
  createStream(options: AsrStreamOptions = {}): AsrStream & AsrWorkerStream {
    let lastError: unknown = new Error('no ASR worker');
    const order = this.workers
      .map((w, i) => ({ w, i, streams: w.streamCount, backlogSec: w.backlogSec }))
      .sort((a, b) => a.streams - b.streams || a.backlogSec - b.backlogSec || a.i - b.i);
    for (const { w } of order) {
      try {
        const s = w.createStream(options);
        this.streamWorker.set(s, w);
        return s;
      } catch (err) {
        lastError = err; // that worker died: try the next
      }
    }
    throw lastError instanceof Error ? lastError : new Error(String(lastError));
  }

  /**
   * Index of the worker thread a stream of this pool is pinned to, or -1 when unknown.
   * @param stream a stream returned by {@link createStream}.
   */
  workerIndexOf(stream: AsrStream): number {
    const w = this.streamWorker.get(stream as AsrWorkerStream);
    return w ? this.workers.indexOf(w) : -1;
  }

  /** @inheritdoc Closes every worker (their open streams emit their finals first). */
  async close(): Promise<void> {
    await Promise.allSettled(this.workers.map((w) => w.close()));
  }
}
