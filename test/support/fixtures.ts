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
