/** Debian `pocketsphinx-en-us` model directory. */
export const DEFAULT_POCKETSPHINX_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';

/**
 * Speed settings. Base: OFFLINE.md ("Models that exist offline"), about 0.044 CPU-s per audio-s
 * with about the WER of the defaults and no long stall at utterance ends (the fwdflat and bestpath
 * passes are off). Meaning: evaluate Gaussians every 2nd frame (`-ds 2`) with the top 2 codewords
 * (`-topn 2`), at most 2500 active HMMs and 5 word exits per frame, narrower main/word/phone
 * beams, single forward tree pass.
 *
 * Two values differ from OFFLINE.md's set (`-maxhmmpf 3000 -pbeam 1e-40`): `-maxhmmpf 2500` and
 * `-pbeam 1e-35` cut the decoder's work from 202.7 to 186.8 million instructions per audio second
 * (−7.8 %; callgrind, Ir inside ps_process_raw/ps_end_utt/ps_get_hyp/ps_start_utt, the five
 * LibriVox utterances of pocketsphinx-testdata fed in 100 ms chunks) with identical hypotheses on
 * LibriVox (WER 0.394) and on the `cards` + `goforward` test files (WER 0.280), and a better WER on
 * the self-segmented pause fixture (0.521 → 0.465). Measured 2026-11-22, see `npm run bench:asr`.
 */
export const POCKETSPHINX_FAST_ARGS: readonly string[] = Object.freeze([
  '-ds', '2',
  '-topn', '2',
  '-maxhmmpf', '2500',
  '-maxwpf', '5',
  '-beam', '1e-40',
  '-wbeam', '1e-30',
  '-pbeam', '1e-35',
  '-fwdflat', 'no',
  '-bestpath', 'no',
]);

/**
 * The `balanced` preset: {@link POCKETSPHINX_FAST_ARGS}' Gaussian shortcuts (`-ds 2 -topn 2`, one
 * forward tree pass) with PocketSphinx's default beams (`-beam 1e-48 -wbeam 7e-29 -pbeam 1e-48`),
 * up to 10 000 active HMMs and no word-exit limit. Chosen on the TUNING set only (the five
 * LibriVox utterances, 2026-12-04, one stream, 100 ms chunks): WER 0.338 vs fast 0.394 and
 * accurate 0.296; other candidates tried there: fast + fwdflat/bestpath 0.408, fast + `-ds 1
 * -topn 4` 0.408, wide beams + `-topn 4` 0.380, wide beams + `-ds 1` 0.296 at about 2× the CPU.
 * Held-out WER and RTF of every preset: `npm run bench:asr` → `evaluation`.
 */
export const POCKETSPHINX_BALANCED_ARGS: readonly string[] = Object.freeze([
  '-ds', '2',
  '-topn', '2',
  '-maxhmmpf', '10000',
  '-maxwpf', '-1',
  '-beam', '1e-48',
  '-wbeam', '7e-29',
  '-pbeam', '1e-48',
  '-fwdflat', 'no',
  '-bestpath', 'no',
]);

/** PocketSphinx presets, fastest first (see {@link PocketSphinxOptions.preset}). */
export const POCKETSPHINX_PRESETS = ['fast', 'balanced', 'accurate'] as const;
/** One of {@link POCKETSPHINX_PRESETS}. */
export type PocketSphinxPreset = (typeof POCKETSPHINX_PRESETS)[number];

/** The arguments a preset adds (accurate = PocketSphinx's defaults, none). */
export function pocketSphinxPresetArgs(preset: PocketSphinxPreset): readonly string[] {
  return preset === 'fast' ? POCKETSPHINX_FAST_ARGS : preset === 'balanced' ? POCKETSPHINX_BALANCED_ARGS : [];
}

/** Options of a {@link PocketSphinxEngine}. */
export interface PocketSphinxOptions {
  /** Directory with `libpocketsphinx.so.3` and `libsphinxbase.so.3`; default Debian's multiarch dir. */
  libDir?: string;
  /**
   * Model directory with `en-us/` (acoustic model), `en-us.lm.bin` and `cmudict-en-us.dict`;
   * default `/usr/share/pocketsphinx/model/en-us`.
   */
  modelDir?: string;
  /**
   * `fast` (default, live captions): {@link POCKETSPHINX_FAST_ARGS}. `balanced`:
   * {@link POCKETSPHINX_BALANCED_ARGS} (wider beams, about 2× the CPU: RTF 0.119 vs 0.058). `accurate`:
   * PocketSphinx defaults (about 4–5× the CPU, stalls 200–400 ms at each utterance end).
   */
  preset?: PocketSphinxPreset;
  /** Extra `-name value` pairs appended after the preset (later values win). */
  extraArgs?: string[];
}
