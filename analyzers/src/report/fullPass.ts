/**
 * Full-pass analysis of a session recording: the same functions as
 * `npm run analyze` (analyzers/src/cli/analyze.ts) — ffmpeg decode to 16 kHz mono, the offline
 * voice pipeline (Silero VAD, YIN F0, pauses), language with the best available ASR engine
 * (`selectEngine`: sherpa-onnx › PocketSphinx › none) and the filled-pause detector, and, when the
 * file has video, body language from MoveNet (`analyzeVideoFile`) — reduced to a
 * {@link ScoringInput}. Times are seconds from the start of the file (recording positions).
 */
import os from 'node:os';
import { createEngine, selectEngine } from '../asr/selectEngine.ts';
import { FfmpegPcmReader } from '../audio/FfmpegPcmReader.ts';
import { ENGINES } from '../engines.ts';
import { analyzeLanguageOffline, type OfflineLanguageResult } from '../fluency/offlineLanguageAnalysis.ts';
import { OfflineVoiceAnalysis } from '../pipeline/OfflineVoiceAnalysis.ts';
import { summarizeVoice } from '../pipeline/VoiceSummary.ts';
import { analyzeVideoFile } from '../pose/analyzeVideoFile.ts';
import { VideoDecodeError } from '../pose/VideoDecodeError.ts';
import { buildScoringInput } from '../scoring/scoringInput.ts';
import type { ScoringBodyWindow } from '../scoring/RubricTypes.ts';
import { SileroVad } from '../voice/SileroVad.ts';
import { analyzeLanguageParallel } from './parallelLanguage.ts';
import { reportAsrPreset } from './reportAsrPreset.ts';
import type { PocketSphinxPreset } from '../asr/pocketsphinx/PocketSphinxTypes.ts';
import type { FullPassResult, FullPassStage } from './ReportTypes.ts';

/** Options of {@link analyzeRecordingFile}. */
export interface FullPassOptions {
  /** Analyse body language from the file's video stream (default true; skipped when there is none). */
  video?: boolean;
  /** Pose frames per second for the full pass (default 2: 10 min ≈ 1200 MoveNet frames). */
  poseFps?: number;
  /**
   * ASR worker threads for the language pass (default: one per core, at most 4, and at most one
   * per 60 s of audio; 1 = in this thread, exactly as `npm run analyze`).
   */
  languageParts?: number;
  /**
   * PocketSphinx preset of the language pass (when PocketSphinx is the engine). Default:
   * {@link reportAsrPreset} (`LECTERN_REPORT_ASR_PRESET`, else the most accurate preset whose
   * measured RTF meets the 10-minute-talk-in-60-s target).
   */
  asrPreset?: PocketSphinxPreset;
  /** Called at each stage start with the fraction of the analysis done (0–1). */
  onProgress?: (stage: FullPassStage, fraction: number) => void;
}

/** Rough share of the full pass each stage takes (measured on PocketSphinx, audio only). */
const STAGE_START: Record<FullPassStage, number> = { decode: 0, voice: 0.05, language: 0.3, body: 0.85, done: 1 };

/**
 * Analyses one recording file end to end, in this thread (run it in a child process to keep an
 * event loop free: see `fullPassProcess.ts`).
 * @param file any file ffmpeg decodes (the session's `recording.webm`).
 * @throws AudioDecodeError when the file is missing, not media or has no audio.
 * @throws Error when the VAD model cannot load or the ASR engine fails.
 */
export async function analyzeRecordingFile(file: string, opts: FullPassOptions = {}): Promise<FullPassResult> {
  const stageMs: Record<string, number> = {};
  const progress = (s: FullPassStage) => opts.onProgress?.(s, STAGE_START[s]);
  let t = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    stageMs[name] = Math.round(now - t);
    t = now;
  };

  progress('decode');
  const model = await SileroVad.shared();
  const reader = new FfmpegPcmReader(file);
  const samples = await reader.readAll();
  lap('decode');

  progress('voice');
  // Fed in 10 s pieces so progress moves through the stage.
  const piece = reader.sampleRate * 10;
  const voiceSpan = STAGE_START.language - STAGE_START.voice;
  function* pieces(): Generator<Float32Array> {
    for (let i = 0; i < samples.length; i += piece) {
      opts.onProgress?.('voice', STAGE_START.voice + (voiceSpan * i) / Math.max(1, samples.length));
      yield samples.subarray(i, i + piece);
    }
  }
  const voice = await new OfflineVoiceAnalysis(model).analyzeChunks(pieces(), reader.sampleRate);
  const vs = summarizeVoice(voice);
  lap('voice');

  progress('language');
  const preset = opts.asrPreset ? { preset: opts.asrPreset, reason: 'set by the caller' } : reportAsrPreset();
  const selection = await selectEngine({ pocketsphinx: { preset: preset.preset } });
  const parts = Math.max(1, opts.languageParts ?? Math.min(os.availableParallelism(), 4, Math.floor(voice.durationSec / 60)));
  let lang: OfflineLanguageResult;
  if (selection.spec && parts > 1) {
    const langSpan = STAGE_START.body - STAGE_START.language;
    lang = await analyzeLanguageParallel(samples, voice.pauses, selection.spec, parts, (done, total) =>
      opts.onProgress?.('language', STAGE_START.language + (langSpan * done) / total),
    );
  } else {
    const engine = selection.spec ? await createEngine(selection.spec) : null;
    try {
      lang = await analyzeLanguageOffline({ samples, engine, pauses: [...voice.pauses] });
    } finally {
      await engine?.close();
    }
  }
  lap('language');

  let body: ScoringBodyWindow[] | null = null;
  const engines: Record<string, string> = { ...ENGINES, vad: model.engine, asr: `${lang.engine}${lang.engine === 'pocketsphinx' ? ` ${preset.preset} preset (${preset.reason})` : ''}${parts > 1 && lang.engine !== 'none' ? ` (${parts} worker threads)` : ''}` };
  if (opts.video !== false) {
    progress('body');
    try {
      const va = await analyzeVideoFile(file, { fps: opts.poseFps ?? 2 });
      engines.pose = `${va.engine} at ${va.fps} fps`;
      body = va.timeline.map((e) => ({
        mediaTimeSec: e.mediaTimeSec,
        shoulderTiltDeg: e.present ? e.shoulderTiltDeg : null,
        torsoLeanDeg: e.present ? e.torsoLeanDeg : null,
        gestureSwPerSec: e.present ? e.gestureSwPerSec : null,
        facingRatio: e.present ? e.facingRatio : null,
      }));
    } catch (err) {
      // No video stream (audio-only recording) is normal; anything else is a real failure.
      if (!(err instanceof VideoDecodeError)) throw err;
      engines.pose = `none (${err.reason})`;
    }
    lap('body');
  }
  progress('done');

  const scoringInput = buildScoringInput({
    durationSec: voice.durationSec,
    voiceFrames: voice.frames,
    pauses: voice.pauses,
    words: lang.words.map((w) => ({ word: w.word, startSec: w.startSec, endSec: w.endSec })),
    fluency: lang.summary,
  });
  scoringInput.body = body;
  const fillerWords: Record<string, number> = {};
  for (const f of lang.summary.fillers.items) fillerWords[f.word] = (fillerWords[f.word] ?? 0) + 1;
  return {
    durationSec: voice.durationSec,
    scoringInput,
    transcript: lang.transcript,
    engines,
    summary: {
      wpm: lang.summary.wpm,
      articulationWpm: lang.summary.articulationWpm,
      fillersPerMin: lang.engine === 'none' && lang.summary.fillers.count === 0 ? null : lang.summary.fillers.perMin,
      fillerWords,
      speakingRatio: vs.speakingRatio,
      pitchVariabilitySt: vs.pitchVariabilitySt,
      pauses: voice.pauses.length,
    },
    stageMs,
  };
}
