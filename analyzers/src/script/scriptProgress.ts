/**
 * Script mode's analysis (pure): the script split into passages, the recognised words aligned to
 * it ({@link alignScript}), and per passage whether it was spoken, skipped or not reached yet,
 * plus the ad-libs. Shapes: contract/src/script.ts (`ScriptAlignment`).
 */
import type { ScriptAdLib, ScriptAlignment, ScriptPassage, ScriptPassageStatus } from '@lectern/contract';
import { normalizeWords } from '../text/words.ts';
import { alignScript, type AlignScores, DEFAULT_SCORES } from './align.ts';

/** Longest passage, words: longer sentences are cut into equal parts of at most this many. */
export const MAX_PASSAGE_WORDS = 30;

/**
 * Share of a passage's words that must be matched (same word or nearly) for it to count as spoken.
 * A quarter: PocketSphinx on the LibriVox fixture, live on a busy 2-core machine, matched 26–63 %
 * of the words of passages that were spoken once it had adapted to the voice (the first seconds
 * can be far worse: 9 % for the opening sentence of one run), and 0 % of a passage cut from the
 * audio (script.test.ts "real recogniser output"); synthetic readings with 30 % errors leave
 * < 1 chance match per 14-word skipped passage.
 */
export const SPOKEN_MIN_FRACTION = 1 / 4;

/** Fewest consecutive out-of-script recognised words reported as an ad-lib (shorter runs are mostly misrecognitions). */
export const MIN_AD_LIB_WORDS = 4;

/** A recognised word with its time (session media time, seconds), e.g. a `transcript_words` row. */
export interface TimedWord {
  word: string;
  startSec: number;
  endSec: number;
}

/** A script split into passages with their normalised words. */
export interface ParsedScript {
  /** Normalised words of the whole script, in order. */
  words: string[];
  passages: { text: string; firstWord: number; wordCount: number }[];
}

const NORMALISE = { dropAnnotations: true, foldAbbreviations: true } as const;

/** Line breaks, and white space after `.`, `!` or `?` — except after a title such as "Mr." or "Dr.". */
const SENTENCE_BREAK = /\r?\n+|(?<!\b(?:mr|mrs|ms|dr|st|jr|sr|prof|vs|etc|e\.g|i\.e)\.)(?<=[.!?])\s+/i;

/**
 * Splits a script into passages: sentences (ending in `.`, `!` or `?`; not after "Mr." and the like) and lines; a
 * passage of more than {@link MAX_PASSAGE_WORDS} words is cut into equal parts. Passages without
 * a word (headings of punctuation only) are dropped. Words are normalised like recognised words
 * (`normalizeWords`: lower case, punctuation dropped, "Mr." → "mister").
 */
export function parseScript(text: string): ParsedScript {
  const words: string[] = [];
  const passages: ParsedScript['passages'] = [];
  const sentences = text.split(SENTENCE_BREAK).map((s) => s.trim()).filter(Boolean);
  for (const sentence of sentences) {
    const tokens = sentence.split(/\s+/);
    const normalised = tokens.map((t) => normalizeWords(t, NORMALISE));
    const total = normalised.reduce((n, w) => n + w.length, 0);
    if (total === 0) continue;
    const parts = Math.ceil(total / MAX_PASSAGE_WORDS);
    const perPart = Math.ceil(total / parts);
    let partTokens: string[] = [];
    let partWords: string[] = [];
    const flush = () => {
      if (partWords.length === 0) return;
      passages.push({ text: partTokens.join(' '), firstWord: words.length, wordCount: partWords.length });
      words.push(...partWords);
      partTokens = [];
      partWords = [];
    };
    tokens.forEach((tok, k) => {
      partTokens.push(tok);
      partWords.push(...normalised[k]!);
      if (partWords.length >= perPart) flush();
    });
    flush();
  }
  return { words, passages };
}

/**
 * Aligns recognised words to a parsed script and classifies each passage.
 * @param heard recognised words in time order (media time, seconds).
 * @param opts `final` (the session has ended: unreached passages are `not-reached`, else `ahead`);
 *   `originSec` (recording origin added to times for `replaySec`, default 0); `scores`.
 * @throws RangeError when the alignment would be too large (see `MAX_ALIGN_CELLS`).
 */
export function scriptProgress(script: ParsedScript, heard: readonly TimedWord[], opts: { final: boolean; originSec?: number; scores?: AlignScores }): ScriptAlignment {
  const origin = opts.originSec ?? 0;
  const replay = (sec: number) => Math.max(0, sec + origin);
  // Recognised words normalised like the script; a word that splits keeps its timing per part.
  const tokens: TimedWord[] = [];
  for (const w of heard) for (const t of normalizeWords(w.word, NORMALISE)) tokens.push({ word: t, startSec: w.startSec, endSec: w.endSec });
  const ops = alignScript(script.words, tokens.map((t) => t.word), opts.scores ?? DEFAULT_SCORES, { freeEnd: !opts.final });

  const matchedAt = new Array<number | null>(script.words.length).fill(null); // heard index per matched script word
  let currentWord = -1;
  for (const o of ops) {
    if (o.op === 'match' || o.op === 'near') {
      matchedAt[o.s] = o.h;
      currentWord = Math.max(currentWord, o.s);
    }
  }
  // The first heard word aligned at or after script word s (where the speaker went on after s).
  const nextHeardAfter = new Array<number | null>(script.words.length + 1).fill(null);
  {
    let next: number | null = null;
    const hAtScript = new Array<number | null>(script.words.length).fill(null);
    for (const o of ops) if (o.op !== 'skip' && o.op !== 'insert') hAtScript[o.s] = o.h;
    for (let s = script.words.length - 1; s >= 0; s--) {
      nextHeardAfter[s + 1] = next;
      if (hAtScript[s] != null) next = hAtScript[s]!;
    }
    nextHeardAfter[0] = next;
  }

  let spokenWords = 0;
  let matchedWords = 0;
  let currentPassage = -1;
  const passages: ScriptPassage[] = script.passages.map((p, index) => {
    const end = p.firstWord + p.wordCount; // exclusive
    let matched = 0;
    let firstHeard: number | null = null;
    for (let s = p.firstWord; s < end; s++) {
      const h = matchedAt[s];
      if (h == null) continue;
      matched++;
      if (firstHeard == null) firstHeard = h;
    }
    matchedWords += matched;
    if (currentWord >= p.firstWord && currentWord < end) currentPassage = index;
    let status: ScriptPassageStatus;
    let atSec: number | null = null;
    if (matched / p.wordCount >= SPOKEN_MIN_FRACTION) {
      status = 'spoken';
      spokenWords += p.wordCount;
      atSec = tokens[firstHeard!]!.startSec;
    } else if (end - 1 < currentWord) {
      status = 'skipped';
      const h = nextHeardAfter[end];
      atSec = h != null ? tokens[h]!.startSec : null;
    } else {
      status = opts.final ? 'not-reached' : 'ahead';
    }
    return { index, text: p.text, firstWord: p.firstWord, wordCount: p.wordCount, matchedWords: matched, status, atSec, replaySec: atSec == null ? null : replay(atSec) };
  });

  // Ad-libs: runs of inserted heard words, with the passage they follow.
  const adLibs: ScriptAdLib[] = [];
  let run: number[] = [];
  let lastScript = -1;
  const passageOf = (s: number) => (s < 0 ? -1 : script.passages.findIndex((p) => s >= p.firstWord && s < p.firstWord + p.wordCount));
  const flush = () => {
    if (run.length >= MIN_AD_LIB_WORDS) {
      const first = tokens[run[0]!]!;
      const last = tokens[run[run.length - 1]!]!;
      adLibs.push({ text: run.map((h) => tokens[h]!.word).join(' '), wordCount: run.length, startSec: first.startSec, endSec: last.endSec, replaySec: replay(first.startSec), afterPassage: passageOf(lastScript) });
    }
    run = [];
  };
  for (const o of ops) {
    if (o.op === 'insert') run.push(o.h);
    else {
      flush();
      if (o.op !== 'skip') lastScript = o.s;
    }
  }
  flush();

  const n = script.words.length;
  const pct = (x: number) => (n === 0 ? 0 : Math.round((x / n) * 1000) / 10);
  return {
    final: opts.final,
    scriptWordCount: n,
    heardWordCount: tokens.length,
    matchedWords,
    wordMatchPct: pct(matchedWords),
    coveragePct: pct(spokenWords),
    currentWord,
    currentPassage,
    passages,
    adLibs,
  };
}
