import type { NodeStatus, RoomPlacement } from './ClusterTypes.ts';
import type { NodeLoad } from './NodeLoad.ts';

/** What the heartbeat reports besides the load. */
export interface NodeCounts {
  rooms: number;
  streams: number;
  backlogSec: number;
}

/** Options of {@link NodeHeartbeat}. */
export interface NodeHeartbeatOptions {
  nodeId: string;
  url: string;
  /** `LECTERN_LOAD_THRESHOLD`, 0.05–1. */
  threshold: number;
  /** Period, ms (default 2000, as #12 asks). */
  periodMs?: number;
  load: NodeLoad;
  counts: () => NodeCounts;
  placement: RoomPlacement;
  /** Told every status (metrics, shedding). */
  onStatus?: (s: NodeStatus) => void;
}

/**
 * Every `periodMs`: samples the node's load ({@link NodeLoad}) and publishes a {@link NodeStatus}
 * through the {@link RoomPlacement} (Redis registry, or kept locally for admission control).
 */
export class NodeHeartbeat {
  readonly #timer: NodeJS.Timeout;
  #latest: NodeStatus;

  constructor(private readonly o: NodeHeartbeatOptions) {
    o.load.sample(); // baseline for the first period
    this.#threshold = o.threshold;
    this.#latest = this.#status();
    void o.placement.beat(this.#latest);
    this.#timer = setInterval(() => this.beatNow(), o.periodMs ?? 2000);
    this.#timer.unref();
  }

  #threshold: number;

  /** The admission threshold this node publishes (see {@link setThreshold}). */
  get threshold(): number {
    return this.#threshold;
  }

  /**
   * Changes the admission threshold at run time and publishes it at once. 0 drains the node: it
   * takes no new rooms at all (rooms already open keep running), e.g. before maintenance.
   * @throws RangeError outside 0–1.
   */
  setThreshold(threshold: number): NodeStatus {
    if (!(threshold >= 0 && threshold <= 1)) throw new RangeError('the load threshold must be 0–1 (0 = take no new rooms)');
    this.#threshold = threshold;
    this.#latest = { ...this.#latest, threshold, heartbeatAtMs: Date.now() };
    void this.o.placement.beat(this.#latest);
    return this.#latest;
  }

  /** The status of the last beat. */
  get latest(): NodeStatus {
    return this.#latest;
  }

  /** Samples and publishes now (also used by tests to avoid waiting a period). */
  beatNow(): NodeStatus {
    this.o.load.sample();
    this.#latest = this.#status();
    void this.o.placement.beat(this.#latest);
    try {
      this.o.onStatus?.(this.#latest);
    } catch {
      /* a failing listener must not stop the heartbeat */
    }
    return this.#latest;
  }

  /** Stops the timer. */
  stop(): void {
    clearInterval(this.#timer);
  }

  #status(): NodeStatus {
    const c = this.o.counts();
    return {
      nodeId: this.o.nodeId,
      url: this.o.url,
      load: this.o.load.current.load,
      threshold: this.#threshold,
      rooms: c.rooms,
      streams: c.streams,
      backlogSec: c.backlogSec,
      heartbeatAtMs: Date.now(),
    };
  }
}
