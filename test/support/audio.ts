import { execFileSync } from 'node:child_process';

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

/** RMS level in dBFS (floor -100) of consecutive windows of `windowSamples`. */
export function levelEnvelopeDbfs(pcm: Float32Array, windowSamples = 1600): number[] {
  const out: number[] = [];
  for (let off = 0; off + windowSamples <= pcm.length; off += windowSamples) {
    let sum = 0;
    for (let i = off; i < off + windowSamples; i++) sum += pcm[i]! * pcm[i]!;
    const rms = Math.sqrt(sum / windowSamples);
    out.push(rms > 0 ? Math.max(-100, 20 * Math.log10(rms)) : -100);
  }
  return out;
}
