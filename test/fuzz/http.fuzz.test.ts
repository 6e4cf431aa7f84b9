/**
 * Property-based fuzzing of every HTTP route (#13): a real gateway (startLectern, PostgreSQL of the
 * run in a schema of its own, s3rver, a mediasoup worker) driven with `app.inject`. The routes are
 * read from the running app (`printRoutes`), so a route added later is fuzzed without editing this
 * file; `/v1` must be among them.
 *
 * Each case picks a route and a method, fills its path parameters with hostile values (junk,
 * UUIDs, huge, percent-encoded garbage, traversal), adds a random query string, an
 * `Authorization` (none, a valid owner token, garbage, a token-shaped forgery), a content type
 * (JSON, audio/*, form, multipart, text, garbage) and a body (random JSON with pollution keys and
 * deep nesting, random bytes, truncated JSON, huge strings).
 *
 * Properties: never a 5xx; every `/v1` error is Problem+JSON (`application/problem+json`, with the
 * response's `status` and a `title`); no unhandledRejection/uncaughtException; `Object.prototype`
 * unchanged; heap growth after GC < 64 MiB; afterwards the owner still signs in and lists sessions.
 * A case that deletes or signs out the fuzzing owner (DELETE /v1/me with its token, …) makes a new
 * owner, so the rest of the run keeps a valid token.
 *
 * Prints `[fuzz] http seed=… cases=… routes=…` (replay: `FUZZ_SEED=<seed> npx vitest run test/fuzz/http.fuzz.test.ts`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LecternNode, startLectern } from '@lectern/gateway';
import { Database } from '../../gateway/src/db/Database.ts';
import { createTestAccount, type TestAccount } from '../../gateway/src/testing/access.ts';
import { TEST_DATABASE_URL, tempDir, uniqueSchema } from '../../gateway/src/testing/services.ts';
import { binary, FaultRecorder, listRoutes, fuzzRuns, fuzzSeed, heapUsedAfterGc, hostileValue, hugeString, mib, protoPollution, prototypeKeys, wrongType } from './support.ts';

const RUNS = fuzzRuns(10_000);
const work = tempDir('fuzz-http');
let db: Database;
let node: LecternNode;
let owner: TestAccount;
const faults = new FaultRecorder();

beforeAll(async () => {
  db = await Database.connect({ url: TEST_DATABASE_URL, schema: uniqueSchema('fuzz_http') });
  node = await startLectern(
    {
      port: 0, sfuWorkers: 1, analyzerProcesses: 1, poseProcesses: 0, recording: false, logLevel: 'silent', dataDir: path.join(work.dir, 'node'),
      // The per-IP auth limit is lifted so the handlers behind it are fuzzed (its 429s are tested in test/e2e/auth-limits.test.ts).
      auth: { rateLimitMax: 1_000_000 },
    },
    { database: db },
  );
  owner = await createTestAccount(node, { role: 'owner' });
  faults.start();
}, 120_000);

afterAll(async () => {
  faults.stop();
  await node?.close();
  await db?.dropSchema();
  await db?.close();
  work.cleanup();
});

// ── arbitraries ──
const paramValue = fc.oneof(
  { arbitrary: fc.uuid(), weight: 3 },
  { arbitrary: fc.string({ minLength: 1, maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }), weight: 1 },
  { arbitrary: fc.constantFrom('..', '../../etc/passwd', '%00', '%', '%zz', '%2e%2e%2f', '__proto__', 'constructor', 'null', '-1', '0', '1e999', 'a.b.c', 'eyJhbGciOiJIUzI1NiJ9.e30.x', ' '), weight: 2 },
  { arbitrary: fc.integer({ min: 100, max: 3000 }).map((n) => 'A'.repeat(n)), weight: 1 },
);
const QUERY_KEYS = ['limit', 'cursor', 'fromSec', 'toSec', 'rubricVersion', 'target', 'kind', 'token', 'role', '__proto__', 'constructor'];
const queryValue = fc.oneof(fc.string({ maxLength: 30 }), fc.integer().map(String), fc.double().map(String), fc.constantFrom('', '0', '-1', '1e308', 'NaN', 'Infinity', 'true', '[]', '{}', 'x'.repeat(400), 'hello world'));
const query = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_KEYS), fc.string({ maxLength: 12 })), queryValue), { maxLength: 4 });
const CONTENT_TYPES = [
  'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=xyz',
  'audio/wav', 'audio/webm', 'video/webm', 'audio/ogg', 'application/octet-stream', 'application/problem+json', 'image/png', 'garbage', ';;;', 'application/json; charset=bogus',
];
const body = fc.oneof(
  { arbitrary: hostileValue.map((v) => JSON.stringify(v) ?? 'null'), weight: 5 },
  { arbitrary: protoPollution.map((v) => JSON.stringify(v)), weight: 1 },
  { arbitrary: fc.dictionary(fc.constantFrom('email', 'password', 'displayName', 'role', 'name', 'ttlSec', 'title', 'sharedWithCoaches', 'currentPassword', 'newPassword', 'kind', 'roomId', 'token', 'orgName'), fc.oneof(wrongType, fc.string({ maxLength: 60 }), fc.emailAddress())).map((v) => JSON.stringify(v)), weight: 4 },
  { arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)).chain((s) => fc.nat(Math.max(0, s.length - 1)).map((n) => s.slice(0, n))), weight: 1 },
  { arbitrary: binary, weight: 2 },
  { arbitrary: hugeString(300_000), weight: 1 },
  { arbitrary: fc.constant(undefined), weight: 2 },
);
const auth = fc.oneof({ arbitrary: fc.constant('owner'), weight: 4 }, { arbitrary: fc.constantFrom('none', 'garbage', 'forged', 'basic'), weight: 3 });

const PROBLEM = /^application\/problem\+json/;

describe('HTTP routes under property-based fuzzing', () => {
  it(`every route answers ${RUNS} hostile requests with < 500, /v1 errors as Problem+JSON`, async () => {
    const routes = listRoutes(node.http.printRoutes({ commonPrefix: false }));
    const v1 = routes.filter((r) => r.url.startsWith('/v1/'));
    expect(v1.length, node.http.printRoutes({ commonPrefix: false })).toBeGreaterThan(20);
    expect(routes).toContainEqual({ method: 'POST', url: '/v1/drills/read-aloud' });
    expect(routes).toContainEqual({ method: 'GET', url: '/v1/sessions/:id' });
    const protoBefore = prototypeKeys();
    const drillDirsBefore = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('lectern-drill-')).length;
    const heapBeforeBytes = await heapUsedAfterGc();

    const seed = fuzzSeed();
    console.log(`[fuzz] http seed=${seed} cases=${RUNS} routes=${routes.length} (v1: ${v1.length}) (replay: FUZZ_SEED=${seed})`);
    const stats = { byStatus: Object.create(null) as Record<string, number>, byRoute: Object.create(null) as Record<string, number>, ownersRecreated: 0 };
    const fuzzCase = fc.record({
      route: fc.constantFrom(...routes),
      otherMethod: fc.oneof({ arbitrary: fc.constant(null), weight: 7 }, { arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'), weight: 1 }),
      params: fc.array(paramValue, { minLength: 4, maxLength: 4 }),
      query,
      auth,
      contentType: fc.oneof({ arbitrary: fc.constantFrom('application/json', 'audio/wav', 'audio/webm'), weight: 3 }, { arbitrary: fc.constantFrom(...CONTENT_TYPES), weight: 2 }, { arbitrary: fc.constant(null), weight: 1 }),
      body,
      cookie: fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: fc.constantFrom('lectern_refresh=garbage', 'lectern_refresh=', `lectern_refresh=${'x'.repeat(5000)}`, '%%%=;;'), weight: 1 }),
    });
    let n = 0;
    const t0 = performance.now();
    await fc.assert(
      fc.asyncProperty(fuzzCase, async (k) => {
        n++;
        let i = 0;
        const url =
          k.route.url.replace(/:[A-Za-z]+|\*/g, () => {
            const v = k.params[i++ % 4]!;
            // Raw percent sequences (`%zz`, `%00`) as they are: malformed encodings reach the router.
            return v.startsWith('%') ? v : encodeURIComponent(v);
          }) +
          (k.query.length ? `?${new URLSearchParams(k.query).toString()}` : '');
        const method = k.otherMethod ?? k.route.method;
        const headers: Record<string, string> = {};
        if (k.auth === 'owner') headers.authorization = `Bearer ${owner.accessToken}`;
        else if (k.auth === 'garbage') headers.authorization = 'Bearer ' + k.params[1]!.replace(/[^\x21-\x7e]/g, '');
        else if (k.auth === 'forged') headers.authorization = `Bearer ${owner.accessToken.split('.').slice(0, 2).join('.')}.${'A'.repeat(43)}`;
        else if (k.auth === 'basic') headers.authorization = 'Basic Zm9vOmJhcg==';
        if (k.contentType) headers['content-type'] = k.contentType;
        if (k.cookie) headers.cookie = k.cookie;
        const withBody = method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS' && k.body !== undefined;
        const res = await node.http.inject({ method: method as 'GET', url, headers, ...(withBody ? { payload: k.body } : {}) });
        const key = `${method} ${k.route.url}`;
        stats.byRoute[key] = (stats.byRoute[key] ?? 0) + 1;
        stats.byStatus[res.statusCode] = (stats.byStatus[res.statusCode] ?? 0) + 1;
        const what = `${method} ${url.slice(0, 200)} (${k.contentType ?? 'no type'}, ${k.auth}) → ${res.statusCode} ${res.body.slice(0, 300)}`;
        if (res.statusCode >= 500) throw new Error(`5xx: ${what}`);
        if (res.statusCode >= 400 && url.startsWith('/v1/')) {
          if (!PROBLEM.test(String(res.headers['content-type']))) throw new Error(`error without Problem+JSON (${res.headers['content-type']}): ${what}`);
          const p = res.json() as { status?: unknown; title?: unknown };
          if (p.status !== res.statusCode || typeof p.title !== 'string') throw new Error(`malformed problem body: ${what}`);
        }
        if (faults.faults.length > 0) throw new Error(`${faults.faults.join('\n')}\nafter ${what}`);
        // The fuzzing owner was deleted or signed out everywhere: continue with a new one.
        if (k.auth === 'owner' && res.statusCode < 300 && (key === 'DELETE /v1/me' || key === 'POST /v1/auth/sign-out-everywhere' || key === 'POST /v1/auth/password')) {
          owner = await createTestAccount(node, { role: 'owner' });
          stats.ownersRecreated++;
        }
      }),
      { seed, numRuns: RUNS },
    );
    const elapsedSec = (performance.now() - t0) / 1000;
    const heapAfterBytes = await heapUsedAfterGc();
    const drillDirsAfter = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('lectern-drill-')).length;
    const untouched = routes.filter((r) => !stats.byRoute[`${r.method} ${r.url}`]).map((r) => `${r.method} ${r.url}`);
    console.log(`[fuzz] http done: ${JSON.stringify({ seed, cases: n, elapsedSec: Math.round(elapsedSec * 10) / 10, routes: routes.length, untouched, byStatus: stats.byStatus, ownersRecreated: stats.ownersRecreated, heapBeforeMiB: mib(heapBeforeBytes), heapAfterMiB: mib(heapAfterBytes), heapGrowthMiB: mib(heapAfterBytes - heapBeforeBytes) })}`);

    expect(n).toBeGreaterThanOrEqual(RUNS);
    expect(faults.faults).toEqual([]);
    expect(prototypeKeys()).toEqual(protoBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(drillDirsAfter, 'read-aloud temp directories left behind').toBeLessThanOrEqual(drillDirsBefore);
    expect(heapAfterBytes - heapBeforeBytes).toBeLessThan(64 * 1024 * 1024);

    // Still serving: sign in over real HTTP and list sessions.
    const signIn = await fetch(`${node.url}/v1/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: owner.email, password: owner.password }) });
    expect(signIn.status).toBe(200);
    const { accessToken } = (await signIn.json()) as { accessToken: string };
    const list = await fetch(`${node.url}/v1/sessions`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(list.status).toBe(200);
    expect(await list.json()).toMatchObject({ items: expect.any(Array) });
  }, 300_000);
});
