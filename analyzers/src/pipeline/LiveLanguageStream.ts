import type { CaptionEvent, DisfluencyEvent, FluencyFrame } from '@lectern/contract';
import type { AsrEngine, AsrShedding, AsrStream } from '../asr/AsrEngine.ts';
import { type CaptionCommitOptions, liveCaptionStreamOptions } from '../asr/StableWordCommitter.ts';
import { toCaptionEvent } from '../asr/toCaptionEvent.ts';
import { FilledPauseDetector } from '../fluency/FilledPauseDetector.ts';
import { FluencyTracker } from '../fluency/FluencyTracker.ts';

/** Options of a {@link LiveLanguageStream}. */
export interface LiveLanguageStreamOptions {
  roomId: string;
  producerId: string;
  /** Shared ASR engine of the process (an AsrWorker, so decoding runs off the voice thread); null = captions off. */
  asr: AsrEngine | null;
  onCaption: (caption: CaptionEvent) => void;
  onFluency: (frame: FluencyFrame) => void;
  onDisfluency: (event: DisfluencyEvent) => void;
  /** Non-fatal errors (ASR failure, queue overflow); the voice path is unaffected. */
  onError?: (error: Error) => void;
  /** Partial shedding of this stream's recogniser switched on or off (worker engines only). */
  onAsrShedding?: (shedding: AsrShedding) => void;
  /** Silence after which the current utterance is ended (finals emitted), seconds; default 0.3. */
  endUtteranceAfterPauseSec?: number;
  /** Interval of `metrics:fluency` frames in media seconds; default 1. */
  fluencyIntervalSec?: number;
  /** When caption words are committed; default from the environment (`LECTERN_CAPTION_COMMIT`, `stable`: see `liveCaptionStreamOptions`). */
  commit?: CaptionCommitOptions;
}

/**
 * The language stage of one live audio stream, fed by the voice stage's analysed 100 ms windows:
 * streaming ASR (captions; utterances end at VAD pauses ≥ 0.3 s so finals arrive promptly), the
 * acoustic filled-pause detector (engine-independent "um"/"uh"), and the fluency tracker (pace,
 * lexical fillers, repetitions, hedges). Nothing here blocks the voice path: ASR runs in a worker
 * thread with a bounded queue; the detector is a cheap per-window computation.
 */
export class LiveLanguageStream {
  readonly #asrStream: AsrStream | null;
  readonly #tracker: FluencyTracker;
  readonly #filled = new FilledPauseDetector();
  readonly #opts: Required<Omit<LiveLanguageStreamOptions, 'onError' | 'onAsrShedding' | 'asr' | 'commit'>> & Pick<LiveLanguageStreamOptions, 'onError' | 'onAsrShedding'>;
  #lastPauseSec = 0;
  #lastFluencyAt = -Infinity;
  #closed = false;

  constructor(options: LiveLanguageStreamOptions) {
    this.#opts = { endUtteranceAfterPauseSec: 0.3, fluencyIntervalSec: 1, ...options };
    this.#tracker = new FluencyTracker({ roomId: options.roomId, producerId: options.producerId });
    this.#asrStream = options.asr ? options.asr.createStream({ segmentation: 'external', ...liveCaptionStreamOptions(options.commit) }) : null;
    this.#asrStream?.on('hypothesis', (h) => {
      if (this.#closed) return;
      this.#opts.onCaption(toCaptionEvent(h, options.roomId, options.producerId));
      if (h.kind === 'final' && h.words.length > 0)
        for (const e of this.#tracker.addFinal(h.words)) this.#opts.onDisfluency(e);
    });
    this.#asrStream?.on('overflow', (o) =>
      this.#opts.onError?.(new Error(`ASR fell behind: dropped ${o.droppedSec.toFixed(1)} s at ${o.atMediaSec.toFixed(1)} s`)),
    );
    this.#asrStream?.on('error', (e) => this.#opts.onError?.(e));
    this.#asrStream?.on('shedding', (sh) => {
      if (!this.#closed) this.#opts.onAsrShedding?.(sh);
    });
  }

  /**
   * The recogniser's counters for this stream, when its engine queues audio (an AsrWorker or
   * AsrWorkerPool stream): `backlogSec` = audio queued, not yet decoded (s); `decodedSec` = audio
   * decoded so far (s); `decodeSec` = wall time the worker spent decoding it (s). Null with
   * captions off or an in-thread engine.
   */
  asrStats(): { backlogSec: number; decodedSec: number; decodeSec: number } | null {
    const s = this.#asrStream as (AsrStream & { stats?: () => { queuedSec: number; decodedSec: number; decodeSec: number } }) | null;
    if (!s || typeof s.stats !== 'function') return null;
    const st = s.stats();
    return { backlogSec: st.queuedSec, decodedSec: st.decodedSec, decodeSec: st.decodeSec };
  }

  /**
   * Feeds one analysed window.
   * @param samples 16 kHz mono PCM of the window (may be a reused buffer: consumed synchronously).
   * @param mediaTimeSec start of the window.
   * @param pauseSec current pause length from the voice stage (0 while speaking).
   * @param finishedPauses pauses that ended at this window ({startSec, endSec}).
   */
  pushWindow(
    samples: Float32Array,
    mediaTimeSec: number,
    pauseSec: number,
    finishedPauses: readonly { startSec: number; endSec: number }[],
  ): void {
    if (this.#closed) return;
    this.#asrStream?.push(samples, mediaTimeSec);
    for (const fp of this.#filled.push(samples, mediaTimeSec)) {
      const e = this.#tracker.addFilledPause({ startSec: fp.startSec, endSec: fp.endSec, label: fp.label });
      if (e) this.#opts.onDisfluency(e);
    }
    for (const p of finishedPauses) this.#tracker.addPause(p);
    if (this.#lastPauseSec < this.#opts.endUtteranceAfterPauseSec && pauseSec >= this.#opts.endUtteranceAfterPauseSec)
      this.#asrStream?.endUtterance();
    this.#lastPauseSec = pauseSec;
    const end = mediaTimeSec + samples.length / 16_000;
    if (end - this.#lastFluencyAt >= this.#opts.fluencyIntervalSec) {
      this.#lastFluencyAt = end;
      this.#opts.onFluency(this.#tracker.frame(end));
    }
  }

  /** Ends the stream: final hypotheses are emitted before this resolves. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#asrStream?.endUtterance();
    await this.#asrStream?.flush().catch(() => {});
    this.#closed = true;
    await this.#asrStream?.close().catch(() => {});
  }
}
