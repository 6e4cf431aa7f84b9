import { SeededRandom } from './SeededRandom.ts';
import { addStats, emptyStats } from './timeline.ts';
import type { TimelineStats } from './RubricTypes.ts';

/**
 * Moving-block bootstrap over a timeline of additive statistics (Künsch 1989, "The jackknife and
 * the bootstrap for general stationary observations", Annals of Statistics 17(3):1217–1241).
 * Speech metrics are autocorrelated over seconds (a fast passage, a quiet stretch), so resampling
 * single windows would understate the uncertainty; resampling contiguous blocks keeps that
 * dependence. Every block of `blockCells` consecutive cells (all overlapping start positions) is a
 * candidate; a resample concatenates ⌈cells / blockCells⌉ blocks drawn with replacement.
 */
export class MovingBlockBootstrap {
  private readonly blocks: TimelineStats[];
  private readonly perResample: number;

  /**
   * @param cells per-cell statistics in time order (≥ 1).
   * @param blockCells block length in cells (≥ 1); clamped to the number of cells, so a session
   *   shorter than one block has a single block and a zero-width interval.
   * @throws RangeError for no cells or a block length < 1.
   */
  constructor(cells: readonly TimelineStats[], blockCells: number) {
    if (cells.length === 0) throw new RangeError('MovingBlockBootstrap: no cells');
    if (!(blockCells >= 1)) throw new RangeError(`MovingBlockBootstrap: blockCells must be ≥ 1, got ${blockCells}`);
    const len = Math.min(Math.floor(blockCells), cells.length);
    this.blocks = [];
    for (let start = 0; start + len <= cells.length; start++) {
      const b = emptyStats();
      for (let i = start; i < start + len; i++) addStats(b, cells[i]!);
      this.blocks.push(b);
    }
    this.perResample = Math.ceil(cells.length / len);
  }

  /** Number of candidate blocks (cells − blockCells + 1). */
  get blockCount(): number {
    return this.blocks.length;
  }

  /**
   * Draws resamples.
   * @param count number of resamples (≥ 0).
   * @param seed PRNG seed; the same seed gives the same resamples.
   * @returns `count` summed statistics, one per resample.
   */
  resample(count: number, seed: number): TimelineStats[] {
    const rng = new SeededRandom(seed);
    const out: TimelineStats[] = [];
    for (let r = 0; r < count; r++) {
      const s = emptyStats();
      for (let k = 0; k < this.perResample; k++) addStats(s, this.blocks[rng.int(this.blocks.length)]!);
      out.push(s);
    }
    return out;
  }
}
