import { percentile } from '../util/percentile.ts';

/** One row of the offline pose timeline (5 per second). Angles in degrees, CCW positive (see contract body.ts). */
export interface BodyTimelineEntry {
  mediaTimeSec: number;
  present: boolean;
  shoulderTiltDeg: number | null;
  headTiltDeg: number | null;
  torsoLeanDeg: number | null;
  headYawDeg: number | null;
  facingRatio: number | null;
  gestureSwPerSec: number | null;
  swaySw: number | null;
  handsVisibleRatio: number | null;
  /** 17 COCO keypoints as [x, y, score], normalised to the original frame (unmirrored). */
  keypoints: [number, number, number][];
}

/** Distribution of a metric over the frames where it was known. */
export interface Distribution {
  median: number | null;
  p10: number | null;
  p90: number | null;
  /** Frames in which the metric was known (not null). */
  frames: number;
}

/** Body-language summary of a video (see {@link summarizeBody}). */
export interface BodySummary {
  durationSec: number;
  framesAnalysed: number;
  /** Share of frames (0–1) with a person in view. */
  presenceRatio: number;
  shoulderTiltDeg: Distribution;
  headTiltDeg: Distribution;
  torsoLeanDeg: Distribution;
  /** Share (0–1) of present frames with |head yaw| ≤ 30° (facing the camera); null if the face was never seen. */
  facingRatio: number | null;
  gestureSwPerSec: Distribution;
  swaySw: Distribution;
  /** Mean share (0–1) of wrists visible over present frames; null without present frames. */
  handsVisibleRatio: number | null;
  /** Plain-language observations from fixed thresholds (listed in {@link summarizeBody}); may be empty. */
  notes: string[];
}

/** Median, 10th and 90th percentile (R-7 linear interpolation, `../util/percentile.ts`) of the non-null values. */
export function distribution(values: (number | null)[]): Distribution {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return { median: null, p10: null, p90: null, frames: 0 };
  return { median: percentile(v, 50), p10: percentile(v, 10), p90: percentile(v, 90), frames: v.length };
}

/**
 * Summarises a pose timeline. Notes use these thresholds (coaching heuristics, not norms):
 * out of view > 20 % of the time; facing the camera < 60 % of the time; |median shoulder or head
 * tilt| > 8°; median sway > 0.10 shoulder widths (visible rocking); median gesture activity
 * < 0.05 SW/s (hands barely move) or p90 > 2 SW/s (very busy hands); hands visible < 30 %.
 */
export function summarizeBody(timeline: BodyTimelineEntry[], durationSec: number): BodySummary {
  const present = timeline.filter((e) => e.present);
  const presenceRatio = timeline.length === 0 ? 0 : present.length / timeline.length;
  const facingKnown = present.filter((e) => e.headYawDeg !== null || e.facingRatio !== null);
  const facing = facingKnown.length === 0 ? null : facingKnown.filter((e) => e.headYawDeg !== null && Math.abs(e.headYawDeg) <= 30).length / facingKnown.length;
  const hands = present.length === 0 ? null : present.reduce((a, e) => a + e.keypoints.slice(9, 11).filter((k) => k[2] >= 0.3).length / 2, 0) / present.length;
  const s: BodySummary = {
    durationSec,
    framesAnalysed: timeline.length,
    presenceRatio,
    shoulderTiltDeg: distribution(timeline.map((e) => e.shoulderTiltDeg)),
    headTiltDeg: distribution(timeline.map((e) => e.headTiltDeg)),
    torsoLeanDeg: distribution(timeline.map((e) => e.torsoLeanDeg)),
    facingRatio: facing,
    gestureSwPerSec: distribution(timeline.map((e) => e.gestureSwPerSec)),
    swaySw: distribution(timeline.map((e) => e.swaySw)),
    handsVisibleRatio: hands,
    notes: [],
  };
  const pct = (x: number) => `${Math.round(x * 100)} %`;
  if (timeline.length > 0 && presenceRatio < 0.8) s.notes.push(`Out of view ${pct(1 - presenceRatio)} of the time.`);
  if (facing !== null && facing < 0.6) s.notes.push(`Facing the camera only ${pct(facing)} of the time.`);
  if (s.shoulderTiltDeg.median !== null && Math.abs(s.shoulderTiltDeg.median) > 8) s.notes.push(`Shoulders tilted by ${Math.abs(s.shoulderTiltDeg.median).toFixed(0)}° on average.`);
  if (s.headTiltDeg.median !== null && Math.abs(s.headTiltDeg.median) > 8) s.notes.push(`Head tilted by ${Math.abs(s.headTiltDeg.median).toFixed(0)}° on average.`);
  if (s.swaySw.median !== null && s.swaySw.median > 0.1) s.notes.push(`Noticeable swaying (${s.swaySw.median.toFixed(2)} shoulder widths RMS).`);
  if (s.gestureSwPerSec.median !== null && s.gestureSwPerSec.median < 0.05) s.notes.push('Hands barely move: consider gesturing to support key points.');
  if (s.gestureSwPerSec.p90 !== null && s.gestureSwPerSec.p90 > 2) s.notes.push('Very busy hands at times.');
  if (hands !== null && hands < 0.3) s.notes.push(`Hands in view only ${pct(hands)} of the time.`);
  return s;
}
