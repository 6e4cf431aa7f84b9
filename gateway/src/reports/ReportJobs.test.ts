/**
 * Post-session report pipeline against real PostgreSQL (pg-boss queue + tables), a real s3rver and
 * the real full-pass analysis (PocketSphinx, Silero VAD) of real speech (the LibriVox fixture as
 * an Opus WebM, like a recording). No mocks.
 */
import { actAsOwner } from '../testing/access.ts';
import { AuditLog } from '../access/AuditLog.ts';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rubricV1, type Rubric } from '@lectern/analyzers/scoring';
import { Database } from '../db/Database.ts';
import { SessionRepository } from '../db/SessionRepository.ts';
import { EmbeddedS3Server } from '../storage/EmbeddedS3Server.ts';
import { ObjectStore } from '../storage/ObjectStore.ts';
import { tempDir, TEST_DATABASE_URL, uniqueSchema, waitUntil } from '../testing/services.ts';
import { speechFixture } from '../../../test/support/fixtures.ts';
import { ReportJobs } from './ReportJobs.ts';
import { ReportRepository } from './ReportRepository.ts';
import { ReportsApi } from './ReportsApi.ts';
import { ShareLinks } from './ShareLinks.ts';

const work = tempDir('reports');
const s3 = new EmbeddedS3Server({ directory: path.join(work.dir, 's3'), bucket: 'lectern' });
let db: Database;
let objects: ObjectStore;
let sessions: SessionRepository;
let reports: ReportRepository;
let jobs: ReportJobs;
let app: FastifyInstance;
let nowSec = Math.floor(Date.now() / 1000);
const shares = new ShareLinks('test-secret-0123456789abcdef', () => nowSec);
const log = { info: () => {}, warn: () => {}, error: (o: object, m: string) => console.error(m, o) };
let goodId = '';

/** The speech fixture as an Opus WebM, like a recording (made once). */
function talkWebm(): string {
  const webm = path.join(work.dir, 'talk.webm');
  if (!fs.existsSync(webm)) execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', speechFixture().wav48k, '-c:a', 'libopus', '-b:a', '32k', webm]);
  return webm;
}

/** A session row with a recording media object (uploaded = the file is put to S3 first). */
async function makeSession(file: string | null): Promise<string> {
  const id = randomUUID();
  await sessions.createSession({ id, roomId: `room-${id.slice(0, 6)}`, nodeId: 'test' });
  await sessions.endSession(id, { reason: 'api', endedAt: new Date(), mediaDurationSec: 30 });
  const key = ObjectStore.recordingKey('local', id);
  if (file) await objects.uploadFile(key, file, 'video/webm');
  await sessions.createMediaObject({ id: randomUUID(), sessionId: id, s3Key: key, contentType: 'video/webm', state: 'uploaded', hasAudio: true, hasVideo: false });
  return id;
}

beforeAll(async () => {
  db = await Database.connect({ url: TEST_DATABASE_URL, schema: uniqueSchema('reports') });
  await s3.start();
  objects = new ObjectStore({ endpoint: s3.endpoint, bucket: 'lectern', region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true });
  await objects.ensureBucket();
  sessions = new SessionRepository(db.sql);
  reports = new ReportRepository(db.sql);
  jobs = await ReportJobs.start({ database: db, sessions, reports, objects, log }, { retryLimit: 1, retryDelaySec: 1, pollingIntervalSec: 0.5, uploadWaitSec: 1 });
  app = Fastify();
  actAsOwner(app);
  await new ReportsApi({ db, sessions, reports, jobs, shares, audit: new AuditLog(db, log) }).register(app);
  await app.ready();
}, 60_000);

afterAll(async () => {
  await app?.close();
  await jobs?.close();
  await jobs?.dropSchema();
  await db?.dropSchema();
  await db?.close();
  objects?.close();
  await s3.stop();
  work.cleanup();
});

describe('post-session analysis job', () => {
  it('reads the recording from S3, runs the full pass and stores scores, tips and drills with the rubric version', async () => {
    goodId = await makeSession(talkWebm());
    await jobs.enqueue(goodId);
    expect((await reports.getJob(goodId))?.state).toMatch(/queued|running/);
    const seen = new Set<string>();
    let maxPercent = 0;
    await waitUntil(async () => {
      const j = await reports.getJob(goodId);
      seen.add(j!.state);
      if (j!.state === 'running') maxPercent = Math.max(maxPercent, j!.percent);
      if (j!.state === 'failed') throw new Error(`job failed: ${j!.error}`);
      return j!.state === 'done';
    }, 120_000, 'analysis done', 100);
    const job = (await reports.getJob(goodId))!;
    expect(job).toMatchObject({ state: 'done', percent: 100, attempts: 1, error: null });
    expect(job.wallMs).toBeGreaterThan(0);
    expect(seen.has('running')).toBe(true);

    const scores = (await reports.getScores(goodId))!;
    expect(scores.rubricVersion).toBe('v1');
    expect(scores.overall).toBeGreaterThan(0);
    // 29 s of LibriVox read speech: PocketSphinx recognises words, so pace is measured.
    expect(scores.scores.subscores.pace?.value.wpm).toBeGreaterThan(80);
    expect(scores.scores.subscores.posture).toBeNull(); // audio-only recording
    expect(scores.tips.length).toBeLessThanOrEqual(3);
    expect(scores.drills.at(-1)?.kind).toBe('read-aloud');
    const analysis = (await reports.getAnalysis(goodId))!;
    expect(analysis.engines.asr).not.toBe('none');
    expect(analysis.durationSec).toBeCloseTo(speechFixture().durationSec, 0);

    const res = await app.inject({ url: `/v1/sessions/${goodId}/report` });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.job.state).toBe('done');
    expect(body.report.subscores.map((s: { key: string }) => s.key)).toEqual(['pace', 'fillers', 'pauses', 'pitchVariety', 'volume', 'posture', 'gestures', 'eyeContact']);
    const csv = await app.inject({ url: `/v1/sessions/${goodId}/report.csv` });
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.body.split('\r\n')[0]).toBe('session_id,rubric_version,subscore,score,ci95_low,ci95_high,quantity,value,unit,reference_low,reference_high');
    expect(csv.body).toContain(`${goodId},v1,pace,`);
    const pdf = await app.inject({ url: `/v1/sessions/${goodId}/report.pdf` });
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    fs.writeFileSync(path.join(work.dir, 'r.pdf'), pdf.rawPayload);
    const text = execFileSync('pdftotext', [path.join(work.dir, 'r.pdf'), '-'], { encoding: 'utf8' });
    expect(text).toContain(`Overall score: ${scores.overall!.toFixed(0)}`);
  }, 150_000);

  it('retries a failing attempt with backoff, then reports the job failed with the reason', async () => {
    const id = await makeSession(null); // the media object says uploaded, but S3 has no such object
    await jobs.enqueue(id);
    // Watch the attempts: attempt 1 fails (queued again, with its reason), attempt 2 starts after the backoff.
    let firstFailedAt = 0;
    let secondStartedAt = 0;
    await waitUntil(async () => {
      const j = (await reports.getJob(id))!;
      if (!firstFailedAt && j.attempts === 1 && j.state === 'queued' && j.error) firstFailedAt = Date.now();
      if (!secondStartedAt && j.attempts === 2) secondStartedAt = Date.now();
      return j.state === 'failed';
    }, 60_000, 'job failed', 50);
    const job = (await reports.getJob(id))!;
    expect(job.attempts).toBe(2); // first try + retryLimit 1
    // pg-boss backoff: retry n waits delay·2ⁿ/2 · (1 + random) — ≥ 1 s for the first retry with delay 1 s.
    expect(firstFailedAt).toBeGreaterThan(0);
    expect(secondStartedAt - firstFailedAt).toBeGreaterThanOrEqual(800);
    expect(job.error).toMatch(/cannot read .*recording\.webm from the object store: no such object/);
    const res = await app.inject({ url: `/v1/sessions/${id}/job` });
    expect(res.json()).toMatchObject({ state: 'failed', attempts: 2 });
    const pdf = await app.inject({ url: `/v1/sessions/${id}/report.pdf` });
    expect(pdf.statusCode).toBe(409);
    expect(pdf.json().detail).toMatch(/failed \(cannot read/);
  }, 90_000);

  it('fails at once, without retries, when there is nothing to analyse (no recording)', async () => {
    const id = randomUUID();
    await sessions.createSession({ id, roomId: 'norec', nodeId: 'test' });
    await sessions.endSession(id, { reason: 'api' });
    await jobs.enqueue(id);
    await waitUntil(async () => (await reports.getJob(id))?.state === 'failed', 30_000, 'job failed', 100);
    expect(await reports.getJob(id)).toMatchObject({ attempts: 1, error: 'the session has no recording' });
  });

  it('waits for a spooled recording (S3 was down) without using up retries, then analyses it', async () => {
    const id = randomUUID();
    await sessions.createSession({ id, roomId: 'spooled', nodeId: 'test' });
    await sessions.endSession(id, { reason: 'api' });
    const key = ObjectStore.recordingKey('local', id);
    const mo = randomUUID();
    await sessions.createMediaObject({ id: mo, sessionId: id, s3Key: key, contentType: 'video/webm', state: 'spooled', hasAudio: true, hasVideo: false });
    await jobs.enqueue(id);
    await waitUntil(async () => /waiting for the recording/.test((await reports.getJob(id))?.error ?? ''), 30_000, 'deferred', 100);
    expect((await reports.getJob(id))!.state).toBe('queued');
    // The drainer uploads it once S3 is back (here: by hand, as SpoolDrainer does).
    await objects.uploadFile(key, talkWebm(), 'video/webm');
    await sessions.updateMediaObject(mo, { state: 'uploaded', uploadedAt: new Date() });
    await waitUntil(async () => (await reports.getJob(id))?.state === 'done', 90_000, 'analysed after upload', 100);
    expect((await reports.getJob(id))!.attempts).toBe(1);
  }, 120_000);

  it('a new rubric version re-scores old sessions from the stored analysis and keeps the old scores', async () => {
    expect(goodId).not.toBe('');
    const v2: Rubric = { ...rubricV1, version: 'v2-test', description: 'pace only', weights: { ...rubricV1.weights, fillers: 0, pauses: 0, pitchVariety: 0, volume: 0 } };
    const rescored = await jobs.rescoreMissing(v2);
    expect(rescored).toContain(goodId);
    const s2 = (await reports.getScores(goodId, { rubricVersion: 'v2-test' }))!;
    const s1 = (await reports.getScores(goodId, { rubricVersion: 'v1' }))!;
    expect(s2.overall).toBeCloseTo(s2.scores.subscores.pace!.score, 6); // overall = pace alone under v2
    expect(s1.rubricVersion).toBe('v1');
    expect(await reports.scoredVersions(goodId)).toEqual(['v1', 'v2-test']);
    expect(await jobs.rescoreMissing(v2)).not.toContain(goodId); // idempotent
    const res = await app.inject({ url: `/v1/sessions/${goodId}/report?rubricVersion=v2-test` });
    expect(res.json().report.rubricVersion).toBe('v2-test');
  });
});

describe('read-aloud drill API', () => {
  it('recognises an uploaded attempt and returns accuracy and the missed words; rejects undecodable audio', async () => {
    const seg = speechFixture().segments.find((x) => x.label === 'B')!;
    const attempt = path.join(work.dir, 'attempt.wav');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-ss', String(seg.startSec - 0.2), '-t', String(seg.endSec - seg.startSec + 0.5), '-i', speechFixture().wav16k, attempt]);
    const target = `${seg.text} every morning`;
    const res = await app.inject({ method: 'POST', url: `/v1/drills/read-aloud?target=${encodeURIComponent(target)}`, headers: { 'content-type': 'audio/wav' }, payload: fs.readFileSync(attempt) });
    expect(res.statusCode).toBe(200);
    const r = res.json();
    expect(r.alignment.filter((a: { target: string | null }) => a.target !== null)).toHaveLength(10);
    if (r.engine !== 'none') {
      expect(r.missedWords).toEqual(expect.arrayContaining(['every', 'morning']));
      expect(r.accuracy).toBeGreaterThan(0);
    }
    const bad = await app.inject({ method: 'POST', url: '/v1/drills/read-aloud?target=hello%20world', headers: { 'content-type': 'audio/webm' }, payload: Buffer.from('not audio at all') });
    expect(bad.statusCode).toBe(422);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
    expect((await app.inject({ method: 'POST', url: '/v1/drills/read-aloud', headers: { 'content-type': 'audio/wav' }, payload: Buffer.from('x') })).statusCode).toBe(400);
  }, 60_000);
});

describe('share links', () => {
  it('opens the read-only report until it expires; tampered and expired links are rejected', async () => {
    expect(goodId).not.toBe('');
    const res = await app.inject({ method: 'POST', url: `/v1/sessions/${goodId}/share`, payload: { ttlSec: 3600 } });
    expect(res.statusCode).toBe(200);
    const { token, path: sharePath } = res.json();
    expect(sharePath).toBe(`/shared/${token}`);
    const ok = await app.inject({ url: `/v1/shared/${token}/report` });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().sessionId).toBe(goodId);

    // Tampering: another session id in the payload with the old signature, or a flipped signature char.
    const [payload, sig] = token.split('~');
    const raw = Buffer.from(payload!, 'base64url');
    Buffer.from(randomUUID().replace(/-/g, ''), 'hex').copy(raw, 1); // another session, same expiry
    const forged = raw.toString('base64url');
    for (const bad of [`${forged}~${sig}`, `${payload}~${sig!.slice(0, -1)}${sig!.endsWith('A') ? 'B' : 'A'}`]) {
      const r = await app.inject({ url: `/v1/shared/${bad}/report` });
      expect(r.statusCode).toBe(403);
      expect(r.headers['content-type']).toMatch(/problem\+json/);
    }
    expect((await app.inject({ url: '/v1/shared/not-a-token-at-all/report' })).statusCode).toBe(403);

    nowSec += 3600; // expiry is exclusive
    const expired = await app.inject({ url: `/v1/shared/${token}/report.pdf` });
    expect(expired.statusCode).toBe(410);
    expect(expired.json().title).toBe('Share link expired');
  });

  it('rejects a share lifetime outside 60 s – 30 days', async () => {
    const res = await app.inject({ method: 'POST', url: `/v1/sessions/${randomUUID()}/share`, payload: { ttlSec: 5 } });
    expect(res.statusCode).toBe(400);
  });
});
