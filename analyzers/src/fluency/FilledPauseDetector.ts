import type { FilledPause, FilledPauseOptions } from './FilledPauseTypes.ts';
import { dct, fft, melFilterbank } from './spectral.ts';

const SR = 16_000;
const HOP = 160; // 10 ms
const WIN = 512; // 32 ms analysis window (pitch and spectrum)
const DS = 2; // pitch runs on a 2:1 decimated signal (8 kHz)
const MIN_LAG = Math.floor(SR / DS / 400); // 400 Hz
const MAX_LAG = Math.ceil(SR / DS / 70); // 70 Hz
const BANDS = 24;
const CEPS = 13;
/** Frames (10 ms) of non-stable voicing tolerated inside a run (a glottal irregularity or pitch-tracker slip). */
const MAX_GAP_FRAMES = 3;

/** Per-frame analysis. */
interface Frame {
  t: number; // media time of the frame centre (s)
  voiced: boolean;
  st: number; // F0 in semitones re 100 Hz (NaN unvoiced)
  ceps: Float64Array; // c1..c12
  centroidHz: number;
  levelDb: number;
  flux?: number; // mean cepstral step over the 5-frame window centred here
}

/**
 * Acoustic filled-pause detector that works with any recogniser (or none), on 16 kHz PCM.
 *
 * Method: Goto, Itou & Hayamizu (1999), "A real-time filled pause detection system for
 * spontaneous speech recognition", Proc. Eurospeech '99, 227–230: a filled pause is a stretch of
 * voicing whose **F0 barely moves** (small fundamental-frequency transition) and whose **spectral
 * envelope barely deforms**, lasting longer than ordinary vowels. As in that system we decide per
 * 10 ms frame whether both conditions hold, and report a filled pause when they hold continuously
 * for long enough; the filled pause's extent is the run. Our measures:
 * - F0 by normalised cross-correlation (NCCF, as in RAPT, Talkin 1995) on 32 ms windows of the
 *   signal decimated to 8 kHz, 70–400 Hz; voiced when the peak ≥ `minVoicing` and the level ≥
 *   `minLevelDbfs`;
 * - spectral envelope = mel-frequency cepstrum c1–c12 of a 32 ms Hann window (24 mel bands,
 *   80–5000 Hz); deformation = Euclidean distance between consecutive frames' cepstra (instead
 *   of Goto's LPC-envelope distance);
 * - a frame is stable when voiced, the F0 step from the previous stable frame is ≤ `maxF0StepSt`,
 *   and the cepstral step is ≤ `maxFrameFlux`; runs of stable frames bridge gaps of ≤ 20 ms;
 * - a run becomes a filled pause when it lasts `minDurationSec`–`maxDurationSec` (default
 *   0.22–1.5 s; Shriberg 2001 reports most filled pauses at 200–800 ms), its F0 trend is flat
 *   (|slope| ≤ `maxF0SlopeStPerSec`, residual SD ≤ `maxF0JitterSt`) and its frames stay close to
 *   their mean envelope (mean distance to the centroid ≤ `maxSpread`, i.e. one vowel quality).
 * - `um` vs `uh`: when ≥ 60 ms of voicing with a spectral centroid under 60 % of the vowel's
 *   follows within 50 ms (a nasal murmur), the event is labelled `um` and extended over it.
 *
 * Streaming: push chunks of any size; detections are returned as soon as the run ends (latency
 * ≈ 30–80 ms after the hesitation ends, up to ~0.45 s when a nasal coda is followed). Cost ≈ 0.015
 * CPU-s per audio-s (measured by bench:fillers). Not a word recogniser: a
 * sung or hummed note, or an unusually long sustained vowel in fluent speech, also qualifies.
 */
export class FilledPauseDetector {
  private readonly o: Required<FilledPauseOptions>;
  private buf = new Float32Array(SR * 2);
  private bufLen = 0;
  /** Media time of the first sample after the last discontinuity. */
  private anchorSec = 0;
  /** Samples consumed (shifted out of buf) since the anchor. */
  private consumed = 0;
  private expectedSec: number | null = null;
  private run: Frame[] = [];
  private gap = 0;
  private readonly window: Frame[] = [];
  /** Inside a stable stretch already longer than maxDurationSec. */
  private overlong = false;
  /** A vowel run that passed, waiting up to ~450 ms for a nasal murmur before it is reported. */
  private pendingUm: { vowel: Frame[]; tail: Frame[] } | null = null;
  private readonly hann = Float64Array.from({ length: WIN }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (WIN - 1)));
  private readonly mel = melFilterbank(BANDS, WIN, SR, 80, 5000);
  private readonly re = new Float64Array(WIN);
  private readonly im = new Float64Array(WIN);
  private readonly bandLog = new Float64Array(BANDS);
  private readonly cepsAll = new Float64Array(CEPS);
  private readonly dec = new Float64Array(WIN / DS);

  /** @param options thresholds; see {@link FilledPauseOptions} for the defaults. */
  constructor(options: FilledPauseOptions = {}) {
    this.o = {
      minDurationSec: 0.2,
      maxDurationSec: 1.5,
      minVoicing: 0.6,
      minLevelDbfs: -50,
      maxF0RangeSt: 0.6,
      maxF0SlopeStPerSec: 6,
      maxF0JitterSt: 0.6,
      maxFrameFlux: 1.8,
      maxMeanFlux: 1.5,
      maxSpread: 3.5,
      ...options,
    };
  }

  /**
   * Analyse a chunk.
   * @param samples 16 kHz mono PCM in [-1, 1].
   * @param startSec media time (s) of `samples[0]`; a jump of more than 1 ms from the previous
   *   chunk's end flushes the detector (a gap is not a hesitation).
   * @returns filled pauses that ended within the audio seen so far, in time order.
   */
  push(samples: Float32Array, startSec: number): FilledPause[] {
    const out: FilledPause[] = [];
    if (this.expectedSec !== null && Math.abs(startSec - this.expectedSec) > 0.001) {
      out.push(...this.flush());
    }
    if (this.expectedSec === null) {
      this.anchorSec = startSec;
      this.consumed = 0;
      this.bufLen = 0;
    }
    this.expectedSec = startSec + samples.length / SR;
    if (this.bufLen + samples.length > this.buf.length) {
      const bigger = new Float32Array(Math.max(this.buf.length * 2, this.bufLen + samples.length));
      bigger.set(this.buf.subarray(0, this.bufLen));
      this.buf = bigger;
    }
    this.buf.set(samples, this.bufLen);
    this.bufLen += samples.length;
    let off = 0;
    while (off + WIN <= this.bufLen) {
      const f = this.analyse(off, this.anchorSec + (this.consumed + off + WIN / 2) / SR);
      out.push(...this.step(f));
      off += HOP;
    }
    if (off > 0) {
      this.buf.copyWithin(0, off, this.bufLen);
      this.bufLen -= off;
      this.consumed += off;
    }
    return out;
  }

  /** End of input (or a discontinuity): close any open run and return what it yields. */
  flush(): FilledPause[] {
    const out: FilledPause[] = [];
    if (this.pendingUm) out.push(...this.resolveUm(true));
    out.push(...this.closeRun());
    if (this.pendingUm) out.push(...this.resolveUm(true));
    this.bufLen = 0;
    this.expectedSec = null;
    this.window.length = 0;
    this.overlong = false;
    return out;
  }

  private analyse(off: number, t: number): Frame {
    const b = this.buf;
    let e = 0;
    for (let i = 0; i < WIN; i++) e += b[off + i]! * b[off + i]!;
    const levelDb = 10 * Math.log10(e / WIN + 1e-12);
    // Pitch: NCCF on the 2:1 decimated window (pairwise mean is a crude but adequate low-pass for F0 ≤ 400 Hz).
    const d = this.dec;
    const n = d.length;
    for (let i = 0; i < n; i++) d[i] = 0.5 * (b[off + 2 * i]! + b[off + 2 * i + 1]!);
    let best = 0;
    let bestLag = 0;
    const nccf = new Float64Array(MAX_LAG + 2);
    for (let lag = MIN_LAG; lag <= MAX_LAG + 1 && lag < n - 16; lag++) {
      let xy = 0;
      let xx = 0;
      let yy = 0;
      for (let i = 0; i + lag < n; i++) {
        const x = d[i]!;
        const y = d[i + lag]!;
        xy += x * y;
        xx += x * x;
        yy += y * y;
      }
      const r = xx > 0 && yy > 0 ? xy / Math.sqrt(xx * yy) : 0;
      nccf[lag] = r;
      if (r > best) {
        best = r;
        bestLag = lag;
      }
    }
    // Prefer the shortest lag whose peak is within 10 % of the best (avoids sub-harmonic errors).
    for (let lag = MIN_LAG + 1; lag < bestLag; lag++) {
      if (nccf[lag]! >= 0.9 * best && nccf[lag]! >= nccf[lag - 1]! && nccf[lag]! >= nccf[lag + 1]!) {
        bestLag = lag;
        break;
      }
    }
    let lagF = bestLag;
    if (bestLag > MIN_LAG && bestLag <= MAX_LAG) {
      const a = nccf[bestLag - 1]!;
      const c = nccf[bestLag]!;
      const z = nccf[bestLag + 1]!;
      const den = a - 2 * c + z;
      if (den < 0) lagF = bestLag + (0.5 * (a - z)) / den;
    }
    const voiced = best >= this.o.minVoicing && levelDb >= this.o.minLevelDbfs && bestLag >= MIN_LAG;
    const st = voiced ? 12 * Math.log2(SR / DS / lagF / 100) : Number.NaN;
    // Spectral envelope: mel cepstrum of the Hann-windowed frame.
    const re = this.re;
    const im = this.im;
    for (let i = 0; i < WIN; i++) {
      re[i] = b[off + i]! * this.hann[i]!;
      im[i] = 0;
    }
    fft(re, im);
    let num = 0;
    let den = 0;
    const bins = WIN / 2 + 1;
    const pw = new Float64Array(bins);
    for (let k = 0; k < bins; k++) {
      pw[k] = re[k]! * re[k]! + im[k]! * im[k]!;
      num += ((k * SR) / WIN) * pw[k]!;
      den += pw[k]!;
    }
    for (let m = 0; m < BANDS; m++) {
      const w = this.mel[m]!;
      let s = 0;
      for (let k = 0; k < bins; k++) s += w[k]! * pw[k]!;
      this.bandLog[m] = Math.log(s + 1e-10);
    }
    dct(this.bandLog, this.cepsAll);
    return { t, voiced, st, ceps: this.cepsAll.slice(1), centroidHz: den > 0 ? num / den : 0, levelDb };
  }

  private step(f: Frame): FilledPause[] {
    const out: FilledPause[] = [];
    if (this.pendingUm) {
      this.pendingUm.tail.push(f);
      out.push(...this.resolveUm(false));
    }
    // Stability of the frame two hops back, judged on the 5-frame (50 ms) window around it:
    // all voiced, F0 range ≤ maxF0RangeSt, mean cepstral step ≤ maxFrameFlux. Averaging over
    // 50 ms removes the frame-to-frame ripple that harmonics moving through the mel bands cause.
    const w = this.window;
    w.push(f);
    if (w.length > 5) w.shift();
    if (w.length < 5) return out;
    const c = w[2]!;
    let stable = w.every((x) => x.voiced);
    if (stable) {
      let lo = Infinity;
      let hi = -Infinity;
      let flux = 0;
      for (let i = 0; i < 5; i++) {
        lo = Math.min(lo, w[i]!.st);
        hi = Math.max(hi, w[i]!.st);
        if (i > 0) flux += dist(w[i]!.ceps, w[i - 1]!.ceps);
      }
      c.flux = flux / 4;
      stable = hi - lo <= this.o.maxF0RangeSt && c.flux <= this.o.maxFrameFlux;
    }
    if (stable) {
      if (!this.overlong) this.run.push(c);
      this.gap = 0;
    } else if (this.run.length > 0 || this.overlong) {
      this.gap++;
      if (this.gap > MAX_GAP_FRAMES) {
        this.overlong = false;
        out.push(...this.closeRun());
      }
    }
    if (this.run.length > 0 && this.run[this.run.length - 1]!.t - this.run[0]!.t > this.o.maxDurationSec) {
      // Too long to be a hesitation (humming, singing): discard it and the rest of this stretch.
      this.run = [];
      this.overlong = true;
    }
    return out;
  }

  private closeRun(): FilledPause[] {
    const run = this.run;
    this.run = [];
    this.gap = 0;
    const out: FilledPause[] = this.pendingUm ? this.resolveUm(true) : [];
    if (run.length < 2) return out;
    // Each stable frame vouches for its 50 ms window: the stable stretch spans ±20 ms beyond the centres.
    const dur = run[run.length - 1]!.t - run[0]!.t + 0.05;
    if (dur < this.o.minDurationSec || dur > this.o.maxDurationSec) return out;
    if (!this.evaluate(run)) return out;
    // Report after looking for a nasal murmur ("um") in the next frames.
    this.pendingUm = { vowel: run, tail: [] };
    return out;
  }

  private resolveUm(force: boolean): FilledPause[] {
    const p = this.pendingUm!;
    const vowelCentroid = mean(p.vowel.map((f) => f.centroidHz));
    let start = -1;
    let nasal = 0;
    let ended = false;
    for (let i = 0; i < p.tail.length; i++) {
      const f = p.tail[i]!;
      const isNasal = f.voiced && f.centroidHz < 0.6 * vowelCentroid;
      if (start < 0) {
        if (isNasal) {
          start = i;
          nasal = 1;
        } else if (i >= 5) break;
      } else if (isNasal) nasal++;
      else {
        ended = true;
        break;
      }
    }
    const done = force || (start < 0 && p.tail.length >= 6) || (start >= 0 && (ended || p.tail.length >= 45));
    if (!done) return [];
    this.pendingUm = null;
    const vowel = this.evaluate(p.vowel)!;
    if (start >= 0 && nasal >= 6) return [{ ...vowel, label: 'um', endSec: p.tail[start + nasal - 1]!.t + HOP / SR / 2 }];
    return [vowel];
  }

  private evaluate(run: Frame[]): FilledPause | null {
    const voiced = run.filter((f) => f.voiced);
    if (voiced.length < run.length * 0.9) return null;
    const t0 = voiced[0]!.t;
    const xs = voiced.map((f) => f.t - t0);
    const ys = voiced.map((f) => f.st);
    const mx = mean(xs);
    const my = mean(ys);
    let sxy = 0;
    let sxx = 0;
    for (let i = 0; i < xs.length; i++) {
      sxy += (xs[i]! - mx) * (ys[i]! - my);
      sxx += (xs[i]! - mx) ** 2;
    }
    const slope = sxx > 0 ? sxy / sxx : 0;
    let res = 0;
    for (let i = 0; i < xs.length; i++) res += (ys[i]! - (my + slope * (xs[i]! - mx))) ** 2;
    const jitter = Math.sqrt(res / xs.length);
    const flux = mean(voiced.map((f) => f.flux ?? 0));
    const centroid = new Float64Array(CEPS - 1);
    for (const f of voiced) for (let k = 0; k < centroid.length; k++) centroid[k]! += f.ceps[k]! / voiced.length;
    const spread = mean(voiced.map((f) => dist(f.ceps, centroid)));
    const o = this.o;
    if (Math.abs(slope) > o.maxF0SlopeStPerSec || jitter > o.maxF0JitterSt || spread > o.maxSpread || flux > o.maxMeanFlux) return null;
    const margin = Math.max(Math.abs(slope) / o.maxF0SlopeStPerSec, jitter / o.maxF0JitterSt, spread / o.maxSpread, flux / o.maxMeanFlux);
    const f0s = ys.slice().sort((a, b) => a - b);
    return {
      startSec: run[0]!.t - 0.025,
      endSec: run[run.length - 1]!.t + 0.025,
      label: 'uh',
      f0Hz: 100 * 2 ** (f0s[Math.floor(f0s.length / 2)]! / 12),
      f0SlopeStPerSec: slope,
      f0JitterSt: jitter,
      spectralFlux: flux,
      confidence: Math.max(0, Math.min(1, 1 - margin)),
    };
  }
}

function dist(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

function mean(xs: number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return xs.length ? s / xs.length : 0;
}
