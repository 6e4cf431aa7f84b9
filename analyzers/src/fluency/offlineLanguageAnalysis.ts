import type { CaptionWord } from '@lectern/contract';
import type { AsrEngine, AsrHypothesis } from '../asr/AsrEngine.ts';
import { FilledPauseDetector } from './FilledPauseDetector.ts';
import type { FilledPause } from './FilledPauseTypes.ts';
import { FluencyTracker } from './FluencyTracker.ts';
import type { FluencySummary, PauseSpan } from './FluencyTypes.ts';

/** Input of {@link analyzeLanguageOffline}. */
export interface OfflineLanguageInput {
  /** 16 kHz mono PCM of the whole recording. */
  samples: Float32Array;
  /** Engine to transcribe with (in-thread or AsrWorker), or null for no transcript (acoustic fillers only). */
  engine: AsrEngine | null;
  /** Pauses found by the voice analysis (media s), for articulation rate and the rules; optional. */
  pauses?: PauseSpan[];
  /** Chunk length fed to the engine and detector (s); default 0.1 (the live window). */
  chunkSec?: number;
}

/** Result of {@link analyzeLanguageOffline}: the language part of `npm run analyze -- --json`. */
export interface OfflineLanguageResult {
  /** Engine name (`pocketsphinx`, `sherpa-onnx`) or `none`. */
  engine: string;
  /** Final transcript (utterances joined by spaces). */
  transcript: string;
  /** All final words with media times (s from the start of the file). */
  words: CaptionWord[];
  /** The same words grouped by final (utterance), in order (to merge partial analyses). */
  utterances: CaptionWord[][];
  /** Acoustic filled pauses. */
  filledPauses: FilledPause[];
  /** Pace, fillers (count, perMin, items with word and startSec), repetitions, hedges. */
  summary: FluencySummary;
}

/**
 * Run recognition, the acoustic filled-pause detector and the fluency rules over a whole
 * recording, chunk by chunk exactly as live (so offline and live numbers agree).
 * @throws whatever the engine's stream throws.
 */
export async function analyzeLanguageOffline(input: OfflineLanguageInput): Promise<OfflineLanguageResult> {
  const step = Math.max(1, Math.round((input.chunkSec ?? 0.1) * 16_000));
  const tracker = new FluencyTracker({ roomId: 'offline', producerId: 'offline' });
  for (const p of input.pauses ?? []) tracker.addPause(p);
  const detector = new FilledPauseDetector();
  const finals: AsrHypothesis[] = [];
  const stream = input.engine?.createStream({ segmentation: input.pauses ? 'external' : 'engine' }) ?? null;
  stream?.on('hypothesis', (h) => {
    if (h.kind === 'final') finals.push(h);
  });
  const filledPauses: FilledPause[] = [];
  const pauseStarts = (input.pauses ?? []).map((p) => p.startSec).sort((a, b) => a - b);
  let nextPause = 0;
  for (let i = 0; i < input.samples.length; i += step) {
    const chunk = input.samples.subarray(i, i + step);
    const t = i / 16_000;
    filledPauses.push(...detector.push(chunk, t));
    stream?.push(chunk, t);
    // External segmentation: end the utterance once the audio has passed a pause start.
    while (stream && nextPause < pauseStarts.length && pauseStarts[nextPause]! <= t + chunk.length / 16_000) {
      stream.endUtterance();
      nextPause++;
    }
  }
  filledPauses.push(...detector.flush());
  await stream?.close();
  for (const h of finals) tracker.addFinal(h.words);
  for (const fp of filledPauses) tracker.addFilledPause(fp);
  const words = finals.flatMap((h) => h.words);
  return {
    engine: input.engine?.name ?? 'none',
    transcript: finals.map((h) => h.text).join(' '),
    words,
    utterances: finals.map((h) => h.words),
    filledPauses,
    summary: tracker.summary(),
  };
}
