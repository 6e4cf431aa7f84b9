import { z } from 'zod';

/**
 * Body-language metrics from the presenter's camera: pose keypoints (MoveNet, COCO-17) and the
 * posture, gesture and gaze-proxy metrics computed from them, emitted as `metrics:body` about every
 * 200 ms per video producer.
 *
 * Coordinate and sign conventions (all metrics):
 * - Keypoint coordinates are normalised to the ORIGINAL camera frame as the camera sends it (not
 *   mirrored): `x` 0 = left edge → 1 = right edge, `y` 0 = top → 1 = bottom. A page that shows a
 *   mirrored self-view must draw at `1 − x`.
 * - Angles are in degrees, measured in the unmirrored camera image with pixels treated as square,
 *   POSITIVE = COUNTER-CLOCKWISE as the camera sees it. For a presenter facing the camera this means
 *   a positive shoulder/head tilt raises the presenter's LEFT shoulder/eye (their head tips towards
 *   their right shoulder), and a positive torso lean moves their shoulders towards THEIR right.
 * - "SW" (shoulder widths) is the distance between the two shoulder keypoints in the same frame:
 *   normalising by it makes movement metrics independent of camera distance and resolution.
 */

/** Length of one body-metric period in seconds (metrics are computed every 200 ms). */
export const BODY_WINDOW_SEC = 0.2;

/**
 * Keypoint score below which a keypoint is treated as not visible; metrics that need it report
 * `null`. An engineering choice, deliberately stricter than the 0.11 the TensorFlow Hub MoveNet
 * tutorial uses only for drawing (https://www.tensorflow.org/hub/tutorials/movenet): on the
 * astronaut test clip, visible keypoints score 0.4–0.8 and a blank frame scores below 0.25.
 */
export const KEYPOINT_MIN_SCORE = 0.3;

/** The 17 COCO keypoints in the order MoveNet (and COCO) emit them. */
export const COCO_KEYPOINT_NAMES = [
  'nose',
  'left_eye',
  'right_eye',
  'left_ear',
  'right_ear',
  'left_shoulder',
  'right_shoulder',
  'left_elbow',
  'right_elbow',
  'left_wrist',
  'right_wrist',
  'left_hip',
  'right_hip',
  'left_knee',
  'right_knee',
  'left_ankle',
  'right_ankle',
] as const;

/** Name of a COCO-17 keypoint (left/right are the PERSON's left and right). */
export const KeypointNameSchema = z.enum(COCO_KEYPOINT_NAMES);
export type KeypointName = z.infer<typeof KeypointNameSchema>;

/**
 * Skeleton edges between COCO-17 keypoints (pairs of indices into {@link COCO_KEYPOINT_NAMES}),
 * as drawn by the COCO and MoveNet visualisations.
 */
export const COCO_SKELETON_EDGES: readonly (readonly [number, number])[] = [
  [0, 1], [0, 2], [1, 3], [2, 4], [5, 6], [5, 7], [7, 9], [6, 8], [8, 10],
  [5, 11], [6, 12], [11, 12], [11, 13], [13, 15], [12, 14], [14, 16],
];

/** One keypoint: normalised position in the original (unmirrored) frame and the model's score. */
export const KeypointSchema = z.object({
  name: KeypointNameSchema,
  /** 0 = left edge, 1 = right edge of the camera frame (may stray slightly outside 0–1). */
  x: z.number(),
  /** 0 = top, 1 = bottom of the camera frame. */
  y: z.number(),
  /** Model confidence 0–1 that the keypoint is where stated (visible below {@link KEYPOINT_MIN_SCORE}). */
  score: z.number().min(0).max(1),
});
export type Keypoint = z.infer<typeof KeypointSchema>;

/**
 * A metric value with its confidence. `value` is `null` ("unknown") when the keypoints it needs
 * are not visible with enough confidence — never a guess. `confidence` (0–1) combines the scores
 * of the keypoints involved and how much of the metric's time window had usable poses; 0 with a
 * null value.
 */
export const MeasuredSchema = z.object({
  value: z.number().nullable(),
  confidence: z.number().min(0).max(1),
});
export type Measured = z.infer<typeof MeasuredSchema>;

/**
 * One body-metric frame, emitted as `metrics:body` when a decoded video frame (about 5 per second,
 * i.e. every ≈ 200 ms) has been analysed, and once a second with `presence.value = null` while no
 * video arrives. Formulas: `analyzers/src/pose/BodyMetricsTracker.ts` and `bodyGeometry.ts`.
 */
export const BodyFrameSchema = z.object({
  kind: z.literal('body'),
  roomId: z.string(),
  /** mediasoup producer id of the analysed video track. */
  producerId: z.string(),
  /** Seconds since the producer's first decoded video frame (from arrival times, ≥ 0). */
  mediaTimeSec: z.number().nonnegative(),
  /** Metric period in seconds (0.2). */
  windowSec: z.number().positive(),
  /** Server wall-clock time (Unix epoch ms) when the frame was emitted. */
  serverTimeMs: z.number(),
  /**
   * Server wall-clock time (Unix epoch ms) when the decoded video frame this metric frame describes
   * came out of the decoder; `null` when no frame arrived recently. Latency = receive time − this.
   */
  videoFrameAtMs: z.number().nullable(),
  /** Width × height in pixels of the camera frame as decoded (0 until known). */
  frameWidthPx: z.number().int().nonnegative(),
  frameHeightPx: z.number().int().nonnegative(),
  /**
   * Whether the pose was inferred on this very frame (`true`) or reused from an earlier frame because
   * the picture barely changed (motion gating) or the stream's inference budget was spent (`false`).
   */
  poseFresh: z.boolean(),
  /** Age of the pose in ms: time since the frame it was inferred on arrived (0 when fresh). */
  poseAgeMs: z.number().nonnegative(),
  /** Person in view: `value` true/false, or null when no video frame arrived recently. */
  presence: z.object({ value: z.boolean().nullable(), confidence: z.number().min(0).max(1) }),
  /** Shoulder-line tilt in degrees (positive = counter-clockwise, see module conventions); range ±90. */
  shoulderTiltDeg: MeasuredSchema,
  /** Head roll in degrees from the eye line (ear line as fallback), counter-clockwise positive; ±90. */
  headTiltDeg: MeasuredSchema,
  /** Lateral torso lean in degrees (hip midpoint → shoulder midpoint vs vertical), CCW positive; ±90. */
  torsoLeanDeg: MeasuredSchema,
  /** Share (0–1) of the last 10 s in which the face was turned towards the camera (|yaw| ≤ 30°). */
  facingRatio: MeasuredSchema,
  /** Current head yaw estimate in degrees from nose/eye geometry (+ = towards image right); ±90. */
  headYawDeg: MeasuredSchema,
  /** Gesture activity: wrist speed relative to the torso in shoulder widths per second, last 1 s. */
  gestureSwPerSec: MeasuredSchema,
  /** Sway: RMS displacement of the shoulder midpoint from its 2 s mean, in shoulder widths. */
  swaySw: MeasuredSchema,
  /** Share (0–1) of wrist observations over the last 5 s in which the wrist was visible. */
  handsVisibleRatio: MeasuredSchema,
  /** The 17 smoothed COCO keypoints for overlays (empty when no pose is known). */
  keypoints: z.array(KeypointSchema).max(17),
});
export type BodyFrame = z.infer<typeof BodyFrameSchema>;

/**
 * Video-analysis counters for one producer, emitted as `body:stats` every 5 s: what decoding and
 * inference cost, and how often motion gating and the stale-frame queue saved work.
 */
export const BodyStatsSchema = z.object({
  roomId: z.string(),
  producerId: z.string(),
  serverTimeMs: z.number(),
  /** Seconds the stats cover (since the previous `body:stats`). */
  periodSec: z.number().positive(),
  /** Frames the decoder delivered (≈ 5 per second). */
  framesDecoded: z.number().int().nonnegative(),
  /** Frames sent to the pose model. */
  framesInferred: z.number().int().nonnegative(),
  /** Frames skipped because the picture barely changed since the last inferred frame. */
  framesGated: z.number().int().nonnegative(),
  /** Frames dropped because a newer frame of the stream replaced them in the queue (never audio). */
  framesDroppedStale: z.number().int().nonnegative(),
  /** Changed frames that reused the last pose because the stream's inference budget was spent. */
  framesOverBudget: z.number().int().nonnegative(),
  /** Decoder (ffmpeg) CPU ms per delivered frame, including frames decoded but not delivered. */
  decodeCpuMsPerFrame: z.number().nonnegative().nullable(),
  /** Mean pose inference wall time in ms per inferred frame (inference thread). */
  inferenceMsPerFrame: z.number().nonnegative().nullable(),
  /** Mean pose inference CPU time in ms per inferred frame (inference thread). */
  inferenceCpuMsPerFrame: z.number().nonnegative().nullable(),
  /** Keyframe requests (PLI) sent to the browser in the period. */
  keyframeRequests: z.number().int().nonnegative(),
  /** RTP packets received / missing (sequence gaps) in the period. */
  rtpPackets: z.number().int().nonnegative(),
  rtpPacketsLost: z.number().int().nonnegative(),
});
export type BodyStats = z.infer<typeof BodyStatsSchema>;
