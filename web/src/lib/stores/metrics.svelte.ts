import type { AnalyzerStatus, PauseEvent, VoiceFrame } from '@lectern/contract';
import type uPlot from 'uplot';
import { ProducerFilter } from './producerFilter.ts';
import type { SocketStore } from './socket.svelte';

/** Seconds of history kept for the live chart. */
export const HISTORY_SEC = 30;
/** Minimum interval between reactive updates (cards, chart): ≤ 10 Hz. */
export const UPDATE_INTERVAL_MS = 100;
/** Frames held in the ring buffer: 30 s of 100 ms windows is 300; the rest is headroom. */
const CAPACITY = 1024;
/** Latency samples kept for diagnostics. */
const LATENCY_SAMPLES = 1000;
/** Recent pauses kept for the list. */
const MAX_PAUSES = 50;

/**
 * Live voice metrics for one audio producer: a rolling 30 s window of `VoiceFrame`s in
 * preallocated typed arrays (ready for uPlot), the newest frame for metric cards, recent pauses and
 * analyzer status. Frames are ingested synchronously; reactive state (`latest`, `revision`) is
 * published at most every 100 ms, batched with requestAnimationFrame.
 */
export class MetricsStore {
  /** Newest frame (reactive, ≤ 10 Hz). */
  latest = $state.raw<VoiceFrame | null>(null);
  /** Bumped whenever `chartData()` would return something new (≤ 10 Hz); read it in an effect. */
  revision = $state(0);
  /** Finished pauses, newest first (at most 50). */
  pauses = $state.raw<PauseEvent[]>([]);
  /** Latest analyzer status per producer id. */
  analyzers = $state.raw<Record<string, AnalyzerStatus>>({});

  /** Frames accepted since the page loaded (not reset by `reset()`); synchronous, non-reactive. */
  framesReceived = 0;
  /** Last accepted frame, synchronous (for diagnostics). */
  lastFrame: VoiceFrame | null = null;

  // Ring buffer, oldest at #start.
  #t = new Float64Array(CAPACITY);
  #level = new Float64Array(CAPACITY);
  #f0 = new Float64Array(CAPACITY); // NaN = unvoiced
  #start = 0;
  #count = 0;

  // uPlot output (contiguous, oldest first). F0 is a plain array because uPlot needs `null` gaps.
  #xOut = new Float64Array(CAPACITY);
  #levelOut = new Float64Array(CAPACITY);
  #f0Out: (number | null)[] = new Array<number | null>(CAPACITY).fill(null);

  #lat = new Float64Array(LATENCY_SAMPLES);
  #latCount = 0;
  #latNext = 0;

  #newest: VoiceFrame | null = null;
  #filter = new ProducerFilter(() => this.reset());
  #scheduled = false;
  #lastFlush = 0;

  /** Producer whose frames are shown (null: the first one seen). */
  get producerId(): string | null {
    return this.#filter.producerId;
  }

  /**
   * Shows only frames of `producerId` (e.g. the presenter's own audio producer). Passing a
   * different id than the current one clears the buffers. `null` accepts any producer and
   * switches (with a reset) whenever a frame of another producer arrives.
   */
  follow(producerId: string | null): void {
    this.#filter.follow(producerId);
  }

  /** Clears the chart buffer, newest frame, pauses and analyzer statuses (not the counters). */
  reset(): void {
    this.#start = 0;
    this.#count = 0;
    this.#filter.clear();
    this.#newest = null;
    this.latest = null;
    this.pauses = [];
    this.analyzers = {};
    this.revision += 1;
  }

  /** Ingests one voice frame (call from the `metrics:voice` handler). */
  push(frame: VoiceFrame, receivedAtMs: number = Date.now()): void {
    if (!this.#filter.accept(frame.producerId)) return;
    this.framesReceived += 1;
    this.lastFrame = frame;
    this.#newest = frame;
    this.#lat[this.#latNext] = receivedAtMs - frame.serverTimeMs;
    this.#latNext = (this.#latNext + 1) % LATENCY_SAMPLES;
    this.#latCount = Math.min(LATENCY_SAMPLES, this.#latCount + 1);

    const t = frame.mediaTimeSec;
    if (this.#count > 0) {
      const newest = this.#t[(this.#start + this.#count - 1) % CAPACITY]!;
      if (t < newest - 1) {
        // Media time jumped back: the producer restarted its stream. Start over.
        this.#start = 0;
        this.#count = 0;
      } else if (t <= newest) {
        // Duplicate or reordered window: keep x strictly increasing for uPlot.
        this.#publishSoon();
        return;
      }
    }
    if (this.#count === CAPACITY) {
      this.#start = (this.#start + 1) % CAPACITY;
      this.#count -= 1;
    }
    const i = (this.#start + this.#count) % CAPACITY;
    this.#t[i] = t;
    this.#level[i] = frame.levelDbfs;
    this.#f0[i] = frame.f0Hz ?? Number.NaN;
    this.#count += 1;
    // Evict windows older than the history span.
    const cutoff = t - HISTORY_SEC;
    while (this.#count > 0 && this.#t[this.#start]! < cutoff) {
      this.#start = (this.#start + 1) % CAPACITY;
      this.#count -= 1;
    }
    this.#publishSoon();
  }

  /** Ingests a finished pause. */
  pushPause(pause: PauseEvent): void {
    if (!this.#filter.matches(pause.producerId)) return;
    this.pauses = [pause, ...this.pauses].slice(0, MAX_PAUSES);
  }

  /** Records an analyzer status. */
  setAnalyzerStatus(status: AnalyzerStatus): void {
    this.analyzers = { ...this.analyzers, [status.producerId]: status };
  }

  /**
   * uPlot data `[mediaTimeSec, levelDbfs, f0Hz|null]`, oldest first. The arrays are reused:
   * valid until the next call.
   */
  chartData(): uPlot.AlignedData {
    const n = this.#count;
    for (let k = 0; k < n; k++) {
      const i = (this.#start + k) % CAPACITY;
      this.#xOut[k] = this.#t[i]!;
      this.#levelOut[k] = this.#level[i]!;
      const f0 = this.#f0[i]!;
      this.#f0Out[k] = Number.isNaN(f0) ? null : f0;
    }
    this.#f0Out.length = n;
    return [this.#xOut.subarray(0, n), this.#levelOut.subarray(0, n), this.#f0Out];
  }

  /** Media time of the newest buffered window, or null when empty. */
  get newestSec(): number | null {
    return this.#count > 0 ? this.#t[(this.#start + this.#count - 1) % CAPACITY]! : null;
  }

  /** Receive latencies (client `Date.now()` − `serverTimeMs`, ms), oldest first, last 1000. */
  latenciesMs(): number[] {
    const out: number[] = new Array(this.#latCount);
    const first = (this.#latNext - this.#latCount + LATENCY_SAMPLES) % LATENCY_SAMPLES;
    for (let k = 0; k < this.#latCount; k++) out[k] = this.#lat[(first + k) % LATENCY_SAMPLES]!;
    return out;
  }

  /** Subscribes to `metrics:voice`, `metrics:pause` and `analyzer:status`; returns unsubscribe. */
  attach(socket: SocketStore): () => void {
    const offs = [
      socket.on('metrics:voice', (f) => this.push(f)),
      socket.on('metrics:pause', (p) => this.pushPause(p)),
      socket.on('analyzer:status', (s) => this.setAnalyzerStatus(s)),
    ];
    return () => offs.forEach((off) => off());
  }

  #publishSoon(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    const wait = Math.max(0, this.#lastFlush + UPDATE_INTERVAL_MS - performance.now());
    const flush = () => {
      this.#scheduled = false;
      this.#lastFlush = performance.now();
      this.latest = this.#newest;
      this.revision += 1;
    };
    setTimeout(() => requestAnimationFrame(flush), wait);
  }
}
