/**
 * Turns a stored session timeline (`GET /v1/sessions/:id/timeline`, session media time) into
 * chart series and transcript segments on the RECORDING's clock: every time here is a playback
 * position `mediaTimeSec + mediaTimeOriginSec`, so the chart axis, the transcript and
 * `video.currentTime` agree and seeking is `video.currentTime = t`.
 */
import type { MediaObject, SessionDetail, Timeline, TimelineFrame, TimelineFrameOf, TimelineWord } from '#lib/api/types.ts';
import { groupBySegment, isFiller, tokenizeSegments, type FillerLike, type Segment, type Span, type Token } from '#lib/transcript.ts';

/** A gap between frames longer than this many windows breaks the line (analyzer down, no video). */
const GAP_WINDOWS = 5;

/** uPlot-ready series: x (positions, seconds, increasing) and y arrays with `null` gaps. */
export interface Series {
  x: number[];
  ys: (number | null)[][];
}

export interface ReplayData {
  /** Playback position of session media time 0. */
  originSec: number;
  /** Chart span end: the recording's length if known, else the end of the data. */
  endSec: number;
  /** Voice: [levelDbfs, f0Hz]. */
  voice: Series;
  /** Fluency (null if no fluency frame has a pace): [wpm30s, fillerCount]. */
  fluency: Series | null;
  /** Posture (null if no body frame has a value): [torsoLeanDeg, shoulderTiltDeg]. */
  posture: Series | null;
  pauses: Span[];
  /** Filler events (kinds `lexical-filler`, `filled-pause`). */
  fillers: FillerLike[];
  /** Other disfluencies (repetitions, hedges). */
  otherDisfluencies: FillerLike[];
  /** Remote coach comments at their playback positions (`atSec`), in time order. */
  comments: ReplayComment[];
  /** Transcript by recogniser segment, with tokens (fillers matched by time). */
  segments: { id: number; startSec: number; tokens: Token[] }[];
  wordCount: number;
  summary: ReplaySummary;
}

/** A coach comment on the replay: `atSec` = its media time + the recording's origin, seconds. */
export interface ReplayComment {
  id: string;
  atSec: number;
  text: string;
  authorName: string;
}

export interface ReplaySummary {
  /** Speech time / elapsed time at the last voice frame, 0–1. */
  speakingRatio: number | null;
  /** Words per minute over the whole session (last fluency frame), else from the words. */
  wpmOverall: number | null;
  articulationWpm: number | null;
  /** Null when nothing could detect fillers (no fluency frames, no words, no filler events). */
  fillerCount: number | null;
  fillersPerMin: number | null;
  /** Null when no voice metrics were stored. */
  pauseCount: number | null;
  longestPauseSec: number | null;
  medianF0Hz: number | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
/** `{ value, confidence }` (body metrics) or a plain number. */
const measured = (v: unknown): number | null =>
  v && typeof v === 'object' && 'value' in v ? num((v as { value: unknown }).value) : num(v);

/** The recording to play: the newest `recording` object (uploaded preferred). */
export function pickRecording(session: SessionDetail): MediaObject | null {
  const recs = session.mediaObjects.filter((m) => m.kind === 'recording');
  return recs.findLast((m) => m.state === 'uploaded') ?? recs.at(-1) ?? null;
}

/** The producer with the most frames of `kind` (a session normally has one per kind). */
function mainProducer(frames: readonly TimelineFrame[], kind: string): string | null {
  const counts = new Map<string, number>();
  for (const f of frames) if (f.kind === kind) counts.set(f.producerId, (counts.get(f.producerId) ?? 0) + 1);
  let best: string | null = null;
  let n = 0;
  for (const [id, c] of counts) if (c > n) [best, n] = [id, c];
  return best;
}

/** Builds a series of `kind` frames of one producer, inserting null gaps where frames are missing. */
function series(
  frames: readonly TimelineFrame[],
  kind: string,
  producerId: string | null,
  origin: number,
  pick: ((p: Record<string, unknown>) => number | null)[],
  defaultWindowSec: number,
): Series {
  const x: number[] = [];
  const ys: (number | null)[][] = pick.map(() => []);
  let last = Number.NEGATIVE_INFINITY;
  for (const f of frames) {
    if (f.kind !== kind || f.producerId !== producerId) continue;
    const t = f.mediaTimeSec + origin;
    if (t <= last) continue; // duplicates: keep x strictly increasing for uPlot
    const win = f.windowSec ?? defaultWindowSec;
    if (x.length && t - last > win * GAP_WINDOWS) {
      x.push((t + last) / 2);
      for (const y of ys) y.push(null);
    }
    x.push(t);
    pick.forEach((fn, i) => ys[i]!.push(fn(f.payload)));
    last = t;
  }
  return { x, ys };
}

const median = (v: number[]): number | null => {
  if (!v.length) return null;
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * @param session the session (for the recording's time origin and length)
 * @param timeline the stored timeline, media times
 * @param playableSec the player's duration once known (`video.duration`), overrides stored lengths
 */
export function buildReplay(session: SessionDetail, timeline: Timeline, playableSec: number | null = null): ReplayData {
  const rec = pickRecording(session);
  const origin = session.mediaTimeOriginSec ?? rec?.mediaTimeOriginSec ?? timeline.mediaTimeOriginSec ?? 0;
  const frames = timeline.frames;
  const audio = mainProducer(frames, 'voice');
  const voice = series(frames, 'voice', audio, origin, [(p) => num(p.levelDbfs), (p) => num(p.f0Hz)], 0.1);

  const fluencyProducer = mainProducer(frames, 'fluency');
  const fl = series(frames, 'fluency', fluencyProducer, origin, [(p) => num(p.wpm30s), (p) => num(p.fillerCount)], 1);
  const fluency = fl.ys[0]!.some((v) => v != null) ? fl : null;

  const bodyProducer = mainProducer(frames, 'body');
  const body = series(frames, 'body', bodyProducer, origin, [(p) => measured(p.torsoLeanDeg), (p) => measured(p.shoulderTiltDeg)], 0.2);
  const posture = body.ys.some((y) => y.some((v) => v != null)) ? body : null;

  const shift = <T extends Span>(s: T): T => ({ ...s, startSec: s.startSec + origin, endSec: s.endSec + origin });
  const pauses = timeline.pauses.map(shift);
  const disfluencies = timeline.disfluencies.map(shift);
  const fillers = disfluencies.filter(isFiller);
  const words: TimelineWord[] = timeline.words.map(shift);
  const grouped: Segment<TimelineWord>[] = groupBySegment(words);
  const tokens = tokenizeSegments(grouped, fillers);
  const segments = grouped.map((g, i) => ({ id: g.id, startSec: tokens[i]![0]?.startSec ?? g.words[0]!.startSec, tokens: tokens[i]! }));

  const dataEnd = Math.max(
    voice.x.at(-1) ?? 0,
    fluency?.x.at(-1) ?? 0,
    posture?.x.at(-1) ?? 0,
    words.at(-1)?.endSec ?? 0,
  );
  const stored = rec?.durationSec ?? (session.mediaDurationSec != null ? session.mediaDurationSec + origin : null);
  const endSec = Math.max(1, playableSec ?? stored ?? dataEnd);

  const lastVoice = frames.findLast((f): f is TimelineFrameOf<'voice'> => f.kind === 'voice' && f.producerId === audio);
  const lastFluency = frames.findLast((f): f is TimelineFrameOf<'fluency'> => f.kind === 'fluency' && f.producerId === fluencyProducer);
  const spokenSec = dataEnd > 0 ? dataEnd - origin : 0;
  const wordsWpm = words.length && spokenSec > 5 ? (words.length / spokenSec) * 60 : null;
  const f0s = voice.ys[1]!.filter((v): v is number => v != null);
  const canCountFillers = lastFluency != null || words.length > 0 || fillers.length > 0;
  const fillerCount = num(lastFluency?.payload.fillerCount) ?? (canCountFillers ? fillers.length : null);
  const summary: ReplaySummary = {
    speakingRatio: num(lastVoice?.payload.speakingRatio),
    wpmOverall: num(lastFluency?.payload.wpmOverall) ?? wordsWpm,
    articulationWpm: num(lastFluency?.payload.articulationWpm),
    fillerCount,
    fillersPerMin: num(lastFluency?.payload.fillersPerMin) ?? (fillerCount != null && spokenSec > 5 ? fillerCount / (spokenSec / 60) : null),
    pauseCount: voice.x.length || pauses.length ? pauses.length : null,
    longestPauseSec: pauses.length ? Math.max(...pauses.map((p) => p.endSec - p.startSec)) : null,
    medianF0Hz: median(f0s),
  };

  return {
    originSec: origin,
    endSec,
    voice,
    fluency,
    posture,
    pauses,
    fillers,
    otherDisfluencies: disfluencies.filter((d) => !isFiller(d)),
    comments: (timeline.comments ?? []).map((c) => ({ id: c.id, atSec: c.mediaTimeSec + origin, text: c.text, authorName: c.authorName })),
    segments,
    wordCount: words.length,
    summary,
  };
}

/**
 * Index of the last item whose `startSec` ≤ t (items sorted by startSec), or -1.
 * Binary search: the replay page calls it on every playback tick.
 */
export function lastStartingBefore<T extends { startSec: number }>(items: readonly T[], t: number): number {
  let lo = 0;
  let hi = items.length - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid]!.startSec <= t) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}
