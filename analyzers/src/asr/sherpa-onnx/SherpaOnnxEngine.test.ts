import fs from 'node:fs';
import path from 'node:path';
import { SHERPA_EN_MODEL, verifyInstalled } from '@lectern/models';
import { describe, expect, it } from 'vitest';
import type { AsrHypothesis } from '../AsrEngine.ts';
import { readWav16 } from '../wav.ts';
import { wordErrorRate } from '../wordErrorRate.ts';
import { SherpaOnnxEngine } from './SherpaOnnxEngine.ts';

const LIBRIVOX = '/usr/share/pocketsphinx/test/data/librivox';
const check = await verifyInstalled(SHERPA_EN_MODEL, { hash: false });
const present = check.ok && fs.existsSync(LIBRIVOX);
const why = check.ok ? 'pocketsphinx-testdata missing' : check.reason;
// Skipped (with the reason printed) wherever the model is absent, CI included: its model comes from a
// model hub (`npm run models`) that CI machines cannot reach. PocketSphinx tests fail on CI instead.
if (!present) console.warn(`skipping sherpa-onnx tests${process.env.CI === 'true' ? ' (also under CI=true: the model cannot be downloaded there)' : ''}: ${why}`);

describe.skipIf(!present)(`sherpa-onnx engine (${present ? 'model installed' : `skipped: ${why}`})`, () => {
  it('decodes the LibriVox utterances with partials, word times inside the audio and low WER', async () => {
    const engine = await SherpaOnnxEngine.load();
    const ids = fs.readdirSync(LIBRIVOX).filter((f) => f.endsWith('.wav')).map((f) => f.replace('.wav', '')).sort();
    const refs = fs.readFileSync(path.join(LIBRIVOX, 'transcription'), 'utf8');
    let errors = 0;
    let n = 0;
    for (const id of ids) {
      const { samples } = readWav16(path.join(LIBRIVOX, `${id}.wav`));
      const s = engine.createStream({ segmentation: 'external' });
      const hyps: AsrHypothesis[] = [];
      s.on('hypothesis', (h) => hyps.push(h));
      for (let i = 0; i < samples.length; i += 1600) s.push(samples.subarray(i, i + 1600), 7 + i / 16_000);
      await s.close();
      const finals = hyps.filter((h) => h.kind === 'final');
      expect(hyps.some((h) => h.kind === 'partial')).toBe(true);
      const ref = refs.split('\n').find((l) => l.includes(`(${id})`))!.replace(/<\/?s>|\(.*\)/g, '');
      const w = wordErrorRate(ref, finals.map((f) => f.text).join(' '));
      errors += w.wer * w.referenceWords;
      n += w.referenceWords;
      const words = finals.flatMap((f) => f.words);
      for (const [i, word] of words.entries()) {
        expect(word.startSec).toBeGreaterThanOrEqual(7);
        expect(word.endSec).toBeLessThanOrEqual(7 + samples.length / 16_000 + 0.05);
        if (i > 0) expect(word.startSec).toBeGreaterThanOrEqual(words[i - 1]!.startSec);
      }
    }
    expect(errors / n).toBeLessThan(0.2);
    await engine.close();
  });
});
