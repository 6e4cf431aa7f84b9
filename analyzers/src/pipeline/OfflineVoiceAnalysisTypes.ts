import type { FinishedPause } from '../voice/PauseTrackerTypes.ts';
import type { VoiceAnalysis } from '../voice/VoiceAnalyzerTypes.ts';

/** One 100 ms window of an offline analysis (the VoiceAnalysis fields without pauses). */
export type TimelineFrame = Omit<VoiceAnalysis, 'pauses'>;

/** Result of analysing a whole file. */
export interface OfflineVoiceAnalysisResult {
  /** Decoded duration in seconds (samples / sample rate). */
  durationSec: number;
  /** One frame per 100 ms window, in order; the last window may be zero-padded. */
  frames: TimelineFrame[];
  /** Finished pauses (silence ≥ MIN_PAUSE_SEC between speech), in order. */
  pauses: FinishedPause[];
}
