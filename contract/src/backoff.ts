/**
 * Capped exponential backoff without jitter — the one helper for "wait longer after each
 * consecutive failure, start over after a success" (decoder, child-process and mediasoup-worker
 * restarts, database write and upload retries). It lives in the contract, the one package every
 * other one depends on, so the SFU can use it too; pure code with no imports (analyzers re-export
 * it from analyzers/src/util/backoff.ts). No npm dependency in the tree provides this (checked: no
 * `retry`, `p-retry`, `exponential-backoff` in node_modules; pg-boss and the AWS SDK keep theirs
 * internal), and the repository may not add dependencies, so it is this small class.
 *
 * The n-th consecutive failure (n = 1, 2, …) waits min(maxMs, initialMs · factorⁿ⁻¹) ms.
 * Example: `{ initialMs: 250, maxMs: 10_000 }` → 250, 500, 1000, …, 8000, 10 000, 10 000, ….
 */
export class ExponentialBackoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #factor: number;
  #failures = 0;

  /**
   * @param options.initialMs first delay, ms (> 0).
   * @param options.maxMs cap, ms (≥ initialMs).
   * @param options.factor growth per failure (≥ 1, default 2).
   * @throws RangeError for values outside those ranges.
   */
  constructor(options: { initialMs: number; maxMs: number; factor?: number }) {
    const { initialMs, maxMs, factor = 2 } = options;
    if (!(initialMs > 0) || !(maxMs >= initialMs) || !(factor >= 1)) throw new RangeError(`backoff: need 0 < initialMs ≤ maxMs and factor ≥ 1, got ${initialMs}, ${maxMs}, ${factor}`);
    this.#initialMs = initialMs;
    this.#maxMs = maxMs;
    this.#factor = factor;
  }

  /** Consecutive failures since construction or the last {@link reset}. */
  get failures(): number {
    return this.#failures;
  }

  /** Delay the next failure would get, without recording it (ms). */
  peek(): number {
    return Math.min(this.#maxMs, this.#initialMs * this.#factor ** this.#failures);
  }

  /** Records a failure and returns how long to wait before the next attempt (ms). */
  next(): number {
    const delay = this.peek();
    this.#failures++;
    return delay;
  }

  /** Records a success: the next failure waits `initialMs` again. */
  reset(): void {
    this.#failures = 0;
  }
}
