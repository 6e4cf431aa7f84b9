/**
 * k6 load script: Lectern's HTTP API (typed with @types/k6; k6 ≥ 0.57 runs .ts directly).
 *
 *   docker compose --profile load run --rm k6-http          # inside the compose network
 *   LECTERN_URLS=http://127.0.0.1:8080 LECTERN_EMAIL=… LECTERN_PASSWORD=… k6 run test/load/http.ts
 *
 * Two scenarios, both spread round-robin over the nodes of `LECTERN_URLS`:
 * - `health`: `GET /health` at a constant arrival rate (`HEALTH_RPS`, default 20/s) — what a load
 *   balancer's probes and the Prometheus-scraped node must absorb;
 * - `session`: `VUS` (default 10) users that each sign in once (`POST /v1/auth/sign-in`, argon2id:
 *   deliberately ~50–100 ms of CPU), then loop `GET /v1/me` (Bearer) and `GET /v1/setup`, and every
 *   `REFRESH_EVERY` iterations (default 10) rotate the refresh cookie (`POST /v1/auth/refresh`,
 *   the cookie lives in the VU's own jar) and switch to the new access token. A 401 from
 *   `/v1/me` makes the VU sign in again.
 *
 * Account: `LECTERN_EMAIL` / `LECTERN_PASSWORD` of any member, e.g. made with
 *   npm run user -- add --email load@example.org --role admin --password-stdin <<< 'a-long-password'
 * (in compose: `docker compose exec lectern-a npm run user -- add …`). Every VU
 * signs in with it: sign-in is rate-limited per client IP (`LECTERN_AUTH_RATE_LIMIT`, default 20
 * a minute) and k6 is one IP, so keep `VUS` ≤ 20 per node or raise the limit on the nodes for the run.
 *
 * Environment: LECTERN_URLS (comma-separated base URLs; default http://127.0.0.1:8080),
 * LECTERN_EMAIL, LECTERN_PASSWORD, VUS, HEALTH_RPS, DURATION (default 60s), REFRESH_EVERY.
 */
import { check, fail, sleep } from 'k6';
import http, { type RefinedResponse, type ResponseType } from 'k6/http';
import { Counter, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import { API, type AuthSession, nodeFor, nodeUrls, positive, REFRESH_COOKIE } from './lib/lectern.ts';

const NODES = nodeUrls(__ENV.LECTERN_URLS || __ENV.LECTERN_URL || 'http://127.0.0.1:8080');
const DURATION = __ENV.DURATION || '60s';
const REFRESH_EVERY = positive(__ENV.REFRESH_EVERY, 10);
const JSON_HEADERS = { 'content-type': 'application/json' };

/** Time from `POST /v1/auth/refresh` to a usable new access token, ms. */
const refreshMs = new Trend('lectern_refresh_ms', true);
/** Refreshes that did not answer a new session (the VU then signs in again). */
const refreshFailures = new Counter('lectern_refresh_failures');

export const options: Options = {
  scenarios: {
    health: {
      executor: 'constant-arrival-rate',
      exec: 'health',
      rate: positive(__ENV.HEALTH_RPS, 20),
      timeUnit: '1s',
      duration: DURATION,
      preAllocatedVUs: 5,
      maxVUs: 20,
    },
    session: { executor: 'constant-vus', exec: 'session', vus: positive(__ENV.VUS, 10), duration: DURATION, gracefulStop: '10s' },
  },
  // The API's share of the SLO: interactive requests well under a frame budget of the UI, sign-in
  // bounded by its deliberate password-hash cost, and (almost) nothing failing.
  thresholds: {
    http_req_failed: ['rate<0.01'],
    checks: ['rate>0.99'],
    'http_req_duration{name:health}': ['p(95)<100', 'p(99)<250'],
    'http_req_duration{name:me}': ['p(95)<150'],
    'http_req_duration{name:setup}': ['p(95)<150'],
    'http_req_duration{name:sign-in}': ['p(95)<1000'],
    'http_req_duration{name:refresh}': ['p(95)<300'],
    lectern_refresh_failures: ['count<1'],
  },
};

/** `setup()`: fails fast with a clear message when the account is missing or wrong. */
export function setup(): void {
  if (!__ENV.LECTERN_EMAIL || !__ENV.LECTERN_PASSWORD)
    fail('set LECTERN_EMAIL and LECTERN_PASSWORD to an account (npm run user -- add --email … --role admin --password-stdin)');
  for (const base of NODES) {
    const res = http.get(`${base}${API.health}`, { tags: { name: 'health' } });
    if (res.status !== 200) fail(`${base}${API.health} answered ${res.status}: is the node up?`);
  }
}

/** Scenario `health`. */
export function health(): void {
  const res = http.get(`${nodeFor(NODES, __VU + __ITER)}${API.health}`, { tags: { name: 'health' } });
  check(res, {
    'health 200': (r) => r.status === 200,
    'health reports a status': (r) => typeof (r.json() as { status?: unknown } | null)?.status === 'string',
  });
}

/** Per-VU state of scenario `session` (module scope is per VU in k6). */
let signedIn: { base: string; accessToken: string } | undefined;
let iterations = 0;

function sessionOf(res: RefinedResponse<ResponseType | undefined>): AuthSession | undefined {
  if (res.status !== 200) return undefined;
  const body = res.json() as unknown as AuthSession | null;
  return body && typeof body.accessToken === 'string' ? body : undefined;
}

function signIn(base: string): void {
  const res = http.post(`${base}${API.signIn}`, JSON.stringify({ email: __ENV.LECTERN_EMAIL, password: __ENV.LECTERN_PASSWORD }), {
    headers: JSON_HEADERS,
    tags: { name: 'sign-in' },
  });
  const session = sessionOf(res);
  check(res, {
    'sign-in 200': (r) => r.status === 200,
    'sign-in sets the refresh cookie': (r) => (r.cookies[REFRESH_COOKIE]?.[0]?.value ?? '') !== '',
  });
  if (!session) {
    if (res.status === 429) console.warn(`sign-in rate-limited at ${base}: fewer VUS, or raise LECTERN_AUTH_RATE_LIMIT on the nodes`);
    else console.warn(`sign-in at ${base} answered ${res.status}: ${String(res.body).slice(0, 200)}`);
    sleep(5);
    return;
  }
  signedIn = { base, accessToken: session.accessToken };
}

function refresh(): void {
  const s = signedIn!;
  // The jar sends the VU's lectern_refresh cookie (path /v1/auth) and stores the rotated one.
  const res = http.post(`${s.base}${API.refresh}`, null, { tags: { name: 'refresh' } });
  const session = sessionOf(res);
  check(res, {
    'refresh 200': (r) => r.status === 200,
    'refresh rotates the cookie': (r) => (r.cookies[REFRESH_COOKIE]?.[0]?.value ?? '') !== '',
  });
  if (!session) {
    refreshFailures.add(1);
    signedIn = undefined;
    return;
  }
  refreshMs.add(res.timings.duration);
  signedIn = { base: s.base, accessToken: session.accessToken };
}

/** Scenario `session`. */
export function session(): void {
  if (!signedIn) {
    signIn(nodeFor(NODES, __VU));
    if (!signedIn) return;
  }
  const { base, accessToken } = signedIn;
  const auth = { authorization: `Bearer ${accessToken}` };
  const me = http.get(`${base}${API.me}`, { headers: auth, tags: { name: 'me' } });
  check(me, {
    'me 200': (r) => r.status === 200,
    'me names the organization': (r) => typeof (r.json('org.id') as unknown) === 'string',
  });
  if (me.status === 401) signedIn = undefined; // access token expired or revoked: sign in again
  check(http.get(`${base}${API.setup}`, { tags: { name: 'setup' } }), { 'setup 200': (r) => r.status === 200 });
  if (signedIn && ++iterations % REFRESH_EVERY === 0) refresh();
  sleep(1);
}
