import type { Keypoint, Measured } from '@lectern/contract';
import {
  KP,
  type Point,
  headTiltDeg,
  headYawDeg,
  midpoint,
  presenceScore,
  shoulderTiltDeg,
  shoulderWidth,
  torsoLeanDeg,
  visible,
} from './bodyGeometry.ts';
import { OneEuroFilter } from './OneEuroFilter.ts';

/** Tunables of {@link BodyMetricsTracker}; the defaults are what the live analyzer uses. */
export interface BodyMetricsOptions {
  /** 1€ filter on keypoint coordinates (units: frame heights): min cutoff Hz (default 0.5). */
  minCutoffHz?: number;
  /** 1€ speed coefficient, Hz per (frame height/s) (default 4). */
  beta?: number;
  /** Presence score EMA time constant in seconds (default 0.4). */
  presenceTauSec?: number;
  /** Presence hysteresis: becomes present at ≥ `enter`, absent below `leave` (defaults 0.35 / 0.25). */
  presenceEnter?: number;
  presenceLeave?: number;
  /** Window lengths in seconds: sway (2), gesture (1), hands visible (5), facing (10). */
  swayWindowSec?: number;
  gestureWindowSec?: number;
  handsWindowSec?: number;
  facingWindowSec?: number;
  /** |yaw| at or below which the face counts as turned to the camera, degrees (default 30). */
  facingMaxYawDeg?: number;
  /** Shortest shoulder line (frame heights) for which shoulder tilt is reported (default 0.03). */
  minShoulderWidth?: number;
}

/** One pose observation fed to {@link BodyMetricsTracker.update}. */
export interface BodyObservation {
  /** Observation time in seconds (monotonic; any origin). */
  tSec: number;
  /** The 17 COCO keypoints normalised 0–1 to a frame of aspect `aspect`. */
  keypoints: readonly Keypoint[];
  /** Width / height of the frame the keypoints are normalised to (makes units isotropic). */
  aspect: number;
}

/** Output of {@link BodyMetricsTracker.update}: the metric fields of a `BodyFrame`. */
export interface BodyMetrics {
  presence: { value: boolean; confidence: number };
  shoulderTiltDeg: Measured;
  headTiltDeg: Measured;
  torsoLeanDeg: Measured;
  headYawDeg: Measured;
  facingRatio: Measured;
  gestureSwPerSec: Measured;
  swaySw: Measured;
  handsVisibleRatio: Measured;
  /** 1€-smoothed keypoints, normalised like the input, with the raw scores. */
  keypoints: Keypoint[];
}

interface Sample {
  tSec: number;
  present: boolean;
  /** Shoulder midpoint (isotropic, frame heights) and shoulder width, when both shoulders are visible. */
  mid: { x: number; y: number } | null;
  sw: number | null;
  swScore: number;
  /** Wrist positions relative to the shoulder midpoint in SW, per wrist (left, right), null if not visible. */
  wrists: [{ x: number; y: number } | null, { x: number; y: number } | null];
  wristScore: number;
  /** Face turned to the camera: true/false, or null when the face keypoints are not visible. */
  facing: boolean | null;
  faceScore: number;
}

const UNKNOWN: Measured = { value: null, confidence: 0 };
const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/**
 * Turns a stream of single-person poses (about 5 per second) into body-language metrics, with
 * temporal smoothing and trailing windows. Time-windowed metrics need their window at least half
 * covered by usable samples; otherwise (and whenever the keypoints they need are below the
 * visibility threshold) they are `null` ("unknown") with confidence 0.
 *
 * Smoothing: every keypoint coordinate passes a 1€ filter (see {@link OneEuroFilter}); a keypoint
 * that reappears after being invisible restarts its filter. Presence uses an EMA of the presence
 * score with hysteresis.
 *
 * Metric formulas (isotropic units: x·aspect and y, in frame heights; SW = shoulder width):
 * - presence = EMA_τ(mean of the top-3 keypoint scores) with hysteresis (enter ≥ 0.35, leave < 0.25);
 *   confidence = clamp(|EMA − 0.3| / 0.2).
 * - shoulderTiltDeg, headTiltDeg, torsoLeanDeg, headYawDeg: instantaneous formulas of
 *   bodyGeometry.ts on the smoothed keypoints (confidence = lowest keypoint score involved).
 * - facingRatio = #(present samples with |yaw| ≤ 30°) / #(present samples) over the last 10 s; a
 *   present person whose eyes/nose are not visible counts as not facing (turned away).
 *   confidence = coverage × mean face score. A gaze PROXY: head orientation, not eye direction.
 * - gestureSwPerSec = Σ|Δ(wrist − shoulder midpoint)| / Σ Δt over the last 1 s, averaged over
 *   visible wrists, in SW/s. Subtracting the shoulder midpoint removes whole-body movement (sway,
 *   camera pans) so only hand movement relative to the torso counts. Wrist speed from pose
 *   tracking is the usual video-based gesture-kinematics measure (Pouw, Trujillo & Dixon 2020,
 *   "The quantification of gesture–speech synchrony", Behavior Research Methods 52:723–740).
 * - swaySw = √(mean |m − m̄|²) / mean(SW) over the last 2 s, m = shoulder midpoint: the RMS distance
 *   from the mean position, the posturography "RDIST" measure (Prieto et al. 1996, "Measures of
 *   postural steadiness", IEEE Trans. Biomed. Eng. 43(9):956–966) applied to the upper body.
 * - handsVisibleRatio = mean over present samples of the last 5 s of (#visible wrists / 2).
 *
 * Coverage = time spanned by usable samples / window length, capped at 1.
 */
export class BodyMetricsTracker {
  readonly #o: Required<BodyMetricsOptions>;
  readonly #filters: OneEuroFilter[][];
  readonly #wasVisible: boolean[] = new Array<boolean>(17).fill(false);
  readonly #samples: Sample[] = [];
  #presenceEma: number | undefined;
  #present = false;
  #lastT: number | undefined;

  constructor(opts: BodyMetricsOptions = {}) {
    this.#o = {
      minCutoffHz: opts.minCutoffHz ?? 0.5,
      beta: opts.beta ?? 4,
      presenceTauSec: opts.presenceTauSec ?? 0.4,
      presenceEnter: opts.presenceEnter ?? 0.35,
      presenceLeave: opts.presenceLeave ?? 0.25,
      swayWindowSec: opts.swayWindowSec ?? 2,
      gestureWindowSec: opts.gestureWindowSec ?? 1,
      handsWindowSec: opts.handsWindowSec ?? 5,
      facingWindowSec: opts.facingWindowSec ?? 10,
      facingMaxYawDeg: opts.facingMaxYawDeg ?? 30,
      minShoulderWidth: opts.minShoulderWidth ?? 0.03,
    };
    const f = () => new OneEuroFilter({ minCutoffHz: this.#o.minCutoffHz, beta: this.#o.beta });
    this.#filters = Array.from({ length: 17 }, () => [f(), f()]);
  }

  /** Forgets all history (e.g. after the video stalled for a long time). */
  reset(): void {
    for (const pair of this.#filters) for (const f of pair) f.reset();
    this.#wasVisible.fill(false);
    this.#samples.length = 0;
    this.#presenceEma = undefined;
    this.#present = false;
    this.#lastT = undefined;
  }

  /**
   * Adds one observation and returns the metrics as of its time. Feed every analysed frame,
   * including frames whose pose was reused (motion gating): the repeated keypoints then count as
   * "no movement", which is what the gate measured.
   * @throws RangeError when there are not exactly 17 keypoints or `aspect` is not positive.
   */
  update(obs: BodyObservation): BodyMetrics {
    if (obs.keypoints.length !== 17) throw new RangeError(`expected 17 keypoints, got ${obs.keypoints.length}`);
    if (!(obs.aspect > 0)) throw new RangeError(`aspect must be > 0, got ${obs.aspect}`);
    const t = obs.tSec;
    const dt = this.#lastT === undefined ? 0 : Math.max(0, t - this.#lastT);
    this.#lastT = t;

    // 1€-smoothed keypoints in isotropic units (frame heights).
    const pts: Point[] = obs.keypoints.map((k, i) => {
      const isVisible = visible(k);
      const [fx, fy] = this.#filters[i]!;
      if (isVisible && !this.#wasVisible[i]) (fx!.reset(), fy!.reset());
      this.#wasVisible[i] = isVisible;
      return { x: fx!.filter(k.x * obs.aspect, t), y: fy!.filter(k.y, t), score: k.score };
    });

    // Presence: EMA of the top-3 score with hysteresis.
    const ps = presenceScore(obs.keypoints.map((k) => ({ x: k.x, y: k.y, score: k.score })));
    this.#presenceEma =
      this.#presenceEma === undefined ? ps : this.#presenceEma + (1 - Math.exp(-dt / this.#o.presenceTauSec)) * (ps - this.#presenceEma);
    if (this.#present ? this.#presenceEma < this.#o.presenceLeave : this.#presenceEma >= this.#o.presenceEnter)
      this.#present = !this.#present;
    const present = this.#present;

    const sw = shoulderWidth(pts);
    const mid = sw ? midpoint(pts[KP.leftShoulder]!, pts[KP.rightShoulder]!) : null;
    const yaw = headYawDeg(pts);
    const wrist = (i: number) => {
      const w = pts[i];
      return present && sw && mid && sw.value > 0 && visible(w) ? { x: (w.x - mid.x) / sw.value, y: (w.y - mid.y) / sw.value } : null;
    };
    const sample: Sample = {
      tSec: t,
      present,
      mid: present && mid ? { x: mid.x, y: mid.y } : null,
      sw: present && sw ? sw.value : null,
      swScore: sw?.confidence ?? 0,
      wrists: [wrist(KP.leftWrist), wrist(KP.rightWrist)],
      wristScore: Math.max(pts[KP.leftWrist]!.score, pts[KP.rightWrist]!.score),
      facing: !present ? null : yaw ? Math.abs(yaw.value) <= this.#o.facingMaxYawDeg : false,
      faceScore: yaw?.confidence ?? Math.max(pts[KP.nose]!.score, pts[KP.leftEye]!.score, pts[KP.rightEye]!.score),
    };
    this.#samples.push(sample);
    const horizon = Math.max(this.#o.swayWindowSec, this.#o.gestureWindowSec, this.#o.handsWindowSec, this.#o.facingWindowSec);
    while (this.#samples.length > 0 && this.#samples[0]!.tSec < t - horizon) this.#samples.shift();

    const keypoints: Keypoint[] = obs.keypoints.map((k, i) => ({ name: k.name, x: pts[i]!.x / obs.aspect, y: pts[i]!.y, score: k.score }));
    const presenceOut = { value: present, confidence: clamp01(Math.abs(this.#presenceEma - 0.3) / 0.2) };
    if (!present) {
      return {
        presence: presenceOut,
        shoulderTiltDeg: UNKNOWN,
        headTiltDeg: UNKNOWN,
        torsoLeanDeg: UNKNOWN,
        headYawDeg: UNKNOWN,
        facingRatio: UNKNOWN,
        gestureSwPerSec: UNKNOWN,
        swaySw: UNKNOWN,
        handsVisibleRatio: UNKNOWN,
        keypoints,
      };
    }
    const measured = (s: { value: number; confidence: number } | null): Measured =>
      s ? { value: s.value, confidence: clamp01(s.confidence) } : UNKNOWN;
    return {
      presence: presenceOut,
      shoulderTiltDeg: measured(shoulderTiltDeg(pts, this.#o.minShoulderWidth)),
      headTiltDeg: measured(headTiltDeg(pts)),
      torsoLeanDeg: measured(torsoLeanDeg(pts)),
      headYawDeg: measured(yaw),
      facingRatio: this.#facingRatio(t),
      gestureSwPerSec: this.#gesture(t),
      swaySw: this.#sway(t),
      handsVisibleRatio: this.#handsVisible(t),
      keypoints,
    };
  }

  /** Samples in (t − window, t] that satisfy `usable`, and their coverage of the window (0–1). */
  #window(t: number, windowSec: number, usable: (s: Sample) => boolean): { samples: Sample[]; coverage: number } {
    const samples = this.#samples.filter((s) => s.tSec > t - windowSec && usable(s));
    if (samples.length === 0) return { samples, coverage: 0 };
    // Each sample stands for the interval up to the next one (≈ 0.2 s); the newest for a nominal 0.2 s.
    let covered = 0;
    for (let i = 0; i < samples.length; i++) covered += Math.min(0.5, (samples[i + 1]?.tSec ?? samples[i]!.tSec + 0.2) - samples[i]!.tSec);
    return { samples, coverage: clamp01(covered / windowSec) };
  }

  #facingRatio(t: number): Measured {
    const { samples, coverage } = this.#window(t, this.#o.facingWindowSec, (s) => s.present && s.facing !== null);
    if (coverage < 0.5) return UNKNOWN;
    const facing = samples.filter((s) => s.facing).length;
    const score = samples.reduce((a, s) => a + s.faceScore, 0) / samples.length;
    return { value: facing / samples.length, confidence: clamp01(coverage * score) };
  }

  #handsVisible(t: number): Measured {
    const { samples, coverage } = this.#window(t, this.#o.handsWindowSec, (s) => s.present && s.sw !== null);
    if (coverage < 0.5) return UNKNOWN;
    const ratio = samples.reduce((a, s) => a + ((s.wrists[0] ? 1 : 0) + (s.wrists[1] ? 1 : 0)) / 2, 0) / samples.length;
    const score = samples.reduce((a, s) => a + s.swScore, 0) / samples.length;
    return { value: ratio, confidence: clamp01(coverage * score) };
  }

  #sway(t: number): Measured {
    const { samples, coverage } = this.#window(t, this.#o.swayWindowSec, (s) => s.mid !== null && s.sw !== null);
    if (coverage < 0.5 || samples.length < 3) return UNKNOWN;
    const mx = samples.reduce((a, s) => a + s.mid!.x, 0) / samples.length;
    const my = samples.reduce((a, s) => a + s.mid!.y, 0) / samples.length;
    const sw = samples.reduce((a, s) => a + s.sw!, 0) / samples.length;
    if (!(sw > 0)) return UNKNOWN;
    const ms = samples.reduce((a, s) => a + (s.mid!.x - mx) ** 2 + (s.mid!.y - my) ** 2, 0) / samples.length;
    const score = samples.reduce((a, s) => a + s.swScore, 0) / samples.length;
    return { value: Math.sqrt(ms) / sw, confidence: clamp01(coverage * score) };
  }

  #gesture(t: number): Measured {
    const { samples, coverage } = this.#window(t, this.#o.gestureWindowSec, (s) => s.mid !== null);
    if (coverage < 0.5 || samples.length < 2) return UNKNOWN;
    const speeds: number[] = [];
    for (const w of [0, 1] as const) {
      let dist = 0;
      let time = 0;
      for (let i = 1; i < samples.length; i++) {
        const a = samples[i - 1]!.wrists[w];
        const b = samples[i]!.wrists[w];
        const dt = samples[i]!.tSec - samples[i - 1]!.tSec;
        if (!a || !b || !(dt > 0) || dt > 1) continue;
        dist += Math.hypot(b.x - a.x, b.y - a.y);
        time += dt;
      }
      if (time >= this.#o.gestureWindowSec / 2) speeds.push(dist / time);
    }
    if (speeds.length === 0) return UNKNOWN;
    const score = samples.reduce((a, s) => a + s.wristScore, 0) / samples.length;
    return { value: speeds.reduce((a, b) => a + b, 0) / speeds.length, confidence: clamp01(coverage * score) };
  }
}
