import type { types } from 'mediasoup';
import type { Room } from '@lectern/sfu';
import type { MetricBus } from '../bus/MetricBus.ts';
import type { AnalyzerPool } from './AnalyzerPool.ts';
import { type TapInfo, type TapLog, TapManager, type TappedStream } from './TapManager.ts';

interface TappedAudio extends TappedStream {
  /** RTP timestamp at media time 0, once known; reused when a restarted analyzer resumes. */
  rtpTimestampOrigin?: number;
}

/**
 * Connects presenter audio producers to the voice/language analyzer processes and forwards their
 * voice frames, pauses, captions, fluency frames, disfluencies and ASR status to the room through
 * the bus. A restarted analyzer resumes each stream on the same media timeline (the stream's RTP
 * timestamp origin is passed back). Lifecycle: {@link TapManager}.
 */
export class AudioTapManager extends TapManager<TappedAudio, AnalyzerPool> {
  constructor(pool: AnalyzerPool, bus: MetricBus, log: TapLog) {
    super(pool, bus, log, { kind: 'audio', process: 'analyzer', what: 'metrics' });
    pool.on('voice-frame', (_id, frame) => bus.publish(frame.roomId, { event: 'metrics:voice', payload: frame }));
    pool.on('pause', (_id, pause) => bus.publish(pause.roomId, { event: 'metrics:pause', payload: pause }));
    pool.on('caption', (_id, caption) => bus.publish(caption.roomId, { event: 'captions:update', payload: caption }));
    pool.on('fluency', (_id, frame) => bus.publish(frame.roomId, { event: 'metrics:fluency', payload: frame }));
    pool.on('disfluency', (_id, e) => bus.publish(e.roomId, { event: 'fluency:event', payload: e }));
    pool.on('asr-status', (_id, roomId, status) => bus.publish(roomId, { event: 'asr:status', payload: status }));
    pool.on('origin', (streamId, rtpTimestamp) => {
      const s = this.streams.get(streamId);
      if (s && s.rtpTimestampOrigin === undefined) s.rtpTimestampOrigin = rtpTimestamp;
    });
  }

  protected createStream(room: Room, producer: types.Producer): TappedAudio {
    return { room, producer };
  }

  protected startStream(s: TappedAudio, info: TapInfo): Promise<number> {
    return this.pool.startAudioStream({
      streamId: s.producer.id,
      roomId: s.room.id,
      producerId: s.producer.id,
      payloadType: info.payloadType,
      ssrc: info.ssrc,
      clockRate: info.clockRate,
      channels: info.channels,
      ...(s.rtpTimestampOrigin !== undefined ? { rtpTimestampOrigin: s.rtpTimestampOrigin } : {}),
    });
  }
}
