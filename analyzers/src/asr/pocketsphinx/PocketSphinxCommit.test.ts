import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AsrHypothesis } from '../AsrEngine.ts';
import { readWav16 } from '../wav.ts';
import { PocketSphinxEngine } from './PocketSphinxEngine.ts';
import { requireSpeechDeps } from '../../../../test/support/speechEngines.ts';

const LIBRIVOX = '/usr/share/pocketsphinx/test/data/librivox';
const UTTERANCE = 'sense_and_sensibility_01_austen_64kb-0870'; // 7.6 s, 22 words
const available = requireSpeechDeps('PocketSphinx caption commit tests', [
  ...PocketSphinxEngine.missingModelFiles(),
  ...[path.join(LIBRIVOX, `${UTTERANCE}.wav`)].filter((p) => !fs.existsSync(p)),
]);

/** One utterance fed in 100 ms chunks from media time 1 s, then endUtterance(). */
function decode(engine: PocketSphinxEngine, commit: 'stable' | 'final-only'): AsrHypothesis[] {
  const { samples } = readWav16(path.join(LIBRIVOX, `${UTTERANCE}.wav`));
  const stream = engine.createStream({ segmentation: 'external', commit: { policy: commit } });
  const out: AsrHypothesis[] = [];
  stream.on('hypothesis', (h) => out.push(h));
  for (let i = 0; i < samples.length; i += 1600) stream.push(samples.subarray(i, i + 1600), 1 + i / 16_000);
  stream.endUtterance();
  void stream.close();
  return out;
}

describe.skipIf(!available)('PocketSphinx live captions with committed words', { timeout: 180_000 }, () => {
  let engine: PocketSphinxEngine;
  beforeAll(() => {
    engine = new PocketSphinxEngine();
  });
  afterAll(async () => {
    await engine.close();
  });

  it('stable: words commit before the final, and no later caption rewrites a committed word', () => {
    const hyps = decode(engine, 'stable');
    const final = hyps.at(-1)!;
    expect(final.kind).toBe('final');
    expect(final.committedWords).toBe(final.words.length);
    const partials = hyps.filter((h) => h.kind === 'partial');
    const maxCommitted = Math.max(...partials.map((h) => h.committedWords));
    // Most of the utterance is committed while it is still being spoken.
    expect(maxCommitted).toBeGreaterThan(final.words.length / 2);
    let fixed: string[] = [];
    for (const h of hyps) {
      const words = h.words.map((w) => w.word);
      expect(words.slice(0, fixed.length)).toEqual(fixed); // committed words stay, in place
      expect(h.committedWords).toBeGreaterThanOrEqual(fixed.length);
      fixed = words.slice(0, h.committedWords);
    }
  });

  it('final-only: partials commit nothing and the final is the engine final', () => {
    const hyps = decode(engine, 'final-only');
    expect(hyps.filter((h) => h.kind === 'partial').every((h) => h.committedWords === 0)).toBe(true);
    const final = hyps.at(-1)!;
    expect(final.committedWords).toBe(final.words.length);
    expect(final.text.split(' ').length).toBeGreaterThan(15);
  });
});
