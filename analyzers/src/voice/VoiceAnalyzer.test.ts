import { beforeAll, describe, expect, it } from 'vitest';
import { loadTruth, speech16k } from '../../test/fixtures.ts';
import type { FinishedPause } from './PauseTrackerTypes.ts';
import { SileroVad } from './SileroVad.ts';
import { VoiceAnalyzer } from './VoiceAnalyzer.ts';
import type { VoiceAnalysis } from './VoiceAnalyzerTypes.ts';

describe('VoiceAnalyzer on the real speech fixture', () => {
  const truth = loadTruth();
  const pcm = speech16k();
  let frames: VoiceAnalysis[] = [];
  let pauses: FinishedPause[] = [];

  beforeAll(async () => {
    const model = await SileroVad.shared();
    const analyzer = new VoiceAnalyzer(model);
    const window = new Float32Array(1600); // reused: the analyzer must not keep a reference
    for (let w = 0; (w + 1) * 1600 <= pcm.length; w++) {
      window.set(pcm.subarray(w * 1600, (w + 1) * 1600));
      const f = await analyzer.analyze(window, w / 10);
      frames.push(f);
      pauses.push(...f.pauses);
    }
  }, 120_000);

  it('reports each inserted pause within ±300 ms, as it ends', () => {
    expect(pauses).toHaveLength(truth.insertedPauses.length);
    truth.insertedPauses.forEach((p, i) => {
      expect(Math.abs(pauses[i]!.startSec - p.startSec)).toBeLessThan(0.3);
      expect(Math.abs(pauses[i]!.endSec - p.endSec)).toBeLessThan(0.3);
    });
    const reportedAt = frames.findIndex((f) => f.pauses.length > 0);
    expect(frames[reportedAt]!.mediaTimeSec).toBeCloseTo(Math.floor(pauses[0]!.endSec * 10) / 10, 6);
  });

  it('grows pauseSec through a pause and resets it when speech resumes', () => {
    const p = truth.insertedPauses[1]!; // the 2 s one
    const inside = frames.filter((f) => f.mediaTimeSec > p.startSec + 0.3 && f.mediaTimeSec + 0.1 < p.endSec);
    for (let i = 1; i < inside.length; i++) expect(inside[i]!.pauseSec).toBeCloseTo(inside[i - 1]!.pauseSec + 0.1, 6);
    expect(inside.at(-1)!.pauseSec).toBeGreaterThan(1.5);
    expect(inside.every((f) => !f.isSpeech && f.f0Hz === null)).toBe(true);
    const after = frames.find((f) => f.mediaTimeSec > p.endSec + 0.2)!;
    expect(after.pauseSec).toBe(0);
    expect(after.isSpeech).toBe(true);
  });

  it('computes F0 only where there is speech, and a speaking ratio close to the fixture\'s', () => {
    for (const f of frames) if (f.f0Hz !== null) expect(f.vadProb).toBeGreaterThan(0.3);
    const speechSec = truth.segments.reduce((a, s) => a + s.endSec - s.startSec, 0);
    expect(frames.at(-1)!.speakingRatio).toBeGreaterThan((speechSec / truth.durationSec) - 0.08);
    expect(frames.at(-1)!.speakingRatio).toBeLessThan((speechSec / truth.durationSec) + 0.08);
    const withVar = frames.filter((f) => f.pitchVariabilitySt !== null);
    expect(withVar.length).toBeGreaterThan(frames.length / 2);
    for (const f of withVar) expect(f.pitchVariabilitySt!).toBeLessThan(8);
  });

  it('keeps values inside the contract ranges', () => {
    for (const f of frames) {
      expect(f.levelDbfs).toBeGreaterThanOrEqual(-100);
      expect(f.levelDbfs).toBeLessThanOrEqual(0);
      expect(f.vadProb).toBeGreaterThanOrEqual(0);
      expect(f.vadProb).toBeLessThanOrEqual(1);
      expect(f.speakingRatio).toBeGreaterThanOrEqual(0);
      expect(f.speakingRatio).toBeLessThanOrEqual(1);
    }
  });
});
