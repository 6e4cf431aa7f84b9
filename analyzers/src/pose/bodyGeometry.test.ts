import { describe, expect, it } from 'vitest';
import { headTiltDeg, headYawDeg, lineAngleDeg, presenceScore, shoulderTiltDeg, shoulderWidth, torsoLeanDeg, type Point } from './bodyGeometry.ts';
import { syntheticPose } from '../../test/poseSupport.ts';

/** Synthetic keypoints in isotropic units (x·aspect, y). */
function iso(opts: Parameters<typeof syntheticPose>[0] = {}): Point[] {
  const aspect = opts.aspect ?? 4 / 3;
  return syntheticPose(opts).map((k) => ({ x: k.x * aspect, y: k.y, score: k.score }));
}

describe('body geometry (isotropic units, CCW positive)', () => {
  it('measures a level, frontal body as 0°', () => {
    const kp = iso();
    expect(shoulderTiltDeg(kp, 0.03)!.value).toBeCloseTo(0, 9);
    expect(headTiltDeg(kp)!.value).toBeCloseTo(0, 9);
    expect(torsoLeanDeg(kp)!.value).toBeCloseTo(0, 9);
    expect(headYawDeg(kp)!.value).toBeCloseTo(0, 9);
    expect(shoulderWidth(kp)!.value).toBeCloseTo(0.32, 9);
  });

  it('reports a counter-clockwise rotation as a positive tilt of the same size', () => {
    for (const deg of [-15, -5, 8, 12]) {
      const kp = iso({ rotateDegCcw: deg });
      expect(shoulderTiltDeg(kp, 0.03)!.value).toBeCloseTo(deg, 6);
      expect(headTiltDeg(kp)!.value).toBeCloseTo(deg, 6);
      expect(torsoLeanDeg(kp)!.value).toBeCloseTo(deg, 6);
    }
    // Raising the image-right end of a line is counter-clockwise.
    expect(lineAngleDeg({ x: 0, y: 0, score: 1 }, { x: 1, y: -1, score: 1 })).toBeCloseTo(45, 9);
  });

  it('estimates head yaw from the nose offset along the eye line, independent of roll', () => {
    const right = headYawDeg(iso({ noseOffset: 0.7 * Math.tan(Math.PI / 6) }))!.value;
    expect(right).toBeCloseTo(30, 6);
    const rolled = headYawDeg(iso({ noseOffset: 0.7 * Math.tan(Math.PI / 6), rotateDegCcw: 20 }))!.value;
    expect(rolled).toBeCloseTo(30, 6);
    expect(headYawDeg(iso({ noseOffset: -0.35 }))!.value).toBeLessThan(-20);
  });

  it('returns null rather than guess when keypoints are not visible', () => {
    expect(shoulderTiltDeg(iso({ hidden: ['left_shoulder'] }), 0.03)).toBeNull();
    expect(headYawDeg(iso({ hidden: ['nose'] }))).toBeNull();
    expect(torsoLeanDeg(iso({ hidden: ['left_hip'] }))).toBeNull();
    // Ears stand in for eyes for head tilt.
    expect(headTiltDeg(iso({ hidden: ['left_eye'], rotateDegCcw: 10 }))!.value).toBeCloseTo(10, 6);
    expect(headTiltDeg(iso({ hidden: ['left_eye', 'left_ear'] }))).toBeNull();
    // A shoulder line shorter than the minimum (profile view) is not a tilt.
    expect(shoulderTiltDeg(iso(), 0.5)).toBeNull();
  });

  it('scores presence as the mean of the three best keypoints', () => {
    expect(presenceScore(iso({ score: 0.6 }))).toBeCloseTo(0.6, 9);
    expect(presenceScore(iso({ score: 0.1 }))).toBeCloseTo(0.1, 9);
  });
});
