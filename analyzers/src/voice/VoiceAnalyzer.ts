import { ANALYSIS_SAMPLE_RATE_HZ } from '@lectern/contract';
import { levelDbfs } from './level.ts';
import { PauseTracker } from './PauseTracker.ts';
import type { FinishedPause } from './PauseTrackerTypes.ts';
import { PitchTracker } from './PitchTracker.ts';
import { PitchVariability } from './PitchVariability.ts';
import type { SileroVad } from './SileroVad.ts';
import type { SileroVadStream } from './SileroVadStream.ts';
import { SILERO_CHUNK_SAMPLES, SILERO_SAMPLE_RATE_HZ } from './SileroVadTypes.ts';
import type { VoiceAnalysis, VoiceAnalyzerOptions } from './VoiceAnalyzerTypes.ts';

/**
 * Voice features of one stream, one window at a time — the same class live (RTP) and offline
 * (files). Composes: level (RMS dBFS) → Silero VAD (per-stream state on the shared session;
 * window probability = max of its 32 ms chunks) → PauseTracker (hysteresis, pauses, speaking
 * ratio) → PitchTracker (YIN, only on windows that contain speech) → PitchVariability.
 *
 * Windows must be fed in media-time order and consecutively (the VAD is recurrent and carries
 * partial chunks across windows), and calls must not overlap: await each `analyze`.
 */
export class VoiceAnalyzer {
  private readonly sampleRate: number;
  private readonly vad: SileroVadStream;
  private readonly pauses: PauseTracker;
  private readonly pitch: PitchTracker;
  private readonly variability: PitchVariability;
  private lastProb = 0;

  /**
   * @param model the process-wide Silero VAD (see SileroVad.shared()).
   * @param options see {@link VoiceAnalyzerOptions}.
   * @throws RangeError when `sampleRate` is not 16000.
   */
  constructor(model: SileroVad, options: VoiceAnalyzerOptions = {}) {
    this.sampleRate = options.sampleRate ?? ANALYSIS_SAMPLE_RATE_HZ;
    if (this.sampleRate !== SILERO_SAMPLE_RATE_HZ) {
      throw new RangeError(`VoiceAnalyzer runs at ${SILERO_SAMPLE_RATE_HZ} Hz, got ${this.sampleRate}`);
    }
    this.vad = model.createStream();
    this.pauses = new PauseTracker(options.pause);
    this.pitch = new PitchTracker({ ...options.pitch, sampleRate: this.sampleRate });
    this.variability = new PitchVariability({ spanSec: options.pitchVariabilitySpanSec ?? 10 });
  }

  /**
   * Analyses one window.
   * @param samples mono float samples in [-1, 1] at 16 kHz (normally 1600 = 100 ms); read
   *   during the call only (the caller may reuse the buffer once the promise settles).
   * @param mediaTimeSec start of the window in media seconds (≥ 0).
   * @returns the window's voice metrics and finished pauses.
   * @throws RangeError for an empty window; Error if inference fails or calls overlap.
   */
  async analyze(samples: Float32Array, mediaTimeSec: number): Promise<VoiceAnalysis> {
    if (samples.length === 0) throw new RangeError('empty window');
    const level = levelDbfs(samples);
    const chunks = await this.vad.process(samples);

    const finished: FinishedPause[] = [];
    let speechInWindow = this.pauses.isSpeech;
    let vadProb = chunks.length === 0 ? this.lastProb : 0;
    for (const chunk of chunks) {
      const endSec = mediaTimeSec + chunk.endOffset / this.sampleRate;
      const startSec = endSec - SILERO_CHUNK_SAMPLES / this.sampleRate;
      const pause = this.pauses.update(chunk.prob, startSec, endSec);
      if (pause !== null) finished.push(pause);
      if (this.pauses.isSpeech) speechInWindow = true;
      if (chunk.prob > vadProb) vadProb = chunk.prob;
      this.lastProb = chunk.prob;
    }

    const f0Hz = speechInWindow ? this.pitch.estimate(samples) : null;
    const windowEndSec = mediaTimeSec + samples.length / this.sampleRate;
    return {
      mediaTimeSec,
      levelDbfs: level,
      f0Hz,
      vadProb: Math.min(1, Math.max(0, vadProb)),
      isSpeech: this.pauses.isSpeech,
      pauseSec: this.pauses.currentPauseSec(windowEndSec),
      speakingRatio: this.pauses.speakingRatio(windowEndSec),
      pitchVariabilitySt: this.variability.push(mediaTimeSec, f0Hz),
      pauses: finished,
    };
  }
}
