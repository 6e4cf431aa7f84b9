/**
 * Small descriptive statistics used by summaries and the benchmark.
 */

/**
 * Percentile by linear interpolation between closest ranks (the "R-7" / NumPy default
 * definition, Hyndman & Fan 1996).
 * @param sorted values sorted ascending (not modified).
 * @param p percentile 0–100.
 * @returns the percentile, or null for an empty input.
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
 * Arithmetic mean.
 * @returns the mean, or null for an empty input.
 */
export function mean(values: ArrayLike<number>): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}

/** Sorts a copy ascending (numeric). */
export function sortedCopy(values: Iterable<number>): number[] {
  return [...values].sort((a, b) => a - b);
}
