import type { BodyFrame, BodyStats } from '@lectern/contract';
import { ProducerFilter } from './producerFilter.ts';
import type { SocketStore } from './socket.svelte';

/** Latency samples kept for diagnostics. */
const LATENCY_SAMPLES = 500;

/**
 * Live body-language metrics for one video producer (`metrics:body`, about 5 per second): the
 * newest frame for the posture/gesture cards and the skeleton overlay, and the latest `body:stats`.
 * Like {@link MetricsStore} it follows one producer and starts over when a different one is
 * followed. Frames arrive at ≤ 5 Hz, so each one updates the reactive state directly.
 */
export class BodyStore {
  /** Newest frame (reactive). */
  latest = $state.raw<BodyFrame | null>(null);
  /** Newest decode/inference/gating counters (reactive). */
  stats = $state.raw<BodyStats | null>(null);

  /** Frames accepted since the page loaded; synchronous, non-reactive (tests read it). */
  framesReceived = 0;

  #filter = new ProducerFilter(() => this.reset());
  #lat: number[] = [];

  /** Producer whose frames are shown (null: the first one seen). */
  get producerId(): string | null {
    return this.#filter.producerId;
  }

  /** Shows only `producerId`'s frames (a different id clears them); null: follow the first seen. */
  follow(producerId: string | null): void {
    this.#filter.follow(producerId);
  }

  /** Clears the newest frame and stats (not the counters). */
  reset(): void {
    this.#filter.clear();
    this.latest = null;
    this.stats = null;
  }

  /** Delivery latencies in ms (receive time − decoded-frame time) of recent frames. */
  latenciesMs(): readonly number[] {
    return this.#lat;
  }

  /** Ingests a `metrics:body` frame. */
  push(frame: BodyFrame): void {
    if (!this.#filter.accept(frame.producerId)) return;
    this.framesReceived += 1;
    if (frame.videoFrameAtMs !== null) {
      this.#lat.push(Date.now() - frame.videoFrameAtMs);
      if (this.#lat.length > LATENCY_SAMPLES) this.#lat.shift();
    }
    this.latest = frame;
  }

  /** Ingests `body:stats`. */
  pushStats(stats: BodyStats): void {
    if (this.#filter.accept(stats.producerId)) this.stats = stats;
  }

  /** Subscribes to `metrics:body` and `body:stats`; returns the unsubscribe function. */
  attach(socket: SocketStore): () => void {
    const offs = [socket.on('metrics:body', (f) => this.push(f)), socket.on('body:stats', (s) => this.pushStats(s))];
    return () => offs.forEach((off) => off());
  }
}
