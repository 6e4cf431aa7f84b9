import { MIN_PAUSE_SEC, type CaptionWord, type DisfluencyEvent, type FluencyFrame } from '@lectern/contract';
import type { DisfluencyMatch, FillerItem, FluencySummary, FluencyTrackerOptions, PauseSpan, RuleWord } from './FluencyTypes.ts';
import { normaliseToken } from '../text/words.ts';
import { findDisfluencies } from './lexicalRules.ts';
import { PaceMeter } from './PaceMeter.ts';

/** Words of the previous utterance kept as left context for the rules. */
const CONTEXT_WORDS = 3;
/** Two filled-pause reports closer than this (s) are the same hesitation (acoustic + recognised). */
const FILLED_PAUSE_MERGE_SEC = 0.15;

/**
 * Per-producer fluency state: consumes final ASR words, pause spans (from the voice pipeline's
 * PauseTracker) and acoustic filled pauses (from `FilledPauseDetector`), and produces
 * contract-shaped `DisfluencyEvent`s (as they are found) and `FluencyFrame`s (on demand, e.g.
 * once a second while speaking) plus a session summary.
 *
 * The lexical rules are documented in `lexicalRules.ts`; pace in `PaceMeter.ts`. A filled pause
 * reported by both the recogniser ("um" word) and the acoustic detector is counted once.
 * Times are media seconds. Not thread-safe; call from one thread.
 */
export class FluencyTracker {
  private readonly pace: PaceMeter;
  private readonly minPauseSec: number;
  private readonly now: () => number;
  private readonly pauses: PauseSpan[] = [];
  private tail: RuleWord[] = [];
  private readonly fillers: FillerItem[] = [];
  private readonly repetitions: DisfluencyMatch[] = [];
  private readonly hedges: DisfluencyMatch[] = [];
  private readonly filledPauseSpans: PauseSpan[] = [];

  /** @param options room/producer ids, clock, pause threshold; see {@link FluencyTrackerOptions}. */
  constructor(private readonly options: FluencyTrackerOptions) {
    this.minPauseSec = options.minPauseSec ?? MIN_PAUSE_SEC;
    this.pace = new PaceMeter(this.minPauseSec);
    this.now = options.now ?? Date.now;
  }

  /**
   * Consume the words of one final hypothesis (one utterance), in time order.
   * @returns the disfluency events found in it (already counted), in time order.
   */
  addFinal(words: CaptionWord[]): DisfluencyEvent[] {
    const fresh: RuleWord[] = words.map((w) => ({ ...w, token: normaliseToken(w.word) })).filter((w) => w.token !== '');
    if (fresh.length === 0) return [];
    for (const w of fresh) this.pace.addWord(w.startSec, w.endSec);
    // Left context only when the previous utterance ended within a second.
    const ctx = this.tail.length > 0 && fresh[0]!.startSec - this.tail[this.tail.length - 1]!.endSec < 1 ? this.tail : [];
    const all = [...ctx, ...fresh];
    this.tail = all.slice(-CONTEXT_WORDS);
    const matches = findDisfluencies(all, ctx.length, {
      minPauseSec: this.minPauseSec,
      isPauseBetween: (a, b) => this.pauses.some((p) => p.startSec < b && p.endSec > a && Math.min(p.endSec, b) - Math.max(p.startSec, a) >= this.minPauseSec * 0.8),
    });
    const events: DisfluencyEvent[] = [];
    for (const m of matches) {
      if (m.kind === 'filled-pause' && !this.noteFilledPause(m.startSec, m.endSec)) continue;
      if (m.kind === 'filled-pause' || m.kind === 'lexical-filler') this.fillers.push({ word: m.text, startSec: m.startSec, endSec: m.endSec, kind: m.kind });
      else if (m.kind === 'repetition') this.repetitions.push(m);
      else this.hedges.push(m);
      events.push(this.event(m));
    }
    return events;
  }

  /** Record a finished pause (media seconds); used by the rules and the articulation rate. */
  addPause(p: PauseSpan): void {
    if (p.endSec - p.startSec < this.minPauseSec) return;
    this.pauses.push({ startSec: p.startSec, endSec: p.endSec });
    if (this.pauses.length > 512) this.pauses.splice(0, this.pauses.length - 512);
    this.pace.addPause(p);
  }

  /**
   * Record an acoustic filled pause (from `FilledPauseDetector`).
   * @param label `um`/`uh`-style label.
   * @returns the event, or null when the recogniser already reported this hesitation as a word.
   */
  addFilledPause(fp: { startSec: number; endSec: number; label: string }): DisfluencyEvent | null {
    if (!this.noteFilledPause(fp.startSec, fp.endSec)) return null;
    const m: DisfluencyMatch = { kind: 'filled-pause', text: fp.label, startSec: fp.startSec, endSec: fp.endSec, rule: 'acoustic' };
    this.fillers.push({ word: fp.label, startSec: fp.startSec, endSec: fp.endSec, kind: 'filled-pause' });
    return this.event(m);
  }

  /**
   * Rolling metrics at media time `mediaTimeSec` (normally the end of the latest voice window).
   * `fillersPerMin` divides by the time since the first word (0 before any word).
   */
  frame(mediaTimeSec: number): FluencyFrame {
    const first = this.pace.firstWordStartSec;
    const minutes = first === null ? 0 : Math.max(0, mediaTimeSec - first) / 60;
    return {
      roomId: this.options.roomId,
      producerId: this.options.producerId,
      mediaTimeSec: Math.max(0, mediaTimeSec),
      serverTimeMs: this.now(),
      wpm30s: this.pace.wpm30s(mediaTimeSec),
      wpmOverall: this.pace.wpmOverall(mediaTimeSec),
      articulationWpm: this.pace.articulationWpm(),
      fillerCount: this.fillers.length,
      fillersPerMin: minutes > 0 ? this.fillers.length / minutes : 0,
      repetitionCount: this.repetitions.length,
      hedgeCount: this.hedges.length,
    };
  }

  /** Session totals; rates use the span from the first word's start to the last word's end. */
  summary(): FluencySummary {
    const first = this.pace.firstWordStartSec;
    const spanSec = first === null ? 0 : this.pace.lastWordEndSec - first;
    const fillers = [...this.fillers].sort((a, b) => a.startSec - b.startSec);
    return {
      words: this.pace.wordCount,
      wpm: first === null ? null : this.pace.wpmOverall(this.pace.lastWordEndSec),
      articulationWpm: this.pace.articulationWpm(),
      spanSec,
      fillers: { count: fillers.length, perMin: spanSec > 0 ? fillers.length / (spanSec / 60) : 0, items: fillers },
      repetitions: { count: this.repetitions.length, items: [...this.repetitions] },
      hedges: { count: this.hedges.length, items: [...this.hedges] },
    };
  }

  /** False when a filled pause overlapping [startSec, endSec] (± merge tolerance) was already counted. */
  private noteFilledPause(startSec: number, endSec: number): boolean {
    const dup = this.filledPauseSpans.some((s) => s.startSec < endSec + FILLED_PAUSE_MERGE_SEC && s.endSec > startSec - FILLED_PAUSE_MERGE_SEC);
    if (dup) return false;
    this.filledPauseSpans.push({ startSec, endSec });
    return true;
  }

  private event(m: DisfluencyMatch): DisfluencyEvent {
    return {
      roomId: this.options.roomId,
      producerId: this.options.producerId,
      kind: m.kind,
      text: m.text,
      startSec: Math.max(0, m.startSec),
      endSec: Math.max(0, m.endSec),
      serverTimeMs: this.now(),
    };
  }
}
