import type { VoiceFrame } from '@lectern/contract';
import type { FinishedPause, PauseTrackerOptions } from './PauseTrackerTypes.ts';
import type { PitchTrackerOptions } from './PitchTracker.ts';

/**
 * Result of analysing one window: the VoiceFrame metric fields (units as in the contract:
 * dBFS, Hz, 0–1, seconds, semitones) plus the pauses that finished inside the window.
 * The stream adds roomId, producerId, kind, windowSec, serverTimeMs and concealedPackets.
 */
export type VoiceAnalysis = Pick<
  VoiceFrame,
  'mediaTimeSec' | 'levelDbfs' | 'f0Hz' | 'vadProb' | 'isSpeech' | 'pauseSec' | 'speakingRatio' | 'pitchVariabilitySt'
> & {
  /** Pauses that ended in this window (speech resumed), usually none, at most one per chunk. */
  pauses: FinishedPause[];
};

/** Options of a {@link VoiceAnalyzer}. */
export interface VoiceAnalyzerOptions {
  /** Sample rate of the windows in Hz; must be 16000 (Silero VAD, ANALYSIS_SAMPLE_RATE_HZ). */
  sampleRate?: number;
  pause?: PauseTrackerOptions;
  pitch?: PitchTrackerOptions;
  /** Look-back span of the pitch variability in seconds; default 10. */
  pitchVariabilitySpanSec?: number;
}
