/**
 * End to end: headless Chromium publishes a real speech recording (LibriVox utterances with
 * inserted silences and one utterance 12 dB quieter) through mediasoup to the analyzer process and
 * back over Socket.IO; the page and a viewer in the same room receive the voice metrics.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LecternNode, startLectern } from '@lectern/gateway';
import { decodeToPcm16k, levelEnvelopeDbfs } from '../support/audio.ts';
import { createTestAccount, roomGrant } from '../../gateway/src/testing/access.ts';
import { launchChromium, signedInPage } from '../support/browser.ts';
import { repoRoot, speechFixture } from '../support/fixtures.ts';
import { RoomObserver } from '../support/observer.ts';
import { bestLag, median } from '../support/stats.ts';

const fixture = speechFixture();
const ROOM = 'e2e-voice';
let node: LecternNode;
let browser: Browser;
let page: Page;
let observer: RoomObserver;
let lagWindows = 0;

beforeAll(async () => {
  node = await startLectern({ port: 0, sfuWorkers: 1, analyzerProcesses: 1, logLevel: 'warn' });
  // The presenter owns the room; the observer watches it with a viewer grant of the same account.
  const account = await createTestAccount(node, { role: 'owner' });
  observer = await RoomObserver.join(node.url, ROOM, { accessToken: account.accessToken, grant: await roomGrant(node, account, ROOM, 'viewer') });
  browser = await launchChromium({ audioFile: fixture.wav48k });
  ({ page } = await signedInPage(browser, node.url, account, { label: 'page', context: { viewport: { width: 1280, height: 720 } } }));
  await page.goto(`${node.url}/rehearse?room=${ROOM}&autostart=1`);
  // One full pass of the fixture plus margin for the capture-to-RTP offset.
  const needSec = fixture.durationSec + 4;
  await observer.waitFor(
    () => (observer.frames.at(-1)?.frame.mediaTimeSec ?? 0) >= needSec,
    (needSec + 30) * 1000,
    `${needSec} s of voice frames`,
  );
  // Align media time with file time: Chromium starts playing its fake-capture file before the
  // first RTP packet and loops it, so find the lag that best matches the level envelopes.
  const reference = levelEnvelopeDbfs(decodeToPcm16k(fixture.wav16k));
  const observed = observer.frames.map((f) => f.frame.levelDbfs);
  const { lag, r } = bestLag(reference, observed, -100, 20);
  lagWindows = lag;
  expect(r, 'level envelope of received frames correlates with the source').toBeGreaterThan(0.8);
}, 180_000);

afterAll(async () => {
  if (page) {
    fs.mkdirSync(path.join(repoRoot, 'test-results'), { recursive: true });
    await page.screenshot({ path: path.join(repoRoot, 'test-results/rehearse-live.png'), fullPage: true }).catch(() => {});
  }
  observer?.close();
  await browser?.close();
  await node?.close();
});

/** File time (s) of a media time, using the alignment lag; wraps at the fixture's length. */
const fileTime = (mediaTimeSec: number) => {
  const t = mediaTimeSec - lagWindows * 0.1;
  return ((t % fixture.durationSec) + fixture.durationSec) % fixture.durationSec;
};

describe('live voice metrics from a real browser', () => {
  it('delivers a frame for every 100 ms window, about every 100 ms', () => {
    const frames = observer.frames.map((f) => f.frame);
    const steps = frames.slice(1).map((f, i) => f.mediaTimeSec - frames[i]!.mediaTimeSec);
    const regular = steps.filter((s) => Math.abs(s - 0.1) < 0.001).length;
    expect(regular / steps.length).toBeGreaterThan(0.99);
    const intervals = observer.frames.slice(1).map((f, i) => f.receivedAtMs - observer.frames[i]!.receivedAtMs);
    expect(median(intervals)).toBeGreaterThan(80);
    expect(median(intervals)).toBeLessThan(120);
    for (const f of frames) {
      expect(f.roomId).toBe(ROOM);
      expect(f.windowSec).toBeCloseTo(0.1, 6);
    }
  });

  it('reports each inserted silence of ≥ 1 s as a pause with start and end within ±300 ms', () => {
    const long = fixture.insertedPauses.filter((p) => p.endSec - p.startSec >= 1);
    expect(long.length).toBeGreaterThanOrEqual(4);
    const reported = observer.pauses.map((p) => ({ startSec: fileTime(p.startSec), endSec: fileTime(p.endSec) }));
    for (const truth of long) {
      const match = reported.find(
        (p) => Math.abs(p.startSec - truth.startSec) <= 0.3 && Math.abs(p.endSec - truth.endSec) <= 0.3,
      );
      expect(match, `pause ${truth.startSec.toFixed(2)}–${truth.endSec.toFixed(2)} s; reported: ${JSON.stringify(reported.map((p) => [+p.startSec.toFixed(2), +p.endSec.toFixed(2)]))}`).toBeDefined();
    }
  });

  it('shows the level drop of the utterance played 12 dB quieter (12 ± 2 dB)', () => {
    const levelIn = (label: string) => {
      const seg = fixture.segments.find((s) => s.label === label)!;
      return median(
        observer.frames
          .map((f) => f.frame)
          .filter((f) => f.isSpeech && fileTime(f.mediaTimeSec) >= seg.startSec + 0.1 && fileTime(f.mediaTimeSec) + 0.1 <= seg.endSec - 0.1)
          .map((f) => f.levelDbfs),
      );
    };
    const drop = levelIn('B') - levelIn('B-quiet');
    expect(drop).toBeGreaterThan(10);
    expect(drop).toBeLessThan(14);
  });

  it('keeps F0 in a plausible range for the speaker', () => {
    const f0 = observer.frames.map((f) => f.frame.f0Hz).filter((v): v is number => v !== null);
    expect(f0.length).toBeGreaterThan(50);
    const m = median(f0);
    expect(m).toBeGreaterThan(70);
    expect(m).toBeLessThan(300);
    const frames = observer.frames.map((f) => f.frame);
    expect(frames.some((f) => f.pitchVariabilitySt !== null && f.pitchVariabilitySt > 0.5)).toBe(true);
    expect(frames.at(-1)!.speakingRatio).toBeGreaterThan(0.4);
    expect(frames.at(-1)!.speakingRatio).toBeLessThan(0.95);
  });

  it('delivers live captions whose final transcript matches the reference word count (±20 %)', () => {
    expect(observer.asrStatuses.at(-1)?.engine, 'an ASR engine is active').not.toBe('none');
    expect(observer.captions.some((c) => c.caption.kind === 'partial')).toBe(true);
    // Any media span as long as the fixture holds each of its words exactly once (Chromium loops it).
    const finals = observer.captions.map((c) => c.caption).filter((c) => c.kind === 'final');
    const words = finals.flatMap((c) => c.words).filter((w) => w.startSec < fixture.durationSec);
    const reference = fixture.referenceText.split(/\s+/).length;
    expect(words.length / reference, `${words.length} words vs ${reference} in the reference`).toBeGreaterThan(0.8);
    expect(words.length / reference).toBeLessThan(1.2);
    for (let i = 1; i < words.length; i++) expect(words[i]!.startSec).toBeGreaterThanOrEqual(words[i - 1]!.startSec);
    expect(observer.fluency.length).toBeGreaterThan(10);
    expect(observer.fluency.at(-1)!.wpmOverall).toBeGreaterThan(60);
  });

  it('updates the page: live cards show values and the chart has data', async () => {
    const diag = await page.evaluate(() => (window as unknown as { __lectern?: { framesReceived: number; state: string } }).__lectern);
    expect(diag?.framesReceived ?? 0).toBeGreaterThan(200);
    await expect.poll(() => page.getByTestId('card-level').textContent()).toMatch(/dBFS/);
  });
});
