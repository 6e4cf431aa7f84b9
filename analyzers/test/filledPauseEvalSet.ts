/**
 * Builds the filled-pause evaluation set from REAL speech (used by `npm run bench:fillers` and
 * the detector's tests). We have no recorded "um"s, so hesitations are derived from real voiced
 * speech:
 *
 * 1. Vowel nuclei: in each LibriVox utterance (Debian pocketsphinx-testdata, one female reader)
 *    our own analysis finds 80 ms stretches that are strongly voiced (normalised autocorrelation
 *    ≥ 0.8 in every 10 ms frame), loud (within 6 dB of the utterance's loudest voiced frames) and
 *    steady (least frame-to-frame change of the mel cepstrum and level: a vowel's steady state,
 *    not a transition); the best three non-overlapping nuclei per utterance are kept.
 * 2. Filled pause: a nucleus is time-stretched with sox `tempo -s` (WSOLA: duration changes,
 *    pitch and formants do not) to a target length drawn from 250–700 ms, given a gentle pitch
 *    fall of 0–3 semitones per second with ±25-cent wobbles every ~100 ms (sox `bend`; filled
 *    pauses have level or slightly falling F0, Shriberg 2001), a 4–7 Hz amplitude tremor of
 *    10–25 % (sox `tremolo`), a 40 ms fade-in / 70 ms fade-out, and a level 2–8 dB below the
 *    source. In 40 % of cases a real nasal murmur (an /m/ found by low spectral centroid and
 *    moderate level in voiced speech, 50 ms) is stretched to 120–250 ms and cross-faded onto the
 *    end, making an "um".
 * 3. Tracks: the five utterances in a seeded random order, separated by 0.6–1.2 s of −70 dBFS
 *    noise; a hesitation is inserted at every join between utterances and at up to two word
 *    boundaries inside utterances (points where the energy dips ≥ 60 ms). Around each insertion:
 *    half the time 0.15–0.4 s of silence on both sides, a quarter of the time none before it
 *    (glued to the previous word), a quarter none after it.
 * 4. Split: nuclei from utterances 0870, 0880, 0890 form the development set (used to set the
 *    thresholds); nuclei from 0920, 0930 form the held-out test set. Fluent speech for false
 *    positives: the five utterances with no insertions, plus material never used in tuning: three
 *    other speakers (goforward.raw, numbers.raw, something.raw from the same package) and the five
 *    utterances slowed to 0.75× with sox `tempo -s` (a slow speaker lengthens every vowel).
 *
 * Needs: sox, pocketsphinx-testdata.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { readWav16 } from '../src/asr/wav.ts';
import { SeededRandom } from '../src/scoring/SeededRandom.ts';
import { dct, fft, melFilterbank } from '../src/fluency/spectral.ts';

/** Where Debian's pocketsphinx-testdata keeps its audio. */
export const TESTDATA_DIR = '/usr/share/pocketsphinx/test/data';
const SR = 16_000;
const DEV_IDS = ['0870', '0880', '0890'];

/** One inserted hesitation (ground truth). */
export interface InsertedFilledPause {
  /** Media time (s) within the track. */
  startSec: number;
  /** Media time (s) within the track. */
  endSec: number;
  /** Source utterance of the nucleus and its time there. */
  source: string;
  /** `join` (between utterances) or `word` (inside an utterance, at an energy dip). */
  site: 'join' | 'word';
  /** `um` when a real nasal murmur was appended to the vowel, else `uh`. */
  label: 'uh' | 'um';
  /** Silence (s) before and after the hesitation. */
  silenceBeforeSec: number;
  silenceAfterSec: number;
}

/** A track with hesitations inserted at known times. */
export interface EvalTrack {
  /** e.g. `dev-3`. */
  name: string;
  /** `dev` (nuclei from 0870/0880/0890, used for tuning) or `test` (0920/0930, held out). */
  split: 'dev' | 'test';
  /** 16 kHz mono PCM. */
  samples: Float32Array;
  /** Ground truth, in time order. */
  insertions: InsertedFilledPause[];
}

/** Fluent real speech with no hesitation inserted. */
export interface FluentClip {
  /** e.g. `librivox-0880`, `goforward.raw`, `librivox-0880-slow0.75`. */
  name: string;
  /** 16 kHz mono PCM. */
  samples: Float32Array;
  /** True for speakers never used while setting thresholds. */
  heldOut: boolean;
}

/** The evaluation set. */
export interface FilledPauseEvalSet {
  /** Tracks with inserted hesitations (dev then test). */
  tracks: EvalTrack[];
  /** Fluent clips (every detection is a false positive). */
  fluent: FluentClip[];
  /** Vowel nuclei used (source utterance, start s; each 80 ms). */
  nuclei: { source: string; startSec: number }[];
}

function sox(input: Float32Array, effects: string[]): Float32Array {
  const raw = ['-t', 'raw', '-e', 'floating-point', '-b', '32', '-r', String(SR), '-c', '1'];
  const out = execFileSync('sox', ['-V1', '-R', ...raw, '-', ...raw, '-', ...effects], { input: Buffer.from(input.buffer, input.byteOffset, input.byteLength), maxBuffer: 64 << 20 });
  return new Float32Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength));
}

/** Per-10 ms frame level (dB), NCCF voicing, zero-crossing rate and mel cepstrum (c1–c12) of a 32 ms window. */
function frames(x: Float32Array): { db: number[]; voicing: number[]; zcr: number[]; ceps: Float64Array[]; centroid: number[] } {
  const centroid: number[] = [];
  const db: number[] = [];
  const voicing: number[] = [];
  const zcr: number[] = [];
  const ceps: Float64Array[] = [];
  const mel = melFilterbank(24, 512, SR, 80, 5000);
  const re = new Float64Array(512);
  const im = new Float64Array(512);
  const bands = new Float64Array(24);
  const c = new Float64Array(13);
  for (let off = 0; off + 512 <= x.length; off += 160) {
    for (let i = 0; i < 512; i++) {
      re[i] = x[off + i]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / 511));
      im[i] = 0;
    }
    fft(re, im);
    let num = 0;
    let den = 0;
    for (let k = 0; k <= 256; k++) {
      const p = re[k]! ** 2 + im[k]! ** 2;
      num += ((k * SR) / 512) * p;
      den += p;
    }
    centroid.push(den > 0 ? num / den : 0);
    for (let m = 0; m < 24; m++) {
      let e = 0;
      for (let k = 0; k <= 256; k++) e += mel[m]![k]! * (re[k]! ** 2 + im[k]! ** 2);
      bands[m] = Math.log(e + 1e-10);
    }
    dct(bands, c);
    ceps.push(c.slice(1));
    let e = 0;
    let z = 0;
    for (let i = 0; i < 512; i++) {
      e += x[off + i]! ** 2;
      if (i > 0 && x[off + i]! >= 0 !== x[off + i - 1]! >= 0) z++;
    }
    db.push(10 * Math.log10(e / 512 + 1e-12));
    zcr.push(z / 512);
    let best = 0;
    for (let lag = 40; lag <= 230; lag++) {
      let xy = 0;
      let xx = 0;
      let yy = 0;
      for (let i = 0; i + lag < 512; i += 2) {
        xy += x[off + i]! * x[off + i + lag]!;
        xx += x[off + i]! ** 2;
        yy += x[off + i + lag]! ** 2;
      }
      const r = xx > 0 && yy > 0 ? xy / Math.sqrt(xx * yy) : 0;
      if (r > best) best = r;
    }
    voicing.push(best);
  }
  return { db, voicing, zcr, ceps, centroid };
}

/**
 * Nasal murmurs (the /m/ of "man", "might", "made", …): 50 ms of voicing (NCCF ≥ 0.7) 6–25 dB
 * below the utterance's loud level whose spectral centroid stays under half the median centroid
 * of its loud voiced frames (energy concentrated below ~500 Hz). Returns frame indices.
 */
function findNasals(x: Float32Array, k: number): number[] {
  const { db, voicing, centroid } = frames(x);
  const loudIdx = db.map((d, i) => i).filter((i) => voicing[i]! > 0.8).sort((a, b) => db[b]! - db[a]!);
  const ref = db[loudIdx[Math.floor(loudIdx.length * 0.1)] ?? 0] ?? -30;
  const cents = loudIdx.slice(0, Math.max(1, Math.floor(loudIdx.length / 2))).map((i) => centroid[i]!).sort((a, b) => a - b);
  const medC = cents[Math.floor(cents.length / 2)] ?? 1000;
  const out: { i: number; c: number }[] = [];
  for (let i = 0; i + 5 < db.length; i++) {
    let ok = true;
    let c = 0;
    for (let j = i; j < i + 5; j++) {
      if (voicing[j]! < 0.7 || db[j]! > ref - 6 || db[j]! < ref - 25 || centroid[j]! > 0.5 * medC) ok = false;
      c += centroid[j]!;
    }
    if (ok) out.push({ i, c });
  }
  out.sort((a, b) => a.c - b.c);
  const picked: number[] = [];
  for (const o of out) {
    if (picked.every((p) => Math.abs(p - o.i) >= 10)) picked.push(o.i);
    if (picked.length === k) break;
  }
  return picked;
}

/** Best `k` steady, loud, voiced 80 ms nuclei of an utterance (frame index of their start). */
function findNuclei(x: Float32Array, k: number): number[] {
  const { db, voicing, ceps } = frames(x);
  const loud = [...db].filter((_, i) => voicing[i]! > 0.8).sort((a, b) => b - a);
  const ref = loud[Math.floor(loud.length * 0.1)] ?? -30;
  const span = 8; // 80 ms
  const cands: { i: number; cost: number }[] = [];
  for (let i = 0; i + span < db.length; i++) {
    let ok = true;
    let cost = 0;
    for (let j = i; j < i + span; j++) {
      if (voicing[j]! < 0.8 || db[j]! < ref - 6) ok = false;
      if (j > i) {
        let d = 0;
        for (let k = 0; k < 12; k++) d += (ceps[j]![k]! - ceps[j - 1]![k]!) ** 2;
        cost += Math.sqrt(d) + Math.abs(db[j]! - db[j - 1]!) * 0.2;
      }
    }
    if (ok) cands.push({ i, cost });
  }
  cands.sort((a, b) => a.cost - b.cost);
  const picked: number[] = [];
  for (const c of cands) {
    if (picked.every((p) => Math.abs(p - c.i) >= span * 2)) picked.push(c.i);
    if (picked.length === k) break;
  }
  return picked;
}

/** Word-boundary dips inside an utterance: centres (s) of ≥ 60 ms stretches 20 dB below its loud level. */
function findDips(x: Float32Array): number[] {
  const { db } = frames(x);
  const sorted = [...db].sort((a, b) => b - a);
  const ref = sorted[Math.floor(sorted.length * 0.1)] ?? -30;
  const out: number[] = [];
  let runStart = -1;
  for (let i = 0; i < db.length; i++) {
    if (db[i]! < ref - 20) {
      if (runStart < 0) runStart = i;
    } else {
      if (runStart >= 0 && i - runStart >= 6 && runStart > 30 && i < db.length - 30) out.push(((runStart + i) / 2) * 0.01 + 0.016);
      runStart = -1;
    }
  }
  return out;
}

function noise(sec: number, r: () => number): Float32Array {
  const n = Math.round(sec * SR);
  const out = new Float32Array(n);
  const amp = 10 ** (-70 / 20) * Math.sqrt(3);
  for (let i = 0; i < n; i++) out[i] = (r() * 2 - 1) * amp;
  return out;
}

function readRaw(file: string): Float32Array {
  const b = fs.readFileSync(file);
  const out = new Float32Array(b.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = b.readInt16LE(i * 2) / 32768;
  return out;
}

/**
 * Build the set.
 * @param options `tracksPerSplit` (default 6) tracks for each of dev and test; `seed`.
 * @throws Error when sox or pocketsphinx-testdata is missing.
 */
export function buildFilledPauseEvalSet(options: { tracksPerSplit?: number; seed?: number } = {}): FilledPauseEvalSet {
  const dir = path.join(TESTDATA_DIR, 'librivox');
  if (!fs.existsSync(dir)) throw new Error(`${dir} missing: apt-get install pocketsphinx-testdata`);
  const utts = fs.readdirSync(dir).filter((f) => f.endsWith('.wav')).sort().map((f) => ({ id: f.slice(-8, -4), samples: readWav16(path.join(dir, f)).samples }));
  const rng = new SeededRandom(options.seed ?? 20240611);
  const r = (): number => rng.next();
  const dipsOf = new Map(utts.map((u) => [u.id, findDips(u.samples)]));
  const nasals: Float32Array[] = [];
  for (const u of utts) for (const i of findNasals(u.samples, 2)) nasals.push(u.samples.slice(i * 160, i * 160 + 800));
  const nuclei: { source: string; startSec: number; samples: Float32Array; split: 'dev' | 'test' }[] = [];
  for (const u of utts) {
    for (const i of findNuclei(u.samples, 3)) {
      const start = i * 160;
      nuclei.push({ source: u.id, startSec: start / SR, samples: u.samples.slice(start, start + 1280), split: DEV_IDS.includes(u.id) ? 'dev' : 'test' });
    }
  }
  const makeFp = (nucleus: Float32Array): Float32Array => {
    const target = 0.25 + r() * 0.45;
    // Stretch a little beyond the target (WSOLA output length is approximate), then trim.
    const factor = (nucleus.length / SR) / (target + 0.15);
    // F0 falls gently, 0–3 semitones per second (filled pauses sit low and level or drift down),
    // with ±25-cent wobbles every ~100 ms and a 4–7 Hz, 10–25 % amplitude tremor, so the stretched
    // vowel is not unnaturally steady (WSOLA repeats one short stretch of waveform).
    const fall = -r() * 300 * target;
    const n = Math.max(2, Math.round(target / 0.1));
    const bends: string[] = [];
    for (let i = 0; i < n; i++) {
      const cents = Math.round(fall / n + (r() * 2 - 1) * 25) || -1; // sox rejects a 0-cent bend
      bends.push(`0,${cents},${((target * 0.95) / n).toFixed(3)}`);
    }
    const gain = -(2 + r() * 6);
    // sox's tempo accepts factors ≥ 0.1: stretch in two equal stages.
    const stage = Math.sqrt(factor).toFixed(4);
    return sox(nucleus, [
      'tempo', '-s', stage,
      'tempo', '-s', stage,
      'bend', ...bends,
      'tremolo', (4 + r() * 3).toFixed(1), (10 + r() * 15).toFixed(0),
      'trim', '0', target.toFixed(3),
      'fade', 'q', '0.04', target.toFixed(3), '0.07',
      'gain', gain.toFixed(1),
    ]);
  };
  const tracks: EvalTrack[] = [];
  for (const split of ['dev', 'test'] as const) {
    const pool = nuclei.filter((n) => n.split === split);
    for (let k = 0; k < (options.tracksPerSplit ?? 6); k++) {
      const order = [...utts].sort(() => r() - 0.5);
      const parts: Float32Array[] = [];
      const insertions: InsertedFilledPause[] = [];
      let t = 0;
      const push = (a: Float32Array): void => {
        parts.push(a);
        t += a.length / SR;
      };
      const insert = (site: 'join' | 'word'): void => {
        const nuc = pool[Math.floor(r() * pool.length)]!;
        let fp = makeFp(nuc.samples);
        const um = nasals.length > 0 && r() < 0.4;
        if (um) {
          // "um": append a real nasal murmur stretched to 120–250 ms, 15 ms cross-fade.
          const nas = nasals[Math.floor(r() * nasals.length)]!;
          const len = 0.12 + r() * 0.13;
          const f = Math.sqrt(nas.length / SR / (len + 0.1)).toFixed(4);
          const tail = sox(nas, ['tempo', '-s', f, 'tempo', '-s', f, 'trim', '0', len.toFixed(3), 'fade', 'q', '0.015', len.toFixed(3), '0.06']);
          const xf = 240;
          const joined = new Float32Array(fp.length + tail.length - xf);
          joined.set(fp);
          for (let i = 0; i < tail.length; i++) {
            const j = fp.length - xf + i;
            joined[j] = (i < xf ? joined[j]! * (1 - i / xf) : 0) + tail[i]!;
          }
          fp = joined;
        }
        const mode = r();
        const before = mode < 0.75 ? 0.15 + r() * 0.25 : 0;
        const after = mode < 0.5 || mode >= 0.75 ? 0.15 + r() * 0.25 : 0;
        if (before > 0) push(noise(before, r));
        const s = t;
        push(fp);
        insertions.push({ startSec: s, endSec: t, source: `${nuc.source}@${nuc.startSec.toFixed(2)}s`, site, label: um ? 'um' : 'uh', silenceBeforeSec: before, silenceAfterSec: after });
        if (after > 0) push(noise(after, r));
      };
      push(noise(0.5, r));
      order.forEach((u, ui) => {
        const dips = [...dipsOf.get(u.id)!].sort(() => r() - 0.5).slice(0, ui % 2 === 0 ? 1 : 0);
        const cuts = dips.map((d) => Math.round(d * SR)).sort((a, b) => a - b);
        let from = 0;
        for (const c of cuts) {
          push(u.samples.subarray(from, c));
          insert('word');
          from = c;
        }
        push(u.samples.subarray(from));
        if (ui < order.length - 1) {
          push(noise(0.3 + r() * 0.3, r));
          insert('join');
          push(noise(0.3 + r() * 0.3, r));
        }
      });
      push(noise(0.5, r));
      const samples = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
      let o = 0;
      for (const p of parts) {
        samples.set(p, o);
        o += p.length;
      }
      tracks.push({ name: `${split}-${k}`, split, samples, insertions });
    }
  }
  const fluent: FluentClip[] = utts.map((u) => ({ name: `librivox-${u.id}`, samples: u.samples, heldOut: false }));
  // Stress test: the same fluent speech slowed to 0.75× (sox tempo, pitch kept): a slow speaker
  // lengthens every vowel, which must not read as hesitation.
  for (const u of utts) fluent.push({ name: `librivox-${u.id}-slow0.75`, samples: sox(u.samples, ['tempo', '-s', '0.75']), heldOut: true });
  for (const f of ['goforward.raw', 'numbers.raw', 'something.raw']) {
    const p = path.join(TESTDATA_DIR, f);
    if (fs.existsSync(p)) fluent.push({ name: f, samples: readRaw(p), heldOut: true });
  }
  return { tracks, fluent, nuclei: nuclei.map((n) => ({ source: n.source, startSec: n.startSec })) };
}

/** Tolerance (s) around an insertion within which a detection counts as a hit. */
export const MATCH_TOLERANCE_SEC = 0.1;

/** Scores of detections against the ground truth. */
export interface FilledPauseScore {
  /** Detections matched to an insertion. */
  truePositives: number;
  /** Detections matched to nothing. */
  falsePositives: number;
  /** Insertions no detection matched. */
  falseNegatives: number;
  /** TP / (TP + FP), 1 when nothing was detected. */
  precision: number;
  /** TP / (TP + FN). */
  recall: number;
  /** Harmonic mean of precision and recall. */
  f1: number;
}

/**
 * One-to-one matching in time order: a detection hits an insertion when [start, end] overlaps
 * [insertion.start − tol, insertion.end + tol]; each insertion matches at most one detection and
 * extra detections on the same insertion count as false positives.
 */
export function matchDetections(dets: { startSec: number; endSec: number }[], truth: { startSec: number; endSec: number }[], tol = MATCH_TOLERANCE_SEC): { tp: number; fp: number; fn: number } {
  const used = new Set<number>();
  let tp = 0;
  let fp = 0;
  for (const d of [...dets].sort((a, b) => a.startSec - b.startSec)) {
    const j = truth.findIndex((g, i) => !used.has(i) && d.startSec < g.endSec + tol && d.endSec > g.startSec - tol);
    if (j >= 0) {
      used.add(j);
      tp++;
    } else fp++;
  }
  return { tp, fp, fn: truth.length - used.size };
}

/** Precision, recall and F1 from counts (precision 1 when nothing was detected). */
export function score(tp: number, fp: number, fn: number): FilledPauseScore {
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  return { truePositives: tp, falsePositives: fp, falseNegatives: fn, precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall) };
}
