/**
 * Small descriptive statistics used by summaries and the benchmark (percentiles:
 * `../util/percentile.ts`).
 */

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
