/**
 * Scores a measured value against a reference band: 100 inside [low, high], falling off as a
 * Gaussian shoulder outside it, 100·exp(−½·(d/σ)²) where d is the distance to the nearest band
 * edge and σ the fall-off width on that side. So d = σ → 60.7, d = 2σ → 13.5, d = 3σ → 1.1.
 * Smooth (no cliff at the band edge) and monotone in the distance.
 * @param x measured value (finite).
 * @param low lower band edge (use -Infinity for one-sided bands).
 * @param high upper band edge (use Infinity for one-sided bands), ≥ low.
 * @param sigmaLow fall-off width below the band (> 0), same unit as x.
 * @param sigmaHigh fall-off width above the band (> 0); default sigmaLow.
 * @returns 0–100.
 * @throws RangeError when low > high or a width is not positive.
 */
export function bandScore(x: number, low: number, high: number, sigmaLow: number, sigmaHigh = sigmaLow): number {
  if (!(low <= high)) throw new RangeError(`bandScore: low ${low} > high ${high}`);
  if (!(sigmaLow > 0) || !(sigmaHigh > 0)) throw new RangeError('bandScore: fall-off widths must be > 0');
  if (x >= low && x <= high) return 100;
  const z = x < low ? (low - x) / sigmaLow : (x - high) / sigmaHigh;
  return 100 * Math.exp(-0.5 * z * z);
}
