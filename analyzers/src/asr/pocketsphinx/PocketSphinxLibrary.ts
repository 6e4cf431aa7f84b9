import fs from 'node:fs';
import koffi from 'koffi';

/** Default location of Debian's runtime libraries (package `pocketsphinx` / `libsphinxbase3`). */
export const DEFAULT_LIB_DIR = '/usr/lib/x86_64-linux-gnu';

/** Opaque native pointer as returned by koffi (`void*`). */
export type NativePointer = unknown;

/**
 * koffi binding of Debian's PocketSphinx 0.8+5prealpha runtime (`libpocketsphinx.so.3`) and
 * the sphinxbase command-line parser (`libsphinxbase.so.3`). Binds only the runtime shared
 * objects: no headers, no compiler, no -dev package needed at run time. Signatures follow
 * `pocketsphinx/pocketsphinx.h` and `sphinxbase/cmd_ln.h` of that release (read from
 * libpocketsphinx-dev / libsphinxbase-dev 0.8+5prealpha).
 *
 * One instance per process (see {@link PocketSphinxLibrary.load}); the functions are plain C
 * calls that run synchronously on the calling thread.
 */
export class PocketSphinxLibrary {
  private static instance: PocketSphinxLibrary | null = null;

  /** `arg_t const *ps_args(void)`: the decoder's argument definitions. */
  readonly ps_args: () => NativePointer;
  /** `cmd_ln_t *cmd_ln_parse_r(cmd_ln_t*, arg_t const*, int32 argc, char *argv[], int32 strict)`. */
  readonly cmd_ln_parse_r: (inout: NativePointer, defn: NativePointer, argc: number, argv: string[], strict: number) => NativePointer;
  /** `int cmd_ln_free_r(cmd_ln_t *)`: drop our reference to a config. */
  readonly cmd_ln_free_r: (cmdln: NativePointer) => number;
  /** `ps_decoder_t *ps_init(cmd_ln_t *config)`: NULL on failure (bad model paths). */
  readonly ps_init: (config: NativePointer) => NativePointer;
  /** `int ps_free(ps_decoder_t *)`. */
  readonly ps_free: (ps: NativePointer) => number;
  /** `int ps_start_stream(ps_decoder_t *)`: resets the frame counter used by word times. */
  readonly ps_start_stream: (ps: NativePointer) => number;
  /** `int ps_start_utt(ps_decoder_t *)`. */
  readonly ps_start_utt: (ps: NativePointer) => number;
  /** `int ps_end_utt(ps_decoder_t *)`. */
  readonly ps_end_utt: (ps: NativePointer) => number;
  /** `int ps_process_raw(ps_decoder_t*, int16 const *data, size_t n, int no_search, int full_utt)`: frames searched or < 0. */
  readonly ps_process_raw: (ps: NativePointer, data: Int16Array, n: number, noSearch: number, fullUtt: number) => number;
  /** `char const *ps_get_hyp(ps_decoder_t*, int32 *out_best_score)`: current best hypothesis or NULL. */
  readonly ps_get_hyp: (ps: NativePointer, outScore: number[]) => string | null;
  /** `uint8 ps_get_in_speech(ps_decoder_t*)`: the decoder's own voice-activity state. */
  readonly ps_get_in_speech: (ps: NativePointer) => number;
  /** `ps_seg_t *ps_seg_iter(ps_decoder_t*)`: word segmentation of the best path, NULL if empty. */
  readonly ps_seg_iter: (ps: NativePointer) => NativePointer;
  /** `ps_seg_t *ps_seg_next(ps_seg_t*)`: next segment, NULL (and frees the iterator) at the end. */
  readonly ps_seg_next: (seg: NativePointer) => NativePointer;
  /** `char const *ps_seg_word(ps_seg_t*)`: dictionary word, e.g. `the(2)` or `<sil>`. */
  readonly ps_seg_word: (seg: NativePointer) => string;
  /** `void ps_seg_frames(ps_seg_t*, int *out_sf, int *out_ef)`: 10 ms frames since `ps_start_stream`. */
  readonly ps_seg_frames: (seg: NativePointer, sf: number[], ef: number[]) => void;

  private constructor(libDir: string) {
    const sphinxbase = koffi.load(`${libDir}/libsphinxbase.so.3`);
    const ps = koffi.load(`${libDir}/libpocketsphinx.so.3`);
    this.ps_args = ps.func('void *ps_args(void)');
    this.cmd_ln_parse_r = sphinxbase.func('void *cmd_ln_parse_r(void *inout, void *defn, int argc, const char **argv, int strict)');
    this.cmd_ln_free_r = sphinxbase.func('int cmd_ln_free_r(void *cmdln)');
    this.ps_init = ps.func('void *ps_init(void *config)');
    this.ps_free = ps.func('int ps_free(void *ps)');
    this.ps_start_stream = ps.func('int ps_start_stream(void *ps)');
    this.ps_start_utt = ps.func('int ps_start_utt(void *ps)');
    this.ps_end_utt = ps.func('int ps_end_utt(void *ps)');
    this.ps_process_raw = ps.func('int ps_process_raw(void *ps, const int16_t *data, size_t n, int noSearch, int fullUtt)');
    this.ps_get_hyp = ps.func('const char *ps_get_hyp(void *ps, _Out_ int32_t *score)');
    this.ps_get_in_speech = ps.func('uint8_t ps_get_in_speech(void *ps)');
    this.ps_seg_iter = ps.func('void *ps_seg_iter(void *ps)');
    this.ps_seg_next = ps.func('void *ps_seg_next(void *seg)');
    this.ps_seg_word = ps.func('const char *ps_seg_word(void *seg)');
    this.ps_seg_frames = ps.func('void ps_seg_frames(void *seg, _Out_ int *sf, _Out_ int *ef)');
  }

  /**
   * The process-wide binding, loaded on first use.
   * @param libDir directory holding `libpocketsphinx.so.3` and `libsphinxbase.so.3`.
   * @throws Error naming the missing file when the libraries are not installed
   *   (`apt-get install pocketsphinx`), or koffi's error when they fail to load.
   */
  static load(libDir = DEFAULT_LIB_DIR): PocketSphinxLibrary {
    if (PocketSphinxLibrary.instance) return PocketSphinxLibrary.instance;
    for (const f of ['libpocketsphinx.so.3', 'libsphinxbase.so.3']) {
      if (!fs.existsSync(`${libDir}/${f}`)) {
        throw new Error(`${libDir}/${f} not found (install Debian packages pocketsphinx and pocketsphinx-en-us)`);
      }
    }
    PocketSphinxLibrary.instance = new PocketSphinxLibrary(libDir);
    return PocketSphinxLibrary.instance;
  }
}
