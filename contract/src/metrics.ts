import { z } from 'zod';

/** Length of one voice-metric window in seconds (100 ms). */
export const VOICE_WINDOW_SEC = 0.1;
/** Analysis sample rate for all voice features and ASR (Hz). */
export const ANALYSIS_SAMPLE_RATE_HZ = 16_000;

/**
 * Minimum silence that counts as a pause, in seconds. 250 ms is the conventional threshold
 * separating pauses from articulatory gaps (Goldman-Eisler 1968, "Psycholinguistics: experiments
 * in spontaneous speech"; also used by De Jong & Wempe 2009 for speech-rate measurement).
 */
export const MIN_PAUSE_SEC = 0.25;

/** Fields every metric frame carries, whatever its kind. */
const frameBase = {
  /** Room the producer publishes in. */
  roomId: z.string(),
  /** mediasoup producer id of the analysed track. */
  producerId: z.string(),
  /** Start of the window, seconds since the producer's first RTP packet (≥ 0). */
  mediaTimeSec: z.number().nonnegative(),
  /** Window length in seconds (0.1 for voice). */
  windowSec: z.number().positive(),
  /** Server wall-clock time (Unix epoch ms) when the window closed and the frame was emitted. */
  serverTimeMs: z.number(),
};

/**
 * One 100 ms window of voice metrics, emitted as `metrics:voice`.
 * Units are in the names: dBFS, Hz, seconds, semitones, 0–1 ratios. Level is 20·log10(RMS) of
 * float samples in [-1, 1], so a full-scale square wave is 0 dBFS and a full-scale sine −3.01 dBFS
 * (the AES17 convention would add 3.01 dB; we do not).
 */
export const VoiceFrameSchema = z.object({
  ...frameBase,
  kind: z.literal('voice'),
  /** RMS level of the window in dBFS, floored at -100 (digital silence). Range [-100, 0]. */
  levelDbfs: z.number().min(-100).max(0),
  /** Median fundamental frequency of voiced sub-frames in Hz (YIN), null when unvoiced/silent. */
  f0Hz: z.number().positive().nullable(),
  /** Silero VAD speech probability for the window (max over its 32 ms chunks), 0–1. */
  vadProb: z.number().min(0).max(1),
  /** Whether the VAD state machine (with hysteresis) considers this window speech. */
  isSpeech: z.boolean(),
  /** Length of the current pause in seconds; 0 while speaking. */
  pauseSec: z.number().nonnegative(),
  /** Speech time / elapsed time since the producer started, 0–1. */
  speakingRatio: z.number().min(0).max(1),
  /** Standard deviation of F0 in semitones over voiced windows of the last 10 s; null if < 1 s voiced. */
  pitchVariabilitySt: z.number().nonnegative().nullable(),
  /** Packets concealed by the jitter buffer in this window (loss or late arrival). */
  concealedPackets: z.number().int().nonnegative(),
});
export type VoiceFrame = z.infer<typeof VoiceFrameSchema>;

/**
 * A finished pause (silence ≥ MIN_PAUSE_SEC between speech), emitted as `metrics:pause` when speech
 * resumes. Times are media seconds since the producer's first RTP packet.
 */
export const PauseEventSchema = z.object({
  roomId: z.string(),
  producerId: z.string(),
  startSec: z.number().nonnegative(),
  endSec: z.number().nonnegative(),
  durationSec: z.number().nonnegative(),
  serverTimeMs: z.number(),
});
export type PauseEvent = z.infer<typeof PauseEventSchema>;

/** Analyzer/stream status for a producer, emitted as `analyzer:status`. */
export const AnalyzerStatusSchema = z.object({
  roomId: z.string(),
  producerId: z.string(),
  state: z.enum(['starting', 'running', 'restarting', 'unavailable', 'stopped']),
  /** Human-readable reason for the state, e.g. "analyzer process exited (code 1); restarting". */
  reason: z.string().optional(),
  /**
   * Analysis this stream currently skips because the node is overloaded, in shedding order:
   * `pose` (body-pose frames) first, then `asr-partials` (captions arrive as finals only). Voice
   * windows are never shed. Absent or empty = full analysis.
   */
  shed: z.array(z.enum(['pose', 'asr-partials'])).optional(),
});
export type AnalyzerStatus = z.infer<typeof AnalyzerStatusSchema>;
