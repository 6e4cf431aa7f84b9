/**
 * Script mode API (`PUT`/`GET /v1/sessions/:id/script`, migration 009) on real PostgreSQL with
 * row-level security: words written like the live path writes them, the alignment computed by
 * the real aligner (analyzers/src/script). Bare Fastify with a test principal per request.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionScriptSchema } from '@lectern/contract';
import type { Principal } from '../../access/AccessTypes.ts';
import { actAsHeaderUser } from '../../testing/access.ts';
import { Database } from '../../db/Database.ts';
import { SessionRepository } from '../../db/SessionRepository.ts';
import { TEST_DATABASE_URL, uniqueSchema } from '../../testing/services.ts';
import { ScriptApi } from './ScriptApi.ts';

type UserName = 'owner' | 'presenter' | 'other' | 'coach' | 'stranger';
const users = {} as Record<UserName, Principal>;
let db: Database;
let app: FastifyInstance;
let sessionId = '';

const principal = (orgId: string, role: Principal['role']): Principal =>
  ({ kind: 'user', userId: randomUUID(), orgId, role, displayName: role, email: null, familyId: 'test', invitationId: null, guestRoomId: null, expiresAtSec: Math.floor(Date.now() / 1000) + 900 }) as Principal;

const SCRIPT = 'He was not an ill-disposed young man.\nUnless to be rather cold hearted and rather selfish is to be ill-disposed.\nHad he married a more amiable woman, he might have been made still more respectable than he was.';

async function call(as: UserName | null, method: 'GET' | 'PUT', body?: unknown, id = sessionId) {
  const res = await app.inject({ method, url: `/v1/sessions/${id}/script`, headers: as ? { 'x-test-user': as } : {}, ...(body !== undefined && { payload: body as object }) });
  return { status: res.statusCode, body: res.json(), type: String(res.headers['content-type']) };
}

beforeAll(async () => {
  db = await Database.connect({ url: TEST_DATABASE_URL, schema: uniqueSchema('script') });
  for (const org of ['org-a', 'org-b']) await db.sql`INSERT INTO orgs (id, name) VALUES (${org}, ${org})`;
  Object.assign(users, { owner: principal('org-a', 'owner'), presenter: principal('org-a', 'presenter'), other: principal('org-a', 'presenter'), coach: principal('org-a', 'coach'), stranger: principal('org-b', 'owner') });
  for (const [name, p] of Object.entries(users)) {
    await db.sql`INSERT INTO users (id, email, password_hash, display_name) VALUES (${p.userId}, ${`${name}@test.lectern`}, 'x', ${name})`;
    await db.sql`INSERT INTO memberships (org_id, user_id, role) VALUES (${p.orgId}, ${p.userId}, ${p.role})`;
  }
  const repo = new SessionRepository(db.sql);
  sessionId = randomUUID();
  await repo.createSession({ id: sessionId, roomId: 'talk', nodeId: 'test', orgId: 'org-a', ownerUserId: users.presenter.userId });
  // Spoken so far: the first line, then the third (the second skipped), 0.5 s per word from 1 s.
  const spoken = 'he was not an ill disposed young man had he married a more amiable woman he might have been made still'.split(' ');
  await repo.insertWords(spoken.map((word, i) => ({ sessionId, producerId: 'p1', segmentId: 1, word, startSec: 1 + i * 0.5, endSec: 1.4 + i * 0.5, confidence: null })));

  app = Fastify();
  actAsHeaderUser(app, users);
  await new ScriptApi({ db }).register(app);
  await app.ready();
}, 60_000);

afterAll(async () => {
  await app?.close();
  await db?.dropSchema();
  await db?.close();
});

describe('script API', () => {
  it('has no script until the presenter stores one; then aligns the words spoken so far (live)', async () => {
    expect((await call('presenter', 'GET')).body).toEqual({ sessionId, text: null, mediaTimeOriginSec: 0, wordsFrom: 'live', alignment: null });
    const put = await call('presenter', 'PUT', { text: `  ${SCRIPT}  ` });
    expect(put.status).toBe(200);
    const s = SessionScriptSchema.parse(put.body);
    expect(s.text).toBe(SCRIPT);
    const a = s.alignment!;
    expect(a.final).toBe(false);
    expect(a.passages.map((p) => p.status)).toEqual(['spoken', 'skipped', 'spoken']);
    // The skipped line is replayed where the speaker went on: "had" is word 8 → 1 + 8 × 0.5 s.
    expect(a.passages[1]).toMatchObject({ atSec: 5, replaySec: 5, matchedWords: 0 });
    expect(a.currentPassage).toBe(2);
    expect(a.coveragePct).toBeCloseTo(((8 + 18) / (8 + 14 + 18)) * 100, 1);
  });

  it('is final once the session has ended', async () => {
    await new SessionRepository(db.sql).endSession(sessionId, { reason: 'api' });
    const s = SessionScriptSchema.parse((await call('owner', 'GET')).body);
    expect(s.alignment!.final).toBe(true);
    expect(s.wordsFrom).toBe('live');
  });

  it("aligns the report's full-pass words once there are some (recording seconds → media seconds)", async () => {
    // The full pass heard all three lines (the live recogniser missed the second), in recording
    // seconds: the recording starts 2 s after media time 0.
    const originSec = 2;
    await db.sql`INSERT INTO media_objects (id, session_id, s3_key, content_type, state, has_audio, media_time_origin_sec)
      VALUES (${randomUUID()}, ${sessionId}, ${`k/${sessionId}`}, 'video/webm', 'uploaded', true, ${originSec})`;
    const all = SCRIPT.toLowerCase().replace(/[^a-z\s-]/g, '').replace(/-/g, ' ').split(/\s+/).filter(Boolean);
    const words = all.map((word, i) => ({ word, startSec: originSec + 1 + i * 0.5, endSec: originSec + 1.4 + i * 0.5 }));
    await db.sql`INSERT INTO session_analyses (session_id, duration_sec, analysis)
      VALUES (${sessionId}, 40, ${db.sql.json({ scoringInput: { durationSec: 40, voice: [], pauses: [], words, fillers: [] } } as never)})`;
    const s = SessionScriptSchema.parse((await call('owner', 'GET')).body);
    expect(s.wordsFrom).toBe('full-pass');
    expect(s.alignment!.passages.map((p) => p.status)).toEqual(['spoken', 'spoken', 'spoken']);
    expect(s.alignment!.coveragePct).toBe(100);
    // Media seconds again: the first word at 1 s, replayed at 1 + origin.
    expect(s.alignment!.passages[0]).toMatchObject({ atSec: 1, replaySec: 3 });
    await db.sql`DELETE FROM session_analyses WHERE session_id = ${sessionId}`;
  });

  it('lets only the presenter or an admin store it; others who cannot see the session get 404', async () => {
    expect((await call('owner', 'PUT', { text: SCRIPT })).status).toBe(200);
    expect((await call('other', 'GET')).status).toBe(404);
    expect((await call('other', 'PUT', { text: 'mine now' })).status).toBe(404);
    expect((await call('stranger', 'GET')).status).toBe(404);
    expect((await call('coach', 'GET')).status).toBe(404);
    await db.sql`UPDATE sessions SET shared_with_coaches = true WHERE id = ${sessionId}`;
    expect((await call('coach', 'GET')).status).toBe(200);
    const refused = await call('coach', 'PUT', { text: 'mine now' });
    expect(refused.status).toBe(403);
    expect(refused.type).toContain('application/problem+json');
    expect((await call('presenter', 'GET')).body.text).toBe(SCRIPT);
  });

  it('answers Problem+JSON 400 for an empty or oversized script, a bad id; 401 signed out', async () => {
    for (const body of [{ text: '   ' }, { text: 'x'.repeat(40_001) }, { text: 'a', extra: 1 }, {}]) {
      const r = await call('presenter', 'PUT', body);
      expect(r.status, JSON.stringify(body).slice(0, 40)).toBe(400);
      expect(r.body.code).toBe('BAD_REQUEST');
    }
    expect((await call('presenter', 'GET', undefined, 'not-a-uuid')).status).toBe(400);
    expect((await call(null, 'GET')).status).toBe(401);
  });
});
