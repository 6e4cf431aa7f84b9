import { describe, expect, it } from 'vitest';
import type { Keypoint } from '@lectern/contract';
import { type BodyMetrics, BodyMetricsTracker } from './BodyMetricsTracker.ts';
import { syntheticPose, type SyntheticPoseOptions } from '../../test/poseSupport.ts';

const ASPECT = 4 / 3;

/** Feeds `seconds` of 5 fps poses produced by `at(t)`; returns every output. */
function run(tracker: BodyMetricsTracker, seconds: number, at: (t: number) => Keypoint[], t0 = 0): BodyMetrics[] {
  const out: BodyMetrics[] = [];
  for (let t = t0; t < t0 + seconds - 1e-9; t += 0.2) out.push(tracker.update({ tSec: t, keypoints: at(t), aspect: ASPECT }));
  return out;
}
const pose = (o: SyntheticPoseOptions = {}) => syntheticPose({ aspect: ASPECT, ...o });

describe('BodyMetricsTracker', () => {
  it('reports a still, frontal, level presenter', () => {
    const m = run(new BodyMetricsTracker(), 6, () => pose()).at(-1)!;
    expect(m.presence).toEqual({ value: true, confidence: 1 });
    expect(m.shoulderTiltDeg.value).toBeCloseTo(0, 6);
    expect(m.headTiltDeg.value).toBeCloseTo(0, 6);
    expect(m.torsoLeanDeg.value).toBeCloseTo(0, 6);
    expect(m.swaySw.value).toBeCloseTo(0, 6);
    expect(m.gestureSwPerSec.value).toBeCloseTo(0, 6);
    expect(m.handsVisibleRatio.value).toBe(1);
    expect(m.facingRatio.value).toBe(1);
    expect(m.shoulderTiltDeg.confidence).toBeCloseTo(0.8, 6);
    expect(m.keypoints).toHaveLength(17);
  });

  it('measures sway as RMS displacement of the shoulder midpoint in shoulder widths', () => {
    const tracker = new BodyMetricsTracker();
    run(tracker, 2, () => pose());
    // ±0.1 frame widths sinusoid, 2 s period → amplitude 0.1·aspect frame heights = 0.417 SW; RMS ≈ 0.29 SW.
    const out = run(tracker, 6, (t) => pose({ dx: 0.1 * Math.sin((2 * Math.PI * t) / 2) }), 2);
    const sway = out.at(-1)!.swaySw.value!;
    expect(sway).toBeGreaterThan(0.2);
    expect(sway).toBeLessThan(0.32);
    // Whole-body movement is not gesturing: wrists move with the shoulders.
    expect(out.at(-1)!.gestureSwPerSec.value!).toBeLessThan(0.05);
  });

  it('measures gesture activity as wrist speed relative to the torso', () => {
    const tracker = new BodyMetricsTracker();
    // Wrists oscillate ±0.1 frame heights vertically at 1 Hz → mean speed 4·0.1/1 s = 0.4 fh/s = 1.25 SW/s.
    const out = run(tracker, 5, (t) => pose({ wristDy: 0.1 * Math.sin(2 * Math.PI * t) }));
    const g = out.at(-1)!.gestureSwPerSec.value!;
    expect(g).toBeGreaterThan(0.6);
    expect(g).toBeLessThan(1.6);
    expect(out.at(-1)!.swaySw.value!).toBeLessThan(0.01);
  });

  it('follows a rotation with the tilts (smoothed)', () => {
    const tracker = new BodyMetricsTracker();
    run(tracker, 3, () => pose());
    const out = run(tracker, 3, () => pose({ rotateDegCcw: 12 }), 3);
    expect(out.at(-1)!.shoulderTiltDeg.value!).toBeCloseTo(12, 0);
    expect(out.at(-1)!.headTiltDeg.value!).toBeCloseTo(12, 0);
    // After one frame the smoothed value has moved towards, but not all the way to, 12°.
    expect(out[0]!.shoulderTiltDeg.value!).toBeGreaterThan(0.5);
    expect(out[0]!.shoulderTiltDeg.value!).toBeLessThan(12);
  });

  it('counts time facing the camera over the last 10 s', () => {
    const tracker = new BodyMetricsTracker();
    run(tracker, 5, () => pose());
    const out = run(tracker, 5, () => pose({ noseOffset: 1.2 }), 5); // ≈ 60° yaw: turned away
    const last = out.at(-1)!;
    expect(last.headYawDeg.value!).toBeGreaterThan(45);
    expect(last.facingRatio.value!).toBeGreaterThan(0.4);
    expect(last.facingRatio.value!).toBeLessThan(0.6);
  });

  it('reports hidden hands and drops presence (with hysteresis) when nobody is in view', () => {
    const tracker = new BodyMetricsTracker();
    const hands = run(tracker, 6, (t) => pose({ hidden: t < 3 ? [] : ['left_wrist', 'right_wrist'] })).at(-1)!;
    expect(hands.handsVisibleRatio.value!).toBeGreaterThan(0.35);
    expect(hands.handsVisibleRatio.value!).toBeLessThan(0.65);
    const gone = run(tracker, 3, () => pose({ score: 0.08 }), 6);
    expect(gone[0]!.presence.value).toBe(true); // one bad frame does not end presence
    const last = gone.at(-1)!;
    expect(last.presence.value).toBe(false);
    expect(last.presence.confidence).toBeGreaterThan(0.9);
    expect(last.shoulderTiltDeg).toEqual({ value: null, confidence: 0 });
    expect(last.swaySw.value).toBeNull();
  });

  it('says unknown instead of guessing from low-confidence keypoints', () => {
    const m = run(new BodyMetricsTracker(), 3, () => pose({ hidden: ['left_shoulder', 'left_eye', 'left_ear'] })).at(-1)!;
    expect(m.presence.value).toBe(true);
    expect(m.shoulderTiltDeg.value).toBeNull();
    expect(m.headTiltDeg.value).toBeNull();
    expect(m.swaySw.value).toBeNull();
    expect(m.gestureSwPerSec.value).toBeNull();
    expect(() => new BodyMetricsTracker().update({ tSec: 0, keypoints: [], aspect: 1 })).toThrow(RangeError);
  });
});
