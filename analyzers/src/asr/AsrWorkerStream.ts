import { EventEmitter } from 'node:events';
import type { AsrHypothesis, AsrStream, AsrStreamEventMap } from './AsrEngine.ts';
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

/** Queue bounds of one worker stream, in seconds of 16 kHz audio. */
export interface AsrWorkerStreamLimits {
  /** Audio posted but not decoded beyond which chunks are rejected (`overflow`), s (> 0). */
  maxQueuedSec: number;
  /** Backlog above which partials are shed (withheld), s (> 0). */
  shedPartialsAboveSec: number;
  /** Backlog below which shed partials resume, s (0 ≤ x < `shedPartialsAboveSec`). */
  resumePartialsBelowSec: number;
}

/** Counters of one worker stream (for status, stats messages and benches). */
export interface AsrWorkerStreamStats {
  /** Seconds of audio accepted (posted to the worker). */
  pushedSec: number;
  /**
   * Seconds of audio the worker has handed to its engine (PocketSphinx may still hold up to
   * `decodeIntervalSec` of it in its batch buffer until the next batch or the utterance end).
   */
  decodedSec: number;
  /** Seconds waiting in the queue now (the backlog). */
  queuedSec: number;
  /** Largest queue observed (s). */
  maxQueuedSec: number;
  /** Seconds of audio rejected because the queue was full. */
  droppedSec: number;
  /** Number of overflow events. */
  overflows: number;
  /** Wall seconds the worker thread spent decoding this stream's audio (push calls). */
  decodeSec: number;
  /** CPU seconds of the worker thread spent on the same calls. */
  decodeCpuSec: number;
  /** Whether partials are being shed now. */
  partialsShed: boolean;
  /** Partial hypotheses withheld on the main thread while shedding (already decoded when shedding began). */
  partialsWithheld: number;
}

/**
 * Main-thread proxy of a stream that decodes in the ASR worker thread. `push` copies the chunk
 * and posts it (transferring the copy), so it costs microseconds on the caller's thread.
 *
 * Bounded queue: when the audio posted but not yet decoded would exceed `maxQueuedSec`, the
 * chunk is rejected and an `overflow` event reports it (seconds dropped, queue size, media
 * time) — never a silent drop. The worker sees the resulting media-time gap, which ends the
 * utterance there.
 *
 * Partial shedding: when the backlog exceeds `shedPartialsAboveSec` (default 5 s, see
 * AsrWorkerOptions), partial hypotheses are withheld — the worker stops computing them and any
 * still in flight are dropped here — and finals keep coming; a `shedding` event says so. Once the
 * backlog is below `resumePartialsBelowSec` (default 1 s) partials resume, with another
 * `shedding` event.
 */
export class AsrWorkerStream extends EventEmitter<AsrStreamEventMap> implements AsrStream {
  private queuedSamples = 0;
  private readonly counters: AsrWorkerStreamStats = {
    pushedSec: 0,
    decodedSec: 0,
    queuedSec: 0,
    maxQueuedSec: 0,
    droppedSec: 0,
    overflows: 0,
    decodeSec: 0,
    decodeCpuSec: 0,
    partialsShed: false,
    partialsWithheld: 0,
  };
  private closed = false;
  private closing: Promise<void> | null = null;

  /**
   * Created by {@link AsrWorker.createStream}.
   * @param id stream id within the worker.
   * @param link the owning worker.
   * @param limits queue and shedding bounds.
   */
  constructor(readonly id: number, private readonly link: AsrWorkerLink, private readonly limits: AsrWorkerStreamLimits) {
    super();
  }

  /** @inheritdoc */
  push(samples: Float32Array, startSec: number): void {
    if (this.closed) throw new Error('ASR worker stream is closed');
    if (!Number.isFinite(startSec) || startSec < 0) throw new RangeError(`startSec must be a finite number ≥ 0, got ${startSec}`);
    if (samples.length === 0) return;
    if ((this.queuedSamples + samples.length) / 16_000 > this.limits.maxQueuedSec) {
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
    this.updateShedding();
    this.link.post({ type: 'push', id: this.id, samples: copy, startSec }, [copy.buffer as ArrayBuffer]);
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

  /** Audio posted to the worker but not decoded yet, seconds (≥ 0). */
  get backlogSec(): number {
    return this.queuedSamples / 16_000;
  }

  /** Counters so far (a copy). */
  stats(): AsrWorkerStreamStats {
    return { ...this.counters, queuedSec: this.queuedSamples / 16_000 };
  }

  /**
   * Called by the worker link when the worker decoded `n` samples of this stream.
   * @param n samples decoded.
   * @param decodeMs wall time of that decoding (ms, default 0).
   * @param cpuMs worker-thread CPU time of it (ms, default 0).
   */
  onProgress(n: number, decodeMs = 0, cpuMs = 0): void {
    this.queuedSamples = Math.max(0, this.queuedSamples - n);
    this.counters.decodedSec += n / 16_000;
    this.counters.decodeSec += decodeMs / 1000;
    this.counters.decodeCpuSec += cpuMs / 1000;
    this.updateShedding();
  }

  /** Called by the worker link for every hypothesis of this stream; withholds partials while shedding. */
  onHypothesis(h: AsrHypothesis): void {
    if (h.kind === 'partial' && this.counters.partialsShed) {
      this.counters.partialsWithheld++;
      return;
    }
    this.emit('hypothesis', h);
  }

  private updateShedding(): void {
    const backlogSec = this.queuedSamples / 16_000;
    const { shedPartialsAboveSec, resumePartialsBelowSec } = this.limits;
    let reason: string;
    if (!this.counters.partialsShed && backlogSec > shedPartialsAboveSec) {
      this.counters.partialsShed = true;
      reason = `speech recognition is ${backlogSec.toFixed(1)} s behind (more than ${shedPartialsAboveSec} s): partial captions are withheld until it catches up; final captions still come`;
    } else if (this.counters.partialsShed && backlogSec < resumePartialsBelowSec) {
      this.counters.partialsShed = false;
      reason = `speech recognition caught up (${backlogSec.toFixed(1)} s behind): partial captions resumed`;
    } else return;
    if (this.closed) return;
    this.link.post({ type: 'partials', id: this.id, enabled: !this.counters.partialsShed });
    this.emit('shedding', { partialsShed: this.counters.partialsShed, backlogSec, reason });
  }
}
