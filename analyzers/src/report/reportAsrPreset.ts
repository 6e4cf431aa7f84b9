import { readAnalyzerEnv } from '../env.ts';
import type { PocketSphinxPreset } from '../asr/pocketsphinx/PocketSphinxTypes.ts';

/**
 * CPU-time RTF (CPU seconds per audio second, one stream) a preset may cost in the post-session
 * full pass: a 10-minute talk must be ready ≤ 60 s after the session ends (issue #14), i.e. 0.1 of
 * real time on this 2-core host. The language pass is the bulk of the job (`npm run bench:score`:
 * 15.9 s of 24.4 s at the fast preset) and runs on up to 2 worker threads, so 0.1 per stream leaves
 * the margin for decode, voice analysis and a busy host.
 */
export const REPORT_ASR_RTF_TARGET = 0.1;

/** One preset's measured figures (`npm run bench:asr` → `evaluation.presets`). */
export interface PresetMeasurement {
  preset: PocketSphinxPreset;
  /** Corpus WER on the held-out set (0–1+). */
  heldoutWer: number;
  /** CPU-time RTF, min of the passes, over all utterances of the set in one stream (`allUtterancesRtf`: long-form, unlike the 2–4 s held-out clips). */
  rtf: number;
}

/**
 * The measurements the default is chosen from: `npm run bench:asr -- --eval-only`, 2026-12-04
 * 19:42 UTC, this 2-core host (busy: load average 12–20 from other jobs, host calibration slowdown
 * 1.03–1.07). Held-out set: 7 utterances of 3 recording sets other than the tuning reader, 30
 * reference words; RTF: all 12 utterances in one stream, min of 3 passes. Held-out WER fast 0.233
 * (5 S, 2 I), balanced 0.233, accurate 0.167 (4 S, 1 I); tuning-set WER 0.394 / 0.338 / 0.296.
 * So `auto` picks fast: accurate is 1.9× over the RTF bound and balanced, over it too on this busy
 * host, gains nothing held out. Checked end to end (analyzeRecordingFile, 10-minute recording, 2
 * language threads, 20:02 UTC): fast 31.9 s, balanced 60.8 s. Update with the bench when presets
 * or the host change.
 */
export const MEASURED_PRESETS: readonly PresetMeasurement[] = Object.freeze([
  { preset: 'fast', heldoutWer: 0.233, rtf: 0.058 },
  { preset: 'balanced', heldoutWer: 0.233, rtf: 0.119 },
  { preset: 'accurate', heldoutWer: 0.167, rtf: 0.19 },
]);

/**
 * The most accurate preset (lowest held-out WER; ties → the cheaper one) whose RTF meets
 * {@link REPORT_ASR_RTF_TARGET}; `fast` when none does.
 * @param measured figures per preset.
 * @param rtfTarget the RTF bound (default {@link REPORT_ASR_RTF_TARGET}).
 * @returns the preset and a sentence saying why.
 */
export function chooseReportPreset(measured: readonly PresetMeasurement[], rtfTarget = REPORT_ASR_RTF_TARGET): { preset: PocketSphinxPreset; reason: string } {
  const ok = measured.filter((m) => m.rtf <= rtfTarget).sort((a, b) => a.heldoutWer - b.heldoutWer || a.rtf - b.rtf);
  const best = ok[0];
  if (!best) return { preset: 'fast', reason: `no preset meets RTF ≤ ${rtfTarget}: using fast` };
  const slower = measured.filter((m) => m.rtf > rtfTarget).map((m) => `${m.preset} RTF ${m.rtf}`);
  return {
    preset: best.preset,
    reason: `${best.preset}: held-out WER ${best.heldoutWer} at RTF ${best.rtf} ≤ ${rtfTarget}${slower.length ? ` (too slow: ${slower.join(', ')})` : ''}`,
  };
}

/**
 * The PocketSphinx preset of the post-session full pass: `LECTERN_REPORT_ASR_PRESET` when set to a
 * preset, else (`auto`, the default) {@link chooseReportPreset} over {@link MEASURED_PRESETS}.
 * @throws EnvConfigError on a bad value.
 */
export function reportAsrPreset(env: NodeJS.ProcessEnv = process.env): { preset: PocketSphinxPreset; reason: string } {
  const v = readAnalyzerEnv(env).LECTERN_REPORT_ASR_PRESET;
  if (v !== 'auto') return { preset: v, reason: `LECTERN_REPORT_ASR_PRESET=${v}` };
  return chooseReportPreset(MEASURED_PRESETS);
}
