import { readAnalyzerEnv } from '../env.ts';
import type { PoseEngine } from './PoseEngine.ts';

/**
 * Which runtime runs MoveNet: `onnx` ({@link MoveNetOnnxEngine}, onnxruntime-node native CPU
 * kernels), `tfjs` ({@link MoveNetEngine}, tfjs-backend-wasm SIMD), or `auto` (onnx, falling back
 * to tfjs when onnxruntime cannot be loaded).
 */
export type PoseRuntime = 'auto' | 'onnx' | 'tfjs';

/** Options of {@link loadPoseEngine}. */
export interface LoadPoseEngineOptions {
  /** Default: `LECTERN_POSE_RUNTIME` (`auto` | `onnx` | `tfjs`), else `auto`. */
  runtime?: PoseRuntime;
  /** TF.js model JSON (both runtimes load the same file); default `defaultMoveNetModelPath()`. */
  modelPath?: string;
}

/**
 * Loads the pose engine the process should use. MoveNet Lightning costs ≈7 CPU ms per frame on
 * onnxruntime vs ≈31–37 on tfjs-wasm (2-vCPU development VM, 2026-11-22, `npm run bench:pose`),
 * with keypoints equal to within 1e-6, so `auto` prefers onnxruntime; the tfjs engine stays as the
 * fallback (e.g. where onnxruntime-node's native library is missing). The fallback reason is
 * appended to the engine's description so that `ready` messages show it.
 * @throws Error when the requested runtime (or, for `auto`, both) cannot be loaded, or
 *   `LECTERN_POSE_RUNTIME` has an unknown value.
 */
export async function loadPoseEngine(opts: LoadPoseEngineOptions = {}): Promise<PoseEngine> {
  const runtime = opts.runtime ?? readAnalyzerEnv().LECTERN_POSE_RUNTIME;
  if (runtime !== 'auto' && runtime !== 'onnx' && runtime !== 'tfjs') throw new Error(`LECTERN_POSE_RUNTIME must be auto, onnx or tfjs, not ${String(runtime)}`);
  const modelOpts = opts.modelPath ? { modelPath: opts.modelPath } : {};
  if (runtime !== 'tfjs') {
    try {
      const { MoveNetOnnxEngine } = await import('./MoveNetOnnxEngine.ts');
      return await MoveNetOnnxEngine.load(modelOpts);
    } catch (err) {
      if (runtime === 'onnx') throw err;
      const { MoveNetEngine } = await import('./MoveNetEngine.ts');
      const engine = await MoveNetEngine.load(modelOpts);
      return withDescription(engine, `${engine.description} [onnxruntime unavailable: ${(err as Error).message.split('\n')[0]}]`);
    }
  }
  const { MoveNetEngine } = await import('./MoveNetEngine.ts');
  return MoveNetEngine.load(modelOpts);
}

function withDescription(engine: PoseEngine, description: string): PoseEngine {
  return {
    description,
    inputSize: engine.inputSize,
    estimate: (rgb, w, h) => engine.estimate(rgb, w, h),
    dispose: () => engine.dispose(),
  };
}
