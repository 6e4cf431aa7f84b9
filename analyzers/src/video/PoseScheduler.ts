import type { Keypoint } from '@lectern/contract';
import { MotionGate, type MotionGateOptions } from './MotionGate.ts';

/** A decoded video frame ready for pose analysis. */
export interface VideoFrame {
  /** Packed RGB24 pixels, `width * height * 3` bytes (ownership passes to the scheduler). */
  rgb: Uint8Array;
  width: number;
  height: number;
  /** Wall-clock time (epoch ms) when the frame came out of the decoder. */
  atMs: number;
  /** Monotonic time (ms, `performance.now()`) of the same moment. */
  monoMs: number;
}

/** Result of one inference. */
export interface InferenceResult {
  /** 17 COCO keypoints normalised to the frame. */
  keypoints: Keypoint[];
  /** Wall time of the inference in ms (on the inference thread). */
  inferMs: number;
  /** CPU time of the inference in ms, when the engine can measure it (charged to the budget; else `inferMs`). */
  cpuMs?: number;
}

/** Runs one pose inference (e.g. on a worker thread); may reject. */
export type InferFn = (rgb: Uint8Array, width: number, height: number) => Promise<InferenceResult>;

/** What the scheduler hands back for each analysed frame, in frame order per stream. */
export interface AnalysedFrame {
  streamId: string;
  frame: VideoFrame;
  /** The pose used for this frame (fresh or reused), or null when none is known yet. */
  keypoints: Keypoint[] | null;
  /** True when the pose was inferred on this frame. */
  fresh: boolean;
  /** Monotonic time (ms) of the frame the pose was inferred on (equals frame.monoMs when fresh). */
  poseMonoMs: number | null;
  /** Motion-gate share of changed cells vs the reference (1 when there was no reference). */
  changedShare: number;
}

/** Options of {@link PoseScheduler}. */
export interface PoseSchedulerOptions {
  infer: InferFn;
  /** Called once per analysed frame, in frame order within a stream. */
  onAnalysed: (a: AnalysedFrame) => void;
  /** Called when an inference fails (the frame is then reported with the previous pose). */
  onError?: (streamId: string, err: unknown) => void;
  /** Motion-gate tunables (see MotionGate). */
  gate?: MotionGateOptions;
  /** Re-infer at least this often even when nothing moved, ms (default 2000). */
  maxPoseAgeMs?: number;
  /** Disable motion gating (every frame goes to inference). Default false. */
  disableGating?: boolean;
  /**
   * Inference budget per stream, in CPU ms of inference per second of video (default 55, i.e.
   * ≤ 0.055 of a core, leaving room for decoding and relaying within 0.10 of a core per presenter;
   * 0 = unlimited). A token bucket: each stream earns `budgetMsPerSec` per second
   * up to `budgetBurstMs`, and an inference spends its measured CPU time (`cpuMs`, else its wall
   * time). A changed frame arriving without budget reuses the last pose (counted in
   * `framesOverBudget`) — but a pose older than `maxPoseAgeMs` is always refreshed, so metrics never
   * freeze. Under continuous motion this caps the inference rate: ≈ 1.8/s at 30 ms per inference
   * (tfjs-wasm fallback); with onnxruntime (≈ 7 CPU ms) it does not bind at 5 fps.
   */
  budgetMsPerSec?: number;
  /** Bucket size in ms (default 250): how much inference a burst of movement after stillness gets. */
  budgetBurstMs?: number;
}

/** Per-stream counters (cumulative). */
export interface SchedulerStreamStats {
  framesIn: number;
  framesInferred: number;
  framesGated: number;
  framesDroppedStale: number;
  /** Changed frames that reused the last pose because the stream's inference budget was spent. */
  framesOverBudget: number;
  inferErrors: number;
  /** Sum of inference wall times (ms). */
  inferMsTotal: number;
  /** Sum of inference CPU times (ms; wall time where CPU time is unavailable). */
  inferCpuMsTotal: number;
}

interface StreamState {
  id: string;
  gate: MotionGate;
  /** Newest frame waiting for a decision/inference (older ones are dropped as stale). */
  pending: VideoFrame | null;
  /** Whether `id` is in the run queue. */
  queued: boolean;
  inFlight: boolean;
  lastPose: Keypoint[] | null;
  lastPoseMonoMs: number | null;
  /** Inference budget left (ms) as of `tokensMonoMs`. */
  tokens: number;
  tokensMonoMs: number | null;
  stats: SchedulerStreamStats;
  closed: boolean;
}

/**
 * Schedules pose inference for many video streams on ONE inference engine (a worker thread), so
 * that decoding never waits for inference and inference never queues up stale work:
 *
 * - Bounded queue: each stream has at most one frame in flight and one pending; a newer frame
 *   replaces the pending one, which is dropped (counted in `framesDroppedStale`, not reported).
 *   Streams take turns (FIFO of stream ids), so one busy stream cannot starve another.
 * - Motion gating: before inference, the frame is compared with the last inferred frame of its
 *   stream ({@link MotionGate}); if it barely changed and the last pose is younger than
 *   `maxPoseAgeMs`, the last pose is reused (reported with `fresh: false` and its age) without
 *   inference.
 * - Inference budget: a per-stream token bucket (`budgetMsPerSec`) caps the share of a core one
 *   presenter's inference may use, whatever the motion; frames over budget reuse the last pose.
 * - Order: a stream's frames are reported in arrival order; gating decisions are taken only when
 *   the stream has nothing in flight, so they always compare against the latest reference.
 *
 * Audio never passes through here: this is a separate process from the voice analyzer.
 */
export class PoseScheduler {
  readonly #streams = new Map<string, StreamState>();
  readonly #runQueue: string[] = [];
  readonly #o: PoseSchedulerOptions;
  #busy = false;

  constructor(opts: PoseSchedulerOptions) {
    this.#o = opts;
  }

  /** Registers a stream (idempotent). */
  addStream(streamId: string): void {
    if (this.#streams.has(streamId)) return;
    this.#streams.set(streamId, {
      id: streamId,
      gate: new MotionGate(this.#o.gate),
      pending: null,
      queued: false,
      inFlight: false,
      lastPose: null,
      lastPoseMonoMs: null,
      tokens: this.#o.budgetBurstMs ?? 250,
      tokensMonoMs: null,
      stats: { framesIn: 0, framesInferred: 0, framesGated: 0, framesDroppedStale: 0, framesOverBudget: 0, inferErrors: 0, inferMsTotal: 0, inferCpuMsTotal: 0 },
      closed: false,
    });
  }

  /** Removes a stream; a result still in flight for it is discarded. */
  removeStream(streamId: string): void {
    const s = this.#streams.get(streamId);
    if (!s) return;
    s.closed = true;
    s.pending = null;
    this.#streams.delete(streamId);
    const i = this.#runQueue.indexOf(streamId);
    if (i >= 0) this.#runQueue.splice(i, 1);
  }

  /** Cumulative counters of a stream, or undefined if unknown. */
  stats(streamId: string): SchedulerStreamStats | undefined {
    const s = this.#streams.get(streamId);
    return s ? { ...s.stats } : undefined;
  }

  /** Number of streams with a frame waiting for the engine. */
  get queueLength(): number {
    return this.#runQueue.length;
  }

  /**
   * Offers a decoded frame of a registered stream (unknown streams are ignored). Returns at once;
   * the frame is reported later through `onAnalysed` (or dropped as stale).
   */
  push(streamId: string, frame: VideoFrame): void {
    const s = this.#streams.get(streamId);
    if (!s) return;
    s.stats.framesIn++;
    if (s.pending) s.stats.framesDroppedStale++;
    s.pending = frame;
    if (!s.inFlight) this.#decide(s);
  }

  /** Gating decision for the stream's pending frame (stream has nothing in flight). */
  #decide(s: StreamState): void {
    const frame = s.pending;
    if (!frame || s.queued) return;
    const g = s.gate.compare(frame.rgb, frame.width, frame.height);
    const young = s.lastPoseMonoMs !== null && frame.monoMs - s.lastPoseMonoMs < (this.#o.maxPoseAgeMs ?? 2000);
    const gated = !this.#o.disableGating && !g.changed && young;
    const overBudget = !gated && young && this.#refill(s, frame.monoMs) < 0;
    if (s.lastPose && (gated || overBudget)) {
      s.pending = null;
      if (gated) s.stats.framesGated++;
      else s.stats.framesOverBudget++;
      this.#o.onAnalysed({
        streamId: s.id,
        frame,
        keypoints: s.lastPose,
        fresh: false,
        poseMonoMs: s.lastPoseMonoMs,
        changedShare: g.changedShare,
      });
      return;
    }
    s.queued = true;
    this.#runQueue.push(s.id);
    this.#pump();
  }

  /** Adds the budget earned since the last refill (capped at the burst size); returns the tokens. */
  #refill(s: StreamState, monoMs: number): number {
    const rate = this.#o.budgetMsPerSec ?? 55;
    if (rate <= 0) return Infinity;
    const burst = this.#o.budgetBurstMs ?? 250;
    if (s.tokensMonoMs !== null) s.tokens = Math.min(burst, s.tokens + (Math.max(0, monoMs - s.tokensMonoMs) / 1000) * rate);
    s.tokensMonoMs = Math.max(s.tokensMonoMs ?? monoMs, monoMs);
    return s.tokens;
  }

  #pump(): void {
    if (this.#busy) return;
    const id = this.#runQueue.shift();
    if (id === undefined) return;
    const s = this.#streams.get(id);
    if (!s || !s.pending) return this.#pump();
    s.queued = false;
    const frame = s.pending;
    s.pending = null;
    s.inFlight = true;
    this.#busy = true;
    const changedShare = s.gate.compare(frame.rgb, frame.width, frame.height).changedShare;
    s.gate.setReference(frame.rgb, frame.width, frame.height);
    this.#o.infer(frame.rgb, frame.width, frame.height).then(
      (result) => {
        this.#busy = false;
        s.inFlight = false;
        if (!s.closed) {
          s.stats.framesInferred++;
          s.stats.inferMsTotal += result.inferMs;
          s.stats.inferCpuMsTotal += result.cpuMs ?? result.inferMs;
          s.tokens -= result.cpuMs ?? result.inferMs;
          s.lastPose = result.keypoints;
          s.lastPoseMonoMs = frame.monoMs;
          this.#o.onAnalysed({ streamId: s.id, frame, keypoints: result.keypoints, fresh: true, poseMonoMs: frame.monoMs, changedShare });
          if (s.pending) this.#decide(s);
        }
        this.#pump();
      },
      (err: unknown) => {
        this.#busy = false;
        s.inFlight = false;
        if (!s.closed) {
          s.stats.inferErrors++;
          s.gate.reset();
          this.#o.onError?.(s.id, err);
          this.#o.onAnalysed({ streamId: s.id, frame, keypoints: s.lastPose, fresh: false, poseMonoMs: s.lastPoseMonoMs, changedShare });
          if (s.pending) this.#decide(s);
        }
        this.#pump();
      },
    );
  }
}
