/** Options of {@link LoadShedder}; defaults as documented on each. */
export interface LoadShedderOptions {
  /** Load at or above which pose analysis is shed (default 0.9: nine tenths of every core). */
  shedAtLoad?: number;
  /** Load below which it resumes (default 0.7, the default admission threshold). */
  resumeBelowLoad?: number;
  /** Consecutive heartbeats above `shedAtLoad` before shedding (default 2 = 4 s). */
  shedAfterBeats?: number;
  /** Consecutive heartbeats below `resumeBelowLoad` before resuming (default 5 = 10 s). */
  resumeAfterBeats?: number;
  /** Turns pose shedding on (reason) or off (null): VideoTapManager.setShedding. */
  setPoseShedding: (reason: string | null) => void;
}

/**
 * Load shedding of the gateway, first stage of the order #12 states: pose frames first (here, by
 * pausing the pose taps), then ASR partials (the analyzer process does that by itself when a
 * recogniser falls behind, see `asr:status.partialsShed`); voice windows are never shed. Driven by
 * the heartbeat's load figure with hysteresis, so it does not flap.
 */
export class LoadShedder {
  readonly #o: Required<LoadShedderOptions>;
  #above = 0;
  #below = 0;
  #shedding = false;

  constructor(o: LoadShedderOptions) {
    this.#o = { shedAtLoad: 0.9, resumeBelowLoad: 0.7, shedAfterBeats: 2, resumeAfterBeats: 5, ...o };
  }

  /** Whether pose is shed now. */
  get shedding(): boolean {
    return this.#shedding;
  }

  /** Takes one heartbeat's load figure. */
  onLoad(load: number): void {
    const o = this.#o;
    this.#above = load >= o.shedAtLoad ? this.#above + 1 : 0;
    this.#below = load < o.resumeBelowLoad ? this.#below + 1 : 0;
    if (!this.#shedding && this.#above >= o.shedAfterBeats) {
      this.#shedding = true;
      o.setPoseShedding(`server busy (load ${load.toFixed(2)} ≥ ${o.shedAtLoad}): body-language analysis is paused; voice analysis and recording continue`);
    } else if (this.#shedding && this.#below >= o.resumeAfterBeats) {
      this.#shedding = false;
      o.setPoseShedding(null);
    }
  }
}
