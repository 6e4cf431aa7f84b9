import type { AuthSession, SetupRequest, SignInRequest, SignUpRequest, UserInfo } from '@lectern/contract';
import { ApiError, errorFromResponse, type TokenSource } from '#lib/api/client.ts';
import { LecternError } from '#lib/errors.ts';

/**
 * - `unknown`: `init()` has not answered yet (the page does not know whether anyone is signed in).
 * - `signed-in`: a member's session (`role` owner/admin/coach/presenter) or a guest's (`role` guest).
 * - `signed-out`: no session (`error` says why when the server could not be reached).
 */
export type AuthStatus = 'unknown' | 'signed-in' | 'signed-out';

/** Share of an access token's lifetime after which it is refreshed (the server's TTL is ≤ 15 min). */
export const REFRESH_AT_FRACTION = 0.8;
/** Never refresh sooner than this after getting a token (a TTL of a few seconds still works). */
export const MIN_REFRESH_DELAY_MS = 1_000;
/** After a failed refresh that may be temporary (server unreachable), try again this soon. */
export const REFRESH_RETRY_MS = 5_000;
const AUTH_TIMEOUT_MS = 15_000;

export interface AuthCoreOptions {
  /** Origin or path prefix of the API ('' = the page's origin). */
  base?: string;
  fetch?: typeof fetch;
  /** Clock (epoch ms). */
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  /**
   * Runs a refresh exclusively across this browser's tabs (default: the Web Locks API when there is
   * one). The server rotates the refresh cookie on every use and treats a spent one presented again
   * as theft (it ends the sign-in everywhere), so two tabs must not refresh with the same cookie at
   * once: the second waits and then sends the cookie the first one got.
   */
  exclusive?: <T>(fn: () => Promise<T>) => Promise<T>;
}

/** Name of the Web Lock that serialises refreshes across tabs. */
export const REFRESH_LOCK = 'lectern-auth-refresh';

function webLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? (navigator as Navigator & { locks?: LockManager }).locks : undefined;
  return locks ? (locks.request(REFRESH_LOCK, fn) as Promise<T>) : fn();
}

type ChangeListener = (session: AuthSession | null, status: AuthStatus) => void;
type TokenListener = (token: string) => void;

/**
 * Lifetime (ms) of a JWT from its own `iat`/`exp` claims, so the refresh schedule does not depend
 * on the browser's clock agreeing with the server's; null when the token carries no such claims.
 */
export function tokenLifetimeMs(token: string): number | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    const claims = JSON.parse(json) as { iat?: unknown; exp?: unknown };
    if (typeof claims.iat === 'number' && typeof claims.exp === 'number' && claims.exp > claims.iat) return (claims.exp - claims.iat) * 1000;
  } catch {
    // Not a JWT we can read: fall back to the session's expiresAt.
  }
  return null;
}

/**
 * The signed-in state of the app, without Svelte (the store `auth.svelte.ts` mirrors it into
 * `$state`): the {@link AuthSession} lives in memory only (the refresh token is an httpOnly cookie
 * the page never sees), `init()` restores it through `POST /v1/auth/refresh`, and the access token
 * is refreshed at {@link REFRESH_AT_FRACTION} of its lifetime. Refreshes are single-flight: every
 * caller during one gets the same promise (the API client on a 401, the timer, the socket).
 */
export class AuthCore implements TokenSource {
  #session: AuthSession | null = null;
  #status: AuthStatus = 'unknown';
  #error: LecternError | null = null;
  #refreshing: Promise<string | null> | null = null;
  #initializing: Promise<AuthSession | null> | null = null;
  #timer: unknown = null;
  /** When the current session arrived (our clock) and when it should be refreshed. */
  #refreshDueAt = 0;
  #changes = new Set<ChangeListener>();
  #tokens = new Set<TokenListener>();
  readonly #base: string;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  readonly #setTimer: (fn: () => void, ms: number) => unknown;
  readonly #clearTimer: (handle: unknown) => void;
  readonly #exclusive: <T>(fn: () => Promise<T>) => Promise<T>;

  constructor(opts: AuthCoreOptions = {}) {
    this.#base = opts.base ?? '';
    this.#fetch = opts.fetch ?? ((...args) => fetch(...args));
    this.#now = opts.now ?? Date.now;
    this.#setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.#clearTimer = opts.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
    this.#exclusive = opts.exclusive ?? webLock;
  }

  get session(): AuthSession | null {
    return this.#session;
  }
  get status(): AuthStatus {
    return this.#status;
  }
  /** Why the last `init()`/refresh failed for a reason other than "not signed in" (e.g. UNREACHABLE). */
  get error(): LecternError | null {
    return this.#error;
  }
  get accessToken(): string | null {
    return this.#session?.accessToken ?? null;
  }
  /** When the next scheduled refresh is due (epoch ms on our clock), 0 when none is scheduled. */
  get refreshDueAt(): number {
    return this.#refreshDueAt;
  }

  /** Called with the session and status after every change; returns the unsubscribe function. */
  onChange(listener: ChangeListener): () => void {
    this.#changes.add(listener);
    return () => this.#changes.delete(listener);
  }

  /** Called with each new access token (sign-in, refresh, guest session); returns the unsubscribe function. */
  onToken(listener: TokenListener): () => void {
    this.#tokens.add(listener);
    return () => this.#tokens.delete(listener);
  }

  /**
   * Restores the session from the refresh cookie (once; later calls get the same answer).
   * Never throws: resolves null when nobody is signed in or the server is unreachable (`error`).
   */
  init(): Promise<AuthSession | null> {
    this.#initializing ??= this.refresh().then(() => this.#session);
    return this.#initializing;
  }

  /**
   * `POST /v1/auth/refresh` (the cookie): a new access token. Single-flight. Resolves the new token,
   * or null when the server says the user is not signed in (401: the session is cleared). When the
   * server cannot be reached the current session is kept (and retried soon) and null is returned.
   */
  refresh(): Promise<string | null> {
    this.#refreshing ??= this.#doRefresh().finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  async #doRefresh(): Promise<string | null> {
    try {
      const session = await this.#exclusive(() => this.#post<AuthSession>('/v1/auth/refresh', undefined));
      this.#error = null;
      this.#set(session);
      return session.accessToken;
    } catch (err) {
      const e = LecternError.from(err);
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
        this.#error = null;
        const current = this.#session;
        // A guest's session (from an invitation) may have no refresh cookie: it stays until it expires.
        if (current?.role === 'guest' && Date.parse(current.accessTokenExpiresAt) > this.#now()) {
          this.#cancelTimer();
          return null;
        }
        this.#set(null);
        return null;
      }
      this.#error = e;
      if (this.#session) this.#schedule(REFRESH_RETRY_MS);
      else this.#setStatus('signed-out');
      return null;
    }
  }

  /** `POST /v1/auth/sign-in`. @throws ApiError (401 wrong e-mail or password; 429 with `retryAfterSec`). */
  async signIn(req: SignInRequest): Promise<AuthSession> {
    return this.#adoptFrom(this.#post<AuthSession>('/v1/auth/sign-in', req));
  }

  /** `POST /v1/auth/sign-up` (with an organization invitation's token, or open sign-up). */
  async signUp(req: SignUpRequest): Promise<AuthSession> {
    return this.#adoptFrom(this.#post<AuthSession>('/v1/auth/sign-up', req));
  }

  /** `POST /v1/setup`: the first organization and its owner, with the one-time set-up token. */
  async setup(req: SetupRequest): Promise<AuthSession> {
    return this.#adoptFrom(this.#post<AuthSession>('/v1/setup', req));
  }

  /** `POST /v1/auth/sign-out` (revokes this browser's refresh token); the local session ends even if it fails. */
  async signOut(): Promise<void> {
    try {
      await this.#post('/v1/auth/sign-out', undefined);
    } catch {
      // Signed out locally regardless; the refresh cookie expires on its own.
    }
    this.#set(null);
  }

  /** `POST /v1/auth/sign-out-everywhere` (Bearer): every refresh token of the user, every socket. */
  async signOutEverywhere(): Promise<void> {
    const token = this.accessToken;
    if (!token) throw new LecternError('UNAUTHENTICATED', 'Not signed in.');
    await this.#post('/v1/auth/sign-out-everywhere', undefined, token);
    this.#set(null);
  }

  /** Takes a session obtained elsewhere (a guest's from `POST /v1/join/:token`). */
  adopt(session: AuthSession): void {
    this.#error = null;
    this.#set(session);
  }

  /** Replaces the signed-in user's info (e.g. after `POST /v1/me/consent`). */
  updateUser(user: UserInfo): void {
    const s = this.#session;
    if (!s || !s.user || s.user.id !== user.id) return;
    this.#session = { ...s, user };
    this.#emitChange();
  }

  /** Ends the session locally (account deleted, signed out elsewhere); nothing is sent. */
  forget(): void {
    this.#set(null);
  }

  /**
   * Refreshes now when the token is due or past due (a background tab's timers are throttled:
   * call this when the page becomes visible again).
   */
  refreshIfDue(): void {
    if (this.#session && this.#refreshDueAt && this.#now() >= this.#refreshDueAt) void this.refresh();
  }

  async #adoptFrom(p: Promise<AuthSession>): Promise<AuthSession> {
    const session = await p;
    this.#error = null;
    this.#set(session);
    return session;
  }

  #set(session: AuthSession | null): void {
    const previousToken = this.#session?.accessToken ?? null;
    this.#session = session;
    this.#cancelTimer();
    if (session) {
      const lifetime = tokenLifetimeMs(session.accessToken) ?? Date.parse(session.accessTokenExpiresAt) - this.#now();
      this.#schedule(Math.max(MIN_REFRESH_DELAY_MS, REFRESH_AT_FRACTION * (Number.isFinite(lifetime) ? lifetime : 0)));
    }
    this.#status = session ? 'signed-in' : 'signed-out';
    this.#emitChange();
    if (session && session.accessToken !== previousToken) {
      for (const l of [...this.#tokens]) {
        try {
          l(session.accessToken);
        } catch (err) {
          console.error('[lectern] token listener threw', err);
        }
      }
    }
  }

  #setStatus(status: AuthStatus): void {
    if (this.#status === status) return;
    this.#status = status;
    this.#emitChange();
  }

  #emitChange(): void {
    for (const l of [...this.#changes]) {
      try {
        l(this.#session, this.#status);
      } catch (err) {
        console.error('[lectern] auth listener threw', err);
      }
    }
  }

  #schedule(ms: number): void {
    this.#cancelTimer();
    this.#refreshDueAt = this.#now() + ms;
    this.#timer = this.#setTimer(() => {
      this.#timer = null;
      void this.refresh();
    }, ms);
  }

  #cancelTimer(): void {
    if (this.#timer !== null) this.#clearTimer(this.#timer);
    this.#timer = null;
    this.#refreshDueAt = 0;
  }

  async #post<T>(path: string, body: unknown, bearer?: string): Promise<T> {
    const what = `POST ${path}`;
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    let res: Response;
    try {
      res = await this.#fetch(`${this.#base}${path}`, {
        method: 'POST',
        headers,
        body: body !== undefined ? JSON.stringify(body) : undefined,
        credentials: 'same-origin',
        signal: AbortSignal.timeout(AUTH_TIMEOUT_MS),
      });
    } catch (err) {
      throw new ApiError('UNREACHABLE', `Can't reach the Lectern server (${what}): ${(err as Error)?.message ?? err}`, 0);
    }
    if (!res.ok) throw await errorFromResponse(res, what);
    if (res.status === 204) return undefined as T;
    try {
      return (await res.json()) as T;
    } catch {
      throw new ApiError('BAD_RESPONSE', `${what} answered ${res.status} without valid JSON.`, res.status);
    }
  }
}
