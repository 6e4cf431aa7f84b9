/**
 * Live nudges end to end (issue #14) in headless Chromium: the presenter page (`/rehearse`, Focus
 * mode) publishes the LibriVox speech fixture sped up with `sox in.wav out.wav tempo 1.4` (made in
 * this test's temp dir) on a gateway with real mediasoup, analyzer (PocketSphinx) and PostgreSQL.
 * `in.wav` is the fixture's utterances back to back (0.3 s of their own silence kept at each edge)
 * without the 1–2 s digital silences the fixture inserts for the pause tests: 71 words in 17.6 s
 * at 1.4× (241 WPM; PocketSphinx's 15 s pace at the first nudge: 220 WPM). The whole fixture at 1.4× (NUDGES_FIXTURE=whole) is 203 WPM of talk with a
 * quarter of it digital silence, but PocketSphinx hears about 59 of its 71 words, so the pace it
 * measures sits at the 170 WPM threshold (measured: 15 s pace 119–176, first nudge after 24.2 s,
 * "172 WPM for 15 s"). The test checks that a "Slow down" nudge appears large on the page within 20 s
 * of the first voice frame, that nudges come at most one per 20 s (media time), and that after
 * Stop the replay page shows them in its nudges lane, where a click seeks there (recording on:
 * playback = media time + the recording's origin), and the report gives the pace in the 15 s
 * before and after each nudge (`nudgeEffects`, section "Live nudges"). Prints JSON: time to the
 * first nudge (wall and media), the intervals, each nudge, the pace frames seen, the effects.
 * Screenshots: test-results/rehearse-focus-nudge.png, test-results/replay-nudges.png,
 * test-results/report-nudges.png.
 * Needs the built web app (npm run build -w web).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NUDGE_MIN_INTERVAL_SEC_DEFAULT, type SessionReport, type Timeline } from '@lectern/contract';
import { type LecternNode, startLectern } from '@lectern/gateway';
import { Database } from '../../gateway/src/db/Database.ts';
import { roomKey } from '../../gateway/src/access/RoomKey.ts';
import { createTestAccount } from '../../gateway/src/testing/access.ts';
import { TEST_DATABASE_URL, tempDir, uniqueSchema, waitUntil } from '../../gateway/src/testing/services.ts';
import { bearerFor, launchChromium, signedInPage } from '../support/browser.ts';
import { repoRoot, speechFixture } from '../support/fixtures.ts';

const ROOM = 'e2e-nudges';
const TEMPO = 1.4;
/** `speech` (default): the utterances without the inserted silences; `whole`: the fixture as it is. */
const FIXTURE = process.env.NUDGES_FIXTURE === 'whole' ? 'whole' : 'speech';
/** Media seconds the presenter talks after the first voice frame (room for three nudges at 20 s). */
const TALK_SEC = 62;
const results = path.join(repoRoot, 'test-results');
const work = tempDir('e2e-nudges');
const fastWav = path.join(work.dir, `speech-tempo-${TEMPO}.wav`);
let db: Database;
let node: LecternNode;
let browser: Browser;
let presenter: Page;
let auth: () => Promise<Record<string, string>>;
let account: Awaited<ReturnType<typeof createTestAccount>>;
let sessionId = '';
/** The recording's media-time origin (playback = media time + this). */
let originSec = 0;

/** What the page recorder (an init script) saw, by wall clock. */
interface NudgeLog {
  firstFrame: { wallMs: number; mediaTimeSec: number } | null;
  nudges: { id: string; kind: string; text: string; reason: string; mediaTimeSec: number; wallMs: number }[];
  pace: { mediaTimeSec: number; wpm30s: number | null }[];
}
const log = () => presenter.evaluate(() => (window as unknown as { __nudgeLog: NudgeLog }).__nudgeLog);

beforeAll(async () => {
  fs.mkdirSync(results, { recursive: true });
  const fixture = speechFixture();
  let input = fixture.wav48k;
  if (FIXTURE === 'speech') {
    // sox trim with several positions alternates copying and skipping: keep each utterance ± 0.3 s.
    input = path.join(work.dir, 'speech-utterances.wav');
    const keep = fixture.segments.flatMap((s) => [`=${Math.max(0, s.startSec - 0.3)}`, `=${Math.min(fixture.durationSec, s.endSec + 0.3)}`]);
    execFileSync('sox', [fixture.wav48k, input, 'trim', ...keep]);
  }
  execFileSync('sox', [input, fastWav, 'tempo', String(TEMPO)]);
  db = await Database.connect({ url: TEST_DATABASE_URL, schema: uniqueSchema('e2e_nudges') });
  [node, browser] = await Promise.all([
    startLectern({ port: 0, sfuWorkers: 1, analyzerProcesses: 1, poseProcesses: 0, logLevel: 'warn', dataDir: work.dir }, { database: db }),
    launchChromium({ audioFile: fastWav }),
  ]);
  account = await createTestAccount(node, { role: 'owner' });
  auth = bearerFor(node.url, account);
  ({ page: presenter } = await signedInPage(browser, node.url, account, { label: 'presenter', rehearseView: 'focus' }));
  // Records, every 50 ms, the first voice frame, each pace frame and each nudge shown (with its wall time).
  await presenter.addInitScript(() => {
    const l: NudgeLog = { firstFrame: null, nudges: [], pace: [] };
    (window as unknown as { __nudgeLog: NudgeLog }).__nudgeLog = l;
    setInterval(() => {
      const d = (window as unknown as { __lectern?: { framesReceived: number; lastFrame: { mediaTimeSec: number } | null; fluency: { mediaTimeSec: number; wpm30s: number | null } | null } }).__lectern;
      if (!d) return;
      if (!l.firstFrame && d.framesReceived > 0 && d.lastFrame) l.firstFrame = { wallMs: Date.now(), mediaTimeSec: d.lastFrame.mediaTimeSec };
      const f = d.fluency;
      if (f && f.mediaTimeSec !== l.pace.at(-1)?.mediaTimeSec) l.pace.push({ mediaTimeSec: f.mediaTimeSec, wpm30s: f.wpm30s });
      // Focus mode shows the nudge large (`nudge`), Dashboard mode as a strip (`nudge-banner`).
      for (const el of document.querySelectorAll<HTMLElement>('[data-testid=nudge], [data-testid=nudge-banner]')) {
        const id = el.dataset.nudgeId ?? '';
        if (l.nudges.some((n) => n.id === id)) continue;
        l.nudges.push({
          id,
          kind: el.dataset.kind ?? '',
          text: el.querySelector('.nudge-text, .text')?.textContent ?? '',
          reason: el.querySelector('[data-testid=nudge-reason]')?.textContent ?? '',
          mediaTimeSec: Number(el.dataset.mediaTimeSec),
          wallMs: Date.now(),
        });
      }
    }, 50);
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await node?.close();
  await db?.dropSchema();
  await db?.close();
  work.cleanup();
});

describe('live nudges: fast real speech', () => {
  it('opens /rehearse in Focus mode, explains the nudges before Start, and keeps the Focus/Dashboard choice', async () => {
    await presenter.goto(`${node.url}/rehearse?room=${ROOM}`);
    await presenter.getByTestId('focus-view').waitFor({ timeout: 20_000 });
    expect(await presenter.getByTestId('nudge-empty').textContent()).toMatch(/Press Start.*at most one every 20 s/);
    await presenter.screenshot({ path: path.join(results, 'rehearse-focus-idle.png') });
    await presenter.locator('label.view-opt', { hasText: 'Dashboard' }).click();
    await presenter.getByTestId('live-chart').waitFor({ timeout: 5_000 });
    expect(await presenter.getByTestId('focus-view').count()).toBe(0);
    await presenter.reload();
    await presenter.getByTestId('live-chart').waitFor({ timeout: 20_000 });
    expect(await presenter.evaluate(() => localStorage.getItem('lectern.rehearse.view'))).toBe('dashboard');
    await presenter.locator('label.view-opt', { hasText: 'Focus' }).click();
    await presenter.getByTestId('focus-view').waitFor({ timeout: 5_000 });
    expect(await presenter.getByTestId('dashboard').isHidden()).toBe(true);
  }, 60_000);

  it('shows "Slow down" large in Focus mode within 20 s of the first voice frame, at most one nudge per 20 s', async () => {
    await presenter.goto(`${node.url}/rehearse?room=${ROOM}&autostart=1`);
    await presenter.getByTestId('focus-view').waitFor({ timeout: 20_000 });
    expect(await presenter.getByTestId('dashboard').isHidden()).toBe(true);
    await presenter.waitForFunction(() => !!(window as unknown as { __nudgeLog: NudgeLog }).__nudgeLog.firstFrame, null, { timeout: 30_000 });
    sessionId = node.sessions!.manager.liveSessionOfRoom(roomKey(account.orgId, ROOM)) ?? '';
    expect(sessionId).not.toBe('');

    const shown = presenter.getByTestId('nudge');
    await shown.waitFor({ timeout: 40_000 }).catch(async (err: Error) => {
      const l = await log();
      console.log(JSON.stringify({ nudgesE2eNoNudge: { firstFrame: l.firstFrame, pace: l.pace.map((p) => [Math.round(p.mediaTimeSec), p.wpm30s === null ? null : Math.round(p.wpm30s)]) } }));
      throw err;
    });
    await shown.evaluate((el) => new Promise((r) => setTimeout(r, 400)));
    await presenter.screenshot({ path: path.join(results, 'rehearse-focus-nudge.png') });
    // The metric kept in view (default: pace) is the pace the nudge judges, over 15 s.
    expect(await presenter.getByTestId('focus-metric').getAttribute('data-metric')).toBe('pace');
    expect(Number(await presenter.getByTestId('focus-metric').getAttribute('data-value'))).toBeGreaterThan(0);

    // The current nudge shows in Dashboard mode too (a strip); then keep talking in Focus, to see the next ones come at the interval.
    const t0 = (await log()).firstFrame!.mediaTimeSec;
    await presenter.locator('label.view-opt', { hasText: 'Dashboard' }).click();
    const banner = presenter.getByTestId('nudge-banner');
    await banner.waitFor({ timeout: 40_000 });
    expect(await banner.textContent()).toMatch(/Nudge\s*Slow down\s*\d+ WPM for 15 s/);
    await banner.evaluate((el) => Promise.all(el.getAnimations().map((a) => a.finished)));
    await presenter.screenshot({ path: path.join(results, 'rehearse-dashboard-nudge.png') });
    await presenter.locator('label.view-opt', { hasText: 'Focus' }).click();
    await presenter.waitForFunction(
      (until) => ((window as unknown as { __lectern?: { lastFrame: { mediaTimeSec: number } | null } }).__lectern?.lastFrame?.mediaTimeSec ?? 0) >= until,
      t0 + TALK_SEC,
      { timeout: (TALK_SEC + 30) * 1000 },
    );
    const l = await log();
    const first = l.nudges[0]!;
    const intervalsSec = l.nudges.slice(1).map((n, i) => Math.round((n.mediaTimeSec - l.nudges[i]!.mediaTimeSec) * 100) / 100);
    const figures = {
      fixture: FIXTURE,
      tempo: TEMPO,
      fileSec: Number(execFileSync('soxi', ['-D', fastWav]).toString()),
      // The recogniser lags under load (the host is shared): the first nudge waits for its words.
      loadAvg1m: Math.round(os.loadavg()[0]! * 10) / 10,
      cores: os.availableParallelism(),
      firstNudge: first.text,
      firstNudgeAfterFirstFrameWallSec: (first.wallMs - l.firstFrame!.wallMs) / 1000,
      firstNudgeAfterFirstFrameMediaSec: Math.round((first.mediaTimeSec - l.firstFrame!.mediaTimeSec) * 100) / 100,
      nudges: l.nudges.map((n) => ({ text: n.text, reason: n.reason, mediaTimeSec: n.mediaTimeSec })),
      intervalsSec,
      talkedMediaSec: TALK_SEC,
      pace: l.pace.filter((p) => p.wpm30s !== null).map((p) => [Math.round(p.mediaTimeSec), Math.round(p.wpm30s!)]),
    };
    console.log(JSON.stringify({ nudgesE2e: figures }));

    expect(first).toMatchObject({ kind: 'pace', text: 'Slow down' });
    expect(first.reason).toMatch(/^\d+ WPM for 15 s$/);
    expect(Number(first.reason.split(' ')[0])).toBeGreaterThan(170);
    expect(figures.firstNudgeAfterFirstFrameWallSec).toBeLessThanOrEqual(20);
    for (const dt of intervalsSec) expect(dt).toBeGreaterThanOrEqual(NUDGE_MIN_INTERVAL_SEC_DEFAULT);
    // The page lists every nudge of the session.
    expect(await presenter.getByTestId('nudge-history-item').count()).toBe(l.nudges.length);
  }, 150_000);

  it('after Stop, the replay page shows the nudges on its timeline, and a click seeks there', async () => {
    const nudges = (await log()).nudges;
    await presenter.getByTestId('stop').click();
    await waitUntil(async () => {
      const s = (await (await fetch(`${node.url}/v1/sessions/${sessionId}`, { headers: await auth() })).json()) as { state: string };
      return s.state !== 'live';
    }, 30_000, 'the session to end', 250);
    const timeline = (await (await fetch(`${node.url}/v1/sessions/${sessionId}/timeline`, { headers: await auth() })).json()) as Timeline;
    expect(timeline.cues!.map((c) => [c.id, c.source, c.text])).toEqual(nudges.map((n) => [n.id, 'nudge', n.text]));
    // The recording's time origin (playback = media time + origin), once it is uploaded.
    let detail: { recordingUrl: string | null; mediaTimeOriginSec: number | null } = { recordingUrl: null, mediaTimeOriginSec: null };
    await waitUntil(async () => !!(detail = await (await fetch(`${node.url}/v1/sessions/${sessionId}`, { headers: await auth() })).json()).recordingUrl, 60_000, 'recording uploaded', 500);
    originSec = detail.mediaTimeOriginSec ?? 0;

    const { page: replay } = await signedInPage(browser, node.url, account, { label: 'replay' });
    await replay.goto(`${node.url}/sessions/${sessionId}`);
    await replay.getByTestId('lane-cues').waitFor({ timeout: 15_000 });
    const markers = replay.getByTestId('cue-marker');
    expect(await markers.count()).toBe(nudges.length);
    const at = await markers.evaluateAll((els) => els.map((e) => [e.dataset.source, e.textContent?.trim(), Number(e.dataset.atSec)]));
    expect(at.map(([source, text]) => [source, text])).toEqual(nudges.map((n) => ['nudge', n.text]));
    at.forEach(([, , sec], i) => expect(sec as number).toBeCloseTo(nudges[i]!.mediaTimeSec + originSec, 6));
    await replay.getByTestId('replay-video').waitFor({ timeout: 15_000 });
    await markers.first().click();
    await expect.poll(async () => Number(await replay.getByTestId('lane-cues-playhead').getAttribute('data-at-sec')), { timeout: 10_000 }).toBeCloseTo(nudges[0]!.mediaTimeSec + originSec, 1);
    await expect.poll(() => replay.evaluate(() => document.querySelector<HTMLVideoElement>('[data-testid=replay-video]')!.currentTime), { timeout: 10_000 }).toBeCloseTo(nudges[0]!.mediaTimeSec + originSec, 0);
    await replay.getByTestId('replay-timeline').screenshot({ path: path.join(results, 'replay-nudges.png') });
    await replay.context().close();
  }, 120_000);

  it('the report says how the pace moved in the 15 s after each "Slow down" vs the 15 s before', async () => {
    const nudges = (await log()).nudges;
    let report: SessionReport | null = null;
    await waitUntil(async () => !!(report = (await (await fetch(`${node.url}/v1/sessions/${sessionId}/report`, { headers: await auth() })).json()) as SessionReport).report, 180_000, 'the report', 1000);
    const effects = report!.nudgeEffects!;
    console.log(JSON.stringify({ nudgesE2eReport: effects.map(({ items, ...e }) => ({ ...e, items: items.map((i) => [i.atSec, i.before, i.after]) })) }));
    expect(effects.map((e) => [e.kind, e.count])).toEqual([['pace', nudges.length]]);
    const [pace] = effects;
    expect(pace!.items.map((i) => i.atSec)).toEqual(nudges.map((n) => Math.round((n.mediaTimeSec + originSec) * 10) / 10));
    // The fixture is fast throughout: 15 s of talk before each nudge are measured at a pace above the band.
    for (const i of pace!.items) expect(i.before).toBeGreaterThan(160);

    const { page } = await signedInPage(browser, node.url, account, { label: 'report' });
    await page.goto(`${node.url}/sessions/${sessionId}/report`);
    const section = page.getByTestId('report-nudges');
    await section.waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('nudge-effect').getAttribute('data-kind')).toBe('pace');
    expect(await page.getByTestId('nudge-effect-item').count()).toBe(nudges.length);
    await section.screenshot({ path: path.join(results, 'report-nudges.png') });
    await page.context().close();
  }, 240_000);
});
