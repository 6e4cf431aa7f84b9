/**
 * Test helpers for the real-speech fixtures built by scripts/fixtures.sh (LibriVox utterances
 * from Debian's pocketsphinx-testdata with inserted silences; utterance B repeated 12 dB
 * quieter). Not part of the public API.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** Folder of the generated fixtures. */
export const FIXTURE_DIR = path.join(REPO_ROOT, '.lectern', 'fixtures');
/** 16 kHz mono 16-bit WAV of the speech-with-pauses fixture. */
export const SPEECH_16K_WAV = path.join(FIXTURE_DIR, 'speech-pauses-16k.wav');
/** The same at 48 kHz. */
export const SPEECH_48K_WAV = path.join(FIXTURE_DIR, 'speech-pauses-48k.wav');
/** Ground truth JSON. */
export const SPEECH_JSON = path.join(FIXTURE_DIR, 'speech-pauses.json');

/** Ground truth of the fixture (times in seconds). */
export interface SpeechFixtureTruth {
  durationSec: number;
  segments: { label: string; id: string; gainDb: number; startSec: number; endSec: number; text: string }[];
  insertedPauses: { startSec: number; endSec: number }[];
}

/** Builds the fixtures if they are missing (idempotent, needs sox + pocketsphinx-testdata). */
export function ensureFixtures(): void {
  if (existsSync(SPEECH_16K_WAV) && existsSync(SPEECH_48K_WAV) && existsSync(SPEECH_JSON)) return;
  execFileSync('bash', [path.join(REPO_ROOT, 'scripts', 'fixtures.sh')], { stdio: 'inherit' });
}

/** Reads the ground truth. */
export function loadTruth(): SpeechFixtureTruth {
  ensureFixtures();
  return JSON.parse(readFileSync(SPEECH_JSON, 'utf8')) as SpeechFixtureTruth;
}

/** Segment by label, e.g. 'B-quiet'. @throws Error if absent. */
export function segment(truth: SpeechFixtureTruth, label: string): SpeechFixtureTruth['segments'][number] {
  const s = truth.segments.find((x) => x.label === label);
  if (s === undefined) throw new Error(`no segment ${label}`);
  return s;
}

/**
 * Reads a mono 16-bit PCM WAV file (RIFF/WAVE, format 1) into floats in [-1, 1).
 * @throws Error for other formats.
 */
export function readWavMono16(file: string): { sampleRate: number; samples: Float32Array } {
  const buf = readFileSync(file);
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error(`${file}: not a RIFF/WAVE file`);
  }
  let offset = 12;
  let sampleRate = 0;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      const format = buf.readUInt16LE(body);
      const channels = buf.readUInt16LE(body + 2);
      sampleRate = buf.readUInt32LE(body + 4);
      const bits = buf.readUInt16LE(body + 14);
      if (format !== 1 || channels !== 1 || bits !== 16) {
        throw new Error(`${file}: need mono 16-bit PCM, got format ${format}, ${channels} ch, ${bits} bit`);
      }
    } else if (id === 'data') {
      const n = Math.floor(Math.min(size, buf.length - body) / 2);
      const samples = new Float32Array(n);
      for (let i = 0; i < n; i++) samples[i] = buf.readInt16LE(body + i * 2) / 32768;
      return { sampleRate, samples };
    }
    offset = body + size + (size % 2);
  }
  throw new Error(`${file}: no data chunk`);
}

/** The 16 kHz fixture as floats (cached). */
let cached16k: Float32Array | null = null;
export function speech16k(): Float32Array {
  ensureFixtures();
  cached16k ??= readWavMono16(SPEECH_16K_WAV).samples;
  return cached16k;
}
