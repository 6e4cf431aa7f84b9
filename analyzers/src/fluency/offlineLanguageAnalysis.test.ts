import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PocketSphinxEngine } from '../asr/pocketsphinx/PocketSphinxEngine.ts';
import { readWav16 } from '../asr/wav.ts';
import { analyzeLanguageOffline } from './offlineLanguageAnalysis.ts';
import { requireSpeechDeps } from '../../../test/support/speechEngines.ts';

const FIXTURE = path.resolve(import.meta.dirname, '../../../.lectern/fixtures');
const available = requireSpeechDeps('analyzeLanguageOffline tests', [
  ...PocketSphinxEngine.missingModelFiles(),
  ...[path.join(FIXTURE, 'speech-pauses-16k.wav')].filter((p) => !fs.existsSync(p)),
]);

// Real decoding on a loaded 2-core machine can take tens of seconds: allow 3 min per test.
describe.skipIf(!available)('analyzeLanguageOffline on the speech fixture', { timeout: 180_000 }, () => {
  it('gives a transcript, timed words and a summary whose word count is near the reference', async () => {
    const meta = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'speech-pauses.json'), 'utf8')) as { segments: { text: string }[]; insertedPauses: { startSec: number; endSec: number }[] };
    const { samples } = readWav16(path.join(FIXTURE, 'speech-pauses-16k.wav'));
    const engine = new PocketSphinxEngine();
    const r = await analyzeLanguageOffline({ samples, engine, pauses: meta.insertedPauses });
    await engine.close();
    const refWords = meta.segments.map((s) => s.text).join(' ').split(' ').length;
    expect(r.engine).toBe('pocketsphinx');
    expect(Math.abs(r.words.length - refWords) / refWords).toBeLessThan(0.2);
    expect(r.transcript.split(' ').length).toBe(r.words.length);
    expect(r.summary.words).toBe(r.words.length);
    expect(r.summary.wpm).toBeGreaterThan(60);
    expect(r.summary.wpm).toBeLessThan(250);
    expect(r.summary.articulationWpm!).toBeGreaterThan(r.summary.wpm!);
    // Fluent read speech: no acoustic filled pauses.
    expect(r.filledPauses).toEqual([]);
    for (let i = 1; i < r.words.length; i++) expect(r.words[i]!.startSec).toBeGreaterThanOrEqual(r.words[i - 1]!.startSec);
  });
});
