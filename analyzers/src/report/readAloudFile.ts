import { createEngine, selectEngine } from '../asr/selectEngine.ts';
import { FfmpegPcmReader } from '../audio/FfmpegPcmReader.ts';
import { analyzeLanguageOffline } from '../fluency/offlineLanguageAnalysis.ts';
import { scoreReadAloud } from './readAloud.ts';
import type { ReadAloudResponse } from './ReportTypes.ts';

/**
 * The read-aloud accuracy drill on a recorded attempt: decode (ffmpeg, 16 kHz mono) → best
 * available ASR engine (engine segmentation) → word alignment with the target sentence →
 * accuracy, WER and missed words ({@link scoreReadAloud}).
 * @param file the attempt (any format ffmpeg decodes; a few seconds).
 * @param targetSentence the sentence that was to be read.
 * @returns the score plus `engine` (`none` when no ASR engine is available: then accuracy is 0).
 * @throws AudioDecodeError for a file that is not decodable audio; RangeError for an empty target.
 */
export async function readAloudFromFile(file: string, targetSentence: string): Promise<ReadAloudResponse> {
  const reader = new FfmpegPcmReader(file);
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
