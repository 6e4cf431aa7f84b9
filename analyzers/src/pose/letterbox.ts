/**
 * Letterboxing: fitting a W×H frame into a square model input without distorting it (scale the long
 * side to the square, pad the short side equally on both ends), and mapping model coordinates back.
 * Portrait frames are padded left/right, landscape frames top/bottom. Pixels stay square, so angles
 * measured in letterboxed coordinates equal angles in the original frame.
 */

/** Where the scaled frame sits inside the square, in square pixels. */
export interface LetterboxRect {
  /** Side of the square (e.g. 192). */
  size: number;
  /** Left/top padding in pixels (≥ 0). */
  offsetX: number;
  offsetY: number;
  /** Size of the scaled frame inside the square in pixels (one of them equals `size`). */
  width: number;
  height: number;
}

/**
 * Computes the letterbox placement of a `srcWidth`×`srcHeight` frame in a `size`² square.
 * @throws RangeError when a dimension is not a positive number.
 */
export function letterboxRect(srcWidth: number, srcHeight: number, size: number): LetterboxRect {
  if (!(srcWidth > 0 && srcHeight > 0 && size > 0)) throw new RangeError(`bad letterbox ${srcWidth}×${srcHeight} → ${size}`);
  const scale = size / Math.max(srcWidth, srcHeight);
  const width = Math.min(size, Math.round(srcWidth * scale));
  const height = Math.min(size, Math.round(srcHeight * scale));
  return { size, offsetX: Math.floor((size - width) / 2), offsetY: Math.floor((size - height) / 2), width, height };
}

/**
 * Maps a point given in normalised letterboxed-square coordinates (0–1 over the square) to
 * normalised coordinates of the original frame (0–1 over the content; padding maps outside 0–1).
 */
export function unletterbox(rect: LetterboxRect, x: number, y: number): { x: number; y: number } {
  return {
    x: (x * rect.size - rect.offsetX) / rect.width,
    y: (y * rect.size - rect.offsetY) / rect.height,
  };
}

/**
 * Writes a letterboxed copy of a packed RGB24 frame into `out` (a `size`²×3 array, e.g. the model's
 * int32 input), resampling bilinearly when the frame is not already `rect`-sized, and filling the
 * padding with `pad` (0–255 grey). When the frame already has the scaled size, it is copied as is.
 * @throws RangeError when `rgb` is shorter than width×height×3 or `out` shorter than size²×3.
 */
export function letterboxInto(
  rgb: Uint8Array,
  width: number,
  height: number,
  rect: LetterboxRect,
  out: Int32Array | Uint8Array | Float32Array,
  pad = 0,
): void {
  const { size, offsetX, offsetY } = rect;
  if (rgb.length < width * height * 3) throw new RangeError(`frame has ${rgb.length} bytes, ${width}×${height} RGB needs ${width * height * 3}`);
  if (out.length < size * size * 3) throw new RangeError(`output has ${out.length} values, needs ${size * size * 3}`);
  out.fill(pad, 0, size * size * 3);
  const same = rect.width === width && rect.height === height;
  const sx = width / rect.width;
  const sy = height / rect.height;
  for (let y = 0; y < rect.height; y++) {
    const row = (y + offsetY) * size;
    if (same) {
      const src = y * width * 3;
      for (let x = 0; x < width * 3; x++) out[(row + offsetX) * 3 + x] = rgb[src + x]!;
      continue;
    }
    // Bilinear sample at pixel centres.
    const fy = Math.min(height - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(height - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < rect.width; x++) {
      const fx = Math.min(width - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(width - 1, x0 + 1);
      const wx = fx - x0;
      const a = (y0 * width + x0) * 3;
      const b = (y0 * width + x1) * 3;
      const c = (y1 * width + x0) * 3;
      const d = (y1 * width + x1) * 3;
      const o = (row + offsetX + x) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const top = rgb[a + ch]! + (rgb[b + ch]! - rgb[a + ch]!) * wx;
        const bottom = rgb[c + ch]! + (rgb[d + ch]! - rgb[c + ch]!) * wx;
        out[o + ch] = Math.round(top + (bottom - top) * wy);
      }
    }
  }
}
