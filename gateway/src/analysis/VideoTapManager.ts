import type { types } from 'mediasoup';
import type { StartVideoStream } from '@lectern/analyzers/video-protocol';
import type { Room, RtpTap } from '@lectern/sfu';
import type { MetricBus } from '../bus/MetricBus.ts';
import type { PoseProcessPool } from './PoseProcessPool.ts';
import { type TapInfo, type TapLog, TapManager, type TappedStream } from './TapManager.ts';

interface TappedVideo extends TappedStream {
  keyframeRequests: number;
}

/**
 * Connects presenter VIDEO producers to the pose-analyzer processes — the video counterpart of
 * `AudioTapManager`. For each producer it creates an RTP tap (PlainTransport → UDP on loopback)
 * to a pose-process stream, prefers the lowest simulcast layer when the browser sends simulcast
 * (`consumer.setPreferredLayers({ spatialLayer: 0 })`: pose needs ~200 px, not 720p), answers the
 * process's keyframe requests with `consumer.requestKeyFrame()` (mediasoup sends the browser a
 * PLI), publishes `metrics:body`, `body:stats` and `analyzer:status` to the room through the bus
 * ({@link TapManager}), and re-attaches streams when a pose process restarts. Failures degrade the session (status
 * `unavailable`); they never affect the media path or the voice analysis.
 */
export class VideoTapManager extends TapManager<TappedVideo, StartVideoStream> {
  constructor(pool: PoseProcessPool, bus: MetricBus, log: TapLog) {
    super(pool, bus, log, { kind: 'video', process: 'pose-analyzer', what: 'body metrics' });
    pool.on('stream-message', (m) => {
      if (m.type !== 'keyframe-request') return;
      const id = m.streamId;
      const s = this.streams.get(id);
      if (!s?.tap || s.tap.consumer.closed) return;
      s.keyframeRequests++;
      s.tap.consumer.requestKeyFrame().catch((err: unknown) => this.log.warn({ err, producerId: id }, 'keyframe request failed'));
    });
    pool.on('process-error', (info) => this.log.warn(info, 'pose process reported an error'));
  }

  #shedReason: string | null = null;

  /** Whether pose analysis is paused because the node is overloaded (see {@link setShedding}). */
  get shedding(): boolean {
    return this.#shedReason !== null;
  }

  /**
   * Load shedding, first stage (#12): pauses (or resumes) the RTP taps of every video stream, so
   * the pose processes get no frames and run no inference; voice analysis and the media path are
   * untouched. Each stream's room is told with `analyzer:status` `{ state: 'running', shed: ['pose'] }`
   * and the reason (or `shed: []` on resume). Streams tapped while shedding start paused.
   * @param reason why, shown to the user, e.g. "server busy (load 0.93); body-language analysis paused"; null resumes.
   */
  setShedding(reason: string | null): void {
    if ((reason === null) === (this.#shedReason === null)) {
      this.#shedReason = reason;
      return;
    }
    this.#shedReason = reason;
    for (const s of this.streams.values()) void this.#applyShedding(s);
  }

  async #applyShedding(s: TappedVideo): Promise<void> {
    const consumer = s.tap?.consumer;
    if (!consumer || consumer.closed) return;
    try {
      if (this.#shedReason !== null) await consumer.pause();
      else {
        await consumer.resume();
        await consumer.requestKeyFrame();
      }
    } catch (err) {
      this.log.warn({ err, producerId: s.producer.id }, 'could not pause/resume the pose tap');
      return;
    }
    this.bus.publish(s.room.id, {
      event: 'analyzer:status',
      payload: {
        roomId: s.room.id,
        producerId: s.producer.id,
        state: 'running',
        shed: this.#shedReason !== null ? ['pose'] : [],
        reason: this.#shedReason ?? 'server load is back to normal; body-language analysis resumed',
      },
    });
  }

  /** Keyframe requests forwarded for a producer so far (tests and diagnostics). */
  keyframeRequests(producerId: string): number {
    return this.streams.get(producerId)?.keyframeRequests ?? 0;
  }

  protected createStream(room: Room, producer: types.Producer): TappedVideo {
    return { room, producer, keyframeRequests: 0 };
  }

  protected startStream(s: TappedVideo, info: TapInfo): Promise<number> {
    return this.pool.startStream({
      type: 'start-video',
      streamId: s.producer.id,
      roomId: s.room.id,
      producerId: s.producer.id,
      payloadType: info.payloadType,
      ssrc: info.ssrc,
      clockRate: info.clockRate,
    });
  }

  /** Prefers the lowest simulcast layer: pose needs ~200 px, not 720p. */
  protected override async onTapped(s: TappedVideo, tap: RtpTap): Promise<void> {
    if (this.#shedReason !== null) await this.#applyShedding(s);
    if (tap.consumer.type === 'simulcast' || tap.consumer.type === 'svc')
      await tap.consumer.setPreferredLayers({ spatialLayer: 0 }).catch((err: unknown) =>
        this.log.warn({ err, producerId: s.producer.id }, 'could not select the lowest simulcast layer'),
      );
  }
}
