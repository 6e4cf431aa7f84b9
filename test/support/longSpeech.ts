/**
 * A long real-speech recording for the scoring benchmark: the LibriVox utterances of Debian's
 * `pocketsphinx-testdata` (public domain), each trimmed of leading/trailing silence below −40 dBFS,
 * concatenated in a rotating order with pauses of 0.3–2.4 s (a fixed cycle) until the target
 * length, at 16 kHz mono, then encoded to Opus in WebM like a Lectern recording (32 kb/s).
 * Cached under `.lectern/bench/` by length.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { rmsToDbfs } from '../../analyzers/src/voice/level.ts';
import { decodeToPcm16k } from './audio.ts';
import { repoRoot } from './fixtures.ts';

const SRC = '/usr/share/pocketsphinx/test/data/librivox';
const PAUSES_SEC = [0.6, 0.3, 1.2, 0.45, 0.8, 2.4, 0.35, 1.0, 0.5, 1.6];

function decode(file: string): Float32Array {
  const all = decodeToPcm16k(file);
  // Trim silence below −40 dBFS (10 ms frames) at both ends.
  const frame = 160;
  const loud = (i: number) => {
    let s = 0;
    for (let k = i; k < Math.min(all.length, i + frame); k++) s += all[k]! * all[k]!;
    return rmsToDbfs(Math.sqrt(s / frame)) > -40;
  };
  let a = 0;
  while (a < all.length && !loud(a)) a += frame;
  let b = all.length - frame;
  while (b > a && !loud(b)) b -= frame;
  return all.slice(a, b + frame);
}

/**
 * Builds (or reuses) the recording.
 * @param minutes length in minutes (> 0).
 * @returns the WebM path, its length in seconds, the utterance count and the reference word count.
 * @throws Error when pocketsphinx-testdata or ffmpeg is missing.
 */
export function longSpeechWebm(minutes: number): { file: string; durationSec: number; utterances: number; words: number } {
  if (!fs.existsSync(SRC)) throw new Error(`${SRC} is missing: apt-get install pocketsphinx-testdata`);
  const outDir = path.join(repoRoot, '.lectern/bench');
  const file = path.join(outDir, `speech-${minutes}min.webm`);
  const meta = `${file}.json`;
  if (fs.existsSync(file) && fs.existsSync(meta)) return { file, ...JSON.parse(fs.readFileSync(meta, 'utf8')) };
  fs.mkdirSync(outDir, { recursive: true });
  const texts = new Map<string, string>();
  for (const line of fs.readFileSync(path.join(SRC, 'transcription'), 'utf8').split('\n')) {
    const m = /^<s> (.*) <\/s> \((.*)\)$/.exec(line.trim());
    if (m) texts.set(m[2]!, m[1]!);
  }
  const utts = fs.readdirSync(SRC).filter((f) => f.endsWith('.wav')).sort().map((f) => ({ pcm: decode(path.join(SRC, f)), words: (texts.get(f.replace(/\.wav$/, '')) ?? '').split(' ').filter(Boolean).length }));
  const target = Math.round(minutes * 60 * 16000);
  const parts: Float32Array[] = [new Float32Array(8000)];
  let n = 8000;
  let count = 0;
  let words = 0;
  for (let i = 0; n < target; i++) {
    const u = utts[i % utts.length]!;
    const pause = new Float32Array(Math.round(PAUSES_SEC[i % PAUSES_SEC.length]! * 16000));
    parts.push(u.pcm, pause);
    n += u.pcm.length + pause.length;
    count++;
    words += u.words;
  }
  const pcm = new Float32Array(n);
  let off = 0;
  for (const p of parts) {
    pcm.set(p, off);
    off += p.length;
  }
  const raw = path.join(outDir, `speech-${minutes}min.f32`);
  fs.writeFileSync(raw, Buffer.from(pcm.buffer));
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'f32le', '-ar', '16000', '-ac', '1', '-i', raw, '-c:a', 'libopus', '-b:a', '32k', file]);
  fs.rmSync(raw);
  const info = { durationSec: n / 16000, utterances: count, words };
  fs.writeFileSync(meta, JSON.stringify(info));
  return { file, ...info };
}
