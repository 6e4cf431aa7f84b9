import { type CaptionEvent, PACE_NUDGE_WINDOW_SEC } from '@lectern/contract';

/**
 * The pace the "Slow down" nudge judges (`wpm15s`, contract/src/nudges.ts): words whose end time
 * lies in the last `windowSec` (default {@link PACE_NUDGE_WINDOW_SEC}, 15 s) of one audio
 * producer's media time, × 60 / `windowSec`. Words come from `captions:update`: every final's
 * words, plus the current partial's (replaced by each partial, dropped by its final), so the count
 * follows speech as it is recognised rather than jumping at each utterance end. Null until
 * `windowSec` has passed since the first word (a shorter window is not "for 15 s"). A new
 * producer (the presenter rejoined) starts over. Times are the producer's media seconds (caption
 * word times and fluency frames' `mediaTimeSec` share them). Pure.
 */
export class PaceWindow {
  #producerId: string | null = null;
  #firstStartSec: number | null = null;
  /** End times of final words, media seconds (only the last window and a little more are kept). */
  #finals: number[] = [];
  #partial: number[] = [];

  /** @param windowSec window length, seconds (> 0). @throws RangeError otherwise. */
  constructor(readonly windowSec = PACE_NUDGE_WINDOW_SEC) {
    if (!(windowSec > 0) || !Number.isFinite(windowSec)) throw new RangeError(`windowSec must be > 0, got ${windowSec}`);
  }

  /** Ingests a caption update (partial or final). */
  caption(c: CaptionEvent): void {
    if (c.producerId !== this.#producerId) this.#reset(c.producerId);
    for (const w of c.words) if (this.#firstStartSec === null || w.startSec < this.#firstStartSec) this.#firstStartSec = w.startSec;
    const ends = c.words.map((w) => w.endSec);
    if (c.kind === 'final') {
      this.#finals.push(...ends);
      this.#partial = [];
      const newest = Math.max(...this.#finals);
      if (this.#finals.length > 64) this.#finals = this.#finals.filter((e) => e > newest - 2 * this.windowSec);
    } else this.#partial = ends;
  }

  /**
   * Words per minute over (nowSec − windowSec, nowSec] of `producerId`'s media time, or null before
   * the window is covered (or for another producer than the captions').
   */
  wpm(producerId: string, nowSec: number): number | null {
    if (producerId !== this.#producerId || this.#firstStartSec === null || nowSec - this.#firstStartSec < this.windowSec) return null;
    const from = nowSec - this.windowSec;
    let n = 0;
    for (const e of this.#finals) if (e > from && e <= nowSec) n++;
    for (const e of this.#partial) if (e > from && e <= nowSec) n++;
    return (n * 60) / this.windowSec;
  }

  #reset(producerId: string): void {
    this.#producerId = producerId;
    this.#firstStartSec = null;
    this.#finals = [];
    this.#partial = [];
  }
}
