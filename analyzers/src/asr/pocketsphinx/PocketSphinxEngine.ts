import fs from 'node:fs';
import path from 'node:path';
import type { AsrEngine, AsrStream, AsrStreamOptions } from '../AsrEngine.ts';
import { type NativePointer, PocketSphinxLibrary } from './PocketSphinxLibrary.ts';
import { PocketSphinxStream } from './PocketSphinxStream.ts';
import { DEFAULT_POCKETSPHINX_MODEL_DIR, pocketSphinxPresetArgs, POCKETSPHINX_PRESETS, type PocketSphinxOptions } from './PocketSphinxTypes.ts';

/**
 * PocketSphinx 0.8+5prealpha (Debian `pocketsphinx` + `pocketsphinx-en-us`) behind the
 * {@link AsrEngine} interface: the fallback recogniser that needs no download. Each stream owns
 * one native decoder (acoustic model, language model and dictionary loaded per stream, about
 * 0.1–0.3 s and some tens of MB each).
 *
 * Word times have 10 ms resolution; confidence is null (the posterior needs the bestpath pass,
 * which the fast preset disables). Filled pauses are in the dictionary (`uh`, `um`, …) but are
 * rarely decoded as such (OFFLINE.md): use the acoustic FilledPauseDetector.
 */
export class PocketSphinxEngine implements AsrEngine {
  /** @inheritdoc */
  readonly name = 'pocketsphinx' as const;
  /** @inheritdoc */
  readonly description: string;
  /**
   * The complete argument vector every stream's decoder is created with (`-hmm`, `-lm`, `-dict`,
   * `-logfn`, the preset, then `extraArgs`; later values win), as passed to `cmd_ln_parse_r`.
   */
  readonly args: readonly string[];
  private readonly lib: PocketSphinxLibrary;
  private closed = false;

  /**
   * @param options see {@link PocketSphinxOptions}.
   * @throws Error when the libraries or model files are missing.
   */
  constructor(options: PocketSphinxOptions = {}) {
    const modelDir = options.modelDir ?? DEFAULT_POCKETSPHINX_MODEL_DIR;
    const missing = PocketSphinxEngine.missingModelFiles(modelDir);
    if (missing.length > 0) {
      throw new Error(`PocketSphinx model incomplete: missing ${missing.join(', ')} (install Debian package pocketsphinx-en-us)`);
    }
    this.lib = PocketSphinxLibrary.load(options.libDir);
    const preset = options.preset ?? 'fast';
    if (!POCKETSPHINX_PRESETS.includes(preset)) throw new RangeError(`unknown PocketSphinx preset ${String(preset)} (use ${POCKETSPHINX_PRESETS.join(', ')})`);
    this.args = Object.freeze([
      '-hmm', path.join(modelDir, 'en-us'),
      '-lm', path.join(modelDir, 'en-us.lm.bin'),
      '-dict', path.join(modelDir, 'cmudict-en-us.dict'),
      '-logfn', '/dev/null',
      ...pocketSphinxPresetArgs(preset),
      ...(options.extraArgs ?? []),
    ]);
    this.description = `PocketSphinx 0.8+5prealpha en-us (${preset}${options.extraArgs?.length ? ` ${options.extraArgs.join(' ')}` : ''})`;
  }

  /**
   * Files a model directory lacks (empty when complete).
   * @param modelDir directory expected to hold `en-us/`, `en-us.lm.bin`, `cmudict-en-us.dict`.
   */
  static missingModelFiles(modelDir: string = DEFAULT_POCKETSPHINX_MODEL_DIR): string[] {
    const need = ['en-us/mdef', 'en-us/means', 'en-us/variances', 'en-us/feat.params', 'en-us.lm.bin', 'cmudict-en-us.dict'];
    return need.map((f) => path.join(modelDir, f)).filter((f) => !fs.existsSync(f));
  }

  /** @inheritdoc */
  createStream(options: AsrStreamOptions = {}): AsrStream {
    if (this.closed) throw new Error('PocketSphinx engine is closed');
    return new PocketSphinxStream(this.lib, this.createDecoder(), options);
  }

  /**
   * A native decoder configured with {@link args} (for {@link createStream}, and for benchmarks that
   * time the native calls directly). The caller owns it: free it with `ps_free`.
   * @throws Error when PocketSphinx rejects the arguments or cannot load its models.
   */
  createDecoder(): NativePointer {
    const argv = [...this.args];
    const config = this.lib.cmd_ln_parse_r(null, this.lib.ps_args(), argv.length, argv, 0);
    if (!config) throw new Error(`PocketSphinx rejected its arguments: ${argv.join(' ')}`);
    const decoder = this.lib.ps_init(config);
    // ps_init took its own reference on success; drop ours either way.
    this.lib.cmd_ln_free_r(config);
    if (!decoder) throw new Error('ps_init failed (acoustic model, language model or dictionary could not be loaded)');
    return decoder;
  }

  /** @inheritdoc */
  async close(): Promise<void> {
    this.closed = true;
  }
}
