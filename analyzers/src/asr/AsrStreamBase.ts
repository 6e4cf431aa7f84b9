import { EventEmitter } from 'node:events';
import type { CaptionWord } from '@lectern/contract';
import type { AsrEngineName, AsrHypothesis, AsrStream, AsrStreamEventMap, AsrStreamOptions } from './AsrEngine.ts';
import { MediaClock } from './MediaClock.ts';

/** Default {@link AsrStreamOptions.maxUtteranceSec}. */
export const DEFAULT_MAX_UTTERANCE_SEC = 30;
/** A media-time gap at least this long ends the utterance in `engine` segmentation (s). */
export const GAP_ENDS_UTTERANCE_SEC = 0.5;

/**
 * Shared plumbing of the in-thread streams (PocketSphinx, sherpa-onnx): option defaults, the
 * {@link MediaClock}, segment numbering, de-duplicated partials and the closed state.
 * Subclasses implement `decodeChunk`, `finishUtterance` and `release`.
 */
export abstract class AsrStreamBase extends EventEmitter<AsrStreamEventMap> implements AsrStream {
  /** Engine time ↔ media time. */
  protected readonly clock = new MediaClock();
  /** `engine` or `external` segmentation. */
  protected readonly segmentation: 'engine' | 'external';
  /** Forced-final length (s). */
  protected readonly maxUtteranceSec: number;
  /** Partial policy. */
  protected readonly partials: 'on-change' | 'every-chunk';
  /** Media time (s) of the first audio of the current utterance, or null before any audio. */
  protected utteranceStartMediaSec: number | null = null;
  private segmentId = 0;
  private lastPartialText = '';
  private closed = false;
  private partialsOn = true;

  /**
   * @param engine engine name stamped on every hypothesis.
   * @param options stream options; see {@link AsrStreamOptions}.
   */
  protected constructor(private readonly engine: AsrEngineName, options: AsrStreamOptions = {}) {
    super();
    this.segmentation = options.segmentation ?? 'engine';
    this.maxUtteranceSec = options.maxUtteranceSec ?? DEFAULT_MAX_UTTERANCE_SEC;
    this.partials = options.partials ?? 'on-change';
    if (!(this.maxUtteranceSec > 0)) throw new RangeError('maxUtteranceSec must be > 0');
  }

  /** @inheritdoc */
  push(samples: Float32Array, startSec: number): void {
    this.assertOpen();
    if (!Number.isFinite(startSec) || startSec < 0) throw new RangeError(`startSec must be a finite number ≥ 0, got ${startSec}`);
    if (samples.length === 0) return;
    // End the utterance before the clock and the engine see the chunk after a long gap.
    if (this.clock.gapTo(startSec) >= GAP_ENDS_UTTERANCE_SEC && this.segmentation === 'engine') this.finishUtterance();
    this.clock.appendMedia(startSec, samples.length);
    if (this.utteranceStartMediaSec === null) this.utteranceStartMediaSec = startSec;
    this.decodeChunk(samples);
    const endSec = startSec + samples.length / 16_000;
    if (this.utteranceStartMediaSec !== null && endSec - this.utteranceStartMediaSec >= this.maxUtteranceSec) {
      this.finishUtterance();
    }
  }

  /** @inheritdoc */
  endUtterance(): void {
    this.assertOpen();
    this.finishUtterance();
  }

  /** @inheritdoc */
  flush(): Promise<void> {
    if (!this.closed) this.finishUtterance();
    return Promise.resolve();
  }

  /** @inheritdoc */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      this.finishUtterance();
    } finally {
      this.closed = true;
      this.release();
    }
  }

  /**
   * Withhold (false) or resume (true) partial hypotheses; finals are unaffected. Used by the ASR
   * worker to shed partials while a stream's backlog is large: engines that can skip computing a
   * partial check {@link partialsEnabled} before doing the work. Default true.
   */
  setPartialsEnabled(enabled: boolean): void {
    this.partialsOn = enabled;
  }

  /** Whether partial hypotheses are currently computed and emitted (see {@link setPartialsEnabled}). */
  get partialsEnabled(): boolean {
    return this.partialsOn;
  }

  /** Whether `close()` has run. */
  protected get isClosed(): boolean {
    return this.closed;
  }

  /** Decode one chunk already registered with the clock; emit partials/finals as they come. */
  protected abstract decodeChunk(samples: Float32Array): void;

  /** End the current utterance in the engine and emit its final (if any words). */
  protected abstract finishUtterance(): void;

  /** Free native resources. Called once. */
  protected abstract release(): void;

  /**
   * Emit a partial (with `on-change`, unless its text equals the previous partial of this
   * utterance; never while partials are disabled).
   */
  protected emitPartial(words: CaptionWord[]): void {
    if (!this.partialsOn) return;
    const text = words.map((w) => w.word).join(' ');
    if (text === '' || (text === this.lastPartialText && this.partials === 'on-change')) return;
    this.lastPartialText = text;
    const h: AsrHypothesis = { kind: 'partial', segmentId: this.segmentId, text, words, engine: this.engine };
    this.emit('hypothesis', h);
  }

  /**
   * Emit a final for the current utterance (nothing when `words` is empty) and start the next
   * utterance.
   */
  protected emitFinal(words: CaptionWord[]): void {
    this.lastPartialText = '';
    this.utteranceStartMediaSec = null;
    if (words.length === 0) return;
    const h: AsrHypothesis = {
      kind: 'final',
      segmentId: this.segmentId,
      text: words.map((w) => w.word).join(' '),
      words,
      engine: this.engine,
    };
    this.segmentId += 1;
    this.emit('hypothesis', h);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`${this.engine} stream is closed`);
  }
}
