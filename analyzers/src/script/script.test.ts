import { describe, expect, it } from 'vitest';
import { alignWords } from '../text/words.ts';
import { alignScript } from './align.ts';
import { MIN_AD_LIB_WORDS, parseScript, scriptProgress, type TimedWord } from './scriptProgress.ts';

/** The LibriVox fixture's utterances (test/support/fixtures.ts) plus two more sentences, as a script. */
const SCRIPT = [
  'And Mr. John Dashwood had then leisure to consider how much there might be prudently in his power to do for them.',
  'He was not an ill-disposed young man.',
  'Unless to be rather cold hearted, and rather selfish, is to be ill-disposed.',
  'Had he married a more amiable woman, he might have been made still more respectable than he was.',
  'He might even have been made amiable himself; for he was very young when he married, and very fond of his wife.',
  'But Mrs. John Dashwood was a strong caricature of himself, more narrow-minded and selfish.',
].join(' ');

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NOISE = ['the', 'to', 'be', 'he', 'a', 'and', 'was', 'of', 'up', 'ha', 'in'];

/**
 * "Recognised" words of speaking the given passages: each word replaced by a function word with
 * probability `errorRate` (what a recogniser gets wrong most), 0.4 s per word.
 */
function speak(words: string[], errorRate: number, seed = 1): TimedWord[] {
  const r = rng(seed);
  return words.map((w, k) => ({ word: r() < errorRate ? NOISE[Math.floor(r() * NOISE.length)]! : w, startSec: k * 0.4, endSec: k * 0.4 + 0.3 }));
}

const parsed = parseScript(SCRIPT);
const passageWords = (i: number) => parsed.words.slice(parsed.passages[i]!.firstWord, parsed.passages[i]!.firstWord + parsed.passages[i]!.wordCount);

describe('parseScript', () => {
  it('splits sentences into passages and normalises words like the recogniser output', () => {
    expect(parsed.passages.map((p) => p.wordCount)).toEqual([22, 8, 14, 18, 22, 15]);
    expect(passageWords(0).slice(0, 4)).toEqual(['and', 'mister', 'john', 'dashwood']);
    expect(passageWords(1)).toEqual(['he', 'was', 'not', 'an', 'ill', 'disposed', 'young', 'man']);
    expect(parsed.passages[2]!.text).toBe('Unless to be rather cold hearted, and rather selfish, is to be ill-disposed.');
  });

  it('cuts long sentences into parts of at most 30 words and takes lines as passages', () => {
    const long = Array.from({ length: 70 }, (_, i) => `w${i}`).join(' ');
    expect(parseScript(long).passages.map((p) => p.wordCount)).toEqual([24, 24, 22]);
    expect(parseScript('Title\n\nFirst line\n---\nsecond line').passages.map((p) => p.text)).toEqual(['Title', 'First line', 'second line']);
  });
});

describe('alignScript', () => {
  it('aligns an exact reading word for word and leaves the unread rest of the script out', () => {
    const ops = alignScript(['a', 'b', 'c', 'd', 'e'], ['a', 'b', 'c']);
    expect(ops).toEqual([{ op: 'match', s: 0, h: 0 }, { op: 'match', s: 1, h: 1 }, { op: 'match', s: 2, h: 2 }]);
  });

  it('keeps a skipped passage one gap and the unread rest of the script unmatched, where a per-word-cost alignment scatters chance matches', () => {
    // Passage 2 ("unless to be rather …") skipped, passages 4–5 not read; 30 % of the words
    // misrecognised as function words; 100 noisy readings.
    const p2 = parsed.passages[2]!;
    const tail = parsed.passages[4]!.firstWord;
    const inP2 = (s: number) => s >= p2.firstWord && s < p2.firstWord + p2.wordCount;
    const counts = { oursSkipped: 0, oursTail: 0, levenshteinSkipped: 0, levenshteinTail: 0 };
    for (let seed = 1; seed <= 100; seed++) {
      const heard = speak([0, 1, 3].flatMap(passageWords), 0.3, seed).map((w) => w.word);
      for (const o of alignScript(parsed.words, heard)) {
        if (o.op !== 'match') continue;
        if (inP2(o.s)) counts.oursSkipped++;
        if (o.s >= tail) counts.oursTail++;
      }
      let s = -1;
      for (const a of alignWords(parsed.words, heard)) {
        if (a.target !== null) s++;
        if (a.op !== 'match') continue;
        if (inP2(s)) counts.levenshteinSkipped++;
        if (s >= tail) counts.levenshteinTail++;
      }
    }
    // Levenshtein (unit gap costs) pulls noise words into unread passages (the speaker would
    // appear to be at the end of the script) and more of them into the skipped one.
    expect(counts.oursTail).toBe(0);
    expect(counts.levenshteinTail).toBeGreaterThan(100);
    expect(counts.oursSkipped).toBeLessThan(counts.levenshteinSkipped);
    // < 1 chance match of 14 words per reading: far below the one-third "spoken" bar.
    expect(counts.oursSkipped / 100).toBeLessThan(1);
  });

  it('refuses alignments beyond the size limit', () => {
    expect(() => alignScript(new Array(7000).fill('a'), new Array(7000).fill('a'))).toThrow(RangeError);
  });
});

describe('scriptProgress', () => {
  it('reports a skipped middle passage, the spoken ones, coverage and where the speaker went on', () => {
    const heard = speak([0, 1, 3, 4, 5].flatMap(passageWords), 0.3, 3);
    const r = scriptProgress(parsed, heard, { final: true, originSec: 0.5 });
    expect(r.passages.map((p) => p.status)).toEqual(['spoken', 'spoken', 'skipped', 'spoken', 'spoken', 'spoken']);
    const skipped = r.passages[2]!;
    // It is replayed where passage 3 begins: after 22 + 8 spoken words, 0.4 s each.
    expect(skipped.atSec).toBeCloseTo(30 * 0.4, 6);
    expect(skipped.replaySec).toBeCloseTo(30 * 0.4 + 0.5, 6);
    expect(r.coveragePct).toBeCloseTo(((99 - 14) / 99) * 100, 0);
    expect(r.wordMatchPct).toBeLessThan(r.coveragePct);
    expect(r.currentPassage).toBe(5);
    expect(r.adLibs).toEqual([]);
  });

  it('live: passages not reached yet are ahead; after the end they are not reached', () => {
    const heard = speak([0, 1].flatMap(passageWords).concat(passageWords(2).slice(0, 3)), 0.2, 5);
    const live = scriptProgress(parsed, heard, { final: false });
    expect(live.passages.map((p) => p.status)).toEqual(['spoken', 'spoken', 'ahead', 'ahead', 'ahead', 'ahead']);
    expect(live.currentPassage).toBe(2);
    expect(live.passages[3]!.atSec).toBeNull();
    const ended = scriptProgress(parsed, heard, { final: true });
    expect(ended.passages.slice(2).every((p) => p.status === 'not-reached')).toBe(true);
  });

  it('finds an ad-lib between passages, with its time and the passage it follows', () => {
    const adLib = 'let me tell you a quick story about my grandmother'.split(' ');
    const heard = speak([...passageWords(0), ...passageWords(1), ...adLib, ...passageWords(2)], 0, 1);
    const r = scriptProgress(parsed, heard, { final: false });
    expect(r.adLibs).toHaveLength(1);
    const a = r.adLibs[0]!;
    expect(a.wordCount).toBeGreaterThanOrEqual(MIN_AD_LIB_WORDS);
    expect(a.text).toContain('quick story about my grandmother');
    expect(a.afterPassage).toBe(1);
    expect(a.startSec).toBeGreaterThanOrEqual(30 * 0.4 - 1e-9);
    expect(r.passages.slice(0, 3).map((p) => p.status)).toEqual(['spoken', 'spoken', 'spoken']);
  });

  it('handles no words heard and an empty script', () => {
    const none = scriptProgress(parsed, [], { final: false });
    expect(none).toMatchObject({ currentWord: -1, currentPassage: -1, matchedWords: 0, coveragePct: 0 });
    expect(none.passages.every((p) => p.status === 'ahead' && p.atSec === null)).toBe(true);
    expect(scriptProgress(parseScript('...'), speak(['hello'], 0), { final: true })).toMatchObject({ scriptWordCount: 0, coveragePct: 0, passages: [] });
  });
});

describe('real recogniser output', () => {
  // PocketSphinx (Debian, live path) on the LibriVox fixture with utterance C cut out, as stored
  // in transcript_words by test/e2e/script.test.ts on a busy 2-core machine: the first utterance
  // is recognised badly (the recogniser is still adapting), 14 % of the script's words exactly.
  const FIXTURE_SCRIPT = [
    'And mister john dashwood had then leisure to consider how much there might be prudently in his power to do for them.',
    'He was not an ill disposed young man.',
    'He was not an ill disposed young man.',
    'Unless to be rather cold hearted and rather selfish is to be ill disposed.',
    'Had he married a more a amiable woman he might have been made still more respectable than he was.',
  ].join('\n');
  const HEARD = 'as@0.0 would@0.2 and@0.4 unknowingly@0.7 treated@1.4 consider@1.8 our@2.3 our@2.3 watch@2.9 them@3.2 on@3.5 t@3.6 gregorian@3.8 is@4.5 powered@4.6 into@5.0 hold@5.2 up@5.5 he@7.1 was@7.2 not@7.4 adults@8.0 those@8.5 young@8.9 men@9.2 he@11.6 was@11.7 not@11.9 and@12.5 exposed@12.7 and@13.4 make@13.6 up@13.8 paddy@15.2 married@15.5 him@15.9 or@16.1 amiable@16.4 woman@16.9 abraham@17.4 the@18.2 maid@18.3 still@18.6 valores@19.0 to@19.4 actual@19.5 that@19.9 he@20.1 was@20.1 stuck@20.5'
    .split(' ')
    .map((x) => {
      const [word, t] = x.split('@');
      return { word: word!, startSec: Number(t), endSec: Number(t) + 0.3 };
    });

  it('finds the removed utterance skipped and goes on to the last one', () => {
    const r = scriptProgress(parseScript(FIXTURE_SCRIPT), HEARD, { final: true });
    // The opening sentence came out as noise (2 of 22 words: "consider", "powered"): no aligner
    // can tell that from a skipped passage, and it is reported skipped too.
    expect(r.passages.map((p) => p.status)).toEqual(['skipped', 'spoken', 'spoken', 'skipped', 'spoken']);
    // Skipped C is replayed where the speaker went on: after B-quiet's "and" (12.5 s), at the latest
    // at D's first word ("paddy" for "had", 15.2 s).
    expect(r.passages[3]!.atSec!).toBeGreaterThan(12.5);
    expect(r.passages[3]!.atSec!).toBeLessThanOrEqual(15.2);
  });
});
