/** Options of a {@link PitchVariability}. */
export interface PitchVariabilityOptions {
  /** Look-back span in seconds; default 10. */
  spanSec?: number;
  /** Minimum voiced time inside the span for a value, in seconds; default 1. */
  minVoicedSec?: number;
  /** Duration each pushed F0 value stands for (the window length), in seconds; default 0.1. */
  windowSec?: number;
}

/**
 * Pitch variability: the standard deviation of F0 in semitones relative to the median,
 * st = 12·log2(f / median f), over the voiced windows of the last `spanSec` seconds. Semitones
 * make the measure independent of the speaker's register (a log-frequency cousin of the pitch
 * variation quotient SD/mean of Hincks 2005, "Measures and perceptions of liveliness in student
 * oral presentation speech", System 33(4)). Uses the population SD.
 *
 * Keeps a fixed ring of the last `spanSec / windowSec` windows (no allocation per push).
 */
export class PitchVariability {
  private readonly spanSec: number;
  private readonly minVoiced: number;
  private readonly times: Float64Array;
  private readonly f0s: Float64Array;
  private readonly scratch: Float64Array;
  private head = 0;
  private count = 0;

  /**
   * @param options see {@link PitchVariabilityOptions}.
   * @throws RangeError for non-positive span or window.
   */
  constructor(options: PitchVariabilityOptions = {}) {
    this.spanSec = options.spanSec ?? 10;
    const windowSec = options.windowSec ?? 0.1;
    if (!(this.spanSec > 0 && windowSec > 0)) throw new RangeError('spanSec and windowSec must be > 0');
    this.minVoiced = Math.ceil((options.minVoicedSec ?? 1) / windowSec - 1e-9);
    const capacity = Math.ceil(this.spanSec / windowSec) + 1;
    this.times = new Float64Array(capacity);
    this.f0s = new Float64Array(capacity);
    this.scratch = new Float64Array(capacity);
  }

  /**
   * Records one window and returns the variability at its time.
   * @param timeSec media time of the window (s), non-decreasing across calls.
   * @param f0Hz the window's F0 in Hz, or null when unvoiced (not stored).
   * @returns SD in semitones (≥ 0) over voiced windows with time > timeSec − spanSec, or null
   *   when they cover less than `minVoicedSec`.
   */
  push(timeSec: number, f0Hz: number | null): number | null {
    if (f0Hz !== null && f0Hz > 0) {
      this.times[this.head] = timeSec;
      this.f0s[this.head] = f0Hz;
      this.head = (this.head + 1) % this.times.length;
      if (this.count < this.times.length) this.count++;
    }
    return this.valueAt(timeSec);
  }

  /**
   * Variability at `timeSec` without recording anything.
   * @returns SD in semitones, or null (see {@link PitchVariability.push}).
   */
  valueAt(timeSec: number): number | null {
    let n = 0;
    for (let i = 0; i < this.count; i++) {
      if (this.times[i]! > timeSec - this.spanSec) this.scratch[n++] = this.f0s[i]!;
    }
    if (n < this.minVoiced || n === 0) return null;
    return semitoneSd(this.scratch.subarray(0, n));
  }
}

/**
 * Population SD of 12·log2(f / median f) over the given F0 values.
 * @param f0Hz positive frequencies in Hz (reordered in place); empty → 0.
 * @returns SD in semitones, ≥ 0.
 */
export function semitoneSd(f0Hz: Float64Array): number {
  const n = f0Hz.length;
  if (n === 0) return 0;
  f0Hz.sort();
  const median = n % 2 === 1 ? f0Hz[n >> 1]! : (f0Hz[(n >> 1) - 1]! + f0Hz[n >> 1]!) / 2;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const st = 12 * Math.log2(f0Hz[i]! / median);
    sum += st;
    sumSq += st * st;
  }
  const mean = sum / n;
  return Math.sqrt(Math.max(0, sumSq / n - mean * mean));
}
