import { createRequire } from 'node:module';
import type { AsrStatus } from '@lectern/contract';
import { SHERPA_EN_MODEL, verifyInstalled } from '@lectern/models';
import type { AsrEngine, AsrEngineName } from './AsrEngine.ts';
import { PocketSphinxEngine } from './pocketsphinx/PocketSphinxEngine.ts';
import { PocketSphinxLibrary } from './pocketsphinx/PocketSphinxLibrary.ts';
import type { PocketSphinxOptions } from './pocketsphinx/PocketSphinxTypes.ts';
import { SherpaOnnxEngine } from './sherpa-onnx/SherpaOnnxEngine.ts';
import type { SherpaOnnxOptions } from './sherpa-onnx/SherpaOnnxTypes.ts';

/** Serializable description of an engine to create (can be posted to a worker thread). */
export type AsrEngineSpec =
  | { name: 'pocketsphinx'; options?: PocketSphinxOptions }
  | { name: 'sherpa-onnx'; options?: SherpaOnnxOptions };

/** Result of {@link selectEngine}: an `AsrStatus` plus what to create. */
export interface AsrSelection extends AsrStatus {
  /** `sherpa-onnx`, `pocketsphinx`, or `none` (captions off). */
  engine: AsrEngineName | 'none';
  /** Human-readable reason, suitable for `asr:status` and /health. */
  reason: string;
  /** What to pass to {@link createEngine} / `AsrWorker.start`, or null for `none`. */
  spec: AsrEngineSpec | null;
}

/** Options of {@link selectEngine}. */
export interface SelectEngineOptions {
  /** Environment to read `LECTERN_ASR_ENGINE` (and `LECTERN_MODELS_DIR`) from; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Model store for sherpa-onnx; default `$LECTERN_MODELS_DIR` or `models/store`. */
  storeDir?: string;
  /** Options for the sherpa-onnx engine if chosen. */
  sherpaOnnx?: SherpaOnnxOptions;
  /** Options for the PocketSphinx engine if chosen (also used to probe its files). */
  pocketsphinx?: PocketSphinxOptions;
}

/** Values accepted by `LECTERN_ASR_ENGINE`. */
export const ASR_ENGINE_OVERRIDES = ['sherpa-onnx', 'pocketsphinx', 'none'] as const;

/**
 * Choose the speech recogniser: sherpa-onnx when its model is installed (stamp present, files
 * with the stamped sizes; the full SHA-256 check happens again when the engine loads), else
 * PocketSphinx when Debian's libraries and en-us model are present, else none (captions off).
 * `LECTERN_ASR_ENGINE=sherpa-onnx|pocketsphinx|none` forces a choice; a forced engine that is
 * unavailable yields `none` with the reason (never a silent fallback). An unknown value is
 * ignored with a note in the reason.
 *
 * Cheap: no model is loaded. Never throws.
 */
export async function selectEngine(options: SelectEngineOptions = {}): Promise<AsrSelection> {
  const env = options.env ?? process.env;
  const storeDir = options.storeDir ?? (env.LECTERN_MODELS_DIR ? env.LECTERN_MODELS_DIR : undefined);
  const sherpa = await probeSherpa(storeDir, options.sherpaOnnx);
  const sphinx = probePocketSphinx(options.pocketsphinx);
  const sherpaSpec: AsrEngineSpec = { name: 'sherpa-onnx', options: { ...options.sherpaOnnx, storeDir } };
  const sphinxSpec: AsrEngineSpec = { name: 'pocketsphinx', options: options.pocketsphinx };

  const raw = (env.LECTERN_ASR_ENGINE ?? '').trim();
  let note = '';
  if (raw !== '') {
    if (raw === 'none') return { engine: 'none', reason: 'LECTERN_ASR_ENGINE=none: captions off', spec: null };
    if (raw === 'sherpa-onnx') {
      return sherpa.ok
        ? { engine: 'sherpa-onnx', reason: `LECTERN_ASR_ENGINE=sherpa-onnx; ${sherpa.detail}`, spec: sherpaSpec }
        : { engine: 'none', reason: `LECTERN_ASR_ENGINE=sherpa-onnx but ${sherpa.detail}; captions off`, spec: null };
    }
    if (raw === 'pocketsphinx') {
      return sphinx.ok
        ? { engine: 'pocketsphinx', reason: `LECTERN_ASR_ENGINE=pocketsphinx; ${sphinx.detail}`, spec: sphinxSpec }
        : { engine: 'none', reason: `LECTERN_ASR_ENGINE=pocketsphinx but ${sphinx.detail}; captions off`, spec: null };
    }
    note = `ignoring unknown LECTERN_ASR_ENGINE=${raw} (use ${ASR_ENGINE_OVERRIDES.join('|')}); `;
  }
  if (sherpa.ok) return { engine: 'sherpa-onnx', reason: `${note}${sherpa.detail}`, spec: sherpaSpec };
  if (sphinx.ok) return { engine: 'pocketsphinx', reason: `${note}${sherpa.detail}; using pocketsphinx (${sphinx.detail})`, spec: sphinxSpec };
  return { engine: 'none', reason: `${note}${sherpa.detail}; ${sphinx.detail}; captions off`, spec: null };
}

/**
 * Create (load) the engine a spec names, in the calling thread.
 * @throws Error from the engine when its files are missing or fail verification.
 */
export async function createEngine(spec: AsrEngineSpec): Promise<AsrEngine> {
  if (spec.name === 'pocketsphinx') return new PocketSphinxEngine(spec.options);
  return SherpaOnnxEngine.load(spec.options);
}

async function probeSherpa(storeDir: string | undefined, o: SherpaOnnxOptions | undefined): Promise<{ ok: boolean; detail: string }> {
  const name = o?.modelName ?? SHERPA_EN_MODEL;
  try {
    createRequire(import.meta.url).resolve('sherpa-onnx-node');
  } catch {
    return { ok: false, detail: 'sherpa-onnx-node is not installed' };
  }
  try {
    const v = await verifyInstalled(name, { storeDir, hash: false });
    return v.ok ? { ok: true, detail: `sherpa-onnx model ${name} installed` } : { ok: false, detail: `sherpa-onnx model unavailable: ${v.reason}` };
  } catch (err) {
    return { ok: false, detail: `sherpa-onnx model unavailable: ${(err as Error).message}` };
  }
}

function probePocketSphinx(o: PocketSphinxOptions | undefined): { ok: boolean; detail: string } {
  const missing = PocketSphinxEngine.missingModelFiles(o?.modelDir);
  if (missing.length > 0) return { ok: false, detail: `pocketsphinx model missing (${missing[0]}; apt-get install pocketsphinx-en-us)` };
  try {
    PocketSphinxLibrary.load(o?.libDir);
  } catch (err) {
    return { ok: false, detail: `pocketsphinx unavailable: ${(err as Error).message}` };
  }
  return { ok: true, detail: 'Debian pocketsphinx 0.8+5prealpha, en-us model' };
}
