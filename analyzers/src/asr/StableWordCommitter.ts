import type { CaptionWord } from '@lectern/contract';
import { readAnalyzerEnv } from '../env.ts';
import type { AsrStreamOptions } from './AsrEngine.ts';

/**
 * When live caption words become final (committed: shown as fixed text, never rewritten).
 *
 * - `final-only` (the behaviour before issue #14): words are committed only by the utterance's
 *   final; every partial may rewrite all of its words.
 * - `stable`: a word is also committed as soon as it has stayed the same at the same position
 *   (and every word before it too) across `stablePartials` consecutive decoder passes, or for
 *   `stableSec` seconds of audio, whichever comes first; the final then commits the rest.
 */
export type CaptionCommitPolicy = 'final-only' | 'stable';

/** Settings of a {@link StableWordCommitter}. */
export interface CaptionCommitOptions {
  /** See {@link CaptionCommitPolicy}. */
  policy: CaptionCommitPolicy;
  /**
   * `stable`: consecutive decoder passes (partials) in which a word must be unchanged at its
   * position before it is committed (integer ≥ 1; 1 = commit on first sight). Default
   * {@link DEFAULT_STABLE_PARTIALS}.
   */
  stablePartials?: number;
  /**
   * `stable`: audio seconds (media time) after which a word that has stayed unchanged is
   * committed even if fewer passes saw it (> 0; `Infinity` = passes only). Default
   * {@link DEFAULT_STABLE_SEC}.
   */
  stableSec?: number;
}

/**
 * Default {@link CaptionCommitOptions.stablePartials}: 2 passes, with PocketSphinx decoding the live
 * stream in {@link LIVE_DECODE_INTERVAL_SEC} = 0.2 s batches (a word must stay the same for about
 * 0.4 s of audio). Chosen on the TUNING set (the five LibriVox utterances, 70 words, fast preset,
 * 2026-12-04, `npm run bench:asr` → `evaluation.commitSweep`): commit delay after the word's end
 * p50/p95 and WER of the captions as committed —
 *   final-only (0.3 s batches): 2.84 / 5.85 s, WER 0.394 (the engine's finals);
 *   0.3 s batches, N = 1 / 2 / 3: 0.11 / 0.35 s WER 0.789; 0.56 / 1.10 s WER 0.423; 0.86 / 1.38 s WER 0.394;
 *   0.2 s batches, N = 2 / 3: 0.41 / 0.80 s WER 0.394; 0.62 / 1.14 s WER 0.394;
 *   0.1 s batches, N = 3 / 4: 0.33 / 0.76 s WER 0.408; 0.49 / 0.98 s WER 0.394.
 * (A second run, 19:42 UTC: the same delays; WER 0.408 at 0.2 s × 2 and 0.1 s × 4, i.e. one word of 70
 * more than the finals; decoding differs slightly run to run.) 0.2 s × 2 is the fastest setting
 * that commits at most one error more than the finals would have
 * (the +0.003–0.006 CPU-s per audio-s of 0.2 s batches: see {@link AsrStreamOptions.decodeIntervalSec}).
 */
export const DEFAULT_STABLE_PARTIALS = 2;
/**
 * Default {@link CaptionCommitOptions.stableSec}: 0.4 s of audio, the time of two 0.2 s passes, so
 * the time rule commits no earlier than the pass rule; it only matters when a pass is missing.
 */
export const DEFAULT_STABLE_SEC = 0.4;

/** PocketSphinx decode batch of the live path with the `stable` policy (s); see {@link DEFAULT_STABLE_PARTIALS}. */
export const LIVE_DECODE_INTERVAL_SEC = 0.2;

/** A hypothesis as the committer returns it: the words to show and how many of them are fixed. */
export interface CommittedHypothesis {
  /** Committed words first (unchanged since committed), then the tentative tail. */
  words: CaptionWord[];
  /** Number of leading `words` that are committed (0 ≤ n ≤ words.length). */
  committedWords: number;
}

interface TailWord {
  word: string;
  /** Consecutive passes this word has been at this tail position with the same prefix. */
  passes: number;
  /** Media time (s) of the first pass that saw it there. */
  sinceSec: number;
}

/**
 * Turns one stream's sequence of partial and final word lists into captions whose leading words
 * are committed (see {@link CaptionCommitPolicy}). Pure and synchronous: time is media time
 * passed in by the caller, so sequences replay exactly in tests and benchmarks.
 *
 * Committed words are never rewritten: when a later partial or the final disagrees with them,
 * the committed words stay and only the engine's words after the last committed word's end
 * (by time: word midpoint ≥ that end, and no earlier start) are appended, so word times stay in order. One instance per stream; call
 * {@link final} at every utterance end (it resets the state for the next utterance).
 */
export class StableWordCommitter {
  readonly policy: CaptionCommitPolicy;
  readonly stablePartials: number;
  readonly stableSec: number;
  #committed: CaptionWord[] = [];
  #tail: TailWord[] = [];

  /**
   * @param options policy and thresholds.
   * @throws RangeError when `stablePartials` is not an integer ≥ 1 or `stableSec` not > 0.
   */
  constructor(options: CaptionCommitOptions = { policy: 'stable' }) {
    this.policy = options.policy;
    this.stablePartials = options.stablePartials ?? DEFAULT_STABLE_PARTIALS;
    this.stableSec = options.stableSec ?? DEFAULT_STABLE_SEC;
    if (!Number.isInteger(this.stablePartials) || this.stablePartials < 1) throw new RangeError(`stablePartials must be an integer ≥ 1, got ${this.stablePartials}`);
    if (!(this.stableSec > 0)) throw new RangeError(`stableSec must be > 0, got ${this.stableSec}`);
  }

  /** Words committed so far in the current utterance (a copy). */
  get committed(): CaptionWord[] {
    return this.#committed.slice();
  }

  /**
   * One decoder pass's partial hypothesis of the current utterance.
   * @param words the engine's current words (time order, media seconds).
   * @param nowSec media time (s) of the end of the audio decoded so far.
   * @returns what to show: committed words, then the tentative rest.
   */
  partial(words: readonly CaptionWord[], nowSec: number): CommittedHypothesis {
    const tail = this.#after(words);
    if (this.policy === 'final-only') return { words: [...this.#committed, ...tail], committedWords: this.#committed.length };
    const next: TailWord[] = [];
    let samePrefix = true;
    for (let i = 0; i < tail.length; i++) {
      const prev = this.#tail[i];
      samePrefix = samePrefix && prev !== undefined && prev.word === tail[i]!.word;
      next.push(samePrefix ? { word: prev!.word, passes: prev!.passes + 1, sinceSec: prev!.sinceSec } : { word: tail[i]!.word, passes: 1, sinceSec: nowSec });
    }
    let k = 0;
    while (k < next.length && (next[k]!.passes >= this.stablePartials || nowSec - next[k]!.sinceSec >= this.stableSec)) k++;
    this.#committed.push(...tail.slice(0, k).map((w) => ({ ...w })));
    this.#tail = next.slice(k);
    return { words: [...this.#committed, ...tail.slice(k)], committedWords: this.#committed.length };
  }

  /**
   * The utterance's final hypothesis: commits everything and starts the next utterance.
   * @param words the engine's final words.
   * @returns the committed words (all of `words` after the previously committed ones), all committed.
   */
  final(words: readonly CaptionWord[]): CommittedHypothesis {
    const out = [...this.#committed, ...this.#after(words)];
    this.#committed = [];
    this.#tail = [];
    return { words: out, committedWords: out.length };
  }

  /**
   * The engine's words that follow the committed ones: all of them after the committed prefix
   * when the engine still agrees with it word for word, else those whose midpoint is at or after
   * the end of the last committed word (and that start no earlier than it).
   */
  #after(words: readonly CaptionWord[]): CaptionWord[] {
    const c = this.#committed;
    if (c.length === 0) return words.slice();
    if (words.length >= c.length && c.every((w, i) => words[i]!.word === w.word)) return words.slice(c.length);
    const last = c.at(-1)!;
    return words.filter((w) => (w.startSec + w.endSec) / 2 >= last.endSec && w.startSec >= last.startSec);
  }
}

/**
 * The live caption commit settings from the analyzer environment: `LECTERN_CAPTION_COMMIT`
 * (`stable` default, or `final-only`), `LECTERN_CAPTION_STABLE_PARTIALS` (default 2) and
 * `LECTERN_CAPTION_STABLE_MS` (default 400).
 * @throws EnvConfigError on a bad value (the gateway validates the same variables at start-up).
 */
export function captionCommitFromEnv(env: NodeJS.ProcessEnv = process.env): CaptionCommitOptions {
  const e = readAnalyzerEnv(env);
  return { policy: e.LECTERN_CAPTION_COMMIT, stablePartials: e.LECTERN_CAPTION_STABLE_PARTIALS, stableSec: e.LECTERN_CAPTION_STABLE_MS / 1000 };
}

/**
 * Stream options of the live caption path for a commit setting: the setting itself and, with the
 * `stable` policy, PocketSphinx decode batches of {@link LIVE_DECODE_INTERVAL_SEC} (with
 * `final-only`, the engine default 0.3 s: the behaviour before issue #14).
 * @param commit default {@link captionCommitFromEnv}.
 */
export function liveCaptionStreamOptions(commit: CaptionCommitOptions = captionCommitFromEnv()): Pick<AsrStreamOptions, 'commit' | 'decodeIntervalSec'> {
  return commit.policy === 'stable' ? { commit, decodeIntervalSec: LIVE_DECODE_INTERVAL_SEC } : { commit };
}
