import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { readAnalyzerEnv } from '../env.ts';

const require = createRequire(import.meta.url);

/**
 * Path of the MoveNet SinglePose Lightning TF.js graph model (`model.json`, weights next to it):
 * `LECTERN_MOVENET_MODEL` when set, else `models/movenet-lightning.json` of the installed
 * `@vladmandic/human` package. Used by both pose runtimes (tfjs-wasm and onnxruntime).
 */
export function defaultMoveNetModelPath(): string {
  const fromEnv = readAnalyzerEnv().LECTERN_MOVENET_MODEL;
  if (fromEnv) return fromEnv;
  // @vladmandic/human's `exports` hide models/; resolve its entry point and go to the package root.
  let dir = path.dirname(require.resolve('@vladmandic/human'));
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.join(dir, 'models', 'movenet-lightning.json');
}
