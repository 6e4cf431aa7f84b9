import { PACE_GUIDANCE_WPM } from '@lectern/contract';

/**
 * Guidance shown next to pace, not a measured norm: about 120–160 words per minute for
 * presentations (slower than fast conversation, so listeners can follow slides and pauses). Defined
 * once, with its source, in the contract (the report's pace subscore uses the same band).
 */
export { PACE_GUIDANCE_WPM };

/** Where a pace lies relative to {@link PACE_GUIDANCE_WPM}. */
export function paceVerdict(wpm: number | null | undefined): 'slow' | 'typical' | 'fast' | null {
  if (wpm == null || !Number.isFinite(wpm)) return null;
  if (wpm < PACE_GUIDANCE_WPM.low) return 'slow';
  if (wpm > PACE_GUIDANCE_WPM.high) return 'fast';
  return 'typical';
}
