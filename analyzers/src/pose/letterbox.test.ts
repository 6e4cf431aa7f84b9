import { describe, expect, it } from 'vitest';
import { letterboxInto, letterboxRect, unletterbox } from './letterbox.ts';

describe('letterbox', () => {
  it('pads landscape frames top/bottom and portrait frames left/right', () => {
    expect(letterboxRect(640, 480, 192)).toEqual({ size: 192, offsetX: 0, offsetY: 24, width: 192, height: 144 });
    expect(letterboxRect(480, 640, 192)).toEqual({ size: 192, offsetX: 24, offsetY: 0, width: 144, height: 192 });
    expect(letterboxRect(1280, 720, 192)).toEqual({ size: 192, offsetX: 0, offsetY: 42, width: 192, height: 108 });
    expect(() => letterboxRect(0, 480, 192)).toThrow(RangeError);
  });

  it('maps square coordinates back to the original frame', () => {
    const rect = letterboxRect(480, 640, 192);
    expect(unletterbox(rect, 0.5, 0.5)).toEqual({ x: 0.5, y: 0.5 });
    const left = unletterbox(rect, 24 / 192, 0);
    expect(left.x).toBeCloseTo(0, 9);
    expect(unletterbox(rect, 168 / 192, 1).x).toBeCloseTo(1, 9);
    expect(unletterbox(rect, 0, 0).x).toBeLessThan(0); // padding maps outside 0–1
  });

  it('copies a frame of the scaled size and resamples others, padding with grey', () => {
    const w = 4, h = 2;
    const rgb = new Uint8Array(w * h * 3).map((_, i) => (i % 3 === 0 ? 200 : 10));
    const out = new Int32Array(4 * 4 * 3);
    const rect = letterboxRect(w, h, 4);
    letterboxInto(rgb, w, h, rect, out, 7);
    expect(rect).toEqual({ size: 4, offsetX: 0, offsetY: 1, width: 4, height: 2 });
    expect(out[0]).toBe(7); // top padding row
    expect(out[(1 * 4 + 0) * 3]).toBe(200);
    expect(out[(1 * 4 + 0) * 3 + 1]).toBe(10);
    expect(out[(3 * 4 + 3) * 3]).toBe(7); // bottom padding row
    const big = new Uint8Array(8 * 4 * 3).fill(100);
    const out2 = new Uint8Array(4 * 4 * 3);
    letterboxInto(big, 8, 4, letterboxRect(8, 4, 4), out2, 0);
    expect(out2[(1 * 4 + 2) * 3]).toBe(100);
    expect(() => letterboxInto(new Uint8Array(3), 4, 2, rect, out)).toThrow(RangeError);
  });
});
