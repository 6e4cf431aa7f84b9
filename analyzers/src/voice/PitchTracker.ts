import pitchfinder from 'pitchfinder';
import { ANALYSIS_SAMPLE_RATE_HZ } from '@lectern/contract';
import { rms, rmsToDbfs } from './level.ts';

/** Options of a {@link PitchTracker}. */
export interface PitchTrackerOptions {
  /** Sample rate of the input in Hz; default 16000 (ANALYSIS_SAMPLE_RATE_HZ). */
  sampleRate?: number;
  /**
   * Lowest accepted F0 in Hz; default 60. The effective floor is also bounded by the analysed
   * sub-frame: pitchfinder's YIN searches lags up to half its 512-sample frame, i.e. 62.5 Hz at
   * 16 kHz — below adult male speaking F0 (~85–180 Hz), above vocal fry.
   */
  minF0Hz?: number;
  /** Highest accepted F0 in Hz; default 400 (covers adult and most child speaking voices). */
  maxF0Hz?: number;
  /**
   * YIN absolute threshold on the cumulative mean normalised difference (de Cheveigné &
   * Kawahara 2002, step 4: the tolerated share of aperiodic power); default 0.15. Measured on
   * the LibriVox fixture: 0.1 / 0.15 / 0.2 label 58 / 67 / 73 % of speech windows voiced with
   * the same F0 distribution (p5/p50/p95 ≈ 76/97/127 Hz).
   */
  threshold?: number;
  /** Sub-frames quieter than this (dBFS) are not analysed; default −60. */
  minLevelDbfs?: number;
  /**
   * Sub-frames analysed per window, spread evenly over it; default 3 (for 1600 samples: starts
   * 0, 543, 1087 — the whole window, almost without overlap). YIN is the costliest voice
   * feature (≈0.6 ms of CPU per sub-frame in pitchfinder), so more sub-frames cost linearly.
   */
  subFrames?: number;
}

/** Samples YIN analyses per sub-frame: 512 = 32 ms at 16 kHz, two periods of a 62.5 Hz voice. */
const SUBFRAME_SAMPLES = 512;
/**
 * pitchfinder's YIN analyses the largest power of two strictly below its input length, so it is
 * handed 513 samples to analyse exactly SUBFRAME_SAMPLES (difference function over 256 samples,
 * lags 2–256).
 */
const SUBFRAME_INPUT = SUBFRAME_SAMPLES + 1;
/** RMS each sub-frame is scaled to before YIN (see the class comment). */
const NORMALISED_RMS = 1;

/**
 * Fundamental-frequency (F0) estimate of one analysis window with the YIN algorithm
 * (A. de Cheveigné & H. Kawahara, "YIN, a fundamental frequency estimator for speech and music",
 * JASA 111(4), 2002), as implemented by `pitchfinder` (port of aubio's YIN, with parabolic
 * interpolation of the dip, step 5).
 *
 * The window is sampled with `subFrames` 32 ms sub-frames; each sub-frame that is loud enough
 * yields a YIN estimate or none (unvoiced); estimates outside [minF0Hz, maxF0Hz] are discarded
 * (octave errors, fricatives). The window's F0 is the median of the voiced sub-frames. Call it
 * only on windows the VAD marks as speech: that is both cheaper (YIN is the costliest voice
 * feature) and avoids spurious F0 on periodic background noise.
 *
 * Level normalisation: pitchfinder (2.3.4) overwrites d(1) with 1 before the cumulative mean
 * normalisation, so d'(2) = 2·d(2) / (1 + d(2)) instead of 2·d(2) / (d(1) + d(2)). For quiet
 * input (speech at −25 dBFS has d(2) ≪ 1) d'(2) falls below the threshold and it reports
 * τ = 2, i.e. 6–8 kHz — about half of all voiced sub-frames of the LibriVox fixture. Scaling
 * every sub-frame to RMS 1 first (YIN itself is scale-invariant) makes d(2) ≫ 1 for voiced
 * speech and the estimate independent of level.
 */
export class PitchTracker {
  private readonly detect: (frame: Float32Array) => number | null;
  private readonly minF0Hz: number;
  private readonly maxF0Hz: number;
  private readonly minLevelDbfs: number;
  private readonly subFrames: number;
  private readonly voiced: number[] = [];
  private readonly scratch = new Float32Array(SUBFRAME_INPUT);

  /**
   * @param options see {@link PitchTrackerOptions}.
   * @throws RangeError when the F0 range is empty or not positive, or subFrames < 1.
   */
  constructor(options: PitchTrackerOptions = {}) {
    const sampleRate = options.sampleRate ?? ANALYSIS_SAMPLE_RATE_HZ;
    this.minF0Hz = options.minF0Hz ?? 60;
    this.maxF0Hz = options.maxF0Hz ?? 400;
    this.minLevelDbfs = options.minLevelDbfs ?? -60;
    this.subFrames = options.subFrames ?? 3;
    if (!Number.isInteger(this.subFrames) || this.subFrames < 1) {
      throw new RangeError(`subFrames must be an integer ≥ 1, got ${this.subFrames}`);
    }
    if (!(this.minF0Hz > 0 && this.maxF0Hz > this.minF0Hz)) {
      throw new RangeError(`bad F0 range ${this.minF0Hz}–${this.maxF0Hz} Hz`);
    }
    this.detect = pitchfinder.YIN({
      sampleRate,
      threshold: options.threshold ?? 0.15,
    });
  }

  /**
   * Estimates F0 over a window.
   * @param samples mono float samples at the configured rate; at least 513 samples (shorter
   *   input returns null).
   * @returns median F0 in Hz of the voiced sub-frames, within [minF0Hz, maxF0Hz], or null when
   *   no sub-frame is voiced.
   */
  estimate(samples: Float32Array): number | null {
    this.voiced.length = 0;
    if (samples.length < SUBFRAME_INPUT) return null;
    const span = samples.length - SUBFRAME_INPUT;
    const count = Math.min(this.subFrames, span + 1);
    for (let k = 0; k < count; k++) {
      const start = count === 1 ? 0 : Math.floor((k * span) / (count - 1));
      const sub = samples.subarray(start, start + SUBFRAME_INPUT);
      const subRms = rms(sub);
      if (rmsToDbfs(subRms) < this.minLevelDbfs) continue;
      const gain = NORMALISED_RMS / subRms;
      for (let i = 0; i < SUBFRAME_INPUT; i++) this.scratch[i] = sub[i]! * gain;
      const f0 = this.detect(this.scratch);
      if (f0 !== null && f0 >= this.minF0Hz && f0 <= this.maxF0Hz) this.voiced.push(f0);
    }
    if (this.voiced.length === 0) return null;
    this.voiced.sort((a, b) => a - b);
    const mid = this.voiced.length >> 1;
    return this.voiced.length % 2 === 1
      ? this.voiced[mid]!
      : (this.voiced[mid - 1]! + this.voiced[mid]!) / 2;
  }
}
