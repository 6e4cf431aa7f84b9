import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FilledPauseDetector } from './FilledPauseDetector.ts';
import type { FilledPause } from './FilledPauseTypes.ts';
import { requireSpeechDeps } from '../../../test/support/speechEngines.ts';
import { buildFilledPauseEvalSet, matchDetections, score, TESTDATA_DIR, type FilledPauseEvalSet } from '../../test/filledPauseEvalSet.ts';

const hasSox = (() => {
  try {
    execFileSync('sox', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const available = requireSpeechDeps('filled-pause evaluation tests', [
  ...(hasSox ? [] : ['sox']),
  ...(fs.existsSync(`${TESTDATA_DIR}/librivox`) ? [] : [`${TESTDATA_DIR}/librivox (pocketsphinx-testdata)`]),
]);

function detect(x: Float32Array, chunk = 1600): FilledPause[] {
  const d = new FilledPauseDetector();
  const out: FilledPause[] = [];
  for (let i = 0; i < x.length; i += chunk) out.push(...d.push(x.subarray(i, i + chunk), 3 + i / 16_000));
  out.push(...d.flush());
  return out.map((p) => ({ ...p, startSec: p.startSec - 3, endSec: p.endSec - 3 }));
}

// Real decoding on a loaded 2-core machine can take tens of seconds: allow 3 min per test.
describe.skipIf(!available)('FilledPauseDetector on hesitations spliced into real speech', { timeout: 180_000 }, () => {
  let set: FilledPauseEvalSet;
  beforeAll(() => {
    set = buildFilledPauseEvalSet({ tracksPerSplit: 2 });
  });

  it('finds the inserted hesitations (held-out nuclei) with recall ≥ 0.7 and precision ≥ 0.8', () => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const tr of set.tracks.filter((t) => t.split === 'test')) {
      const dets = detect(tr.samples);
      const m = matchDetections(dets, tr.insertions);
      tp += m.tp;
      fp += m.fp;
      fn += m.fn;
      for (const d of dets) {
        expect(d.endSec - d.startSec).toBeGreaterThanOrEqual(0.2);
        expect(d.confidence).toBeGreaterThanOrEqual(0);
        expect(d.confidence).toBeLessThanOrEqual(1);
        expect(Math.abs(d.f0SlopeStPerSec)).toBeLessThanOrEqual(6);
      }
    }
    const s = score(tp, fp, fn);
    expect(tp + fn).toBeGreaterThan(10);
    expect(s.recall).toBeGreaterThanOrEqual(0.7);
    expect(s.precision).toBeGreaterThanOrEqual(0.8);
  });

  it('stays quiet on fluent real speech (five LibriVox utterances and three other speakers)', () => {
    const normal = set.fluent.filter((f) => !f.name.includes('slow'));
    expect(normal.length).toBe(8);
    for (const f of normal) expect(detect(f.samples).map((d) => `${f.name}@${d.startSec.toFixed(2)}`)).toEqual([]);
  });

  it('gives the same result whatever the chunk size, and media time follows startSec', () => {
    const tr = set.tracks[0]!;
    const a = detect(tr.samples, 1600);
    const b = detect(tr.samples, 320);
    expect(b.map((d) => d.startSec)).toEqual(a.map((d) => d.startSec));
    expect(a.length).toBeGreaterThan(0);
    const d = new FilledPauseDetector();
    const out = [...d.push(tr.samples, 1000), ...d.flush()];
    expect(out.length).toBe(a.length);
    out.forEach((x, i) => expect(x.startSec - 1000).toBeCloseTo(a[i]!.startSec, 6));
  });
});

describe('FilledPauseDetector basics', () => {
  const tone = (sec: number, hz: number): Float32Array =>
    Float32Array.from({ length: Math.round(sec * 16_000) }, (_, i) => {
      const t = i / 16_000;
      // A vowel-like harmonic complex (falling spectrum) at a fixed F0.
      let v = 0;
      for (let h = 1; h <= 20; h++) v += Math.sin(2 * Math.PI * hz * h * t) / h;
      return 0.1 * v;
    });

  it('reports a steady 400 ms voiced sound between silences, not a 3 s one (too long to be a hesitation)', () => {
    const sil = new Float32Array(8000);
    const x = new Float32Array([...sil, ...tone(0.4, 140), ...sil]);
    const d = new FilledPauseDetector();
    const found = [...d.push(x, 0), ...d.flush()];
    expect(found.length).toBe(1);
    expect(found[0]!.startSec).toBeGreaterThan(0.45);
    expect(found[0]!.endSec).toBeLessThan(0.95);
    expect(found[0]!.f0Hz).toBeGreaterThan(130);
    expect(found[0]!.f0Hz).toBeLessThan(150);
    const long = new Float32Array([...sil, ...tone(3, 140), ...sil]);
    const d2 = new FilledPauseDetector();
    expect([...d2.push(long, 0), ...d2.flush()]).toEqual([]);
  });

  it('a media-time gap flushes the open run instead of bridging it', () => {
    const d = new FilledPauseDetector();
    const a = tone(0.15, 140);
    const out = [...d.push(a, 0), ...d.push(a, 5), ...d.flush()];
    expect(out).toEqual([]);
  });
});
