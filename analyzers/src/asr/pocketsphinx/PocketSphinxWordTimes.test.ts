/**
 * Word times of one long PocketSphinx utterance that runs through quiet passages (`external`
 * segmentation, as on the live path when the caller's VAD does not end the utterance at a short
 * gap): PocketSphinx 0.8+5prealpha moves its frame offset at each speech run its VAD detects,
 * which dated every word of the utterance 7.3 s late and, with stable-word commit, appended the
 * utterance's words a second time (see PocketSphinxStream.words). Real speech: the speech
 * fixture's utterances back to back (± 0.3 s) at `sox tempo 1.4`, the nudges e2e's input.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CaptionWord } from '@lectern/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AsrHypothesis } from '../AsrEngine.ts';
import { readWav16 } from '../wav.ts';
import { PocketSphinxEngine } from './PocketSphinxEngine.ts';
import { SPEECH_16K_WAV, loadTruth } from '../../../test/fixtures.ts';
import { requireSpeechDeps } from '../../../../test/support/speechEngines.ts';

const available = requireSpeechDeps('PocketSphinx word time tests', PocketSphinxEngine.missingModelFiles());
/** Audio in the one utterance, s: utterances A, B and B-quiet at 1.4× (about 37 words). */
const UTTERANCE_SEC = 9;
const START_SEC = 1;

describe.skipIf(!available)('PocketSphinx word times across its own VAD silences', { timeout: 180_000 }, () => {
  let engine: PocketSphinxEngine;
  let samples: Float32Array;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ps-word-times-'));
  beforeAll(() => {
    engine = new PocketSphinxEngine();
    const truth = loadTruth();
    const keep = truth.segments.flatMap((s) => [`=${Math.max(0, s.startSec - 0.3)}`, `=${Math.min(truth.durationSec, s.endSec + 0.3)}`]);
    execFileSync('sox', [SPEECH_16K_WAV, path.join(dir, 'utt.wav'), 'trim', ...keep]);
    execFileSync('sox', [path.join(dir, 'utt.wav'), path.join(dir, 'fast.wav'), 'tempo', '1.4']);
    samples = readWav16(path.join(dir, 'fast.wav')).samples.subarray(0, UTTERANCE_SEC * 16_000);
  });
  afterAll(async () => {
    await engine.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const policy of ['stable', 'final-only'] as const) {
    it(`${policy}: no word is dated after the audio fed, and the final holds each word once`, async () => {
      const stream = engine.createStream({ segmentation: 'external', commit: { policy }, ...(policy === 'stable' ? { decodeIntervalSec: 0.2 } : {}) });
      const late: string[] = [];
      let pushedEndSec = START_SEC;
      const hyps: AsrHypothesis[] = [];
      stream.on('hypothesis', (h) => {
        hyps.push(h);
        for (const w of h.words) if (w.endSec > pushedEndSec + 0.01) late.push(`${h.kind} "${w.word}" ends ${w.endSec.toFixed(2)} s, audio fed to ${pushedEndSec.toFixed(2)} s`);
      });
      for (let i = 0; i < samples.length; i += 1600) {
        const chunk = samples.subarray(i, i + 1600);
        stream.push(chunk, START_SEC + i / 16_000);
        pushedEndSec = START_SEC + (i + chunk.length) / 16_000;
      }
      stream.endUtterance();
      await stream.close();
      const finals = hyps.filter((h) => h.kind === 'final');
      expect(finals).toHaveLength(1);
      const words: CaptionWord[] = finals[0]!.words;
      // Words overlapping the one before by more than half the shorter one (figure only: the stable
      // committer appends an engine word whose midpoint is at or after the last committed word's
      // end, so a re-segmented boundary can add one, e.g. "then@2.38-2.55 and@2.42-2.68").
      const overlapping = words.filter((w, i) => i > 0 && Math.min(w.endSec, words[i - 1]!.endSec) - Math.max(w.startSec, words[i - 1]!.startSec) > 0.5 * Math.min(w.endSec - w.startSec, words[i - 1]!.endSec - words[i - 1]!.startSec));
      const figures = { policy, audioSec: UTTERANCE_SEC, finalWords: words.length, overlappingWords: overlapping.length, firstSec: words[0]?.startSec, lastSec: words.at(-1)?.endSec, lateWords: late.length, lateSample: late.slice(0, 3) };
      console.log(JSON.stringify({ pocketSphinxWordTimes: figures }));
      expect(late).toEqual([]);
      for (let i = 1; i < words.length; i++) expect(words[i]!.startSec).toBeGreaterThanOrEqual(words[i - 1]!.startSec);
      // About 36 words are spoken in these 9 s (A, B and most of B-quiet); with the frame jump the
      // stable final held 64 (the utterance's words twice), the final-only one 34 dated 7.2 s late.
      expect(words.length).toBeLessThanOrEqual(40);
      expect(words[0]!.startSec).toBeLessThan(START_SEC + 1);
      expect(words.length).toBeGreaterThan(20);
    });
  }
});
