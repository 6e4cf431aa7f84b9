/**
 * The DB layer against real PostgreSQL: the run's server (TEST_DATABASE_URL or test/globalSetup.ts's embedded one; database
 * `test`) AND a server this file starts itself (EmbeddedPostgresServer in a temp dir). Each run uses its own schema.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from './Database.ts';
import type { MetricFrameRow } from './DbTypes.ts';
import { EmbeddedPostgresServer } from './EmbeddedPostgresServer.ts';
import { MIGRATIONS_DIR, Migrator } from './Migrator.ts';
import { SessionRepository } from './SessionRepository.ts';
import { SessionStore } from './SessionStore.ts';
import { TEST_DATABASE_URL, tempDir, uniqueSchema, waitUntil } from '../testing/services.ts';

const quiet = { warn: () => {} };
const embeddedDir = tempDir('pg');
const embedded = new EmbeddedPostgresServer({ dataDir: path.join(embeddedDir.dir, 'pgdata') });
let embeddedStartMs = 0;

beforeAll(async () => {
  const t0 = performance.now();
  await embedded.start();
  embeddedStartMs = performance.now() - t0;
  console.log(`embedded PostgreSQL: first start (initdb + start + create database) ${embeddedStartMs.toFixed(0)} ms`);
}, 60_000);
afterAll(async () => {
  await embedded.stop();
  embeddedDir.cleanup();
});

const targets: [string, () => string][] = [
  ["the run's PostgreSQL (TEST_DATABASE_URL)", () => TEST_DATABASE_URL],
  ['embedded PostgreSQL', () => embedded.url],
];

function voiceFrame(sessionId: string, i: number): MetricFrameRow {
  return {
    sessionId,
    producerId: 'p1',
    kind: 'voice',
    mediaTimeSec: i * 0.1,
    windowSec: 0.1,
    serverTimeMs: 1_700_000_000_000 + i * 100,
    payload: {
      levelDbfs: -20 - (i % 10),
      f0Hz: i % 3 ? 120 + i : null,
      vadProb: i % 5 !== 0 ? 0.9 : 0.1,
      isSpeech: i % 5 !== 0,
      pauseSec: 0,
      speakingRatio: 0.8,
      pitchVariabilitySt: null,
      concealedPackets: 0,
    },
  };
}

describe.each(targets)('DB layer on %s', (_label, url) => {
  let db: Database;
  let repo: SessionRepository;
  const schema = uniqueSchema('db');

  beforeAll(async () => {
    db = await Database.connect({ url: url(), schema });
    repo = new SessionRepository(db.sql);
  });
  afterAll(async () => {
    await db?.dropSchema();
    await db?.close();
  });

  it('applies the migrations once, recorded in schema_migrations, also when two nodes start together', async () => {
    expect(db.appliedMigrations).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const [a, b] = await Promise.all([Database.connect({ url: url(), schema }), Database.connect({ url: url(), schema })]);
    expect([...a.appliedMigrations, ...b.appliedMigrations]).toEqual([]);
    await Promise.all([a.close(), b.close()]);
    const rows = await db.sql`SELECT version, name FROM schema_migrations`;
    expect(rows.map((r) => `${r.version}_${r.name}`).sort()).toEqual(['10_search_lexeme', '1_sessions', '2_reports', '3_coach_comments', '4_access', '5_tenant_write_check', '6_session_cues', '7_transcript_search', '8_session_clips', '9_session_scripts']);
    // A fresh schema migrated by two nodes at once: the advisory lock serialises them.
    const fresh = uniqueSchema('race');
    const [c, d] = await Promise.all([Database.connect({ url: url(), schema: fresh }), Database.connect({ url: url(), schema: fresh })]);
    expect([...c.appliedMigrations, ...d.appliedMigrations]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await c.dropSchema();
    await Promise.all([c.close(), d.close()]);
  });

  it('refuses to run when an applied migration was edited', async () => {
    const dir = tempDir('mig');
    try {
      fs.copyFileSync(path.join(MIGRATIONS_DIR, '001_sessions.sql'), path.join(dir.dir, '001_sessions.sql'));
      fs.appendFileSync(path.join(dir.dir, '001_sessions.sql'), '\n-- edited\n');
      await expect(new Migrator(db.sql, dir.dir).migrate()).rejects.toThrow(/edited after it was applied/);
    } finally {
      dir.cleanup();
    }
  });

  it('stores a session with participants, a media object, frames (batched), pauses and words; timeline is ordered by media time', async () => {
    const store = new SessionStore(repo, quiet);
    const id = randomUUID();
    store.createSession({ id, roomId: 'room-a', nodeId: 'test', startedAt: new Date(Date.now() - 130_000) });
    store.participantJoined({ sessionId: id, peerId: 'peer-1', role: 'presenter', displayName: 'Ann', joinedAt: new Date() });
    const mediaId = randomUUID();
    store.createMediaObject({ id: mediaId, sessionId: id, s3Key: `orgs/local/sessions/${id}/recording.webm`, contentType: 'video/webm', state: 'recording', hasAudio: true, hasVideo: false });
    // 1200 frames pushed out of order → 3 batches of ≤ 500
    const frames = Array.from({ length: 1200 }, (_, i) => voiceFrame(id, i)).reverse();
    for (const f of frames) store.frames.push(f);
    store.pauses.push({ sessionId: id, producerId: 'p1', startSec: 30.5, endSec: 31.5, durationSec: 1 });
    store.pauses.push({ sessionId: id, producerId: 'p1', startSec: 3.2, endSec: 4.0, durationSec: 0.8 });
    store.words.push({ sessionId: id, producerId: 'p1', segmentId: 1, word: 'world', startSec: 1.4, endSec: 1.8, confidence: 0.9 });
    store.words.push({ sessionId: id, producerId: 'p1', segmentId: 1, word: 'hello', startSec: 1.0, endSec: 1.3, confidence: null });
    store.disfluencies.push({ sessionId: id, producerId: 'p1', kind: 'filled-pause', text: 'um', startSec: 2, endSec: 2.4 });
    await store.updateMediaObject(id, mediaId, { state: 'uploaded', bytes: 123456, durationSec: 120.1, mediaTimeOriginSec: 0.02, uploadedAt: new Date() });
    const ended = await store.endSession(id, { reason: 'presenter-left', endedAt: new Date() });
    expect(store.frames.stats).toMatchObject({ written: 1200, dropped: 0, buffered: 0 });
    expect(store.frames.stats.batches).toBeGreaterThanOrEqual(3);
    expect(ended).toMatchObject({ id, state: 'ended', endReason: 'presenter-left', roomId: 'room-a' });
    expect(ended!.durationSec!).toBeGreaterThan(129);
    expect(ended!.mediaDurationSec!).toBeCloseTo(120, 6);

    const tl = await repo.timeline(id);
    expect(tl.frames).toHaveLength(1200);
    expect(tl.frames.map((f) => f.mediaTimeSec)).toEqual(frames.map((f) => f.mediaTimeSec).sort((a, b) => a - b));
    expect(tl.frames[3]).toMatchObject({ producerId: 'p1', kind: 'voice', serverTimeMs: 1_700_000_000_300, payload: { levelDbfs: -23, f0Hz: null, isSpeech: true } });
    expect(tl.pauses.map((p) => p.startSec)).toEqual([3.2, 30.5]);
    expect(tl.words.map((w) => w.word)).toEqual(['hello', 'world']);
    expect(tl.words[0]!.confidence).toBeNull();
    expect(tl.disfluencies).toHaveLength(1);
    const part = await repo.timeline(id, { fromSec: 10, toSec: 20 });
    expect(part.frames).toHaveLength(100);
    const media = await repo.listMediaObjects(id);
    expect(media).toHaveLength(1);
    expect(media[0]).toMatchObject({ state: 'uploaded', bytes: 123456, durationSec: 120.1, mediaTimeOriginSec: 0.02, hasAudio: true });
    expect(await repo.listParticipants(id)).toMatchObject([{ peerId: 'peer-1', role: 'presenter', displayName: 'Ann' }]);

    expect(await repo.deleteSession(id)).toBe(true);
    expect(await repo.getSession(id)).toBeNull();
    const [{ n }] = (await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM metric_frames WHERE session_id = ${id}`) as unknown as [{ n: number }];
    expect(n).toBe(0);
    expect(await repo.deleteSession(id)).toBe(false);
    await store.close();
  });

  it('lists sessions newest first with cursor pagination', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = randomUUID();
      ids.push(id);
      await repo.createSession({ id, roomId: `r${i}`, nodeId: 'test', startedAt: new Date(Date.UTC(2030, 0, 1, 0, 0, i)) });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await repo.listSessions({ limit: 2, cursor });
      seen.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(seen.slice(0, 5)).toEqual([...ids].reverse());
    expect(pages).toBeGreaterThanOrEqual(3);
    await expect(repo.listSessions({ limit: 2, cursor: 'garbage' })).rejects.toThrow(RangeError);
  });

  it('ends the sessions a crashed run of this node left live, with their media duration', async () => {
    const id = randomUUID();
    await repo.createSession({ id, roomId: 'crash', nodeId: 'node-x', startedAt: new Date() });
    await repo.insertFrames([voiceFrame(id, 0), voiceFrame(id, 49)]);
    expect(await repo.endAbandonedSessions('node-x')).toEqual([id]);
    expect(await repo.getSession(id)).toMatchObject({ state: 'ended', endReason: 'crashed', mediaDurationSec: 5 });
  });

  it('drops buffered rows of a session deleted meanwhile instead of retrying forever', async () => {
    const store = new SessionStore(repo, quiet);
    const id = randomUUID();
    store.createSession({ id, roomId: 'gone', nodeId: 'test', startedAt: new Date() });
    await store.settle(id);
    await repo.deleteSession(id);
    for (let i = 0; i < 10; i++) store.frames.push(voiceFrame(id, i));
    await store.frames.flush(3000);
    await store.frames.flush(3000);
    expect(store.frames.stats).toMatchObject({ buffered: 0, written: 0 });
    await store.close();
  });
});

describe('a database outage on the live path (embedded PostgreSQL stopped and restarted)', () => {
  it('never blocks or throws; rows wait in the bounded buffer and are written when the server is back', async () => {
    const dir = tempDir('pg-outage');
    const server = new EmbeddedPostgresServer({ dataDir: path.join(dir.dir, 'pgdata') });
    await server.start();
    const db = await Database.connect({ url: server.url });
    const repo = new SessionRepository(db.sql);
    const store = new SessionStore(repo, quiet);
    try {
      const id = randomUUID();
      store.createSession({ id, roomId: 'outage', nodeId: 'test', startedAt: new Date() });
      await store.settle(id);
      await server.stop();
      // A session that starts while the database is down, and frames of both.
      const id2 = randomUUID();
      const t0 = performance.now();
      store.createSession({ id: id2, roomId: 'outage-2', nodeId: 'test', startedAt: new Date() });
      for (let i = 0; i < 300; i++) {
        store.frames.push(voiceFrame(id, i));
        store.frames.push(voiceFrame(id2, i));
      }
      expect(performance.now() - t0, 'push is synchronous and cheap').toBeLessThan(50);
      await new Promise((r) => setTimeout(r, 1500));
      expect(store.frames.stats.buffered).toBe(600);
      expect(store.frames.stats.failedBatches).toBeGreaterThanOrEqual(1);
      await server.start(); // same data dir and port
      await waitUntil(() => store.frames.stats.written === 600, 60_000, 'buffered frames written after the outage', 200);
      const [{ n }] = (await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM metric_frames WHERE session_id IN (${id}, ${id2})`) as unknown as [{ n: number }];
      expect(n).toBe(600);
      expect(await repo.getSession(id2)).toMatchObject({ roomId: 'outage-2', state: 'live' });
    } finally {
      await store.close(1000);
      await db.close();
      await server.stop();
      dir.cleanup();
    }
  }, 120_000);

  it('bounds the buffer: drops the oldest rows and counts them', async () => {
    const { BatchWriter } = await import('./BatchWriter.ts');
    const w = new BatchWriter<number>({ name: 't', maxBuffered: 100, write: async () => { throw new Error('down'); } });
    for (let i = 0; i < 250; i++) w.push(i);
    expect(w.stats).toMatchObject({ buffered: 100, dropped: 150 });
    await w.close(100);
  });
});
