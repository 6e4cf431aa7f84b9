/**
 * The user's data rights end to end, against a real gateway with real PostgreSQL (the run's
 * server, a schema of its own) and a real s3rver:
 * - `GET /v1/me/export`: a presenter with two recorded sessions gets a ZIP holding account.json and,
 *   per session, session.json (with its timeline) and recording.webm (byte-identical to the object
 *   in S3);
 * - `DELETE /v1/me` → 204, after which no row in any table refers to the user or their sessions
 *   and no S3 object is left under their sessions' prefixes; an owner with members cannot delete
 *   (409), an owner alone takes their organization (rows and objects) along;
 * - retention: with `retention_days = 1` (PATCH /v1/org) a session started 3 days ago is deleted
 *   by `runRetention()` with its S3 object, a recent one and other organizations' stay.
 * Prints `[measure] export: N files, B bytes; after delete: rows=0 objects=0`.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LecternNode, startLectern } from '@lectern/gateway';
import { Database } from '../../gateway/src/db/Database.ts';
import { ObjectStore } from '../../gateway/src/storage/ObjectStore.ts';
import { authFetch, createTestAccount, type TestAccount } from '../../gateway/src/testing/access.ts';
import { TestStorage } from '../../gateway/src/testing/services.ts';

const storage = new TestStorage('e2e_privacy');
const { work, s3 } = storage;
let db: Database;
let objects: ObjectStore;
let node: LecternNode;
let owner: TestAccount;

beforeAll(async () => {
  ({ db, objects } = await storage.start());
  node = await startLectern(
    { port: 0, sfuWorkers: 1, analyzerProcesses: 1, poseProcesses: 0, logLevel: 'silent', dataDir: path.join(work.dir, 'node'), auth: { rateLimitMax: 10000 } },
    { database: db, objects },
  );
  owner = await createTestAccount(node, { role: 'owner', orgName: 'Privacy Org' });
}, 120_000);

afterAll(async () => {
  await node?.close();
  await storage.close();
});

/** Keys in the bucket under `prefix`. */
async function keys(prefix: string): Promise<string[]> {
  const page = await objects.client.send(new ListObjectsV2Command({ Bucket: objects.bucket, Prefix: prefix }));
  return (page.Contents ?? []).map((o) => o.Key!);
}

/**
 * A finished session of `acc` with rows in every session table and (unless `recording: false`) an
 * uploaded recording object in S3. @returns its id and the recording bytes.
 */
async function recordedSession(acc: TestAccount, opts: { startedAt?: Date; recording?: boolean; coachUserId?: string } = {}): Promise<{ id: string; bytes: Buffer }> {
  const repo = node.sessions!.repo;
  const id = randomUUID();
  const startedAt = opts.startedAt ?? new Date(Date.now() - 600_000);
  await repo.createSession({ id, roomId: `room-${id.slice(0, 8)}`, nodeId: 'privacy', orgId: acc.orgId, ownerUserId: acc.userId, title: `Talk ${id.slice(0, 8)}`, startedAt });
  await repo.upsertParticipant({ sessionId: id, peerId: `p-${id}`, role: 'presenter', displayName: acc.displayName, userId: acc.userId, joinedAt: startedAt });
  if (opts.coachUserId) await repo.upsertParticipant({ sessionId: id, peerId: `c-${id}`, role: 'coach', displayName: 'A coach', userId: opts.coachUserId, joinedAt: startedAt });
  const bytes = randomBytes(40_000 + Math.floor(Math.random() * 1000));
  if (opts.recording !== false) {
    const key = ObjectStore.recordingKey(acc.orgId, id);
    await objects.put(key, bytes, 'video/webm');
    const mediaId = randomUUID();
    await repo.createMediaObject({ id: mediaId, sessionId: id, s3Key: key, contentType: 'video/webm', state: 'uploaded', hasAudio: true });
    await repo.updateMediaObject(mediaId, { bytes: bytes.length, durationSec: 20, mediaTimeOriginSec: 0, uploadedAt: new Date() });
    // Something else of the session under its prefix (e.g. a later export), deleted with it.
    await objects.put(`${ObjectStore.sessionPrefix(acc.orgId, id)}thumbnail.jpg`, Buffer.from('jpg'), 'image/jpeg');
  }
  await repo.insertFrames(Array.from({ length: 30 }, (_, i) => ({ sessionId: id, producerId: 'mic', kind: 'voice', mediaTimeSec: i * 0.1, windowSec: 0.1, serverTimeMs: startedAt.getTime() + i * 100, payload: { levelDbfs: -20, f0Hz: 120, vadProb: 0.9, isSpeech: true, pauseSec: 0, speakingRatio: 0.8, pitchVariabilitySt: 2, concealedPackets: 0 } })));
  await repo.insertPauses([{ sessionId: id, producerId: 'mic', startSec: 1, endSec: 2, durationSec: 1 }]);
  await repo.insertWords([{ sessionId: id, producerId: 'mic', segmentId: 1, word: 'hello', startSec: 0.2, endSec: 0.5, confidence: 0.9 }]);
  await repo.insertDisfluencies([{ sessionId: id, producerId: 'mic', kind: 'filled-pause', text: 'um', startSec: 0.6, endSec: 0.8 }]);
  await repo.insertComment({ id: randomUUID(), sessionId: id, authorPeerId: 'coach', authorName: 'A coach', text: 'Nice pacing', mediaTimeSec: 1 });
  await repo.endSession(id, { reason: 'api', endedAt: new Date(startedAt.getTime() + 20_000), mediaDurationSec: 20 });
  await db.sql`INSERT INTO analysis_jobs (session_id, state, percent) VALUES (${id}, 'done', 100)`;
  await db.sql`INSERT INTO session_analyses (session_id, duration_sec, analysis) VALUES (${id}, 20, ${db.sql.json({ durationSec: 20, transcript: 'hello', engines: {}, summary: {}, stageMs: {}, scoringInput: {} } as never)})`;
  await db.sql`INSERT INTO session_scores (session_id, rubric_version, overall, scores, tips, drills) VALUES (${id}, 'v-test', 60, ${db.sql.json({ rubricVersion: 'v-test', overall: { score: 60, ci95: [50, 70] }, subscores: {} })}, ${db.sql.json([])}, ${db.sql.json([])})`;
  return { id, bytes };
}

/** Rows in every table that refer to the user or to one of the sessions. */
async function rowsReferring(userId: string, sessionIds: string[]): Promise<Record<string, number>> {
  const ids = sessionIds;
  const n = async (q: Promise<{ n: number }[]>) => (await q)[0]!.n;
  const bySession = ['participants', 'media_objects', 'metric_frames', 'pauses', 'transcript_words', 'disfluency_events', 'coach_comments', 'session_cues', 'session_clips', 'session_scripts', 'analysis_jobs', 'session_analyses', 'session_scores'];
  const out: Record<string, number> = {
    users: await n(db.sql`SELECT count(*)::int AS n FROM users WHERE id = ${userId}`),
    memberships: await n(db.sql`SELECT count(*)::int AS n FROM memberships WHERE user_id = ${userId}`),
    refresh_tokens: await n(db.sql`SELECT count(*)::int AS n FROM refresh_tokens WHERE user_id = ${userId}`),
    rooms: await n(db.sql`SELECT count(*)::int AS n FROM rooms WHERE owner_user_id = ${userId}`),
    invitations: await n(db.sql`SELECT count(*)::int AS n FROM invitations WHERE created_by = ${userId}`),
    sessions: await n(db.sql`SELECT count(*)::int AS n FROM sessions WHERE id = ANY(${ids}::uuid[]) OR owner_user_id = ${userId}`),
    'participants.user_id': await n(db.sql`SELECT count(*)::int AS n FROM participants WHERE user_id = ${userId}`),
    'audit_events.actor_user_id': await n(db.sql`SELECT count(*)::int AS n FROM audit_events WHERE actor_user_id = ${userId}`),
    'audit_events.target=user': await n(db.sql`SELECT count(*)::int AS n FROM audit_events WHERE target = ${userId}`),
  };
  for (const t of bySession) out[t] = await n(db.sql.unsafe(`SELECT count(*)::int AS n FROM ${t} WHERE session_id = ANY($1::uuid[])`, [ids]) as Promise<{ n: number }[]>);
  return out;
}

function unzip(buf: Buffer): { dir: string; names: string[] } {
  const dir = fs.mkdtempSync(path.join(work.dir, 'export-'));
  const file = path.join(dir, 'export.zip');
  fs.writeFileSync(file, buf);
  // `unzip -t` verifies every entry's CRC.
  expect(execFileSync('unzip', ['-t', file]).toString()).toMatch(/No errors detected/);
  const names = execFileSync('unzip', ['-Z1', file]).toString().trim().split('\n').filter(Boolean).sort();
  execFileSync('unzip', ['-q', file, '-d', path.join(dir, 'x')]);
  return { dir: path.join(dir, 'x'), names };
}

describe('export and delete my account', () => {
  it('exports account.json and each session (session.json, recording.webm); DELETE /v1/me leaves no row and no object behind', async () => {
    const presenter = await createTestAccount(node, { role: 'presenter', orgId: owner.orgId, displayName: 'Priya Presenter' });
    const s1 = await recordedSession(presenter);
    const s2 = await recordedSession(presenter);
    // Someone else's session the presenter took part in (as a viewer), and the owner's session (must stay).
    const other = await recordedSession(owner, { coachUserId: presenter.userId });
    // An invitation the presenter created for their room, and a room claimed by them.
    const inv = await authFetch(presenter, `${node.url}/v1/invitations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'room', roomId: 'priya-room', role: 'coach' }) });
    expect(inv.status).toBe(201);
    // Viewing a session leaves an audit trail with the presenter as the actor.
    expect((await authFetch(presenter, `${node.url}/v1/sessions/${s1.id}`)).status).toBe(200);

    const res = await authFetch(presenter, `${node.url}/v1/me/export`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/zip/);
    expect(res.headers.get('content-disposition')).toContain(`lectern-export-${presenter.userId}.zip`);
    const zip = Buffer.from(await res.arrayBuffer());
    const { dir, names } = unzip(zip);
    expect(names).toEqual(
      ['account.json', ...[s1.id, s2.id].flatMap((id) => [`sessions/${id}/recording.webm`, `sessions/${id}/session.json`])].sort(),
    );
    const account = JSON.parse(fs.readFileSync(path.join(dir, 'account.json'), 'utf8'));
    expect(account).toMatchObject({ user: { id: presenter.userId, email: presenter.email, displayName: 'Priya Presenter' }, memberships: [{ orgId: owner.orgId, role: 'presenter' }] });
    expect(account.sessions.sort()).toEqual([s1.id, s2.id].sort());
    for (const s of [s1, s2]) {
      const rec = fs.readFileSync(path.join(dir, 'sessions', s.id, 'recording.webm'));
      expect(rec.equals(s.bytes), `recording of ${s.id} byte-identical`).toBe(true);
      const sj = JSON.parse(fs.readFileSync(path.join(dir, 'sessions', s.id, 'session.json'), 'utf8'));
      expect(sj.session).toMatchObject({ id: s.id, ownerUserId: presenter.userId });
      expect(sj.timeline.frames).toHaveLength(30);
      expect(sj.timeline.words.map((w: { word: string }) => w.word)).toEqual(['hello']);
      expect(sj.timeline.comments.map((c: { text: string }) => c.text)).toEqual(['Nice pacing']);
      expect(sj.participants).toHaveLength(1);
      expect(sj.mediaObjects).toHaveLength(1);
      expect(sj.scores).toMatchObject({ rubricVersion: 'v-test', overall: 60 });
    }
    // Nothing of the owner's session in the presenter's export.
    expect(names.some((n) => n.includes(other.id))).toBe(false);
    const files = names.length;
    const exported = (await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM audit_events WHERE kind = 'account-exported' AND actor_user_id = ${presenter.userId}`)[0]!.n;
    expect(exported).toBe(1);

    // The owner of an organization with members cannot delete their account.
    const ownerDelete = await authFetch(owner, `${node.url}/v1/me`, { method: 'DELETE' });
    expect(ownerDelete.status).toBe(409);

    const before = await rowsReferring(presenter.userId, [s1.id, s2.id]);
    expect(before.sessions).toBe(2);
    expect(before['participants.user_id']).toBe(3);
    expect(before['audit_events.actor_user_id']).toBeGreaterThan(0);
    const del = await authFetch(presenter, `${node.url}/v1/me`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect(del.headers.get('set-cookie') ?? '').toMatch(/lectern_refresh=;/);
    const after = await rowsReferring(presenter.userId, [s1.id, s2.id]);
    const rows = Object.values(after).reduce((a, b) => a + b, 0);
    const left: string[] = [];
    for (const s of [s1, s2]) left.push(...(await keys(ObjectStore.sessionPrefix(presenter.orgId, s.id))));
    // Audit events that name the deleted sessions as their target stay (the audit trail; no personal data).
    const auditTargets = (await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM audit_events WHERE target = ANY(${[s1.id, s2.id]}::uuid[]::text[])`)[0]!.n;
    console.log(`[measure] export: ${files} files, ${zip.length} bytes; after delete: rows=${rows} objects=${left.length} (per table: ${JSON.stringify(after)}; audit events naming the deleted sessions as target, kept: ${auditTargets})`);
    expect(after, JSON.stringify(after)).toEqual(Object.fromEntries(Object.keys(after).map((k) => [k, 0])));
    expect(left).toEqual([]);
    // The token no longer works; the e-mail can sign up again only by invitation (sign-in: 401).
    expect((await authFetch(presenter, `${node.url}/v1/me`)).status).toBe(401);
    const signIn = await fetch(`${node.url}/v1/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: presenter.email, password: presenter.password }) });
    expect(signIn.status).toBe(401);
    // The owner's session is untouched (its row, its recording; only the link to the deleted user is gone).
    expect((await db.sql`SELECT 1 FROM sessions WHERE id = ${other.id}`).length).toBe(1);
    expect(await objects.head(ObjectStore.recordingKey(owner.orgId, other.id))).toMatchObject({ bytes: other.bytes.length });
    expect((await db.sql`SELECT count(*)::int AS n FROM participants WHERE session_id = ${other.id}`)[0]!.n).toBe(2);
    const deletedEvents = (await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM audit_events WHERE kind = 'account-deleted' AND org_id = ${owner.orgId}`)[0]!.n;
    expect(deletedEvents).toBe(1);
  }, 60_000);

  it('an owner alone in their organization deletes it with the account: rows and every object under orgs/<org>/', async () => {
    const solo = await createTestAccount(node, { role: 'owner', orgName: 'Solo Org' });
    const s = await recordedSession(solo);
    await objects.put(`orgs/${solo.orgId}/other/leftover.bin`, Buffer.from('x'), 'application/octet-stream');
    expect((await keys(`orgs/${solo.orgId}/`)).length).toBe(3);
    const del = await authFetch(solo, `${node.url}/v1/me`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect(await keys(`orgs/${solo.orgId}/`)).toEqual([]);
    expect((await db.sql`SELECT 1 FROM orgs WHERE id = ${solo.orgId}`).length).toBe(0);
    const after = await rowsReferring(solo.userId, [s.id]);
    expect(after).toEqual(Object.fromEntries(Object.keys(after).map((k) => [k, 0])));
    for (const t of ['memberships', 'invitations', 'refresh_tokens', 'rooms', 'sessions']) {
      const n = (await db.sql.unsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM ${t} WHERE org_id = $1`, [solo.orgId]))[0]!.n;
      expect(n, t).toBe(0);
    }
  });
});

describe('retention', () => {
  it('with retention_days = 1, runRetention() deletes a 3-day-old session and its S3 objects; recent ones and other organizations stay', async () => {
    const patch = await authFetch(owner, `${node.url}/v1/org`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ retentionDays: 1 }) });
    expect(patch.status).toBe(200);
    expect(await patch.json()).toMatchObject({ id: owner.orgId, retentionDays: 1 });
    const old = await recordedSession(owner, { startedAt: new Date(Date.now() - 3 * 86_400_000) });
    const recent = await recordedSession(owner, { startedAt: new Date(Date.now() - 3600_000) });
    // Another organization without retention keeps its 3-day-old session.
    const other = await createTestAccount(node, { role: 'owner', orgName: 'Keeps everything' });
    const otherOld = await recordedSession(other, { startedAt: new Date(Date.now() - 3 * 86_400_000) });
    // A live session is never deleted, however old.
    const liveId = randomUUID();
    await node.sessions!.repo.createSession({ id: liveId, roomId: 'still-live', nodeId: 'elsewhere', orgId: owner.orgId, ownerUserId: owner.userId, startedAt: new Date(Date.now() - 5 * 86_400_000) });

    const deleted = await node.sessions!.access.privacy.runRetention();
    expect(deleted).toBeGreaterThanOrEqual(1);
    const exists = async (id: string) => (await db.sql`SELECT 1 FROM sessions WHERE id = ${id}`).length === 1;
    expect(await exists(old.id)).toBe(false);
    expect(await keys(ObjectStore.sessionPrefix(owner.orgId, old.id))).toEqual([]);
    const oldRows = await rowsReferring(randomUUID(), [old.id]);
    expect(oldRows).toEqual(Object.fromEntries(Object.keys(oldRows).map((k) => [k, 0])));
    expect(await exists(recent.id)).toBe(true);
    expect(await objects.head(ObjectStore.recordingKey(owner.orgId, recent.id))).toMatchObject({ bytes: recent.bytes.length });
    expect(await exists(otherOld.id)).toBe(true);
    expect(await objects.head(ObjectStore.recordingKey(other.orgId, otherOld.id))).toMatchObject({ bytes: otherOld.bytes.length });
    expect(await exists(liveId)).toBe(true);
    const [ev] = await db.sql`SELECT detail FROM audit_events WHERE kind = 'retention-deleted' AND org_id = ${owner.orgId}`;
    expect(ev?.detail).toMatchObject({ sessions: deleted });
    // A second run has nothing left to do.
    expect(await node.sessions!.access.privacy.runRetention()).toBe(0);
    console.log(`[measure] retention (1 day): deleted ${deleted} session(s) older than a day with their objects; kept the recent one, another organization's 3-day-old one and a live one`);
  });
});
