import { describe, expect, it } from 'vitest';
import { EnvConfigError } from '../env.ts';
import { chooseReportPreset, MEASURED_PRESETS, reportAsrPreset } from './reportAsrPreset.ts';

describe('report ASR preset', () => {
  it('picks the lowest held-out WER among presets within the RTF target, the cheaper on a tie', () => {
    const m = [
      { preset: 'fast' as const, heldoutWer: 0.4, rtf: 0.05 },
      { preset: 'balanced' as const, heldoutWer: 0.3, rtf: 0.08 },
      { preset: 'accurate' as const, heldoutWer: 0.2, rtf: 0.2 },
    ];
    expect(chooseReportPreset(m)).toMatchObject({ preset: 'balanced', reason: expect.stringContaining('too slow: accurate RTF 0.2') });
    expect(chooseReportPreset(m, 0.25).preset).toBe('accurate');
    expect(chooseReportPreset([{ ...m[0]!, heldoutWer: 0.3 }, m[1]!]).preset).toBe('fast');
    expect(chooseReportPreset(m, 0.01)).toMatchObject({ preset: 'fast', reason: expect.stringContaining('no preset') });
  });

  it('follows LECTERN_REPORT_ASR_PRESET, and auto = the choice over the measured presets', () => {
    expect(reportAsrPreset({ LECTERN_REPORT_ASR_PRESET: 'accurate' })).toEqual({ preset: 'accurate', reason: 'LECTERN_REPORT_ASR_PRESET=accurate' });
    expect(reportAsrPreset({}).preset).toBe(chooseReportPreset(MEASURED_PRESETS).preset);
    expect(() => reportAsrPreset({ LECTERN_REPORT_ASR_PRESET: 'best' })).toThrow(EnvConfigError);
  });
});
