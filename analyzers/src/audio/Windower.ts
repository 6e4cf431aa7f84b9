import { ANALYSIS_SAMPLE_RATE_HZ, VOICE_WINDOW_SEC } from '@lectern/contract';
import type { ClosedWindow, WindowerOptions, WindowerStats } from './WindowerTypes.ts';

/** Per-write options of {@link Windower.write}. */
export interface WriteOptions {
  /** Wall-clock arrival time (ms, monotonic) of the packet the samples came from; enables the
   * timer close and discontinuity detection. Omit for offline input and concealment. */
  arrivalMs?: number;
  /** The samples are packet-loss concealment; counts one concealed packet in their window. */
  concealed?: boolean;
}

/**
 * Places decoded samples on a media timeline and cuts it into fixed windows (100 ms = 1600
 * samples at 16 kHz by default) held in a preallocated ring.
 *
 * - Position 0 is the stream's first sample (for RTP: the first packet's timestamp, see
 *   `RtpTimeline`), so `mediaTimeSec = index × windowSec` is "seconds since the first packet".
 * - Gaps (Opus DTX, lost packets that were not concealed, a late start) stay zero: every slot is
 *   zeroed when it opens.
 * - A window closes as soon as its last sample is written, or — when packets stop, e.g. DTX in
 *   silence — from {@link Windower.tick} once the wall clock, extrapolated from the last packet's
 *   arrival, is `closeHoldMs` past the window's end. Windows are therefore emitted for every
 *   100 ms of media time, in order, without holes.
 * - Samples for an already closed window are dropped (counted as late); samples overlapping the
 *   open window overwrite it (a real packet replaces earlier concealment).
 */
export class Windower {
  /** Samples per window. */
  readonly windowSamples: number;
  /** Analysis sample rate in Hz. */
  readonly sampleRate: number;
  private readonly ringWindows: number;
  private closeHoldMs: number;
  private readonly maxJumpSamples: number;
  private readonly onWindow: (window: ClosedWindow) => void;
  private readonly slotViews: Float32Array[] = [];
  private readonly slotWindows: ClosedWindow[] = [];
  private windowIndex = 0;
  private slot = 0;
  private highWater = 0;
  private filled = 0;
  private concealed = 0;
  private positionOffset = 0;
  private appendPosition = 0;
  private lastEnd: number | null = null;
  private lastArrivalMs: number | null = null;
  private readonly counters: WindowerStats = {
    windowsClosed: 0,
    windowsClosedByTimer: 0,
    lateSamples: 0,
    discontinuities: 0,
  };

  /**
   * @param options see {@link WindowerOptions}.
   * @throws RangeError for a non-positive window size or sample rate, or `ringWindows` < 2.
   */
  constructor(options: WindowerOptions) {
    this.sampleRate = options.sampleRate ?? ANALYSIS_SAMPLE_RATE_HZ;
    this.windowSamples = options.windowSamples ?? Math.round(VOICE_WINDOW_SEC * this.sampleRate);
    this.ringWindows = options.ringWindows ?? 64;
    this.closeHoldMs = options.closeHoldMs ?? 80;
    this.maxJumpSamples = (options.maxJumpSec ?? 5) * this.sampleRate;
    this.onWindow = options.onWindow;
    if (!(this.sampleRate > 0) || !Number.isInteger(this.windowSamples) || this.windowSamples <= 0) {
      throw new RangeError(`bad window geometry: ${this.windowSamples} samples at ${this.sampleRate} Hz`);
    }
    if (!Number.isInteger(this.ringWindows) || this.ringWindows < 2) {
      throw new RangeError(`ringWindows must be an integer ≥ 2, got ${this.ringWindows}`);
    }
    const ring = new Float32Array(this.ringWindows * this.windowSamples);
    for (let i = 0; i < this.ringWindows; i++) {
      const samples = ring.subarray(i * this.windowSamples, (i + 1) * this.windowSamples);
      this.slotViews.push(samples);
      this.slotWindows.push({
        index: 0,
        mediaTimeSec: 0,
        samples,
        filledSamples: 0,
        concealedPackets: 0,
        closedByTimer: false,
      });
    }
  }

  /** Number of ring slots: a consumer may hold at most `ringWindows − 1` closed windows. */
  get capacityWindows(): number {
    return this.ringWindows;
  }

  /** Counters since construction (a snapshot copy). */
  get stats(): WindowerStats {
    return { ...this.counters };
  }

  /**
   * Changes the timer's close hold (see {@link WindowerOptions.closeHoldMs}), e.g. when the jitter
   * buffer in front adapts its wait. @throws RangeError for a negative or non-finite value.
   */
  setCloseHoldMs(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(`closeHoldMs must be ≥ 0, got ${ms}`);
    this.closeHoldMs = ms;
  }

  /** Start of the open (not yet closed) window in seconds since the origin. */
  get openWindowStartSec(): number {
    return (this.windowIndex * this.windowSamples) / this.sampleRate;
  }

  /**
   * Moves the open window to the one containing `position`, without closing windows in between.
   * Used once, before the first write, when a stream resumes on an existing timeline.
   * @throws Error if samples were already written.
   */
  seek(position: number): void {
    if (this.lastEnd !== null || this.highWater > 0 || this.counters.windowsClosed > 0)
      throw new Error('Windower.seek() is only allowed before the first write');
    this.windowIndex = Math.max(0, Math.floor(position / this.windowSamples));
  }

  /**
   * Writes samples at an absolute position on the timeline, closing every window that becomes
   * complete (synchronously, through `onWindow`).
   * @param position sample index at the analysis rate since the origin (may be negative or in
   *   the past: the part before the open window is dropped and counted as late).
   * @param samples mono float samples in [-1, 1] at the analysis rate; copied, not retained.
   * @param options arrival time and concealment flag, see {@link WriteOptions}.
   */
  write(position: number, samples: Float32Array, options: WriteOptions = {}): void {
    const W = this.windowSamples;
    let pos = position + this.positionOffset;
    const { arrivalMs } = options;
    if (arrivalMs !== undefined && this.lastEnd !== null && this.lastArrivalMs !== null) {
      const expected = Math.round(this.lastEnd + ((arrivalMs - this.lastArrivalMs) * this.sampleRate) / 1000);
      if (Math.abs(pos - expected) > this.maxJumpSamples) {
        this.positionOffset += expected - pos;
        pos = expected;
        this.counters.discontinuities++;
      }
    }
    const end = pos + samples.length;
    if (arrivalMs !== undefined && (this.lastEnd === null || end >= this.lastEnd)) {
      this.lastEnd = end;
      this.lastArrivalMs = arrivalMs;
    }

    let src = 0;
    const openStart = this.windowIndex * W;
    if (end <= openStart) {
      this.counters.lateSamples += samples.length;
      return;
    }
    if (pos < openStart) {
      src = openStart - pos;
      this.counters.lateSamples += src;
      pos = openStart;
    }
    const isConcealment = options.concealed === true;
    let countConcealed = isConcealment;
    while (src < samples.length) {
      const windowStart = this.windowIndex * W;
      if (pos >= windowStart + W) {
        this.close(false);
        continue;
      }
      const offset = pos - windowStart;
      const n = Math.min(W - offset, samples.length - src);
      this.slotViews[this.slot]!.set(samples.subarray(src, src + n), offset);
      if (countConcealed) {
        this.concealed++;
        countConcealed = false;
      }
      if (!isConcealment) this.filled += n;
      if (offset + n > this.highWater) this.highWater = offset + n;
      pos += n;
      src += n;
      if (this.highWater === W) this.close(false);
    }
  }

  /**
   * Offline input: appends samples right after the previously appended ones (position 0 first).
   * @param samples mono float samples at the analysis rate; copied, not retained.
   */
  append(samples: Float32Array): void {
    this.write(this.appendPosition, samples);
    this.appendPosition += samples.length;
  }

  /**
   * Timer close: closes (zero-filled where no data arrived) every window whose end lies
   * `closeHoldMs` or more before the position extrapolated from the last packet's arrival.
   * Does nothing before the first write with an arrival time.
   * @param nowMs current time in ms on the same monotonic clock as `arrivalMs`.
   * @returns number of windows closed.
   */
  tick(nowMs: number): number {
    if (this.lastEnd === null || this.lastArrivalMs === null) return 0;
    const expected = this.lastEnd + ((nowMs - this.lastArrivalMs - this.closeHoldMs) * this.sampleRate) / 1000;
    let closed = 0;
    while (expected >= (this.windowIndex + 1) * this.windowSamples) {
      this.close(true);
      closed++;
    }
    return closed;
  }

  /**
   * Closes the open window if anything was written into it (zero-padded), e.g. at end of file.
   * @returns whether a window was closed.
   */
  flush(): boolean {
    if (this.highWater === 0) return false;
    this.close(false);
    return true;
  }

  private close(byTimer: boolean): void {
    const window = this.slotWindows[this.slot]!;
    window.index = this.windowIndex;
    window.mediaTimeSec = (this.windowIndex * this.windowSamples) / this.sampleRate;
    window.filledSamples = Math.min(this.filled, this.windowSamples);
    window.concealedPackets = this.concealed;
    window.closedByTimer = byTimer;
    this.counters.windowsClosed++;
    if (byTimer) this.counters.windowsClosedByTimer++;
    this.windowIndex++;
    this.slot = (this.slot + 1) % this.ringWindows;
    this.slotViews[this.slot]!.fill(0);
    this.highWater = 0;
    this.filled = 0;
    this.concealed = 0;
    this.onWindow(window);
  }
}
