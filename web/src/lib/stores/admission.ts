import type { AnalyzerStatus, AsrStatus } from '@lectern/contract';
import { LecternError } from '#lib/errors.ts';

/**
 * Multi-node admission on the client (issue #12), as plain logic the session and socket stores
 * drive:
 * - `WRONG_NODE` on `room:join`: reconnect the socket to the `redirectUrl` the server gave and join
 *   there (at most {@link MAX_REDIRECT_HOPS} hops per join, so a stale registry cannot loop us).
 * - `CAPACITY` on `room:join`: wait `retryAfterSec` (clamped) and try again, at most
 *   {@link MAX_CAPACITY_RETRIES} times, then stop with a message.
 * - A redirected node that goes away: after {@link NODE_LOST_ATTEMPTS} failed reconnection
 *   attempts or {@link NODE_LOST_MS}, go back to the page's own origin and rejoin there.
 * - Shedding (`analyzer:status.shed`, `asr:status.partialsShed`): the notices the pages show.
 */

/** Redirects followed for one join before giving up. */
export const MAX_REDIRECT_HOPS = 3;
/** Automatic retries after `CAPACITY` before giving up (the user can still press Try again). */
export const MAX_CAPACITY_RETRIES = 5;
/** Wait when the server sends `CAPACITY` without (or with a nonsensical) `retryAfterSec`. */
export const DEFAULT_RETRY_AFTER_SEC = 10;
/** Longest automatic wait honoured; a larger `retryAfterSec` is shortened to this. */
export const MAX_RETRY_AFTER_SEC = 120;
/** Failed reconnection attempts to a redirected node before going back to the page's origin. */
export const NODE_LOST_ATTEMPTS = 3;
/** Time after losing a redirected node before going back to the page's origin. */
export const NODE_LOST_MS = 5_000;
/** How long to wait for the socket to a redirect target to connect. */
export const REDIRECT_CONNECT_MS = 8_000;

/** Where a Socket.IO client connects: an origin (no path: a path would be a namespace) and the Socket.IO path. */
export interface SocketTarget {
  url: string;
  path: string;
}

/**
 * The Socket.IO target for a node's base URL (`http://10.0.0.7:8080`, or one behind a path prefix
 * such as `https://lectern.example/node-b`, whose Socket.IO path is then `/node-b/socket.io`).
 * @returns null unless `base` is an absolute http(s) or ws(s) URL without credentials
 */
export function socketTarget(base: string): SocketTarget | null {
  let u: URL;
  try {
    u = new URL(base);
  } catch {
    return null;
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol) || u.username || u.password) return null;
  const scheme = u.protocol === 'ws:' ? 'http:' : u.protocol === 'wss:' ? 'https:' : u.protocol;
  const prefix = u.pathname.replace(/\/+$/, '');
  return { url: `${scheme}//${u.host}`, path: `${prefix}/socket.io` };
}

/** Same node? (compares the Socket.IO targets, so `http://a:80/` equals `http://a`). */
export function sameTarget(a: SocketTarget, b: SocketTarget): boolean {
  return a.url === b.url && a.path === b.path;
}

/** What a session does with a failed `room:join`. */
export type AdmissionStep =
  /** Reconnect to `target` and join there (hop `hop` of {@link MAX_REDIRECT_HOPS}). */
  | { kind: 'redirect'; target: SocketTarget; hop: number }
  /** Wait `afterSec`, then join again (retry `attempt` of `maxAttempts`). */
  | { kind: 'retry'; afterSec: number; attempt: number; maxAttempts: number; error: LecternError }
  /** Give up with `error` (shown to the user). */
  | { kind: 'fail'; error: LecternError }
  /** Not an admission error: handle it as before. */
  | { kind: 'other' };

export interface AdmissionLimits {
  maxHops: number;
  maxCapacityRetries: number;
  defaultRetryAfterSec: number;
  maxRetryAfterSec: number;
}

/**
 * The redirect and capacity-retry budget of one session: `next(err, current)` for every failed join,
 * `joined()` after a successful one. Hops count per join (a capacity retry starts over from the
 * page's origin, so it resets them); capacity retries count until a join succeeds or `reset()`.
 */
export class JoinAdmission {
  #hops = 0;
  #capacityRetries = 0;
  readonly limits: AdmissionLimits;

  constructor(limits: Partial<AdmissionLimits> = {}) {
    this.limits = {
      maxHops: MAX_REDIRECT_HOPS,
      maxCapacityRetries: MAX_CAPACITY_RETRIES,
      defaultRetryAfterSec: DEFAULT_RETRY_AFTER_SEC,
      maxRetryAfterSec: MAX_RETRY_AFTER_SEC,
      ...limits,
    };
  }

  /** Redirects followed in the current join. */
  get hops(): number {
    return this.#hops;
  }

  /** Automatic capacity retries since the last successful join. */
  get capacityRetries(): number {
    return this.#capacityRetries;
  }

  /**
   * Decides what to do with a failed `room:join`.
   * @param current where the socket is connected now (to recognise a redirect to itself)
   */
  next(err: unknown, current: SocketTarget): AdmissionStep {
    if (!(err instanceof LecternError)) return { kind: 'other' };
    if (err.code === 'WRONG_NODE') return this.#redirect(err, current);
    if (err.code === 'CAPACITY') return this.#capacity(err);
    return { kind: 'other' };
  }

  /** The redirect target did not answer: going back to the page's origin counts as a hop too. */
  unreachable(target: SocketTarget): AdmissionStep {
    if (this.#hops >= this.limits.maxHops) {
      return {
        kind: 'fail',
        error: new LecternError('UNREACHABLE', `Couldn't reach the server hosting this room (${target.url}). Try again in a moment.`),
      };
    }
    this.#hops += 1;
    return { kind: 'redirect', target, hop: this.#hops };
  }

  /** A join succeeded: the budgets start over. */
  joined(): void {
    this.#hops = 0;
    this.#capacityRetries = 0;
  }

  /** The user started (or retried) the session by hand: the budgets start over. */
  reset(): void {
    this.joined();
  }

  /** A new join attempt (after a reconnect, a capacity wait, a room reset): hops start over. */
  newJoin(): void {
    this.#hops = 0;
  }

  #redirect(err: LecternError, current: SocketTarget): AdmissionStep {
    const target = err.redirectUrl ? socketTarget(err.redirectUrl) : null;
    if (!target) {
      return {
        kind: 'fail',
        error: new LecternError('WRONG_NODE', `The server said this room is on another server but gave no usable address (${err.redirectUrl ?? 'none'}).`, err.details),
      };
    }
    if (sameTarget(target, current)) {
      return {
        kind: 'fail',
        error: new LecternError('WRONG_NODE', `The server at ${current.url} sent this page back to itself; the Lectern servers disagree about where this room lives. Try again in a moment.`, err.details),
      };
    }
    if (this.#hops >= this.limits.maxHops) {
      return {
        kind: 'fail',
        error: new LecternError('WRONG_NODE', `The Lectern servers kept sending this page elsewhere (${this.#hops} redirects); they disagree about where this room lives. Try again in a moment.`, err.details),
      };
    }
    this.#hops += 1;
    return { kind: 'redirect', target, hop: this.#hops };
  }

  #capacity(err: LecternError): AdmissionStep {
    if (this.#capacityRetries >= this.limits.maxCapacityRetries) {
      return {
        kind: 'fail',
        error: new LecternError(
          'CAPACITY',
          `All Lectern servers are still busy after ${this.#capacityRetries} automatic ${this.#capacityRetries === 1 ? 'retry' : 'retries'}. Rooms that are already running are not affected; try again in a few minutes.`,
          err.details,
          { retryAfterSec: this.retryAfter(err) },
        ),
      };
    }
    this.#capacityRetries += 1;
    this.#hops = 0;
    return { kind: 'retry', afterSec: this.retryAfter(err), attempt: this.#capacityRetries, maxAttempts: this.limits.maxCapacityRetries, error: err };
  }

  /** `retryAfterSec`, whole seconds within 1…{@link MAX_RETRY_AFTER_SEC} (the default when missing). */
  retryAfter(err: LecternError): number {
    const s = err.retryAfterSec;
    if (typeof s !== 'number' || !Number.isFinite(s) || s <= 0) return this.limits.defaultRetryAfterSec;
    return Math.min(this.limits.maxRetryAfterSec, Math.max(1, Math.ceil(s)));
  }
}

/** A capacity wait the page shows (countdown from `retryAt`). */
export interface CapacityWait {
  /** `Date.now()` time of the next automatic attempt. */
  retryAt: number;
  attempt: number;
  maxAttempts: number;
  /** The server's message (for the details line). */
  serverMessage: string;
}

/** Whole seconds left until `retryAt` (never negative). */
export function secondsLeft(retryAt: number, now: number): number {
  return Math.max(0, Math.ceil((retryAt - now) / 1000));
}

/** The banner title while waiting for capacity, e.g. "All Lectern servers are busy right now — retrying in 20 s". */
export function capacityTitle(wait: CapacityWait, now: number): string {
  const s = secondsLeft(wait.retryAt, now);
  return `All Lectern servers are busy right now — ${s > 0 ? `retrying in ${s} s` : 'retrying…'}`;
}

/**
 * Counts the reconnection failures after an established connection to a redirected node (not the
 * page's origin) dropped; `lost()` says when to give the node up and go back to the origin.
 */
export class NodeFailover {
  #droppedAt: number | null = null;
  #failures = 0;

  constructor(readonly limits: { attempts: number; ms: number } = { attempts: NODE_LOST_ATTEMPTS, ms: NODE_LOST_MS }) {}

  /** Whether a drop is being counted. */
  get watching(): boolean {
    return this.#droppedAt !== null;
  }

  /** The connection to the redirected node dropped at `now`. */
  dropped(now: number): void {
    this.#droppedAt = now;
    this.#failures = 0;
  }

  /** A reconnection attempt failed at `now`; true when the node should be given up. */
  attemptFailed(now: number): boolean {
    if (this.#droppedAt === null) return false;
    this.#failures += 1;
    return this.lost(now);
  }

  /** True when enough attempts failed or enough time passed since the drop. */
  lost(now: number): boolean {
    if (this.#droppedAt === null) return false;
    return this.#failures >= this.limits.attempts || now - this.#droppedAt >= this.limits.ms;
  }

  /** Connected again (or gave up): stop counting. */
  clear(): void {
    this.#droppedAt = null;
    this.#failures = 0;
  }
}

/** A small notice about analysis the server currently skips. */
export interface ShedNotice {
  id: 'pose' | 'asr-partials';
  title: string;
  text: string;
}

/**
 * The shedding notices for the session's analyzer status and the ASR status (in the server's
 * shedding order: pose first, then partial captions). Empty when nothing is shed.
 */
export function shedNotices(analyzer: Pick<AnalyzerStatus, 'shed'> | null | undefined, asr: Pick<AsrStatus, 'partialsShed'> | null | undefined): ShedNotice[] {
  const shed = analyzer?.shed ?? [];
  const out: ShedNotice[] = [];
  if (shed.includes('pose')) {
    out.push({
      id: 'pose',
      title: 'Server busy: body-language analysis paused',
      text: 'Posture and gesture cards pause while the server is under heavy load. Voice metrics, captions and the recording continue; this clears by itself.',
    });
  }
  if (asr?.partialsShed || shed.includes('asr-partials')) {
    out.push({
      id: 'asr-partials',
      title: 'Server busy: captions show finished phrases only',
      text: 'The speech recogniser is behind, so words appear when each phrase ends rather than as they are spoken. Nothing is lost; live captions return when the load drops.',
    });
  }
  return out;
}
