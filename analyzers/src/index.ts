/**
 * @lectern/analyzers — turns media into metric frames.
 *
 * Live: `pipeline/LiveAudioStream` (RTP over UDP → frames), hosted by the analyzer child
 * process (`process/main.ts`, IPC protocol in `process/protocol.ts`).
 * Offline: `pipeline/OfflineVoiceAnalysis` (files via ffmpeg → frames), used by
 * `npm run analyze`. Both use the same Windower and VoiceAnalyzer.
 */
export { RtpPacket, isRtcp, RTP_FIXED_HEADER_BYTES } from './rtp/RtpPacket.ts';
export { seqAdd, seqDelta } from './rtp/sequence.ts';
export { JitterBuffer } from './rtp/JitterBuffer.ts';
export type { JitterBufferOptions, JitterBufferStats } from './rtp/JitterBufferTypes.ts';
export { RtpTimeline } from './rtp/RtpTimeline.ts';

export { OpusDecoder } from './audio/OpusDecoder.ts';
export type { OpusDecoderStats } from './audio/OpusDecoder.ts';
export { Windower } from './audio/Windower.ts';
export type { WriteOptions } from './audio/Windower.ts';
export type { ClosedWindow, WindowerOptions, WindowerStats } from './audio/WindowerTypes.ts';
export { FfmpegPcmReader } from './audio/FfmpegPcmReader.ts';
export { AudioDecodeError } from './audio/AudioDecodeError.ts';

export { levelDbfs, rms, rmsToDbfs, LEVEL_FLOOR_DBFS } from './voice/level.ts';
export { PitchTracker } from './voice/PitchTracker.ts';
export type { PitchTrackerOptions } from './voice/PitchTracker.ts';
export { PitchVariability, semitoneSd } from './voice/PitchVariability.ts';
export type { PitchVariabilityOptions } from './voice/PitchVariability.ts';
export { PauseTracker } from './voice/PauseTracker.ts';
export type { FinishedPause, PauseTrackerOptions } from './voice/PauseTrackerTypes.ts';
export { SileroVad } from './voice/SileroVad.ts';
export { SileroVadStream } from './voice/SileroVadStream.ts';
export * from './voice/SileroVadTypes.ts';
export { VoiceAnalyzer } from './voice/VoiceAnalyzer.ts';
export type { VoiceAnalysis, VoiceAnalyzerOptions } from './voice/VoiceAnalyzerTypes.ts';
export { mean } from './voice/statistics.ts';
export { percentile, percentileOf } from './util/percentile.ts';

export { LiveAudioStream } from './pipeline/LiveAudioStream.ts';
export type { LiveAudioStreamOptions, LiveAudioStreamStats } from './pipeline/LiveAudioStreamTypes.ts';
export { OfflineVoiceAnalysis } from './pipeline/OfflineVoiceAnalysis.ts';
export type { OfflineVoiceAnalysisResult, TimelineFrame } from './pipeline/OfflineVoiceAnalysisTypes.ts';
export { summarizeVoice } from './pipeline/VoiceSummary.ts';
export type { VoiceSummary } from './pipeline/VoiceSummary.ts';

export { AnalyzerProcess } from './process/AnalyzerProcess.ts';
export { ParentMessageSchema } from './process/protocol.ts';
export type * from './process/protocol.ts';
export { ENGINES } from './engines.ts';
