import { describe, expect, it } from 'vitest';
import { MotionGate } from './MotionGate.ts';

/** A grey 192² frame with a bright square at (x, y). */
function frame(x: number, y: number, side = 24, noise = 0, bright = 220): Uint8Array {
  const rgb = new Uint8Array(192 * 192 * 3).fill(100);
  let s = 7;
  for (let i = 0; i < rgb.length; i++) if (noise) rgb[i] = 100 + ((s = (s * 69069 + 1) >>> 0) % (2 * noise + 1)) - noise;
  for (let r = y; r < y + side; r++) for (let c = x; c < x + side; c++) rgb.fill(bright, (r * 192 + c) * 3, (r * 192 + c) * 3 + 3);
  return rgb;
}

describe('MotionGate', () => {
  it('counts a frame as changed when there is no reference', () => {
    expect(new MotionGate().compare(frame(10, 10), 192, 192).changed).toBe(true);
  });

  it('ignores sensor-like noise and flags a small moving object', () => {
    const gate = new MotionGate();
    gate.setReference(frame(40, 40, 24, 8), 192, 192);
    const same = gate.compare(frame(40, 40, 24, 8), 192, 192);
    expect(same.changed).toBe(false);
    expect(same.changedShare).toBe(0);
    // A hand-sized object moving 16 px changes a few percent of the 24×24 cells.
    const moved = gate.compare(frame(56, 40, 24, 8), 192, 192);
    expect(moved.changed).toBe(true);
    expect(moved.changedShare).toBeGreaterThan(0.01);
  });

  it('does not trigger on a global change of a level or two', () => {
    const gate = new MotionGate();
    const a = frame(40, 40);
    gate.setReference(a, 192, 192);
    const brighter = a.map((v) => Math.min(255, v + 2));
    expect(gate.compare(brighter, 192, 192).changed).toBe(false);
    expect(gate.compare(brighter, 192, 192).meanAbsDiff).toBeGreaterThan(1.5);
  });

  it('accumulates slow drift against the reference', () => {
    const gate = new MotionGate();
    // A soft edge (contrast 60) moving 1 px is below keypoint jitter; 12 px is not.
    gate.setReference(frame(40, 40, 24, 0, 160), 192, 192);
    expect(gate.compare(frame(41, 40, 24, 0, 160), 192, 192).changed).toBe(false);
    expect(gate.compare(frame(52, 40, 24, 0, 160), 192, 192).changed).toBe(true);
    gate.reset();
    expect(gate.hasReference).toBe(false);
  });
});
