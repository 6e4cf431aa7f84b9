/** Options of {@link LoginThrottle}. */
export interface LoginThrottleOptions {
  /** Consecutive failures allowed before the account is locked (default 5). */
  freeFailures?: number;
  /** First lock, ms (default 1000); doubled with each further failure. */
  baseLockMs?: number;
  /** Longest lock, ms (default 60 000); also how long a failure is remembered without a new one. */
  maxLockMs?: number;
  /** Clock, epoch ms. */
  nowMs?: () => number;
}

/**
 * Per-account brute-force protection for sign-in, the OWASP Authentication Cheat Sheet's
 * "account lockout" with exponential back-off: after `freeFailures` consecutive wrong passwords
 * the account is locked for `baseLockMs · 2^(n − freeFailures)`, at most `maxLockMs`; a success
 * clears it. (Per-IP limits are @fastify/rate-limit's, on the route.) In memory, per gateway.
 */
export class LoginThrottle {
  readonly #entries = new Map<string, { failures: number; lockedUntilMs: number; lastMs: number }>();
  readonly #o: Required<LoginThrottleOptions>;

  /** @param opts see {@link LoginThrottleOptions}. */
  constructor(opts: LoginThrottleOptions = {}) {
    this.#o = { freeFailures: 5, baseLockMs: 1000, maxLockMs: 60_000, nowMs: Date.now, ...opts };
  }

  /** @returns ms until `key` may try again (0 = now). */
  retryAfterMs(key: string): number {
    const e = this.#fresh(key);
    return e ? Math.max(0, e.lockedUntilMs - this.#o.nowMs()) : 0;
  }

  /** Records a failed attempt. @returns the lock now in force, ms (0 while under the free count). */
  fail(key: string): number {
    const now = this.#o.nowMs();
    const e = this.#fresh(key) ?? { failures: 0, lockedUntilMs: 0, lastMs: now };
    e.failures += 1;
    e.lastMs = now;
    const over = e.failures - this.#o.freeFailures;
    if (over >= 0) e.lockedUntilMs = now + Math.min(this.#o.maxLockMs, this.#o.baseLockMs * 2 ** over);
    this.#entries.set(key, e);
    if (this.#entries.size > 100_000) this.#entries.delete(this.#entries.keys().next().value!);
    return Math.max(0, e.lockedUntilMs - now);
  }

  /** Clears `key` after a successful sign-in. */
  succeed(key: string): void {
    this.#entries.delete(key);
  }

  #fresh(key: string) {
    const e = this.#entries.get(key);
    if (e && this.#o.nowMs() - Math.max(e.lastMs, e.lockedUntilMs) > this.#o.maxLockMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return e;
  }
}
