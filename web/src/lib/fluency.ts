/**
 * Guidance shown next to pace, not a measured norm: speaking coaches commonly suggest about
 * 120–160 words per minute for presentations (slower than fast conversation, so listeners can
 * follow slides and pauses). It depends on the audience, language and content; treat it as a
 * rough range, not a target.
 */
export const PACE_GUIDANCE_WPM = { low: 120, high: 160 } as const;

/** Where a pace lies relative to {@link PACE_GUIDANCE_WPM}. */
export function paceVerdict(wpm: number | null | undefined): 'slow' | 'typical' | 'fast' | null {
  if (wpm == null || !Number.isFinite(wpm)) return null;
  if (wpm < PACE_GUIDANCE_WPM.low) return 'slow';
  if (wpm > PACE_GUIDANCE_WPM.high) return 'fast';
  return 'typical';
}
