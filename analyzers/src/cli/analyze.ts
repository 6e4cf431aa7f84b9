/**
 * `npm run analyze -- --input FILE [--video FILE] [--json]` — offline voice analysis of any
 * audio/video file; with `--video`, also body language from a video file (pose timeline at 5 fps
 * and a summary under `body`, from analyzers/src/pose/analyzeVideoFile.ts).
 *
 * Decodes with ffmpeg to 16 kHz mono float, runs the same Windower + VoiceAnalyzer as the live
 * path as fast as possible, and prints either a short human summary or (with --json) an object
 * `{ input, summary, engines, timeline }` (see {@link buildReport}).
 *
 * Exit codes: 0 success; 2 usage error or a file that cannot be analysed (missing, not media,
 * no audio, corrupt) — one line on stderr naming the file and the reason; 1 internal failure
 * (e.g. the VAD model cannot be loaded), also one line.
 */
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { AudioDecodeError } from '../audio/AudioDecodeError.ts';
import { ENGINES } from '../engines.ts';
import { createEngine, selectEngine } from '../asr/selectEngine.ts';
import { FfmpegPcmReader } from '../audio/FfmpegPcmReader.ts';
import { analyzeLanguageOffline, type OfflineLanguageResult } from '../fluency/offlineLanguageAnalysis.ts';
import { OfflineVoiceAnalysis } from '../pipeline/OfflineVoiceAnalysis.ts';
import type { OfflineVoiceAnalysisResult } from '../pipeline/OfflineVoiceAnalysisTypes.ts';
import { summarizeVoice } from '../pipeline/VoiceSummary.ts';
import type { VoiceSummary } from '../pipeline/VoiceSummary.ts';
import { SileroVad } from '../voice/SileroVad.ts';
// --- body language (--video): owned by the pose module, kept separate from the voice report ---
import { analyzeVideoFile, formatBodySummary, type VideoAnalysis } from '../pose/analyzeVideoFile.ts';
import { VideoDecodeError } from '../pose/VideoDecodeError.ts';

const USAGE = 'usage: npm run analyze -- --input FILE [--video FILE] [--json]';

/** Thrown for command-line mistakes (exit 2). */
class UsageError extends Error {}

/** JSON report printed with --json. Numbers are rounded for readability (see `round`). */
export interface AnalyzeReport {
  input: string;
  summary: VoiceSummary & {
    /** Words per minute over the talk (null without an ASR engine). */
    wpm?: number | null;
    /** Articulation rate: words per minute of speaking time (pauses ≥ 250 ms excluded). */
    articulationWpm?: number | null;
    /** Filled pauses (acoustic detector) and lexical fillers (rules on the transcript). */
    fillers?: OfflineLanguageResult['summary']['fillers'];
    repetitions?: OfflineLanguageResult['summary']['repetitions'];
    hedges?: OfflineLanguageResult['summary']['hedges'];
  };
  /** Final transcript from the ASR engine in `engines.asr` ('' when none). */
  transcript?: string;
  /** Recognised words with start/end in seconds from the start of the file. */
  words?: { word: string; startSec: number; endSec: number; confidence: number | null }[];
  /** With --video: pose timeline (5 fps) and body-language summary (see analyzers/src/pose). */
  body?: VideoAnalysis;
  engines: Record<string, string>;
  timeline: {
    mediaTimeSec: number;
    levelDbfs: number;
    f0Hz: number | null;
    vadProb: number;
    isSpeech: boolean;
    pauseSec: number;
    speakingRatio: number;
    pitchVariabilitySt: number | null;
  }[];
}

/** Rounds to `digits` decimals (null passes through). */
function round<T extends number | null>(value: T, digits: number): T {
  if (value === null) return value;
  const f = 10 ** digits;
  return (Math.round(value * f) / f) as T;
}

/**
 * Builds the JSON report: times in s (ms precision), levels in dBFS (0.01 dB), F0 in Hz
 * (0.1 Hz), probabilities and ratios to 3 decimals, semitones to 0.01.
 */
export function buildReport(input: string, result: OfflineVoiceAnalysisResult, engines: Record<string, string>): AnalyzeReport {
  const s = summarizeVoice(result);
  return {
    input,
    summary: {
      durationSec: round(s.durationSec, 3),
      pauses: s.pauses.map((p) => ({
        startSec: round(p.startSec, 3),
        endSec: round(p.endSec, 3),
        durationSec: round(p.durationSec, 3),
      })),
      levelDbfs: {
        mean: round(s.levelDbfs.mean, 2),
        p10: round(s.levelDbfs.p10, 2),
        p50: round(s.levelDbfs.p50, 2),
        p90: round(s.levelDbfs.p90, 2),
        windows: s.levelDbfs.windows,
      },
      f0Hz: {
        median: round(s.f0Hz.median, 1),
        p10: round(s.f0Hz.p10, 1),
        p90: round(s.f0Hz.p90, 1),
        windows: s.f0Hz.windows,
      },
      speakingRatio: round(s.speakingRatio, 3),
      pitchVariabilitySt: round(s.pitchVariabilitySt, 2),
    },
    engines,
    timeline: result.frames.map((f) => ({
      mediaTimeSec: round(f.mediaTimeSec, 3),
      levelDbfs: round(f.levelDbfs, 2),
      f0Hz: round(f.f0Hz, 1),
      vadProb: round(f.vadProb, 3),
      isSpeech: f.isSpeech,
      pauseSec: round(f.pauseSec, 3),
      speakingRatio: round(f.speakingRatio, 3),
      pitchVariabilitySt: round(f.pitchVariabilitySt, 2),
    })),
  };
}

/** Short human-readable summary (a few lines). */
function formatHuman(report: AnalyzeReport): string {
  const s = report.summary;
  const fmt = (v: number | null, digits = 1): string => (v === null ? 'n/a' : v.toFixed(digits));
  const lines = [
    `${basename(report.input)}: ${s.durationSec.toFixed(1)} s, speaking ${(s.speakingRatio * 100).toFixed(0)} % of the time`,
    `pauses (${s.pauses.length}): ` +
      (s.pauses.length === 0
        ? 'none'
        : s.pauses.map((p) => `${p.startSec.toFixed(2)}–${p.endSec.toFixed(2)} s (${p.durationSec.toFixed(2)} s)`).join(', ')),
    `level while speaking: mean ${fmt(s.levelDbfs.mean)} dBFS (p10 ${fmt(s.levelDbfs.p10)}, p50 ${fmt(s.levelDbfs.p50)}, p90 ${fmt(s.levelDbfs.p90)})`,
    `F0: median ${fmt(s.f0Hz.median, 0)} Hz (p10 ${fmt(s.f0Hz.p10, 0)}, p90 ${fmt(s.f0Hz.p90, 0)}), variability ${fmt(s.pitchVariabilitySt, 2)} st`,
  ];
  if (report.engines.asr !== undefined) {
    lines.push(
      `pace: ${fmt(s.wpm ?? null, 0)} WPM (articulation ${fmt(s.articulationWpm ?? null, 0)}); fillers ${s.fillers?.count ?? 0} ` +
        `(${fmt(s.fillers?.perMin ?? 0)}/min)${s.fillers?.items.length ? ': ' + s.fillers.items.map((f) => `${f.word}@${f.startSec.toFixed(1)}s`).join(', ') : ''}`,
      `transcript (${report.engines.asr}): ${report.transcript || '(none)'}`,
    );
  }
  return lines.join('\n') + '\n';
}

function parse(argv: string[]): { input: string; json: boolean; video?: string } | 'help' {
  let values: { input?: string; json?: boolean; help?: boolean; video?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        input: { type: 'string', short: 'i' },
        json: { type: 'boolean', default: false },
        video: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (err) {
    // node's messages add advice after the first sentence; the first is the point.
    throw new UsageError((err as Error).message.split(/\.\s|\n/)[0]!);
  }
  if (values.help === true) return 'help';
  const input = values.input ?? positionals[0];
  if (input === undefined || input === '') throw new UsageError('missing --input FILE');
  if (positionals.length > (values.input === undefined ? 1 : 0)) {
    throw new UsageError(`unexpected argument ${positionals.at(-1)}`);
  }
  if (values.video === '') throw new UsageError('--video needs a FILE');
  return { input, json: values.json === true, ...(values.video !== undefined ? { video: values.video } : {}) };
}

/**
 * Adds the language part (transcript, words, pace, fillers, repetitions, hedges) with the best
 * available ASR engine (same selection and LECTERN_ASR_ENGINE override as the live analyzer),
 * run in this thread. Without an engine, fillers come from the acoustic detector alone.
 */
async function addLanguage(
  report: AnalyzeReport,
  samples: Float32Array,
  pauses: readonly { startSec: number; endSec: number }[],
): Promise<void> {
  const selection = await selectEngine();
  const engine = selection.spec ? await createEngine(selection.spec) : null;
  try {
    const lang = await analyzeLanguageOffline({ samples, engine, pauses: [...pauses] });
    report.transcript = lang.transcript;
    report.words = lang.words;
    report.summary.wpm = lang.summary.wpm;
    report.summary.articulationWpm = lang.summary.articulationWpm;
    report.summary.fillers = lang.summary.fillers;
    report.summary.repetitions = lang.summary.repetitions;
    report.summary.hedges = lang.summary.hedges;
    report.engines.asr = lang.engine;
    report.engines.asrReason = selection.reason;
  } finally {
    await engine?.close();
  }
}

/** Writes to stdout and resolves once flushed (so large JSON is never cut off by exit). */
function writeOut(text: string): Promise<void> {
  return new Promise((resolve) => process.stdout.write(text, () => resolve()));
}

async function main(argv: string[]): Promise<number> {
  try {
    const args = parse(argv);
    if (args === 'help') {
      await writeOut(`${USAGE}\n`);
      return 0;
    }
    const model = await SileroVad.shared();
    // Decode once; the voice and language passes share the samples.
    const reader = new FfmpegPcmReader(args.input);
    const samples = await reader.readAll();
    const result = await new OfflineVoiceAnalysis(model).analyzeChunks([samples], reader.sampleRate);
    const report = buildReport(args.input, result, { ...ENGINES, vad: model.engine });
    await addLanguage(report, samples, result.pauses);
    if (args.video !== undefined) {
      report.body = await analyzeVideoFile(args.video);
      report.engines.pose = report.body.engine;
    }
    await writeOut(
      args.json ? `${JSON.stringify(report, null, 2)}\n` : formatHuman(report) + (report.body ? formatBodySummary(report.body) : ''),
    );
    return 0;
  } catch (err) {
    if (err instanceof VideoDecodeError) {
      process.stderr.write(`analyze: cannot analyse video ${err.file}: ${err.reason}\n`);
      return 2;
    }
    if (err instanceof AudioDecodeError) {
      process.stderr.write(`analyze: cannot analyse ${err.file}: ${err.reason}\n`);
      return 2;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`analyze: ${err.message} (${USAGE})\n`);
      return 2;
    }
    process.stderr.write(`analyze: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

// A closed pipe (`… --json | head`) is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
process.exitCode = await main(process.argv.slice(2));
