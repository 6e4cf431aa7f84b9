import type { EventEmitter } from 'node:events';
import type { CaptionWord } from '@lectern/contract';
import type { CaptionCommitOptions } from './StableWordCommitter.ts';

/**
 * The speech-recognition engine interface, shaped like the STT plugins of livekit agents-js: an
 * engine (loaded model, shared) creates one stream per audio producer; a stream takes 16 kHz mono
 * Float32 chunks stamped with their media start time and emits partial and final hypotheses
 * whose words carry media times.
 *
 * Implementations: `pocketsphinx/PocketSphinxEngine.ts` (fallback, no downloads),
 * `sherpa-onnx/SherpaOnnxEngine.ts` (production default when its model is installed and
 * verified), and `AsrWorker.ts`, which runs either inside a `worker_threads` Worker behind the
 * same interface. `selectEngine.ts` chooses one.
 */

/** Names of the engines that exist; `none` (captions off) is not an engine. */
export type AsrEngineName = 'sherpa-onnx' | 'pocketsphinx';

/**
 * One hypothesis for the current utterance of a stream. A `partial` replaces the previous
 * partial of the same `segmentId`; a `final` fixes the utterance, and the next utterance gets
 * `segmentId + 1`. Maps one-to-one onto the contract's `CaptionEvent` (see `toCaptionEvent`).
 */
export interface AsrHypothesis {
  /** `partial` (may still change) or `final` (fixed). */
  kind: 'partial' | 'final';
  /** Utterance number within the stream, starting at 0, +1 after each final. */
  segmentId: number;
  /** Words joined by single spaces, lower case, no punctuation. */
  text: string;
  /**
   * Recognised words in time order. `startSec`/`endSec` are media seconds (the time base of the
   * `startSec` passed to {@link AsrStream.push}); `confidence` is 0–1 or null when the engine
   * has none.
   */
  words: CaptionWord[];
  /**
   * Leading `words` that are committed (0–`words.length`): fixed, never rewritten by a later
   * partial or the final of this segment (see `StableWordCommitter`). A final commits all its
   * words; a partial commits none with the `final-only` policy.
   */
  committedWords: number;
  /** Engine that produced it. */
  engine: AsrEngineName;
}

/**
 * Reported when audio had to be dropped because the recogniser could not keep up (AsrWorker's
 * bounded queue was full). Audio is never dropped without this event.
 */
export interface AsrOverflow {
  /** Seconds of audio dropped by this overflow (the rejected chunk). */
  droppedSec: number;
  /** Seconds of audio dropped on this stream since it was created. */
  totalDroppedSec: number;
  /** Seconds of audio waiting in the queue when the chunk was rejected. */
  queuedSec: number;
  /** Media start time (s) of the dropped chunk. */
  atMediaSec: number;
}

/**
 * Partial shedding state of a stream, reported by {@link AsrStream}s that queue audio (the worker
 * streams) whenever it changes: while `partialsShed`, partial hypotheses are withheld (not even
 * computed where the engine allows) and only finals arrive, so a recogniser that has fallen
 * behind spends its time on catching up. Voice analysis is unaffected (it never waits on ASR).
 */
export interface AsrShedding {
  /** True while partials are withheld. */
  partialsShed: boolean;
  /** Audio queued to the recogniser when the state changed, seconds (≥ 0). */
  backlogSec: number;
  /** Human-readable sentence: what is shed and why, or that full captions resumed. */
  reason: string;
}

/** Options of one recognition stream. */
export interface AsrStreamOptions {
  /**
   * Who ends utterances. `engine` (default): the engine's own speech/silence state
   * (PocketSphinx's in-speech flag, sherpa-onnx's endpoint rules) plus any
   * {@link AsrStream.endUtterance} call. `external`: only `endUtterance()` calls (e.g. at VAD
   * pauses) and `maxUtteranceSec` end utterances.
   */
  segmentation?: 'engine' | 'external';
  /** Force a final after this many seconds in one utterance; default 30 s. */
  maxUtteranceSec?: number;
  /**
   * `on-change` (default): a partial only when the hypothesis text changed. `every-chunk`: after
   * every decoded chunk that has a non-empty hypothesis, even if unchanged (PocketSphinx decodes
   * every pushed chunk in this mode; sherpa-onnx every 320 ms model chunk).
   */
  partials?: 'on-change' | 'every-chunk';
  /**
   * PocketSphinx only: pushed audio is buffered and decoded in batches of at least this many
   * seconds (0–2; default 0.3, or 0 with `partials: 'every-chunk'`; 0 = decode every pushed chunk).
   * Each decoder call after idle time pays a cold-start cost (caches refilled: ≈2 ms of CPU per
   * call on the development VM; a paced zlib job shows the same effect, +15–25 %). Live-paced
   * 100 ms chunks (2× real time, 2026-11-22, CPU-s per audio-s): decoded one by one 0.056–0.064,
   * in 0.2 s batches 0.053–0.057, 0.3 s 0.050–0.052, 0.5 s 0.048–0.050; back to back 0.041–0.047
   * (`npm run bench:asr`: `paced` and `rtf`). 0.3 s keeps captions updating about as often as
   * sherpa-onnx's 320 ms chunks (the live path uses 0.2 s with the `stable` commit policy, for
   * shorter commit delays: `LIVE_DECODE_INTERVAL_SEC`). Partials then come at most once per batch; `endUtterance`,
   * `flush`, `close`, a media gap and `maxUtteranceSec` decode what is buffered first, so finals
   * are the same as without batching.
   */
  decodeIntervalSec?: number;
  /**
   * When words become committed (see `StableWordCommitter`). Default `{ policy: 'final-only' }`:
   * finals are exactly the engine's (offline passes, WER benchmarks). The live path passes
   * `captionCommitFromEnv()` (`stable` unless `LECTERN_CAPTION_COMMIT=final-only`). With
   * `stable`, partials are evaluated after every decoder pass (not only when the text changed),
   * so a word can commit while the speaker pauses inside an utterance.
   */
  commit?: CaptionCommitOptions;
}

/** Events of an {@link AsrStream} (Node `EventEmitter` map). */
export interface AsrStreamEventMap {
  /** A partial or final hypothesis. Emitted synchronously from push/endUtterance for in-thread engines. */
  hypothesis: [AsrHypothesis];
  /** Audio was dropped (worker queue full). */
  overflow: [AsrOverflow];
  /** Partial shedding switched on or off (queued streams only; see {@link AsrShedding}). */
  shedding: [AsrShedding];
  /**
   * The stream failed (native error, worker died). As with any EventEmitter, an `error` event
   * without a listener is thrown: attach one.
   */
  error: [Error];
}

/**
 * One recognition stream (one audio producer). Not thread-safe; feed chunks in media-time order.
 */
export interface AsrStream extends EventEmitter<AsrStreamEventMap> {
  /**
   * Queue audio for recognition.
   * @param samples 16 kHz mono PCM in [-1, 1] (values outside are clipped). Any length ≥ 0; the
   *   array may be reused by the caller after the call returns.
   * @param startSec media time (s) of `samples[0]`. A jump of more than 1 ms from the end of the
   *   previous chunk (e.g. a DTX gap) is honoured in word times; a gap ≥ 0.5 s also ends the
   *   utterance in `engine` segmentation.
   * @throws Error after `close()`.
   */
  push(samples: Float32Array, startSec: number): void;
  /**
   * End the current utterance now (e.g. at a VAD pause): emits a `final` if anything was
   * recognised since the last final. Cheap to call when nothing is pending.
   * @throws Error after `close()`.
   */
  endUtterance(): void;
  /**
   * Resolve once all audio pushed so far has been decoded and the current utterance has been
   * finalised (a `final` is emitted before it resolves if there was anything to emit).
   */
  flush(): Promise<void>;
  /** Flush, then release native resources. Idempotent. Further pushes throw. */
  close(): Promise<void>;
}

/** A loaded recogniser (model in memory) that creates streams. */
export interface AsrEngine {
  /** Which engine this is. */
  readonly name: AsrEngineName;
  /** Human-readable description for status/health, e.g. model name and settings. */
  readonly description: string;
  /**
   * Create a stream for one producer.
   * @throws Error if the engine was closed or the native decoder could not be created.
   */
  createStream(options?: AsrStreamOptions): AsrStream;
  /** Release the engine (streams created from it must be closed first). Idempotent. */
  close(): Promise<void>;
}
