import { RateLimiterMemory } from 'rate-limiter-flexible';

/**
 * Failed joins per client IP: Socket.IO handshakes refused for a bad access token and `room:join`s
 * refused for a bad, foreign or revoked grant. After `maxFailures` within `windowMs` (a fixed window
 * from the first failure, rate-limiter-flexible in memory), every handshake and join from that IP is
 * refused until the window ends — also good ones: an IP that guesses grants gets no more tries,
 * and rooms already joined are not affected. Per node (a second node counts on its own).
 */
export class JoinFailureThrottle {
  readonly #failures: RateLimiterMemory;

  /**
   * @param maxFailures failures per IP per window (`LECTERN_FAILED_JOINS_PER_IP`, default 20).
   * @param windowMs the window, ms (whole seconds; default 60 000).
   */
  constructor(readonly maxFailures: number, readonly windowMs: number) {
    if (!(maxFailures >= 1) || !(windowMs >= 1000)) throw new RangeError('maxFailures must be ≥ 1 and windowMs ≥ 1000');
    this.#failures = new RateLimiterMemory({ keyPrefix: 'join-fail', points: maxFailures, duration: Math.ceil(windowMs / 1000) });
  }

  /** @returns 0 when `ip` may try, else ms until its window ends (≥ 1). */
  async retryAfterMs(ip: string): Promise<number> {
    const r = await this.#failures.get(ip);
    return r && r.consumedPoints >= this.maxFailures ? Math.max(1, Math.ceil(r.msBeforeNext)) : 0;
  }

  /** Counts one failure for `ip`. */
  async recordFailure(ip: string): Promise<void> {
    await this.#failures.penalty(ip);
  }
}
