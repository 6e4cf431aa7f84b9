/**
 * Fluency metrics: pace, lexical fillers, repetitions, hedges (from final ASR words) and acoustic
 * filled pauses (from PCM, any engine). Typical live wiring per audio producer:
 *
 * ```ts
 * const fluency = new FluencyTracker({ roomId, producerId });
 * const fpd = new FilledPauseDetector();
 * // per 100 ms window:  for (const fp of fpd.push(window16k, mediaTimeSec)) emitEvent(fluency.addFilledPause(fp));
 * // per finished pause: fluency.addPause(pause)
 * // per ASR final:      for (const e of fluency.addFinal(h.words)) emit('fluency:event', e);
 * // about once a second while speaking: emit('metrics:fluency', fluency.frame(mediaTimeSec));
 * // end of session:     fluency.summary()
 * ```
 */
export { FilledPauseDetector } from './FilledPauseDetector.ts';
export type { FilledPause, FilledPauseOptions } from './FilledPauseTypes.ts';
export { FluencyTracker } from './FluencyTracker.ts';
export type { DisfluencyMatch, FillerItem, FluencySummary, FluencyTrackerOptions, PauseSpan, RuleWord } from './FluencyTypes.ts';
export { FILLED_PAUSE_WORDS, findDisfluencies } from './lexicalRules.ts';
export { normaliseToken } from '../text/words.ts';
export { MIN_RATE_SPAN_SEC, PACE_WINDOW_SEC, PaceMeter } from './PaceMeter.ts';
export { analyzeLanguageOffline, type OfflineLanguageInput, type OfflineLanguageResult } from './offlineLanguageAnalysis.ts';
