/**
 * Remote coaching end to end in headless Chromium: a coach page (`/coach?room=…`, signed in as an
 * admin of the presenter's organization, who may mint a coach grant) waits for the presenter, then
 * a presenter page (`/rehearse`, signed in as the organization's owner) publishes the LibriVox speech fixture and the
 * synthetic camera. The coach receives the presenter's video (playing, videoWidth > 0) and the
 * same live metric frames; a cue clicked on the coach page appears on the presenter's page (and
 * not on the coach's); a comment is stored in PostgreSQL (the run's server, a schema of its own) at
 * a media time within the session, returned by the timeline API and listed on the replay page.
 * Screenshots: test-results/coach-live.png, test-results/rehearse-cue.png, test-results/replay-comments.png.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Timeline, VoiceFrame } from '@lectern/contract';
import { type LecternNode, startLectern } from '@lectern/gateway';
import { Database } from '../../gateway/src/db/Database.ts';
import { roomKey } from '../../gateway/src/access/RoomKey.ts';
import { createTestAccount } from '../../gateway/src/testing/access.ts';
import { TEST_DATABASE_URL, tempDir, uniqueSchema, waitUntil } from '../../gateway/src/testing/services.ts';
import { bearerFor, launchChromium, signedInPage } from '../support/browser.ts';
import { repoRoot, speechFixture } from '../support/fixtures.ts';

const fixture = speechFixture();
const ROOM = 'e2e-coach';
const results = path.join(repoRoot, 'test-results');
const work = tempDir('e2e-coach');
let db: Database;
let node: LecternNode;
let browser: Browser;
let coach: Page;
let presenter: Page;
let presenterAccount: Awaited<ReturnType<typeof createTestAccount>>;
let auth: () => Promise<Record<string, string>>;

interface Diag {
  state: string;
  framesReceived: number;
  lastFrame: VoiceFrame | null;
}
const diag = (p: Page) => p.evaluate(() => (window as unknown as { __lectern?: Diag }).__lectern && { ...(window as unknown as { __lectern: Diag }).__lectern });

beforeAll(async () => {
  fs.mkdirSync(results, { recursive: true });
  db = await Database.connect({ url: TEST_DATABASE_URL, schema: uniqueSchema('e2e_coach') });
  [node, browser] = await Promise.all([
    startLectern(
      { port: 0, sfuWorkers: 1, analyzerProcesses: 1, poseProcesses: 0, recording: false, logLevel: 'warn', dataDir: work.dir },
      { database: db },
    ),
    launchChromium({ audioFile: fixture.wav48k }),
  ]);
  presenterAccount = await createTestAccount(node, { role: 'owner' });
  const coachAccount = await createTestAccount(node, { role: 'admin', orgId: presenterAccount.orgId });
  auth = bearerFor(node.url, presenterAccount);
  [coach, presenter] = await Promise.all([
    signedInPage(browser, node.url, coachAccount, { label: 'coach' }).then((r) => r.page),
    signedInPage(browser, node.url, presenterAccount, { label: 'presenter' }).then((r) => r.page),
  ]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await node?.close();
  await db?.dropSchema();
  await db?.close();
  work.cleanup();
});

describe('a remote coach in the presenter’s room', () => {
  it('says that no presenter is there yet, then shows the presenter’s video and live metrics', async () => {
    await coach.goto(`${node.url}/coach?room=${ROOM}&name=Coach`);
    await coach.getByTestId('no-presenter').waitFor({ timeout: 20_000 });
    expect(await coach.getByTestId('no-presenter').textContent()).toMatch(/No presenter in room “e2e-coach” yet/);
    await coach.screenshot({ path: path.join(results, 'coach-waiting.png') });

    await presenter.goto(`${node.url}/rehearse?room=${ROOM}&autostart=1`);
    // Metric frames reach the coach page (same store as the presenter's cards and chart).
    await expect.poll(async () => (await diag(coach))?.framesReceived ?? 0, { timeout: 30_000, interval: 250 }).toBeGreaterThan(20);
    expect((await diag(coach))?.state).toBe('live');
    await coach.getByTestId('no-presenter').waitFor({ state: 'detached', timeout: 5_000 });
    // The presenter's video plays on the coach page, with its audio track.
    const video = coach.getByTestId('remote-video');
    await expect
      .poll(() => video.evaluate((v: HTMLVideoElement) => v.videoWidth > 0 && !v.paused && v.currentTime > 0), { timeout: 20_000, interval: 250 })
      .toBe(true);
    const tracks = await video.evaluate((v: HTMLVideoElement) => (v.srcObject as MediaStream).getTracks().map((t) => `${t.kind}:${t.readyState}`).sort());
    expect(tracks).toEqual(['audio:live', 'video:live']);
    await expect.poll(() => coach.getByTestId('card-level').textContent(), { timeout: 10_000 }).toMatch(/dBFS/);
    // Both pages follow the same producer: the coach's newest frame is the presenter's.
    const [c, p] = await Promise.all([diag(coach), diag(presenter)]);
    expect(c?.lastFrame?.producerId).toBe(p?.lastFrame?.producerId);
  });

  it('sends a cue that the presenter’s page shows (and the coach’s does not)', async () => {
    const shown = presenter.getByTestId('coach-cue');
    const appears = shown.waitFor({ timeout: 10_000 });
    await coach.getByTestId('cue-button').filter({ hasText: 'Slow down' }).click();
    await appears;
    expect(await shown.textContent()).toMatch(/Coach says\s*Slow down/);
    await shown.evaluate((el) => Promise.all(el.getAnimations().map((a) => a.finished)));
    await presenter.screenshot({ path: path.join(results, 'rehearse-cue.png') });
    await expect.poll(() => coach.getByTestId('cue-result').textContent(), { timeout: 10_000 }).toMatch(/Sent “Slow down”/);
    expect(await coach.getByTestId('coach-cue').count()).toBe(0);
    // Shown for CUE_DISPLAY_MS (5 s), then it goes away by itself.
    await shown.waitFor({ state: 'detached', timeout: 15_000 });
  });

  it('adds a comment stored at a media time within the session and listed by the timeline API and replay page', async () => {
    const before = (await diag(coach))?.lastFrame?.mediaTimeSec ?? 0;
    await coach.getByTestId('comment-input').fill('Strong opening. Slow down in the second part.');
    await coach.getByTestId('comment-add').click();
    await coach.getByTestId('comment-list').waitFor({ timeout: 10_000 });
    const after = (await diag(coach))?.lastFrame?.mediaTimeSec ?? 0;
    await coach.screenshot({ path: path.join(results, 'coach-live.png'), fullPage: true });

    const sessionId = node.sessions!.manager.liveSessionOfRoom(roomKey(presenterAccount.orgId, ROOM));
    expect(sessionId).toBeTruthy();
    let timeline: Timeline | undefined;
    await waitUntil(async () => {
      timeline = (await (await fetch(`${node.url}/v1/sessions/${sessionId}/timeline`, { headers: await auth() })).json()) as Timeline;
      return timeline.comments.length === 1;
    }, 10_000, 'the comment in the timeline API', 250);
    const [comment] = timeline!.comments;
    expect(comment).toMatchObject({ text: 'Strong opening. Slow down in the second part.', authorName: 'Coach' });
    // Media time at sending: within the frames the coach had seen around the click (one window of slack).
    expect(comment!.mediaTimeSec).toBeGreaterThan(0);
    expect(comment!.mediaTimeSec).toBeGreaterThanOrEqual(before - 0.2);
    expect(comment!.mediaTimeSec).toBeLessThanOrEqual(after + 0.2);

    // The replay page lists it at its position (no recording in this test: origin 0).
    const { page: replay } = await signedInPage(browser, node.url, presenterAccount, { label: 'replay' });
    await replay.goto(`${node.url}/sessions/${sessionId}`);
    const item = replay.getByTestId('coach-comment');
    await item.waitFor({ timeout: 15_000 });
    expect(Number(await item.getAttribute('data-at-sec'))).toBeCloseTo(comment!.mediaTimeSec, 6);
    expect(await item.textContent()).toMatch(/Strong opening/);
    await replay.getByTestId('coach-comments').screenshot({ path: path.join(results, 'replay-comments.png') });
    await replay.context().close();
  });
});
