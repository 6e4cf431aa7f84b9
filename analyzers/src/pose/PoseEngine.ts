import type { Keypoint } from '@lectern/contract';

/**
 * One single-person pose: the 17 COCO keypoints in COCO order (`COCO_KEYPOINT_NAMES` of
 * `@lectern/contract`: nose, left_eye, right_eye, left_ear, right_ear, left_shoulder, …,
 * right_ankle), each with `x`, `y` normalised 0–1 in the frame passed to the engine (x right, y down;
 * may stray slightly outside 0–1 near the edges) and the model's score 0–1.
 */
export interface Pose {
  keypoints: Keypoint[];
}

/**
 * A single-person 2D pose estimator. Implementations: {@link MoveNetOnnxEngine} (MoveNet SinglePose
 * Lightning converted to ONNX in memory, run by onnxruntime-node; the default) and
 * {@link MoveNetEngine} (the same model on tfjs-backend-wasm; the fallback). `loadPoseEngine`
 * picks one. The interface is deliberately small so runtimes can change without touching the
 * metrics.
 *
 * Engines are not re-entrant: call `estimate` again only after the previous call settled.
 */
export interface PoseEngine {
  /** Human-readable description for `ready` messages and reports, e.g. "MoveNet Lightning (tfjs-wasm, SIMD)". */
  readonly description: string;
  /** Side of the square model input in pixels (192 for MoveNet Lightning); feeding frames already letterboxed to it skips resampling. */
  readonly inputSize: number;
  /**
   * Estimates the pose of the most prominent person in a frame.
   * @param rgb packed RGB24 pixels, row-major, `width * height * 3` bytes.
   * @param width frame width in pixels (> 0).
   * @param height frame height in pixels (> 0).
   * @returns 17 keypoints normalised to this frame (COCO order). A frame without a person still
   *   returns 17 keypoints, with low scores.
   * @throws RangeError when `rgb` is too short for `width`×`height`; Error when the engine is disposed.
   */
  estimate(rgb: Uint8Array, width: number, height: number): Promise<Pose>;
  /** Frees the model's memory; later `estimate` calls throw. Idempotent. */
  dispose(): void;
}
