import type { Keypoint } from '@lectern/contract';

/** Main thread → inference worker: estimate the pose in one frame (the buffer is transferred). */
export interface InferRequest {
  type: 'infer';
  id: number;
  rgb: ArrayBuffer;
  width: number;
  height: number;
}

/** Inference worker → main thread: the engine is loaded. */
export interface InferReady {
  type: 'ready';
  description: string;
}

/** Inference worker → main thread: the engine could not be loaded (the worker then exits). */
export interface InferInitError {
  type: 'init-error';
  message: string;
}

/** Inference worker → main thread: result of one request. */
export interface InferResponse {
  type: 'result';
  id: number;
  keypoints: Keypoint[];
  /** Wall time of the inference (letterbox + model + readback), ms. */
  inferMs: number;
  /** CPU time this thread spent on the inference, ms (from /proc/thread-self/schedstat; null if unavailable). */
  cpuMs: number | null;
  /** CPU time this thread has used since it started, ms (10 ms resolution, /proc/thread-self/stat). */
  threadCpuMs: number;
}

/** Inference worker → main thread: one request failed. */
export interface InferFailure {
  type: 'failure';
  id: number;
  message: string;
}

export type ToInferenceWorker = InferRequest;
export type FromInferenceWorker = InferReady | InferInitError | InferResponse | InferFailure;
