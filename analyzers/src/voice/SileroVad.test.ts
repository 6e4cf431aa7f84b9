import { beforeAll, describe, expect, it } from 'vitest';
import { loadTruth, speech16k } from '../../test/fixtures.ts';
import { SileroVad } from './SileroVad.ts';

describe('SileroVad / SileroVadStream', () => {
  let model: SileroVad;
  beforeAll(async () => {
    model = await SileroVad.shared();
  }, 60_000);

  it('is one shared instance per process', async () => {
    expect(await SileroVad.shared()).toBe(model);
    expect(model.engine).toMatch(/Silero VAD .*onnxruntime-node/);
  });

  it('runs 512-sample chunks across window boundaries (3 or 4 per 100 ms window)', async () => {
    const s = model.createStream();
    const counts: number[] = [];
    for (let i = 0; i < 16; i++) counts.push((await s.process(new Float32Array(1600))).length);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(Math.floor((16 * 1600) / 512));
    expect(new Set(counts)).toEqual(new Set([3, 4]));
    expect(s.pendingSamples).toBe((16 * 1600) % 512);
  });

  it('separates the fixture\'s speech from its inserted silences', async () => {
    const truth = loadTruth();
    const pcm = speech16k();
    const s = model.createStream();
    const speech: number[] = [];
    const silence: number[] = [];
    for (let w = 0; (w + 1) * 1600 <= pcm.length; w++) {
      for (const c of await s.process(pcm.subarray(w * 1600, (w + 1) * 1600))) {
        const t = (w * 1600 + c.endOffset - 256) / 16000; // chunk centre
        if (truth.segments.some((g) => t > g.startSec + 0.2 && t < g.endSec - 0.2)) speech.push(c.prob);
        if (truth.insertedPauses.some((p) => t > p.startSec + 0.2 && t < p.endSec - 0.2)) silence.push(c.prob);
      }
    }
    const avg = (a: number[]): number => a.reduce((x, y) => x + y, 0) / a.length;
    expect(avg(speech)).toBeGreaterThan(0.7);
    expect(Math.max(...silence)).toBeLessThan(0.2);
  }, 60_000);

  it('keeps per-stream state: interleaved streams on the shared session match separate runs', async () => {
    const pcm = speech16k().subarray(8 * 16000, 12 * 16000);
    const silent = new Float32Array(pcm.length);
    const alone = model.createStream();
    const expected: number[] = [];
    for (let i = 0; i + 1600 <= pcm.length; i += 1600) expected.push(...(await alone.process(pcm.subarray(i, i + 1600))).map((c) => c.prob));
    const a = model.createStream();
    const b = model.createStream();
    const got: number[] = [];
    for (let i = 0; i + 1600 <= pcm.length; i += 1600) {
      const [ra] = await Promise.all([a.process(pcm.subarray(i, i + 1600)), b.process(silent.subarray(i, i + 1600))]);
      got.push(...ra.map((c) => c.prob));
    }
    expect(got).toEqual(expected);
  }, 60_000);

  it('refuses overlapping calls on one stream', async () => {
    const s = model.createStream();
    const first = s.process(new Float32Array(1600));
    await expect(s.process(new Float32Array(1600))).rejects.toThrow(/concurrently/);
    await first;
  });
});
