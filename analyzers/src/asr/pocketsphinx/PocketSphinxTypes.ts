/** Debian `pocketsphinx-en-us` model directory. */
export const DEFAULT_POCKETSPHINX_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';

/**
 * Speed settings measured in OFFLINE.md ("Models that exist offline"): about 0.044 CPU-s per
 * audio-s on this class of machine with about the WER of the defaults, and no long stall at
 * utterance ends (the fwdflat and bestpath passes are off). Meaning: evaluate Gaussians every 2nd
 * frame (`-ds 2`) with the top 2 codewords (`-topn 2`), at most 3000 active HMMs and 5 word exits
 * per frame, narrower main/word/phone beams, single forward tree pass.
 */
export const POCKETSPHINX_FAST_ARGS: readonly string[] = Object.freeze([
  '-ds', '2',
  '-topn', '2',
  '-maxhmmpf', '3000',
  '-maxwpf', '5',
  '-beam', '1e-40',
  '-wbeam', '1e-30',
  '-pbeam', '1e-40',
  '-fwdflat', 'no',
  '-bestpath', 'no',
]);

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
   * `fast` (default): {@link POCKETSPHINX_FAST_ARGS}. `accurate`: PocketSphinx defaults
   * (about 5× the CPU, stalls 200–400 ms at each utterance end).
   */
  preset?: 'fast' | 'accurate';
  /** Extra `-name value` pairs appended after the preset (later values win). */
  extraArgs?: string[];
}
