/**
 * Signal level in dBFS as defined by the contract (`VoiceFrameSchema.levelDbfs`):
 * 20·log10(RMS) of float samples in [-1, 1], so a full-scale square wave is 0 dBFS and a
 * full-scale sine −3.01 dBFS (the AES17 convention would add 3.01 dB; we do not).
 */

/** Level reported for digital silence and anything quieter (dBFS). */
export const LEVEL_FLOOR_DBFS = -100;

/**
 * Root-mean-square of a block of samples.
 * @param samples float samples (any length; empty → 0).
 * @returns RMS ≥ 0 in linear full-scale units.
 */
export function rms(samples: Float32Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  return Math.sqrt(sum / samples.length);
}

/**
 * Converts a linear RMS to dBFS: 20·log10(rms), clamped to [LEVEL_FLOOR_DBFS, 0].
 * @param linearRms RMS in full-scale units (≥ 0; > 1 clamps to 0 dBFS).
 */
export function rmsToDbfs(linearRms: number): number {
  if (!(linearRms > 0)) return LEVEL_FLOOR_DBFS;
  const db = 20 * Math.log10(linearRms);
  return Math.min(0, Math.max(LEVEL_FLOOR_DBFS, db));
}

/**
 * RMS level of a block in dBFS, range [-100, 0].
 * @param samples float samples in [-1, 1].
 */
export function levelDbfs(samples: Float32Array): number {
  return rmsToDbfs(rms(samples));
}
