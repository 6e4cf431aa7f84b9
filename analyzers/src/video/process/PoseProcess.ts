import { BODY_WINDOW_SEC, type BodyFrame, type BodyStats, type Keypoint, type Measured } from '@lectern/contract';
import { BodyMetricsTracker } from '../../pose/BodyMetricsTracker.ts';
import { letterboxRect, type LetterboxRect, unletterbox } from '../../pose/letterbox.ts';
import { LiveVideoStream } from '../LiveVideoStream.ts';
import { type AnalysedFrame, type InferFn, PoseScheduler } from '../PoseScheduler.ts';
import { errorText, type HostedStreamBase, StreamHost } from '../../process/StreamHost.ts';
import { type StartVideoStream, type VideoChildMessage, VideoParentMessageSchema } from './protocol.ts';

/** Options of {@link PoseProcess}. */
export interface PoseProcessOptions {
  /** Runs one pose inference (the inference worker thread in production). */
  infer: InferFn;
  /** Delivers one child → parent message; must not throw. */
  send: (message: VideoChildMessage) => void;
  /** Engine descriptions for the `ready` message. */
  engines: Record<string, string>;
  /** Side of the square decoded frames (default 192). */
  frameSize?: number;
  /** Disable motion gating (benchmarks). */
  disableGating?: boolean;
  /** Inference budget per stream in ms per second (see PoseScheduler; default 55, 0 = unlimited). */
  budgetMsPerSec?: number;
  ffmpegPath?: string;
}

interface HostedStream extends HostedStreamBase<StartVideoStream> {
  video: LiveVideoStream;
  tracker: BodyMetricsTracker;
  firstFrameMonoMs: number | null;
  lastFrameMonoMs: number;
  lastFrameAtMs: number;
  lastEmitMonoMs: number;
  source: { width: number; height: number } | null;
  prevStats: { monoMs: number; decoded: number; inferred: number; gated: number; stale: number; overBudget: number; decodeCpuMs: number; inferMs: number; inferCpuMs: number; keyframes: number; packets: number; lost: number };
}

/** Without decoded frames for this long, a stream emits "no video" frames (once per second). */
const NO_VIDEO_AFTER_MS = 1000;
/** Without decoded frames for this long, the metric history is dropped. */
const RESET_AFTER_MS = 3000;

const UNKNOWN: Measured = { value: null, confidence: 0 };
const r = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
const rm = (m: Measured, digits: number): Measured => ({ value: m.value === null ? null : r(m.value, digits), confidence: r(m.confidence, 3) });

/**
 * The pose process's state machine, independent of the IPC transport (a {@link StreamHost}, like
 * the voice `AnalyzerProcess`: message validation, stream map, status and error reporting): owns
 * the video streams (RTP endpoint + decoder each), feeds decoded frames to one shared {@link PoseScheduler} (bounded, stale-dropping,
 * motion-gated) whose inference runs on a worker thread, turns each analysed frame into a
 * `BodyFrame` (room message `metrics:body`; counters every 5 s as `body:stats`) through the stream's
 * {@link BodyMetricsTracker}, and forwards keyframe requests. `main.ts` wires it to IPC and to a
 * 200 ms tick and 5 s stats interval.
 *
 * Every call into a stream is guarded: one stream's failure becomes a status for that stream and
 * never reaches the others.
 */
export class PoseProcess extends StreamHost<StartVideoStream, HostedStream, VideoChildMessage> {
  readonly #scheduler: PoseScheduler;
  readonly #o: PoseProcessOptions;
  readonly #size: number;

  constructor(opts: PoseProcessOptions) {
    super(VideoParentMessageSchema, opts.send, opts.engines, 'video analysis: ');
    this.#o = opts;
    this.#size = opts.frameSize ?? 192;
    this.#scheduler = new PoseScheduler({
      infer: opts.infer,
      onAnalysed: (a) => this.guard(a.streamId, () => this.#onAnalysed(a)),
      onError: (id, err) => this.streamError(id, err),
      ...(opts.disableGating ? { disableGating: true } : {}),
      ...(opts.budgetMsPerSec !== undefined ? { budgetMsPerSec: opts.budgetMsPerSec } : {}),
    });
  }

  /** 200 ms tick: "no video" frames for streams whose decoder went quiet. */
  tick(): void {
    const now = performance.now();
    for (const [id, s] of this.streams) {
      this.guard(id, () => {
        const quietMs = now - s.lastFrameMonoMs;
        if (quietMs > RESET_AFTER_MS && s.firstFrameMonoMs !== null) s.tracker.reset();
        if (quietMs > NO_VIDEO_AFTER_MS && now - s.lastEmitMonoMs >= 1000) this.#emitNoVideo(id, s, now);
      });
    }
  }

  /** Sends a `body-stats` message for every stream. */
  sendStats(): void {
    for (const [id, s] of this.streams) this.guard(id, () => this.#sendStats(id, s));
  }

  protected async startStream(m: StartVideoStream): Promise<void> {
    const { streamId, roomId, producerId } = m;
    const video = new LiveVideoStream({
      payloadType: m.payloadType,
      ssrc: m.ssrc,
      size: this.#size,
      ...(this.#o.ffmpegPath ? { ffmpegPath: this.#o.ffmpegPath } : {}),
      onFrame: (rgb, atMs, monoMs, source) =>
        this.guard(streamId, () => {
          const s = this.streams.get(streamId);
          if (!s) return;
          s.firstFrameMonoMs ??= monoMs;
          s.lastFrameMonoMs = monoMs;
          s.lastFrameAtMs = atMs;
          s.source = source;
          this.#scheduler.push(streamId, { rgb, width: this.#size, height: this.#size, atMs, monoMs });
        }),
      onKeyframeRequest: (reason) => this.send({ type: 'keyframe-request', streamId, reason }),
      onError: (err) => this.streamError(streamId, err),
    });
    const now = performance.now();
    const hosted: HostedStream = {
      start: m,
      video,
      tracker: new BodyMetricsTracker(),
      firstFrameMonoMs: null,
      lastFrameMonoMs: now,
      lastFrameAtMs: Date.now(),
      lastEmitMonoMs: now,
      source: null,
      prevStats: { monoMs: now, decoded: 0, inferred: 0, gated: 0, stale: 0, overBudget: 0, decodeCpuMs: 0, inferMs: 0, inferCpuMs: 0, keyframes: 0, packets: 0, lost: 0 },
      errors: 0,
      lastErrorStatusMs: -Infinity,
    };
    this.streams.set(streamId, hosted);
    this.#scheduler.addStream(streamId);
    try {
      const rtpPort = await video.listen('127.0.0.1', 0);
      this.send({ type: 'started', streamId, rtpPort });
      this.status(streamId, { roomId, producerId, state: 'running' });
    } catch (err) {
      this.streams.delete(streamId);
      this.#scheduler.removeStream(streamId);
      await video.close();
      this.send({ type: 'error', streamId, message: `cannot start video stream: ${(err as Error).message}` });
    }
  }

  protected async stopStream(s: HostedStream): Promise<void> {
    const { streamId } = s.start;
    this.guard(streamId, () => this.#sendStats(streamId, s));
    this.streams.delete(streamId);
    this.#scheduler.removeStream(streamId);
    try {
      await s.video.close();
    } catch (err) {
      this.send({ type: 'error', streamId, message: `error while stopping: ${errorText(err)}` });
    }
  }

  #onAnalysed(a: AnalysedFrame): void {
    const s = this.streams.get(a.streamId);
    if (!s) return;
    const rect: LetterboxRect = s.source
      ? letterboxRect(s.source.width, s.source.height, this.#size)
      : { size: this.#size, offsetX: 0, offsetY: 0, width: this.#size, height: this.#size };
    const base = this.#base(s, a.frame.monoMs, a.frame.atMs);
    if (!a.keypoints) {
      this.#send(a.streamId, s, { ...base, poseFresh: false, poseAgeMs: 0, presence: { value: null, confidence: 0 }, ...unknownMetrics(), keypoints: [] });
      return;
    }
    // Square (letterboxed) coordinates are isotropic: aspect 1.
    const m = s.tracker.update({ tSec: a.frame.monoMs / 1000, keypoints: a.keypoints, aspect: 1 });
    const keypoints: Keypoint[] = m.keypoints.map((k) => {
      const p = unletterbox(rect, k.x, k.y);
      return { name: k.name, x: r(p.x, 4), y: r(p.y, 4), score: r(k.score, 3) };
    });
    this.#send(a.streamId, s, {
      ...base,
      poseFresh: a.fresh,
      poseAgeMs: Math.max(0, Math.round(a.frame.monoMs - (a.poseMonoMs ?? a.frame.monoMs))),
      presence: { value: m.presence.value, confidence: r(m.presence.confidence, 3) },
      shoulderTiltDeg: rm(m.shoulderTiltDeg, 2),
      headTiltDeg: rm(m.headTiltDeg, 2),
      torsoLeanDeg: rm(m.torsoLeanDeg, 2),
      facingRatio: rm(m.facingRatio, 3),
      headYawDeg: rm(m.headYawDeg, 2),
      gestureSwPerSec: rm(m.gestureSwPerSec, 3),
      swaySw: rm(m.swaySw, 4),
      handsVisibleRatio: rm(m.handsVisibleRatio, 3),
      keypoints,
    });
  }

  #emitNoVideo(streamId: string, s: HostedStream, nowMono: number): void {
    const base = this.#base(s, nowMono, null);
    this.#send(streamId, s, { ...base, poseFresh: false, poseAgeMs: 0, presence: { value: null, confidence: 0 }, ...unknownMetrics(), keypoints: [] });
  }

  #base(s: HostedStream, monoMs: number, atMs: number | null) {
    return {
      kind: 'body' as const,
      roomId: s.start.roomId,
      producerId: s.start.producerId,
      mediaTimeSec: s.firstFrameMonoMs === null ? 0 : r(Math.max(0, monoMs - s.firstFrameMonoMs) / 1000, 3),
      windowSec: BODY_WINDOW_SEC,
      serverTimeMs: Date.now(),
      videoFrameAtMs: atMs,
      frameWidthPx: s.source?.width ?? 0,
      frameHeightPx: s.source?.height ?? 0,
    };
  }

  #send(streamId: string, s: HostedStream, frame: BodyFrame): void {
    s.lastEmitMonoMs = performance.now();
    frame.serverTimeMs = Date.now();
    this.publish(streamId, s.start.roomId, { event: 'metrics:body', payload: frame });
  }

  #sendStats(streamId: string, s: HostedStream): void {
    const now = performance.now();
    const v = s.video.stats;
    const sch = this.#scheduler.stats(streamId);
    const cur = {
      monoMs: now,
      decoded: v.framesDecoded,
      inferred: sch?.framesInferred ?? 0,
      gated: sch?.framesGated ?? 0,
      stale: sch?.framesDroppedStale ?? 0,
      overBudget: sch?.framesOverBudget ?? 0,
      decodeCpuMs: v.decodeCpuMs,
      inferMs: sch?.inferMsTotal ?? 0,
      inferCpuMs: sch?.inferCpuMsTotal ?? 0,
      keyframes: v.keyframeRequests,
      packets: v.rtp.packets,
      lost: v.rtp.lost,
    };
    const p = s.prevStats;
    const periodSec = (cur.monoMs - p.monoMs) / 1000;
    if (!(periodSec > 0)) return;
    const decoded = cur.decoded - p.decoded;
    const inferred = cur.inferred - p.inferred;
    const stats: BodyStats = {
      roomId: s.start.roomId,
      producerId: s.start.producerId,
      serverTimeMs: Date.now(),
      periodSec: r(periodSec, 3),
      framesDecoded: decoded,
      framesInferred: inferred,
      framesGated: cur.gated - p.gated,
      framesDroppedStale: cur.stale - p.stale,
      framesOverBudget: cur.overBudget - p.overBudget,
      decodeCpuMsPerFrame: decoded > 0 ? r((cur.decodeCpuMs - p.decodeCpuMs) / decoded, 2) : null,
      inferenceMsPerFrame: inferred > 0 ? r((cur.inferMs - p.inferMs) / inferred, 2) : null,
      inferenceCpuMsPerFrame: inferred > 0 ? r((cur.inferCpuMs - p.inferCpuMs) / inferred, 2) : null,
      keyframeRequests: cur.keyframes - p.keyframes,
      rtpPackets: cur.packets - p.packets,
      rtpPacketsLost: Math.max(0, cur.lost - p.lost),
    };
    s.prevStats = cur;
    this.publish(streamId, s.start.roomId, { event: 'body:stats', payload: stats });
  }

}

function unknownMetrics() {
  return {
    shoulderTiltDeg: UNKNOWN,
    headTiltDeg: UNKNOWN,
    torsoLeanDeg: UNKNOWN,
    facingRatio: UNKNOWN,
    headYawDeg: UNKNOWN,
    gestureSwPerSec: UNKNOWN,
    swaySw: UNKNOWN,
    handsVisibleRatio: UNKNOWN,
  };
}
