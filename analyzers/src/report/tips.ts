import { SUBSCORE_KEYS, type RubricResult, type Subscore, type SubscoreKey } from '../scoring/RubricTypes.ts';
import type { Tip } from './ReportTypes.ts';

/** Subscores at or above this (0–100) get no tip: they are inside or close to their band. */
export const TIP_THRESHOLD = 90;
/** At most this many tips per report. */
export const MAX_TIPS = 3;

const f0 = (x: number | undefined): string => (x === undefined ? '?' : x.toFixed(0));
const f1 = (x: number | undefined): string => (x === undefined ? '?' : x.toFixed(1));
const pct = (x: number | undefined): string => (x === undefined ? '?' : `${(x * 100).toFixed(0)} %`);

/** Headline and advice for a subscore, direction-aware (too fast vs too slow, …). */
function advise(key: SubscoreKey, s: Subscore): { title: string; advice: string } {
  const v = s.value;
  const r = s.reference;
  const band = `${r.low}–${r.high === Infinity ? '∞' : r.high} ${r.unit}`;
  switch (key) {
    case 'pace':
      return v.wpm! > r.high
        ? { title: 'Slow down', advice: `You spoke at ${f0(v.wpm)} WPM (reference ${band}). Land each key point, then breathe before the next one; try the pacing drill.` }
        : { title: 'Pick up the pace', advice: `You spoke at ${f0(v.wpm)} WPM (reference ${band}). Rehearse the opening until it flows, and cut long run-ups to each point.` };
    case 'fillers':
      return { title: 'Replace fillers with silence', advice: `${f1(v.fillersPerMin)} fillers per minute (reference ${band}). When you need a moment, close your mouth and pause — a silent pause sounds confident.` };
    case 'pauses':
      return v.meanPauseSec! < r.low
        ? { title: 'Give your points room', advice: `Your pauses average ${f1(v.meanPauseSec)} s (reference ${band}). Pause about a second after each key sentence so it sinks in.` }
        : { title: 'Shorten the long silences', advice: `Your pauses average ${f1(v.meanPauseSec)} s and ${pct(v.longPauseShare)} of them are ≥ 2 s. Know your next point before you finish the current one.` };
    case 'pitchVariety':
      return v.f0SdSemitones! < r.low
        ? { title: 'Vary your pitch', advice: `Your pitch varied by ${f1(v.f0SdSemitones)} semitones (reference ${band}): it can sound monotone. Stress the one word that matters in each sentence.` }
        : { title: 'Steady your pitch', advice: `Your pitch varied by ${f1(v.f0SdSemitones)} semitones (reference ${band}). Keep emphasis for the words that carry the point.` };
    case 'volume':
      return v.quietShare! > 0.1
        ? { title: 'Keep your voice up', advice: `${pct(v.quietShare)} of your speech was much quieter than your usual level — often at sentence ends. Project through to the last word.` }
        : { title: 'Use your volume deliberately', advice: `Your level varied by ${f1(v.levelSdDb)} dB (reference ${band}). Vary loudness on purpose, for emphasis.` };
    case 'posture':
      return { title: 'Stand level', advice: `Your shoulders/torso tilted ${f1(v.meanTiltDeg)}° on average (reference ${band}). Plant both feet and keep your shoulders level.` };
    case 'gestures':
      return v.meanGestureSwPerSec! < r.low
        ? { title: 'Use your hands', advice: `Your hands moved ${f1(v.meanGestureSwPerSec)} shoulder widths/s (reference ${band}). Let your hands show size, sequence and contrast.` }
        : { title: 'Calm your hands', advice: `Your hands moved ${f1(v.meanGestureSwPerSec)} shoulder widths/s (reference ${band}). Rest them between deliberate gestures.` };
    case 'eyeContact':
      return { title: 'Face your audience', advice: `You faced the camera ${pct(v.meanFacingRatio)} of the time (reference ${band}). Glance at notes, then come back to the lens.` };
  }
}

/**
 * Up to {@link MAX_TIPS} tips for the weakest subscores below {@link TIP_THRESHOLD}, weakest first
 * (ties in report order), each with the subscore's evidence (the worst 10 s blocks, recording
 * seconds) so the report can link to the replay at those moments.
 * @param scores a rubric result.
 * @returns 0–3 tips.
 */
export function buildTips(scores: RubricResult): Tip[] {
  return SUBSCORE_KEYS.flatMap((k) => {
    const s = scores.subscores[k];
    return s && s.score < TIP_THRESHOLD ? [{ k, s }] : [];
  })
    .sort((a, b) => a.s.score - b.s.score)
    .slice(0, MAX_TIPS)
    .map(({ k, s }) => ({ subscore: k, score: s.score, ...advise(k, s), evidence: s.evidence }));
}
