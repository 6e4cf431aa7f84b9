/** A finished pause: silence of at least `minPauseSec` between two stretches of speech. */
export interface FinishedPause {
  /** Media time (s) at which speech stopped (start of the first non-speech VAD chunk). */
  startSec: number;
  /** Media time (s) at which speech resumed (start of the chunk that re-entered speech). */
  endSec: number;
  /** endSec − startSec, ≥ minPauseSec. */
  durationSec: number;
}

/** Options of a {@link PauseTracker}; defaults follow Silero's `get_speech_timestamps`. */
export interface PauseTrackerOptions {
  /** Enter speech when the VAD probability is ≥ this; default 0.5. */
  threshold?: number;
  /** Candidate end of speech when the probability drops below this; default threshold − 0.15. */
  negThreshold?: number;
  /** Speech ends only after the probability stayed below `negThreshold`… for this long; default 0.15 s. */
  minSilenceSec?: number;
  /** Shortest silence reported as a pause; default MIN_PAUSE_SEC (0.25 s). */
  minPauseSec?: number;
}
