import { EventEmitter } from 'node:events';
import type { CaptionWord } from '@lectern/contract';
import type { AsrEngineName, AsrHypothesis, AsrStream, AsrStreamEventMap, AsrStreamOptions } from './AsrEngine.ts';
import { MediaClock } from './MediaClock.ts';
import { StableWordCommitter } from './StableWordCommitter.ts';

/** Default {@link AsrStreamOptions.maxUtteranceSec}. */
export const DEFAULT_MAX_UTTERANCE_SEC = 30;
/** A media-time gap at least this long ends the utterance in `engine` segmentation (s). */
export const GAP_ENDS_UTTERANCE_SEC = 0.5;

/**
 * Shared plumbing of the in-thread streams (PocketSphinx, sherpa-onnx): option defaults, the
 * {@link MediaClock}, segment numbering, de-duplicated partials, committed words
 * ({@link StableWordCommitter}) and the closed state.
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
  /** Commits caption words (`options.commit`, default `final-only`). */
  private readonly committer: StableWordCommitter;
  /** Media time (s) of the end of the audio pushed so far. */
  private pushedEndSec = 0;
  private segmentId = 0;
  private lastPartialText = '';
  private lastCommittedWords = 0;
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
    this.committer = new StableWordCommitter(options.commit ?? { policy: 'final-only' });
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
    this.pushedEndSec = startSec + samples.length / 16_000;
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

  /**
   * Whether words are committed from partials (`stable` policy): engines then hand every decoder
   * pass's words to {@link emitPartial}, even when the text did not change, so stability is counted
   * per pass.
   */
  protected get commitsFromPartials(): boolean {
    return this.committer.policy === 'stable';
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
   * Offer one decoder pass's words: they go through the committer, and a partial is emitted
   * (with `on-change`) when the shown text or the number of committed words changed; never
   * while partials are disabled.
   */
  protected emitPartial(words: CaptionWord[]): void {
    if (!this.partialsOn) return;
    const c = this.committer.partial(words, this.pushedEndSec);
    const text = c.words.map((w) => w.word).join(' ');
    if (text === '') return;
    if (text === this.lastPartialText && c.committedWords === this.lastCommittedWords && this.partials === 'on-change') return;
    this.lastPartialText = text;
    this.lastCommittedWords = c.committedWords;
    const h: AsrHypothesis = { kind: 'partial', segmentId: this.segmentId, text, words: c.words, committedWords: c.committedWords, engine: this.engine };
    this.emit('hypothesis', h);
  }

  /**
   * Emit a final for the current utterance (nothing when there are no words: neither the
   * engine's nor committed ones) and start the next utterance. The final keeps the words already
   * committed and appends the engine's words after them.
   */
  protected emitFinal(words: CaptionWord[]): void {
    this.lastPartialText = '';
    this.lastCommittedWords = 0;
    this.utteranceStartMediaSec = null;
    const c = this.committer.final(words);
    if (c.words.length === 0) return;
    const h: AsrHypothesis = {
      kind: 'final',
      segmentId: this.segmentId,
      text: c.words.map((w) => w.word).join(' '),
      words: c.words,
      committedWords: c.committedWords,
      engine: this.engine,
    };
    this.segmentId += 1;
    this.emit('hypothesis', h);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`${this.engine} stream is closed`);
  }
}
