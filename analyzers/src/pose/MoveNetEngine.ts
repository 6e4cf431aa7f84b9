import * as tf from '@tensorflow/tfjs-core';
import { type GraphModel, loadGraphModel } from '@tensorflow/tfjs-converter';
import { COCO_KEYPOINT_NAMES, type Keypoint } from '@lectern/contract';
import { FileModelHandler } from './FileModelHandler.ts';
import { letterboxInto, letterboxRect, unletterbox } from './letterbox.ts';
import { defaultMoveNetModelPath } from './moveNetModelPath.ts';
import type { Pose, PoseEngine } from './PoseEngine.ts';
import { initWasmBackend } from './tfjsWasm.ts';

/** Options of {@link MoveNetEngine.load}. */
export interface MoveNetOptions {
  /**
   * Path of the TF.js graph model JSON. Default: `LECTERN_MOVENET_MODEL`, else
   * `models/movenet-lightning.json` of the installed `@vladmandic/human` package.
   */
  modelPath?: string;
}

/** Side of MoveNet Lightning's square input (pixels). */
const LIGHTNING_INPUT = 192;

/**
 * MoveNet SinglePose Lightning v4 (Google, Apache-2.0; https://tfhub.dev/google/movenet/singlepose/lightning/4,
 * model card: https://storage.googleapis.com/movenet/MoveNet.SinglePose%20Model%20Card.pdf) as the
 * TF.js graph model shipped in `@vladmandic/human`, run with tfjs-core + tfjs-converter on the
 * WebAssembly backend (single thread, SIMD).
 *
 * Input: a 192×192×3 int32 RGB tensor (0–255); output `[1, 1, 17, 3]` = (y, x, score) per COCO
 * keypoint, normalised to the square input. Frames of other sizes are letterboxed to 192² first
 * (bilinear resample + grey padding), and coordinates are mapped back to the original frame.
 * Measured on one idle core of the development machine: 25–31 ms per frame (OFFLINE.md); 31–37 CPU
 * ms on the 2-vCPU VM on 2026-11-22. {@link MoveNetOnnxEngine} runs the same model with about a
 * fifth of the CPU time and is the default ({@link loadPoseEngine}); this engine is the fallback.
 */
export class MoveNetEngine implements PoseEngine {
  readonly inputSize = LIGHTNING_INPUT;
  readonly #input = new Int32Array(LIGHTNING_INPUT * LIGHTNING_INPUT * 3);
  #model: GraphModel | undefined;

  private constructor(
    model: GraphModel,
    /** See {@link PoseEngine.description}. */
    readonly description: string,
  ) {
    this.#model = model;
  }

  /** Default model path (see {@link MoveNetOptions.modelPath}). */
  static defaultModelPath(): string {
    return defaultMoveNetModelPath();
  }

  /**
   * Initialises the wasm backend (once per thread), loads the model from local files and runs one
   * warm-up inference (the first call compiles kernels and takes several hundred ms).
   * @throws Error when the backend or the model files cannot be loaded, or the model's input is not
   *   the expected 192×192×3 int32.
   */
  static async load(opts: MoveNetOptions = {}): Promise<MoveNetEngine> {
    const backend = await initWasmBackend();
    const modelPath = opts.modelPath ?? MoveNetEngine.defaultModelPath();
    const model = await loadGraphModel(new FileModelHandler(modelPath));
    const shape = model.inputs[0]?.shape;
    if (!shape || shape[1] !== LIGHTNING_INPUT || shape[2] !== LIGHTNING_INPUT || shape[3] !== 3) {
      model.dispose();
      throw new Error(`${modelPath}: expected a MoveNet Lightning input of [1,192,192,3], got ${JSON.stringify(shape)}`);
    }
    const engine = new MoveNetEngine(model, `MoveNet SinglePose Lightning v4 (${backend})`);
    await engine.estimate(new Uint8Array(LIGHTNING_INPUT * LIGHTNING_INPUT * 3), LIGHTNING_INPUT, LIGHTNING_INPUT);
    return engine;
  }

  /** See {@link PoseEngine.estimate}. */
  async estimate(rgb: Uint8Array, width: number, height: number): Promise<Pose> {
    const model = this.#model;
    if (!model) throw new Error('MoveNetEngine is disposed');
    const rect = letterboxRect(width, height, LIGHTNING_INPUT);
    letterboxInto(rgb, width, height, rect, this.#input, 0);
    const input = tf.tensor4d(this.#input, [1, LIGHTNING_INPUT, LIGHTNING_INPUT, 3], 'int32');
    let output: tf.Tensor | undefined;
    let values: Float32Array;
    try {
      output = model.execute(input) as tf.Tensor;
      values = (await output.data()) as Float32Array;
    } finally {
      input.dispose();
      output?.dispose();
    }
    const keypoints: Keypoint[] = COCO_KEYPOINT_NAMES.map((name, i) => {
      const p = unletterbox(rect, values[i * 3 + 1]!, values[i * 3]!);
      return { name, x: p.x, y: p.y, score: Math.min(1, Math.max(0, values[i * 3 + 2]!)) };
    });
    return { keypoints };
  }

  /** See {@link PoseEngine.dispose}. */
  dispose(): void {
    this.#model?.dispose();
    this.#model = undefined;
  }
}
