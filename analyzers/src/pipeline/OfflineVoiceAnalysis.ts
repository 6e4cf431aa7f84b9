import { FfmpegPcmReader } from '../audio/FfmpegPcmReader.ts';
import { Windower } from '../audio/Windower.ts';
import type { ClosedWindow } from '../audio/WindowerTypes.ts';
import type { FinishedPause } from '../voice/PauseTrackerTypes.ts';
import type { SileroVad } from '../voice/SileroVad.ts';
import { VoiceAnalyzer } from '../voice/VoiceAnalyzer.ts';
import type { OfflineVoiceAnalysisResult, TimelineFrame } from './OfflineVoiceAnalysisTypes.ts';

/**
 * Offline composition of the voice pipeline, for files (the CLI, post-session scoring):
 * ffmpeg decode + resample to 16 kHz mono (FfmpegPcmReader) → Windower (100 ms windows) →
 * VoiceAnalyzer, run as fast as the CPU allows. The Windower and VoiceAnalyzer are the same
 * classes the live RTP path uses, so offline and live frames agree window for window.
 */
export class OfflineVoiceAnalysis {
  /** @param model the process-wide Silero VAD (SileroVad.shared()). */
  constructor(private readonly model: SileroVad) {}

  /**
   * Analyses one media file.
   * @param file any audio/video file ffmpeg can read.
   * @returns duration, per-window frames and finished pauses.
   * @throws AudioDecodeError when the file cannot be decoded (see FfmpegPcmReader).
   */
  async analyzeFile(file: string): Promise<OfflineVoiceAnalysisResult> {
    const reader = new FfmpegPcmReader(file);
    return this.analyzeChunks(reader.chunks(), reader.sampleRate);
  }

  /**
   * Analyses a stream of PCM chunks (e.g. from FfmpegPcmReader or a test).
   * @param chunks mono float samples at 16 kHz, in order, any chunk sizes.
   * @param sampleRate rate of the samples in Hz (16000).
   */
  async analyzeChunks(chunks: AsyncIterable<Float32Array> | Iterable<Float32Array>, sampleRate: number): Promise<OfflineVoiceAnalysisResult> {
    const analyzer = new VoiceAnalyzer(this.model, { sampleRate });
    const pending: ClosedWindow[] = [];
    const windower = new Windower({ sampleRate, onWindow: (w) => pending.push(w) });
    const frames: TimelineFrame[] = [];
    const pauses: FinishedPause[] = [];
    let totalSamples = 0;

    // Windows are views into the Windower's ring: analyse them before appending more than one
    // window's worth of samples.
    const drain = async (): Promise<void> => {
      for (let w = pending.shift(); w !== undefined; w = pending.shift()) {
        const { pauses: finished, ...frame } = await analyzer.analyze(w.samples, w.mediaTimeSec);
        frames.push(frame);
        pauses.push(...finished);
      }
    };
    for await (const chunk of chunks) {
      totalSamples += chunk.length;
      for (let off = 0; off < chunk.length; off += windower.windowSamples) {
        windower.append(chunk.subarray(off, off + windower.windowSamples));
        await drain();
      }
    }
    windower.flush();
    await drain();
    return { durationSec: totalSamples / sampleRate, frames, pauses };
  }
}
