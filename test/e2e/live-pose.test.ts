/**
 * End to end, body language: headless Chromium publishes a video made from a real photograph of a
 * person (NASA's portrait of astronaut Eileen Collins, public domain; scripts/pose-fixtures.sh:
 * still → swaying → rotated 12° counter-clockwise → rotated 12° clockwise → blank, 26 s, looped)
 * through mediasoup to the pose-analyzer process and back over Socket.IO as `metrics:body`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BodyFrame } from '@lectern/contract';
import { type LecternNode, startLectern } from '@lectern/gateway';
import { poseFixture } from '../../analyzers/test/poseSupport.ts';
import { createTestAccount, roomGrant } from '../../gateway/src/testing/access.ts';
import { launchChromium, signedInPage } from '../support/browser.ts';
import { repoRoot, speechFixture } from '../support/fixtures.ts';
import { type ReceivedBodyFrame, RoomObserver } from '../support/observer.ts';
import { median, pearson, percentile } from '../support/stats.ts';

const clip = poseFixture('320x240');
const ROOM = 'e2e-pose';
let node: LecternNode;
let browser: Browser;
let page: Page;
let observer: RoomObserver;
/** file time = (mediaTimeSec + phaseSec) mod duration */
let phaseSec = 0;
let alignment = { presence: 0, sway: 0 };

const segment = (label: string) => clip.segments.find((s) => s.label === label)!;
const fileTime = (mediaTimeSec: number) => (((mediaTimeSec + phaseSec) % clip.durationSec) + clip.durationSec) % clip.durationSec;
const kp = (f: BodyFrame, name: string) => f.keypoints.find((k) => k.name === name);
const shoulderMidX = (f: BodyFrame): number | null => {
  const l = kp(f, 'left_shoulder');
  const r = kp(f, 'right_shoulder');
  return l && r && l.score >= 0.3 && r.score >= 0.3 ? (l.x + r.x) / 2 : null;
};

/** What the clip shows at file time t: person present, and the horizontal sway offset (fraction of the width). */
function truthAt(t: number): { present: boolean; swayOffset: number } {
  const s = clip.segments.find((seg) => t >= seg.startSec && t < seg.endSec) ?? clip.segments[0]!;
  const offset = s.label === 'sway' ? ((s.swayAmplitudePx ?? 0) / clip.widthPx) * Math.sin((2 * Math.PI * (t - s.startSec)) / (s.swayPeriodSec ?? 2)) : 0;
  return { present: s.present, swayOffset: offset };
}

/** Frames whose file time lies in [start + fromSec, end − tailSec) of a segment (margins absorb smoothing and the ±0.5 s alignment). */
function inSegment(frames: ReceivedBodyFrame[], label: string, fromSec = 1, tailSec = 0.8): BodyFrame[] {
  const s = segment(label);
  return frames
    .map((f) => f.frame)
    .filter((f) => {
      const t = fileTime(f.mediaTimeSec);
      return t >= s.startSec + fromSec && t < s.endSec - tailSec;
    });
}

const live = () => observer.bodyFrames.filter((f) => f.frame.videoFrameAtMs !== null);

beforeAll(async () => {
  // This test checks the metrics, not the CPU budget: with the default budget (55 ms/s) a loaded
  // 2-core machine infers < 1 pose/s, too few samples for the sway and blank segments. The budget
  // and gating are covered by PoseScheduler's tests and bench:pose.
  process.env.LECTERN_POSE_BUDGET_MS = '0';
  node = await startLectern({ port: 0, sfuWorkers: 1, analyzerProcesses: 1, poseProcesses: 1, logLevel: 'warn' });
  const account = await createTestAccount(node, { role: 'owner' });
  observer = await RoomObserver.join(node.url, ROOM, { accessToken: account.accessToken, grant: await roomGrant(node, account, ROOM, 'viewer') });
  browser = await launchChromium({ audioFile: speechFixture().wav48k, videoFile: clip.y4m });
  ({ page } = await signedInPage(browser, node.url, account, { label: 'page', context: { viewport: { width: 1280, height: 720 } } }));
  await page.goto(`${node.url}/rehearse?room=${ROOM}&autostart=1`);
  // A full loop of the clip after the first analysed frame, plus margin for smoothing windows.
  const needSec = clip.durationSec + 6;
  await observer.waitFor(
    () => (live().at(-1)?.frame.mediaTimeSec ?? 0) >= needSec,
    (needSec + 40) * 1000,
    `${needSec} s of body frames`,
  );
  // Chromium starts its looping fake camera before the first RTP packet: find the clip phase that
  // best explains presence (blank segment) and the shoulder midpoint's horizontal sway.
  const frames = live().map((f) => f.frame);
  const medX = median(frames.map(shoulderMidX).filter((x): x is number => x !== null));
  let best = { score: -Infinity, phase: 0, presence: 0, sway: 0 };
  for (let phase = 0; phase < clip.durationSec; phase += 0.05) {
    const pObs: number[] = [], pRef: number[] = [], xObs: number[] = [], xRef: number[] = [];
    for (const f of frames) {
      const t = (((f.mediaTimeSec + phase) % clip.durationSec) + clip.durationSec) % clip.durationSec;
      const truth = truthAt(t);
      pObs.push(f.presence.value ? 1 : 0);
      pRef.push(truth.present ? 1 : 0);
      const x = shoulderMidX(f);
      if (x !== null && truth.present) (xObs.push(x - medX), xRef.push(truth.swayOffset));
    }
    const presence = pearson(pRef, pObs);
    const sway = pearson(xRef, xObs);
    // Presence (the blank segment) anchors the phase; sway refines it (the smoothed, budget-limited
    // pose samples the 2 s sway coarsely, so it gets half the weight).
    const score = (Number.isFinite(presence) ? presence : 0) + 0.5 * (Number.isFinite(sway) ? sway : 0);
    if (score > best.score) best = { score, phase, presence, sway };
  }
  phaseSec = best.phase;
  alignment = { presence: best.presence, sway: best.sway };
}, 240_000);

afterAll(async () => {
  fs.mkdirSync(path.join(repoRoot, 'test-results'), { recursive: true });
  if (observer) {
    // For diagnosis: what was received and how it was aligned.
    const dump = { phaseSec, alignment, frames: observer.bodyFrames.map((f) => ({ ...f.frame, receivedAtMs: f.receivedAtMs })) };
    fs.writeFileSync(path.join(repoRoot, 'test-results/live-pose-frames.json'), JSON.stringify(dump));
  }
  if (page) {
    await page.screenshot({ path: path.join(repoRoot, 'test-results/rehearse-pose.png'), fullPage: true }).catch(() => {});
  }
  observer?.close();
  await browser?.close();
  await node?.close();
});

describe('live body language from a real browser', () => {
  it('aligns with the clip: presence and sway follow the ground truth', () => {
    expect(alignment.presence, 'presence correlates with the clip (blank segment)').toBeGreaterThan(0.7);
    expect(alignment.sway, 'shoulder midpoint follows the sway').toBeGreaterThan(0.3);
  });

  it('emits schema-conformant frames about every 200 ms with the camera picture size', () => {
    const frames = live().map((f) => f.frame);
    const steps = frames.slice(1).map((f, i) => f.mediaTimeSec - frames[i]!.mediaTimeSec);
    expect(median(steps)).toBeGreaterThan(0.15);
    expect(median(steps)).toBeLessThan(0.3);
    const last = frames.at(-1)!;
    expect(last.roomId).toBe(ROOM);
    expect(last.frameWidthPx * clip.heightPx).toBe(last.frameHeightPx * clip.widthPx); // 4:3 as sent
    expect(last.windowSec).toBeCloseTo(0.2, 6);
  });

  it('finds anatomically plausible keypoints: eyes above nose above shoulders', () => {
    const frames = inSegment(live(), 'still').filter((f) => f.presence.value);
    expect(frames.length).toBeGreaterThan(10);
    const plausible = frames.filter((f) => {
      const [n, le, re, ls, rs] = ['nose', 'left_eye', 'right_eye', 'left_shoulder', 'right_shoulder'].map((name) => kp(f, name)!);
      return (
        (le!.y + re!.y) / 2 < n!.y &&
        n!.y < (ls!.y + rs!.y) / 2 &&
        le!.x > re!.x && // facing the camera: her left eye is on the image's right
        ls!.x > rs!.x
      );
    });
    expect(plausible.length / frames.length).toBeGreaterThan(0.9);
    // Facing the camera most of the time.
    expect(median(frames.map((f) => f.facingRatio.value ?? 0))).toBeGreaterThan(0.8);
  });

  it('reports low sway while still and clearly higher sway while swaying', () => {
    const still = inSegment(live(), 'still', 2).map((f) => f.swaySw.value).filter((v): v is number => v !== null);
    const sway = inSegment(live(), 'sway', 2).map((f) => f.swaySw.value).filter((v): v is number => v !== null);
    expect(still.length).toBeGreaterThan(5);
    expect(sway.length).toBeGreaterThan(5);
    expect(median(still)).toBeLessThan(0.05);
    // ±15 % of the width ≈ ±0.45 shoulder widths; RMS of a sinusoid ≈ 0.32 SW.
    expect(median(sway)).toBeGreaterThan(0.15);
    expect(median(sway)).toBeGreaterThan(4 * median(still));
  });

  it('follows the rotation with head and shoulder tilt (sign and rough magnitude)', () => {
    const med = (label: string, metric: 'shoulderTiltDeg' | 'headTiltDeg') =>
      median(inSegment(live(), label, 1.5).map((f) => f[metric].value).filter((v): v is number => v !== null));
    for (const metric of ['shoulderTiltDeg', 'headTiltDeg'] as const) {
      const still = med('still', metric);
      const ccw = med('rot-ccw', metric) - still;
      const cw = med('rot-cw', metric) - still;
      expect(ccw, `${metric}: 12° counter-clockwise`).toBeGreaterThan(5);
      expect(ccw, `${metric}: 12° counter-clockwise`).toBeLessThan(20);
      expect(cw, `${metric}: 12° clockwise`).toBeLessThan(-5);
      expect(cw, `${metric}: 12° clockwise`).toBeGreaterThan(-20);
      expect(ccw - cw, `${metric}: 24° between the two rotations`).toBeGreaterThan(14);
      expect(ccw - cw, `${metric}: 24° between the two rotations`).toBeLessThan(34);
    }
  });

  it('drops presence on the blank segment and keeps it elsewhere', () => {
    const blank = inSegment(live(), 'blank', 1);
    expect(blank.length).toBeGreaterThan(5);
    expect(blank.filter((f) => f.presence.value === false).length / blank.length).toBeGreaterThan(0.8);
    expect(blank.every((f) => f.shoulderTiltDeg.value === null && f.swaySw.value === null)).toBe(true);
    const people = ['still', 'sway', 'rot-ccw', 'rot-cw'].flatMap((l) => inSegment(live(), l, 1));
    expect(people.filter((f) => f.presence.value === true).length / people.length).toBeGreaterThan(0.9);
  });

  it('shows posture and gesture cards and overlays the server skeleton on the preview', async () => {
    await page.getByTestId('toggle-skeleton').check();
    // Some of the clip is blank: wait for a frame with a person, then for the overlay to draw it.
    await expect
      .poll(async () => Number(await page.getByTestId('skeleton-overlay').getAttribute('data-keypoints')), { timeout: 30_000 })
      .toBeGreaterThanOrEqual(5);
    await expect.poll(() => page.getByTestId('card-posture').getAttribute('data-value'), { timeout: 30_000 }).toMatch(/\d/);
    await expect.poll(() => page.getByTestId('card-sway-value').textContent(), { timeout: 30_000 }).toMatch(/\d/);
    // For a visual check of the overlay (mirrored, aligned), capture the preview in the still segment.
    await observer
      .waitFor(() => { const t = fileTime(live().at(-1)!.frame.mediaTimeSec); return t > 2 && t < 5; }, 40_000, 'the still segment')
      .then(() => page.getByTestId('camera-preview').locator('..').screenshot({ path: path.join(repoRoot, 'test-results/rehearse-pose-skeleton.png') }))
      .catch(() => {});
  }, 90_000);

  it('delivers pose metrics promptly after the decoded frame, and gates still frames', () => {
    const lat = (fresh: boolean) => live().filter((f) => f.frame.poseFresh === fresh).map((f) => f.receivedAtMs - f.frame.videoFrameAtMs!);
    const all = live().map((f) => f.receivedAtMs - f.frame.videoFrameAtMs!);
    const inferMs = observer.bodyStats.map((s) => s.inferenceMsPerFrame).filter((v): v is number => v !== null);
    const inferCpuMs = observer.bodyStats.map((s) => s.inferenceCpuMsPerFrame).filter((v): v is number => v !== null);
    console.log(
      `pose latency decoded frame → observer: all p50 ${percentile(all, 50).toFixed(0)} / p95 ${percentile(all, 95).toFixed(0)} ms; ` +
        `inferred frames p50 ${percentile(lat(true), 50).toFixed(0)} / p95 ${percentile(lat(true), 95).toFixed(0)} ms; ` +
        `reused-pose frames p95 ${percentile(lat(false), 95).toFixed(0)} ms; inference ${median(inferMs).toFixed(0)} ms wall, ${median(inferCpuMs).toFixed(0)} ms CPU per frame (medians of 5 s means)`,
    );
    // Delivery alone (pose reused: no inference in the path) is fast…
    expect(percentile(lat(false), 95)).toBeLessThan(250);
    // …and an inferred frame waits for one inference (25–100 ms idle; more on a loaded 2-core box).
    expect(percentile(lat(true), 95)).toBeLessThan(1500);
    const still = inSegment(live(), 'still', 1);
    expect(still.filter((f) => !f.poseFresh).length / still.length, 'motion gating skips most still frames').toBeGreaterThan(0.5);
    expect(observer.bodyStats.length).toBeGreaterThan(0);
    expect(node.videoTaps.size).toBe(1);
  });

  it('sheds pose first under overload (says so; voice frames go on), and resumes', async () => {
    const statusesBefore = observer.statuses.length;
    node.shedder.onLoad(0.95);
    node.shedder.onLoad(0.95); // two overloaded heartbeats
    expect(node.shedder.shedding).toBe(true);
    await observer.waitFor(() => observer.statuses.slice(statusesBefore).some((s) => s.shed?.includes('pose')), 10_000, 'analyzer:status with shed [pose]');
    const shedStatus = observer.statuses.slice(statusesBefore).find((s) => s.shed?.includes('pose'))!;
    expect(shedStatus.reason).toMatch(/body-language analysis is paused; voice analysis and recording continue/);
    await new Promise((r) => setTimeout(r, 1500)); // frames already in flight
    const bodyAt = live().length; // frames from decoded video (frames without one report the camera as stale)
    const voiceAt = observer.frames.length;
    await new Promise((r) => setTimeout(r, 3000));
    expect(live().length - bodyAt, 'no body frames from video while pose is shed').toBeLessThanOrEqual(1);
    expect(observer.frames.length - voiceAt, 'voice windows are never shed').toBeGreaterThan(20);
    for (let i = 0; i < 5; i++) node.shedder.onLoad(0.3); // five calm heartbeats
    expect(node.shedder.shedding).toBe(false);
    await observer.waitFor(() => observer.statuses.some((s) => s.shed !== undefined && s.shed.length === 0), 10_000, 'analyzer:status with shed []');
    const resumedAt = live().length;
    await observer.waitFor(() => live().length > resumedAt + 5, 20_000, 'body frames after resuming');
  }, 60_000);
});
