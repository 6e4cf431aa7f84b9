import { describe, expect, it } from 'vitest';
import { EnvConfigError, readAnalyzerEnv } from './env.ts';

describe('readAnalyzerEnv', () => {
  it('gives the documented defaults for an empty environment (unset and "" alike)', () => {
    const d = readAnalyzerEnv({ LECTERN_POSE_BUDGET_MS: '' });
    expect(d).toEqual({
      LECTERN_ASR_ENGINE: undefined,
      LECTERN_ASR_NICE: 10,
      LECTERN_POSE_RUNTIME: 'auto',
      LECTERN_POSE_BUDGET_MS: 55,
      LECTERN_POSE_NICE: 10,
      LECTERN_POSE_GATING: true,
      LECTERN_MOVENET_MODEL: undefined,
      LECTERN_MODELS_DIR: undefined,
      LECTERN_MODELS_MIRROR: undefined,
    });
  });

  it('parses valid values', () => {
    const e = readAnalyzerEnv({ LECTERN_POSE_BUDGET_MS: '0', LECTERN_POSE_GATING: '0', LECTERN_ASR_NICE: '19', LECTERN_POSE_RUNTIME: 'tfjs', LECTERN_ASR_ENGINE: 'none' });
    expect([e.LECTERN_POSE_BUDGET_MS, e.LECTERN_POSE_GATING, e.LECTERN_ASR_NICE, e.LECTERN_POSE_RUNTIME, e.LECTERN_ASR_ENGINE]).toEqual([0, false, 19, 'tfjs', 'none']);
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
