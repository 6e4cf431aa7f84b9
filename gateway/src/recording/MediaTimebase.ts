import type { types } from 'mediasoup';
import type { Room } from '@lectern/sfu';

/** Where one RTP consumer of the presenter's audio producer started: its first packet. */
export interface ConsumerOrigin {
  consumerId: string;
  /** 32-bit RTP timestamp of the first packet the consumer sent. */
  rtpTimestamp: number;
  /** Wall-clock arrival of the trace event at the gateway, ms since the Unix epoch. */
  seenAtMs: number;
}

/** Signed distance b − a of two 32-bit RTP timestamps (wrap-safe for |b − a| < 2³¹). */
export function rtpDiff(a: number, b: number): number {
  return ((b - a) | 0);
}

/**
 * The time base of one presenter audio producer: maps the analyzer's `mediaTimeSec` onto one
 * continuous session media time, and session media time onto positions in the recording.
 *
 * How the link is established (measured, not assumed):
 * - mediasoup's SimpleConsumer rewrites SSRC and sequence numbers but forwards the producer's RTP
 *   timestamps unchanged, so every tap of the producer (analyzer, recorder) sees the same RTP
 *   timestamp for the same audio sample.
 * - The analyzer's `mediaTimeSec` counts from the first packet ITS tap delivered
 *   (analyzers/src/rtp/RtpTimeline.ts). We learn that packet's RTP timestamp by watching the
 *   room's router for new PlainTransport consumers of this producer and enabling mediasoup's `rtp`
 *   trace on each until its first packet (then disabling it). The recorder's own consumer is
 *   excluded; each other one is an analyzer tap — a new one appears when the analyzer process
 *   restarts and its `mediaTimeSec` starts again at 0 (an "epoch").
 * - The recorder's RtpRelay records the RTP timestamp of the first packet the recording starts
 *   with; ffmpeg times the WebM from RTP timestamps (RTCP removed), so recording position
 *   p = audioStartSec + (rtp − recorderFirstRtp) / clockRate.
 * Hence: session media time = analyzer media time of epoch 0; a frame of epoch k is shifted by
 * (origin_k − origin_0) / clockRate; and the recording position of session media time m is
 * m + audioStartSec + (origin_0 − recorderFirstRtp) / clockRate (= `media_time_origin_sec`).
 * When no analyzer origin was seen (analyzer down all session) the recorder's first packet is
 * taken as origin 0.
 */
export class MediaTimebase {
  readonly #origins: ConsumerOrigin[] = [];
  readonly #excluded = new Set<string>();
  readonly #traced = new Set<types.Consumer>();
  #epochOffsetSec = 0;
  #lastMediaTimeSec = -1;
  #epoch = 0;
  #detach?: () => void;
  /** Resumed producers: session time of this producer's analyzer time 0, s (fixed at the first frame). */
  #resumeOffsetSec: number | null = null;
  readonly #createdAtMs = Date.now();

  /**
   * @param producerId the presenter's audio producer.
   * @param clockRate its RTP clock rate (48000 for Opus).
   * @param resumedFrom for a producer that continues a session after the presenter rejoined: the
   *   session's first time base. The two producers share no RTP clock, so this one is placed by
   *   wall clock: its analyzer time 0 is the arrival of its first analyzer packet (the traced
   *   origin, else this object's creation) minus the arrival of the session's first one (±20 ms,
   *   one packet). The gap while the presenter was away stays a gap on the session time line.
   */
  constructor(
    readonly producerId: string,
    readonly clockRate: number,
    readonly resumedFrom?: MediaTimebase,
  ) {}

  #resumeOffset(): number {
    if (!this.resumedFrom) return 0;
    if (this.#resumeOffsetSec === null) {
      const origin0 = this.resumedFrom.analyzerOrigins[0]?.seenAtMs ?? this.resumedFrom.#createdAtMs;
      const mine = this.analyzerOrigins[0]?.seenAtMs ?? this.#createdAtMs;
      this.#resumeOffsetSec = Math.max(0, (mine - origin0) / 1000);
    }
    return this.#resumeOffsetSec;
  }

  /** Starts watching `room`'s router for taps of the producer (call before any tap is created). */
  watch(room: Room): void {
    const onTransport = (transport: types.Transport) => {
      if (transport.type !== 'plain') return;
      transport.observer.on('newconsumer', (consumer: types.Consumer) => {
        if (consumer.producerId === this.producerId) this.#trace(consumer);
      });
    };
    room.router.observer.on('newtransport', onTransport);
    this.#detach = () => room.router.observer.off('newtransport', onTransport);
  }

  /** Marks a consumer as the recorder's (not an analyzer epoch). */
  exclude(consumerId: string): void {
    this.#excluded.add(consumerId);
    const i = this.#origins.findIndex((o) => o.consumerId === consumerId);
    if (i >= 0) this.#origins.splice(i, 1);
  }

  /** First-packet origins of the analyzer taps seen so far (epoch 0 first). */
  get analyzerOrigins(): readonly ConsumerOrigin[] {
    return this.#origins.filter((o) => !this.#excluded.has(o.consumerId));
  }

  /** Analyzer epochs seen by {@link toSessionTime} (0 until the analyzer restarts). */
  get epoch(): number {
    return this.#epoch;
  }

  /**
   * Maps an analyzer `mediaTimeSec` (frames, pauses, words arrive in order per producer) to session
   * media time. A jump back of more than 0.5 s starts a new epoch, shifted by the newest analyzer
   * tap's origin relative to epoch 0's.
   */
  toSessionTime(mediaTimeSec: number): number {
    if (this.#lastMediaTimeSec >= 0 && mediaTimeSec < this.#lastMediaTimeSec - 0.5) {
      this.#epoch++;
      const origins = this.analyzerOrigins;
      const first = origins[0];
      const latest = origins.at(-1);
      if (first && latest && latest !== first) this.#epochOffsetSec = rtpDiff(first.rtpTimestamp, latest.rtpTimestamp) / this.clockRate;
      else this.#epochOffsetSec += this.#lastMediaTimeSec; // no origin known: continue where the last epoch ended
    }
    this.#lastMediaTimeSec = mediaTimeSec;
    return mediaTimeSec + this.#epochOffsetSec + this.#resumeOffset();
  }

  /**
   * Shifts a time of the current epoch without advancing epoch detection (for event start/end
   * times, which may lie before the last frame's time).
   */
  shift(mediaTimeSec: number): number {
    return mediaTimeSec + this.#epochOffsetSec + this.#resumeOffset();
  }

  /**
   * Recording position (s) of session media time 0.
   * @param recorderFirstRtp RTP timestamp of the recording's first audio packet.
   * @param audioStartSec position of that packet in the recording (0 unless audio was offset).
   */
  recordingOriginSec(recorderFirstRtp: number, audioStartSec: number): number {
    const origin0 = this.analyzerOrigins[0]?.rtpTimestamp ?? recorderFirstRtp;
    return audioStartSec + rtpDiff(recorderFirstRtp, origin0) / this.clockRate;
  }

  /** Stops watching and disables traces still enabled. */
  close(): void {
    this.#detach?.();
    for (const c of this.#traced) if (!c.closed) void c.enableTraceEvent([]).catch(() => {});
    this.#traced.clear();
  }

  #trace(consumer: types.Consumer): void {
    // Enabled before the tap resumes the (paused) consumer: channel requests are ordered, so the
    // first packet is traced.
    this.#traced.add(consumer);
    const onTrace = (t: types.ConsumerTraceEventData) => {
      if (t.type !== 'rtp') return;
      const ts = (t.info as { rtpPacket?: { timestamp?: number } } | undefined)?.rtpPacket?.timestamp;
      if (typeof ts !== 'number') return;
      consumer.off('trace', onTrace);
      this.#traced.delete(consumer);
      void consumer.enableTraceEvent([]).catch(() => {});
      if (!this.#excluded.has(consumer.id)) this.#origins.push({ consumerId: consumer.id, rtpTimestamp: ts >>> 0, seenAtMs: Date.now() });
    };
    consumer.on('trace', onTrace);
    void consumer.enableTraceEvent(['rtp']).catch(() => {});
    consumer.observer.once('close', () => this.#traced.delete(consumer));
  }
}
