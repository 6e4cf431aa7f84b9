/**
 * Per-pose body geometry: the instantaneous formulas behind the body-language metrics. Every
 * function takes keypoints in ISOTROPIC units (x and y in the same unit, e.g. pixels, or
 * frame heights with x multiplied by the aspect ratio), image axes (x right, y DOWN), and returns
 * `null` when a keypoint it needs scores below the visibility threshold.
 *
 * Sign convention (see `@lectern/contract` body.ts): angles are in degrees, positive =
 * counter-clockwise as the (unmirrored) camera sees it.
 */
import { KEYPOINT_MIN_SCORE } from '@lectern/contract';

/** A keypoint in isotropic image units with its score. */
export interface Point {
  x: number;
  y: number;
  score: number;
}

/** COCO-17 indices used by the metrics. */
export const KP = {
  nose: 0,
  leftEye: 1,
  rightEye: 2,
  leftEar: 3,
  rightEar: 4,
  leftShoulder: 5,
  rightShoulder: 6,
  leftWrist: 9,
  rightWrist: 10,
  leftHip: 11,
  rightHip: 12,
} as const;

/** A value with the confidence (0–1) of the keypoints it came from. */
export interface Scored {
  value: number;
  confidence: number;
}

/** True when the keypoint is visible (score ≥ KEYPOINT_MIN_SCORE). */
export function visible(p: Point | undefined, minScore = KEYPOINT_MIN_SCORE): p is Point {
  return p !== undefined && p.score >= minScore;
}

/** Midpoint of two points (score = the lower score). */
export function midpoint(a: Point, b: Point): Point {
  return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2, score: Math.min(a.score, b.score) };
}

/** Euclidean distance. */
export function distance(a: Point, b: Point): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

/**
 * Angle in degrees of the line from the person's right-side keypoint `right` to their left-side
 * keypoint `left`, counter-clockwise from the image's +x axis: `atan2(−(left.y − right.y),
 * left.x − right.x)`, wrapped to (−180, 180]. 0 = level, facing the camera.
 */
export function lineAngleDeg(right: Point, left: Point): number {
  return (Math.atan2(-(left.y - right.y), left.x - right.x) * 180) / Math.PI;
}

/**
 * Shoulder width: distance between the shoulder keypoints, the body-size unit ("SW") of the
 * movement metrics. `null` unless both shoulders are visible.
 */
export function shoulderWidth(kp: readonly Point[]): Scored | null {
  const l = kp[KP.leftShoulder];
  const r = kp[KP.rightShoulder];
  if (!visible(l) || !visible(r)) return null;
  return { value: distance(l, r), confidence: Math.min(l.score, r.score) };
}

/**
 * Shoulder tilt θs = lineAngleDeg(right_shoulder, left_shoulder): the roll of the shoulder line.
 * Needs both shoulders and a shoulder line at least `minWidth` long (a presenter in profile has
 * overlapping shoulders whose line angle is noise). Confidence = the lower shoulder score.
 * Positive = the presenter's left shoulder is higher (facing the camera).
 */
export function shoulderTiltDeg(kp: readonly Point[], minWidth: number): Scored | null {
  const sw = shoulderWidth(kp);
  if (!sw || sw.value < minWidth) return null;
  return { value: lineAngleDeg(kp[KP.rightShoulder]!, kp[KP.leftShoulder]!), confidence: sw.confidence };
}

/**
 * Head tilt (roll) θh = lineAngleDeg(right_eye, left_eye); when an eye is not visible, the ear
 * line lineAngleDeg(right_ear, left_ear). Eyes are preferred: MoveNet localises them better than
 * ears, which hair often covers. Confidence = the lower of the two scores. Positive = head tipped
 * towards the presenter's right shoulder (facing the camera).
 */
export function headTiltDeg(kp: readonly Point[]): Scored | null {
  const pairs: [number, number][] = [
    [KP.rightEye, KP.leftEye],
    [KP.rightEar, KP.leftEar],
  ];
  for (const [ri, li] of pairs) {
    const r = kp[ri];
    const l = kp[li];
    if (visible(r) && visible(l) && distance(r, l) > 0) return { value: lineAngleDeg(r, l), confidence: Math.min(r.score, l.score) };
  }
  return null;
}

/**
 * Lateral torso lean θt: angle of the trunk axis v = shoulder midpoint − hip midpoint from the
 * upward vertical, counter-clockwise positive: θt = atan2(−v.x, −v.y) in image axes (y down).
 * Needs both shoulders and both hips (a webcam framing often cuts the hips off → unknown).
 * Confidence = the lowest of the four scores. Positive = shoulders displaced towards the image's
 * left (the presenter leans to their right when facing the camera).
 */
export function torsoLeanDeg(kp: readonly Point[]): Scored | null {
  const ls = kp[KP.leftShoulder];
  const rs = kp[KP.rightShoulder];
  const lh = kp[KP.leftHip];
  const rh = kp[KP.rightHip];
  if (!visible(ls) || !visible(rs) || !visible(lh) || !visible(rh)) return null;
  const s = midpoint(ls, rs);
  const h = midpoint(lh, rh);
  const vx = s.x - h.x;
  const vy = s.y - h.y;
  if (Math.hypot(vx, vy) === 0) return null;
  return { value: (Math.atan2(-vx, -vy) * 180) / Math.PI, confidence: Math.min(ls.score, rs.score, lh.score, rh.score) };
}

/**
 * Ratio n/a of the head model used by {@link headYawDeg}: nose-tip depth in front of the eyes
 * (n ≈ 22 mm) over half the interpupillary distance (a ≈ 31.5 mm; mean adult IPD ≈ 63 mm,
 * Dodgson 2004, "Variation and extrema of human interpupillary distance", Proc. SPIE 5291).
 * Approximate: faces vary by ±30 %, so yaw is a proxy, good for "facing the camera or not".
 */
export const NOSE_DEPTH_OVER_HALF_IPD = 0.7;

/**
 * Head yaw proxy in degrees from nose/eye geometry (positive = nose towards the image's right).
 *
 * Model: eyes at (±a, 0) and the nose tip at (0, n) in head coordinates, seen orthographically
 * after a rotation ψ about a vertical axis. Projected onto the eye line, the nose's offset from the
 * eye midpoint in half-eye-distances is d = (n/a)·tan ψ, so ψ = atan(d / (n/a)). The offset is
 * measured along the eye-line direction, so head roll does not leak into yaw.
 * Needs the nose and both eyes; confidence = their lowest score. Beyond ≈ ±60° the nearer eye is
 * hidden and MoveNet's guesses degrade: values there mean "turned away", not an exact angle.
 */
export function headYawDeg(kp: readonly Point[]): Scored | null {
  const n = kp[KP.nose];
  const le = kp[KP.leftEye];
  const re = kp[KP.rightEye];
  if (!visible(n) || !visible(le) || !visible(re)) return null;
  const ex = le.x - re.x;
  const ey = le.y - re.y;
  const len = Math.hypot(ex, ey);
  if (len === 0) return null;
  const mid = midpoint(le, re);
  // Signed offset of the nose along the unit eye-line vector (right eye → left eye), in half-eye-distances.
  const d = ((n.x - mid.x) * ex + (n.y - mid.y) * ey) / len / (len / 2);
  // The right→left eye vector points towards image +x for a frontal face, so d > 0 = nose towards image right.
  return { value: (Math.atan(d / NOSE_DEPTH_OVER_HALF_IPD) * 180) / Math.PI, confidence: Math.min(n.score, le.score, re.score) };
}

/**
 * Presence score: the mean of the three highest keypoint scores. MoveNet SinglePose always
 * returns 17 keypoints; with nobody in view all scores stay low (≤ 0.15 on a blank frame in our
 * tests), while a person — even one cut off at the chest — has at least face or shoulder
 * keypoints above 0.5. Averaging the top three is robust to one spurious keypoint.
 */
export function presenceScore(kp: readonly Point[]): number {
  const top = kp.map((p) => p.score).sort((a, b) => b - a).slice(0, 3);
  return top.length === 0 ? 0 : top.reduce((a, b) => a + b, 0) / top.length;
}
