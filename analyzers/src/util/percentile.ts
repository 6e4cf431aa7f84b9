/**
 * The one percentile definition of the repository (summaries, scoring intervals, benches, tests,
 * the web app's live latency card).
 *
 * Definition: linear interpolation between closest ranks — Hyndman & Fan (1996) type 7, R's
 * default `quantile(type = 7)`, NumPy's default `np.percentile(method='linear')`, Excel's
 * PERCENTILE.INC. For n sorted values x₀ ≤ … ≤ xₙ₋₁ and p ∈ [0, 100]:
 *   h = (n − 1)·p/100,  Q(p) = x⌊h⌋ + (h − ⌊h⌋)·(x⌊h⌋₊₁ − x⌊h⌋)
 * so Q(0) = min, Q(100) = max, Q(50) = the usual median, and Q is continuous in p.
 *
 * Dependency-free on purpose: the web bundle and plain-Node scripts import this file directly.
 */

/**
 * Percentile of values already sorted ascending (R-7, see the module comment).
 * @param sorted values sorted ascending (not modified; not checked — unsorted input gives garbage).
 * @param p percentile in [0, 100]; values outside are clamped.
 * @returns the percentile in the units of the values, or null for an empty input.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const h = ((n - 1) * Math.min(100, Math.max(0, p))) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * Percentile of unsorted values (sorts a copy numerically, then {@link percentile}).
 * @param values any order (not modified).
 * @param p percentile in [0, 100]; clamped.
 * @returns the percentile, or null for an empty input.
 */
export function percentileOf(values: ArrayLike<number> | Iterable<number>, p: number): number | null {
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  return percentile(sorted, p);
}
