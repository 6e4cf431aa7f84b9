import { describe, expect, it } from 'vitest';
import type { BodyFrame } from '@lectern/contract';
import { bodyWindowFromFrame, buildScoringInput } from './scoringInput.ts';
import { scoreSession } from './score.ts';

const m = (value: number | null, confidence: number) => ({ value, confidence });

function bodyFrame(t: number, present: boolean | null, conf = 0.9): BodyFrame {
  return {
    kind: 'body', roomId: 'r', producerId: 'v', mediaTimeSec: t, windowSec: 0.2, serverTimeMs: 0,
    videoFrameAtMs: 0, frameWidthPx: 640, frameHeightPx: 480, poseFresh: true, poseAgeMs: 0,
    presence: { value: present, confidence: 1 },
    shoulderTiltDeg: m(3, conf), headTiltDeg: m(1, conf), torsoLeanDeg: m(-4, conf), facingRatio: m(0.8, conf),
    headYawDeg: m(5, conf), gestureSwPerSec: m(0.6, conf), swaySw: m(0.02, conf), handsVisibleRatio: m(1, conf),
    keypoints: [],
  };
}

describe('scoring input converters', () => {
  it('flattens body frames, dropping low-confidence metrics and frames without a person', () => {
    expect(bodyWindowFromFrame(bodyFrame(1, true))).toEqual({
      mediaTimeSec: 1, shoulderTiltDeg: 3, torsoLeanDeg: -4, gestureSwPerSec: 0.6, facingRatio: 0.8,
    });
    expect(bodyWindowFromFrame(bodyFrame(1, true, 0.1)).shoulderTiltDeg).toBeNull();
    expect(bodyWindowFromFrame(bodyFrame(1, null)).facingRatio).toBeNull();
  });

  it('builds a scorable input from offline voice frames, pauses, words and the fluency summary', () => {
    const words = Array.from({ length: 100 }, (_, i) => ({ word: 'w', startSec: i * 0.4, endSec: i * 0.4 + 0.3, confidence: null }));
    const input = buildScoringInput({
      durationSec: 40,
      voiceFrames: Array.from({ length: 400 }, (_, i) => ({
        mediaTimeSec: i * 0.1, levelDbfs: -20 - (i % 7), f0Hz: 120 + (i % 20) * 3, isSpeech: true, pauseSec: 0,
      })),
      pauses: [{ startSec: 10, endSec: 10.6 }],
      words,
      fluency: { fillers: { count: 1, perMin: 1.5, items: [{ word: 'um', startSec: 5, endSec: 5.3, kind: 'filled-pause' }] } },
      bodyFrames: [0, 0.2, 0.4, 0.6, 0.8, 1].map((t) => bodyFrame(t, true)),
    });
    expect(input.fillers).toEqual([{ startSec: 5, endSec: 5.3, word: 'um' }]);
    expect(input.pauses).toEqual([{ startSec: 10, endSec: 10.6 }]);
    const r = scoreSession(input);
    expect(r.subscores.pace!.value.wpm).toBeCloseTo(100 / (39.9 / 60), 6);
    expect(r.subscores.posture!.value.meanTiltDeg).toBe(4);
    expect(r.overall).not.toBeNull();
  });
});
