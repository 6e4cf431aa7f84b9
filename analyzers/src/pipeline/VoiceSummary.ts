import type { FinishedPause } from '../voice/PauseTrackerTypes.ts';
import { semitoneSd } from '../voice/PitchVariability.ts';
import { percentile } from '../util/percentile.ts';
import { mean, sortedCopy } from '../voice/statistics.ts';
import type { OfflineVoiceAnalysisResult } from './OfflineVoiceAnalysisTypes.ts';

/** Whole-recording voice summary (units in the names). */
export interface VoiceSummary {
  /** Decoded duration, seconds. */
  durationSec: number;
  /** Finished pauses (≥ MIN_PAUSE_SEC between speech), media seconds. */
  pauses: FinishedPause[];
  /** Level over speech windows (isSpeech): mean of the per-window dBFS values and percentiles;
   * all null when there is no speech. */
  levelDbfs: { mean: number | null; p10: number | null; p50: number | null; p90: number | null; windows: number };
  /** F0 over voiced windows (f0Hz ≠ null); null when nothing is voiced. */
  f0Hz: { median: number | null; p10: number | null; p90: number | null; windows: number };
  /** Speech time / duration, 0–1 (the VAD state machine's speech time at the end). */
  speakingRatio: number;
  /** SD of F0 in semitones around the median over all voiced windows of the recording (not the
   * live 10 s span); null when less than 1 s is voiced. */
  pitchVariabilitySt: number | null;
}

/** Minimum voiced windows for a whole-recording pitch variability: 10 × 100 ms = 1 s. */
const MIN_VOICED_WINDOWS = 10;

/**
 * Summarises an offline analysis.
 * @param result frames and pauses from OfflineVoiceAnalysis.
 */
export function summarizeVoice(result: OfflineVoiceAnalysisResult): VoiceSummary {
  const speech = result.frames.filter((f) => f.isSpeech);
  const levels = sortedCopy(speech.map((f) => f.levelDbfs));
  const f0s = sortedCopy(result.frames.flatMap((f) => (f.f0Hz === null ? [] : [f.f0Hz])));
  const last = result.frames.at(-1);
  return {
    durationSec: result.durationSec,
    pauses: result.pauses,
    levelDbfs: {
      mean: mean(levels),
      p10: percentile(levels, 10),
      p50: percentile(levels, 50),
      p90: percentile(levels, 90),
      windows: levels.length,
    },
    f0Hz: {
      median: percentile(f0s, 50),
      p10: percentile(f0s, 10),
      p90: percentile(f0s, 90),
      windows: f0s.length,
    },
    speakingRatio: last?.speakingRatio ?? 0,
    pitchVariabilitySt: f0s.length >= MIN_VOICED_WINDOWS ? semitoneSd(Float64Array.from(f0s)) : null,
  };
}
