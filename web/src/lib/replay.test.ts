import { describe, expect, it } from 'vitest';
import type { MediaObject, SessionDetail, Timeline, TimelineFrame } from '#lib/api/types.ts';
import { buildReplay, lastStartingBefore, pickRecording } from './replay.ts';

const recording = (over: Partial<MediaObject>): MediaObject => ({
  id: 'm',
  kind: 'recording',
  contentType: 'video/webm',
  state: 'uploaded',
  bytes: 1,
  durationSec: null,
  hasAudio: true,
  hasVideo: true,
  mediaTimeOriginSec: null,
  error: null,
  createdAt: '2025-01-01T00:00:00Z',
  uploadedAt: null,
  ...over,
});

const session = (over: Partial<SessionDetail> = {}): SessionDetail =>
  ({ mediaObjects: [], mediaTimeOriginSec: null, mediaDurationSec: null, ...over }) as SessionDetail;

/** A stored frame (payloads are partial: `buildReplay` reads only the fields it charts). */
const frame = (kind: 'voice' | 'fluency' | 'body', mediaTimeSec: number, payload: Record<string, unknown>, producerId = kind[0]!, windowSec: number | null = kind === 'voice' ? 0.1 : kind === 'body' ? 0.2 : null): TimelineFrame =>
  ({ kind, producerId, mediaTimeSec, windowSec, serverTimeMs: 0, payload }) as unknown as TimelineFrame;

const timeline = (over: Partial<Timeline> = {}): Timeline => ({ frames: [], pauses: [], words: [], disfluencies: [], comments: [], ...over });

describe('pickRecording', () => {
  it('takes the newest uploaded recording, else the newest recording, never another kind', () => {
    const a = recording({ id: 'a', state: 'uploaded' });
    const b = recording({ id: 'b', state: 'uploaded' });
    const c = recording({ id: 'c', state: 'spooled' });
    const thumb = recording({ id: 't', kind: 'thumbnail', state: 'uploaded' });
    expect(pickRecording(session({ mediaObjects: [a, b, c, thumb] }))?.id).toBe('b');
    expect(pickRecording(session({ mediaObjects: [c, recording({ id: 'd', state: 'failed' }), thumb] }))?.id).toBe('d');
    expect(pickRecording(session({ mediaObjects: [thumb] }))).toBeNull();
  });
});

describe('buildReplay', () => {
  it('puts voice frames of the main audio producer on the recording clock, with a null gap where frames are missing', () => {
    const frames = [
      frame('voice', 0, { levelDbfs: -30, f0Hz: 100 }),
      frame('voice', 0.1, { levelDbfs: -31, f0Hz: null }),
      frame('voice', 0.1, { levelDbfs: -99, f0Hz: 999 }), // duplicate window: dropped
      frame('voice', 2.1, { levelDbfs: -32, f0Hz: 120, speakingRatio: 0.6 }), // 2 s gap > 5 windows of 0.1 s
      frame('voice', 0.5, { levelDbfs: -10, f0Hz: 300 }, 'other'), // a second producer with fewer frames
    ];
    const r = buildReplay(session({ mediaTimeOriginSec: 1.5 }), timeline({ frames }));
    expect(r.originSec).toBe(1.5);
    expect(r.voice.x).toEqual([1.5, 1.6, 2.6, 3.6]);
    expect(r.voice.ys).toEqual([
      [-30, -31, null, -32],
      [100, null, null, 120],
    ]);
    expect(r.summary.speakingRatio).toBe(0.6);
    expect(r.summary.medianF0Hz).toBe(110); // median of 100 and 120 (unvoiced and gaps excluded)
    expect(r.fluency).toBeNull();
    expect(r.posture).toBeNull();
  });

  it('takes the origin from the session, else the recording, else the timeline, else 0', () => {
    const frames = [frame('voice', 1, { levelDbfs: -30, f0Hz: null })];
    const rec = recording({ mediaTimeOriginSec: 0.25 });
    expect(buildReplay(session({ mediaTimeOriginSec: 2, mediaObjects: [rec] }), timeline({ frames })).voice.x).toEqual([3]);
    expect(buildReplay(session({ mediaObjects: [rec] }), timeline({ frames, mediaTimeOriginSec: 9 })).voice.x).toEqual([1.25]);
    expect(buildReplay(session(), timeline({ frames, mediaTimeOriginSec: 9 })).voice.x).toEqual([10]);
    expect(buildReplay(session(), timeline({ frames })).voice.x).toEqual([1]);
  });

  it('charts fluency only with a pace, and posture from measured values', () => {
    const r = buildReplay(
      session(),
      timeline({
        frames: [
          frame('fluency', 1, { wpm30s: null, fillerCount: 0 }),
          frame('fluency', 2, { wpm30s: 140, fillerCount: 1, wpmOverall: 130, articulationWpm: 150, fillersPerMin: 2.5 }),
          frame('body', 1, { torsoLeanDeg: { value: 4, confidence: 0.9 }, shoulderTiltDeg: { value: null, confidence: 0 } }),
          frame('body', 1.2, { torsoLeanDeg: 5, shoulderTiltDeg: 'bad' }),
        ],
      }),
    );
    expect(r.fluency?.x).toEqual([1, 2]);
    expect(r.fluency?.ys).toEqual([
      [null, 140],
      [0, 1],
    ]);
    expect(r.posture?.ys).toEqual([
      [4, 5],
      [null, null],
    ]);
    expect(r.summary).toMatchObject({ wpmOverall: 130, articulationWpm: 150, fillerCount: 1, fillersPerMin: 2.5 });
    // No voice frames and no pauses: pauses were not measured at all.
    expect(r.summary.pauseCount).toBeNull();
  });

  it('shifts pauses, words, disfluencies and comments, splits fillers from other disfluencies and groups words by segment', () => {
    const w = (segmentId: number, word: string, startSec: number, endSec: number) => ({ producerId: 'a', segmentId, word, startSec, endSec, confidence: null });
    const r = buildReplay(
      session({ mediaTimeOriginSec: 10 }),
      timeline({
        frames: [frame('voice', 0, { levelDbfs: -30, f0Hz: null })],
        pauses: [
          { producerId: 'a', startSec: 1, endSec: 1.5, durationSec: 0.5 },
          { producerId: 'a', startSec: 4, endSec: 6, durationSec: 2 },
        ],
        words: [w(0, 'so', 0, 0.3), w(0, 'um', 0.4, 0.7), w(0, 'hello', 0.8, 1.0), w(1, 'again', 2, 2.4)],
        disfluencies: [
          { producerId: 'a', kind: 'lexical-filler', text: 'um', startSec: 0.4, endSec: 0.7 },
          { producerId: 'a', kind: 'repetition', text: 'the the', startSec: 3, endSec: 3.5 },
        ],
        comments: [{ id: 'c1', mediaTimeSec: 2, text: 'Slow down', authorPeerId: 'p', authorName: 'Coach', createdAt: '' }],
      }),
    );
    expect(r.pauses.map((p) => [p.startSec, p.endSec])).toEqual([
      [11, 11.5],
      [14, 16],
    ]);
    expect(r.summary.pauseCount).toBe(2);
    expect(r.summary.longestPauseSec).toBe(2);
    expect(r.fillers.map((f) => [f.text, f.startSec])).toEqual([['um', 10.4]]);
    expect(r.otherDisfluencies.map((f) => f.kind)).toEqual(['repetition']);
    expect(r.comments).toEqual([{ id: 'c1', atSec: 12, text: 'Slow down', authorName: 'Coach' }]);
    expect(r.wordCount).toBe(4);
    expect(r.segments.map((s) => [s.id, s.startSec, s.tokens.map((t) => t.text)])).toEqual([
      [0, 10, ['so', 'um', 'hello']],
      [1, 12, ['again']],
    ]);
    expect(r.segments[0]!.tokens[1]!.filler?.kind).toBe('lexical-filler');
    expect(r.segments[0]!.tokens[0]!.filler).toBeNull();
    // No fluency frame: fillers are counted from the events; 2.4 s of speech is too short for rates.
    expect(r.summary.fillerCount).toBe(1);
    expect(r.summary.wpmOverall).toBeNull();
    expect(r.summary.fillersPerMin).toBeNull();
  });

  it('derives the pace from the words when no fluency frame has one (over more than 5 s of speech)', () => {
    const words = Array.from({ length: 20 }, (_, i) => ({ producerId: 'a', segmentId: 0, word: `w${i}`, startSec: i * 0.5, endSec: i * 0.5 + 0.4, confidence: null }));
    const r = buildReplay(session(), timeline({ words }));
    // 20 words over 9.9 s of media.
    expect(r.summary.wpmOverall).toBeCloseTo((20 / 9.9) * 60, 6);
    expect(r.summary.fillerCount).toBe(0);
    expect(r.summary.fillersPerMin).toBe(0);
    expect(r.summary.pauseCount).toBeNull();
  });

  it('ends the chart at the playable length, else the stored length, else the data (at least 1 s)', () => {
    const frames = [frame('voice', 4, { levelDbfs: -30, f0Hz: null })];
    const withRec = session({ mediaTimeOriginSec: 0.5, mediaDurationSec: 7, mediaObjects: [recording({ durationSec: 12 })] });
    expect(buildReplay(withRec, timeline({ frames }), 20).endSec).toBe(20);
    expect(buildReplay(withRec, timeline({ frames })).endSec).toBe(12);
    expect(buildReplay(session({ mediaTimeOriginSec: 0.5, mediaDurationSec: 7 }), timeline({ frames })).endSec).toBe(7.5);
    expect(buildReplay(session(), timeline({ frames })).endSec).toBe(4);
    expect(buildReplay(session(), timeline()).endSec).toBe(1);
  });
});

describe('lastStartingBefore', () => {
  const items = [0, 1, 1, 3, 7].map((startSec) => ({ startSec }));
  it('finds the last item starting at or before t', () => {
    expect(lastStartingBefore(items, -0.1)).toBe(-1);
    expect(lastStartingBefore(items, 0)).toBe(0);
    expect(lastStartingBefore(items, 1)).toBe(2);
    expect(lastStartingBefore(items, 2.9)).toBe(2);
    expect(lastStartingBefore(items, 3)).toBe(3);
    expect(lastStartingBefore(items, 100)).toBe(4);
    expect(lastStartingBefore([], 5)).toBe(-1);
  });
});
