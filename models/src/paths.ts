import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Default store: `models/store/` in the repository (git-ignored). */
export const DEFAULT_STORE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'store');

/**
 * Directory where models are installed: `$LECTERN_MODELS_DIR` when set, else `models/store/`.
 * Each model lives in `<store>/<name>/`; downloads in progress in `<store>/.downloads/`.
 * @param env environment to read (default `process.env`).
 */
export function modelsStoreDir(env: NodeJS.ProcessEnv = process.env): string {
  const v = env.LECTERN_MODELS_DIR;
  return v && v.trim() !== '' ? path.resolve(v) : DEFAULT_STORE_DIR;
}

/** Name of the stamp file written into an installed model directory. */
export const STAMP_FILE = '.lectern-model.json';
