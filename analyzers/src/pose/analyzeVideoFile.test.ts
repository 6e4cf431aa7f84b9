import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeVideoFile, formatBodySummary, type VideoAnalysis } from './analyzeVideoFile.ts';
import { MoveNetEngine } from './MoveNetEngine.ts';
import { poseFixture, REPO_ROOT } from '../../test/poseSupport.ts';
import { VideoDecodeError } from './VideoDecodeError.ts';

const clip = poseFixture();
let engine: MoveNetEngine;
let a: VideoAnalysis;
beforeAll(async () => {
  engine = await MoveNetEngine.load();
  a = await analyzeVideoFile(clip.y4m, { engine });
}, 120_000);
afterAll(() => engine?.dispose());

const seg = (label: string) => clip.segments.find((s) => s.label === label)!;
const within = (label: string, from = 1) => a.timeline.filter((e) => e.mediaTimeSec >= seg(label).startSec + from && e.mediaTimeSec < seg(label).endSec);
const med = (v: (number | null)[]) => {
  const s = v.filter((x): x is number => x !== null).sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)]!;
};

describe('analyzeVideoFile (npm run analyze -- --video)', () => {
  it('produces a 5 fps pose timeline with keypoints in the original frame', () => {
    expect(a.widthPx).toBe(320);
    expect(a.heightPx).toBe(240);
    expect(a.timeline).toHaveLength(clip.durationSec * 5);
    expect(a.timeline[7]!.mediaTimeSec).toBeCloseTo(1.4, 6);
    const nose = within('still')[0]!.keypoints[0]!;
    expect(nose[0]).toBeGreaterThan(0.35);
    expect(nose[0]).toBeLessThan(0.55);
    expect(nose[2]).toBeGreaterThan(0.4);
  });

  it('follows the clip: presence, sway and the sign of the rotations', () => {
    expect(a.summary.presenceRatio).toBeGreaterThan(0.8);
    expect(a.summary.presenceRatio).toBeLessThan(0.9); // 4 of 26 s are blank
    expect(within('blank').every((e) => !e.present)).toBe(true);
    expect(med(within('sway', 2).map((e) => e.swaySw))).toBeGreaterThan(0.15);
    expect(med(within('still', 2).map((e) => e.swaySw))).toBeLessThan(0.05);
    const still = med(within('still').map((e) => e.headTiltDeg));
    expect(med(within('rot-ccw', 1.5).map((e) => e.headTiltDeg)) - still).toBeGreaterThan(5);
    expect(med(within('rot-cw', 1.5).map((e) => e.headTiltDeg)) - still).toBeLessThan(-5);
    expect(formatBodySummary(a)).toMatch(/in view 8\d %/);
  });

  it('names the file and the reason when it cannot analyse it', async () => {
    await expect(analyzeVideoFile('/nonexistent/talk.webm', { engine })).rejects.toThrow(VideoDecodeError);
    await expect(analyzeVideoFile('/nonexistent/talk.webm', { engine })).rejects.toThrow(/no such file/);
    await expect(analyzeVideoFile(`${REPO_ROOT}/package.json`, { engine })).rejects.toThrow(VideoDecodeError);
  });
});
