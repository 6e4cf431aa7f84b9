import { describe, expect, it } from 'vitest';
import type { AuthSession } from '@lectern/contract';
import { ApiClient, ApiError } from '#lib/api/client.ts';
import { AuthCore, REFRESH_RETRY_MS, tokenLifetimeMs } from './authCore.ts';

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
/** A JWT-shaped token (unsigned: the client only reads iat/exp). */
const jwt = (iat: number, ttlSec: number, n = 0) => `${b64url({ alg: 'HS256' })}.${b64url({ sub: 'u1', iat, exp: iat + ttlSec, n })}.sig${n}`;

function session(token: string, expiresAtMs: number, role: AuthSession['role'] = 'owner'): AuthSession {
  return {
    accessToken: token,
    accessTokenExpiresAt: new Date(expiresAtMs).toISOString(),
    user: role === 'guest' ? null : { id: 'u1', email: 'a@example.org', displayName: 'Ada', createdAt: '2026-01-01T00:00:00Z', recordingConsentAt: null },
    org: { id: 'o1', name: 'Org', retentionDays: null, createdAt: '2026-01-01T00:00:00Z' },
    role,
    ...(role === 'guest' ? { guest: { displayName: 'Guest', roomId: 'r1' } } : {}),
  };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers },
  });

/** A fake clock and timer queue, and a fetch answering from a list of handlers. */
function harness(answer: (url: string, init: RequestInit) => Response | Promise<Response>) {
  let now = 1_800_000_000_000;
  const timers: { at: number; fn: () => void; id: number }[] = [];
  let nextId = 1;
  const calls: { url: string; init: RequestInit }[] = [];
  const fetchFn = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return answer(url, init);
  }) as unknown as typeof fetch;
  const core = new AuthCore({
    fetch: fetchFn,
    now: () => now,
    setTimer: (fn, ms) => {
      const id = nextId++;
      timers.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimer: (h) => {
      const i = timers.findIndex((t) => t.id === h);
      if (i >= 0) timers.splice(i, 1);
    },
  });
  return {
    core,
    calls,
    timers,
    get now() {
      return now;
    },
    /** Moves the clock to the next timer and runs it. */
    async fireNext() {
      timers.sort((a, b) => a.at - b.at);
      const t = timers.shift();
      if (!t) throw new Error('no timer');
      now = t.at;
      t.fn();
      await new Promise((r) => setTimeout(r, 0));
    },
    advance(ms: number) {
      now += ms;
    },
  };
}

describe('tokenLifetimeMs', () => {
  it('reads iat/exp of a JWT; null for anything else', () => {
    expect(tokenLifetimeMs(jwt(1000, 900))).toBe(900_000);
    expect(tokenLifetimeMs('not-a-jwt')).toBeNull();
    expect(tokenLifetimeMs('a.b.c')).toBeNull();
  });
});

describe('AuthCore', () => {
  it('init() restores the session through the refresh cookie and schedules a refresh at 80 % of the token lifetime', async () => {
    let n = 0;
    const h = harness((url) => {
      expect(url).toBe('/v1/auth/refresh');
      n++;
      return json(200, session(jwt(1_800_000_000, 10, n), 1_800_000_010_000));
    });
    const tokens: string[] = [];
    h.core.onToken((t) => tokens.push(t));
    const s = await h.core.init();
    expect(s?.role).toBe('owner');
    expect(h.core.status).toBe('signed-in');
    expect(h.calls[0]!.init.credentials).toBe('same-origin');
    expect(h.calls[0]!.init.method).toBe('POST');
    // 10 s token → refresh after 8 s.
    expect(h.timers).toHaveLength(1);
    expect(h.timers[0]!.at - h.now).toBe(8_000);
    await h.fireNext();
    expect(n).toBe(2);
    expect(tokens).toHaveLength(2);
    expect(tokens[1]).not.toBe(tokens[0]);
    expect(h.core.accessToken).toBe(tokens[1]);
    // init() again answers the first result without another request.
    await h.core.init();
    expect(n).toBe(2);
  });

  it('refreshes single-flight: concurrent callers share one request', async () => {
    let release: (r: Response) => void = () => {};
    const h = harness(() => new Promise<Response>((r) => (release = r)));
    const a = h.core.refresh();
    const b = h.core.refresh();
    expect(a).toBe(b);
    await new Promise((r) => setTimeout(r, 0));
    release(json(200, session(jwt(1_800_000_000, 900), 1_800_000_900_000)));
    expect(await a).toBe(await b);
    expect(h.calls).toHaveLength(1);
  });

  it('a 401 from refresh means signed out (no error); unreachable keeps the session and retries', async () => {
    let mode: 'ok' | '401' | 'down' = '401';
    const h = harness(() => {
      if (mode === 'down') throw new TypeError('fetch failed');
      if (mode === '401') return json(401, { status: 401, title: 'Unauthorized', code: 'UNAUTHENTICATED', detail: 'not signed in' });
      return json(200, session(jwt(1_800_000_000, 900), 1_800_000_900_000));
    });
    const changes: string[] = [];
    h.core.onChange((_s, st) => changes.push(st));
    expect(await h.core.init()).toBeNull();
    expect(h.core.status).toBe('signed-out');
    expect(h.core.error).toBeNull();
    mode = 'ok';
    await h.core.refresh();
    expect(h.core.status).toBe('signed-in');
    mode = 'down';
    await h.fireNext(); // the scheduled refresh fails: session kept, retry soon
    expect(h.core.status).toBe('signed-in');
    expect(h.core.error?.code).toBe('UNREACHABLE');
    expect(h.timers[0]!.at - h.now).toBe(REFRESH_RETRY_MS);
    mode = '401';
    await h.fireNext();
    expect(h.core.status).toBe('signed-out');
    expect(h.core.session).toBeNull();
    expect(h.timers).toHaveLength(0);
    expect(changes).toEqual(['signed-out', 'signed-in', 'signed-out']);
  });

  it('runs each refresh inside the cross-tab lock', async () => {
    const order: string[] = [];
    const core = new AuthCore({
      fetch: (async () => {
        order.push('fetch');
        return json(200, session(jwt(1_800_000_000, 900), 1_800_000_900_000));
      }) as unknown as typeof fetch,
      setTimer: () => 0,
      clearTimer: () => {},
      exclusive: async (fn) => {
        order.push('lock');
        const r = await fn();
        order.push('unlock');
        return r;
      },
    });
    await core.refresh();
    expect(order).toEqual(['lock', 'fetch', 'unlock']);
  });

  it('init() without a server: signed out with UNREACHABLE', async () => {
    const h = harness(() => {
      throw new TypeError('fetch failed');
    });
    expect(await h.core.init()).toBeNull();
    expect(h.core.status).toBe('signed-out');
    expect(h.core.error?.code).toBe('UNREACHABLE');
  });

  it('sign-in answers the session; 429 carries Retry-After; sign-out clears it even when the server fails', async () => {
    let mode: 'ok' | '429' | 'down' = '429';
    const h = harness((url, init) => {
      if (mode === 'down') throw new TypeError('fetch failed');
      if (url === '/v1/auth/sign-in' && mode === '429')
        return json(429, { status: 429, title: 'Too Many Requests', detail: 'too many attempts' }, { 'retry-after': '30' });
      expect(JSON.parse(String(init.body))).toEqual({ email: 'a@example.org', password: 'pw-1234567890' });
      return json(200, session(jwt(1_800_000_000, 900), 1_800_000_900_000));
    });
    const err = await h.core.signIn({ email: 'a@example.org', password: 'pw-1234567890' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('RATE_LIMITED');
    expect((err as ApiError).retryAfterSec).toBe(30);
    expect(h.core.session).toBeNull();
    mode = 'ok';
    await h.core.signIn({ email: 'a@example.org', password: 'pw-1234567890' });
    expect(h.core.status).toBe('signed-in');
    mode = 'down';
    await h.core.signOut();
    expect(h.core.status).toBe('signed-out');
    expect(h.timers).toHaveLength(0);
  });

  it('sign-out-everywhere sends the Bearer token', async () => {
    const h = harness((url, init) => {
      if (url === '/v1/auth/sign-out-everywhere') {
        expect((init.headers as Record<string, string>).authorization).toMatch(/^Bearer /);
        return json(204, null);
      }
      return json(200, session(jwt(1_800_000_000, 900), 1_800_000_900_000));
    });
    await h.core.init();
    await h.core.signOutEverywhere();
    expect(h.core.session).toBeNull();
  });

  it('keeps an adopted guest session when refresh says 401 (no refresh cookie), until it expires', async () => {
    const h = harness(() => json(401, { status: 401, detail: 'no cookie' }));
    h.core.adopt(session(jwt(1_800_000_000, 900), 1_800_000_900_000, 'guest'));
    expect(await h.core.refresh()).toBeNull();
    expect(h.core.status).toBe('signed-in');
    expect(h.core.session?.role).toBe('guest');
    h.advance(901_000);
    await h.core.refresh();
    expect(h.core.status).toBe('signed-out');
  });
});

describe('ApiClient with a TokenSource', () => {
  it('sends the Bearer token, refreshes once on a 401 and retries; a second 401 is UNAUTHENTICATED', async () => {
    const seen: (string | undefined)[] = [];
    let valid = 'new-token';
    const fetchFn = (async (_url: string, init: RequestInit) => {
      const auth = (init.headers as Record<string, string>).authorization;
      seen.push(auth);
      return auth === `Bearer ${valid}` ? json(200, { items: [], nextCursor: null }) : json(401, { status: 401, code: 'UNAUTHENTICATED', detail: 'token expired' });
    }) as unknown as typeof fetch;
    let refreshes = 0;
    const tokens = {
      accessToken: 'old-token' as string | null,
      async refresh() {
        refreshes++;
        this.accessToken = 'new-token';
        return this.accessToken;
      },
    };
    const client = new ApiClient('', fetchFn, tokens);
    await client.listSessions();
    expect(seen).toEqual(['Bearer old-token', 'Bearer new-token']);
    expect(refreshes).toBe(1);
    valid = 'something-else';
    const err = await client.listSessions().catch((e: unknown) => e);
    expect((err as ApiError).code).toBe('UNAUTHENTICATED');
    expect((err as ApiError).status).toBe(401);
    expect(refreshes).toBe(2);
  });

  it('sends no Authorization header for anonymous calls and JSON bodies with a content type', async () => {
    const inits: RequestInit[] = [];
    const fetchFn = (async (_url: string, init: RequestInit) => {
      inits.push(init);
      return json(200, { ok: true });
    }) as unknown as typeof fetch;
    const client = new ApiClient('', fetchFn, { accessToken: 't', refresh: async () => 't' });
    await client.request('GET', '/v1/join/abc', { anonymous: true });
    await client.request('POST', '/v1/x', { body: { a: 1 } });
    expect((inits[0]!.headers as Record<string, string>).authorization).toBeUndefined();
    expect((inits[1]!.headers as Record<string, string>)['content-type']).toBe('application/json');
    expect(inits[1]!.body).toBe('{"a":1}');
  });
});
