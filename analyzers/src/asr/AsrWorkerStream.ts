import { EventEmitter } from 'node:events';
import type { AsrStream, AsrStreamEventMap } from './AsrEngine.ts';
import type { ToWorker } from './AsrWorkerProtocol.ts';

/** What an {@link AsrWorkerStream} needs from its {@link AsrWorker}. */
export interface AsrWorkerLink {
  /** Post a command to the worker (transferring `transfer`). */
  post(m: ToWorker, transfer?: ArrayBuffer[]): void;
  /** Send a command that the worker acknowledges with `done`; resolves/rejects on it. */
  request(m: { type: 'flush' | 'close-stream'; id: number }): Promise<void>;
  /** Forget a closed stream. */
  detach(id: number): void;
}

/** Counters of one worker stream (for status and benches). */
export interface AsrWorkerStreamStats {
  /** Seconds of audio accepted (posted to the worker). */
  pushedSec: number;
  /**
   * Seconds of audio the worker has handed to its engine (PocketSphinx may still hold up to
   * `decodeIntervalSec` of it in its batch buffer until the next batch or the utterance end).
   */
  decodedSec: number;
  /** Seconds waiting in the queue now. */
  queuedSec: number;
  /** Largest queue observed (s). */
  maxQueuedSec: number;
  /** Seconds of audio rejected because the queue was full. */
  droppedSec: number;
  /** Number of overflow events. */
  overflows: number;
}

/**
 * Main-thread proxy of a stream that decodes in the ASR worker thread. `push` copies the chunk
 * and posts it (transferring the copy), so it costs microseconds on the caller's thread.
 *
 * Bounded queue: when the audio posted but not yet decoded would exceed `maxQueuedSec`, the
 * chunk is rejected and an `overflow` event reports it (seconds dropped, queue size, media
 * time) — never a silent drop. The worker sees the resulting media-time gap, which ends the
 * utterance there.
 */
export class AsrWorkerStream extends EventEmitter<AsrStreamEventMap> implements AsrStream {
  private queuedSamples = 0;
  private readonly counters: AsrWorkerStreamStats = { pushedSec: 0, decodedSec: 0, queuedSec: 0, maxQueuedSec: 0, droppedSec: 0, overflows: 0 };
  private closed = false;
  private closing: Promise<void> | null = null;

  /**
   * Created by {@link AsrWorker.createStream}.
   * @param id stream id within the worker.
   * @param link the owning worker.
   * @param maxQueuedSamples queue bound in samples.
   */
  constructor(readonly id: number, private readonly link: AsrWorkerLink, private readonly maxQueuedSamples: number) {
    super();
  }

  /** @inheritdoc */
  push(samples: Float32Array, startSec: number): void {
    if (this.closed) throw new Error('ASR worker stream is closed');
    if (!Number.isFinite(startSec) || startSec < 0) throw new RangeError(`startSec must be a finite number ≥ 0, got ${startSec}`);
    if (samples.length === 0) return;
    if (this.queuedSamples + samples.length > this.maxQueuedSamples) {
      const droppedSec = samples.length / 16_000;
      this.counters.droppedSec += droppedSec;
      this.counters.overflows += 1;
      this.emit('overflow', { droppedSec, totalDroppedSec: this.counters.droppedSec, queuedSec: this.queuedSamples / 16_000, atMediaSec: startSec });
      return;
    }
    const copy = new Float32Array(samples);
    this.queuedSamples += copy.length;
    this.counters.pushedSec += copy.length / 16_000;
    this.counters.maxQueuedSec = Math.max(this.counters.maxQueuedSec, this.queuedSamples / 16_000);
    this.link.post({ type: 'push', id: this.id, samples: copy, startSec, postedAt: performance.timeOrigin + performance.now() } as never, [copy.buffer as ArrayBuffer]);
  }

  /** @inheritdoc */
  endUtterance(): void {
    if (this.closed) throw new Error('ASR worker stream is closed');
    this.link.post({ type: 'end-utterance', id: this.id });
  }

  /** @inheritdoc */
  flush(): Promise<void> {
    if (this.closed) return this.closing ?? Promise.resolve();
    return this.link.request({ type: 'flush', id: this.id });
  }

  /** @inheritdoc */
  close(): Promise<void> {
    if (!this.closing) {
      this.closed = true;
      this.closing = this.link.request({ type: 'close-stream', id: this.id }).finally(() => this.link.detach(this.id));
    }
    return this.closing;
  }

  /** Counters so far (a copy). */
  stats(): AsrWorkerStreamStats {
    return { ...this.counters, queuedSec: this.queuedSamples / 16_000 };
  }

  /** Called by the worker link when the worker decoded `n` samples of this stream. */
  onProgress(n: number): void {
    this.queuedSamples = Math.max(0, this.queuedSamples - n);
    this.counters.decodedSec += n / 16_000;
  }
}
