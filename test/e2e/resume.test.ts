/**
 * Nobody stuck (#13): a presenter who drops comes back into the SAME session, with the recording
 * kept and the time away kept as a gap. Headless Chromium publishes real speech (LibriVox
 * fixture) and a synthetic camera; the gateway records to s3rver and stores metrics in the run's
 * PostgreSQL. Three drops, one session:
 *   1. the Socket.IO connection drops (the server closes the engine transport: the client sees
 *      `transport close` and reconnects by itself);
 *   2. the page is reloaded (opened again in the same tab without `autostart`: the tab's
 *      sessionStorage makes it join again, web/src/lib/stores/rehearsalResume.ts);
 *   3. the room's mediasoup worker is SIGKILLed (the room is rebuilt on a new worker and the page
 *      re-joins by itself).
 * Each must bring voice frames from a new producer within 10 s. Then Stop: one session row for the
 * room, ended `presenter-left`, whose recording lasts as long as the session did (gaps kept, not
 * shifted) and whose stored voice frames run in time order across the gaps.
 * Figures are printed with a `[measure]` prefix.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomMessage } from '@lectern/contract';
import { type LecternNode, startLectern } from '@lectern/gateway';
import { roomKey } from '../../gateway/src/access/RoomKey.ts';
import type { Database } from '../../gateway/src/db/Database.ts';
import type { ObjectStore } from '../../gateway/src/storage/ObjectStore.ts';
import { createTestAccount } from '../../gateway/src/testing/access.ts';
import { TestStorage, waitUntil } from '../../gateway/src/testing/services.ts';
import { launchChromium, signedInPage } from '../support/browser.ts';
import { speechFixture } from '../support/fixtures.ts';

const fixture = speechFixture();
const storage = new TestStorage('e2e_resume');
let db: Database;
let objects: ObjectStore;
let node: LecternNode;
let browser: Browser;
let account: Awaited<ReturnType<typeof createTestAccount>>;
/** Voice frames of the room as the bus carried them: arrival time and producer. */
const voice: { atMs: number; producerId: string }[] = [];

beforeAll(async () => {
  ({ db, objects } = await storage.start());
  node = await startLectern(
    { port: 0, sfuWorkers: 2, analyzerProcesses: 1, poseProcesses: 0, logLevel: 'warn', dataDir: path.join(storage.work.dir, 'node'), resumeGraceSec: 30 },
    { database: db, objects },
  );
  account = await createTestAccount(node, { role: 'owner' });
  browser = await launchChromium({ audioFile: fixture.wav48k });
  node.bus.subscribe((_room, msg: RoomMessage) => {
    if (msg.event === 'metrics:voice') voice.push({ atMs: Date.now(), producerId: msg.payload.producerId });
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await node?.close();
  await storage.close();
});

/** What a page shows: its session state and banners (for failure messages). */
async function pageSays(page: Page): Promise<string> {
  const d = await page.evaluate(() => JSON.stringify((window as unknown as { __lectern?: object }).__lectern, ['state', 'framesReceived', 'socketState', 'mediaReconnecting'])).catch((e: Error) => e.message);
  const banners = await page.locator('[data-testid$=banner]').allTextContents().catch(() => []);
  return `${d} ${banners.join(' | ')}`;
}

/** Time from `sinceMs` until the first voice frame of a producer other than `oldProducerId`, ms. */
async function backAfter(page: Page, sinceMs: number, oldProducerId: string, what: string): Promise<{ ms: number; producerId: string }> {
  let hit: { atMs: number; producerId: string } | undefined;
  await waitUntil(() => !!(hit = voice.find((v) => v.atMs >= sinceMs && v.producerId !== oldProducerId)), 15_000, `voice frames again after ${what}`).catch(async (err: Error) => {
    throw new Error(`${err.message}; presenter page: ${await pageSays(page)}`);
  });
  return { ms: hit!.atMs - sinceMs, producerId: hit!.producerId };
}

const latestProducer = () => voice.at(-1)!.producerId;
const state = (page: Page) => page.evaluate(() => (window as unknown as { __lectern?: { state: string } }).__lectern?.state);

describe('a presenter who drops resumes the same session', () => {
  it('socket drop, page reload and media-worker kill: same session, frames back within 10 s, recording with the gaps kept', async () => {
    const room = `resume-${Date.now().toString(36)}`;
    const key = roomKey(account.orgId, room);
    const { page, context } = await signedInPage(browser, node.url, account, { label: 'presenter' });
    const startedAtMs = Date.now();
    await page.goto(`${node.url}/rehearse?room=${room}&autostart=1`);
    let sessionId = '';
    await waitUntil(() => !!(sessionId = node.sessions!.manager.liveSessionOfRoom(key) ?? ''), 30_000, 'session start');
    await waitUntil(() => voice.length > 30, 30_000, 'voice frames');
    // The node takes no NEW rooms from now on (as if it were overloaded or draining): a session that
    // waits for its presenter is not new, so every rejoin below must still be admitted.
    node.heartbeat.setThreshold(0);
    const figures: Record<string, number | string[]> = {};
    // A remote coach watches throughout: after each drop it must get the presenter's metrics again.
    const coach = await signedInPage(browser, node.url, account, { label: 'coach' });
    await coach.page.goto(`${node.url}/coach?room=${room}`);
    const coachFrames = async () => (await coach.page.evaluate(() => (window as unknown as { __lectern?: { framesReceived: number } }).__lectern?.framesReceived)) ?? 0;
    await waitUntil(async () => (await coachFrames()) > 10, 30_000, 'coach receives voice frames');
    const coachBack = async (t0: number, what: string) => {
      const before = await coachFrames();
      await waitUntil(async () => (await coachFrames()) > before + 10, 15_000, `coach receives frames again after ${what}`).catch(async (err: Error) => {
        const d = await coach.page.evaluate(() => JSON.stringify((window as unknown as { __lectern?: object }).__lectern, ['state', 'framesReceived', 'socketState', 'mediaReconnecting']));
        const banner = await coach.page.locator('[data-testid=error-banner]').allTextContents();
        throw new Error(`${err.message}; coach page: ${d} ${banner.join(' | ')}`);
      });
      return Date.now() - t0;
    };

    // 1. Socket.IO drop: the server closes the presenter's engine connection.
    let producer = latestProducer();
    let t0 = Date.now();
    for (const s of node.io.of('/').sockets.values()) if ((s.data as { principal?: { userId?: string } }).principal?.userId === account.userId) s.conn.close();
    let back = await backAfter(page, t0, producer, 'the socket drop');
    figures.socketDropBackMs = back.ms;
    figures.socketDropCoachMs = await coachBack(t0, 'the socket drop');
    expect(node.sessions!.manager.liveSessionOfRoom(key)).toBe(sessionId);
    expect(back.ms).toBeLessThan(10_000);
    await waitUntil(async () => (await state(page)) === 'live', 10_000, 'page live again');

    // 2. Reload: the same tab opens the page again, without ?autostart.
    await new Promise((r) => setTimeout(r, 3000));
    producer = latestProducer();
    t0 = Date.now();
    await page.goto(`${node.url}/rehearse?room=${room}`);
    back = await backAfter(page, t0, producer, 'the reload');
    figures.reloadBackMs = back.ms;
    figures.reloadCoachMs = await coachBack(t0, 'the reload');
    expect(node.sessions!.manager.liveSessionOfRoom(key)).toBe(sessionId);
    expect(back.ms).toBeLessThan(10_000);
    await waitUntil(async () => (await state(page)) === 'live', 10_000, 'page live after reload');
    // The page says what happened.
    await page.getByTestId('resumed-banner').waitFor({ timeout: 5_000 });

    // 3. The room's mediasoup worker dies.
    await new Promise((r) => setTimeout(r, 3000));
    producer = latestProducer();
    const workerPid = node.sfu.rooms.get(key)!.workerPid;
    t0 = Date.now();
    process.kill(workerPid, 'SIGKILL');
    back = await backAfter(page, t0, producer, 'the worker kill');
    figures.workerKillBackMs = back.ms;
    figures.workerKillCoachMs = await coachBack(t0, 'the worker kill');
    expect(node.sessions!.manager.liveSessionOfRoom(key)).toBe(sessionId);
    expect(node.sfu.rooms.get(key)!.workerPid).not.toBe(workerPid);
    expect(back.ms).toBeLessThan(10_000);
    expect(node.sessions!.manager.sessionStatus(key)).toMatchObject({ state: 'live', resumes: 3 });

    node.heartbeat.setThreshold(node.config.cluster.loadThreshold);
    // Stop: the session ends as the presenter's choice.
    await new Promise((r) => setTimeout(r, 4000));
    const stoppedAtMs = Date.now();
    await page.getByTestId('stop').click();
    await waitUntil(() => !!node.sessions!.manager.endedSession(sessionId), 30_000, 'session end');
    await context.close();
    await coach.context.close();
    const ended = node.sessions!.manager.endedSession(sessionId)!;
    expect(ended.session).toMatchObject({ endReason: 'presenter-left' });
    const rows = await db.sql<{ id: string }[]>`SELECT id FROM sessions WHERE org_id = ${account.orgId} AND room_id = ${room}`;
    expect(rows.map((r) => r.id)).toEqual([sessionId]);

    // The recording: one file, as long as the session was (the gaps are in it, in time).
    const rec = ended.recording!;
    expect(rec.state).toBe('uploaded');
    const [media] = await db.sql<{ s3_key: string }[]>`SELECT s3_key FROM media_objects WHERE session_id = ${sessionId}`;
    const file = path.join(storage.work.dir, 'resumed.webm');
    fs.writeFileSync(file, await objects.getBuffer(media!.s3_key));
    const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'json', file]).toString()) as { format: { duration: string } };
    figures.recordingSec = Number(probe.format.duration);
    // The audio track: from its first to its last packet it spans the session's wall time, from the
    // first audio packet to Stop (the gaps are in it, in time; a shift would shorten it).
    const pts = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'a', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', file])
      .toString().trim().split('\n').map(Number).filter(Number.isFinite);
    const audioSpanSec = pts.at(-1)! - pts[0]!;
    const wallSec = (stoppedAtMs - rec.audioFirstArrivalMs!) / 1000;
    figures.audioSpanSec = audioSpanSec;
    figures.wallSec = wallSec;
    expect(Math.abs(audioSpanSec - wallSec), `audio ${audioSpanSec} s vs ${wallSec} s from its first packet to Stop`).toBeLessThan(1);
    // The largest holes between consecutive audio packets are the drops, not shifts.
    const holes = pts.slice(1).map((t, i) => t - pts[i]!).filter((d) => d > 0.3);
    figures.audioHoles = holes.length;
    figures.largestHoleSec = Math.max(0, ...holes);
    expect(holes.length).toBeGreaterThanOrEqual(1);
    expect(decodeCleanly(file)).toBe(true);

    // Stored voice frames: one time line, in order across the gaps, reaching the end of the session.
    const frames = await db.sql<{ t: number; producer_id: string }[]>`SELECT media_time_sec AS t, producer_id FROM metric_frames WHERE session_id = ${sessionId} AND kind = 'voice' ORDER BY media_time_sec`;
    const producers = new Set(frames.map((f) => f.producer_id));
    figures.producers = producers.size;
    expect(producers.size).toBe(4);
    // Each producer's frames cover its own stretch of the session: sorted by start, a stretch starts
    // after the previous one ended (the gap between is the time away), none overlaps another.
    const spans = [...producers].map((p) => {
      const ts = frames.filter((f) => f.producer_id === p).map((f) => f.t);
      return { from: Math.min(...ts), to: Math.max(...ts) };
    }).sort((a, b) => a.from - b.from);
    const gaps = spans.slice(1).map((sp, i) => sp.from - spans[i]!.to);
    figures.spans = spans.map((sp) => `${sp.from.toFixed(2)}-${sp.to.toFixed(2)}`);
    expect(Math.min(...gaps), JSON.stringify(spans)).toBeGreaterThan(-0.15);
    const lastT = frames.at(-1)!.t;
    figures.lastFrameSec = lastT;
    expect(Math.abs(lastT - (stoppedAtMs - startedAtMs) / 1000)).toBeLessThan(6);
    console.info(`[measure] resume ${JSON.stringify(figures)}`);
  }, 240_000);

  it('a presenter who does not come back: the session ends when the grace runs out', async () => {
    const room = `gone-${Date.now().toString(36)}`;
    const key = roomKey(account.orgId, room);
    const { page, context } = await signedInPage(browser, node.url, account, { label: 'presenter-gone' });
    await page.goto(`${node.url}/rehearse?room=${room}&autostart=1`);
    let sessionId = '';
    await waitUntil(() => !!(sessionId = node.sessions!.manager.liveSessionOfRoom(key) ?? ''), 30_000, 'session start');
    await waitUntil(async () => (await state(page)) === 'live', 30_000, 'live');
    const closedAtMs = Date.now();
    await context.close();
    await waitUntil(() => node.sessions!.manager.sessionStatus(key)?.state === 'suspended', 10_000, 'session waits');
    await waitUntil(() => !!node.sessions!.manager.endedSession(sessionId), 45_000, 'session end after the grace', 250);
    const waitedMs = Date.now() - closedAtMs;
    console.info(`[measure] resume-grace ${JSON.stringify({ graceSec: 30, endedAfterMs: waitedMs })}`);
    expect(waitedMs).toBeGreaterThanOrEqual(29_000);
    expect(node.sessions!.manager.endedSession(sessionId)!.session).toMatchObject({ endReason: 'presenter-left' });
  }, 120_000);
});

/** Whether ffmpeg decodes the whole file without an error line. */
function decodeCleanly(file: string): boolean {
  const out = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return out.toString().trim() === '';
}
