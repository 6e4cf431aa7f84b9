/**
 * Engine descriptions reported in the analyzer `ready` message and the CLI's JSON (`engines`).
 * The VAD entry is filled in from the loaded model (SileroVad.engine).
 */
export const ENGINES: Record<string, string> = {
  decoder: 'libopus via @discordjs/opus, decoded natively at 16 kHz mono (live); ffmpeg f32le 16 kHz mono (files)',
  level: 'RMS level in dBFS (20·log10 RMS, floor −100)',
  pitch: 'YIN (de Cheveigné & Kawahara 2002) via pitchfinder 2.3.4, 60–400 Hz, speech windows only',
  pauses: 'Silero-style hysteresis (enter p ≥ 0.5, leave p < 0.35 for 150 ms), pauses ≥ 0.25 s',
};
