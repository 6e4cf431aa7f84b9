/**
 * The cross-tenant probe suite: one gateway (real PostgreSQL of the run in a schema of its own, a
 * real s3rver), two organizations A and B. Organization A gets real data — sessions with
 * participants, an uploaded recording in S3, metric frames, pauses, words, disfluencies, a coach
 * comment, an analysis job and scores, invitations and a share link — written through the
 * repositories on the owner pool, the way the live path writes it. Then:
 * - every `/v1` route (enumerated from `printRoutes()`: a route without a probe fails the test) is
 *   called with B's owner token on A's ids → 404 (routes not about an id act on B's own org, and
 *   their answer must hold no A data), anonymous → 401 (except the public routes), and with a
 *   garbage token → 401. Every body is searched for A's ids, e-mails, names, room, title, comment
 *   and words; a route × outcome table is printed (`[probe] …`) and leaks must be 0. Afterwards A's
 *   data is checked to be unchanged (B's PATCH/DELETE attempts did nothing).
 * - Socket.IO: anonymous and garbage handshakes are refused; every room event before `room:join`
 *   → OUT_OF_ORDER; B joining A's room name with B's own grant lands in a different room (no A
 *   peers, producers, frames or comments); A's grant with B's token → FORBIDDEN; B's socket cannot
 *   take over A's identity with `auth:refresh`, nor consume/close A's producer.
 * - Inside A: a second presenter cannot see the first one's session (404); a coach cannot until it
 *   is shared with the org's coaches, then can read it but not change or delete it (403).
 * - Row-level security alone: `db.asPrincipal(B, SELECT * …)` without any WHERE returns none of A's
 *   rows in any tenant table; `db.app` outside asPrincipal sees no row at all; the owner pool sees them.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import type { types } from 'mediasoup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Ack, ErrorCode, type JoinResponse, type VoiceFrame } from '@lectern/contract';
import { LATEST_RUBRIC_VERSION } from '@lectern/analyzers/scoring';
import { type LecternNode, startLectern } from '@lectern/gateway';
import { roomKey } from '../../gateway/src/access/RoomKey.ts';
import { Database } from '../../gateway/src/db/Database.ts';
import { SessionRepository } from '../../gateway/src/db/SessionRepository.ts';
import { ReportRepository } from '../../gateway/src/reports/ReportRepository.ts';
import { ObjectStore } from '../../gateway/src/storage/ObjectStore.ts';
import { authFetch, createTestAccount, roomGrant, type TestAccount } from '../../gateway/src/testing/access.ts';
import { TestStorage, waitUntil } from '../../gateway/src/testing/services.ts';

const storage = new TestStorage('e2e_tenancy');
const { work, s3 } = storage;
const tag = randomBytes(4).toString('hex');
let db: Database;
let objects: ObjectStore;
let node: LecternNode;

/** Organization A: owner, two presenters, a coach. */
let aOwner: TestAccount;
let aPres: TestAccount;
let aPres2: TestAccount;
let aCoach: TestAccount;
/** Organization B: owner, plus two admins for the probes that end their own caller (sign out everywhere, delete me). */
let bOwner: TestAccount;
let bSelfSignOut: TestAccount;
let bSelfDelete: TestAccount;

/** A's data (ids and texts searched for in every answer B gets). */
const A = {
  room: `a-room-${tag}`,
  title: `A secret title ${tag}`,
  comment: `A private comment ${tag}`,
  word: `awordsecret${tag}`,
  filler: `afillersecret${tag}`,
  recording: Buffer.from(`A-RECORDING-BYTES-${tag}-`.repeat(64)),
  orgName: `Org A ${tag}`,
  session: randomUUID(),
  session2: randomUUID(),
  mediaObject: randomUUID(),
  commentId: randomUUID(),
  coachPeer: `a-coach-peer-${tag}`,
  presenterPeer: `a-presenter-peer-${tag}`,
  roomInvitation: { id: '', token: '' },
  orgInvitation: { id: '', token: '' },
  shareToken: '',
  /** Producer of A's live session (socket probes). */
  producerId: '',
};
/** B's own session and share link (B's shared report must hold none of A's data). */
const B = { session: randomUUID(), room: `b-own-room-${tag}`, shareToken: '' };

/** Every string of A's that must not appear in an answer to B or to an anonymous caller. */
let needles: string[] = [];

interface Res {
  status: number;
  text: string;
  buf: Buffer;
  type: string | null;
  headers: Headers;
}

async function call(method: string, url: string, opts: { token?: string; body?: unknown; raw?: Buffer; contentType?: string } = {}): Promise<Res> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: BodyInit | undefined;
  if (opts.raw !== undefined) {
    body = new Uint8Array(opts.raw);
    headers['content-type'] = opts.contentType ?? 'application/octet-stream';
  } else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] = 'application/json';
  }
  const r = await fetch(node.url + url, { method, headers, body });
  const buf = Buffer.from(await r.arrayBuffer());
  return { status: r.status, buf, text: buf.toString('utf8'), type: r.headers.get('content-type'), headers: r.headers };
}

/** The text of every file of a ZIP (listing + contents), to search it. */
function zipText(buf: Buffer): { names: string[]; text: string } {
  const file = path.join(work.dir, `z-${randomBytes(4).toString('hex')}.zip`);
  fs.writeFileSync(file, buf);
  const names = execFileSync('unzip', ['-Z1', file]).toString().trim().split('\n').filter(Boolean);
  const text = execFileSync('unzip', ['-p', file], { maxBuffer: 64 * 1024 * 1024 }).toString('utf8');
  fs.rmSync(file);
  return { names, text: `${names.join('\n')}\n${text}` };
}

/** Needles found in `res` (ignoring those the caller itself sent in the request). */
function leaksIn(res: Res, request: string): string[] {
  let text = res.text;
  if (res.type?.includes('application/zip')) text = zipText(res.buf).text;
  const hay = text.toLowerCase();
  const sent = request.toLowerCase();
  return needles.filter((n) => hay.includes(n.toLowerCase()) && !sent.includes(n.toLowerCase()));
}

/** The (method, path) pairs of the registered `/v1` routes, from Fastify's route tree. */
function v1Routes(): string[] {
  const tree = node.http.printRoutes({ commonPrefix: false });
  const stack: string[] = [];
  const out: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^(.*?)[├└]── (.*?)(?: \(([^)]*)\))?$/.exec(line);
    if (!m) continue;
    const depth = Math.round(m[1]!.length / 4);
    const full = (stack[depth - 1] ?? '') + m[2]!;
    stack[depth] = full;
    stack.length = depth + 1;
    if (m[3] && full.startsWith('/v1/')) for (const method of m[3].split(',').map((s) => s.trim())) if (method !== 'HEAD') out.push(`${method} ${full}`);
  }
  return [...new Set(out)].sort();
}

/** Decodes a JWT's payload (no verification; to see which organization a grant is for). */
const jwtPayload = (t: string) => JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
/** A's token with one character of its signature changed (a forged link). */
function forge(token: string): string {
  const [h, p, s] = token.split('.');
  if (s === undefined) return token.slice(0, -3) + (token.at(-3) === 'A' ? 'B' : 'A') + token.slice(-2);
  const i = Math.floor(s.length / 2);
  return `${h}.${p}.${s.slice(0, i)}${s[i] === 'A' ? 'B' : 'A'}${s.slice(i + 1)}`;
}

/** Writes organization A's data through the repositories (owner pool), like the live path does. */
async function seedOrgA(): Promise<void> {
  const repo = node.sessions!.repo;
  const reports = new ReportRepository(db.sql);
  const startedAt = new Date(Date.now() - 3600_000);
  await repo.createSession({ id: A.session, roomId: A.room, nodeId: 'tenancy', orgId: aOwner.orgId, ownerUserId: aPres.userId, title: A.title, startedAt });
  await repo.upsertParticipant({ sessionId: A.session, peerId: A.presenterPeer, role: 'presenter', displayName: aPres.displayName, userId: aPres.userId, joinedAt: startedAt });
  // The coach of session 1 came as a guest (no account): A's coach account did not take part in it.
  await repo.upsertParticipant({ sessionId: A.session, peerId: A.coachPeer, role: 'coach', displayName: `Guest coach ${tag}`, userId: null, joinedAt: startedAt });
  const key = ObjectStore.recordingKey(aOwner.orgId, A.session);
  await objects.put(key, A.recording, 'video/webm');
  await repo.createMediaObject({ id: A.mediaObject, sessionId: A.session, s3Key: key, contentType: 'video/webm', state: 'uploaded', hasAudio: true });
  await repo.updateMediaObject(A.mediaObject, { state: 'uploaded', bytes: A.recording.length, durationSec: 30, mediaTimeOriginSec: 0.25, uploadedAt: new Date() });
  await repo.insertFrames(
    Array.from({ length: 50 }, (_, i) => ({
      sessionId: A.session, producerId: `a-producer-${tag}`, kind: 'voice', mediaTimeSec: i * 0.1, windowSec: 0.1, serverTimeMs: startedAt.getTime() + i * 100,
      payload: { levelDbfs: -20 - (i % 7), f0Hz: 110 + i, vadProb: 0.9, isSpeech: true, pauseSec: 0, speakingRatio: 0.8, pitchVariabilitySt: 2, concealedPackets: 0 },
    })),
  );
  await repo.insertPauses([{ sessionId: A.session, producerId: `a-producer-${tag}`, startSec: 2, endSec: 3, durationSec: 1 }]);
  await repo.insertWords([{ sessionId: A.session, producerId: `a-producer-${tag}`, segmentId: 1, word: A.word, startSec: 1, endSec: 1.4, confidence: 0.9 }]);
  await repo.insertDisfluencies([{ sessionId: A.session, producerId: `a-producer-${tag}`, kind: 'lexical-filler', text: A.filler, startSec: 1.5, endSec: 1.7 }]);
  await repo.insertComment({ id: A.commentId, sessionId: A.session, authorPeerId: A.coachPeer, authorName: aCoach.displayName, text: A.comment, mediaTimeSec: 2.5 });
  // Nudges and cues (006), clips (008), the script (009): the org comes from the session as for every per-session table.
  await repo.insertCues([{ id: randomUUID(), sessionId: A.session, source: 'nudge', kind: 'pace', text: 'Slow down', mediaTimeSec: 20, metricValue: 190, authorPeerId: null, authorName: null, sentAt: new Date() }]);
  await db.sql`INSERT INTO session_clips (id, session_id, ordinal, kind, tone, start_sec, end_sec, title, why, value, unit, state)
    VALUES (${randomUUID()}, ${A.session}, 0, 'longest-pause', 'neutral', 1, 4, 'The longest pause', 'a 1.0 s pause', 1, 's', 'pending')`;
  await db.sql`INSERT INTO session_scripts (session_id, text, set_by) VALUES (${A.session}, ${`Script of ${A.title}`}, ${aPres.userId})`;
  await repo.endSession(A.session, { reason: 'api', endedAt: new Date(startedAt.getTime() + 30_000), mediaDurationSec: 30 });
  await reports.jobQueued(A.session, null);
  await reports.jobRunning(A.session, 1);
  await reports.jobDone(A.session, 1234);
  await db.sql`INSERT INTO session_scores (session_id, rubric_version, overall, scores, tips, drills)
    VALUES (${A.session}, ${LATEST_RUBRIC_VERSION}, 71, ${db.sql.json({ rubricVersion: LATEST_RUBRIC_VERSION, overall: { score: 71, ci95: [64, 78] }, subscores: {} })},
      ${db.sql.json([])}, ${db.sql.json([])})`;
  // A second session of A's presenter (no recording), and B's own session.
  await repo.createSession({ id: A.session2, roomId: A.room, nodeId: 'tenancy', orgId: aOwner.orgId, ownerUserId: aPres.userId, title: `${A.title} (2)` });
  // A's coach account took part in session 2 (so may see it without sharing).
  await repo.upsertParticipant({ sessionId: A.session2, peerId: `${A.coachPeer}-2`, role: 'coach', displayName: aCoach.displayName, userId: aCoach.userId });
  await repo.endSession(A.session2, { reason: 'api' });
  await repo.createSession({ id: B.session, roomId: B.room, nodeId: 'tenancy', orgId: bOwner.orgId, ownerUserId: bOwner.userId, title: 'B own session' });
  await repo.endSession(B.session, { reason: 'api' });
  await db.sql`INSERT INTO session_scores (session_id, rubric_version, overall, scores, tips, drills)
    VALUES (${B.session}, ${LATEST_RUBRIC_VERSION}, 55, ${db.sql.json({ rubricVersion: LATEST_RUBRIC_VERSION, overall: { score: 55, ci95: [50, 60] }, subscores: {} })}, ${db.sql.json([])}, ${db.sql.json([])})`;

  // Invitations and a share link through the API, as A.
  const ri = await authFetch(aOwner, `${node.url}/v1/invitations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'room', roomId: A.room, role: 'coach', allowGuests: false }) });
  expect(ri.status).toBe(201);
  Object.assign(A.roomInvitation, await ri.json());
  const oi = await authFetch(aOwner, `${node.url}/v1/invitations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'org', role: 'presenter' }) });
  expect(oi.status).toBe(201);
  Object.assign(A.orgInvitation, await oi.json());
  const sh = await authFetch(aPres, `${node.url}/v1/sessions/${A.session}/share`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect(sh.status).toBe(200);
  A.shareToken = ((await sh.json()) as { token: string }).token;
  const bs = await authFetch(bOwner, `${node.url}/v1/sessions/${B.session}/share`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect(bs.status).toBe(200);
  B.shareToken = ((await bs.json()) as { token: string }).token;

  needles = [
    aOwner.orgId, A.orgName, `Guest coach ${tag}`, A.session, A.session2, A.room, A.title, A.comment, A.word, A.filler, A.mediaObject, A.commentId, A.coachPeer, A.presenterPeer,
    `a-producer-${tag}`, `a-frame-${tag}`, A.recording.subarray(0, 30).toString(), A.roomInvitation.id, A.orgInvitation.id, A.shareToken,
    A.roomInvitation.token, A.orgInvitation.token,
    ...[aOwner, aPres, aPres2, aCoach].flatMap((a) => [a.userId, a.email, a.displayName, a.accessToken, a.refreshToken]),
  ];
}

beforeAll(async () => {
  ({ db, objects } = await storage.start());
  node = await startLectern(
    { port: 0, sfuWorkers: 1, analyzerProcesses: 1, poseProcesses: 0, logLevel: 'silent', dataDir: path.join(work.dir, 'node'), auth: { rateLimitMax: 10000 } },
    { database: db, objects },
  );
  aOwner = await createTestAccount(node, { role: 'owner', orgName: A.orgName, displayName: `Alice Aowner ${tag}`, email: `alice-${tag}@a.example` });
  aPres = await createTestAccount(node, { role: 'presenter', orgId: aOwner.orgId, displayName: `Pat Apresenter ${tag}`, email: `pat-${tag}@a.example` });
  aPres2 = await createTestAccount(node, { role: 'presenter', orgId: aOwner.orgId, displayName: `Quinn Apresenter ${tag}`, email: `quinn-${tag}@a.example` });
  aCoach = await createTestAccount(node, { role: 'coach', orgId: aOwner.orgId, displayName: `Cory Acoach ${tag}`, email: `cory-${tag}@a.example` });
  bOwner = await createTestAccount(node, { role: 'owner', orgName: `Org B ${tag}`, displayName: 'Bob Bowner', email: `bob-${tag}@b.example` });
  bSelfSignOut = await createTestAccount(node, { role: 'admin', orgId: bOwner.orgId, displayName: 'B admin 1', email: `b1-${tag}@b.example` });
  bSelfDelete = await createTestAccount(node, { role: 'admin', orgId: bOwner.orgId, displayName: 'B admin 2', email: `b2-${tag}@b.example` });
  await seedOrgA();
}, 120_000);

afterAll(async () => {
  await node?.close();
  await storage.close();
});

/** A snapshot of A's data, to compare before and after B's probes. */
async function snapshotA() {
  const count = async (t: string) => (await db.sql.unsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM ${t} WHERE org_id = $1`, [aOwner.orgId]))[0]!.n;
  const tables = ['sessions', 'participants', 'media_objects', 'metric_frames', 'pauses', 'transcript_words', 'disfluency_events', 'coach_comments', 'session_cues', 'session_clips', 'session_scripts', 'analysis_jobs', 'session_scores', 'memberships', 'invitations'];
  const counts = Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await count(t)] as const)));
  const [s] = await db.sql`SELECT title, shared_with_coaches, state FROM sessions WHERE id = ${A.session}`;
  const [o] = await db.sql`SELECT name, retention_days FROM orgs WHERE id = ${aOwner.orgId}`;
  const roles = await db.sql`SELECT user_id, role FROM memberships WHERE org_id = ${aOwner.orgId} ORDER BY user_id`;
  const invitations = await db.sql`SELECT id, revoked_at, uses FROM invitations WHERE org_id = ${aOwner.orgId} ORDER BY id`;
  const object = await objects.head(ObjectStore.recordingKey(aOwner.orgId, A.session));
  const tokens = await db.sql`SELECT count(*)::int AS n FROM refresh_tokens WHERE org_id = ${aOwner.orgId} AND revoked_at IS NULL`;
  return { counts, session: s, org: o, roles, invitations, objectBytes: object?.bytes ?? null, liveRefreshTokens: tokens[0]!.n };
}

interface Probe {
  method: string;
  /** The route as registered (e.g. `/v1/sessions/:id`). */
  route: string;
  /** The URL called with B's token (A's ids filled in). */
  url: string;
  body?: unknown;
  raw?: Buffer;
  contentType?: string;
  /** `id`: about one of A's ids → 404 (or the given status); `own`: acts on the caller's own org; `public`. */
  kind: 'id' | 'own' | 'public';
  /** Expected status with B's token (default 404 for `id`). */
  b: number;
  /** Expected status anonymous (default 401). */
  anon?: number;
  /** Token used instead of B's owner's (routes that end their caller's sign-in). */
  as?: () => TestAccount;
  /** Extra checks of B's answer. */
  check?: (res: Res) => void | Promise<void>;
}

function probes(): Probe[] {
  const s = A.session;
  return [
    // ── set-up and sign-in (public) ──
    { method: 'GET', route: '/v1/setup', url: '/v1/setup', kind: 'public', b: 200, anon: 200, check: (r) => expect(JSON.parse(r.text)).toEqual({ needsOwner: false, openSignUp: false }) },
    { method: 'POST', route: '/v1/setup', url: '/v1/setup', kind: 'public', body: { setupToken: 'x'.repeat(24), email: `setup-${tag}@b.example`, password: 'a long password', displayName: 'X', orgName: 'X' }, b: 409, anon: 409 },
    { method: 'POST', route: '/v1/auth/sign-up', url: '/v1/auth/sign-up', kind: 'public', body: { email: `signup-${tag}@b.example`, password: 'a long password', displayName: 'X' }, b: 403, anon: 403 },
    // A's presenter's e-mail with a wrong password: the same 401 as an unknown e-mail.
    { method: 'POST', route: '/v1/auth/sign-in', url: '/v1/auth/sign-in', kind: 'public', body: { email: aPres.email, password: 'not the password' }, b: 401, anon: 401 },
    { method: 'POST', route: '/v1/auth/refresh', url: '/v1/auth/refresh', kind: 'public', b: 401, anon: 401 },
    { method: 'POST', route: '/v1/auth/sign-out', url: '/v1/auth/sign-out', kind: 'public', b: 204, anon: 204 },
    { method: 'POST', route: '/v1/auth/sign-out-everywhere', url: '/v1/auth/sign-out-everywhere', kind: 'own', b: 204, as: () => bSelfSignOut },
    // Changing "a password" with A's presenter's current password: it is B's own account's, so 403.
    { method: 'POST', route: '/v1/auth/password', url: '/v1/auth/password', kind: 'own', body: { currentPassword: aPres.password, newPassword: 'b takes over 123' }, b: 403 },
    // ── me ──
    { method: 'GET', route: '/v1/me', url: '/v1/me', kind: 'own', b: 200, check: (r) => expect(JSON.parse(r.text)).toMatchObject({ user: { id: bOwner.userId }, org: { id: bOwner.orgId } }) },
    { method: 'POST', route: '/v1/me/consent', url: '/v1/me/consent', kind: 'own', b: 200, check: (r) => expect(JSON.parse(r.text)).toMatchObject({ id: bOwner.userId }) },
    {
      method: 'GET', route: '/v1/me/export', url: '/v1/me/export', kind: 'own', b: 200,
      check: (r) => {
        const { names } = zipText(r.buf);
        expect(names).toEqual(expect.arrayContaining(['account.json', `sessions/${B.session}/session.json`]));
        expect(names.some((n) => n.includes(A.session))).toBe(false);
      },
    },
    { method: 'DELETE', route: '/v1/me', url: '/v1/me', kind: 'own', b: 204, as: () => bSelfDelete },
    // ── organization, members ──
    { method: 'GET', route: '/v1/org', url: '/v1/org', kind: 'own', b: 200, check: (r) => expect(JSON.parse(r.text)).toMatchObject({ id: bOwner.orgId }) },
    { method: 'PATCH', route: '/v1/org', url: '/v1/org', kind: 'own', body: { name: `Org B renamed ${tag}`, retentionDays: 3650 }, b: 200, check: (r) => expect(JSON.parse(r.text)).toMatchObject({ id: bOwner.orgId, retentionDays: 3650 }) },
    { method: 'GET', route: '/v1/org/members', url: '/v1/org/members', kind: 'own', b: 200, check: (r) => expect((JSON.parse(r.text) as { items: { userId: string }[] }).items.map((m) => m.userId)).toContain(bOwner.userId) },
    { method: 'PATCH', route: '/v1/org/members/:userId', url: `/v1/org/members/${aPres.userId}`, kind: 'id', body: { role: 'admin' }, b: 404 },
    { method: 'DELETE', route: '/v1/org/members/:userId', url: `/v1/org/members/${aPres.userId}`, kind: 'id', b: 404 },
    // ── invitations ──
    { method: 'POST', route: '/v1/invitations', url: '/v1/invitations', kind: 'own', body: { kind: 'room', roomId: B.room, role: 'coach' }, b: 201, check: (r) => expect(jwtPayload(JSON.parse(r.text).token)).toMatchObject({ org: bOwner.orgId }) },
    { method: 'GET', route: '/v1/invitations', url: '/v1/invitations', kind: 'own', b: 200 },
    { method: 'DELETE', route: '/v1/invitations/:id', url: `/v1/invitations/${A.roomInvitation.id}`, kind: 'id', b: 404 },
    // Invitation links are capabilities (the link is the grant): a forged A link → 404; A's
    // members-only room link used by B's owner → 403 (B is not a member of A).
    { method: 'GET', route: '/v1/join/:token', url: `/v1/join/${forge(A.roomInvitation.token)}`, kind: 'public', b: 404, anon: 404 },
    { method: 'POST', route: '/v1/join/:token', url: `/v1/join/${A.roomInvitation.token}`, kind: 'public', body: {}, b: 403, anon: 403 },
    // ── rooms: A's room name gives B a grant for B's own room of that name ──
    {
      method: 'POST', route: '/v1/rooms/:room/token', url: `/v1/rooms/${A.room}/token`, kind: 'own', body: { role: 'viewer' }, b: 200,
      check: (r) => expect(jwtPayload(JSON.parse(r.text).grant)).toMatchObject({ org: bOwner.orgId, room: A.room, sub: bOwner.userId }),
    },
    { method: 'GET', route: '/v1/audit', url: '/v1/audit?limit=200', kind: 'own', b: 200, check: (r) => expect((JSON.parse(r.text) as { items: unknown[] }).items.length).toBeGreaterThan(0) },
    // ── sessions ──
    { method: 'GET', route: '/v1/sessions', url: '/v1/sessions?limit=100', kind: 'own', b: 200, check: (r) => expect((JSON.parse(r.text) as { items: { id: string }[] }).items.map((x) => x.id)).toEqual([B.session]) },
    { method: 'GET', route: '/v1/sessions/:id', url: `/v1/sessions/${s}`, kind: 'id', b: 404 },
    { method: 'PATCH', route: '/v1/sessions/:id', url: `/v1/sessions/${s}`, kind: 'id', body: { title: 'pwned by B', sharedWithCoaches: true }, b: 404 },
    { method: 'DELETE', route: '/v1/sessions/:id', url: `/v1/sessions/${s}`, kind: 'id', b: 404 },
    { method: 'GET', route: '/v1/sessions/:id/timeline', url: `/v1/sessions/${s}/timeline`, kind: 'id', b: 404 },
    { method: 'POST', route: '/v1/sessions/:id/end', url: `/v1/sessions/${s}/end`, kind: 'id', b: 404 },
    // ── reports ──
    { method: 'GET', route: '/v1/sessions/:id/report', url: `/v1/sessions/${s}/report`, kind: 'id', b: 404 },
    { method: 'GET', route: '/v1/sessions/:id/report.csv', url: `/v1/sessions/${s}/report.csv`, kind: 'id', b: 404 },
    { method: 'GET', route: '/v1/sessions/:id/report.pdf', url: `/v1/sessions/${s}/report.pdf`, kind: 'id', b: 404 },
    { method: 'GET', route: '/v1/sessions/:id/job', url: `/v1/sessions/${s}/job`, kind: 'id', b: 404 },
    { method: 'POST', route: '/v1/sessions/:id/analyze', url: `/v1/sessions/${s}/analyze`, kind: 'id', b: 404 },
    { method: 'POST', route: '/v1/sessions/:id/share', url: `/v1/sessions/${s}/share`, kind: 'id', body: { ttlSec: 3600 }, b: 404 },
    // Share links are capabilities too: a forged A link → 403.
    { method: 'GET', route: '/v1/shared/:token/report', url: `/v1/shared/${forge(A.shareToken)}/report`, kind: 'public', b: 403, anon: 403 },
    { method: 'GET', route: '/v1/shared/:token/report.csv', url: `/v1/shared/${forge(A.shareToken)}/report.csv`, kind: 'public', b: 403, anon: 403 },
    { method: 'GET', route: '/v1/shared/:token/report.pdf', url: `/v1/shared/${forge(A.shareToken)}/report.pdf`, kind: 'public', b: 403, anon: 403 },
    { method: 'POST', route: '/v1/drills/read-aloud', url: '/v1/drills/read-aloud?target=hello%20world', kind: 'own', raw: Buffer.alloc(0), contentType: 'audio/webm', b: 400 },
    { method: 'GET', route: '/v1/progress', url: '/v1/progress', kind: 'own', b: 200 },
    // ── search and script mode ──
    // A word only A's session holds: B's search finds nothing (row-level security on the words).
    { method: 'GET', route: '/v1/search', url: `/v1/search?q=${encodeURIComponent(A.word)}`, kind: 'own', b: 200, check: (r) => expect((JSON.parse(r.text) as { items: unknown[] }).items).toEqual([]) },
    { method: 'GET', route: '/v1/sessions/:id/script', url: `/v1/sessions/${s}/script`, kind: 'id', b: 404 },
    { method: 'PUT', route: '/v1/sessions/:id/script', url: `/v1/sessions/${s}/script`, kind: 'id', body: { text: 'B rewrites A script' }, b: 404 },
  ];
}

describe('cross-tenant probes: every /v1 route, B on A and anonymous', () => {
  it('answers B with 404 (or B-only data) and anonymous callers with 401; no answer holds any of A\'s data', async () => {
    const routes = v1Routes();
    const list = probes();
    // Every registered route has a probe, and every probe a route (a new route fails here until probed).
    expect(list.map((p) => `${p.method} ${p.route}`).sort()).toEqual(routes);
    const before = await snapshotA();
    const rows: string[] = [];
    let requests = 0;
    let leaks = 0;
    const leakReport: string[] = [];
    for (const p of list) {
      const who = p.as?.() ?? bOwner;
      const reqText = `${p.url} ${p.body ? JSON.stringify(p.body) : ''}`;
      // Anonymous and garbage-token calls first (the B call may end its caller).
      const anon = await call(p.method, p.url, { body: p.body, raw: p.raw, contentType: p.contentType });
      const garbage = await call(p.method, p.url, { token: 'not.a.token', body: p.body, raw: p.raw, contentType: p.contentType });
      const b = await call(p.method, p.url, { token: who.accessToken, body: p.body, raw: p.raw, contentType: p.contentType });
      requests += 3;
      const found = [...new Set([...leaksIn(anon, reqText), ...leaksIn(garbage, reqText), ...leaksIn(b, reqText)])];
      leaks += found.length;
      if (found.length) leakReport.push(`${p.method} ${p.url}: ${found.join(', ')}\n  B: ${b.text.slice(0, 400)}\n  anon: ${anon.text.slice(0, 200)}`);
      rows.push(`[probe] ${p.method} ${p.route} | ${p.kind === 'id' ? 'B-on-A' : p.kind === 'own' ? 'B-own' : 'public'}: ${b.status} | anon: ${anon.status} | bad-token: ${garbage.status} | leak: ${found.length ? found.join(',') : 'none'}`);
      expect.soft(b.status, `${p.method} ${p.url} as B: ${b.text.slice(0, 300)}`).toBe(p.b);
      expect.soft(anon.status, `${p.method} ${p.url} anonymous: ${anon.text.slice(0, 300)}`).toBe(p.kind === 'public' ? p.anon : 401);
      if (p.kind !== 'public') expect.soft(JSON.parse(anon.text), `${p.method} ${p.url}`).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
      // A token that does not verify is refused everywhere, public routes included (an access token is used when sent).
      expect.soft(garbage.status, `${p.method} ${p.url} with a garbage token`).toBe(401);
      if (b.status >= 400) expect.soft(b.type, `${p.method} ${p.url}`).toMatch(/application\/problem\+json/);
      if (p.check && b.status === p.b) await p.check(b);
    }
    // Odd paths: doubled slashes, encoded letters, trailing slash, upper case: never an A answer.
    const odd = [`//v1/sessions/${A.session}`, `/%761/sessions/${A.session}`, `/v1/sessions/${A.session}/`, `/V1/sessions/${A.session}`, `/v1/sessions/${A.session.toUpperCase()}`, `/v1/sessions/${A.session}%00`, `/v1/sessions/..%2F${A.session}`, `/v1/setup/../sessions/${A.session}`];
    for (const url of odd) {
      const seen: string[] = [];
      for (const token of [bOwner.accessToken, undefined]) {
        const r = await call('GET', url, { token });
        seen.push(`${r.status}${r.type?.includes('text/html') ? ' (web app)' : ''}`);
        requests++;
        const found = leaksIn(r, url);
        leaks += found.length;
        if (found.length) leakReport.push(`GET ${url}: ${found.join(', ')}: ${r.text.slice(0, 300)}`);
        // The web app's fallback answers paths outside /v1 with its index.html (no data).
        if (r.status === 200) expect.soft(r.type, `GET ${url}`).toMatch(/text\/html/);
        else expect.soft([400, 401, 404], `GET ${url} ${token ? 'as B' : 'anonymous'} → ${r.status} ${r.text.slice(0, 200)}`).toContain(r.status);
      }
      rows.push(`[probe] GET ${url} | odd path, B: ${seen[0]} | anon: ${seen[1]} | leak: none`);
    }
    // Non-API routes answer without A's data too.
    for (const url of ['/health', '/']) {
      const r = await call('GET', url);
      requests++;
      const found = leaksIn(r, url);
      leaks += found.length;
      rows.push(`[probe] GET ${url} | non-api: ${r.status} | leak: ${found.length ? found.join(',') : 'none'}`);
    }
    console.log(rows.join('\n'));
    if (leakReport.length) console.log(`[probe] LEAKS:\n${leakReport.join('\n')}`);
    console.log(`[probe] routes=${routes.length} probes=${requests} leaks=${leaks}`);
    expect(leaks, leakReport.join('\n')).toBe(0);

    // B's attempts changed nothing of A's.
    const after = await snapshotA();
    expect(after).toEqual(before);
    expect(after.session).toMatchObject({ title: A.title, shared_with_coaches: false, state: 'ended' });
    // A still works: its presenter signs in with the password B tried to change, the session is there.
    const signIn = await call('POST', '/v1/auth/sign-in', { body: { email: aPres.email, password: aPres.password } });
    expect(signIn.status).toBe(200);
    const mine = await call('GET', `/v1/sessions/${A.session}`, { token: aPres.accessToken });
    expect(mine.status).toBe(200);
    expect(JSON.parse(mine.text)).toMatchObject({ id: A.session, title: A.title, recordingUrl: expect.stringContaining(ObjectStore.recordingKey(aOwner.orgId, A.session)) });
    // The self-ending probes did end their own callers only.
    expect((await call('GET', '/v1/me', { token: bSelfSignOut.accessToken })).status).toBe(401);
    expect((await db.sql`SELECT 1 FROM users WHERE id = ${bSelfDelete.userId}`).length).toBe(0);
    expect((await call('GET', '/v1/me', { token: bOwner.accessToken })).status).toBe(200);
  }, 120_000);

  it('capability links: A\'s own share link shows A\'s report (by design), B\'s shows none of A\'s data', async () => {
    const mine = await call('GET', `/v1/shared/${A.shareToken}/report`);
    expect(mine.status).toBe(200);
    expect(JSON.parse(mine.text)).toMatchObject({ sessionId: A.session, report: { overall: { score: 71 } } });
    for (const suffix of ['', '.csv', '.pdf']) {
      const b = await call('GET', `/v1/shared/${B.shareToken}/report${suffix}`);
      expect(b.status, suffix).toBe(200);
      expect(leaksIn(b, ''), suffix).toEqual([]);
    }
    // B's invitation link previews B's org, nothing of A's.
    const bInv = await call('POST', '/v1/invitations', { token: bOwner.accessToken, body: { kind: 'room', roomId: B.room, role: 'viewer', allowGuests: true } });
    const preview = await call('GET', `/v1/join/${JSON.parse(bInv.text).token}`);
    expect(preview.status).toBe(200);
    expect(leaksIn(preview, '')).toEqual([]);
    // A guest of B's room cannot be turned into a visitor of A's room.
    const guest = await call('POST', `/v1/join/${JSON.parse(bInv.text).token}`, { body: { displayName: 'B guest' } });
    expect(guest.status).toBe(200);
    const g = JSON.parse(guest.text) as { session: { accessToken: string } };
    // The acceptance: the guest session and the grant for B's room (and the refresh cookie).
    expect(g).toMatchObject({ session: { role: 'guest', user: null, org: { id: bOwner.orgId } }, grant: { roomId: B.room, role: 'viewer' } });
    expect(guest.headers.get('set-cookie')).toMatch(/^lectern_refresh=/);
    const viaGuest = await call('POST', `/v1/rooms/${A.room}/token`, { token: g.session.accessToken, body: { role: 'viewer' } });
    expect(viaGuest.status).toBe(403);
    for (const url of [`/v1/sessions/${A.session}`, '/v1/sessions', '/v1/org/members', '/v1/invitations', '/v1/me/export']) {
      const r = await call('GET', url, { token: g.session.accessToken });
      expect([403, 404, 200], url).toContain(r.status);
      expect(leaksIn(r, url), url).toEqual([]);
    }
    expect((await call('GET', `/v1/sessions/${A.session}`, { token: g.session.accessToken })).status).toBe(404);
  });
});

// ── Socket.IO ────────────────────────────────────────────────────────────────────────────────

interface Client {
  socket: Socket;
  frames: VoiceFrame[];
  comments: unknown[];
  peersJoined: { peerId: string }[];
  request<T>(event: string, payload?: unknown): Promise<Ack<T>>;
}

async function connect(token: string | undefined): Promise<Client> {
  const socket = io(node.url, { transports: ['websocket'], reconnection: false, auth: token === undefined ? {} : { token } });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  const frames: VoiceFrame[] = [];
  const peersJoined: { peerId: string }[] = [];
  socket.on('metrics:voice', (f: VoiceFrame) => frames.push(f));
  socket.on('room:peer-joined', (p: { peerId: string }) => peersJoined.push(p));
  const request = <T>(event: string, payload?: unknown) => socket.timeout(10_000).emitWithAck(event, payload) as Promise<Ack<T>>;
  return { socket, frames, comments: [], peersJoined, request };
}

async function refused(token: unknown): Promise<string> {
  const socket = io(node.url, { transports: ['websocket'], reconnection: false, auth: token === undefined ? {} : { token } });
  try {
    return await new Promise<string>((resolve, reject) => {
      socket.once('connect', () => reject(new Error('the handshake was accepted')));
      socket.once('connect_error', (err: Error) => resolve(err.message));
    });
  } finally {
    socket.close();
  }
}

const voiceFrame = (key: string, note: string): VoiceFrame =>
  ({ roomId: key, producerId: note, kind: 'voice', mediaTimeSec: 1, windowSec: 0.1, serverTimeMs: Date.now(), levelDbfs: -20, f0Hz: 120, isSpeech: true, pauseSec: 0, speakingRatio: 0.8, pitchVariabilitySt: 2 }) as VoiceFrame;

describe('cross-tenant probes: Socket.IO', () => {
  it('refuses anonymous and bad handshakes; every room event before room:join → OUT_OF_ORDER', async () => {
    const rows: string[] = [];
    for (const [label, token] of [['none', undefined], ['empty', ''], ['garbage', 'not.a.token'], ['number', 42], ['room grant as access token', await roomGrant(node, bOwner, B.room, 'viewer')], ['forged access token', forge(bOwner.accessToken)]] as const) {
      const msg = await refused(token);
      expect(msg, label).toMatch(/^UNAUTHENTICATED/);
      rows.push(`[probe] socket handshake (${label}) | refused: ${msg.split(':')[0]}`);
    }
    const c = await connect(bOwner.accessToken);
    const before: [string, unknown][] = [
      ['transport:create', { direction: 'send' }],
      ['transport:connect', { transportId: 'x', dtlsParameters: {} }],
      ['producer:create', { transportId: 'x', kind: 'audio', rtpParameters: {} }],
      ['producer:close', { producerId: 'x' }],
      ['consumer:create', { transportId: 'x', producerId: 'x', rtpCapabilities: {} }],
      ['consumer:resume', { consumerId: 'x' }],
      ['cue:send', { text: 'hello' }],
      ['comment:add', { text: 'hello' }],
    ];
    for (const [event, payload] of before) {
      const ack = await c.request(event, payload);
      expect(ack, event).toMatchObject({ ok: false, error: { code: ErrorCode.OutOfOrder } });
      rows.push(`[probe] socket ${event} before join | ${ack.ok ? 'ok' : ack.error.code}`);
    }
    // Leaving without having joined is a no-op; the connection stays up.
    expect(await c.request('room:leave', {})).toEqual({ ok: true, data: {} });
    expect(c.socket.connected).toBe(true);
    c.socket.close();
    console.log(rows.join('\n'));
  });

  it("B joining A's room name lands in B's own room; A's grant, A's identity, A's producer are out of reach", async () => {
    const rows: string[] = [];
    // A: the presenter is in the room with a live session (a PlainTransport producer stands in for
    // the browser), the owner watches.
    const aPresenter = await connect(aPres.accessToken);
    const aGrant = await roomGrant(node, aPres, A.room, 'presenter');
    const aJoin = await aPresenter.request<JoinResponse>('room:join', { roomId: A.room, grant: aGrant, displayName: aPres.displayName });
    expect(aJoin.ok, JSON.stringify(aJoin)).toBe(true);
    const aKey = roomKey(aOwner.orgId, A.room);
    const sfuRoom = await node.sfu.getOrCreateRoom(aKey);
    const transport: types.PlainTransport = await sfuRoom.router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: true, comedia: true });
    const producer = await transport.produce({ kind: 'audio', rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 22222 }] } });
    A.producerId = producer.id;
    node.sessions!.manager.producerAdded(sfuRoom, { peerId: aJoin.ok ? aJoin.data.peerId : '', role: 'presenter', userId: aPres.userId }, producer);
    const liveA = node.sessions!.manager.liveSessionOfRoom(aKey)!;
    expect(liveA).toBeTruthy();
    const aWatcher = await connect(aOwner.accessToken);
    expect((await aWatcher.request('room:join', { roomId: A.room, grant: await roomGrant(node, aOwner, A.room, 'viewer') })).ok).toBe(true);
    needles.push(liveA, aJoin.ok ? aJoin.data.peerId : 'x', producer.id);

    // B with B's own grant for the same room name: a different room.
    const b = await connect(bOwner.accessToken);
    const bJoin = await b.request<JoinResponse>('room:join', { roomId: A.room, grant: await roomGrant(node, bOwner, A.room, 'presenter'), displayName: 'B presenter' });
    expect(bJoin.ok, JSON.stringify(bJoin)).toBe(true);
    if (!bJoin.ok) return;
    expect(bJoin.data.peers).toEqual([]);
    expect(bJoin.data.producers).toEqual([]);
    rows.push(`[probe] socket room:join "${A.room}" with B's grant | joined ${roomKey(bOwner.orgId, A.room) === aKey ? 'THE SAME ROOM' : "B's own room"}: peers=${bJoin.data.peers.length} producers=${bJoin.data.producers.length}`);
    // Frames of A's room reach A only; frames of B's room reach B only.
    node.bus.publish(aKey, { event: 'metrics:voice', payload: voiceFrame(aKey, `a-frame-${tag}`) });
    node.bus.publish(roomKey(bOwner.orgId, A.room), { event: 'metrics:voice', payload: voiceFrame(roomKey(bOwner.orgId, A.room), 'b-frame') });
    await waitUntil(() => aWatcher.frames.length >= 1 && b.frames.length >= 1, 5000, 'frames at both');
    await new Promise((r) => setTimeout(r, 300));
    expect(aWatcher.frames.map((f) => f.producerId)).toEqual([`a-frame-${tag}`]);
    expect(aWatcher.frames[0]!.roomId).toBe(A.room); // the org prefix stays on the server
    expect(b.frames.map((f) => f.producerId)).toEqual(['b-frame']);
    expect(aPresenter.peersJoined.map((p) => p.peerId)).not.toContain(bJoin.data.peerId);
    rows.push(`[probe] socket metrics in "${A.room}" | A frames at B: ${b.frames.filter((f) => f.producerId !== 'b-frame').length}, B frames at A: ${aWatcher.frames.filter((f) => f.producerId === 'b-frame').length}`);

    // A's producer is not B's to consume or close (B knows its id, somehow).
    const t = await b.request<{ id: string }>('transport:create', { direction: 'recv' });
    expect(t.ok).toBe(true);
    const consume = await b.request('consumer:create', { transportId: t.ok ? t.data.id : 'x', producerId: producer.id, rtpCapabilities: aJoin.ok ? aJoin.data.routerRtpCapabilities : {} });
    expect(consume).toMatchObject({ ok: false, error: { code: ErrorCode.NotFound } });
    const close = await b.request('producer:close', { producerId: producer.id });
    expect(close).toMatchObject({ ok: false, error: { code: ErrorCode.NotFound } });
    expect(producer.closed).toBe(false);
    rows.push(`[probe] socket consumer:create / producer:close of A's producer as B | ${consume.ok ? 'ok' : consume.error.code} / ${close.ok ? 'ok' : close.error.code}`);

    // B as a coach of its own room of that name: no comment lands in A's live session.
    const bCoach = await connect(bOwner.accessToken);
    expect((await bCoach.request('room:join', { roomId: A.room, grant: await roomGrant(node, bOwner, A.room, 'coach') })).ok).toBe(true);
    const comment = await bCoach.request('comment:add', { text: 'B writes into A?' });
    expect(comment).toMatchObject({ ok: false, error: { code: ErrorCode.NotFound } });
    const cue = await bCoach.request('cue:send', { text: 'B cues A?' });
    expect(cue).toMatchObject({ ok: true, data: { deliveredTo: 1 } }); // B's own presenter, not A's
    await new Promise((r) => setTimeout(r, 300));
    expect((await db.sql`SELECT count(*)::int AS n FROM coach_comments WHERE session_id = ${liveA}`)[0]!.n).toBe(0);
    rows.push(`[probe] socket comment:add as B coach in "${A.room}" | ${comment.ok ? 'ok' : comment.error.code}; comments in A's live session: 0`);

    // A's grant with B's token → FORBIDDEN; a grant edited to B's org → UNAUTHENTICATED.
    const thief = await connect(bOwner.accessToken);
    for (const [label, grant] of [['A presenter grant', aGrant], ['A owner viewer grant', await roomGrant(node, aOwner, A.room, 'viewer')]] as const) {
      const ack = await thief.request('room:join', { roomId: A.room, grant });
      expect(ack, label).toMatchObject({ ok: false, error: { code: ErrorCode.Forbidden } });
      rows.push(`[probe] socket room:join with ${label} and B's token | ${ack.ok ? 'ok' : ack.error.code}`);
    }
    const [h, , s] = aGrant.split('.');
    const edited = `${h}.${Buffer.from(JSON.stringify({ ...jwtPayload(aGrant), org: bOwner.orgId, sub: bOwner.userId })).toString('base64url')}.${s}`;
    const ack = await thief.request('room:join', { roomId: A.room, grant: edited });
    expect(ack).toMatchObject({ ok: false, error: { code: ErrorCode.Unauthenticated } });
    rows.push(`[probe] socket room:join with A's grant edited to B | ${ack.ok ? 'ok' : ack.error.code}`);
    // A grant for another room name than the one joined.
    const other = await thief.request('room:join', { roomId: 'another-room', grant: await roomGrant(node, bOwner, B.room, 'viewer') });
    expect(other).toMatchObject({ ok: false, error: { code: ErrorCode.Forbidden } });
    // auth:refresh with A's token cannot change the socket's identity.
    const takeover = await thief.request('auth:refresh', { token: aPres.accessToken });
    expect(takeover).toMatchObject({ ok: false, error: { code: ErrorCode.Forbidden } });
    expect(await thief.request('room:join', { roomId: A.room, grant: aGrant })).toMatchObject({ ok: false, error: { code: ErrorCode.Forbidden } });
    rows.push(`[probe] socket auth:refresh with A's token on B's socket | ${takeover.ok ? 'ok' : takeover.error.code}`);

    for (const c of [thief, bCoach, b, aWatcher, aPresenter]) c.socket.close();
    console.log(rows.join('\n'));
    await node.sessions!.manager.endSession(liveA, 'api');
    transport.close();
  }, 60_000);
});

// ── Inside organization A ──────────────────────────────────────────────────────────────────

describe('inside one organization: presenters and coaches', () => {
  it("a presenter cannot see another presenter's session; a coach only once it is shared, and may not change it", async () => {
    const id = A.session;
    const get = (acc: TestAccount, url: string, init: RequestInit = {}) => authFetch(acc, `${node.url}${url}`, init);
    const patch = (acc: TestAccount, body: unknown) => get(acc, `/v1/sessions/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const reads = [`/v1/sessions/${id}`, `/v1/sessions/${id}/timeline`, `/v1/sessions/${id}/report`, `/v1/sessions/${id}/job`];
    // A coach sees the sessions they took part in (session 2), without sharing.
    expect((await get(aCoach, `/v1/sessions/${A.session2}`)).status).toBe(200);
    expect((await get(aPres2, `/v1/sessions/${A.session2}`)).status).toBe(404);
    for (const acc of [aPres2, aCoach]) {
      for (const url of reads) expect((await get(acc, url)).status, `${acc.role} ${url}`).toBe(404);
      const list = (await (await get(acc, '/v1/sessions')).json()) as { items: { id: string }[] };
      expect(list.items.map((s) => s.id)).not.toContain(id);
      expect((await patch(acc, { title: 'mine now' })).status).toBe(404);
      expect((await get(acc, `/v1/sessions/${id}`, { method: 'DELETE' })).status).toBe(404);
    }
    // The presenter shares it with the organization's coaches.
    const shared = await patch(aPres, { sharedWithCoaches: true });
    expect(shared.status).toBe(200);
    expect(await shared.json()).toMatchObject({ id, sharedWithCoaches: true });
    for (const url of reads) expect((await get(aCoach, url)).status, `coach ${url}`).toBe(200);
    const tl = (await (await get(aCoach, `/v1/sessions/${id}/timeline`)).json()) as { comments: { text: string }[]; words: { word: string }[] };
    expect(tl.comments.map((c) => c.text)).toEqual([A.comment]);
    expect(tl.words.map((w) => w.word)).toEqual([A.word]);
    const list = (await (await get(aCoach, '/v1/sessions')).json()) as { items: { id: string }[] };
    expect(list.items.map((s) => s.id)).toContain(id);
    // …but not change, end, analyse, share or delete it.
    expect((await patch(aCoach, { title: 'coach title' })).status).toBe(403);
    expect((await patch(aCoach, { sharedWithCoaches: false })).status).toBe(403);
    for (const [method, url] of [['DELETE', `/v1/sessions/${id}`], ['POST', `/v1/sessions/${id}/end`], ['POST', `/v1/sessions/${id}/analyze`], ['POST', `/v1/sessions/${id}/share`]] as const) {
      const r = await get(aCoach, url, method === 'POST' ? { method, headers: { 'content-type': 'application/json' }, body: '{}' } : { method });
      expect(r.status, `coach ${method} ${url}`).toBe(403);
      expect(await r.json()).toMatchObject({ code: 'FORBIDDEN' });
    }
    // Sharing with coaches does not share with other presenters.
    for (const url of reads) expect((await get(aPres2, url)).status, `presenter2 ${url}`).toBe(404);
    expect((await get(aPres2, `/v1/sessions/${id}`, { method: 'DELETE' })).status).toBe(404);
    // Coaches and presenters do not read the members list or the audit log.
    for (const acc of [aCoach, aPres2]) {
      expect((await get(acc, '/v1/org/members')).status).toBe(403);
      expect((await get(acc, '/v1/audit')).status).toBe(403);
    }
    // The session is intact; un-share it again.
    const [row] = await db.sql`SELECT title FROM sessions WHERE id = ${id}`;
    expect(row).toMatchObject({ title: A.title });
    expect((await patch(aPres, { sharedWithCoaches: false })).status).toBe(200);
    expect((await get(aCoach, `/v1/sessions/${id}`)).status).toBe(404);
  });
});

// ── Row-level security alone ───────────────────────────────────────────────────────────────

describe('row-level security alone (no WHERE clause)', () => {
  const TABLES = ['sessions', 'participants', 'metric_frames', 'pauses', 'transcript_words', 'disfluency_events', 'coach_comments', 'session_cues', 'session_clips', 'session_scripts', 'media_objects', 'analysis_jobs', 'session_scores', 'memberships', 'invitations', 'audit_events', 'refresh_tokens', 'rooms', 'orgs', 'users'];
  /** Whether a row belongs to organization A. */
  const isA = (t: string, r: Record<string, unknown>) =>
    t === 'orgs' ? r.id === aOwner.orgId : t === 'users' ? [aOwner, aPres, aPres2, aCoach].some((a) => a.userId === r.id) : r.org_id === aOwner.orgId;

  it("B's transaction sees none of A's rows in any table; the app pool outside a transaction sees none at all; the owner pool sees them", async () => {
    await db.sql`UPDATE sessions SET shared_with_coaches = false WHERE org_id = ${aOwner.orgId}`;
    const rows: string[] = [];
    for (const t of TABLES) {
      const asB = await db.asPrincipal({ orgId: bOwner.orgId, userId: bOwner.userId, role: 'owner' }, (tx) => tx.unsafe<Record<string, unknown>[]>(`SELECT * FROM ${t}`));
      const outside = await db.app.unsafe<Record<string, unknown>[]>(`SELECT * FROM ${t}`);
      const owner = await db.sql.unsafe<Record<string, unknown>[]>(`SELECT * FROM ${t}`);
      const ofA = owner.filter((r) => isA(t, r)).length;
      rows.push(`[probe] RLS ${t}: owner pool sees ${ofA} of A's rows; B sees ${asB.filter((r) => isA(t, r)).length} of A's (${asB.length} in all); app pool outside asPrincipal: ${outside.length}`);
      expect(asB.filter((r) => isA(t, r)), t).toEqual([]);
      expect(outside, t).toEqual([]);
      if (t !== 'rooms') expect(ofA, `${t}: A has rows (the probe means something)`).toBeGreaterThan(0);
      if (t === 'refresh_tokens') expect(asB).toEqual([]); // no policy: nobody on the app pool
    }
    // Inside A: a presenter sees only their own sessions, a coach none that were not shared.
    const asPres2 = await db.asPrincipal({ orgId: aOwner.orgId, userId: aPres2.userId, role: 'presenter' }, (tx) => tx<{ id: string }[]>`SELECT id FROM sessions`);
    expect(asPres2).toEqual([]);
    const asCoach = await db.asPrincipal({ orgId: aOwner.orgId, userId: aCoach.userId, role: 'coach' }, (tx) => tx<{ id: string }[]>`SELECT id FROM metric_frames m JOIN sessions s ON s.id = m.session_id`);
    expect(asCoach).toEqual([]);
    const asPres = await db.asPrincipal({ orgId: aOwner.orgId, userId: aPres.userId, role: 'presenter' }, (tx) => tx<{ id: string; owner: string }[]>`SELECT id, owner_user_id AS owner FROM sessions`);
    expect(asPres.map((r) => r.id)).toEqual(expect.arrayContaining([A.session, A.session2]));
    expect(asPres.every((r) => r.owner === aPres.userId)).toBe(true);
    // A presenter does not read the audit log; a coach sees org members (names) but no refresh tokens.
    expect(await db.asPrincipal({ orgId: aOwner.orgId, userId: aPres.userId, role: 'presenter' }, (tx) => tx`SELECT * FROM audit_events`)).toEqual([]);
    console.log(rows.join('\n'));
  });

  it("B's transaction cannot change or add A's rows", async () => {
    const asB = <T>(fn: (tx: import('postgres').Sql) => Promise<T>) => db.asPrincipal({ orgId: bOwner.orgId, userId: bOwner.userId, role: 'owner' }, fn);
    const rows: string[] = [];
    const changed = async (label: string, fn: (tx: import('postgres').Sql) => Promise<{ count: number }>) => {
      const r = await asB(fn);
      rows.push(`[probe] RLS write as B: ${label} → ${r.count} rows`);
      expect(r.count, label).toBe(0);
    };
    await changed('UPDATE sessions (title of A)', (tx) => tx`UPDATE sessions SET title = 'B was here' WHERE id = ${A.session}`);
    await changed("UPDATE sessions (A's org)", (tx) => tx`UPDATE sessions SET shared_with_coaches = true WHERE org_id = ${aOwner.orgId}`);
    // Without a WHERE: only B's own session is touched.
    const all = await asB((tx) => tx`UPDATE sessions SET updated_at = now() RETURNING id`);
    expect(all.map((r) => r.id)).toEqual([B.session]);
    rows.push(`[probe] RLS write as B: UPDATE sessions (no WHERE) → ${all.length} row (B's own)`);
    await changed('DELETE sessions of A', (tx) => tx`DELETE FROM sessions WHERE id = ${A.session}`);
    await changed('DELETE metric_frames (all)', (tx) => tx`DELETE FROM metric_frames WHERE session_id = ${A.session}`);
    await changed('UPDATE coach_comments', (tx) => tx`UPDATE coach_comments SET text = 'B' WHERE session_id = ${A.session}`);
    await changed('UPDATE orgs (A)', (tx) => tx`UPDATE orgs SET retention_days = 1 WHERE id = ${aOwner.orgId}`);
    await changed('DELETE memberships (A)', (tx) => tx`DELETE FROM memberships WHERE org_id = ${aOwner.orgId}`);
    await changed('UPDATE memberships (A presenter → owner)', (tx) => tx`UPDATE memberships SET role = 'owner' WHERE user_id = ${aPres.userId}`);
    await changed('UPDATE users (A presenter)', (tx) => tx`UPDATE users SET display_name = 'B' WHERE id = ${aPres.userId}`);
    await changed('UPDATE invitations (revoke A)', (tx) => tx`UPDATE invitations SET revoked_at = now() WHERE org_id = ${aOwner.orgId}`);
    await changed('UPDATE refresh_tokens (revoke all)', (tx) => tx`UPDATE refresh_tokens SET revoked_at = now()`);
    const refusedInsert = async (label: string, fn: (tx: import('postgres').Sql) => Promise<unknown>) => {
      const err = await asB(fn).then(() => null, (e: Error) => e);
      rows.push(`[probe] RLS insert as B: ${label} → ${err ? `refused (${(err as { code?: string }).code ?? err.message})` : 'ACCEPTED'}`);
      expect.soft(err, `${label} must be refused`).not.toBeNull();
    };
    await refusedInsert('a session in org A', (tx) => tx`INSERT INTO sessions (id, org_id, node_id, room_id, state) VALUES (${randomUUID()}, ${aOwner.orgId}, 'x', 'x', 'ended')`);
    await refusedInsert('a session in org B (no insert policy: only the live path writes sessions)', (tx) => tx`INSERT INTO sessions (id, org_id, node_id, room_id, state) VALUES (${randomUUID()}, ${bOwner.orgId}, 'x', 'x', 'ended')`);
    await refusedInsert("a comment on A's session (org from the session)", (tx) => tx`INSERT INTO coach_comments (id, session_id, author_peer_id, author_name, text, media_time_sec) VALUES (${randomUUID()}, ${A.session}, 'b', 'B', 'B was here', 1)`);
    await refusedInsert("a comment on A's session labelled org B", (tx) => tx`INSERT INTO coach_comments (id, session_id, org_id, author_peer_id, author_name, text, media_time_sec) VALUES (${randomUUID()}, ${A.session}, ${bOwner.orgId}, 'b', 'B', 'B was here', 1)`);
    await refusedInsert("a metric frame on A's session labelled org B", (tx) => tx`INSERT INTO metric_frames (session_id, org_id, producer_id, kind, media_time_sec, server_time_ms, payload) VALUES (${A.session}, ${bOwner.orgId}, 'b', 'voice', 1, 1, '{}')`);
    // B's own row moved onto A's session (UPDATE … SET session_id): with a WHERE clause the new row
    // must also pass the USING clause (PostgreSQL applies the SELECT policy), without one only WITH CHECK.
    await db.sql`INSERT INTO pauses (session_id, producer_id, start_sec, end_sec, duration_sec) VALUES (${B.session}, 'b-pause', 1, 2, 1)`;
    for (const [label, q] of [
      ['with WHERE', (tx: import('postgres').Sql) => tx`UPDATE pauses SET session_id = ${A.session} WHERE session_id = ${B.session}`],
      ['without WHERE', (tx: import('postgres').Sql) => tx`UPDATE pauses SET session_id = ${A.session}`],
    ] as const) {
      const moved = await asB(q).then((r) => r.count, () => 0);
      rows.push(`[probe] RLS write as B: UPDATE pauses SET session_id = A's session ${label} (B's own row) → ${moved ? 'ACCEPTED' : 'refused'}`);
      expect.soft(moved, `B's row moved onto A's session (${label})`).toBe(0);
    }
    await refusedInsert('a membership in org A', (tx) => tx`INSERT INTO memberships (org_id, user_id, role) VALUES (${aOwner.orgId}, ${bOwner.userId}, 'owner')`);
    await refusedInsert('an invitation of org A', (tx) => tx`INSERT INTO invitations (id, org_id, kind, role, expires_at) VALUES (${randomUUID()}, ${aOwner.orgId}, 'org', 'admin', now() + interval '1 day')`);
    await refusedInsert('an audit event of org A', (tx) => tx`INSERT INTO audit_events (id, org_id, kind) VALUES (${randomUUID()}, ${aOwner.orgId}, 'sign-in')`);
    await refusedInsert('a refresh token', (tx) => tx`INSERT INTO refresh_tokens (id, family_id, org_id, token_sha256, expires_at) VALUES (${randomUUID()}, ${randomUUID()}, ${bOwner.orgId}, ${Buffer.from(randomBytes(32))}, now() + interval '1 day')`);
    await refusedInsert('schema_migrations', (tx) => tx`SELECT * FROM schema_migrations`);
    console.log(rows.join('\n'));
    // A's session holds only A's rows.
    for (const t of ['coach_comments', 'metric_frames', 'pauses']) {
      const foreign = await db.sql.unsafe(`SELECT org_id FROM ${t} WHERE session_id = $1 AND org_id <> $2`, [A.session, aOwner.orgId]);
      expect.soft(foreign, `${t} rows of another organization on A's session`).toEqual([]);
    }
    expect((await db.sql`SELECT title FROM sessions WHERE id = ${A.session}`)[0]).toMatchObject({ title: A.title });
  });
});
