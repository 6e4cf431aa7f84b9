import type { RoomMessage } from '@lectern/contract';
import type { DisfluencyRow, MetricFrameRow, PauseRow, WordRow } from '../db/DbTypes.ts';

/** Where the rows go (the session store's batch writers; arrays in tests). */
export interface MetricSinks {
  frames: { push(row: MetricFrameRow): void };
  pauses: { push(row: PauseRow): void };
  words: { push(row: WordRow): void };
  disfluencies: { push(row: DisfluencyRow): void };
}

/** An audio producer's analyzer time → session media time (`MediaTimebase`). */
export interface ProducerTimebase {
  /** Session time of a voice window's start (drives the time base's epoch detection), seconds. */
  toSessionTime(mediaTimeSec: number): number;
  /** Session time of any other analyzer time of the producer (pauses, words, fluency), seconds. */
  shift(mediaTimeSec: number): number;
}

/** What a {@link MetricRecorder} needs to know about the session's media time line. */
export interface SessionClock {
  /** The time base of an audio producer; undefined for producers without one (times pass unchanged). */
  timebase(producerId: string): ProducerTimebase | undefined;
  /**
   * Wall-clock time (Unix ms) at which the session's audio analyzer saw its first RTP packet
   * (session media time 0), undefined until then.
   */
  audioOriginSeenAtMs(): number | undefined;
}

/**
 * Turns one live session's room messages into the rows of its media time line: `metrics:voice`,
 * `metrics:fluency` and `metrics:body` frames (envelope + `payload`, the frame's metric values),
 * `metrics:pause` pauses, the words of final `captions:update`s and `fluency:event` disfluencies,
 * all with times in session media seconds. Other events are ignored. Pure mapping: rows go to the
 * {@link MetricSinks}, times come from the {@link SessionClock}.
 */
export class MetricRecorder {
  #mediaEndSec = 0;
  /** Per video producer: session time − body media time, seconds (fixed at its first placed frame). */
  readonly #bodyOffsets = new Map<string, number>();

  /**
   * @param sessionId the session the rows belong to.
   * @param sinks receive the rows.
   * @param clock maps analyzer times to session time.
   */
  constructor(
    readonly sessionId: string,
    private readonly sinks: MetricSinks,
    private readonly clock: SessionClock,
  ) {}

  /** End of the newest voice window recorded, session media seconds (0 before the first). */
  get mediaEndSec(): number {
    return this.#mediaEndSec;
  }

  /** Records one room message of the session (no-op for events that are not stored). */
  record(msg: RoomMessage): void {
    const sessionId = this.sessionId;
    switch (msg.event) {
      case 'metrics:voice': {
        const { roomId: _r, producerId, kind, mediaTimeSec, windowSec, serverTimeMs, ...payload } = msg.payload;
        const t = this.#time(producerId, mediaTimeSec, true);
        this.#mediaEndSec = Math.max(this.#mediaEndSec, t + windowSec);
        this.sinks.frames.push({ sessionId, producerId, kind, mediaTimeSec: t, windowSec, serverTimeMs, payload });
        return;
      }
      case 'metrics:fluency': {
        const { roomId: _r, producerId, mediaTimeSec, serverTimeMs, ...payload } = msg.payload;
        const t = this.#time(producerId, mediaTimeSec, false);
        this.sinks.frames.push({ sessionId, producerId, kind: 'fluency', mediaTimeSec: t, windowSec: null, serverTimeMs, payload });
        return;
      }
      case 'metrics:body': {
        const { roomId: _r, producerId, kind, mediaTimeSec, windowSec, serverTimeMs, ...payload } = msg.payload;
        const offset = this.#bodyOffset(producerId, mediaTimeSec, payload.videoFrameAtMs);
        if (offset === null) return; // before the audio time line exists
        this.sinks.frames.push({ sessionId, producerId, kind, mediaTimeSec: Math.max(0, mediaTimeSec + offset), windowSec, serverTimeMs, payload });
        return;
      }
      case 'metrics:pause': {
        const p = msg.payload;
        this.sinks.pauses.push({
          sessionId,
          producerId: p.producerId,
          startSec: this.#time(p.producerId, p.startSec, false),
          endSec: this.#time(p.producerId, p.endSec, false),
          durationSec: p.durationSec,
        });
        return;
      }
      case 'captions:update': {
        const c = msg.payload;
        if (c.kind !== 'final') return;
        for (const w of c.words)
          this.sinks.words.push({
            sessionId,
            producerId: c.producerId,
            segmentId: c.segmentId,
            word: w.word,
            startSec: this.#time(c.producerId, w.startSec, false),
            endSec: this.#time(c.producerId, w.endSec, false),
            confidence: w.confidence,
          });
        return;
      }
      case 'fluency:event': {
        const d = msg.payload;
        this.sinks.disfluencies.push({
          sessionId,
          producerId: d.producerId,
          kind: d.kind,
          text: d.text,
          startSec: this.#time(d.producerId, d.startSec, false),
          endSec: this.#time(d.producerId, d.endSec, false),
        });
        return;
      }
      default:
        return;
    }
  }

  /**
   * Body frames count from the video producer's first decoded frame (arrival based), not from the
   * audio's first RTP packet: place them on the session time line by wall clock — the decode time
   * of the first frame relative to the arrival of the audio analyzer's first packet (≈ ±50 ms).
   * @returns the producer's offset (session time − body media time, s), or null while unknown.
   */
  #bodyOffset(producerId: string, mediaTimeSec: number, videoFrameAtMs: number | null): number | null {
    const known = this.#bodyOffsets.get(producerId);
    if (known !== undefined) return known;
    const originSeenAtMs = this.clock.audioOriginSeenAtMs();
    if (originSeenAtMs === undefined || videoFrameAtMs === null) return null;
    const offset = (videoFrameAtMs - originSeenAtMs) / 1000 - mediaTimeSec;
    this.#bodyOffsets.set(producerId, offset);
    return offset;
  }

  /** Session media time of an analyzer time; `frame`: a voice window (drives epoch detection). */
  #time(producerId: string, t: number, frame: boolean): number {
    const tb = this.clock.timebase(producerId);
    if (!tb) return t;
    return frame ? tb.toSessionTime(t) : tb.shift(t);
  }
}
