import { describe, expect, it } from 'vitest';
import type { BodyFrame, FluencyFrame, RoomMessage, VoiceFrame } from '@lectern/contract';
import type { DisfluencyRow, MetricFrameRow, PauseRow, WordRow } from '../db/DbTypes.ts';
import { MetricRecorder, type ProducerTimebase } from './MetricRecorder.ts';

/** A recorder writing into arrays; the audio producer `a1` runs 10 s behind session time. */
function recorder(opts: { originSeenAtMs?: number } = {}) {
  const rows = { frames: [] as MetricFrameRow[], pauses: [] as PauseRow[], words: [] as WordRow[], disfluencies: [] as DisfluencyRow[] };
  const calls: string[] = [];
  const tb: ProducerTimebase = {
    toSessionTime: (t) => (calls.push(`frame ${t}`), t + 10),
    shift: (t) => (calls.push(`shift ${t}`), t + 10),
  };
  const r = new MetricRecorder('s1', rows, {
    timebase: (producerId) => (producerId === 'a1' ? tb : undefined),
    audioOriginSeenAtMs: () => opts.originSeenAtMs,
  });
  return { r, rows, calls };
}

const voice = (mediaTimeSec: number): VoiceFrame => ({
  kind: 'voice',
  roomId: 'room',
  producerId: 'a1',
  mediaTimeSec,
  windowSec: 0.1,
  serverTimeMs: 1_700_000_000_000,
  levelDbfs: -20,
  f0Hz: 120,
  vadProb: 0.9,
  isSpeech: true,
  pauseSec: 0,
  speakingRatio: 0.8,
  pitchVariabilitySt: null,
  concealedPackets: 0,
});

const unknown = { value: null, confidence: 0 };
const body = (mediaTimeSec: number, videoFrameAtMs: number | null): BodyFrame => ({
  kind: 'body',
  roomId: 'room',
  producerId: 'v1',
  mediaTimeSec,
  windowSec: 0.2,
  serverTimeMs: 1_700_000_000_000,
  videoFrameAtMs,
  frameWidthPx: 640,
  frameHeightPx: 480,
  poseFresh: true,
  poseAgeMs: 0,
  presence: { value: true, confidence: 0.9 },
  shoulderTiltDeg: unknown,
  headTiltDeg: unknown,
  torsoLeanDeg: unknown,
  facingRatio: unknown,
  headYawDeg: unknown,
  gestureSwPerSec: unknown,
  swaySw: unknown,
  handsVisibleRatio: unknown,
  keypoints: [],
});

describe('MetricRecorder (room message → rows)', () => {
  it('stores a voice frame as envelope + payload on session time and tracks the media end', () => {
    const { r, rows, calls } = recorder();
    expect(r.mediaEndSec).toBe(0);
    r.record({ event: 'metrics:voice', payload: voice(1.5) });
    const { kind: _k, roomId: _r, producerId: _p, mediaTimeSec: _m, windowSec: _w, serverTimeMs: _s, ...payload } = voice(1.5);
    expect(rows.frames).toEqual([{ sessionId: 's1', producerId: 'a1', kind: 'voice', mediaTimeSec: 11.5, windowSec: 0.1, serverTimeMs: 1_700_000_000_000, payload }]);
    expect(calls).toEqual(['frame 1.5']); // voice windows drive the time base's epoch detection
    expect(r.mediaEndSec).toBeCloseTo(11.6, 9);
    r.record({ event: 'metrics:voice', payload: voice(0.2) });
    expect(r.mediaEndSec).toBeCloseTo(11.6, 9); // the newest window end, not the last received
  });

  it('stores fluency frames without a window, shifted onto session time', () => {
    const { r, rows, calls } = recorder();
    const f: FluencyFrame = { roomId: 'room', producerId: 'a1', mediaTimeSec: 30, serverTimeMs: 5, wpm30s: 140, wpmOverall: 135, articulationWpm: 160, fillerCount: 2, fillersPerMin: 1, repetitionCount: 0, hedgeCount: 1 };
    r.record({ event: 'metrics:fluency', payload: f });
    expect(rows.frames).toEqual([
      {
        sessionId: 's1',
        producerId: 'a1',
        kind: 'fluency',
        mediaTimeSec: 40,
        windowSec: null,
        serverTimeMs: 5,
        payload: { wpm30s: 140, wpmOverall: 135, articulationWpm: 160, fillerCount: 2, fillersPerMin: 1, repetitionCount: 0, hedgeCount: 1 },
      },
    ]);
    expect(calls).toEqual(['shift 30']);
    expect(r.mediaEndSec).toBe(0); // only voice windows extend the media length
  });

  it('places body frames by wall clock relative to the audio origin, and drops them before it exists', () => {
    const early = recorder();
    early.r.record({ event: 'metrics:body', payload: body(0, 1_700_000_001_000) });
    expect(early.rows.frames).toEqual([]);

    // Audio media time 0 was seen at …000 000; the first decoded video frame came out 2.5 s later at body time 0.5.
    const { r, rows } = recorder({ originSeenAtMs: 1_700_000_000_000 });
    r.record({ event: 'metrics:body', payload: body(0.5, null) }); // no frame: offset still unknown
    expect(rows.frames).toEqual([]);
    r.record({ event: 'metrics:body', payload: body(0.5, 1_700_000_002_500) });
    r.record({ event: 'metrics:body', payload: body(1.5, null) }); // the offset stays fixed
    expect(rows.frames.map((f) => [f.kind, f.producerId, f.mediaTimeSec, f.windowSec])).toEqual([
      ['body', 'v1', 2.5, 0.2],
      ['body', 'v1', 3.5, 0.2],
    ]);
    const frame = rows.frames[0]!;
    expect(frame.kind === 'body' && frame.payload.videoFrameAtMs).toBe(1_700_000_002_500);
    expect(frame.payload).not.toHaveProperty('roomId');
  });

  it('stores pauses, final caption words and disfluencies on session time; ignores partials and other events', () => {
    const { r, rows } = recorder();
    const messages: RoomMessage[] = [
      { event: 'metrics:pause', payload: { roomId: 'room', producerId: 'a1', startSec: 1, endSec: 2, durationSec: 1, serverTimeMs: 0 } },
      { event: 'captions:update', payload: { roomId: 'room', producerId: 'a1', kind: 'partial', segmentId: 1, text: 'hel', words: [{ word: 'hel', startSec: 3, endSec: 3.2, confidence: null }], engine: 'x', serverTimeMs: 0 } },
      { event: 'captions:update', payload: { roomId: 'room', producerId: 'a1', kind: 'final', segmentId: 1, text: 'hello there', words: [{ word: 'hello', startSec: 3, endSec: 3.4, confidence: 0.9 }, { word: 'there', startSec: 3.5, endSec: 3.9, confidence: null }], engine: 'x', serverTimeMs: 0 } },
      { event: 'fluency:event', payload: { roomId: 'room', producerId: 'a1', kind: 'filled-pause', text: 'um', startSec: 5, endSec: 5.4, serverTimeMs: 0 } },
      { event: 'analyzer:status', payload: { roomId: 'room', producerId: 'a1', state: 'running' } },
      { event: 'room:peer-left', payload: { peerId: 'x' } },
    ];
    for (const m of messages) r.record(m);
    expect(rows.pauses).toEqual([{ sessionId: 's1', producerId: 'a1', startSec: 11, endSec: 12, durationSec: 1 }]);
    expect(rows.words).toEqual([
      { sessionId: 's1', producerId: 'a1', segmentId: 1, word: 'hello', startSec: 13, endSec: 13.4, confidence: 0.9 },
      { sessionId: 's1', producerId: 'a1', segmentId: 1, word: 'there', startSec: 13.5, endSec: 13.9, confidence: null },
    ]);
    expect(rows.disfluencies).toEqual([{ sessionId: 's1', producerId: 'a1', kind: 'filled-pause', text: 'um', startSec: 15, endSec: 15.4 }]);
    expect(rows.frames).toEqual([]);
  });

  it('passes times of producers without a time base through unchanged', () => {
    const { r, rows } = recorder();
    r.record({ event: 'metrics:voice', payload: { ...voice(2), producerId: 'other' } });
    expect(rows.frames[0]!.mediaTimeSec).toBe(2);
    expect(r.mediaEndSec).toBeCloseTo(2.1, 9);
  });
});
