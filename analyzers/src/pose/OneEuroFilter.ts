/** Parameters of {@link OneEuroFilter}. */
export interface OneEuroOptions {
  /** Minimum cutoff frequency in Hz (jitter removal at rest; lower = smoother, more lag). */
  minCutoffHz: number;
  /** Speed coefficient: cutoff grows by `beta` Hz per unit/s of speed (lag removal in fast motion). */
  beta: number;
  /** Cutoff of the low-pass on the derivative in Hz (1 Hz in the paper). */
  derivativeCutoffHz?: number;
}

/**
 * The 1€ filter (Casiez, Roussel & Vogel, "1€ Filter: A Simple Speed-based Low-pass Filter for
 * Noisy Input in Interactive Systems", CHI 2012, https://gery.casiez.net/1euro/): an exponential
 * low-pass whose cutoff adapts to the signal's speed — heavy smoothing when the value is steady
 * (keypoint jitter), little lag when it moves quickly (a gesture).
 *
 * For a sample x at time t (Δt since the previous one):
 *   α(fc) = 1 / (1 + 1/(2π·fc·Δt))
 *   dx̂ = α(dcutoff)·(x − x̂prev)/Δt + (1 − α(dcutoff))·dx̂prev
 *   fc = minCutoff + beta·|dx̂|
 *   x̂ = α(fc)·x + (1 − α(fc))·x̂prev
 * Handles irregular sampling (Δt from timestamps), which matters with motion-gated frames.
 */
export class OneEuroFilter {
  #x: number | undefined;
  #dx = 0;
  #t = 0;

  constructor(private readonly opts: OneEuroOptions) {}

  /**
   * Filters one sample.
   * @param value the raw value.
   * @param tSec its timestamp in seconds; a timestamp not after the previous one returns the
   *   previous output unchanged (duplicate sample).
   * @returns the filtered value (the first sample passes through).
   */
  filter(value: number, tSec: number): number {
    if (this.#x === undefined) {
      this.#x = value;
      this.#t = tSec;
      return value;
    }
    const dt = tSec - this.#t;
    if (!(dt > 0)) return this.#x;
    this.#t = tSec;
    const ad = alpha(this.opts.derivativeCutoffHz ?? 1, dt);
    this.#dx = ad * ((value - this.#x) / dt) + (1 - ad) * this.#dx;
    const fc = this.opts.minCutoffHz + this.opts.beta * Math.abs(this.#dx);
    this.#x = alpha(fc, dt) * value + (1 - alpha(fc, dt)) * this.#x;
    return this.#x;
  }

  /** Forgets the state; the next sample passes through. */
  reset(): void {
    this.#x = undefined;
    this.#dx = 0;
  }
}

/** Smoothing factor of a first-order low-pass with cutoff `fc` Hz at sampling interval `dt` s. */
function alpha(fc: number, dt: number): number {
  const tau = 1 / (2 * Math.PI * fc);
  return 1 / (1 + tau / dt);
}
