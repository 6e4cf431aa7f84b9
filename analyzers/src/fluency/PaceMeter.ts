import { MIN_PAUSE_SEC } from '@lectern/contract';
import type { PauseSpan } from './FluencyTypes.ts';

/** Least speech (s, from the first word) before rates are reported, as in the contract. */
export const MIN_RATE_SPAN_SEC = 5;
/** Rolling window of `wpm30s` (s of media time). */
export const PACE_WINDOW_SEC = 30;

/**
 * Speaking rate from word times and pauses.
 *
 * - `wpm30s(t)`: words whose end lies in (t − 30 s, t], divided by the window length in minutes;
 *   the window is shortened to the time since the first word while that is under 30 s.
 * - `wpmOverall(t)`: all words / (t − first word start).
 * - `articulationWpm()`: all words / speaking time, where speaking time is the span from the
 *   first word's start to the last word's end minus silences: the pause spans given (≥
 *   `minPauseSec`) merged with inter-word gaps ≥ `minPauseSec` (so it also works without a VAD).
 *   This is the articulation rate of Goldman-Eisler (1968) and De Jong & Wempe (2009), in words
 *   rather than syllables.
 * All return null until `MIN_RATE_SPAN_SEC` (5 s) of media time has passed since the first word.
 * Words must arrive in time order (finals are); pauses in any order.
 */
export class PaceMeter {
  private readonly ends: number[] = [];
  private firstStart: number | null = null;
  private lastEnd = 0;
  private prevEnd: number | null = null;
  private readonly silences: PauseSpan[] = [];

  /** @param minPauseSec shortest silence that counts as a pause (s); default 0.25. */
  constructor(private readonly minPauseSec = MIN_PAUSE_SEC) {}

  /** Number of words added. */
  get wordCount(): number {
    return this.ends.length;
  }

  /** Media time (s) of the first word's start, or null. */
  get firstWordStartSec(): number | null {
    return this.firstStart;
  }

  /** Media time (s) of the last word's end (0 before any word). */
  get lastWordEndSec(): number {
    return this.lastEnd;
  }

  /** Add one recognised word (media seconds). */
  addWord(startSec: number, endSec: number): void {
    if (this.firstStart === null) this.firstStart = startSec;
    if (this.prevEnd !== null && startSec - this.prevEnd >= this.minPauseSec) this.silences.push({ startSec: this.prevEnd, endSec: startSec });
    this.prevEnd = endSec;
    this.ends.push(endSec);
    this.lastEnd = Math.max(this.lastEnd, endSec);
  }

  /** Add a pause span; ignored when shorter than `minPauseSec`. */
  addPause(p: PauseSpan): void {
    if (p.endSec - p.startSec >= this.minPauseSec) this.silences.push({ startSec: p.startSec, endSec: p.endSec });
  }

  /** Words per minute over the last 30 s of media time ending at `nowSec`; null before 5 s of speech. */
  wpm30s(nowSec: number): number | null {
    if (this.firstStart === null || nowSec - this.firstStart < MIN_RATE_SPAN_SEC) return null;
    const windowSec = Math.min(PACE_WINDOW_SEC, nowSec - this.firstStart);
    const from = nowSec - windowSec;
    let n = 0;
    for (let i = this.ends.length - 1; i >= 0; i--) {
      const e = this.ends[i]!;
      if (e <= from) break;
      if (e <= nowSec) n++;
    }
    return (n * 60) / windowSec;
  }

  /** Words per minute from the first word's start to `nowSec`; null before 5 s of speech. */
  wpmOverall(nowSec: number): number | null {
    if (this.firstStart === null || nowSec - this.firstStart < MIN_RATE_SPAN_SEC) return null;
    return (this.ends.length * 60) / (nowSec - this.firstStart);
  }

  /** Seconds of silence (merged pauses) inside [first word start, last word end]. */
  silenceSec(): number {
    if (this.firstStart === null) return 0;
    const lo = this.firstStart;
    const hi = this.lastEnd;
    const spans = this.silences
      .map((s) => ({ a: Math.max(lo, s.startSec), b: Math.min(hi, s.endSec) }))
      .filter((s) => s.b > s.a)
      .sort((x, y) => x.a - y.a);
    let total = 0;
    let curA = -Infinity;
    let curB = -Infinity;
    for (const s of spans) {
      if (s.a > curB) {
        if (curB > curA) total += curB - curA;
        curA = s.a;
        curB = s.b;
      } else curB = Math.max(curB, s.b);
    }
    if (curB > curA) total += curB - curA;
    return total;
  }

  /** Articulation rate (words per minute of speaking time); null before 5 s of speech. */
  articulationWpm(): number | null {
    if (this.firstStart === null || this.lastEnd - this.firstStart < MIN_RATE_SPAN_SEC) return null;
    const speaking = this.lastEnd - this.firstStart - this.silenceSec();
    return speaking > 0 ? (this.ends.length * 60) / speaking : null;
  }
}
