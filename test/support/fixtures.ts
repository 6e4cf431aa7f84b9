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

/** Loads the speech fixture (run `bash scripts/fixtures.sh` first; vitest's globalSetup does). */
export function speechFixture(): SpeechFixture {
  const meta = JSON.parse(fs.readFileSync(path.join(fixturesDir, 'speech-pauses.json'), 'utf8'));
  return {
    ...meta,
    wav16k: path.join(fixturesDir, 'speech-pauses-16k.wav'),
    wav48k: path.join(fixturesDir, 'speech-pauses-48k.wav'),
  };
}
