import { percentile } from '../util/percentile.ts';
import { sortedCopy } from '../voice/statistics.ts';
import type { ScoringInput, TimelineContext, TimelineStats } from './RubricTypes.ts';

/** A zeroed {@link TimelineStats}. */
export function emptyStats(): TimelineStats {
  return {
    durationSec: 0, words: 0, fillers: 0, pauses: 0, longPauses: 0, pauseSec: 0,
    voiced: 0, sumSt: 0, sumSt2: 0, speech: 0, sumDb: 0, sumDb2: 0, quiet: 0,
    posture: 0, sumTiltDeg: 0, gesture: 0, sumGestureSwPerSec: 0, facing: 0, sumFacing: 0,
  };
}

/** Adds `b` into `a` in place (all fields are additive) and returns `a`. */
export function addStats(a: TimelineStats, b: TimelineStats): TimelineStats {
  for (const k of Object.keys(a) as (keyof TimelineStats)[]) a[k] += b[k];
  return a;
}

/** Sum of a list of statistics (a new object). */
export function sumStats(list: readonly TimelineStats[]): TimelineStats {
  const out = emptyStats();
  for (const s of list) addStats(out, s);
  return out;
}

/**
 * Session-wide context: the very-quiet threshold (median speech level − `quietBelowMedianDb`,
 * relative so that microphone gain does not matter) and the long-pause threshold.
 */
export function timelineContext(input: ScoringInput, longPauseSec: number, quietBelowMedianDb: number): TimelineContext {
  const levels = sortedCopy(input.voice.filter((w) => w.isSpeech).map((w) => w.levelDbfs));
  const median = percentile(levels, 50);
  return { quietBelowDbfs: median === null ? null : median - quietBelowMedianDb, longPauseSec };
}

/**
 * The scored span of a session, media seconds: from the first word's start to the last word's
 * end (as `FluencySummary.wpm`, so leading/trailing silence does not lower the pace), or the whole
 * recording [0, durationSec] when there are no words or the word span is shorter than 1 s.
 * @throws RangeError for a non-positive durationSec.
 */
export function scoredSpan(input: ScoringInput): { startSec: number; endSec: number } {
  if (!(input.durationSec > 0)) throw new RangeError(`scoring: durationSec must be > 0, got ${input.durationSec}`);
  if (input.words.length > 0) {
    const startSec = Math.min(...input.words.map((w) => w.startSec));
    const endSec = Math.max(...input.words.map((w) => w.endSec));
    if (endSec - startSec >= 1) return { startSec, endSec };
  }
  return { startSec: 0, endSec: input.durationSec };
}

/**
 * Splits the span into cells of `cellSec` and accumulates each word, filler and pause (by its
 * start), voice window and body sample (by its media time) into its cell; times outside the span
 * fall into the first/last cell (so nothing measured is dropped).
 * @param input the session.
 * @param ctx session-wide thresholds from {@link timelineContext}.
 * @param cellSec cell length, seconds (> 0).
 * @param span scored span from {@link scoredSpan} (endSec > startSec).
 * @returns ceil(span / cellSec) cells in time order, the last possibly shorter.
 * @throws RangeError for a non-positive cell length or an empty span.
 */
export function buildCells(
  input: ScoringInput,
  ctx: TimelineContext,
  cellSec: number,
  span: { startSec: number; endSec: number },
): TimelineStats[] {
  if (!(cellSec > 0)) throw new RangeError(`scoring: cellSec must be > 0, got ${cellSec}`);
  const len = span.endSec - span.startSec;
  if (!(len > 0)) throw new RangeError(`scoring: empty span ${span.startSec}–${span.endSec}`);
  const n = Math.max(1, Math.ceil(len / cellSec - 1e-9));
  const cells = Array.from({ length: n }, (_, i) => {
    const s = emptyStats();
    s.durationSec = Math.min(cellSec, len - i * cellSec);
    return s;
  });
  const at = (t: number): TimelineStats =>
    cells[Math.min(n - 1, Math.max(0, Math.floor((t - span.startSec) / cellSec)))]!;
  for (const w of input.words) at(w.startSec).words++;
  for (const f of input.fillers) at(f.startSec).fillers++;
  for (const p of input.pauses) {
    const c = at(p.startSec);
    const d = Math.max(0, p.endSec - p.startSec);
    c.pauses++;
    c.pauseSec += d;
    if (d >= ctx.longPauseSec) c.longPauses++;
  }
  for (const v of input.voice) {
    const c = at(v.mediaTimeSec);
    if (v.f0Hz !== null && v.f0Hz > 0) {
      const st = 12 * Math.log2(v.f0Hz / 100);
      c.voiced++;
      c.sumSt += st;
      c.sumSt2 += st * st;
    }
    if (v.isSpeech) {
      c.speech++;
      c.sumDb += v.levelDbfs;
      c.sumDb2 += v.levelDbfs * v.levelDbfs;
      if (ctx.quietBelowDbfs !== null && v.levelDbfs < ctx.quietBelowDbfs) c.quiet++;
    }
  }
  for (const b of input.body ?? []) {
    const c = at(b.mediaTimeSec);
    const tilts = [b.shoulderTiltDeg, b.torsoLeanDeg].filter((x): x is number => x !== null).map(Math.abs);
    if (tilts.length > 0) {
      c.posture++;
      c.sumTiltDeg += Math.max(...tilts);
    }
    if (b.gestureSwPerSec !== null) {
      c.gesture++;
      c.sumGestureSwPerSec += b.gestureSwPerSec;
    }
    if (b.facingRatio !== null) {
      c.facing++;
      c.sumFacing += b.facingRatio;
    }
  }
  return cells;
}
