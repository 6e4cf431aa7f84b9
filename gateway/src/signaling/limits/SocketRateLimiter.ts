import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/** Outcome of {@link SocketRateLimiter.take}. */
export type SocketRateVerdict =
  | { ok: true }
  /**
   * Refused. `retryAfterMs`: when the next event may pass (≥ 1); `disconnect`: the socket has been
   * refused `refusalsBeforeDisconnect` times within the refusal window (sustained abuse).
   */
  | { ok: false; retryAfterMs: number; disconnect: boolean };

/** Settings of {@link SocketRateLimiter} (from `LimitsConfig`, gateway/src/config.ts). */
export interface SocketRateOptions {
  /** Events per socket per second (`LECTERN_SOCKET_EVENTS_PER_SEC`). */
  eventsPerSec: number;
  /** Extra events per socket per `burstWindowMs` once the per-second budget is spent (`LECTERN_SOCKET_EVENT_BURST`; 0 = none). */
  burst: number;
  /** Window of the burst allowance, ms (whole seconds). */
  burstWindowMs: number;
  /** Refusals per socket within `refusalWindowMs` after which it is to be disconnected. */
  refusalsBeforeDisconnect: number;
  /** Window of the refusal count, ms (whole seconds). */
  refusalWindowMs: number;
}

/**
 * Per-socket event rate: each Socket.IO event costs one point of a fixed 1 s window of
 * `eventsPerSec` points; when that is spent, points come from a burst allowance of `burst` per
 * `burstWindowMs` (rate-limiter-flexible's `BurstyRateLimiter` over two in-memory limiters). So a
 * socket may send `eventsPerSec` events every second, plus `burst` more per burst window — enough
 * for joining a busy room (one consume and one resume per producer) — and a sustained flood gets
 * at most `eventsPerSec + burst / burstWindowSec` events/s through. Refusals are counted too; more
 * than `refusalsBeforeDisconnect` within `refusalWindowMs` asks for a disconnect.
 *
 * Keys are socket ids, kept in memory only while counting (they expire with their windows;
 * {@link forget} drops them at disconnect). Why a library: rate-limiter-flexible is maintained,
 * dependency-free and already handles window expiry; a token bucket of our own would be the same
 * code with less testing.
 */
export class SocketRateLimiter {
  readonly #events: BurstyRateLimiter;
  readonly #perSecond: RateLimiterMemory;
  readonly #burst: RateLimiterMemory;
  readonly #refusals: RateLimiterMemory;

  /** @throws RangeError for a non-positive rate or window. */
  constructor(readonly options: SocketRateOptions) {
    if (!(options.eventsPerSec >= 1) || !(options.burst >= 0) || !(options.refusalsBeforeDisconnect >= 1)) throw new RangeError('eventsPerSec and refusalsBeforeDisconnect must be ≥ 1, burst ≥ 0');
    this.#perSecond = new RateLimiterMemory({ keyPrefix: 'ev', points: options.eventsPerSec, duration: 1 });
    // A burst of 0 is a limiter that refuses everything beyond the per-second budget.
    this.#burst = new RateLimiterMemory({ keyPrefix: 'burst', points: options.burst, duration: seconds(options.burstWindowMs) });
    this.#events = new BurstyRateLimiter(this.#perSecond, this.#burst);
    this.#refusals = new RateLimiterMemory({ keyPrefix: 'refused', points: options.refusalsBeforeDisconnect, duration: seconds(options.refusalWindowMs) });
  }

  /**
   * Charges one event to `socketId`.
   * @returns `{ ok: true }`, or the refusal with its retry-after and whether to disconnect.
   */
  async take(socketId: string): Promise<SocketRateVerdict> {
    try {
      await this.#events.consume(socketId);
      return { ok: true };
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      const retryAfterMs = Math.max(1, Math.ceil(err.msBeforeNext));
      const disconnect = await this.#refusals.consume(socketId).then(() => false, () => true);
      return { ok: false, retryAfterMs, disconnect };
    }
  }

  /** Drops the counters of a socket that disconnected. */
  forget(socketId: string): void {
    void this.#perSecond.delete(socketId);
    void this.#burst.delete(socketId);
    void this.#refusals.delete(socketId);
  }
}

/** rate-limiter-flexible windows are in seconds. */
function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
