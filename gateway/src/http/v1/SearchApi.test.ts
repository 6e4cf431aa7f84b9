/**
 * Transcript search (`GET /v1/search`, migration 007) on real PostgreSQL with row-level security:
 * two organizations, presenters, a coach; words written like the live path writes them
 * (SessionRepository.insertWords on the owner connection). The route runs on a bare Fastify with
 * a test principal per request (the token → principal chain is tested in test/e2e/tenancy.test.ts).
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SearchResponseSchema, type SearchResponse } from '@lectern/contract';
import type { Principal } from '../../access/AccessTypes.ts';
import { actAsHeaderUser } from '../../testing/access.ts';
import { Database } from '../../db/Database.ts';
import { SessionRepository } from '../../db/SessionRepository.ts';
import { TEST_DATABASE_URL, uniqueSchema } from '../../testing/services.ts';
import { SearchApi } from './SearchApi.ts';
import { positiveText } from './SearchRepository.ts';

let db: Database;
let app: FastifyInstance;
type UserName = 'ownerA' | 'presenter1' | 'presenter2' | 'coachA' | 'ownerB';
const users = {} as Record<UserName, Principal>;
const sessionIds: Record<string, string> = {};

function principal(orgId: string, role: Principal['role']): Principal {
  return { kind: 'user', userId: randomUUID(), orgId, role, displayName: role, email: null, familyId: 'test', invitationId: null, guestRoomId: null, expiresAtSec: Math.floor(Date.now() / 1000) + 900 } as Principal;
}

/** A session of `owner` with the given words, 0.4 s apart from `t0Sec`, segment 1. */
async function session(label: string, owner: Principal, text: string, opts: { originSec?: number; t0Sec?: number } = {}): Promise<void> {
  const repo = new SessionRepository(db.sql);
  const id = randomUUID();
  sessionIds[label] = id;
  await repo.createSession({ id, roomId: `room-${label}`, nodeId: 'test', orgId: owner.orgId, ownerUserId: owner.userId, title: `Talk ${label}` });
  const words = text.split(' ');
  const t0 = opts.t0Sec ?? 1;
  await repo.insertWords(words.map((word, i) => ({ sessionId: id, producerId: 'p1', segmentId: 1 + Math.floor(i / 8), word, startSec: t0 + i * 0.4, endSec: t0 + i * 0.4 + 0.3, confidence: 0.9 })));
  if (opts.originSec !== undefined) {
    const mediaId = randomUUID();
    await repo.createMediaObject({ id: mediaId, sessionId: id, s3Key: `k/${id}`, contentType: 'video/webm', state: 'uploaded', hasAudio: true });
    await repo.updateMediaObject(mediaId, { mediaTimeOriginSec: opts.originSec });
  }
  await repo.endSession(id, { reason: 'api', mediaDurationSec: t0 + words.length * 0.4 });
}

async function search(as: string | null, query: string): Promise<{ status: number; body: SearchResponse & { code?: string; detail?: string }; type: string }> {
  const res = await app.inject({ method: 'GET', url: `/v1/search?${query}`, headers: as ? { 'x-test-user': as } : {} });
  return { status: res.statusCode, body: res.json(), type: String(res.headers['content-type']) };
}
const found = async (as: string, q: string) => {
  const r = await search(as, `q=${encodeURIComponent(q)}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  SearchResponseSchema.parse(r.body);
  return r.body.items.map((i) => Object.keys(sessionIds).find((k) => sessionIds[k] === i.sessionId));
};

beforeAll(async () => {
  db = await Database.connect({ url: TEST_DATABASE_URL, schema: uniqueSchema('search') });
  for (const org of ['org-a', 'org-b']) await db.sql`INSERT INTO orgs (id, name) VALUES (${org}, ${org})`;
  Object.assign(users, {
    ownerA: principal('org-a', 'owner'),
    presenter1: principal('org-a', 'presenter'),
    presenter2: principal('org-a', 'presenter'),
    coachA: principal('org-a', 'coach'),
    ownerB: principal('org-b', 'owner'),
  });
  for (const [name, p] of Object.entries(users)) {
    await db.sql`INSERT INTO users (id, email, password_hash, display_name) VALUES (${p.userId}, ${`${name}@test.lectern`}, 'x', ${name})`;
    await db.sql`INSERT INTO memberships (org_id, user_id, role) VALUES (${p.orgId}, ${p.userId}, ${p.role})`;
  }
  // Presenter 1: the fixture's first sentence (LibriVox "Sense and Sensibility"), recording origin 0.25 s.
  await session('s1', users.presenter1, 'and mister john dashwood had then leisure to consider how much there might be prudently in his power to do for them', { originSec: 0.25, t0Sec: 2 });
  // Presenter 2: "considered" twice in a short talk (ranks above s1 for "consider"); pause forms.
  await session('s2', users.presenter2, 'she considered it and then paused she considered the pause again');
  // Another organization's session saying "dashwood" (must never be found from org A).
  await session('s3', users.ownerB, 'dashwood dashwood and the dashwood family', { originSec: 0 });

  app = Fastify();
  actAsHeaderUser(app, users);
  await new SearchApi({ db }).register(app);
  await app.ready();
}, 60_000);

afterAll(async () => {
  await app?.close();
  await db?.dropSchema();
  await db?.close();
});

describe('GET /v1/search', () => {
  it('finds a word in the session that has it, with media time, replay position (+ recording origin) and context', async () => {
    const r = await search('ownerA', 'q=Dashwood');
    expect(r.status).toBe(200);
    const body = SearchResponseSchema.parse(r.body);
    expect(body.terms).toEqual(['dashwood']);
    expect(body.items).toHaveLength(1);
    const item = body.items[0]!;
    expect(item).toMatchObject({ sessionId: sessionIds.s1, roomId: 'room-s1', title: 'Talk s1', matchCount: 1 });
    expect(item.rank).toBeGreaterThan(0);
    // "dashwood" is word 3 (0-based) of s1: 2 + 3 × 0.4 s.
    expect(item.hits).toEqual([{ word: 'dashwood', mediaTimeSec: 3.2, replaySec: 3.45, before: 'and mister john', after: 'had then leisure to consider how' }]);
  });

  it('respects tenancy: another organization, another presenter and an unshared coach find nothing', async () => {
    expect(await found('ownerA', 'dashwood')).toEqual(['s1']);
    expect(await found('presenter1', 'dashwood')).toEqual(['s1']);
    expect(await found('presenter2', 'dashwood')).toEqual([]);
    expect(await found('coachA', 'dashwood')).toEqual([]);
    expect(await found('ownerB', 'dashwood')).toEqual(['s3']);
    // Shared with the organization's coaches: the coach finds it; org B still does not see org A's.
    await db.sql`UPDATE sessions SET shared_with_coaches = true WHERE id = ${sessionIds.s1!}`;
    expect(await found('coachA', 'dashwood')).toEqual(['s1']);
    expect(await found('ownerB', 'john')).toEqual([]);
    await db.sql`UPDATE sessions SET shared_with_coaches = false WHERE id = ${sessionIds.s1!}`;
  });

  it('matches word forms (English stemming) and ranks the session that is more about the word first', async () => {
    expect(await found('ownerA', 'considering')).toEqual(['s2', 's1']);
    const r = await search('ownerA', 'q=pauses');
    expect(r.body.items.map((i) => [i.matchCount, i.hits.map((h) => h.word)])).toEqual([[2, ['paused', 'pause']]]);
    const hit = r.body.items[0]!.hits[0]!;
    expect(hit.replaySec).toBeCloseTo(hit.mediaTimeSec, 9); // no recording: origin 0
  });

  it('supports all-words, "phrases", or and -exclusions (websearch_to_tsquery)', async () => {
    expect(await found('ownerA', 'dashwood pause')).toEqual([]);
    expect(await found('ownerA', 'dashwood or pause')).toHaveLength(2);
    expect(await found('ownerA', '"john dashwood"')).toEqual(['s1']);
    expect(await found('ownerA', '"dashwood john"')).toEqual([]);
    expect(await found('ownerA', 'consider -dashwood')).toEqual(['s2']);
    expect(positiveText('consider -dashwood "a phrase"')).toBe('consider  "a phrase"');
  });

  it('limits the sessions returned', async () => {
    const r = await search('ownerA', 'q=consider&limit=1');
    expect(r.body.items.map((i) => i.sessionId)).toEqual([sessionIds.s2]);
  });

  it('answers Problem+JSON 400 for a query without a searchable word or invalid parameters, 401 signed out', async () => {
    for (const [query, detail] of [
      ['q=the%20and', /no word to search for/],
      ['q=-dashwood', /no word to search for/],
      ['q=%20%20', /type a word/],
      ['', /q/],
      ['q=x&limit=0', /limit/],
      ['q=x&limit=51', /limit/],
      [`q=${'a'.repeat(201)}`, /q/],
      ['q=x&extra=1', /extra/],
    ] as const) {
      const r = await search('ownerA', query);
      expect(r.status, query).toBe(400);
      expect(r.type).toContain('application/problem+json');
      expect(r.body.code).toBe('BAD_REQUEST');
      expect(r.body.detail).toMatch(detail);
    }
    expect((await search(null, 'q=dashwood')).status).toBe(401);
  });

  it('scales: 100 sessions × 1 000 words; prints query times and the plan (JSON)', async () => {
    // 100 000 words from a 2 000-word vocabulary, plus "zeppelin" in 3 sessions (owner connection, like the live path).
    const ids = Array.from({ length: 100 }, () => randomUUID());
    await db.sql`INSERT INTO sessions (id, org_id, owner_user_id, node_id, room_id, state, started_at)
      SELECT id, 'org-a', ${users.presenter1.userId}, 'test', 'bulk', 'ended', now() FROM unnest(${ids}::uuid[]) AS id`;
    await db.sql`INSERT INTO transcript_words (session_id, producer_id, segment_id, word, start_sec, end_sec)
      SELECT s.id, 'p1', w / 10, 'word' || ((w * 7919 + s.n * 104729) % 2000), w * 0.4, w * 0.4 + 0.3
      FROM (SELECT id, row_number() OVER () AS n FROM unnest(${ids}::uuid[]) AS id) s, generate_series(0, 999) AS w`;
    await db.sql`UPDATE transcript_words SET word = 'zeppelin' WHERE session_id IN ${db.sql(ids.slice(0, 3))} AND start_sec = 200`;
    await db.sql`ANALYZE transcript_words`;
    const timeMs = async (q: string) => {
      const runs: number[] = [];
      let body: SearchResponse | null = null;
      for (let k = 0; k < 5; k++) {
        const t0 = performance.now();
        const r = await search('ownerA', `q=${encodeURIComponent(q)}`);
        runs.push(performance.now() - t0);
        body = r.body;
      }
      runs.sort((a, b) => a - b);
      return { medianMs: Math.round(runs[2]! * 10) / 10, sessions: body!.items.length, body: body! };
    };
    const rare = await timeMs('zeppelin');
    expect(rare.body.items.map((i) => i.sessionId).sort()).toEqual(ids.slice(0, 3).sort());
    expect(rare.body.items[0]!.hits[0]!.mediaTimeSec).toBe(200);
    const common = await timeMs('word7');
    const plan = await db.asPrincipal({ orgId: 'org-a', userId: users.ownerA.userId!, role: 'owner' }, (tx) =>
      tx`EXPLAIN SELECT session_id FROM transcript_words WHERE lexeme = ANY(ARRAY['zeppelin']::text[])`);
    const usesIndex = plan.some((r) => String(r['QUERY PLAN']).includes('transcript_words_lexeme_idx'));
    expect(usesIndex, 'the lexeme index is used under row-level security').toBe(true);
    console.log(`[search] ${JSON.stringify({ words: 100_000 + 47, sessions: 103, rareWord: { medianMs: rare.medianMs, sessionsFound: rare.sessions }, commonWord: { medianMs: common.medianMs, sessionsFound: common.sessions }, lexemeIndexUsedUnderRls: usesIndex })}`);
    await db.sql`DELETE FROM sessions WHERE id IN ${db.sql(ids)}`;
  }, 120_000);

  it('stores the lexemes of each word (English stemming; none for stop words)', async () => {
    const rows = await db.sql`SELECT word, lexeme, lexemes FROM transcript_words WHERE session_id = ${sessionIds.s2!} AND word IN ('paused', 'the') ORDER BY word`;
    expect(rows.map((r) => [r.word, r.lexeme, r.lexemes])).toEqual([['paused', 'paus', ['paus']], ['the', null, []], ['the', null, []]].slice(0, rows.length));
  });
});
