/** One detected filled pause (hesitation such as "uh", "um", "er"). */
export interface FilledPause {
  /** Media time (s) the sustained vowel starts. */
  startSec: number;
  /** Media time (s) it ends (including a nasal coda for `um`). */
  endSec: number;
  /** `um` when a nasal murmur follows the vowel, else `uh`. */
  label: 'uh' | 'um';
  /** Median F0 over the vowel (Hz). */
  f0Hz: number;
  /** F0 slope over the vowel (semitones per second; negative = falling). */
  f0SlopeStPerSec: number;
  /** Standard deviation of F0 around its linear trend (semitones). */
  f0JitterSt: number;
  /** Mean cepstral distance between consecutive frames (spectral envelope deformation, dB-like units). */
  spectralFlux: number;
  /** How far inside the thresholds the evidence lies, 0–1 (1 = very flat and stable). */
  confidence: number;
}

/**
 * Thresholds of the {@link FilledPauseDetector}. Defaults were set from the literature (filled
 * pauses last roughly 200–800 ms with nearly level, slightly falling F0: Shriberg 1994/2001;
 * Goto et al. 1999) and then adjusted on the development half of `npm run bench:fillers`
 * (utterances 0870–0890); the bench reports the held-out half separately.
 */
export interface FilledPauseOptions {
  /** Minimum duration of the sustained vowel (s); default 0.2. */
  minDurationSec?: number;
  /** Maximum duration (s); longer stable voicing (humming, singing) is ignored; default 1.5. */
  maxDurationSec?: number;
  /** Minimum normalised autocorrelation peak for a voiced frame, 0–1; default 0.6. */
  minVoicing?: number;
  /** Frames quieter than this (dBFS) are not speech; default −50. */
  minLevelDbfs?: number;
  /** Largest F0 range within the 50 ms window around a frame for it to count as stable (semitones); default 0.6. */
  maxF0RangeSt?: number;
  /** Largest |F0 slope| over a run (semitones per second); default 6. */
  maxF0SlopeStPerSec?: number;
  /** Largest F0 standard deviation around the run's trend (semitones); default 0.6. */
  maxF0JitterSt?: number;
  /** Largest mean cepstral step (c1–c12, natural-log mel energies) over the 50 ms window around a frame for it to count as stable; default 1.8. */
  maxFrameFlux?: number;
  /** Largest mean of those window fluxes over a whole run; default 1.5. */
  maxMeanFlux?: number;
  /** Largest mean cepstral distance of the run's frames to their centroid (one vowel quality, allowing slow drift); default 3.5. */
  maxSpread?: number;
}
