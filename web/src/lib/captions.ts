/**
 * The live caption and filler logic of the language store as plain functions of its state (so it
 * can be tested without the Svelte compiler): `captions:update` events fold into final lines plus
 * the current partial, and filler events keep time order.
 */
import { committedWordCount, type CaptionEvent, type CaptionWord, type DisfluencyEvent } from '@lectern/contract';

/** Final caption lines kept (the strip scrolls through them). */
export const MAX_CAPTION_LINES = 40;
/** Filler events kept for highlighting (older ones belong to lines already dropped). */
export const MAX_FILLERS = 400;

/** One caption line: a final (fixed) utterance or the current partial. */
export interface CaptionLine {
  /** Bumped when the recogniser restarts (segment ids start again at 0); with segmentId, a unique key. */
  epoch: number;
  segmentId: number;
  kind: 'partial' | 'final';
  text: string;
  words: CaptionWord[];
  /** Leading `words` that are committed (fixed, never rewritten); all of a final's. The rest of a partial is tentative. */
  committedWords: number;
  engine: string;
  /** Media time of the first word (null when the engine sent no word times). */
  startSec: number | null;
  endSec: number | null;
}

/** Captions so far: final lines (oldest first), the partial being recognised, the recogniser epoch. */
export interface CaptionState {
  lines: CaptionLine[];
  partial: CaptionLine | null;
  epoch: number;
}

/**
 * The caption state after one `captions:update`. A partial replaces the current partial (one of a
 * segment already final is ignored); a final clears the partial and appends a line (a repeated
 * final of the same segment replaces it; an empty one adds nothing), keeping the last
 * {@link MAX_CAPTION_LINES}. A segment id lower than the last final's starts a new epoch (the
 * recogniser restarted). `lines` is a new array only when it changed.
 */
export function applyCaption(state: CaptionState, e: CaptionEvent): CaptionState {
  const lastFinal = state.lines.at(-1);
  let epoch = state.epoch;
  // Segment ids only grow within a recogniser stream; a lower one means it restarted.
  if (lastFinal && lastFinal.epoch === epoch && e.segmentId < lastFinal.segmentId) epoch += 1;
  const line: CaptionLine = {
    epoch,
    segmentId: e.segmentId,
    kind: e.kind,
    text: e.text.trim(),
    words: e.words,
    committedWords: committedWordCount(e),
    engine: e.engine,
    startSec: e.words[0]?.startSec ?? null,
    endSec: e.words.at(-1)?.endSec ?? null,
  };
  const sameAsLast = lastFinal != null && lastFinal.epoch === line.epoch && lastFinal.segmentId === e.segmentId;
  if (e.kind === 'partial') {
    // A partial of the segment that is already final (arrived after it): ignore it.
    if (sameAsLast) return { ...state, epoch };
    return { lines: state.lines, partial: line.text ? line : null, epoch };
  }
  if (!line.text) return { lines: state.lines, partial: null, epoch };
  // A repeated final of the same segment replaces it; otherwise the line is appended.
  const kept = sameAsLast ? state.lines.slice(0, -1) : state.lines.slice();
  kept.push(line);
  return { lines: kept.slice(-MAX_CAPTION_LINES), partial: null, epoch };
}

/**
 * `fillers` with `e` added in media-time order (events usually arrive in order; the filled-pause
 * detector may report slightly late), keeping the last {@link MAX_FILLERS}.
 */
export function addFiller(fillers: readonly DisfluencyEvent[], e: DisfluencyEvent): DisfluencyEvent[] {
  const next = [...fillers, e];
  if (next.length > 1 && next.at(-2)!.startSec > e.startSec) next.sort((a, b) => a.startSec - b.startSec);
  return next.slice(-MAX_FILLERS);
}
