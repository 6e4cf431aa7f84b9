/** Small numeric helpers shared by tests and benchmarks. */
import { percentileOf } from '../../analyzers/src/util/percentile.ts';

/**
 * Percentile (p in 0–100) of an unsorted array, NaN when empty — the repository's one definition
 * (R-7 linear interpolation, `analyzers/src/util/percentile.ts`), NaN instead of null so that
 * `toFixed` and `expect(…).toBeLessThan` read naturally in tests.
 */
export function percentile(values: readonly number[], p: number): number {
  return percentileOf(values, p) ?? Number.NaN;
}

/** Median (p50). */
export const median = (values: readonly number[]): number => percentile(values, 50);

/** Pearson correlation of two equal-length series; NaN if either is constant. */
export function pearson(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let sa = 0, sb = 0;
  for (let i = 0; i < n; i++) (sa += a[i]!), (sb += b[i]!);
  const ma = sa / n, mb = sb / n;
  let cov = 0, va = 0, vb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma, db = b[i]! - mb;
    cov += da * db; va += da * da; vb += db * db;
  }
  return cov / Math.sqrt(va * vb);
}

/**
 * Finds the lag (in samples of the series, e.g. 100 ms windows) that best aligns `observed` with
 * `reference` (observed[i] ≈ reference[i - lag]), searching lags in [minLag, maxLag] and using the
 * reference circularly (Chromium loops its fake-capture file). Returns the lag and its correlation.
 */
export function bestLag(
  reference: readonly number[],
  observed: readonly number[],
  minLag: number,
  maxLag: number,
): { lag: number; r: number } {
  let best = { lag: 0, r: -Infinity };
  const n = reference.length;
  for (let lag = minLag; lag <= maxLag; lag++) {
    const ref: number[] = [];
    const obs: number[] = [];
    for (let i = 0; i < observed.length; i++) {
      const j = i - lag;
      if (j < 0) continue;
      ref.push(reference[j % n]!);
      obs.push(observed[i]!);
    }
    if (obs.length < 20) continue;
    const r = pearson(ref, obs);
    if (r > best.r) best = { lag, r };
  }
  return best;
}
