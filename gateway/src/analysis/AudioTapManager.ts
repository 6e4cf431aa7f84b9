import type { types } from 'mediasoup';
import type { StartAudioStream } from '@lectern/analyzers/protocol';
import type { Room } from '@lectern/sfu';
import type { MetricBus } from '../bus/MetricBus.ts';
import type { AnalyzerPool } from './AnalyzerPool.ts';
import { type TapInfo, type TapLog, TapManager, type TappedStream } from './TapManager.ts';

interface TappedAudio extends TappedStream {
  /** RTP timestamp at media time 0, once known; reused when a restarted analyzer resumes. */
  rtpTimestampOrigin?: number;
}

/**
 * Connects presenter audio producers to the voice/language analyzer processes, whose voice frames,
 * pauses, captions, fluency frames, disfluencies and ASR status reach the room through the bus
 * ({@link TapManager}). A restarted analyzer resumes each stream on the same media timeline (the stream's RTP
 * timestamp origin is passed back). Lifecycle: {@link TapManager}.
 */
export class AudioTapManager extends TapManager<TappedAudio, StartAudioStream> {
  constructor(pool: AnalyzerPool, bus: MetricBus, log: TapLog) {
    super(pool, bus, log, { kind: 'audio', process: 'analyzer', what: 'metrics' });
    pool.on('stream-message', (m) => {
      if (m.type !== 'origin') return;
      const s = this.streams.get(m.streamId);
      if (s && s.rtpTimestampOrigin === undefined) s.rtpTimestampOrigin = m.rtpTimestamp;
    });
  }

  protected createStream(room: Room, producer: types.Producer): TappedAudio {
    return { room, producer };
  }

  protected startStream(s: TappedAudio, info: TapInfo): Promise<number> {
    return this.pool.startStream({
      type: 'start-audio',
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
