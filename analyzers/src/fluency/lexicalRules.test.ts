import { describe, expect, it } from 'vitest';
import type { RuleWord } from './FluencyTypes.ts';
import { normaliseToken } from '../text/words.ts';
import { findDisfluencies } from './lexicalRules.ts';

/**
 * Words from a transcript: 0.3 s per word, 0.05 s gaps; a comma or "..." after a word inserts a
 * 0.5 s pause after it.
 */
function utter(text: string, t0 = 0): RuleWord[] {
  const out: RuleWord[] = [];
  let t = t0;
  for (const raw of text.split(/\s+/).filter(Boolean)) {
    const pause = /[,.…]+$/.test(raw);
    const word = raw.replace(/[,.…]+$/, '');
    out.push({ word, token: normaliseToken(word), startSec: t, endSec: t + 0.3, confidence: null });
    t += 0.35 + (pause ? 0.5 : 0);
  }
  return out;
}

const find = (text: string) => findDisfluencies(utter(text), 0, { minPauseSec: 0.25 });
const fillers = (text: string) => find(text).filter((m) => m.kind === 'lexical-filler' || m.kind === 'filled-pause').map((m) => m.text);
const rules = (text: string) => find(text).map((m) => `${m.kind}:${m.text}:${m.rule}`);

describe('lexical rules', () => {
  it('"like" as verb or preposition is not a filler; as a discourse marker it is', () => {
    expect(fillers('I like pizza')).toEqual([]);
    expect(fillers('I would like to go')).toEqual([]);
    expect(fillers("I'd like that")).toEqual([]);
    expect(fillers('it looks like rain today')).toEqual([]);
    expect(fillers('things like apples and pears')).toEqual([]);
    expect(fillers('he ran like a kid')).toEqual([]);
    expect(fillers('like I said we should go')).toEqual([]);
    expect(fillers('she was like, no way')).toEqual([]); // quotative
    expect(fillers('it was like really good')).toEqual(['like']);
    expect(fillers('and like we left early')).toEqual(['like']);
    expect(fillers('it was, like, the best day')).toEqual(['like']); // set off by pauses
    expect(fillers('like, I do not know')).toEqual(['like']);
  });

  it('"you know" and "I mean" count only without a complement', () => {
    expect(fillers('it was, you know, hard')).toEqual(['you know']);
    expect(fillers('you know I think we won')).toEqual(['you know']);
    expect(fillers('do you know the way')).toEqual([]);
    expect(fillers('as you know the plan changed')).toEqual([]);
    expect(fillers('I mean, we could try')).toEqual(['i mean']);
    expect(fillers('I mean it')).toEqual([]);
    expect(fillers('what I mean is simple')).toEqual([]);
  });

  it('"so", "basically", "actually" only in discourse positions', () => {
    expect(fillers('so we started the project')).toEqual(['so']);
    expect(fillers('and so we started')).toEqual(['so']);
    expect(fillers('it was so good')).toEqual([]);
    expect(fillers('we left early so that we could rest')).toEqual([]);
    expect(fillers('so much work')).toEqual([]);
    expect(fillers('I think so')).toEqual([]);
    expect(fillers('and then so, we left')).toEqual(['so']);
    expect(fillers('basically, we need money')).toEqual(['basically']);
    expect(fillers("it's basically done")).toEqual([]);
    expect(fillers('I actually went there')).toEqual([]);
    expect(fillers('but actually it rained')).toEqual(['actually']);
  });

  it('filled-pause words always count; "kind of" is a hedge before content and a filler before a pause', () => {
    expect(rules('um we should uh go')).toEqual(['filled-pause:um:fp-word', 'filled-pause:uh:fp-word']);
    expect(rules('it is kind of hard')).toEqual(['hedge:kind of:kind-of-hedge']);
    expect(rules('it was sort of… um')).toEqual(['lexical-filler:sort of:kind-of-filler', 'filled-pause:um:fp-word']);
    expect(rules('what kind of tool is this')).toEqual([]);
    expect(rules('it is kind of a mess')).toEqual([]);
  });

  it('hedges', () => {
    expect(rules('I think we should maybe wait')).toEqual(['hedge:i think:hedge-phrase', 'hedge:maybe:hedge-word']);
    expect(rules('I guess it probably works')).toEqual(['hedge:i guess:hedge-phrase', 'hedge:probably:hedge-word']);
    expect(rules('I just wanted to ask')).toEqual(['hedge:just:hedge-just']);
    expect(rules('it happened just now')).toEqual([]);
    expect(rules('I think of you')).toEqual([]);
  });

  it('repetitions: immediate word and bigram repeats, not intentional reduplication', () => {
    expect(rules('I I went to the the store')).toEqual(['repetition:i i:repeat-word', 'repetition:the the:repeat-word']);
    expect(rules('I was I was going')).toEqual(['repetition:i was i was:repeat-bigram']);
    expect(rules('it was very very good')).toEqual([]);
    expect(rules('no no no')).toEqual([]);
    expect(rules('he said that that was fine')).toEqual([]);
  });

  it('uses left context without re-reporting it', () => {
    const words = [...utter('I went'), ...utter('went home', 0.7)];
    const m = findDisfluencies(words, 2, { minPauseSec: 0.25 });
    expect(m.map((x) => x.text)).toEqual(['went went']);
    expect(findDisfluencies(words, 3, { minPauseSec: 0.25 })).toEqual([]);
  });
});
