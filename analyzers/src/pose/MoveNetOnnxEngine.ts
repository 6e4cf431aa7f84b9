import { COCO_KEYPOINT_NAMES } from '@lectern/contract';
import { letterboxInto, letterboxRect, unletterbox } from './letterbox.ts';
import { defaultMoveNetModelPath } from './moveNetModelPath.ts';
import { convertMoveNetToOnnx, type MoveNetDecodeConstants, MOVENET_GRID, MOVENET_INPUT, MOVENET_KEYPOINTS } from './onnx/moveNetToOnnx.ts';
import type { Pose, PoseEngine } from './PoseEngine.ts';

/** Options of {@link MoveNetOnnxEngine.load}. */
export interface MoveNetOnnxOptions {
  /** TF.js model JSON to convert; default {@link defaultMoveNetModelPath}. */
  modelPath?: string;
}

type Ort = typeof import('onnxruntime-node');
type Session = Awaited<ReturnType<Ort['InferenceSession']['create']>>;

/**
 * MoveNet SinglePose Lightning v4 — the same model and weights as {@link MoveNetEngine} — run by
 * onnxruntime-node's native CPU kernels instead of tfjs-backend-wasm. The TF.js graph shipped in
 * `@vladmandic/human` is converted in memory at load ({@link convertMoveNetToOnnx}: backbone and
 * heads as ONNX, nothing downloaded or written); normalisation (NCHW float input) and MoveNet's
 * decoding (centre argmax weighted by distance to the image centre, keypoint heatmaps divided by
 * distance to the regressed position + ≈1.8 cells, sub-cell offsets) run here in JavaScript with
 * the graph's own constants.
 *
 * One intra-op and one inter-op thread (no thread pool: every CPU ms is on the calling thread,
 * which is what the pose budget charges). Same input/output contract as {@link MoveNetEngine}.
 * Measured on the 2-vCPU development VM on 2026-11-22 (`npm run bench:pose`, astronaut photo): 7–8.5
 * CPU ms per frame isolated and 7.2 in the live pose process, vs 31–37 for {@link MoveNetEngine}
 * in the same session; keypoints equal to within 1e-6.
 */
export class MoveNetOnnxEngine implements PoseEngine {
  readonly inputSize = MOVENET_INPUT;
  readonly #ort: Ort;
  #session: Session | undefined;
  readonly #c: MoveNetDecodeConstants;
  readonly #rgb = new Uint8Array(MOVENET_INPUT * MOVENET_INPUT * 3);
  readonly #input = new Float32Array(3 * MOVENET_INPUT * MOVENET_INPUT);
  /** Per-channel lookup 0–255 → normalised float (exactly the graph's float32 arithmetic). */
  readonly #lut: Float32Array[];

  private constructor(
    ort: Ort,
    session: Session,
    constants: MoveNetDecodeConstants,
    /** See {@link PoseEngine.description}. */
    readonly description: string,
  ) {
    this.#ort = ort;
    this.#session = session;
    this.#c = constants;
    this.#lut = [0, 1, 2].map((ch) => {
      const t = new Float32Array(256);
      for (let v = 0; v < 256; v++) t[v] = Math.fround(Math.fround(Math.fround(v - constants.mean[ch]!) * constants.scale[ch]!) - constants.offset);
      return t;
    });
  }

  /**
   * Converts the model, creates the onnxruntime session (1 thread) and runs one warm-up inference.
   * @throws Error when onnxruntime-node cannot be loaded, the model cannot be converted, or the
   *   session cannot be created.
   */
  static async load(opts: MoveNetOnnxOptions = {}): Promise<MoveNetOnnxEngine> {
    const ort = (await import('onnxruntime-node')) as Ort;
    const converted = await convertMoveNetToOnnx(opts.modelPath ?? defaultMoveNetModelPath());
    const session = await ort.InferenceSession.create(converted.onnx, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    const version = (ort as unknown as { env?: { versions?: { common?: string } } }).env?.versions?.common ?? '';
    const runtime = version ? `onnxruntime-node ${version}` : 'onnxruntime-node';
    const engine = new MoveNetOnnxEngine(ort, session, converted.constants, `MoveNet SinglePose Lightning v4 (${runtime}, CPU, 1 thread; converted from the TF.js graph, ${converted.nodeCount} nodes)`);
    await engine.estimate(new Uint8Array(MOVENET_INPUT * MOVENET_INPUT * 3), MOVENET_INPUT, MOVENET_INPUT);
    return engine;
  }

  /** See {@link PoseEngine.estimate}. */
  async estimate(rgb: Uint8Array, width: number, height: number): Promise<Pose> {
    const session = this.#session;
    if (!session) throw new Error('MoveNetOnnxEngine is disposed');
    const n = MOVENET_INPUT;
    const rect = letterboxRect(width, height, n);
    letterboxInto(rgb, width, height, rect, this.#rgb, 0);
    const src = this.#rgb;
    const x = this.#input;
    const [l0, l1, l2] = this.#lut as [Float32Array, Float32Array, Float32Array];
    const plane = n * n;
    for (let p = 0, q = 0; p < plane; p++, q += 3) {
      x[p] = l0[src[q]!]!;
      x[plane + p] = l1[src[q + 1]!]!;
      x[2 * plane + p] = l2[src[q + 2]!]!;
    }
    const feeds = { input: new this.#ort.Tensor('float32', x, [1, 3, n, n]) };
    const out = await session.run(feeds);
    const keypoints = decodeMoveNet(
      out.heatmap!.data as Float32Array,
      out.center!.data as Float32Array,
      out.regress!.data as Float32Array,
      out.offset!.data as Float32Array,
      this.#c,
    );
    for (const t of Object.values(out)) (t as { dispose?: () => void }).dispose?.();
    return {
      keypoints: keypoints.map((k, i) => {
        const p = unletterbox(rect, k.x, k.y);
        return { name: COCO_KEYPOINT_NAMES[i]!, x: p.x, y: p.y, score: k.score };
      }),
    };
  }

  /** See {@link PoseEngine.dispose}. */
  dispose(): void {
    const s = this.#session;
    this.#session = undefined;
    void s?.release().catch(() => {});
  }
}

/**
 * MoveNet's decoding stage (the ops after the heads in the TF.js graph), on NCHW [1,C,48,48] maps:
 * 1. person centre = argmax of sigmoid(centre) · centerWeight;
 * 2. per keypoint k, regressed position r_k = centre + regress[2k, 2k+1] at the centre;
 * 3. keypoint cell = argmax over cells of heatmap_k / (‖cell − r_k‖ + distanceBias);
 * 4. position = (cell + offset[2k, 2k+1] at that cell) · outputScale (normalised 0–1 over the
 *    square input), score = heatmap_k at that cell.
 * Ties resolve to the first cell in row-major order, as tf.argMax does.
 * @returns 17 keypoints (COCO order), x/y normalised to the square model input, score 0–1.
 */
export function decodeMoveNet(heatmap: Float32Array, center: Float32Array, regress: Float32Array, offset: Float32Array, c: MoveNetDecodeConstants): { x: number; y: number; score: number }[] {
  const G = MOVENET_GRID;
  const cells = G * G;
  let best = -Infinity;
  let ci = 0;
  for (let i = 0; i < cells; i++) {
    const v = Math.fround(center[i]! * c.centerWeight[i]!);
    if (v > best) {
      best = v;
      ci = i;
    }
  }
  const cy = Math.floor(ci / G);
  const cx = ci - cy * G;
  const out: { x: number; y: number; score: number }[] = [];
  for (let k = 0; k < MOVENET_KEYPOINTS; k++) {
    const ry = Math.fround(cy + regress[(2 * k) * cells + ci]!);
    const rx = Math.fround(cx + regress[(2 * k + 1) * cells + ci]!);
    const heat = heatmap.subarray(k * cells, (k + 1) * cells);
    let kb = -Infinity;
    let ki = 0;
    for (let y = 0; y < G; y++) {
      const dy = Math.fround(Math.fround(y - ry) * Math.fround(y - ry));
      for (let x = 0; x < G; x++) {
        const dx = Math.fround(Math.fround(x - rx) * Math.fround(x - rx));
        const d = Math.fround(Math.fround(Math.sqrt(Math.fround(dy + dx))) + c.distanceBias);
        const v = Math.fround(heat[y * G + x]! / d);
        if (v > kb) {
          kb = v;
          ki = y * G + x;
        }
      }
    }
    const ky = Math.floor(ki / G);
    const kx = ki - ky * G;
    const oy = offset[(2 * k) * cells + ki]!;
    const ox = offset[(2 * k + 1) * cells + ki]!;
    out.push({
      y: Math.fround(Math.fround(ky + oy) * c.outputScale),
      x: Math.fround(Math.fround(kx + ox) * c.outputScale),
      score: Math.min(1, Math.max(0, heat[ki]!)),
    });
  }
  return out;
}
