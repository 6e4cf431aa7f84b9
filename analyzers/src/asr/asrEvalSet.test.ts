import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { asrEvalSet, parseTranscription, POCKETSPHINX_TESTDATA_DIR, readEvalAudio, splitOf, tidigitsReference } from './asrEvalSet.ts';

describe('ASR evaluation set (pocketsphinx-testdata)', () => {
  it('spells TIDIGITS names and parses Sphinx transcription lines', () => {
    expect(tidigitsReference('dhd.2934z.raw')).toBe('two nine three four zero');
    expect(tidigitsReference('man.ah.2934za.mfc')).toBe('two nine three four zero');
    expect(tidigitsReference('woman.ak.o69a.mfc')).toBe('oh six nine');
    expect(() => tidigitsReference('numbers.raw')).toThrow(/TIDIGITS/);
    expect(parseTranscription('<s> ten of clubs  </s> (001)\n\n<s> He was </s> (x-2)\n')).toEqual(new Map([['001', 'ten of clubs'], ['x-2', 'he was']]));
  });

  it('splits by speaker: the LibriVox reader tunes, everyone else is held out', () => {
    expect(splitOf('librivox')).toBe('tuning');
    for (const s of ['cards', 'goforward', 'tidigits'] as const) expect(splitOf(s)).toBe('heldout');
  });

  it.skipIf(!fs.existsSync(POCKETSPHINX_TESTDATA_DIR))('takes every audio file of the package with a reference, and says why each other file is left out', () => {
    const set = asrEvalSet();
    const ids = set.items.map((i) => i.id);
    expect(ids.filter((i) => i.startsWith('librivox/'))).toHaveLength(5);
    expect(ids.filter((i) => i.startsWith('cards/'))).toHaveLength(5);
    expect(ids).toContain('goforward');
    expect(ids).toContain('tidigits/dhd.2934z');
    expect(set.items.find((i) => i.id === 'goforward')!.reference).toBe('go forward ten meters');
    expect(set.items.find((i) => i.id === 'cards/005')!.reference).toBe('eight of spades four of clubs seven of hearts');
    // The five LibriVox utterances used for tuning so far stay in the tuning set; nothing else is.
    expect(set.items.filter((i) => i.split === 'tuning').map((i) => i.speaker)).toEqual(Array(5).fill('librivox'));
    expect(set.items.filter((i) => i.split === 'heldout')).toHaveLength(7);
    expect(set.excluded.map((e) => e.file)).toEqual(expect.arrayContaining(['numbers.raw', 'something.raw', 'goforward.mfc']));
    // Deterministic: the same set twice.
    expect(asrEvalSet()).toEqual(set);
    // Audio is 16 kHz: goforward.raw is 2.79 s.
    expect(readEvalAudio(set.items.find((i) => i.id === 'goforward')!).length / 16_000).toBeCloseTo(2.786, 2);
  });
});
