import { describe, expect, it } from 'vitest';
import type { Keypoint } from '@lectern/contract';
import { type AnalysedFrame, type InferenceResult, PoseScheduler, type VideoFrame } from './PoseScheduler.ts';

const KP: Keypoint[] = [{ name: 'nose', x: 0.5, y: 0.5, score: 0.9 }];

function frame(monoMs: number, value: number): VideoFrame {
  return { rgb: new Uint8Array(16 * 16 * 3).fill(value), width: 16, height: 16, atMs: monoMs, monoMs };
}

/** A controllable fake engine: each call waits until `release()`. */
function fakeEngine() {
  const waiting: (() => void)[] = [];
  let calls = 0;
  const infer = (): Promise<InferenceResult> =>
    new Promise((resolve) => {
      calls++;
      waiting.push(() => resolve({ keypoints: KP, inferMs: 30 }));
    });
  return { infer, release: () => waiting.shift()?.(), get calls() { return calls; }, get waiting() { return waiting.length; } };
}
const tick = () => new Promise((r) => setImmediate(r));

describe('PoseScheduler', () => {
  it('infers changed frames and reuses the pose for unchanged ones (motion gating)', async () => {
    const engine = fakeEngine();
    const out: AnalysedFrame[] = [];
    const s = new PoseScheduler({ infer: engine.infer, onAnalysed: (a) => out.push(a) });
    s.addStream('a');
    s.push('a', frame(0, 10));
    engine.release();
    await tick();
    s.push('a', frame(200, 10)); // identical → gated
    s.push('a', frame(400, 90)); // changed → inferred
    engine.release();
    await tick();
    expect(out.map((a) => [a.frame.monoMs, a.fresh, a.poseMonoMs])).toEqual([[0, true, 0], [200, false, 0], [400, true, 400]]);
    expect(s.stats('a')).toMatchObject({ framesIn: 3, framesInferred: 2, framesGated: 1, framesDroppedStale: 0 });
  });

  it('re-infers an unchanged scene once the pose is older than maxPoseAgeMs', async () => {
    const engine = fakeEngine();
    const out: AnalysedFrame[] = [];
    const s = new PoseScheduler({ infer: engine.infer, onAnalysed: (a) => out.push(a), maxPoseAgeMs: 1000 });
    s.addStream('a');
    for (let t = 0; t <= 1200; t += 200) {
      s.push('a', frame(t, 10));
      engine.release();
      await tick();
    }
    expect(out.filter((a) => a.fresh).map((a) => a.frame.monoMs)).toEqual([0, 1000]);
  });

  it('keeps one pending frame per stream and drops the stale ones while inference is busy', async () => {
    const engine = fakeEngine();
    const out: AnalysedFrame[] = [];
    const s = new PoseScheduler({ infer: engine.infer, onAnalysed: (a) => out.push(a) });
    s.addStream('a');
    s.push('a', frame(0, 10)); // in flight
    s.push('a', frame(200, 20));
    s.push('a', frame(400, 30));
    s.push('a', frame(600, 40)); // only this one survives
    expect(engine.waiting).toBe(1);
    engine.release();
    await tick();
    engine.release();
    await tick();
    expect(out.map((a) => a.frame.monoMs)).toEqual([0, 600]);
    expect(s.stats('a')!.framesDroppedStale).toBe(2);
  });

  it('takes streams in turn so a busy stream cannot starve another', async () => {
    const engine = fakeEngine();
    const order: string[] = [];
    const s = new PoseScheduler({ infer: engine.infer, onAnalysed: (a) => order.push(a.streamId), disableGating: true });
    s.addStream('a');
    s.addStream('b');
    s.push('a', frame(0, 1));
    s.push('b', frame(0, 1));
    s.push('a', frame(200, 2));
    for (let i = 0; i < 3; i++) {
      engine.release();
      await tick();
    }
    expect(order).toEqual(['a', 'b', 'a']);
  });

  it('reports a failed inference with the previous pose and carries on', async () => {
    let fail = false;
    const out: AnalysedFrame[] = [];
    const errors: unknown[] = [];
    const s = new PoseScheduler({
      infer: async () => {
        if (fail) throw new Error('boom');
        return { keypoints: KP, inferMs: 1 };
      },
      onAnalysed: (a) => out.push(a),
      onError: (_id, e) => errors.push(e),
    });
    s.addStream('a');
    s.push('a', frame(0, 10));
    await tick();
    fail = true;
    s.push('a', frame(200, 99));
    await tick();
    expect(out[1]).toMatchObject({ fresh: false, keypoints: KP, poseMonoMs: 0 });
    expect(errors).toHaveLength(1);
    s.removeStream('a');
    s.push('a', frame(400, 1)); // ignored
    expect(out).toHaveLength(2);
  });
});

describe('PoseScheduler inference budget', () => {
  it('caps inferences under continuous motion to the per-stream budget', async () => {
    const out: AnalysedFrame[] = [];
    // 40 ms per inference, budget 80 ms/s, burst 100 ms → after the burst ≈ 2 inferences per second.
    const s = new PoseScheduler({
      infer: async () => ({ keypoints: KP, inferMs: 40 }),
      onAnalysed: (a) => out.push(a),
      budgetMsPerSec: 80,
      budgetBurstMs: 100,
      disableGating: true, // every frame counts as changed: only the budget decides
    });
    s.addStream('a');
    for (let i = 0; i < 50; i++) {
      s.push('a', frame(i * 200, 10)); // 10 s at 5 fps
      await tick();
    }
    const st = s.stats('a')!;
    expect(st.framesInferred + st.framesOverBudget).toBe(50);
    expect(st.framesInferred).toBeGreaterThanOrEqual(20);
    expect(st.framesInferred).toBeLessThanOrEqual(25);
    expect(out.filter((a) => !a.fresh).every((a) => a.keypoints === KP)).toBe(true);
  });

  it('is unlimited with budget 0', async () => {
    const s = new PoseScheduler({ infer: async () => ({ keypoints: KP, inferMs: 500 }), onAnalysed: () => {}, budgetMsPerSec: 0 });
    s.addStream('a');
    for (let i = 0; i < 10; i++) {
      s.push('a', frame(i * 200, i % 2 ? 10 : 200));
      await tick();
    }
    expect(s.stats('a')!.framesInferred).toBe(10);
  });

  it('charges CPU time, not wall time, and never lets a pose get older than maxPoseAgeMs', async () => {
    const s = new PoseScheduler({
      // Slow on the wall clock (a loaded machine) but cheap in CPU: the budget follows CPU.
      infer: async () => ({ keypoints: KP, inferMs: 900, cpuMs: 20 }),
      onAnalysed: () => {},
      budgetMsPerSec: 80,
      disableGating: true,
    });
    s.addStream('a');
    for (let i = 0; i < 25; i++) {
      s.push('a', frame(i * 200, 10));
      await tick();
    }
    expect(s.stats('a')!.framesInferred).toBeGreaterThanOrEqual(20);

    const out: AnalysedFrame[] = [];
    const costly = new PoseScheduler({ infer: async () => ({ keypoints: KP, inferMs: 5000, cpuMs: 5000 }), onAnalysed: (a) => out.push(a), maxPoseAgeMs: 1000, disableGating: true });
    costly.addStream('a');
    for (let i = 0; i < 26; i++) {
      costly.push('a', frame(i * 200, 10));
      await tick();
    }
    // The budget is exhausted after the first inference, yet the pose is refreshed about every second.
    expect(out.filter((a) => a.fresh).map((a) => a.frame.monoMs)).toEqual([0, 1000, 2000, 3000, 4000, 5000]);
    expect(Math.max(...out.map((a) => a.frame.monoMs - (a.poseMonoMs ?? 0)))).toBeLessThanOrEqual(1000);
  });
});
