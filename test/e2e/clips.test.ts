/**
 * Report clips end to end: a gateway on its real PostgreSQL (throw-away schema) and embedded
 * s3rver; an ended session whose 2-minute recording (real LibriVox speech from
 * test/support/longSpeech.ts, muxed with a moving VP8 test pattern like a camera) is put in S3 and
 * queued exactly as at session end. The pg-boss worker runs the full pass, scores it and cuts the
 * clips (ffmpeg, captions burned in with libass) into S3. Then:
 * - the report API lists ≥ 3 ready clips, each with a presigned URL (≤ 15 min), inside the recording;
 * - every clip plays in headless Chromium (readyState ≥ 2, currentTime advances, videoWidth > 0);
 * - every clip has its captions burned in: a frame in the middle of its first caption differs from
 *   the same frame cut without subtitles in the lower 40 %, not in the upper half;
 * - the clip's replay link opens /sessions/<id>?t=<start>; a share link shows the clips read-only.
 * The session row says `hasVideo: false` so the full pass skips pose (CPU on a shared host; the
 * file has video and the clips use it). Figures (clip kinds, ranges, cut time) are printed as JSON.
 * Screenshot: test-results/clips.png. Needs the built web app (npm run build -w web).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportClip, SessionReport } from '@lectern/contract';
import { ReportClipsSchema } from '@lectern/contract';
import { type LecternNode, startLectern } from '@lectern/gateway';
import { Database } from '../../gateway/src/db/Database.ts';
import { cutClip, probeMedia } from '../../gateway/src/reports/clips/cutClip.ts';
import { ObjectStore } from '../../gateway/src/storage/ObjectStore.ts';
import { createTestAccount } from '../../gateway/src/testing/access.ts';
import { tempDir, TEST_DATABASE_URL, uniqueSchema, waitUntil } from '../../gateway/src/testing/services.ts';
import { bearerFor, launchChromium, signedInPage } from '../support/browser.ts';
import { repoRoot } from '../support/fixtures.ts';
import { longSpeechWebm } from '../support/longSpeech.ts';

const work = tempDir('e2e-clips');
const shots = path.join(repoRoot, 'test-results');
let db: Database;
let node: LecternNode;
let browser: Browser;
let page: Page;
let watch: { errors: string[] };
let account: Awaited<ReturnType<typeof createTestAccount>>;
let auth: () => Promise<Record<string, string>>;
let sessionId = '';
let recording = '';
let report: SessionReport;
const figures: Record<string, unknown> = {};

/** One decoded frame at `sec`, 8-bit grey, w×h. */
function greyFrame(file: string, sec: number, w: number, h: number): Buffer {
  return execFileSync('ffmpeg', ['-v', 'error', '-ss', sec.toFixed(2), '-i', file, '-frames:v', '1', '-vf', `scale=${w}:${h}`, '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], { maxBuffer: 10 * 1024 * 1024 });
}
const bandDiff = (a: Buffer, b: Buffer, w: number, y0: number, y1: number) => {
  let sum = 0;
  for (let i = y0 * w; i < y1 * w; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / ((y1 - y0) * w);
};

beforeAll(async () => {
  const speech = longSpeechWebm(2);
  recording = path.join(work.dir, 'recording.webm');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=640x480:r=15', '-i', speech.file, '-map', '0:v', '-map', '1:a', '-t', speech.durationSec.toFixed(2),
    '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '400k', '-c:a', 'copy', recording]);
  db = await Database.connect({ url: TEST_DATABASE_URL, schema: uniqueSchema('e2e_clips') });
  // A copy of the built web app: the checkout is shared, and a rebuild while this test runs would
  // change index.html under the server (its CSP hashes the inline script at start-up).
  const webDir = path.join(work.dir, 'web');
  fs.cpSync(path.join(repoRoot, 'web/build'), webDir, { recursive: true });
  node = await startLectern({ port: 0, sfuWorkers: 1, analyzerProcesses: 1, poseProcesses: 0, logLevel: 'warn', dataDir: work.dir, webDir }, { database: db });
  account = await createTestAccount(node, { role: 'owner' });
  auth = bearerFor(node.url, account);
  const s = node.sessions!;
  sessionId = randomUUID();
  const startedAt = new Date(Date.now() - 600_000);
  await s.repo.createSession({ id: sessionId, roomId: 'e2e-clips', nodeId: 'e2e', orgId: account.orgId, ownerUserId: account.userId, title: 'Two-minute run-through', startedAt });
  const key = ObjectStore.recordingKey(account.orgId, sessionId);
  await s.objects!.uploadFile(key, recording, 'video/webm');
  await s.repo.createMediaObject({ id: randomUUID(), sessionId, s3Key: key, contentType: 'video/webm', state: 'uploaded', hasAudio: true, hasVideo: false });
  await s.repo.endSession(sessionId, { reason: 'api', endedAt: new Date(startedAt.getTime() + 130_000), mediaDurationSec: speech.durationSec });
  const t0 = Date.now();
  await s.jobs.enqueue(sessionId);
  await waitUntil(async () => {
    const j = await s.reports.getJob(sessionId);
    if (j?.state === 'failed') throw new Error(`analysis failed: ${j.error}`);
    return j?.state === 'done';
  }, 600_000, 'the report', 250);
  const doneAt = Date.now();
  figures.recordingSec = +speech.durationSec.toFixed(1);
  figures.jobWallSec = +((doneAt - t0) / 1000).toFixed(1);
  // The report is done before its clips: they are listed at once as pending, then cut one by one.
  const pendingSeen: number[] = [];
  await waitUntil(async () => {
    report = (await (await fetch(`${node.url}/v1/sessions/${sessionId}/report`, { headers: await auth() })).json()) as SessionReport;
    if (report.clips?.state === 'cutting') pendingSeen.push(report.clips.items.filter((c) => c.state === 'pending').length);
    return report.clips?.state === 'ready';
  }, 600_000, 'the clips', 500);
  figures.clipStepSec = +((Date.now() - doneAt) / 1000).toFixed(1);
  figures.pendingSeen = [...new Set(pendingSeen)];
  browser = await launchChromium();
  ({ page, watch } = await signedInPage(browser, node.url, account, { label: 'clips' }));
}, 700_000);

afterAll(async () => {
  console.log(`[measure] clips ${JSON.stringify(figures)}`);
  await browser?.close();
  await node?.close();
  await node?.sessions?.jobs.dropSchema().catch(() => {});
  await db?.dropSchema();
  await db?.close();
  work.cleanup();
});

describe('report clips', () => {
  it('the report lists ≥ 3 ready clips inside the recording, each with a presigned URL and captions', () => {
    const clips = ReportClipsSchema.parse(report.clips);
    expect(clips.state).toBe('ready');
    expect((figures.pendingSeen as number[]).length, 'the done report listed its clips as pending while they were cut').toBeGreaterThan(0);
    const ready = clips.items.filter((c) => c.state === 'ready');
    figures.clips = clips.items.map((c) => ({ kind: c.kind, tone: c.tone, range: [c.startSec, c.endSec], state: c.state, error: c.error, durationSec: c.durationSec, captions: c.captions.length, title: c.title, why: c.why }));
    expect(ready.length, JSON.stringify(figures.clips)).toBeGreaterThanOrEqual(3);
    for (const c of ready) {
      expect(c.url).toMatch(/^http/);
      expect(c.url).toContain(`/clips/${c.id}.webm`);
      expect(Date.parse(c.urlExpiresAt!) - Date.now()).toBeLessThanOrEqual(900_000);
      expect(c.startSec).toBeGreaterThanOrEqual(0);
      expect(c.endSec).toBeLessThanOrEqual((report.durationSec ?? 0) + 0.01);
      expect(c.durationSec!).toBeGreaterThan(c.endSec - c.startSec - 0.5);
      expect(c.durationSec!).toBeLessThan(c.endSec - c.startSec + 0.5);
      expect(c.captions.length, `${c.kind} has captions`).toBeGreaterThan(0);
    }
  });

  it('every clip has its captions burned in (bottom band differs from the same cut without subtitles)', async () => {
    const media = await probeMedia(recording);
    const diffs: Record<string, { bottom: number; top: number }> = {};
    for (const c of report.clips!.items.filter((x) => x.state === 'ready')) {
      const file = path.join(work.dir, `${c.id}.webm`);
      fs.writeFileSync(file, Buffer.from(await (await fetch(c.url!)).arrayBuffer()));
      // The first caption shown ≥ 0.8 s; the same cut (same start, so the same frames) without
      // subtitles, only as far as that caption.
      const cue = c.captions.find((x) => x.endSec - x.startSec >= 0.8) ?? c.captions[0]!;
      const at = (cue.startSec + cue.endSec) / 2;
      const plain = path.join(work.dir, `${c.id}-plain.webm`);
      await cutClip({ input: recording, output: plain, startSec: c.startSec, endSec: Math.min(c.endSec, c.startSec + at + 1), assFile: null, media, nice: 0, timeoutMs: 240_000 });
      const w = 160;
      const h = 120;
      const a = greyFrame(file, at, w, h);
      const b = greyFrame(plain, at, w, h);
      diffs[c.kind] = { bottom: +bandDiff(a, b, w, Math.round(h * 0.6), h).toFixed(1), top: +bandDiff(a, b, w, 0, Math.round(h * 0.5)).toFixed(1) };
    }
    figures.captionBandDiff = diffs;
    for (const [kind, d] of Object.entries(diffs)) {
      expect(d.bottom, kind).toBeGreaterThan(8);
      expect(d.top, kind).toBeLessThan(3);
    }
  }, 400_000);

  it('the report page shows the clips; each plays in Chromium; replay links open the replay at the clip', async () => {
    await page.goto(`${node.url}/sessions/${sessionId}/report`);
    await page.getByTestId('report-clips').waitFor({ timeout: 20_000 }).catch(async (err: Error) => {
      throw new Error(`${err.message}\npage errors: ${watch.errors.join(' | ')}\npage text: ${(await page.locator('body').innerText()).slice(0, 800)}`);
    });
    const cards = page.getByTestId('clip');
    const ready = report.clips!.items.filter((c) => c.state === 'ready');
    await expect.poll(() => page.locator('[data-testid=clip][data-state=ready]').count()).toBe(ready.length);
    const played: Record<string, unknown>[] = [];
    for (let i = 0; i < (await cards.count()); i++) {
      const card = cards.nth(i);
      if ((await card.getAttribute('data-state')) !== 'ready') continue;
      const video = card.getByTestId('clip-video');
      await video.scrollIntoViewIfNeeded();
      const r = await video.evaluate(async (v: HTMLVideoElement) => {
        v.muted = true;
        await v.play();
        const t0 = v.currentTime;
        await new Promise((res) => setTimeout(res, 1500));
        const out = { readyState: v.readyState, t0, t1: v.currentTime, videoWidth: v.videoWidth, videoHeight: v.videoHeight, error: v.error?.message ?? null };
        v.pause();
        return out;
      });
      played.push({ kind: await card.getAttribute('data-kind'), ...r });
      expect(r.error).toBeNull();
      expect(r.readyState).toBeGreaterThanOrEqual(2);
      expect(r.t1).toBeGreaterThan(r.t0 + 0.3);
      expect(r.videoWidth).toBeGreaterThan(0);
      const start = Number(await card.getAttribute('data-start'));
      expect(await card.getByTestId('clip-replay').getAttribute('href')).toBe(`/sessions/${sessionId}?t=${start.toFixed(1)}`);
      expect(await card.locator('.why').textContent()).toBeTruthy();
    }
    figures.playedInChromium = played;
    fs.mkdirSync(shots, { recursive: true });
    await page.getByTestId('report-clips').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(shots, 'clips.png'), fullPage: true });
    await page.getByTestId('report-clips').screenshot({ path: path.join(shots, 'clips-section.png') });

    const first = page.locator('[data-testid=clip][data-state=ready]').first();
    await first.getByTestId('clip-replay').click();
    await page.waitForURL(new RegExp(`/sessions/${sessionId}\\?t=`));
  }, 120_000);

  it('a clip’s Share makes a read-only link to the shared report at that clip, where the clip plays without a replay link', async () => {
    await page.goto(`${node.url}/sessions/${sessionId}/report`);
    const card = page.locator('[data-testid=clip][data-state=ready]').first();
    await card.waitFor({ timeout: 20_000 });
    await card.getByTestId('clip-share').click();
    const url = await card.getByTestId('clip-share-url').inputValue();
    const id = (await card.getAttribute('id'))!.replace('clip-', '');
    expect(url).toMatch(new RegExp(`/shared/[A-Za-z0-9_~-]+#clip-${id}$`));
    const anon = await browser.newContext();
    try {
      const p = await anon.newPage();
      await p.goto(url);
      await p.getByTestId('shared-title').waitFor({ timeout: 15_000 });
      const clips = p.locator('[data-testid=clip][data-state=ready]');
      await expect.poll(() => clips.count()).toBeGreaterThanOrEqual(3);
      expect(await p.getByTestId('clip-replay').count()).toBe(0);
      const r = await p.locator(`#clip-${id} video`).evaluate(async (v: HTMLVideoElement) => {
        v.muted = true;
        await v.play();
        await new Promise((res) => setTimeout(res, 1000));
        return { readyState: v.readyState, t: v.currentTime, w: v.videoWidth };
      });
      expect(r.readyState).toBeGreaterThanOrEqual(2);
      expect(r.t).toBeGreaterThan(0.2);
      expect(r.w).toBeGreaterThan(0);
    } finally {
      await anon.close();
    }
  }, 90_000);

  it('analysing again replaces the clips (old objects deleted, new ones stored); the open report page shows them as they are cut', async () => {
    const before = report.clips!.items.filter((c: ReportClip) => c.state === 'ready');
    expect(before.length).toBe(report.clips!.items.length);
    const res = await fetch(`${node.url}/v1/sessions/${sessionId}/analyze`, { method: 'POST', headers: await auth() });
    expect(res.status).toBe(202);
    // The report page stays open through the re-analysis: it polls the job, then (job done, clips
    // pending) its clips section polls until every clip is cut — no reload.
    await page.goto(`${node.url}/sessions/${sessionId}/report`);
    const sawCutting = page.getByTestId('clips-cutting').waitFor({ timeout: 600_000 }).then(() => true, () => false);
    await waitUntil(async () => (await node.sessions!.reports.getJob(sessionId))?.state === 'done', 600_000, 're-analysis', 500);
    let after = report.clips!;
    await waitUntil(async () => {
      after = ((await (await fetch(`${node.url}/v1/sessions/${sessionId}/report`, { headers: await auth() })).json()) as SessionReport).clips!;
      return after.state === 'ready';
    }, 600_000, 'the new clips', 1000);
    // The same moments (same analysis), new clip ids; a clip may fail on a busy host (the 300 s budget).
    expect(after.items.map((c) => c.kind)).toEqual(before.map((c) => c.kind));
    expect(after.items.map((c) => c.id).some((x) => before.some((b) => b.id === x))).toBe(false);
    figures.reanalysis = after.items.map((c) => ({ kind: c.kind, state: c.state, error: c.error }));
    const readyIds = after.items.filter((c) => c.state === 'ready').map((c) => c.id);
    await expect.poll(() => page.locator('[data-testid=clip][data-state=ready]').evaluateAll((els) => els.map((e) => e.id.replace('clip-', ''))), { timeout: 30_000 }).toEqual(readyIds);
    expect(await page.getByTestId('report-clips').getAttribute('data-state')).toBe('ready');
    figures.pageSawCutting = await Promise.race([sawCutting, Promise.resolve(false)]);
    const gone = await fetch(before[0]!.url!);
    expect(gone.status).toBe(404);
    const media = await node.sessions!.repo.listMediaObjects(sessionId);
    expect(media.filter((m) => m.kind === 'clip').length).toBe(after.items.filter((c) => c.state === 'ready').length);
  }, 1_200_000);
});
