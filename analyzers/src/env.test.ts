import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { EnvConfigError, readAnalyzerEnv } from './env.ts';

describe('readAnalyzerEnv', () => {
  it('gives the documented defaults for an empty environment (unset and "" alike)', () => {
    const d = readAnalyzerEnv({ LECTERN_POSE_BUDGET_MS: '' });
    expect(d).toEqual({
      LECTERN_ASR_ENGINE: undefined,
      LECTERN_ASR_NICE: 10,
      LECTERN_ASR_THREADS: Math.min(64, os.availableParallelism()),
      LECTERN_POSE_RUNTIME: 'auto',
      LECTERN_POSE_BUDGET_MS: 55,
      LECTERN_POSE_NICE: 10,
      LECTERN_POSE_GATING: true,
      LECTERN_MOVENET_MODEL: undefined,
      LECTERN_MODELS_DIR: undefined,
      LECTERN_MODELS_MIRROR: undefined,
      LECTERN_CAPTION_COMMIT: 'stable',
      LECTERN_CAPTION_STABLE_PARTIALS: 2,
      LECTERN_CAPTION_STABLE_MS: 400,
      LECTERN_REPORT_ASR_PRESET: 'auto',
    });
  });

  it('parses valid values', () => {
    const e = readAnalyzerEnv({ LECTERN_POSE_BUDGET_MS: '0', LECTERN_POSE_GATING: '0', LECTERN_ASR_NICE: '19', LECTERN_POSE_RUNTIME: 'tfjs', LECTERN_ASR_ENGINE: 'none' });
    expect([e.LECTERN_POSE_BUDGET_MS, e.LECTERN_POSE_GATING, e.LECTERN_ASR_NICE, e.LECTERN_POSE_RUNTIME, e.LECTERN_ASR_ENGINE]).toEqual([0, false, 19, 'tfjs', 'none']);
  });

  it('LECTERN_ASR_THREADS: 1–64 threads, default the cores available', () => {
    expect(readAnalyzerEnv({ LECTERN_ASR_THREADS: '3' }).LECTERN_ASR_THREADS).toBe(3);
    expect(readAnalyzerEnv({}).LECTERN_ASR_THREADS).toBeGreaterThanOrEqual(1);
    expect(() => readAnalyzerEnv({ LECTERN_ASR_THREADS: '0' })).toThrow('LECTERN_ASR_THREADS="0": expected an integer in 1–64');
    expect(() => readAnalyzerEnv({ LECTERN_ASR_THREADS: '1.5' })).toThrow(EnvConfigError);
  });

  it('rejects bad values naming the variable, the value and what is allowed', () => {
    let err: unknown;
    try {
      readAnalyzerEnv({ LECTERN_POSE_BUDGET_MS: 'fast', LECTERN_ASR_NICE: '25', LECTERN_POSE_RUNTIME: 'gpu' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EnvConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain('LECTERN_POSE_BUDGET_MS="fast": expected a number ≥ 0');
    expect(msg).toContain('LECTERN_ASR_NICE="25": expected an integer in 0–19');
    expect(msg).toContain('LECTERN_POSE_RUNTIME="gpu": expected one of auto, onnx, tfjs');
    expect((err as EnvConfigError).problems).toHaveLength(3);
  });
});
