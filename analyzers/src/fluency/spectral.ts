/**
 * Small DSP helpers for the filled-pause detector: an in-place radix-2 FFT, a mel filterbank and
 * a DCT-II, enough to compute mel-frequency cepstra (Davis & Mermelstein 1980) of 32 ms frames.
 */

/** In-place iterative radix-2 complex FFT. `re`/`im` length must be a power of two. */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i]!;
      re[i] = re[j]!;
      re[j] = t;
      t = im[i]!;
      im[i] = im[j]!;
      im[j] = t;
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const xr = re[b]! * cr - im[b]! * ci;
        const xi = re[b]! * ci + im[b]! * cr;
        re[b] = re[a]! - xr;
        im[b] = im[a]! - xi;
        re[a] = re[a]! + xr;
        im[a] = im[a]! + xi;
        const ncr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = ncr;
      }
    }
  }
}

/**
 * Triangular mel filterbank weights.
 * @returns `bands` rows of `nfft/2 + 1` weights.
 */
export function melFilterbank(bands: number, nfft: number, sampleRate: number, loHz: number, hiHz: number): Float64Array[] {
  const mel = (f: number): number => 2595 * Math.log10(1 + f / 700);
  const inv = (m: number): number => 700 * (10 ** (m / 2595) - 1);
  const pts = Array.from({ length: bands + 2 }, (_, i) => inv(mel(loHz) + ((mel(hiHz) - mel(loHz)) * i) / (bands + 1)));
  const bins = nfft / 2 + 1;
  return Array.from({ length: bands }, (_, b) => {
    const w = new Float64Array(bins);
    const [l, c, r] = [pts[b]!, pts[b + 1]!, pts[b + 2]!];
    for (let k = 0; k < bins; k++) {
      const f = (k * sampleRate) / nfft;
      if (f > l && f < r) w[k] = f <= c ? (f - l) / (c - l) : (r - f) / (r - c);
    }
    return w;
  });
}

/** DCT-II of `x` into `out` (first `out.length` coefficients, orthonormal scaling). */
export function dct(x: Float64Array, out: Float64Array): void {
  const n = x.length;
  for (let k = 0; k < out.length; k++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i]! * Math.cos((Math.PI * k * (2 * i + 1)) / (2 * n));
    out[k] = s * Math.sqrt((k === 0 ? 1 : 2) / n);
  }
}
