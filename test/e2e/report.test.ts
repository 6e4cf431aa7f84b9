/**
 * The coaching report end to end in headless Chromium: a gateway on its real PostgreSQL (the test
 * server, a throw-away schema) and embedded s3rver; two ended sessions whose recordings (real
 * LibriVox speech as Opus WebM: one as read, one played 1.5× faster so pace is clearly too fast) are
 * put in S3 and queued exactly as at session end; the pg-boss worker analyses and scores them.
 * The browser opens the report, follows a tip's timestamp into the replay (`?t=`), downloads the
 * PDF (checked with `pdftotext`), records a read-aloud attempt from a fake microphone playing real
 * speech (its recognised words are checked), opens /progress (the uPlot chart must draw) and a share link.
 * Last, a live rehearsal over real WebRTC is ended through the API: its analysis must be queued by
 * the session end itself and finish.
 * Screenshots: test-results/report.png, test-results/progress.png.
 * Needs the built web app (npm run build -w web) and poppler-utils.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LecternNode, startLectern } from '@lectern/gateway';
import { Database } from '../../gateway/src/db/Database.ts';
import { ObjectStore } from '../../gateway/src/storage/ObjectStore.ts';
import { roomKey } from '../../gateway/src/access/RoomKey.ts';
import { createTestAccount } from '../../gateway/src/testing/access.ts';
import { tempDir, TEST_DATABASE_URL, uniqueSchema, waitUntil } from '../../gateway/src/testing/services.ts';
import { bearerFor, launchChromium, signedInPage } from '../support/browser.ts';
import { repoRoot, speechFixture, speechSegmentClip } from '../support/fixtures.ts';

const work = tempDir('e2e-report');
const shots = path.join(repoRoot, 'test-results');
let db: Database;
let node: LecternNode;
let browser: Browser;
let pageA: Page;
let fastId = '';
let account: Awaited<ReturnType<typeof createTestAccount>>;
let auth: () => Promise<Record<string, string>>;
let normalId = '';

/** Creates an ended session whose recording is `file`, queues its analysis as session end does. */
async function endedSession(file: string, title: string, startedAt: Date): Promise<string> {
  const s = node.sessions!;
  const id = randomUUID();
  await s.repo.createSession({ id, roomId: `e2e-report-${id.slice(0, 4)}`, nodeId: 'e2e', orgId: account.orgId, ownerUserId: account.userId, title, startedAt });
  const key = ObjectStore.recordingKey(account.orgId, id);
  await s.objects!.uploadFile(key, file, 'video/webm');
  await s.repo.createMediaObject({ id: randomUUID(), sessionId: id, s3Key: key, contentType: 'video/webm', state: 'uploaded', hasAudio: true, hasVideo: false });
  await s.repo.endSession(id, { reason: 'api', endedAt: new Date(startedAt.getTime() + 40_000), mediaDurationSec: 30 });
  await s.jobs.enqueue(id);
  return id;
}

beforeAll(async () => {
  db = await Database.connect({ url: TEST_DATABASE_URL, schema: uniqueSchema('e2e_report') });
  node = await startLectern({ port: 0, sfuWorkers: 1, analyzerProcesses: 1, poseProcesses: 0, logLevel: 'warn', dataDir: work.dir }, { database: db });
  account = await createTestAccount(node, { role: 'owner' });
  auth = bearerFor(node.url, account);
  const fx = speechFixture();
  const normal = path.join(work.dir, 'normal.webm');
  const fast = path.join(work.dir, 'fast.webm');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', fx.wav48k, '-c:a', 'libopus', '-b:a', '32k', normal]);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', fx.wav48k, '-af', 'atempo=1.5', '-c:a', 'libopus', '-b:a', '32k', fast]);
  normalId = await endedSession(normal, 'First run-through', new Date(Date.now() - 86_400_000));
  fastId = await endedSession(fast, 'Rushed run-through', new Date());
  await waitUntil(async () => {
    const states = await Promise.all([normalId, fastId].map((id) => node.sessions!.reports.getJob(id)));
    const failed = states.find((j) => j?.state === 'failed');
    if (failed) throw new Error(`analysis failed: ${failed.error}`);
    return states.every((j) => j?.state === 'done');
  }, 120_000, 'both reports ready', 250);
  browser = await launchChromium();
  ({ page: pageA } = await signedInPage(browser, node.url, account, { label: 'report', context: { acceptDownloads: true } }));
}, 200_000);

afterAll(async () => {
  await browser?.close();
  await node?.close();
  await node?.sessions?.jobs.dropSchema().catch(() => {});
  await db?.dropSchema();
  await db?.close();
  work.cleanup();
});

describe('coaching report in the browser', () => {
  it('shows subscores with intervals, tips and drills; a tip timestamp opens the replay there', async () => {
    await pageA.goto(`${node.url}/sessions/${fastId}/report`);
    await pageA.getByTestId('report-overview').waitFor({ timeout: 20_000 });
    expect(await pageA.getByTestId('subscore').count()).toBe(8);
    const pace = pageA.locator('[data-testid=subscore][data-key=pace]');
    expect(Number(await pace.getAttribute('data-score'))).toBeLessThan(90); // ~1.5 × 144 WPM
    expect(await pageA.getByTestId('tip').count()).toBeGreaterThanOrEqual(1);
    expect(await pageA.getByTestId('tip').count()).toBeLessThanOrEqual(3);
    expect(await pageA.locator('[data-testid=drill][data-kind=read-aloud]').count()).toBe(1);
    expect(await pageA.locator('[data-testid=drill][data-kind=pacing]').count()).toBe(1);
    fs.mkdirSync(shots, { recursive: true });
    await pageA.screenshot({ path: path.join(shots, 'report.png'), fullPage: true });

    const link = pageA.locator('[data-testid=tip][data-subscore=pace] [data-testid=tip-evidence]').first();
    const sec = Number(await link.getAttribute('data-sec'));
    await link.click();
    await pageA.waitForURL(new RegExp(`/sessions/${fastId}\\?t=`));
    await pageA.getByTestId('replay-video').waitFor({ timeout: 15_000 });
    await pageA.waitForFunction(() => document.querySelector<HTMLVideoElement>('[data-testid=replay-video]')!.readyState >= 1, null, { timeout: 20_000 });
    await expect
      .poll(() => pageA.evaluate(() => document.querySelector<HTMLVideoElement>('[data-testid=replay-video]')!.currentTime), { timeout: 10_000 })
      .toBeGreaterThan(sec - 0.2);
    expect(await pageA.evaluate(() => document.querySelector<HTMLVideoElement>('[data-testid=replay-video]')!.currentTime)).toBeLessThan(sec + 0.3);
  });

  it('downloads the PDF, whose text holds the scores', async () => {
    await pageA.goto(`${node.url}/sessions/${fastId}/report`);
    await pageA.getByTestId('report-overview').waitFor({ timeout: 20_000 });
    const overall = Number(await pageA.getByTestId('report-overall').getAttribute('data-score'));
    const paceScore = Number(await pageA.locator('[data-testid=subscore][data-key=pace]').getAttribute('data-score'));
    const [download] = await Promise.all([pageA.waitForEvent('download'), pageA.getByTestId('export-pdf').click()]);
    const file = path.join(work.dir, 'report.pdf');
    await download.saveAs(file);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text).toContain(`Overall score: ${overall.toFixed(0)}`);
    expect(text).toMatch(new RegExp(`Pace\\s+${paceScore.toFixed(0)}\\s`));
    for (const label of ['Fillers', 'Pauses', 'Pitch variety', 'Volume', 'Tips', 'Drills']) expect(text).toContain(label);
  });

  it('the read-aloud drill records real speech in the browser, recognises its words and shows the accuracy and missed words', async () => {
    // Chromium's fake microphone plays segment A of the LibriVox fixture in a loop; the drill's own
    // sentence is not what that speaker reads, so the upload is scored against the segment's text
    // (the only change to what the page sends). Recording two loop periods (plus margin) holds one
    // whole reading wherever the loop is when recording starts. Bounds measured on the same audio:
    // analyzers/src/report/readAloudFile.test.ts.
    const clip = speechSegmentClip('A', path.join(work.dir, 'read-aloud.wav'));
    const micBrowser = await launchChromium({ audioFile: path.join(work.dir, 'read-aloud.wav') });
    try {
      const { page } = await signedInPage(micBrowser, node.url, account, { label: 'read-aloud' });
      await page.route((url) => url.pathname === '/v1/drills/read-aloud', (route) => {
        const url = new URL(route.request().url());
        url.searchParams.set('target', clip.text);
        return route.continue({ url: url.toString() });
      });
      await page.goto(`${node.url}/sessions/${fastId}/report`);
      await page.getByTestId('read-aloud-start').click();
      await page.getByTestId('read-aloud-stop').waitFor();
      await page.waitForTimeout(Math.round((2 * clip.durationSec + 1) * 1000));
      const scored = page.waitForResponse((r) => r.url().includes('/v1/drills/read-aloud') && r.request().method() === 'POST', { timeout: 60_000 });
      await page.getByTestId('read-aloud-stop').click();
      const response = await scored;
      expect(response.status()).toBe(200);
      const body = (await response.json()) as { accuracy: number; missedWords: string[]; transcript: string; engine: string };
      expect(body.engine).not.toBe('none');
      const heard = body.transcript.split(/\s+/);
      console.log(`[measure] read-aloud in Chromium: accuracy ${body.accuracy}, missed ${body.missedWords.length} (${body.missedWords.join(' ')}), transcript "${body.transcript}"`);
      // The recogniser heard the reading: its content words are in the transcript. (Which words
      // count as missed depends on where in the loop recording started, so only the accuracy bound
      // is asserted for them.)
      for (const w of ['john', 'dashwood', 'consider', 'might']) {
        expect(heard, `"${w}" in the transcript "${body.transcript}"`).toContain(w);
      }
      expect(body.accuracy, JSON.stringify(body)).toBeGreaterThan(0.4);
      const target = new Set(clip.text.toLowerCase().split(/\s+/));
      for (const w of body.missedWords) expect(target.has(w), `missed word "${w}" is a word of the target`).toBe(true);

      const result = page.getByTestId('read-aloud-result');
      await result.waitFor({ timeout: 30_000 });
      expect(Number(await result.getAttribute('data-accuracy'))).toBe(body.accuracy);
      expect(await result.locator('mark').allTextContents()).toEqual(body.missedWords);
    } finally {
      await micBrowser.close();
    }
  }, 150_000);

  it('/progress charts the subscores of both sessions and shows personal bests', async () => {
    await pageA.goto(`${node.url}/progress`);
    await pageA.getByTestId('progress-chart').waitFor({ timeout: 20_000 });
    expect(await pageA.getByTestId('progress-chart').getAttribute('data-sessions')).toBe('2');
    // The chart is drawn: the uPlot canvas has series pixels (not just a blank plot).
    await pageA.locator('[data-testid=progress-chart] canvas').waitFor();
    const inked = await pageA.locator('[data-testid=progress-chart] canvas').evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n++;
      return n;
    });
    expect(inked).toBeGreaterThan(500);
    expect(await pageA.getByTestId('progress-row').count()).toBe(2);
    const best = pageA.locator('[data-testid=best][data-key=pace]');
    expect(await best.getAttribute('href')).toBe(`/sessions/${normalId}/report`); // the un-rushed run paced better
    const bests = (await (await fetch(`${node.url}/v1/progress`, { headers: await auth() })).json()) as { personalBests: Record<string, { sessionId: string } | null> };
    for (const [key, b] of Object.entries(bests.personalBests))
      if (b) expect(await pageA.locator(`[data-testid=best][data-key=${key}]`).getAttribute('href')).toBe(`/sessions/${b.sessionId}/report`);
    await pageA.screenshot({ path: path.join(shots, 'progress.png'), fullPage: true });
  });

  it('a share link opens the read-only report; a tampered one is refused', async () => {
    const res = await fetch(`${node.url}/v1/sessions/${normalId}/share`, { method: 'POST', headers: { 'content-type': 'application/json', ...(await auth()) }, body: JSON.stringify({ ttlSec: 600 }) });
    const { path: sharePath } = (await res.json()) as { path: string };
    await pageA.goto(node.url + sharePath);
    await pageA.getByTestId('shared-title').waitFor({ timeout: 15_000 });
    expect(await pageA.getByTestId('subscore').count()).toBe(8);
    expect(await pageA.getByTestId('tip-evidence').count()).toBe(0); // no replay links in a shared report
    await pageA.goto(node.url + sharePath.slice(0, -2) + (sharePath.endsWith('AA') ? 'BB' : 'AA'));
    await pageA.getByTestId('shared-error').waitFor({ timeout: 15_000 });
    expect(await pageA.getByTestId('shared-error').textContent()).toContain('not valid');
  });
});

describe('session end queues the analysis', () => {
  it('a live rehearsal (real WebRTC) that ends is analysed from its S3 recording and scored', async () => {
    const fx = speechFixture();
    const live = await launchChromium({ audioFile: fx.wav48k });
    try {
      const { page: p } = await signedInPage(live, node.url, account, { label: 'live', context: { viewport: { width: 1280, height: 720 } } });
      const room = 'e2e-report-live';
      let id = '';
      await p.goto(`${node.url}/rehearse?room=${room}&autostart=1`);
      await waitUntil(() => !!(id = node.sessions!.manager.liveSessionOfRoom(roomKey(account.orgId, room)) ?? ''), 30_000, 'session start');
      await p.waitForFunction(
        (sec) => ((window as unknown as { __lectern?: { lastFrame: { mediaTimeSec: number } | null } }).__lectern?.lastFrame?.mediaTimeSec ?? 0) >= sec,
        12,
        { timeout: 60_000 },
      );
      const res = await fetch(`${node.url}/v1/sessions/${id}/end`, { method: 'POST', headers: await auth() });
      expect(res.status).toBe(200);
      await p.context().close();
      // No one queued it but the session end itself.
      await waitUntil(async () => {
        const j = await node.sessions!.reports.getJob(id);
        if (j?.state === 'failed') throw new Error(`analysis failed: ${j.error}`);
        return j?.state === 'done';
      }, 90_000, 'report of the live session', 250);
      const report = (await (await fetch(`${node.url}/v1/sessions/${id}/report`, { headers: await auth() })).json()) as {
        report: { rubricVersion: string; subscores: { key: string; score: number | null }[]; engines: Record<string, string> };
      };
      expect(report.report.rubricVersion).toBe('v1');
      // The recording has Chromium's synthetic camera: the full pass ran pose on it too.
      expect(report.report.engines.pose).toBeDefined();
      expect(report.report.subscores.find((x) => x.key === 'volume')?.score).not.toBeNull();
    } finally {
      await live.close();
    }
  }, 150_000);
});
