/**
 * Test helpers for the real-speech fixtures built by scripts/fixtures.sh (LibriVox utterances
 * from Debian's pocketsphinx-testdata with inserted silences; utterance B repeated 12 dB
 * quieter). Not part of the public API.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readWav16, type WavData } from '../src/asr/wav.ts';

/** Repository root. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
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
 * Reads a mono 16-bit PCM WAV file into floats in [-1, 1) ({@link readWav16}, plus a mono check).
 * @throws Error for other formats or more than one channel.
 */
export function readWavMono16(file: string): WavData {
  const wav = readWav16(file);
  if (wav.channels !== 1) throw new Error(`${file}: need mono 16-bit PCM, got ${wav.channels} channels`);
  return wav;
}

/** The 16 kHz fixture as floats (cached). */
let cached16k: Float32Array | null = null;
export function speech16k(): Float32Array {
  ensureFixtures();
  cached16k ??= readWavMono16(SPEECH_16K_WAV).samples;
  return cached16k;
}
