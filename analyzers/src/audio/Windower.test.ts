import { describe, expect, it } from 'vitest';
import { Windower } from './Windower.ts';
import type { ClosedWindow } from './WindowerTypes.ts';

interface Seen {
  index: number;
  mediaTimeSec: number;
  first: number;
  last: number;
  filled: number;
  concealed: number;
  byTimer: boolean;
  sum: number;
}

function harness(options: { ringWindows?: number; closeHoldMs?: number; maxJumpSec?: number } = {}) {
  const seen: Seen[] = [];
  const w = new Windower({
    ...options,
    onWindow: (x: ClosedWindow) =>
      seen.push({
        index: x.index,
        mediaTimeSec: x.mediaTimeSec,
        first: x.samples[0]!,
        last: x.samples[x.samples.length - 1]!,
        filled: x.filledSamples,
        concealed: x.concealedPackets,
        byTimer: x.closedByTimer,
        sum: x.samples.reduce((a, b) => a + b, 0),
      }),
  });
  return { w, seen };
}

const ones = (n: number, v = 1): Float32Array => new Float32Array(n).fill(v);

describe('Windower', () => {
  it('closes 100 ms windows (1600 samples at 16 kHz) as packets fill them', () => {
    const { w, seen } = harness();
    expect(w.windowSamples).toBe(1600);
    for (let i = 0; i < 10; i++) w.write(i * 320, ones(320, i + 1), { arrivalMs: i * 20 });
    expect(seen.map((s) => s.index)).toEqual([0, 1]);
    expect(seen[1]!.mediaTimeSec).toBeCloseTo(0.1, 12);
    expect(seen[0]!.sum).toBe(320 * (1 + 2 + 3 + 4 + 5));
    expect(seen[0]!.filled).toBe(1600);
  });

  it('fills a DTX gap with silence and emits every window across it', () => {
    const { w, seen } = harness();
    w.write(0, ones(320), { arrivalMs: 0 });
    // next packet 400 ms of media later (timestamps jumped, as after Opus DTX)
    w.write(6400, ones(320, 2), { arrivalMs: 400 });
    expect(seen.map((s) => s.index)).toEqual([0, 1, 2, 3]);
    expect(seen[0]!.sum).toBe(320);
    expect(seen[1]!.sum).toBe(0);
    expect(seen[3]!.filled).toBe(0);
    w.write(6720, ones(1280, 2), { arrivalMs: 420 });
    expect(seen.at(-1)!.index).toBe(4);
    expect(seen.at(-1)!.sum).toBe(1600 * 2);
  });

  it('closes windows on the timer when packets stop, after the hold time', () => {
    const { w, seen } = harness({ closeHoldMs: 80 });
    w.write(0, ones(320), { arrivalMs: 1000 }); // 0–20 ms of media arrived at t=1000
    w.tick(1150); // media now ≈ 20 + 150 − 80 = 90 ms < 100 ms
    expect(seen).toHaveLength(0);
    w.tick(1160); // ≈ 100 ms → window 0 due
    expect(seen.map((s) => [s.index, s.byTimer])).toEqual([[0, true]]);
    expect(seen[0]!.sum).toBe(320);
    w.tick(1460); // ≈ 400 ms → windows 1, 2, 3
    expect(seen.map((s) => s.index)).toEqual([0, 1, 2, 3]);
    expect(w.stats.windowsClosedByTimer).toBe(4);
    // a packet for an already closed window is dropped as late; later ones land normally
    w.write(4800, ones(320), { arrivalMs: 1470 });
    expect(w.stats.lateSamples).toBe(320);
    w.write(6400, ones(1600, 3), { arrivalMs: 1480 });
    expect(seen.at(-1)).toMatchObject({ index: 4, byTimer: false, sum: 1600 * 3 });
  });

  it('does nothing on tick before the first packet', () => {
    const { w, seen } = harness();
    expect(w.tick(1e9)).toBe(0);
    expect(seen).toHaveLength(0);
  });

  it('lets later samples overwrite concealment in the open window and counts concealed packets', () => {
    const { w, seen } = harness();
    w.write(0, ones(320), { arrivalMs: 0 });
    w.write(320, ones(320, 0.5), { concealed: true });
    w.write(320, ones(320, 2), { arrivalMs: 40 }); // the real packet after all
    w.write(640, ones(960, 1), { arrivalMs: 60 });
    expect(seen[0]).toMatchObject({ concealed: 1, sum: 320 + 640 + 960, filled: 1600 });
  });

  it('places samples by position, splitting across windows, and drops the past', () => {
    const { w, seen } = harness();
    w.write(1500, ones(200, 1), { arrivalMs: 0 });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ index: 0, first: 0, last: 1 });
    w.write(-100, ones(200), { arrivalMs: 1 }); // entirely in the past
    expect(w.stats.lateSamples).toBe(200);
  });

  it('re-anchors the timeline on a timestamp discontinuity instead of emitting minutes of silence', () => {
    const { w, seen } = harness({ maxJumpSec: 5 });
    w.write(0, ones(1600), { arrivalMs: 0 });
    // 100 ms later the timestamp has jumped by an hour: it continues where the wall clock says
    w.write(16000 * 3600, ones(1600), { arrivalMs: 100 });
    expect(w.stats.discontinuities).toBe(1);
    expect(seen.map((s) => [s.index, s.sum])).toEqual([[0, 1600], [1, 0], [2, 1600]]);
    w.write(16000 * 3600 + 1600, ones(1600), { arrivalMs: 200 });
    expect(seen.map((s) => s.index)).toEqual([0, 1, 2, 3]);
    expect(w.stats.discontinuities).toBe(1);
  });

  it('offline: append + flush cover every sample exactly once, zero-padding the tail', () => {
    const { w, seen } = harness();
    for (let i = 0; i < 7; i++) w.append(ones(700));
    expect(seen).toHaveLength(3); // 4900 samples → 3 full windows
    expect(w.flush()).toBe(true);
    expect(seen).toHaveLength(4);
    expect(seen.reduce((a, s) => a + s.sum, 0)).toBe(4900);
    expect(w.flush()).toBe(false);
  });

  it('reuses a fixed ring of preallocated slots', () => {
    const views = new Set<ArrayBuffer>();
    const w = new Windower({ ringWindows: 4, onWindow: (x) => views.add(x.samples.buffer as ArrayBuffer) });
    for (let i = 0; i < 40; i++) w.append(ones(1600));
    expect(views.size).toBe(1); // every window is a view into one ring buffer
    expect(w.capacityWindows).toBe(4);
  });
});
