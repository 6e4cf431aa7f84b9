/**
 * Dependencies away (#13): the live path keeps running while PostgreSQL or Redis is stopped.
 *
 * PostgreSQL: a node on a PostgreSQL cluster of this file's own (embedded, so the test can stop and
 * start it; the run's shared server is not touched) and an s3rver. Two presenter pages publish real
 * speech (LibriVox fixture, microphone only) in rooms A and B. PostgreSQL is stopped for
 * `LECTERN_DEPS_PG_OUTAGE_SEC` (default 30 s). During the outage: voice frames keep reaching a
 * viewer of room A; a `/v1` call answers 503 Problem+JSON at once; a NEW socket is refused with a
 * retryable message; room B's mediasoup worker is killed and its presenter presses Rejoin on the
 * socket it already has, so a NEW session starts with the database down (its rows queue). After
 * PostgreSQL returns: the queues drain; every row the bus carried for each session is in the
 * database (metric_frames, pauses, transcript_words, disfluency_events: counted, 0 lost), the
 * session, participant and media-object rows are right, the recordings are in S3.
 *
 * Redis: a node with `REDIS_URL` on a redis-server of its own; a presenter publishes; redis-server
 * is stopped for `LECTERN_DEPS_REDIS_OUTAGE_SEC` (default 10 s): the room's viewer keeps getting
 * voice frames, a new room joins on this node; after Redis returns (empty: no persistence) the
 * node hash and both rooms' placement keys are back within a few heartbeats.
 *
 * Figures are printed with a `[measure]` prefix.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Redis } from 'ioredis';
import { io as ioClient } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomMessage } from '@lectern/contract';
import { type LecternNode, startLectern } from '@lectern/gateway';
import { roomKey } from '../../gateway/src/access/RoomKey.ts';
import { Database } from '../../gateway/src/db/Database.ts';
import { EmbeddedPostgresServer } from '../../gateway/src/db/EmbeddedPostgresServer.ts';
import { EmbeddedS3Server } from '../../gateway/src/storage/EmbeddedS3Server.ts';
import { ObjectStore } from '../../gateway/src/storage/ObjectStore.ts';
import { createTestAccount, roomGrant, type TestAccount } from '../../gateway/src/testing/access.ts';
import { TestStorage, tempDir, waitUntil } from '../../gateway/src/testing/services.ts';
import { launchChromium, signedInPage } from '../support/browser.ts';
import { speechFixture } from '../support/fixtures.ts';
import { RoomObserver } from '../support/observer.ts';
import { startTestRedis, type TestRedis } from '../support/redisServer.ts';

const fixture = speechFixture();
/** Seconds PostgreSQL stays stopped (CI: 30, the figure). */
const PG_OUTAGE_SEC = Number(process.env.LECTERN_DEPS_PG_OUTAGE_SEC ?? 30);
/** Seconds redis-server stays stopped. */
const REDIS_OUTAGE_SEC = Number(process.env.LECTERN_DEPS_REDIS_OUTAGE_SEC ?? 10);

/** Rows the bus carried for one session, by table (what MetricRecorder persists). */
interface RowCounts {
  metric_frames: number;
  pauses: number;
  transcript_words: number;
  disfluency_events: number;
}
const TABLES = ['metric_frames', 'pauses', 'transcript_words', 'disfluency_events'] as const;

/** Rows one room message becomes (MetricRecorder's mapping; body frames are off: no pose processes). */
function rowsOf(msg: RoomMessage): Partial<RowCounts> {
  switch (msg.event) {
    case 'metrics:voice':
    case 'metrics:fluency':
      return { metric_frames: 1 };
    case 'metrics:pause':
      return { pauses: 1 };
    case 'captions:update':
      return msg.payload.kind === 'final' ? { transcript_words: msg.payload.words.length } : {};
    case 'fluency:event':
      return { disfluency_events: 1 };
    default:
      return {};
  }
}

/** One sample of `GET /metrics` (e.g. `lectern_redis_down{client="bus"}`), or null when absent. */
async function metricValue(n: LecternNode, series: string): Promise<number | null> {
  const text = await (await fetch(`${n.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : null;
}

const sumBuffered = (n: LecternNode) => {
  const s = n.sessions!.store.stats;
  return s.frames.buffered + s.pauses.buffered + s.words.buffered + s.disfluencies.buffered;
};

describe('PostgreSQL stopped during live sessions', () => {
  const work = tempDir('deps-pg');
  const pg = new EmbeddedPostgresServer({ dataDir: path.join(work.dir, 'pgdata'), database: 'deps' });
  const s3 = new EmbeddedS3Server({ directory: path.join(work.dir, 's3'), bucket: 'lectern' });
  let db: Database;
  let objects: ObjectStore;
  let node: LecternNode;
  let browser: Browser;
  let account: TestAccount;
  const pages: Page[] = [];
  let observer: RoomObserver | undefined;
  /** Bus rows per session id, counted as the session manager saw them. */
  const busRows = new Map<string, RowCounts>();

  beforeAll(async () => {
    await Promise.all([pg.start(), s3.start()]);
    db = await Database.connect({ url: pg.url, schema: 'lectern' });
    objects = new ObjectStore({ endpoint: s3.endpoint, bucket: 'lectern', region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true });
    await objects.ensureBucket();
    node = await startLectern(
      // resumeGraceSec 0: a presenter whose media worker dies does not resume the session (a new one starts).
      { port: 0, sfuWorkers: 2, analyzerProcesses: 1, poseProcesses: 0, resumeGraceSec: 0, logLevel: 'warn', dataDir: path.join(work.dir, 'node'), reports: { work: false, retryLimit: 0, retryDelaySec: 1, poseFps: 1 } },
      { database: db, objects },
    );
    // Admission control is not under test here (test/e2e/cluster.test.ts and the admission tests
    // cover it): on a machine loaded by other work the node's load figure can pass any threshold
    // (≤ 1), and room B's re-creation during the outage must not be refused with CAPACITY.
    node.placement.place = async () => ({ kind: 'here' });
    // Subscribed after the session manager: a message counts for the session that recorded it.
    node.bus.subscribe((key, msg) => {
      const sid = node.sessions!.manager.liveSessionOfRoom(key);
      if (!sid) return;
      let c = busRows.get(sid);
      if (!c) busRows.set(sid, (c = { metric_frames: 0, pauses: 0, transcript_words: 0, disfluency_events: 0 }));
      for (const [t, n] of Object.entries(rowsOf(msg))) c[t as keyof RowCounts] += n!;
    });
    account = await createTestAccount(node, { role: 'owner' });
    browser = await launchChromium({ audioFile: fixture.wav48k });
  }, 120_000);

  afterAll(async () => {
    observer?.close();
    await browser?.close();
    await pg.start().catch(() => {}); // a failed test may leave it stopped: the node ends its sessions first
    await node?.close();
    objects?.close();
    await db?.close().catch(() => {});
    await pg.stop();
    await s3.stop();
    work.cleanup();
  });

  async function publish(room: string): Promise<{ page: Page; sessionId: string }> {
    const { page } = await signedInPage(browser, node.url, account, { label: room });
    pages.push(page);
    await page.goto(`${node.url}/rehearse?room=${room}&autostart=1&video=0`);
    let sessionId = '';
    await waitUntil(() => !!(sessionId = node.sessions!.manager.liveSessionOfRoom(roomKey(account.orgId, room)) ?? ''), 30_000, `session start in ${room}`);
    return { page, sessionId };
  }

  const count = async (table: string, sessionId: string) =>
    (await db.sql.unsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM ${table} WHERE session_id = $1`, [sessionId]))[0]!.n;

  it(`keeps sessions live through a ${PG_OUTAGE_SEC} s outage and writes every buffered row when it returns (0 lost)`, async () => {
    const tStart = performance.now();
    const roomA = 'deps-a';
    const roomB = 'deps-b';
    const a = await publish(roomA);
    const b = await publish(roomB);
    observer = await RoomObserver.join(node.url, roomA, { accessToken: account.accessToken, grant: await roomGrant(node, account, roomA, 'viewer') });
    await waitUntil(async () => (await count('metric_frames', a.sessionId)) >= 30 && (await count('metric_frames', b.sessionId)) >= 30, 60_000, '3 s of frames stored for both sessions', 300);
    const roomBKey = roomKey(account.orgId, roomB);
    const workerB = node.sfu.rooms.get(roomBKey)!.workerPid;
    expect(workerB, 'rooms A and B run on different mediasoup workers').not.toBe(node.sfu.rooms.get(roomKey(account.orgId, roomA))!.workerPid);

    // ---- outage ----
    await pg.stop();
    const downAt = Date.now();
    let peakBuffered = 0;
    let peakPending = 0;
    const sampler = setInterval(() => {
      peakBuffered = Math.max(peakBuffered, sumBuffered(node));
      peakPending = Math.max(peakPending, node.sessions!.store.stats.pendingOps);
    }, 200);
    try {
      // A /v1 call: 503 Problem+JSON at once (not a hang, not 500).
      const t0 = performance.now();
      const res = await fetch(`${node.url}/v1/sessions`, { headers: { authorization: `Bearer ${account.accessToken}` }, signal: AbortSignal.timeout(15_000) });
      const v1Ms = performance.now() - t0;
      const problem = (await res.json()) as { status: number; detail: string; title: string };
      expect(res.status, JSON.stringify(problem)).toBe(503);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(problem.detail).toMatch(/unreachable.*try again/);
      expect(v1Ms).toBeLessThan(11_000);

      // A new connection cannot be authenticated (the revocation check reads the database): refused with a message saying so.
      const fresh = ioClient(node.url, { transports: ['websocket'], reconnection: false, auth: { token: account.accessToken } });
      const refusal = await new Promise<string>((resolve) => {
        fresh.once('connect', () => resolve('connected'));
        fresh.once('connect_error', (e) => resolve(e.message));
      });
      fresh.close();
      expect(refusal).toMatch(/INTERNAL: authentication is unavailable; try again shortly/);

      // A NEW session while the database is down: room B's worker dies (its session B1 ends with
      // the database down), the presenter rejoins on the socket it has (the page does it by itself,
      // or Rejoin) and starts session B2.
      process.kill(workerB, 'SIGKILL');
      await b.page.getByTestId('rejoin').click({ timeout: 3000 }).catch(() => {});
      let b2 = '';
      await waitUntil(() => !!(b2 = node.sessions!.manager.liveSessionOfRoom(roomBKey) ?? '') && b2 !== b.sessionId, 30_000, 'session B2 start during the outage').catch(async (err: Error) => {
        const diag = await b.page.evaluate(() => JSON.stringify({ state: (window as unknown as { __lectern?: { state: string } }).__lectern?.state, banner: document.querySelector('[data-testid=error-banner]')?.textContent }));
        throw new Error(`${err.message}; page B: ${diag}`);
      });
      expect(node.sessions!.store.isCreated(b2), 'B2 cannot be written yet').toBe(false);
      const b2FramesAtLeast = () => busRows.get(b2)?.metric_frames ?? 0;
      await waitUntil(() => b2FramesAtLeast() >= 20, 30_000, 'voice frames of session B2 during the outage');

      const remainingMs = downAt + PG_OUTAGE_SEC * 1000 - Date.now();
      expect(remainingMs, 'the checks above fit in the outage').toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, remainingMs));
      const upAt = Date.now();
      // Voice frames reached the viewer of room A throughout.
      const during = observer.frames.filter((f) => f.receivedAtMs > downAt && f.receivedAtMs < upAt);
      const gaps = during.slice(1).map((f, i) => f.receivedAtMs - during[i]!.receivedAtMs);
      const maxGapMs = Math.max(0, ...gaps);
      const expectedFrames = ((upAt - downAt) / 1000) * 10;
      expect(during.length / expectedFrames, `${during.length} frames in ${(upAt - downAt) / 1000} s`).toBeGreaterThan(0.9);
      expect(maxGapMs).toBeLessThan(1500);
      const pendingMetric = await metricValue(node, 'lectern_db_pending_writes');
      expect(pendingMetric, 'lectern_db_pending_writes during the outage').toBeGreaterThan(0);
      const bufferedAtEnd = sumBuffered(node);
      const perWriter = Object.fromEntries(Object.entries(node.sessions!.store.stats).filter(([k]) => k !== 'pendingOps').map(([k, v]) => [k, (v as { buffered: number }).buffered]));
      console.log(`[measure] buffered at the end of the outage: ${JSON.stringify(perWriter)}; session writes queued ${node.sessions!.store.stats.pendingOps}`);
      expect(bufferedAtEnd, 'rows buffered while the database was down').toBeGreaterThan(PG_OUTAGE_SEC * 10);

      // ---- recovery ----
      // Every row pushed before the server returns is written when the writers' `written` reach this.
      const writers = () => { const st = node.sessions!.store.stats; return [st.frames, st.pauses, st.words, st.disfluencies]; };
      const target = writers().map((w) => w.written + w.buffered);
      await pg.start();
      const t1 = performance.now();
      const marks: Record<string, number> = {};
      await waitUntil(() => {
        const at = Math.round(performance.now() - t1);
        if (writers().every((w, i) => w.written >= target[i]!)) marks.rowsWritten ??= at;
        if (node.sessions!.store.isCreated(b2)) marks.b2Created ??= at;
        if (node.sessions!.manager.endedSession(b.sessionId)) marks.b1Ended ??= at;
        return Object.keys(marks).length === 3;
      }, 90_000, 'buffers drained after PostgreSQL returned', 50);
      const drainMs = performance.now() - t1;
      clearInterval(sampler);

      // End A and B2 through the API (the database is back), then check every row.
      for (const id of [a.sessionId, b2]) {
        const r = await fetch(`${node.url}/v1/sessions/${id}/end`, { method: 'POST', headers: { authorization: `Bearer ${account.accessToken}` } });
        expect(r.status, await r.clone().text()).toBe(200);
      }
      const sessions = [
        { id: a.sessionId, room: roomA, reason: 'api' },
        { id: b.sessionId, room: roomB, reason: 'presenter-left' },
        { id: b2, room: roomB, reason: 'api' },
      ];
      const lost: Record<string, RowCounts> = {};
      const stored: Record<string, RowCounts> = {};
      for (const s of sessions) {
        await waitUntil(() => node.sessions!.store.settle(s.id, 1000), 30_000, `writes of ${s.id} settled`);
        const bus = busRows.get(s.id)!;
        const got = { metric_frames: 0, pauses: 0, transcript_words: 0, disfluency_events: 0 };
        for (const t of TABLES) got[t] = await count(t, s.id);
        stored[s.id] = got;
        lost[s.id] = Object.fromEntries(TABLES.map((t) => [t, bus[t] - got[t]])) as unknown as RowCounts;
        expect(got, `rows of ${s.room} session ${s.id}: bus ${JSON.stringify(bus)}`).toEqual(bus);
        const [row] = await db.sql<{ state: string; end_reason: string; room_id: string; ended_at: Date | null; media_duration_sec: number | null }[]>`
          SELECT state, end_reason, room_id, ended_at, media_duration_sec FROM sessions WHERE id = ${s.id}`;
        expect(row).toMatchObject({ state: 'ended', end_reason: s.reason, room_id: s.room });
        expect(row!.ended_at).toBeInstanceOf(Date);
        expect(row!.media_duration_sec).toBeGreaterThan(2);
        const parts = await db.sql<{ role: string; left_at: Date | null }[]>`SELECT role, left_at FROM participants WHERE session_id = ${s.id}`;
        expect(parts.map((p) => p.role).sort(), `participants of ${s.id}`).toEqual(s.room === roomA ? ['presenter', 'viewer'] : ['presenter']);
        const [mo] = await db.sql<{ state: string; s3_key: string; bytes: string; has_audio: boolean }[]>`SELECT state, s3_key, bytes, has_audio FROM media_objects WHERE session_id = ${s.id}`;
        expect(mo, `media object of ${s.id}`).toMatchObject({ state: 'uploaded', has_audio: true, s3_key: ObjectStore.recordingKey(account.orgId, s.id) });
        const head = await objects.head(mo!.s3_key);
        expect(Number(head?.bytes ?? 0)).toBe(Number(mo!.bytes));
      }
      const totals = node.sessions!.store.stats;
      expect(totals.frames.dropped + totals.pauses.dropped + totals.words.dropped + totals.disfluencies.dropped).toBe(0);
      console.log(`[measure] PostgreSQL outage ${((upAt - downAt) / 1000).toFixed(1)} s: rows buffered at peak ${peakBuffered} (session writes queued at peak ${peakPending}), ` +
        `drained in ${drainMs.toFixed(0)} ms after the server was back (ms: ${JSON.stringify(marks)}); rows written per session ${JSON.stringify(stored)}, lost ${JSON.stringify(lost)}; ` +
        `viewer got ${during.length} voice frames during the outage (${expectedFrames.toFixed(0)} expected, largest gap ${maxGapMs} ms); ` +
        `/v1 during the outage: ${res.status} in ${v1Ms.toFixed(0)} ms ("${problem.detail}"); new socket: "${refusal}"; whole test ${((performance.now() - tStart) / 1000).toFixed(1)} s`);
    } finally {
      clearInterval(sampler);
    }
  }, 240_000);
});

describe('Redis stopped during a live room (REDIS_URL set)', () => {
  const storage = new TestStorage('deps_redis');
  const NODE_ID = `deps-${randomBytes(3).toString('hex')}`;
  let redisServer: TestRedis;
  let redis: Redis;
  let node: LecternNode;
  let browser: Browser;
  let account: TestAccount;
  const observers: RoomObserver[] = [];

  beforeAll(async () => {
    redisServer = await startTestRedis();
    redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1 });
    redis.on('error', () => {});
    const { db, objects } = await storage.start();
    node = await startLectern(
      { port: 0, nodeId: NODE_ID, sfuWorkers: 1, analyzerProcesses: 1, poseProcesses: 0, recording: false, logLevel: 'warn', dataDir: path.join(storage.work.dir, 'node'), reports: { work: false, retryLimit: 0, retryDelaySec: 1, poseFps: 1 }, cluster: { redisUrl: redisServer.url } },
      { database: db, objects },
    );
    account = await createTestAccount(node, { role: 'owner' });
    browser = await launchChromium({ audioFile: fixture.wav48k });
  }, 120_000);

  afterAll(async () => {
    for (const o of observers) o.close();
    await browser?.close();
    await node?.close();
    redis?.disconnect();
    await redisServer?.stop();
    await storage.close();
  });

  /** What Redis holds for this node: its hash (with TTL) and set membership, and the node of each room. */
  async function registry(rooms: string[]) {
    const [hash, ttlMs, member, ...roomNodes] = await Promise.all([
      redis.hgetall(`lectern:node:${NODE_ID}`),
      redis.pttl(`lectern:node:${NODE_ID}`),
      redis.sismember('lectern:nodes', NODE_ID),
      ...rooms.map((r) => redis.get(`lectern:room:${roomKey(account.orgId, r)}`)),
    ]);
    return { nodeId: (hash as Record<string, string>).nodeId ?? null, ttlMs: ttlMs as number, member: member === 1, roomNodes: roomNodes as (string | null)[] };
  }

  it(`keeps the room's voice frames flowing through a ${REDIS_OUTAGE_SEC} s outage, hosts new rooms here, and re-registers within a few heartbeats`, async () => {
    const room1 = 'deps-redis-1';
    const room2 = 'deps-redis-2';
    const { page } = await signedInPage(browser, node.url, account, { label: room1 });
    await page.goto(`${node.url}/rehearse?room=${room1}&autostart=1&video=0`);
    const viewer = await RoomObserver.join(node.url, room1, { accessToken: account.accessToken, grant: await roomGrant(node, account, room1, 'viewer') });
    observers.push(viewer);
    await viewer.waitFor(() => viewer.frames.length >= 20, 60_000, 'voice frames before the outage');
    expect(await registry([room1])).toMatchObject({ nodeId: NODE_ID, member: true, roomNodes: [NODE_ID] });
    const grant2 = await roomGrant(node, account, room2, 'viewer');
    const port = Number(new URL(redisServer.url).port);

    await redisServer.stop();
    const downAt = Date.now();
    // A new room while Redis is down: placement is unavailable, the room is hosted on this node.
    const t0 = performance.now();
    const viewer2 = await RoomObserver.join(node.url, room2, { accessToken: account.accessToken, grant: grant2 });
    const joinMs = performance.now() - t0;
    observers.push(viewer2);
    expect(node.sfu.rooms.has(roomKey(account.orgId, room2))).toBe(true);
    await waitUntil(async () => (await metricValue(node, 'lectern_redis_down{client="placement"}')) === 1, 5000, 'lectern_redis_down = 1');
    expect(await metricValue(node, 'lectern_redis_down{client="bus"}')).toBe(1);
    await new Promise((r) => setTimeout(r, downAt + REDIS_OUTAGE_SEC * 1000 - Date.now()));
    const upAt = Date.now();
    const during = viewer.frames.filter((f) => f.receivedAtMs > downAt && f.receivedAtMs < upAt);
    const gaps = during.slice(1).map((f, i) => f.receivedAtMs - during[i]!.receivedAtMs);
    const maxGapMs = Math.max(0, ...gaps);
    const expectedFrames = ((upAt - downAt) / 1000) * 10;
    expect(during.length / expectedFrames, `${during.length} frames in ${(upAt - downAt) / 1000} s`).toBeGreaterThan(0.9);
    expect(maxGapMs).toBeLessThan(1500);

    // Redis comes back empty (no persistence): the node and both rooms are registered again.
    redisServer = await startTestRedis({ port });
    const t1 = performance.now();
    let reg = await registry([room1, room2]).catch(() => null);
    await waitUntil(async () => {
      reg = await registry([room1, room2]).catch(() => null);
      return !!reg && reg.nodeId === NODE_ID && reg.member && reg.roomNodes.every((n) => n === NODE_ID);
    }, 15_000, 'node hash and room placements back in Redis', 50);
    const reRegisterMs = performance.now() - t1;
    expect(await metricValue(node, 'lectern_redis_down{client="placement"}')).toBe(0);
    await waitUntil(async () => (await metricValue(node, 'lectern_redis_down{client="bus"}')) === 0, 5000, 'bus reconnected');
    expect(reg!.ttlMs).toBeGreaterThan(0);
    expect(reRegisterMs, 'within 3 heartbeats (2 s each)').toBeLessThan(6000);
    // And messages reach other nodes again: the bus publishes on the channel.
    const sub = new Redis(redisServer.url);
    let published = 0;
    sub.on('message', () => published++);
    await sub.subscribe('lectern:bus');
    await waitUntil(() => published >= 10, 15_000, 'bus messages on lectern:bus after Redis returned');
    sub.disconnect();
    const after = viewer.frames.filter((f) => f.receivedAtMs > upAt).length;
    expect(after).toBeGreaterThan(10);
    console.log(`[measure] Redis outage ${((upAt - downAt) / 1000).toFixed(1)} s: viewer got ${during.length} voice frames during it (${expectedFrames.toFixed(0)} expected, largest gap ${maxGapMs} ms); ` +
      `new room joined during it in ${joinMs.toFixed(0)} ms (hosted here); node hash + ${2} room placements back ${reRegisterMs.toFixed(0)} ms after redis-server accepted connections`);
    await page.close();
  }, 120_000);
});
