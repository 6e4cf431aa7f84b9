import type { BodyFrame, Measured } from '@lectern/contract';
import { fmt } from './util/format';

/**
 * Presentation helpers for body-language metrics. Angles in frames are counter-clockwise-positive
 * in the camera image (unmirrored); for a presenter facing the camera, positive means their LEFT
 * shoulder/eye is higher, i.e. they tip towards their right. Texts speak from the presenter's side.
 */

/** Tilts smaller than this (degrees) read as "level". */
export const LEVEL_DEG = 3;

/** "shoulders level", "right shoulder higher"… for a shoulder tilt; null when unknown. */
export function shoulderText(deg: number | null): string | null {
  if (deg === null) return null;
  if (Math.abs(deg) < LEVEL_DEG) return 'shoulders level';
  return deg > 0 ? 'left shoulder higher' : 'right shoulder higher';
}

/** "head upright", "head tilted to your right"… for a head tilt; null when unknown. */
export function headText(deg: number | null): string | null {
  if (deg === null) return null;
  if (Math.abs(deg) < LEVEL_DEG) return 'head upright';
  return deg > 0 ? 'head tilted to your right' : 'head tilted to your left';
}

/** Unsigned degrees, or "—". */
export function degrees(m: Measured | undefined): string {
  return m?.value == null ? '—' : fmt(Math.abs(m.value), 0);
}

/** A 0–1 ratio as a whole percentage, or "—". */
export function percent(m: Measured | undefined): string {
  return m?.value == null ? '—' : fmt(m.value * 100, 0);
}

/** Why a frame has no metrics: null when it has them. */
export function bodyUnavailable(frame: BodyFrame | null, active: boolean): string | null {
  if (!frame) return active ? 'Waiting for body metrics…' : 'Starts with your camera';
  if (frame.presence.value === null) return 'No video from the camera right now';
  if (!frame.presence.value) return 'Nobody in view';
  return null;
}

/** Sway verdict for a value in shoulder widths (RMS over 2 s). */
export function swayText(sw: number | null): string | null {
  if (sw === null) return null;
  if (sw < 0.05) return 'steady';
  if (sw < 0.12) return 'some movement';
  return 'swaying';
}

/** Gesture verdict for wrist speed in shoulder widths per second. */
export function gestureText(swPerSec: number | null): string | null {
  if (swPerSec === null) return null;
  if (swPerSec < 0.1) return 'hands still';
  if (swPerSec < 1.5) return 'gesturing';
  return 'very busy hands';
}
