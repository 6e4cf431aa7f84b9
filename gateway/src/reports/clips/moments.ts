/**
 * Picks the moments of a talk worth a clip on the report — the best and the weakest — from the
 * full pass's {@link ScoringInput} (words, fillers, pauses, 100 ms voice windows). Pure: no I/O, no
 * clock. Times are recording seconds (the full pass runs on the recording file, so they are what
 * the replay's `?t=` seeks to and what ffmpeg's `-ss` cuts at).
 *
 * Kinds, in the order they are picked (a later kind avoids the spans already picked, see
 * {@link MAX_OVERLAP_SHARE}):
 * 1. `filler-cluster` (weak): the {@link SHORT_WINDOW_SEC} window with the most fillers, ≥ 2.
 * 2. `fastest-pace`: the {@link SHORT_WINDOW_SEC} window with the most words → WPM; weak above the
 *    pace band ({@link PACE_GUIDANCE_WPM}), neutral inside it.
 * 3. `longest-pause`: the longest pause ≥ {@link MIN_NOTABLE_PAUSE_SEC} with 5 s before and 3 s
 *    after; weak when ≥ the rubric's long-pause threshold (2 s in rubric v1), else neutral.
 * 4. `liveliest` (best): the {@link SHORT_WINDOW_SEC} window with the widest pitch variety (SD of
 *    F0 in semitones over voiced windows) inside the pitch-variety band
 *    ({@link PITCH_VARIETY_GUIDANCE_ST}) — above it is more likely F0 tracking errors than
 *    expression — or the widest below the band's top when none is inside.
 * 5. `steadiest` (best): the minute (30 s when the talk is shorter than 75 s) with the lowest
 *    steadiness cost (see {@link steadinessCost}).
 */
import {
  MIN_PAUSE_SEC,
  PACE_GUIDANCE_WPM,
  PITCH_VARIETY_GUIDANCE_ST,
  type ClipMoment,
} from '@lectern/contract';
import { getRubric, type ScoringInput } from '@lectern/analyzers/scoring';

/** Length of the short windows (fillers, pace, pitch), seconds: long enough for a phrase or two. Engineering choice. */
export const SHORT_WINDOW_SEC = 20;
/** Step of the sliding windows, seconds. */
export const WINDOW_STEP_SEC = 1;
/** A candidate overlapping the spans already picked by more than this share of its own length is skipped. Engineering choice. */
export const MAX_OVERLAP_SHARE = 0.5;
/** Shortest pause worth a clip, seconds (4 × `MIN_PAUSE_SEC`: a pause a listener notices). Engineering choice. */
export const MIN_NOTABLE_PAUSE_SEC = 4 * MIN_PAUSE_SEC;
/** Context around the longest pause, seconds: the lead-in shows what was said before it. */
export const PAUSE_BEFORE_SEC = 5;
export const PAUSE_AFTER_SEC = 3;
/** A window needs this share of speech (VAD) to count for pace, pitch and steadiness. Engineering choice. */
export const MIN_SPEECH_SHARE = 0.4;
/** Fewest voiced 100 ms windows for a pitch SD (3 s of voicing). */
export const MIN_VOICED_WINDOWS = 30;

/** Options of {@link selectMoments}. */
export interface MomentOptions {
  /** Most moments returned (default 5, one per kind). */
  maxMoments?: number;
  /** The rubric's long-pause threshold, seconds (default: the latest rubric's, 2 s in v1). */
  longPauseSec?: number;
}

/** A picked moment (the contract's `ClipMoment`). */
export type Moment = ClipMoment;

const r1 = (x: number) => Math.round(x * 10) / 10;
const clock = (sec: number): string => {
  const s = Math.max(0, Math.round(sec));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

interface Span {
  startSec: number;
  endSec: number;
}
const overlapSec = (a: Span, b: Span) => Math.max(0, Math.min(a.endSec, b.endSec) - Math.max(a.startSec, b.startSec));
/** True when `c` overlaps the picked spans by at most {@link MAX_OVERLAP_SHARE} of its length. */
const free = (c: Span, picked: readonly Span[]) => picked.reduce((sum, p) => sum + overlapSec(c, p), 0) <= MAX_OVERLAP_SHARE * (c.endSec - c.startSec);

/** Window starts 0, step, … so that [start, start + len] fits in [0, durationSec]. */
function windowStarts(durationSec: number, lenSec: number, stepSec = WINDOW_STEP_SEC): number[] {
  const out: number[] = [];
  for (let s = 0; s + lenSec <= durationSec + 1e-9; s += stepSec) out.push(r1(s));
  return out;
}

/** Per-window voice statistics from the 100 ms windows. */
class VoiceIndex {
  readonly #w: ScoringInput['voice'];
  constructor(voice: ScoringInput['voice']) {
    this.#w = [...voice].sort((a, b) => a.mediaTimeSec - b.mediaTimeSec);
  }
  /** Windows starting in [from, to). */
  slice(from: number, to: number) {
    let lo = 0;
    let hi = this.#w.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#w[mid]!.mediaTimeSec < from) lo = mid + 1;
      else hi = mid;
    }
    const out: ScoringInput['voice'] = [];
    for (let i = lo; i < this.#w.length && this.#w[i]!.mediaTimeSec < to; i++) out.push(this.#w[i]!);
    return out;
  }
  speechShare(from: number, to: number): number {
    const w = this.slice(from, to);
    return w.length === 0 ? 0 : w.filter((x) => x.isSpeech).length / w.length;
  }
}

function sd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}

/** Start times (s) of the items starting in [from, to). */
const countIn = (items: readonly { startSec: number }[], from: number, to: number) => items.filter((x) => x.startSec >= from && x.startSec < to).length;

/**
 * Steadiness cost of a stretch: level SD over its speech windows in units of 3 dB plus the SD of
 * its 10 s blocks' WPM in units of 15 words/min (each ≈ what a listener hears as a change:
 * 3 dB is the just-noticeable loudness step for speech, 15 WPM a tenth of the pace band's centre).
 * Lower is steadier. Engineering choice; returns null when the stretch has too little speech.
 */
function steadinessCost(input: ScoringInput, voice: VoiceIndex, span: Span): { cost: number; levelSdDb: number; paceSdWpm: number; wpm: number } | null {
  const windows = voice.slice(span.startSec, span.endSec);
  const speech = windows.filter((w) => w.isSpeech);
  if (windows.length === 0 || speech.length / windows.length < MIN_SPEECH_SHARE) return null;
  const levelSdDb = sd(speech.map((w) => w.levelDbfs));
  const blocks: number[] = [];
  for (let b = span.startSec; b + 10 <= span.endSec + 1e-9; b += 10) blocks.push(countIn(input.words, b, b + 10) * 6);
  const paceSdWpm = sd(blocks);
  const wpm = (countIn(input.words, span.startSec, span.endSec) * 60) / (span.endSec - span.startSec);
  if (wpm === 0) return null;
  return { cost: levelSdDb / 3 + paceSdWpm / 15, levelSdDb, paceSdWpm, wpm };
}

/**
 * The moments of one talk, at most one per kind, in pick order (filler cluster, fastest pace,
 * longest pause, liveliest, steadiest), each inside [0, durationSec] with startSec < endSec.
 * A talk shorter than {@link SHORT_WINDOW_SEC} gives at most the longest pause; no words gives no
 * pace, filler or steadiness moment.
 */
export function selectMoments(input: ScoringInput, opts: MomentOptions = {}): Moment[] {
  const dur = input.durationSec;
  const maxMoments = opts.maxMoments ?? 5;
  const longPauseSec = opts.longPauseSec ?? getRubric().longPauseSec;
  const voice = new VoiceIndex(input.voice);
  const picked: Moment[] = [];
  const talkWpm = dur > 0 ? (input.words.length * 60) / dur : 0;

  // 1. Filler cluster.
  if (input.fillers.length >= 2 && dur >= SHORT_WINDOW_SEC) {
    let best: { s: number; n: number } | null = null;
    for (const s of windowStarts(dur, SHORT_WINDOW_SEC)) {
      const n = countIn(input.fillers, s, s + SHORT_WINDOW_SEC);
      if (n >= 2 && (!best || n > best.n)) best = { s, n };
    }
    if (best) {
      const items = input.fillers.filter((f) => f.startSec >= best!.s && f.startSec < best!.s + SHORT_WINDOW_SEC).sort((a, b) => a.startSec - b.startSec);
      // Tighten to the cluster itself with 2 s around it, at least 8 s long.
      let a = Math.max(0, items[0]!.startSec - 2);
      let b = Math.min(dur, items.at(-1)!.endSec + 2);
      if (b - a < 8) {
        const mid = (a + b) / 2;
        a = Math.max(0, mid - 4);
        b = Math.min(dur, a + 8);
      }
      const words = new Map<string, number>();
      for (const f of items) words.set(f.word ?? 'filler', (words.get(f.word ?? 'filler') ?? 0) + 1);
      const list = [...words].sort((x, y) => y[1] - x[1]).map(([w, n]) => (n > 1 ? `“${w}” ×${n}` : `“${w}”`)).join(', ');
      const rubric = getRubric().metrics.fillers.reference;
      picked.push({
        kind: 'filler-cluster',
        tone: 'weak',
        startSec: r1(a),
        endSec: r1(b),
        title: `${items.length} fillers in ${Math.round(b - a)} s`,
        why: `${list} between ${clock(a)} and ${clock(b)}, the densest stretch of fillers (reference ${rubric.low}–${rubric.high} ${rubric.unit}).`,
        value: items.length,
        unit: 'fillers',
      });
    }
  }

  // 2. Fastest 20 s by WPM.
  if (input.words.length > 0 && dur >= SHORT_WINDOW_SEC) {
    let best: { s: number; wpm: number } | null = null;
    for (const s of windowStarts(dur, SHORT_WINDOW_SEC)) {
      const span = { startSec: s, endSec: s + SHORT_WINDOW_SEC };
      if (!free(span, picked) || voice.speechShare(span.startSec, span.endSec) < MIN_SPEECH_SHARE) continue;
      const wpm = (countIn(input.words, s, s + SHORT_WINDOW_SEC) * 60) / SHORT_WINDOW_SEC;
      if (!best || wpm > best.wpm) best = { s, wpm };
    }
    if (best && best.wpm > 0) {
      const rushed = best.wpm > PACE_GUIDANCE_WPM.high;
      picked.push({
        kind: 'fastest-pace',
        tone: rushed ? 'weak' : 'neutral',
        startSec: best.s,
        endSec: r1(best.s + SHORT_WINDOW_SEC),
        title: rushed ? `Rushed ${SHORT_WINDOW_SEC} s` : `Fastest ${SHORT_WINDOW_SEC} s`,
        why: `${Math.round(best.wpm)} WPM over these ${SHORT_WINDOW_SEC} s (talk average ${Math.round(talkWpm)} WPM; reference ${PACE_GUIDANCE_WPM.low}–${PACE_GUIDANCE_WPM.high} words/min)${rushed ? ': slow down here.' : ', still inside the band.'}`,
        value: Math.round(best.wpm),
        unit: 'words/min',
      });
    }
  }

  // 3. Longest pause, with context.
  const pauses = [...input.pauses].filter((p) => p.endSec - p.startSec >= MIN_NOTABLE_PAUSE_SEC).sort((a, b) => b.endSec - b.startSec - (a.endSec - a.startSec));
  for (const p of pauses) {
    const span = { startSec: Math.max(0, p.startSec - PAUSE_BEFORE_SEC), endSec: Math.min(dur, p.endSec + PAUSE_AFTER_SEC) };
    if (span.endSec - span.startSec <= 0 || !free(span, picked)) continue;
    const len = p.endSec - p.startSec;
    const long = len >= longPauseSec;
    picked.push({
      kind: 'longest-pause',
      tone: long ? 'weak' : 'neutral',
      startSec: r1(span.startSec),
      endSec: r1(span.endSec),
      title: `Longest pause, ${len.toFixed(1)} s`,
      why: long
        ? `A ${len.toFixed(1)} s silence at ${clock(p.startSec)}: pauses of ${longPauseSec} s or more read as losing the thread (rubric long-pause threshold).`
        : `The longest silence, ${len.toFixed(1)} s at ${clock(p.startSec)}, is under the ${longPauseSec} s long-pause threshold: deliberate phrasing.`,
      value: r1(len),
      unit: 's',
    });
    break;
  }

  // 4. Liveliest 20 s by pitch variety.
  if (dur >= SHORT_WINDOW_SEC) {
    let inBand: { s: number; st: number } | null = null;
    let below: { s: number; st: number } | null = null;
    for (const s of windowStarts(dur, SHORT_WINDOW_SEC)) {
      const span = { startSec: s, endSec: s + SHORT_WINDOW_SEC };
      if (!free(span, picked)) continue;
      const voiced = voice.slice(s, s + SHORT_WINDOW_SEC).filter((w) => w.f0Hz !== null && w.f0Hz > 0);
      if (voiced.length < MIN_VOICED_WINDOWS) continue;
      const st = sd(voiced.map((w) => 12 * Math.log2(w.f0Hz! / 100)));
      if (st >= PITCH_VARIETY_GUIDANCE_ST.low && st <= PITCH_VARIETY_GUIDANCE_ST.high) {
        if (!inBand || st > inBand.st) inBand = { s, st };
      } else if (st < PITCH_VARIETY_GUIDANCE_ST.low && (!below || st > below.st)) below = { s, st };
    }
    const best = inBand ?? below;
    if (best) {
      picked.push({
        kind: 'liveliest',
        tone: inBand ? 'best' : 'neutral',
        startSec: best.s,
        endSec: r1(best.s + SHORT_WINDOW_SEC),
        title: inBand ? 'Liveliest voice' : 'Most pitch variety',
        why: `Pitch varied ${best.st.toFixed(1)} semitones (SD of F0) over these ${SHORT_WINDOW_SEC} s (reference ${PITCH_VARIETY_GUIDANCE_ST.low}–${PITCH_VARIETY_GUIDANCE_ST.high} st)${inBand ? ': an engaged, expressive stretch.' : ', the most of the talk but still under the band.'}`,
        value: r1(best.st),
        unit: 'st',
      });
    }
  }

  // 5. Steadiest minute (30 s in short talks).
  const steadyLen = dur >= 75 ? 60 : dur >= 40 ? 30 : 0;
  if (steadyLen > 0 && input.words.length > 0) {
    type Steady = { s: number; c: NonNullable<ReturnType<typeof steadinessCost>> };
    let best = null as Steady | null;
    let fallback = null as Steady | null;
    for (const s of windowStarts(dur, steadyLen, 5)) {
      const span = { startSec: s, endSec: s + steadyLen };
      const c = steadinessCost(input, voice, span);
      if (!c) continue;
      if (!fallback || c.cost < fallback.c.cost) fallback = { s, c };
      if (free(span, picked) && (!best || c.cost < best.c.cost)) best = { s, c };
    }
    const pick = best ?? fallback;
    if (pick) {
      const label = steadyLen === 60 ? 'minute' : `${steadyLen} s`;
      picked.push({
        kind: 'steadiest',
        tone: 'best',
        startSec: pick.s,
        endSec: r1(pick.s + steadyLen),
        title: `Steadiest ${label}`,
        why: `Level varied ±${pick.c.levelSdDb.toFixed(1)} dB and pace ${Math.round(pick.c.wpm)} ± ${Math.round(pick.c.paceSdWpm)} WPM across 10 s blocks: the most even ${label} of the talk.`,
        value: r1(pick.c.cost),
        unit: 'steadiness cost (lower is steadier)',
      });
    }
  }

  return picked.slice(0, maxMoments);
}
