import { describe, expect, it } from 'vitest';
import { sherpaWords } from './sherpaWords.ts';

describe('sherpaWords', () => {
  it('joins BPE pieces into words with start times, estimated ends and geometric-mean confidence', () => {
    const words = sherpaWords(
      {
        text: ' HE WASN T',
        tokens: ['▁HE', '▁WAS', 'N', "'T", '▁THERE'],
        timestamps: [0.2, 0.48, 0.56, 0.6, 1.4],
        ys_probs: [Math.log(0.9), Math.log(0.8), Math.log(0.5), Math.log(0.5), Math.log(1)],
        start_time: 10,
      },
      (t) => t + 100,
    );
    expect(words.map((w) => w.word)).toEqual(['he', "wasn't", 'there']);
    expect(words[0]!.startSec).toBeCloseTo(110.2, 9);
    expect(words[0]!.endSec).toBeCloseTo(110.4, 9); // min(last token + 0.2, next start 110.48)
    expect(words[1]!.startSec).toBeCloseTo(110.48, 9);
    expect(words[1]!.endSec).toBeCloseTo(110.8, 9);
    expect(words[1]!.confidence).toBeCloseTo(Math.cbrt(0.8 * 0.5 * 0.5), 9);
    expect(words[2]!.endSec).toBeCloseTo(111.6, 9);
    expect(words[2]!.confidence).toBeCloseTo(1, 9);
  });

  it('gives null confidence without per-token probabilities', () => {
    const words = sherpaWords({ text: ' HI', tokens: ['▁HI'], timestamps: [0] }, (t) => t);
    expect(words).toEqual([{ word: 'hi', startSec: 0, endSec: 0.2, confidence: null }]);
  });
});
