import { createEngine, selectEngine } from '../asr/selectEngine.ts';
import { FfmpegPcmReader } from '../audio/FfmpegPcmReader.ts';
import { analyzeLanguageOffline } from '../fluency/offlineLanguageAnalysis.ts';
import { scoreReadAloud } from './readAloud.ts';
import type { ReadAloudResponse } from './ReportTypes.ts';

/**
 * Longest read-aloud attempt analysed, seconds: a drill sentence takes seconds; 150 s is above
 * the upload cap's ≈ 2 min of Opus (READ_ALOUD_MAX_BYTES), so only files whose header lies
 * about their length (e.g. a WAV declaring 1 Hz) are refused.
 */
export const READ_ALOUD_MAX_SEC = 150;

/**
 * The read-aloud accuracy drill on a recorded attempt: decode (ffmpeg, 16 kHz mono) → best
 * available ASR engine (engine segmentation) → word alignment with the target sentence →
 * accuracy, WER and missed words ({@link scoreReadAloud}).
 * @param file the attempt (any format ffmpeg decodes; a few seconds).
 * @param targetSentence the sentence that was to be read.
 * @returns the score plus `engine` (`none` when no ASR engine is available: then accuracy is 0).
 * @throws AudioDecodeError for a file that is not decodable audio or is longer than {@link READ_ALOUD_MAX_SEC}; RangeError for an empty target.
 */
export async function readAloudFromFile(file: string, targetSentence: string): Promise<ReadAloudResponse> {
  const reader = new FfmpegPcmReader(file, undefined, undefined, READ_ALOUD_MAX_SEC);
  const samples = await reader.readAll();
  const selection = await selectEngine();
  const engine = selection.spec ? await createEngine(selection.spec) : null;
  try {
    const lang = await analyzeLanguageOffline({ samples, engine });
    return { ...scoreReadAloud(targetSentence, lang.transcript), engine: lang.engine, durationSec: samples.length / reader.sampleRate };
  } finally {
    await engine?.close();
  }
}
