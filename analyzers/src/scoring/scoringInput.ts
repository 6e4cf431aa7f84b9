import type { BodyFrame, VoiceFrame } from '@lectern/contract';
import type { FluencySummary, PauseSpan } from '../fluency/FluencyTypes.ts';
import type { ScoringBodyWindow, ScoringInput, ScoringVoiceWindow, ScoringWord } from './RubricTypes.ts';

/** Minimum `Measured.confidence` (0–1) for a body metric to be used; engineering choice. */
export const MIN_BODY_CONFIDENCE = 0.3;

/** Keeps the fields the rubric reads from a contract voice frame (or an offline frame of the same shape). */
export function voiceWindowFromFrame(
  f: Pick<VoiceFrame, 'mediaTimeSec' | 'levelDbfs' | 'f0Hz' | 'isSpeech' | 'pauseSec'>,
): ScoringVoiceWindow {
  return { mediaTimeSec: f.mediaTimeSec, levelDbfs: f.levelDbfs, f0Hz: f.f0Hz, isSpeech: f.isSpeech, pauseSec: f.pauseSec };
}

/**
 * Flattens a contract body frame; a metric whose confidence is below {@link MIN_BODY_CONFIDENCE}
 * becomes null. Frames without a person in view (presence not true) should be dropped by the caller
 * or give all-null windows, which the rubric ignores.
 */
export function bodyWindowFromFrame(f: BodyFrame): ScoringBodyWindow {
  const v = (m: { value: number | null; confidence: number }): number | null =>
    m.value !== null && m.confidence >= MIN_BODY_CONFIDENCE ? m.value : null;
  const present = f.presence.value === true;
  return {
    mediaTimeSec: f.mediaTimeSec,
    shoulderTiltDeg: present ? v(f.shoulderTiltDeg) : null,
    torsoLeanDeg: present ? v(f.torsoLeanDeg) : null,
    gestureSwPerSec: present ? v(f.gestureSwPerSec) : null,
    facingRatio: present ? v(f.facingRatio) : null,
  };
}

/**
 * Builds a {@link ScoringInput} from what the offline CLI already has: voice frames and pauses
 * (OfflineVoiceAnalysis), the recognised words and the fluency summary's filler items, and
 * optionally body frames.
 */
export function buildScoringInput(args: {
  durationSec: number;
  voiceFrames: readonly Pick<VoiceFrame, 'mediaTimeSec' | 'levelDbfs' | 'f0Hz' | 'isSpeech' | 'pauseSec'>[];
  pauses: readonly PauseSpan[];
  words: readonly ScoringWord[];
  fluency: Pick<FluencySummary, 'fillers'>;
  bodyFrames?: readonly BodyFrame[] | null;
}): ScoringInput {
  return {
    durationSec: args.durationSec,
    voice: args.voiceFrames.map(voiceWindowFromFrame),
    pauses: args.pauses.map((p) => ({ startSec: p.startSec, endSec: p.endSec })),
    words: args.words.map((w) => ({ startSec: w.startSec, endSec: w.endSec, ...(w.word === undefined ? {} : { word: w.word }) })),
    fillers: args.fluency.fillers.items.map((f) => ({ startSec: f.startSec, endSec: f.endSec, word: f.word })),
    body: args.bodyFrames ? args.bodyFrames.map(bodyWindowFromFrame) : null,
  };
}
