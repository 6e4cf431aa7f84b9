/**
 * One closed analysis window. The object and its `samples` view belong to a preallocated ring
 * slot: they stay valid until `ringWindows` further windows have closed, then are overwritten.
 * Consumers that queue windows must keep fewer than `ringWindows − 1` of them outstanding.
 */
export interface ClosedWindow {
  /** Window number since the timeline origin (0, 1, 2, …). */
  index: number;
  /** Start of the window in seconds since the timeline origin (= index × windowSec). */
  mediaTimeSec: number;
  /** Exactly `windowSamples` mono float samples in [-1, 1] at the analysis rate. */
  samples: Float32Array;
  /** Samples that came from decoded audio (the rest is gap fill: DTX, loss, late start). */
  filledSamples: number;
  /** Concealed (lost) packets whose samples start inside this window. */
  concealedPackets: number;
  /** True when the window was closed by the timer ({@link Windower.tick}) rather than by data. */
  closedByTimer: boolean;
}

/** Options of a {@link Windower}. */
export interface WindowerOptions {
  /** Samples per window; default 1600 (VOICE_WINDOW_SEC 0.1 s × ANALYSIS_SAMPLE_RATE_HZ 16 kHz). */
  windowSamples?: number;
  /** Analysis sample rate in Hz; default 16000 (ANALYSIS_SAMPLE_RATE_HZ). */
  sampleRate?: number;
  /** Windows in the preallocated ring; default 32 (3.2 s). Minimum 2. */
  ringWindows?: number;
  /**
   * How long past a window's end (in wall-clock ms, extrapolated from the last packet's arrival)
   * the timer waits before closing it without data. Default 80 ms: the jitter buffer's 60 ms
   * reorder wait plus one 20 ms frame, so a merely late packet is not cut off.
   */
  closeHoldMs?: number;
  /**
   * A packet whose position is further than this from where the wall clock says the stream
   * should be (either direction) is a timestamp discontinuity: the timeline is re-anchored so
   * it continues at the expected position instead of emitting (or dropping) that many seconds.
   * Default 5 s; only applies to writes that carry an arrival time.
   */
  maxJumpSec?: number;
  /** Receives every closed window, in order, synchronously. */
  onWindow: (window: ClosedWindow) => void;
}

/** Counters of a {@link Windower}; all monotonically increasing. */
export interface WindowerStats {
  windowsClosed: number;
  /** Windows closed by the timer because no data arrived for them in time. */
  windowsClosedByTimer: number;
  /** Samples dropped because their window had already closed. */
  lateSamples: number;
  /** Timeline re-anchorings after timestamp discontinuities. */
  discontinuities: number;
}
