/**
 * Lexical disfluency rules: filled-pause words, lexical fillers, hedges and repetitions, found in
 * recognised words with their times. A word or phrase counts as a **filler** only where it does
 * no grammatical work — where deleting it leaves the sentence intact and unchanged in meaning
 * (the "discourse marker" uses of Schiffrin 1987 and Fox Tree & Schrock 2002 for "you know"/"I
 * mean"; D'Arcy 2007 for the uses of "like"). We cannot parse, so each rule is a small, explicit
 * context test on the neighbouring words and on pauses (a pause = utterance boundary or a gap of
 * at least `minPauseSec` = 0.25 s between words). Where the context is ambiguous we choose
 * "not a filler": a coach that flags a real verb is worse than one that misses a filler.
 *
 * Filled pauses (`filled-pause`, rule `fp-word`): um, uh, er, erm, ah, hmm, hm, mm, uhm — always.
 *
 * Lexical fillers (`lexical-filler`):
 * - **like** (rules `like-*`). Pauses on both sides ("it was, like, huge") → filler
 *   (`like-set-off`). Otherwise NOT a filler when:
 *   `like-verb`: previous word is a subject or auxiliary (I, you, we, they, who, to, would, 'd,
 *   do/does/did and their negatives, modals, really, also, still, always, never): "I like it",
 *   "would like to";
 *   `like-comparison`: previous word makes it a preposition of comparison or example (look(s),
 *   feel(s), sound(s), seem(s), smell(s), taste(s), something, anything, nothing, just, more, much,
 *   exactly, not, things, stuff): "looks like rain", "things like apples";
 *   `like-np`: next word opens a noun phrase (a, an, the, this, that, these, those, possessives,
 *   object pronouns, some, any, every, no, numbers): "like a kid";
 *   `like-quotative`: after a form of "be" and followed by a pause or a subject pronoun ("she was
 *   like, no way"): quotative, reported speech — not counted;
 *   `like-conjunction`: "like I said", "like you said", "like I say", "like we said".
 *   Anything else is a filler (`like-filler`): "it was like really good", "and like we left".
 * - **you know** (`you-know`): a filler unless preceded by do/did/don't/didn't/does/if/as/what/
 *   would/will/could/can/whether/that (a real question or clause: "do you know", "as you know") or
 *   followed, without a pause, by a complement (what, how, why, where, when, who, which, that, if,
 *   whether, about, a determiner or an object pronoun: "you know the way").
 * - **I mean** (`i-mean`): a filler unless preceded by what/which/that/if/do/did/don't ("what I
 *   mean is") or followed, without a pause, by it, to, that, this, what, a determiner or an object
 *   pronoun ("I mean it", "I mean to").
 * - **basically, actually, literally** (`sentence-adverb`): a filler only in sentence-adverb
 *   position — after a pause or utterance start, before a pause, or right after and/but/so/or/well
 *   — and not inside a clause ("it's basically done", "I actually went" are not counted).
 * - **so** (`so-initial`, `so-trailing`): a filler when it opens an utterance or follows a pause,
 *   unless the next word makes it a degree adverb (much, many, few, little, far, long, very); or
 *   when it is followed by a pause and the previous word does not take "so" as a complement (think,
 *   hope, guess, suppose, believe, said, say, do, did, not, or, even, is, was, are, were, be, been,
 *   more, less, just, quite, ever: "I think so."). Inside a clause ("so good", "so that") never.
 * - **kind of / sort of / kinda / sorta**: not counted after a determiner or wh-word ("what kind
 *   of", "a sort of") or before a determiner ("kind of a mess" is still adverbial but ambiguous:
 *   not counted). Otherwise adverbial: a **filler** when followed by a pause (`kind-of-filler`:
 *   "it was kind of… um"), else a **hedge** on the following word (`kind-of-hedge`: "kind of hard").
 *
 * Hedges (`hedge`): "I think", "I guess", "I suppose" (not before "of"/"about"), maybe, probably,
 * perhaps, possibly, "just" (not before now/then/as/like/in, not after "not"), and adverbial
 * kind of/sort of as above.
 *
 * Repetitions (`repetition`): the same word twice in a row (`repeat-word`: "I I", "the the"), or
 * the same two-word sequence twice in a row (`repeat-bigram`: "I was I was"), with less than 1 s
 * between the copies. Intentional reduplications are excluded (very very, really really, no no,
 * yes yes, yeah yeah, bye bye, that that, had had, ha ha, blah blah, well well, okay okay, right
 * right, there there, again again, more more, far far, long long, now now, go go, come come), as are
 * filled-pause words (counted as fillers).
 */
import type { DisfluencyMatch, RuleWord } from './FluencyTypes.ts';

/** Recognised words that are filled pauses (always counted, kind `filled-pause`). */
export const FILLED_PAUSE_WORDS = new Set(['um', 'uh', 'er', 'erm', 'ah', 'hmm', 'hm', 'mm', 'uhm', 'umm', 'uhh']);
const SUBJECTS = new Set(['i', 'you', 'we', 'they', 'he', 'she', 'it', 'people']);
const LIKE_VERB_LEFT = new Set([
  'i', 'you', 'we', 'they', 'who', 'to', 'would', 'do', 'does', 'did', "don't", "doesn't", "didn't", 'really', 'also',
  'still', 'always', 'never', 'might', 'may', 'can', 'could', 'should', 'will', "won't", "wouldn't", 'people',
]);
const LIKE_COMPARISON_LEFT = new Set([
  'look', 'looks', 'looked', 'looking', 'feel', 'feels', 'felt', 'feeling', 'sound', 'sounds', 'sounded', 'seem', 'seems',
  'seemed', 'smell', 'smells', 'taste', 'tastes', 'something', 'anything', 'nothing', 'just', 'more', 'much', 'exactly',
  'not', 'things', 'stuff', 'act', 'acts', 'acted',
]);
const NP_START = new Set([
  'a', 'an', 'the', 'this', 'that', 'these', 'those', 'my', 'your', 'his', 'her', 'its', 'our', 'their', 'me', 'him', 'us',
  'them', 'it', 'some', 'any', 'every', 'each', 'no', 'one', 'two', 'three', 'four', 'five', 'ten', 'hundred',
]);
const BE_FORMS = new Set(['was', 'is', 'am', 'are', 'were', "i'm", "he's", "she's", "it's", "we're", "they're", "you're", 'be', 'been', 'being', "'m"]);
const YOU_KNOW_LEFT = new Set(['do', 'did', "don't", "didn't", 'does', "doesn't", 'if', 'as', 'what', 'would', 'will', 'could', 'can', 'whether', 'that']);
const COMPLEMENT_RIGHT = new Set([
  'what', 'how', 'why', 'where', 'when', 'who', 'whom', 'which', 'that', 'if', 'whether', 'about', 'the', 'a', 'an', 'this',
  'these', 'those', 'him', 'her', 'them', 'it', 'me', 'us', 'my', 'your', 'his', 'their', 'our', 'its',
]);
const I_MEAN_LEFT = new Set(['what', 'which', 'that', 'if', 'do', 'did', "don't"]);
const I_MEAN_RIGHT = new Set(['it', 'to', 'that', 'this', 'what', 'the', 'a', 'an', 'him', 'her', 'them', 'you', 'every', 'each', 'any']);
const SENTENCE_ADVERBS = new Set(['basically', 'actually', 'literally']);
const CLAUSE_OPENERS = new Set(['and', 'but', 'so', 'or', 'well']);
const SO_DEGREE_RIGHT = new Set(['much', 'many', 'few', 'little', 'far', 'long', 'very']);
const SO_COMPLEMENT_LEFT = new Set([
  'think', 'hope', 'guess', 'suppose', 'believe', 'said', 'say', 'do', 'did', 'not', 'or', 'even', 'is', 'was', 'are', 'were',
  'be', 'been', 'more', 'less', 'just', 'quite', 'ever',
]);
const KIND_OF_NOUN_LEFT = new Set([
  'a', 'the', 'this', 'that', 'what', 'which', 'some', 'any', 'every', 'one', 'no', 'same', 'different', 'each', 'these',
  'those', 'another', 'other', 'all', 'that', 'right', 'wrong', 'new',
]);
const DETERMINERS = new Set(['a', 'an', 'the', 'this', 'that', 'these', 'those', 'my', 'your', 'his', 'her', 'our', 'their', 'its']);
const JUST_NOT_HEDGE_RIGHT = new Set(['now', 'then', 'as', 'like', 'in']);
const REDUPLICATIONS = new Set([
  'very', 'really', 'no', 'yes', 'yeah', 'bye', 'that', 'had', 'ha', 'blah', 'well', 'okay', 'ok', 'right', 'there', 'again',
  'more', 'far', 'long', 'now', 'go', 'come',
]);

/** Pause context of an utterance's words. */
export interface PauseContext {
  /** Silence that counts as a pause between words (s). */
  minPauseSec: number;
  /** Extra pause spans (e.g. from the VAD) to consult besides the word gaps. */
  isPauseBetween?: (fromSec: number, toSec: number) => boolean;
}

/**
 * Apply every rule to one utterance.
 * @param words the utterance's words in time order (`token` normalised); index < `firstNew` are
 *   left context only (the tail of the previous utterance) and produce no matches themselves.
 * @param firstNew index of the first word that may produce matches.
 * @param ctx pause settings.
 * @returns matches in time order; a word belongs to at most one filler/hedge match.
 */
export function findDisfluencies(words: RuleWord[], firstNew: number, ctx: PauseContext): DisfluencyMatch[] {
  const t = (i: number): string => words[i]?.token ?? '';
  const gapPause = (i: number): boolean => {
    // Pause between words i-1 and i; the first word of the utterance (i === firstNew) follows one
    // unless left context exists and is close.
    if (i <= 0) return true;
    const a = words[i - 1]!;
    const b = words[i]!;
    if (i === firstNew && firstNew > 0 && b.startSec - a.endSec >= ctx.minPauseSec) return true;
    if (b.startSec - a.endSec >= ctx.minPauseSec) return true;
    return ctx.isPauseBetween?.(a.endSec, b.startSec) ?? false;
  };
  const pauseBefore = (i: number): boolean => i === firstNew || gapPause(i);
  const pauseAfter = (i: number): boolean => i >= words.length - 1 || gapPause(i + 1);
  const out: DisfluencyMatch[] = [];
  const used = new Set<number>();
  const add = (kind: DisfluencyMatch['kind'], from: number, to: number, rule: string): void => {
    for (let k = from; k <= to; k++) used.add(k);
    out.push({
      kind,
      text: words.slice(from, to + 1).map((w) => w.token).join(' '),
      startSec: words[from]!.startSec,
      endSec: words[to]!.endSec,
      rule,
    });
  };

  for (let i = firstNew; i < words.length; i++) {
    if (used.has(i)) continue;
    const w = t(i);
    const prev = t(i - 1);
    const next = t(i + 1);

    if (FILLED_PAUSE_WORDS.has(w)) {
      add('filled-pause', i, i, 'fp-word');
      continue;
    }
    if (w === 'like') {
      const rule = likeRule(i);
      if (rule === 'like-set-off' || rule === 'like-filler') add('lexical-filler', i, i, rule);
      continue;
    }
    if (w === 'you' && next === 'know' && !used.has(i + 1)) {
      const notFiller = YOU_KNOW_LEFT.has(prev) || (COMPLEMENT_RIGHT.has(t(i + 2)) && !pauseAfter(i + 1));
      if (!notFiller) add('lexical-filler', i, i + 1, 'you-know');
      continue;
    }
    if (w === 'i' && next === 'mean') {
      const notFiller = I_MEAN_LEFT.has(prev) || (I_MEAN_RIGHT.has(t(i + 2)) && !pauseAfter(i + 1));
      if (!notFiller) add('lexical-filler', i, i + 1, 'i-mean');
      continue;
    }
    if (SENTENCE_ADVERBS.has(w)) {
      if (pauseBefore(i) || pauseAfter(i) || CLAUSE_OPENERS.has(prev)) add('lexical-filler', i, i, 'sentence-adverb');
      continue;
    }
    if (w === 'so') {
      const initial = pauseBefore(i) || (i === firstNew + 1 && (prev === 'and' || prev === 'but') && pauseBefore(i - 1));
      if (initial && !SO_DEGREE_RIGHT.has(next)) add('lexical-filler', i, i, 'so-initial');
      else if (!initial && pauseAfter(i) && !SO_COMPLEMENT_LEFT.has(prev)) add('lexical-filler', i, i, 'so-trailing');
      continue;
    }
    const kindOf = (w === 'kind' || w === 'sort') && next === 'of';
    if (kindOf || w === 'kinda' || w === 'sorta') {
      const last = kindOf ? i + 1 : i;
      const after = t(last + 1);
      if (KIND_OF_NOUN_LEFT.has(prev) || DETERMINERS.has(after)) continue;
      if (pauseAfter(last) || FILLED_PAUSE_WORDS.has(after)) add('lexical-filler', i, last, 'kind-of-filler');
      else add('hedge', i, last, 'kind-of-hedge');
      continue;
    }
    if ((w === 'i' && (next === 'think' || next === 'guess' || next === 'suppose')) && t(i + 2) !== 'of' && t(i + 2) !== 'about') {
      add('hedge', i, i + 1, 'hedge-phrase');
      continue;
    }
    if (w === 'maybe' || w === 'probably' || w === 'perhaps' || w === 'possibly') {
      add('hedge', i, i, 'hedge-word');
      continue;
    }
    if (w === 'just' && !JUST_NOT_HEDGE_RIGHT.has(next) && prev !== 'not') {
      add('hedge', i, i, 'hedge-just');
      continue;
    }
  }

  // Repetitions, independent of the filler/hedge pass.
  for (let i = Math.max(1, firstNew); i < words.length; i++) {
    const w = t(i);
    if (w === '' || FILLED_PAUSE_WORDS.has(w)) continue;
    const close = (a: number, b: number): boolean => words[b]!.startSec - words[a]!.endSec < 1;
    if (i >= 3 && i - 1 >= firstNew && t(i - 3) === t(i - 1) && t(i - 2) === w && t(i - 1) !== w && close(i - 2, i - 1) &&
      !(REDUPLICATIONS.has(t(i - 1)) && REDUPLICATIONS.has(w))) {
      out.push({ kind: 'repetition', text: `${t(i - 3)} ${w} ${t(i - 1)} ${w}`, startSec: words[i - 3]!.startSec, endSec: words[i]!.endSec, rule: 'repeat-bigram' });
      continue;
    }
    if (t(i - 1) === w && !REDUPLICATIONS.has(w) && close(i - 1, i)) {
      out.push({ kind: 'repetition', text: `${w} ${w}`, startSec: words[i - 1]!.startSec, endSec: words[i]!.endSec, rule: 'repeat-word' });
    }
  }
  return out.sort((a, b) => a.startSec - b.startSec);

  function likeRule(i: number): string {
    const prev = t(i - 1);
    const next = t(i + 1);
    if (pauseBefore(i) && pauseAfter(i) && i > firstNew && i < words.length - 1) return 'like-set-off';
    if (LIKE_VERB_LEFT.has(prev) || /'d$/.test(prev)) return 'like-verb';
    if (LIKE_COMPARISON_LEFT.has(prev)) return 'like-comparison';
    if (next === 'i' || next === 'you' || next === 'we') {
      if (t(i + 2) === 'said' || t(i + 2) === 'say') return 'like-conjunction';
    }
    if (BE_FORMS.has(prev) && (pauseAfter(i) || SUBJECTS.has(next))) return 'like-quotative';
    if (NP_START.has(next) && !pauseAfter(i)) return 'like-np';
    return 'like-filler';
  }
}
