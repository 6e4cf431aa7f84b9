import { ExponentialBackoff } from '@lectern/contract';

/** Minimal logger interface (pino-compatible). */
export interface WriterLog {
  warn(obj: object, msg: string): void;
  info?(obj: object, msg: string): void;
}

/** Options of {@link BatchWriter}. */
export interface BatchWriterOptions<T> {
  /** Name for logs and stats, e.g. `metric_frames`. */
  name: string;
  /** Writes one batch (one multi-row INSERT). Throwing keeps the rows for a retry. */
  write: (rows: T[]) => Promise<void>;
  /** Rows per batch (default 500). */
  maxRows?: number;
  /** Longest a row waits before its batch is written, ms (default 1000). */
  maxDelayMs?: number;
  /**
   * Bound of the buffer, rows (default 100 000 ≈ 2.8 h of one 10 Hz stream, ~30 MB). When full —
   * the database has been unreachable that long — the OLDEST rows are dropped and counted.
   */
  maxBuffered?: number;
  /** Whether a row may be written yet (e.g. its session row exists); unready rows wait. Default: all ready. */
  isReady?: (row: T) => boolean;
  /**
   * Called after a failed batch with its rows; returns the rows worth retrying (e.g. drops rows
   * of sessions deleted meanwhile after a foreign-key violation). Default: retry all.
   */
  onWriteError?: (err: unknown, rows: T[]) => Promise<T[]>;
  log?: WriterLog;
}

/** Counters of a {@link BatchWriter}. */
export interface BatchWriterStats {
  /** Rows waiting in memory, the batch being written included. */
  buffered: number;
  /** Rows written. */
  written: number;
  /** Rows dropped because the buffer was full (database unreachable for long). */
  dropped: number;
  /** Batches that failed (each is retried). */
  failedBatches: number;
  /** Batches written. */
  batches: number;
}

/**
 * Buffers rows produced on the live path and writes them in batches (≤ `maxRows` rows or every
 * `maxDelayMs`, one multi-row INSERT each), off the hot path: {@link push} is synchronous, O(1) and
 * never throws or waits. One batch is in flight at a time. A failing write (database down) keeps
 * the rows and retries with exponential backoff (1 s → {@link RETRY_MAX_MS}, or at once on
 * {@link retryNow}); the buffer is bounded and drops the
 * oldest rows when full, counting them and logging at most once a minute — the live session is
 * never blocked and memory stays bounded.
 */
/**
 * Longest wait between retries of a failing batch, ms. Short on purpose: an attempt against a
 * stopped server costs one refused connection, and the rows should flow within seconds of it
 * returning (measured in test/e2e/deps.test.ts).
 */
export const RETRY_MAX_MS = 2000;

export class BatchWriter<T> {
  #buf: T[] = [];
  #timer: NodeJS.Timeout | null = null;
  #inflight: Promise<void> | null = null;
  /** Rows of the batch in flight (out of {@link #buf} until it is written or put back). */
  #inflightRows = 0;
  readonly #backoff = new ExponentialBackoff({ initialMs: 1000, maxMs: RETRY_MAX_MS });
  #retryAt = 0;
  #lastDropLogMs = 0;
  /** When the oldest row not yet taken by a write was pushed (ms epoch; null = none waiting). */
  #waitingSinceMs: number | null = null;
  #closed = false;
  readonly #stats = { written: 0, dropped: 0, failedBatches: 0, batches: 0 };
  readonly #o: Required<Omit<BatchWriterOptions<T>, 'log' | 'isReady' | 'onWriteError'>> & Pick<BatchWriterOptions<T>, 'log' | 'isReady' | 'onWriteError'>;

  /** @param opts see {@link BatchWriterOptions}. */
  constructor(opts: BatchWriterOptions<T>) {
    this.#o = { maxRows: 500, maxDelayMs: 1000, maxBuffered: 100_000, ...opts };
  }

  /** Queues a row (never throws, never blocks). Dropped (and counted) after {@link close}. */
  push(row: T): void {
    if (this.#closed) {
      this.#stats.dropped++;
      return;
    }
    this.#buf.push(row);
    this.#waitingSinceMs ??= Date.now();
    if (this.#buf.length > this.#o.maxBuffered) {
      const over = this.#buf.length - this.#o.maxBuffered;
      this.#buf.splice(0, over);
      this.#stats.dropped += over;
      const now = Date.now();
      if (now - this.#lastDropLogMs > 60_000) {
        this.#lastDropLogMs = now;
        this.#o.log?.warn({ writer: this.#o.name, dropped: this.#stats.dropped }, 'database unreachable for long: dropping oldest buffered rows');
      }
    }
    if (this.#buf.length >= this.#o.maxRows) this.#kick(0);
    else this.#kick(this.#o.maxDelayMs);
  }

  /** Schedules a write soon (call when rows became ready, e.g. their session row now exists). */
  poke(): void {
    if (this.#buf.length > 0) this.#kick(0);
  }

  /**
   * Forgets the backoff and writes ready rows now (call when the database is known to be back, e.g.
   * another write just succeeded).
   */
  retryNow(): void {
    this.#retryAt = 0;
    this.#backoff.reset();
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    this.poke();
  }

  /** The writer's name (e.g. `metric_frames`; metrics label). */
  get name(): string {
    return this.#o.name;
  }

  /** Counters (a snapshot). */
  get stats(): BatchWriterStats {
    return { buffered: this.#buf.length + this.#inflightRows, ...this.#stats };
  }

  /**
   * Writes everything ready now, ignoring backoff, until the buffer holds no ready rows, a write
   * fails, or `timeoutMs` passes.
   * @returns true if no ready rows remain buffered.
   */
  async flush(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    this.#retryAt = 0;
    while (Date.now() < deadline) {
      if (this.#inflight) {
        await this.#inflight;
        continue;
      }
      if (!this.#buf.some((r) => this.#ready(r))) return true;
      const ok = await this.#run();
      if (!ok) return false;
    }
    return !this.#buf.some((r) => this.#ready(r));
  }

  /** Flushes (up to `timeoutMs`) and stops; rows still buffered are dropped and counted. */
  async close(timeoutMs = 5000): Promise<void> {
    await this.flush(timeoutMs).catch(() => false);
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#stats.dropped += this.#buf.length;
    if (this.#buf.length > 0) this.#o.log?.warn({ writer: this.#o.name, rows: this.#buf.length }, 'closing with unwritten rows; dropped');
    this.#buf = [];
  }

  #ready(row: T): boolean {
    return this.#o.isReady ? this.#o.isReady(row) : true;
  }

  #kick(delayMs: number): void {
    if (this.#closed || this.#inflight) return;
    const wait = Math.max(delayMs, this.#retryAt - Date.now());
    if (this.#timer) {
      if (wait > 0) return; // a timer is already pending
      clearTimeout(this.#timer);
    }
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#run().then(() => {
        // Rows pushed while the write ran waited already: they go maxDelayMs after the oldest was
        // pushed, not maxDelayMs after the write (a slow INSERT would add its time to every row's wait).
        const waitedMs = this.#waitingSinceMs === null ? 0 : Date.now() - this.#waitingSinceMs;
        if (this.#buf.length > 0) this.#kick(this.#buf.length >= this.#o.maxRows ? 0 : Math.max(0, this.#o.maxDelayMs - waitedMs));
      });
    }, wait);
    this.#timer.unref?.();
  }

  /** Writes one batch of ready rows. @returns false if the write failed. */
  #run(): Promise<boolean> {
    const batch: T[] = [];
    const rest: T[] = [];
    for (const r of this.#buf) {
      if (batch.length < this.#o.maxRows && this.#ready(r)) batch.push(r);
      else rest.push(r);
    }
    if (batch.length === 0) return Promise.resolve(true);
    this.#buf = rest;
    // Rows left behind (not ready, or beyond maxRows) count as waiting from now on.
    this.#waitingSinceMs = rest.length > 0 ? Date.now() : null;
    this.#inflightRows = batch.length;
    let ok = true;
    const p = (async () => {
      try {
        await this.#o.write(batch);
        this.#inflightRows = 0;
        this.#stats.written += batch.length;
        this.#stats.batches++;
        this.#backoff.reset();
        this.#retryAt = 0;
      } catch (err) {
        ok = false;
        this.#stats.failedBatches++;
        let retry = batch;
        try {
          if (this.#o.onWriteError) retry = await this.#o.onWriteError(err, batch);
        } catch {
          retry = batch;
        }
        this.#inflightRows = 0;
        this.#buf = retry.concat(this.#buf);
        const retryInMs = this.#backoff.next();
        this.#retryAt = Date.now() + retryInMs;
        if (this.#stats.failedBatches === 1 || retryInMs === 1000 || this.#stats.failedBatches % 12 === 0)
          this.#o.log?.warn({ writer: this.#o.name, err: (err as Error)?.message, buffered: this.#buf.length, retryInMs }, 'batch write failed; will retry');
      }
    })();
    this.#inflight = p;
    return p.then(() => {
      this.#inflight = null;
      return ok;
    });
  }
}
