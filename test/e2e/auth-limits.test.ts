/**
 * Brute force against sign-in, end to end over HTTP against a real gateway (PostgreSQL of the run,
 * a schema of its own) with short limits: 20 sign-in requests per IP per 5 s window
 * (@fastify/rate-limit) and per-account lock-out after 5 failures, doubling from 1 s up to 5 s
 * (LoginThrottle). 100 wrong passwords for the owner within a minute → the answers turn into 429
 * with Retry-After; after waiting as told (≤ ~6 s) the real owner signs in → 200.
 * Prints `[measure] 100 wrong passwords: 401=x 429=y; owner signed in after z s`.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LecternNode, startLectern } from '@lectern/gateway';
import { Database } from '../../gateway/src/db/Database.ts';
import { createTestAccount, type TestAccount } from '../../gateway/src/testing/access.ts';
import { TEST_DATABASE_URL, tempDir, uniqueSchema } from '../../gateway/src/testing/services.ts';

const work = tempDir('e2e-auth-limits');
let db: Database;
let node: LecternNode;
let owner: TestAccount;

beforeAll(async () => {
  db = await Database.connect({ url: TEST_DATABASE_URL, schema: uniqueSchema('e2e_limits') });
  node = await startLectern(
    {
      port: 0, sfuWorkers: 1, analyzerProcesses: 1, poseProcesses: 0, recording: false, logLevel: 'silent', dataDir: path.join(work.dir, 'node'),
      auth: { rateLimitMax: 20, rateLimitWindowMs: 5000, accountLockMaxMs: 5000 },
    },
    { database: db },
  );
  owner = await createTestAccount(node, { role: 'owner' });
}, 60_000);

afterAll(async () => {
  await node?.close();
  await db?.dropSchema();
  await db?.close();
  work.cleanup();
});

const signIn = (email: string, password: string) =>
  fetch(`${node.url}/v1/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });

describe('sign-in brute force', () => {
  it('100 wrong passwords within a minute turn into 429 with Retry-After; the owner signs in after the wait', async () => {
    const t0 = performance.now();
    const counts: Record<number, number> = {};
    let firstLimitedAt = -1;
    let last: Response | undefined;
    const retryAfters = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const r = await signIn(owner.email, `wrong password ${i}`);
      counts[r.status] = (counts[r.status] ?? 0) + 1;
      if (r.status === 429) {
        if (firstLimitedAt < 0) firstLimitedAt = i;
        const ra = r.headers.get('retry-after');
        expect(ra, `attempt ${i}: 429 without Retry-After`).toMatch(/^\d+$/);
        retryAfters.add(ra!);
        const body = (await r.json()) as { status: number; code?: string };
        expect(body).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
        expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
      } else {
        expect(r.status, `attempt ${i}`).toBe(401);
        await r.arrayBuffer();
      }
      last = r;
    }
    const attackMs = performance.now() - t0;
    expect(attackMs).toBeLessThan(60_000);
    expect((counts[401] ?? 0) + (counts[429] ?? 0)).toBe(100);
    // The 6th attempt at the latest is refused (5 free failures), and most of the 100 are.
    expect(firstLimitedAt).toBeGreaterThanOrEqual(0);
    expect(firstLimitedAt).toBeLessThanOrEqual(5);
    expect(counts[429]).toBeGreaterThanOrEqual(75);
    expect(counts[401]).toBeLessThanOrEqual(25);
    // Every Retry-After is within the configured limits (5 s window, 5 s longest lock).
    for (const ra of retryAfters) expect(Number(ra)).toBeLessThanOrEqual(5);

    // The real owner, waiting as told by Retry-After (each wait ≤ 5 s; at most a few rounds).
    const tStop = performance.now();
    let wait = Number(last!.headers.get('retry-after') ?? 1);
    let res: Response | undefined;
    const waits: number[] = [];
    for (let round = 0; round < 4; round++) {
      waits.push(wait);
      await new Promise((r) => setTimeout(r, wait * 1000 + 100));
      res = await signIn(owner.email, owner.password);
      if (res.status !== 429) break;
      wait = Number(res.headers.get('retry-after') ?? 1);
    }
    const afterSec = (performance.now() - tStop) / 1000;
    expect(res!.status).toBe(200);
    expect(await res!.json()).toMatchObject({ user: { id: owner.userId }, role: 'owner' });
    console.log(
      `[measure] 100 wrong passwords: 401=${counts[401] ?? 0} 429=${counts[429] ?? 0} (first 429 at attempt ${firstLimitedAt + 1}, ${(attackMs / 1000).toFixed(1)} s for all 100; Retry-After values ${[...retryAfters].sort().join(',')} s); ` +
        `owner signed in after ${afterSec.toFixed(1)} s (waited ${waits.join(' + ')} s as told)`,
    );
    expect(afterSec).toBeLessThan(12);
    // The failures are in the owner's audit log.
    const n = (await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM audit_events WHERE kind = 'sign-in-failed' AND actor_user_id = ${owner.userId}`)[0]!.n;
    expect(n).toBe(counts[401]);
  }, 120_000);
});
