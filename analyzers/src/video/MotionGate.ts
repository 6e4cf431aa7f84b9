/** Options of {@link MotionGate}. */
export interface MotionGateOptions {
  /** Side of the square block averaged into one cell of the grey thumbnail, px (default 8: 192² → 24²). */
  blockPx?: number;
  /** A cell counts as changed when its mean grey level moved by more than this (0–255, default 10). */
  cellThreshold?: number;
  /** The frame counts as changed when more than this share of cells changed (default 0.01 = 1 %). */
  changedShare?: number;
}

/** Result of {@link MotionGate.compare}. */
export interface MotionGateResult {
  /** True when the frame differs enough from the reference to be worth a new inference. */
  changed: boolean;
  /** Share of thumbnail cells (0–1) whose grey level moved by more than the cell threshold. */
  changedShare: number;
  /** Mean absolute grey-level difference over all cells (0–255). */
  meanAbsDiff: number;
}

/**
 * Motion gating: decides cheaply whether a frame changed enough since the last frame that went to
 * pose inference. Both frames are reduced to a grey thumbnail (mean BT.601 luma, Y ≈ (77 R +
 * 150 G + 29 B) / 256, over `blockPx`² blocks — block means average out sensor noise and compression
 * artefacts), and the frame counts as changed when more than `changedShare` of the cells moved by
 * more than `cellThreshold` grey levels. Counting changed cells rather than averaging the
 * difference lets a small moving hand trigger inference, while a global flicker of a level or two
 * does not. With 8 px blocks a 1 px shift of an edge of contrast C moves a cell by C/8, so the
 * default threshold of 10 levels ignores 1 px wobble (below MoveNet's own keypoint jitter at 192²)
 * of all but the hardest edges, while a hand moving a few pixels changes several cells by tens of
 * levels. Cost: one pass over the pixels in integer arithmetic (≈ 0.15 ms for 192×192).
 *
 * The reference is set explicitly ({@link setReference}) when a frame is sent to inference, so slow
 * drift accumulates against it and eventually triggers a new inference.
 */
export class MotionGate {
  readonly #block: number;
  readonly #cellThreshold: number;
  readonly #changedShare: number;
  #reference: Float32Array | null = null;
  #refWidth = 0;
  #refHeight = 0;
  #scratch: Float32Array = new Float32Array(0);

  constructor(opts: MotionGateOptions = {}) {
    this.#block = opts.blockPx ?? 8;
    this.#cellThreshold = opts.cellThreshold ?? 10;
    this.#changedShare = opts.changedShare ?? 0.01;
  }

  /** True once a reference frame was set. */
  get hasReference(): boolean {
    return this.#reference !== null;
  }

  /**
   * Compares a packed RGB24 frame with the reference. Without a reference, or when the size
   * differs from the reference's, the frame counts as changed.
   * @throws RangeError when `rgb` is shorter than width×height×3.
   */
  compare(rgb: Uint8Array, width: number, height: number): MotionGateResult {
    const thumb = this.#thumbnail(rgb, width, height, this.#scratchFor(width, height));
    const ref = this.#reference;
    if (!ref || this.#refWidth !== width || this.#refHeight !== height) return { changed: true, changedShare: 1, meanAbsDiff: 255 };
    let changed = 0;
    let sum = 0;
    for (let i = 0; i < thumb.length; i++) {
      const d = Math.abs(thumb[i]! - ref[i]!);
      sum += d;
      if (d > this.#cellThreshold) changed++;
    }
    const share = changed / thumb.length;
    return { changed: share > this.#changedShare, changedShare: share, meanAbsDiff: sum / thumb.length };
  }

  /** Makes this frame the reference that later frames are compared with. */
  setReference(rgb: Uint8Array, width: number, height: number): void {
    const cells = Math.ceil(width / this.#block) * Math.ceil(height / this.#block);
    if (!this.#reference || this.#reference.length !== cells) this.#reference = new Float32Array(cells);
    this.#thumbnail(rgb, width, height, this.#reference);
    this.#refWidth = width;
    this.#refHeight = height;
  }

  /** Forgets the reference (the next frame counts as changed). */
  reset(): void {
    this.#reference = null;
  }

  #scratchFor(width: number, height: number): Float32Array {
    const cells = Math.ceil(width / this.#block) * Math.ceil(height / this.#block);
    if (this.#scratch.length !== cells) this.#scratch = new Float32Array(cells);
    return this.#scratch;
  }

  #thumbnail(rgb: Uint8Array, width: number, height: number, out: Float32Array): Float32Array {
    if (rgb.length < width * height * 3) throw new RangeError(`frame has ${rgb.length} bytes, ${width}×${height} RGB needs ${width * height * 3}`);
    const b = this.#block;
    const cols = Math.ceil(width / b);
    const rows = Math.ceil(height / b);
    // Integer BT.601 luma ×256 (77 R + 150 G + 29 B), summed per block, then scaled back to 0–255.
    for (let cy = 0; cy < rows; cy++) {
      const y1 = Math.min(height, (cy + 1) * b);
      for (let cx = 0; cx < cols; cx++) {
        const x0 = cx * b;
        const x1 = Math.min(width, x0 + b);
        let sum = 0;
        for (let y = cy * b; y < y1; y++) {
          let p = (y * width + x0) * 3;
          const end = (y * width + x1) * 3;
          for (; p < end; p += 3) sum += 77 * rgb[p]! + 150 * rgb[p + 1]! + 29 * rgb[p + 2]!;
        }
        out[cy * cols + cx] = sum / (256 * (y1 - cy * b) * (x1 - x0));
      }
    }
    return out;
  }
}
