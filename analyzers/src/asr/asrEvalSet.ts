import fs from 'node:fs';
import path from 'node:path';
import { readWav16 } from './wav.ts';

/**
 * The word-error evaluation set: every real recording in Debian's `pocketsphinx-testdata` that has
 * a reference transcript in the package, split into a tuning set and a held-out set.
 *
 * Recordings and their references (all 16 kHz mono 16-bit PCM):
 * - `librivox/*.wav` (5 utterances, one LibriVox reader) — `librivox/transcription`;
 * - `cards/00[1-5].wav` (5 utterances, playing cards) — `cards/cards.transcription`;
 * - `goforward.raw` — the sentence of the package's `goforward.gram` rule `<move>` ("go forward
 *   ten meters"), which PocketSphinx's own tests expect for this file;
 * - `tidigits/dhd.2934z.raw` — the TIDIGITS file-name convention (digits spelled in the name, `z` =
 *   zero, `o` = oh), the same rule by which `tidigits/tidigits.lsn` gives "two nine three four zero"
 *   for `man.ah.2934za`.
 *
 * Left out, each with its reason in {@link AsrEvalSet.excluded}: `numbers.raw` and `something.raw`
 * (audio without any reference in the package), `*.mfc` (cepstral features, not audio),
 * `cards/cards.hyp` (a decoder output, not a reference).
 *
 * Split (deterministic, by speaker): TUNING = the LibriVox reader — the five utterances every
 * PocketSphinx setting and the stable-word commit thresholds were tuned on, and the source of the
 * speech fixture; HELD-OUT = every other speaker's recording (cards, goforward, tidigits), never
 * used to choose a setting. (Until issue #14, `cards` + `goforward` were decoded once to confirm
 * that the fast preset's `-maxhmmpf`/`-pbeam` change left their hypotheses identical; no setting
 * was chosen on them.)
 */

/** Where Debian's pocketsphinx-testdata keeps its files. */
export const POCKETSPHINX_TESTDATA_DIR = '/usr/share/pocketsphinx/test/data';

/** Which part of the set an item belongs to. */
export type AsrEvalSplit = 'tuning' | 'heldout';

/** One recording with its reference. */
export interface AsrEvalItem {
  /** Stable id, e.g. `librivox/sense_and_sensibility_01_austen_64kb-0880`, `cards/003`, `goforward`. */
  id: string;
  /** Path of the audio file. */
  file: string;
  /** Group the split is made on (one speaker or recording session). */
  speaker: 'librivox' | 'cards' | 'goforward' | 'tidigits';
  /** `tuning` or `heldout` (see {@link splitOf}). */
  split: AsrEvalSplit;
  /** Reference transcript (lower case words). */
  reference: string;
  /** Where the reference comes from. */
  referenceSource: string;
}

/** The evaluation set. */
export interface AsrEvalSet {
  dir: string;
  items: AsrEvalItem[];
  /** Files of the package left out, with the reason. */
  excluded: { file: string; reason: string }[];
}

/** The split rule (documented above): the LibriVox reader tunes, every other speaker is held out. */
export function splitOf(speaker: AsrEvalItem['speaker']): AsrEvalSplit {
  return speaker === 'librivox' ? 'tuning' : 'heldout';
}

const DIGITS: Record<string, string> = { z: 'zero', o: 'oh', '1': 'one', '2': 'two', '3': 'three', '4': 'four', '5': 'five', '6': 'six', '7': 'seven', '8': 'eight', '9': 'nine' };

/**
 * Words of a TIDIGITS file name's digit string (`dhd.2934z.raw` → "two nine three four zero";
 * a trailing `a`/`b` utterance letter is dropped, as in `man.ah.2934za`).
 * @throws Error when the name has no digit string.
 */
export function tidigitsReference(fileName: string): string {
  const m = /^[^.]+(?:\.[^.]+)?\.([0-9zo]+)[ab]?\.(?:raw|mfc)$/.exec(fileName);
  if (!m) throw new Error(`${fileName}: not a TIDIGITS file name (<speaker>.<digits>[a|b].raw)`);
  return [...m[1]!].map((c) => DIGITS[c]!).join(' ');
}

/** `<s> words </s> (id)` lines of a Sphinx transcription file → id → words. */
export function parseTranscription(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(.*)\(([^()]+)\)\s*$/.exec(line.trim());
    if (!m) continue;
    out.set(m[2]!, m[1]!.replace(/<\/?s>/g, ' ').replace(/\s+/g, ' ').trim().toLowerCase());
  }
  return out;
}

/** Every file under `dir`, relative, sorted. */
function walk(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...walk(dir, r));
    else out.push(r);
  }
  return out.sort();
}

/**
 * Builds the set from the package's files (see the module comment). Every audio file of the
 * package (`.wav`, `.raw`) is either an item or in `excluded`.
 * @param dir the testdata directory (default {@link POCKETSPHINX_TESTDATA_DIR}).
 * @throws Error when `dir` is missing (install `pocketsphinx-testdata`).
 */
export function asrEvalSet(dir: string = POCKETSPHINX_TESTDATA_DIR): AsrEvalSet {
  if (!fs.existsSync(dir)) throw new Error(`${dir} missing: apt-get install pocketsphinx-testdata`);
  const files = walk(dir);
  const items: AsrEvalItem[] = [];
  const excluded: AsrEvalSet['excluded'] = [];
  const librivox = parseTranscription(fs.readFileSync(path.join(dir, 'librivox/transcription'), 'utf8'));
  const cards = parseTranscription(fs.readFileSync(path.join(dir, 'cards/cards.transcription'), 'utf8'));
  const gram = fs.readFileSync(path.join(dir, 'goforward.gram'), 'utf8');
  const move = /public\s+<move>\s*=\s*([^;<>[\]|]+);/.exec(gram)?.[1]?.trim().toLowerCase();
  const add = (rel: string, speaker: AsrEvalItem['speaker'], reference: string | undefined, referenceSource: string): void => {
    if (!reference) {
      excluded.push({ file: rel, reason: `no reference found in ${referenceSource}` });
      return;
    }
    items.push({ id: rel.replace(/\.(wav|raw)$/, ''), file: path.join(dir, rel), speaker, split: splitOf(speaker), reference, referenceSource });
  };
  for (const rel of files) {
    const base = path.basename(rel);
    if (/\.mfc$/.test(rel)) {
      excluded.push({ file: rel, reason: 'cepstral features (MFCC), not audio' });
      continue;
    }
    if (!/\.(wav|raw)$/.test(rel)) continue;
    if (rel.startsWith('librivox/')) add(rel, 'librivox', librivox.get(base.replace(/\.wav$/, '')), 'librivox/transcription');
    else if (rel.startsWith('cards/')) add(rel, 'cards', cards.get(base.replace(/\.wav$/, '')), 'cards/cards.transcription');
    else if (rel === 'goforward.raw') add(rel, 'goforward', move, 'goforward.gram rule <move>');
    else if (rel.startsWith('tidigits/')) add(rel, 'tidigits', tidigitsReference(base), 'TIDIGITS file-name convention');
    else excluded.push({ file: rel, reason: 'audio without a reference transcript in the package' });
  }
  return { dir, items, excluded };
}

/**
 * The item's audio as 16 kHz mono samples in [-1, 1): WAV via {@link readWav16}; `.raw` as
 * headerless 16-bit little-endian mono at 16 kHz (the package's raw format).
 * @throws Error when a WAV is not 16 kHz.
 */
export function readEvalAudio(item: Pick<AsrEvalItem, 'file'>): Float32Array {
  if (item.file.endsWith('.wav')) {
    const w = readWav16(item.file);
    if (w.sampleRate !== 16_000) throw new Error(`${item.file}: ${w.sampleRate} Hz, expected 16000`);
    return w.samples;
  }
  const b = fs.readFileSync(item.file);
  const n = Math.floor(b.length / 2);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = b.readInt16LE(i * 2) / 32768;
  return out;
}
