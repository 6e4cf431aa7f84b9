import fs from 'node:fs';

/** A decoded WAV file. */
export interface WavData {
  /** Sample rate (Hz). */
  sampleRate: number;
  /** Channels in the file (the samples are channel 0 only). */
  channels: number;
  /** Mono samples in [-1, 1] (the first channel if there are several). */
  samples: Float32Array;
}

/**
 * Read a 16-bit PCM RIFF/WAVE file (the format of Debian's LibriVox test data and the Lectern
 * fixtures) — the repository's one WAV reader (also used by tests, benches and, through Node's
 * type stripping, `web/scripts/mock-api.mjs`). Walks the chunk list (RIFF, Microsoft/IBM 1991),
 * so `LIST` chunks before `data` are fine; a truncated `data` chunk is read up to the end of the
 * file. Samples are int16 / 32768, so in [-1, 1).
 * @throws Error when the file is not 16-bit PCM WAVE, has no `data` chunk, or `data` precedes `fmt `.
 */
export function readWav16(file: string): WavData {
  const b = fs.readFileSync(file);
  if (b.toString('ascii', 0, 4) !== 'RIFF' || b.toString('ascii', 8, 12) !== 'WAVE') throw new Error(`${file}: not a RIFF/WAVE file`);
  let off = 12;
  let channels = 1;
  let sampleRate = 0;
  let bits = 0;
  while (off + 8 <= b.length) {
    const id = b.toString('ascii', off, off + 4);
    const size = b.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ') {
      const format = b.readUInt16LE(body);
      channels = b.readUInt16LE(body + 2);
      sampleRate = b.readUInt32LE(body + 4);
      bits = b.readUInt16LE(body + 14);
      if (format !== 1 || bits !== 16) throw new Error(`${file}: only 16-bit PCM is supported (format ${format}, ${bits} bits)`);
    } else if (id === 'data') {
      const end = Math.min(b.length, body + size);
      const n = Math.floor((end - body) / (2 * channels));
      const samples = new Float32Array(n);
      for (let i = 0; i < n; i++) samples[i] = b.readInt16LE(body + i * 2 * channels) / 32768;
      if (sampleRate === 0) throw new Error(`${file}: data before fmt chunk`);
      return { sampleRate, channels, samples };
    }
    off = body + size + (size & 1);
  }
  throw new Error(`${file}: no data chunk`);
}
