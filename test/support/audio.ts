import { execFileSync } from 'node:child_process';
import { levelDbfs } from '../../analyzers/src/voice/level.ts';

/**
 * Decodes any audio file to 16 kHz mono Float32 samples with ffmpeg (Debian).
 * @throws Error if ffmpeg fails (message includes its stderr tail).
 */
export function decodeToPcm16k(file: string): Float32Array {
  const out = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'f32le', '-ac', '1', '-ar', '16000', 'pipe:1'], {
    maxBuffer: 1 << 30,
  });
  return new Float32Array(out.buffer, out.byteOffset, out.byteLength / 4);
}

/** RMS level in dBFS ({@link levelDbfs}: 20·log10 RMS in [-100, 0]) of consecutive windows of `windowSamples`. */
export function levelEnvelopeDbfs(pcm: Float32Array, windowSamples = 1600): number[] {
  const out: number[] = [];
  for (let off = 0; off + windowSamples <= pcm.length; off += windowSamples) out.push(levelDbfs(pcm.subarray(off, off + windowSamples)));
  return out;
}
