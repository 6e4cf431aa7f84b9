import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const fixturesDir = path.join(repoRoot, '.lectern/fixtures');

/** Ground truth of the speech fixture built by scripts/fixtures.sh. */
export interface SpeechFixture {
  durationSec: number;
  segments: { label: string; id: string; gainDb: number; startSec: number; endSec: number; text: string }[];
  insertedPauses: { startSec: number; endSec: number }[];
  referenceText: string;
  wav16k: string;
  wav48k: string;
}

let ensured = false;

/**
 * Builds the fixtures when missing (scripts/fixtures.sh: idempotent, needs sox and Debian's
 * pocketsphinx-testdata, which set-up installs). Its output goes to stderr, so benches keep stdout
 * for their JSON. Tests and benches both call it, so neither depends on the other having run.
 * @throws Error when the script fails (its message says which package is missing).
 */
export function ensureSpeechFixture(): void {
  if (ensured) return;
  ensured = true; // the script itself returns at once when its version stamp is present
  execFileSync('bash', [path.join(repoRoot, 'scripts/fixtures.sh')], { stdio: ['ignore', 2, 2] });
}

/** Loads the speech fixture, building it first when missing ({@link ensureSpeechFixture}). */
export function speechFixture(): SpeechFixture {
  ensureSpeechFixture();
  const meta = JSON.parse(fs.readFileSync(path.join(fixturesDir, 'speech-pauses.json'), 'utf8'));
  return {
    ...meta,
    wav16k: path.join(fixturesDir, 'speech-pauses-16k.wav'),
    wav48k: path.join(fixturesDir, 'speech-pauses-48k.wav'),
  };
}

/** Silence kept before and after a segment in {@link speechSegmentClip}, seconds. */
const CLIP_LEAD_SEC = 0.4;
const CLIP_TAIL_SEC = 0.8;

/**
 * Cuts one spoken segment of the speech fixture (e.g. `A`: "and mister john dashwood had then
 * leisure to consider…") out of the 48 kHz WAV, with a little silence around it, into `outFile`
 * (16-bit PCM WAV, 48 kHz mono: usable as Chromium's fake microphone, which loops it).
 * @returns the segment's reference text and the clip's length in seconds (one loop period).
 */
export function speechSegmentClip(label: string, outFile: string): { text: string; durationSec: number } {
  const fx = speechFixture();
  const seg = fx.segments.find((s) => s.label === label);
  if (!seg) throw new Error(`speech fixture has no segment ${label}`);
  const durationSec = seg.endSec - seg.startSec + CLIP_LEAD_SEC + CLIP_TAIL_SEC;
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-ss', String(seg.startSec - CLIP_LEAD_SEC), '-t', String(durationSec), '-i', fx.wav48k, '-c:a', 'pcm_s16le', outFile]);
  return { text: seg.text, durationSec };
}
