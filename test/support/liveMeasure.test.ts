import type { CaptionEvent, CaptionWord, VoiceFrame } from '@lectern/contract';
import { describe, expect, it } from 'vitest';
import { captionWordLags } from './liveMeasure.ts';
import type { RoomObserver } from './observer.ts';

const T0 = 1_000_000; // wall ms of media time 0 at the server
const word = (w: string, startSec: number, endSec: number): CaptionWord => ({ word: w, startSec, endSec, confidence: null });

/** Voice frames of producer `p` for media [0, untilSec), closed `closeDelayMs(t)` after their end. */
function frames(p: string, untilSec: number, closeDelayMs: (endSec: number) => number) {
  const out = [];
  for (let k = 0; k * 0.1 < untilSec - 1e-9; k++) {
    const endSec = (k + 1) * 0.1;
    const serverTimeMs = T0 + endSec * 1000 + closeDelayMs(endSec);
    out.push({ frame: { producerId: p, mediaTimeSec: k * 0.1, windowSec: 0.1, serverTimeMs } as VoiceFrame, receivedAtMs: serverTimeMs + 2 });
  }
  return out;
}

function caption(kind: 'partial' | 'final', segmentId: number, words: CaptionWord[], committedWords: number | undefined, serverTimeMs: number) {
  const caption: CaptionEvent = { roomId: 'r', producerId: 'p', kind, segmentId, text: words.map((w) => w.word).join(' '), words, committedWords, engine: 'pocketsphinx', serverTimeMs };
  return { caption, receivedAtMs: serverTimeMs + 3 };
}

const observer = (f: RoomObserver['frames'], c: RoomObserver['captions']) => ({ frames: f, captions: c }) as unknown as RoomObserver;

describe('captionWordLags', () => {
  it('counts each word once, at the caption that committed it, against the wall time of its own voice frame', () => {
    const f = frames('p', 10, () => 20); // windows close 20 ms after their end
    const c = [
      caption('partial', 0, [word('he', 0.5, 0.75)], 0, T0 + 1100),
      caption('partial', 0, [word('he', 0.5, 0.75), word('wuz', 0.8, 1.05)], 1, T0 + 1400), // "he" committed
      caption('partial', 0, [word('he', 0.5, 0.75), word('was', 0.8, 1.05)], 1, T0 + 1700),
      caption('final', 0, [word('he', 0.5, 0.75), word('was', 0.8, 1.05)], undefined, T0 + 2000), // "was" committed
    ];
    const r = captionWordLags(observer(f, c), 0, Number.POSITIVE_INFINITY);
    // Wall time of a word's end = its window's serverTimeMs − rest of the window = T0 + end + 20.
    expect(r.commitLagsMs.map(Math.round)).toEqual([1400 - 770, 2000 - 1070]);
    // "was" first appeared at its position at 1700 ms ("wuz" before it does not count).
    expect(r.firstShownLagsMs.map(Math.round)).toEqual([1100 - 770, 1700 - 1070]);
    expect(r.committedBy).toEqual({ partial: 1, final: 1 });
    expect(r.mappedByFallback).toBe(0);
  });

  it('maps through the frame holding the word end, not the recent median offset, and only the caption producer\'s frames', () => {
    // The server's offset grows by 300 ms at 5 s (windows closed late from then on); another
    // producer's frames with a different media clock are mixed into the room.
    const f = [...frames('p', 9, (e) => (e > 5 ? 320 : 20)), ...frames('q', 9, () => 5000)].sort((a, b) => a.receivedAtMs - b.receivedAtMs);
    const c = [caption('final', 0, [word('early', 2.0, 2.4)], undefined, T0 + 8000)];
    const r = captionWordLags(observer(f, c), 0, Number.POSITIVE_INFINITY);
    expect(Math.round(r.commitLagsMs[0]!)).toBe(8000 - 2420);
    // The old rule (median of the last 51 frames of the room before the caption) was 300 ms off.
    expect(Math.round(r.mappingDeltaMs[0]!)).toBeGreaterThanOrEqual(300);
  });

  it('keeps words committed outside [fromMs, toMs] out, and counts a committed word only once', () => {
    const f = frames('p', 5, () => 10);
    const c = [
      caption('partial', 0, [word('a', 0.1, 0.3)], 1, T0 + 500),
      caption('final', 0, [word('a', 0.1, 0.3), word('b', 0.4, 0.6)], undefined, T0 + 2500),
      caption('final', 0, [word('a', 0.1, 0.3), word('b', 0.4, 0.6)], undefined, T0 + 2600), // repeated final
    ];
    const r = captionWordLags(observer(f, c), T0 + 1000, T0 + 3000);
    expect(r.commitLagsMs.map(Math.round)).toEqual([2500 - 610]);
  });
});
