import { percentile } from '../util/percentile.ts';
import { sortedCopy } from '../voice/statistics.ts';
import { MovingBlockBootstrap } from './MovingBlockBootstrap.ts';
import { rubricV1 } from './rubricV1.ts';
import { SUBSCORE_KEYS } from './RubricTypes.ts';
import type {
  Rubric,
  RubricResult,
  ScoreEvidence,
  ScoringInput,
  Subscore,
  SubscoreKey,
  TimelineStats,
} from './RubricTypes.ts';
import { buildCells, scoredSpan, sumStats, timelineContext } from './timeline.ts';

/** Every rubric version that scores can be stored under, by version. Add new versions here. */
export const RUBRICS: Readonly<Record<string, Rubric>> = Object.freeze({ [rubricV1.version]: rubricV1 });

/** Version new sessions are scored with (and old ones re-scored to). */
export const LATEST_RUBRIC_VERSION: string = rubricV1.version;

/** Most evidence items per subscore. */
const MAX_EVIDENCE = 3;

/**
 * Looks a rubric up by version.
 * @throws Error naming the known versions when `version` is unknown.
 */
export function getRubric(version: string = LATEST_RUBRIC_VERSION): Rubric {
  const r = RUBRICS[version];
  if (!r) throw new Error(`unknown rubric version "${version}" (known: ${Object.keys(RUBRICS).join(', ')})`);
  return r;
}

const clamp100 = (x: number): number => Math.min(100, Math.max(0, x));

/** Subscores of one statistics object (null where the metric lacks data). */
function scoresOf(rubric: Rubric, s: TimelineStats): Record<SubscoreKey, number | null> {
  const out = {} as Record<SubscoreKey, number | null>;
  for (const k of SUBSCORE_KEYS) {
    const v = rubric.metrics[k].measure(s);
    out[k] = v === null ? null : clamp100(rubric.metrics[k].score(v));
  }
  return out;
}

/** Weighted mean over `keys` that are non-null in `scores` with weight > 0; null if none. */
function weightedOverall(rubric: Rubric, scores: Record<SubscoreKey, number | null>, keys: readonly SubscoreKey[]): number | null {
  let sw = 0;
  let sum = 0;
  for (const k of keys) {
    const v = scores[k];
    const w = rubric.weights[k];
    if (v === null || !(w > 0)) continue;
    sw += w;
    sum += w * v;
  }
  return sw > 0 ? sum / sw : null;
}

/** 95 % percentile interval of `samples`, widened if needed to contain `point`. */
function interval(samples: number[], point: number): [number, number] {
  if (samples.length === 0) return [point, point];
  const sorted = sortedCopy(samples);
  const lo = percentile(sorted, 2.5)!;
  const hi = percentile(sorted, 97.5)!;
  return [Math.min(lo, point), Math.max(hi, point)];
}

const fmt = (x: number): string => (Math.abs(x) >= 10 ? x.toFixed(0) : x.toFixed(2));

/**
 * Scores a session under a rubric.
 *
 * 1. The scored span (first word → last word, else the whole recording) is cut into
 *    `rubric.bootstrap.cellSec` cells of additive statistics.
 * 2. Point estimates: each metric's `measure` on the sum of all cells, then `score` (clamped 0–100).
 * 3. Uncertainty: moving-block bootstrap (Künsch 1989) with blocks of `blockSec` moving in cell
 *    steps, `resamples` resamples from a seeded PRNG; the 95 % interval is the 2.5th–97.5th
 *    percentile of the resampled scores, widened if needed to contain the point estimate
 *    (edge cells are under-represented by moving blocks, which can shift the resample mean).
 *    A span shorter than one block gives a zero-width interval.
 * 4. Overall: weighted mean of the available subscores (weights renormalised), with its interval
 *    from the same resamples.
 * 5. Evidence: the (up to 3) non-overlapping `blockSec` blocks that score lowest below 100.
 *
 * Deterministic: the same input and rubric give the same result.
 * @param input the session's analysis (durationSec > 0).
 * @param rubric the rubric; default v1.
 * @returns scores with `rubricVersion = rubric.version`.
 * @throws RangeError for a non-positive durationSec or invalid bootstrap settings.
 */
export function scoreSession(input: ScoringInput, rubric: Rubric = rubricV1): RubricResult {
  const { cellSec, blockSec, resamples, seed } = rubric.bootstrap;
  const blockCells = Math.max(1, Math.round(blockSec / cellSec));
  const ctx = timelineContext(input, rubric.longPauseSec, rubric.quietBelowMedianDb);
  const span = scoredSpan(input);
  const cells = buildCells(input, ctx, cellSec, span);
  const total = sumStats(cells);

  const pointValues = {} as Record<SubscoreKey, Record<string, number> | null>;
  for (const k of SUBSCORE_KEYS) pointValues[k] = rubric.metrics[k].measure(total);
  const point = scoresOf(rubric, total);
  const available = SUBSCORE_KEYS.filter((k) => point[k] !== null);

  const samples = Object.fromEntries(SUBSCORE_KEYS.map((k) => [k, [] as number[]])) as Record<SubscoreKey, number[]>;
  const overallSamples: number[] = [];
  for (const r of new MovingBlockBootstrap(cells, blockCells).resample(resamples, seed)) {
    const sc = scoresOf(rubric, r);
    for (const k of available) if (sc[k] !== null) samples[k].push(sc[k]);
    const o = weightedOverall(rubric, sc, available);
    if (o !== null) overallSamples.push(o);
  }

  const blocks: { startSec: number; endSec: number; stats: TimelineStats }[] = [];
  for (let i = 0; i < cells.length; i += blockCells) {
    const part = cells.slice(i, i + blockCells);
    const stats = sumStats(part);
    const startSec = span.startSec + i * cellSec;
    blocks.push({ startSec, endSec: startSec + stats.durationSec, stats });
  }

  const subscores = {} as Record<SubscoreKey, Subscore | null>;
  for (const k of SUBSCORE_KEYS) {
    const score = point[k];
    const value = pointValues[k];
    if (score === null || value === null) {
      subscores[k] = null;
      continue;
    }
    const metric = rubric.metrics[k];
    const ref = metric.reference;
    const evidence: ScoreEvidence[] = blocks
      .flatMap((b) => {
        const v = metric.measure(b.stats);
        if (v === null) return [];
        const s = clamp100(metric.score(v));
        return s < 100 - 1e-9 ? [{ b, v, s }] : [];
      })
      .sort((a, b) => a.s - b.s || a.b.startSec - b.b.startSec)
      .slice(0, MAX_EVIDENCE)
      .map(({ b, v }) => ({
        startSec: b.startSec,
        endSec: b.endSec,
        note: `${ref.quantity} ${fmt(v[ref.quantity] ?? NaN)} (reference ${fmt(ref.low)}–${fmt(ref.high)} ${ref.unit})`,
      }));
    subscores[k] = { score, ci95: interval(samples[k], score), value, reference: ref, evidence };
  }

  const overallPoint = weightedOverall(rubric, point, available);
  return {
    rubricVersion: rubric.version,
    overall: overallPoint === null ? null : { score: overallPoint, ci95: interval(overallSamples, overallPoint) },
    subscores,
  };
}
