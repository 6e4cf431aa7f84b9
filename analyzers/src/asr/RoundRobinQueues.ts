/**
 * Per-key FIFO queues served round-robin: {@link shift} takes the oldest job of the next key in
 * turn, so a key with a long backlog gets one job per round like every other key instead of
 * making the others wait behind it (as one shared FIFO would). Used by the ASR worker thread with
 * one key per stream. Not thread-safe (one event loop).
 * @typeParam J job type.
 */
export class RoundRobinQueues<J> {
  /** Queues by key, in round-robin order (Map keeps insertion order; a served key moves to the end). */
  readonly #queues = new Map<number, J[]>();
  #size = 0;

  /** Jobs queued over all keys (≥ 0). */
  get size(): number {
    return this.#size;
  }

  /**
   * Appends a job to the queue of `key`.
   * @param key e.g. a stream id.
   * @param job the job.
   */
  push(key: number, job: J): void {
    const q = this.#queues.get(key);
    if (q) q.push(job);
    else this.#queues.set(key, [job]);
    this.#size++;
  }

  /**
   * Removes and returns the oldest job of the key whose turn it is, then moves that key to the end
   * of the rotation (or drops it when its queue is empty).
   * @returns the key and job, or undefined when nothing is queued.
   */
  shift(): { key: number; job: J } | undefined {
    for (const [key, q] of this.#queues) {
      this.#queues.delete(key);
      const job = q.shift();
      if (job === undefined) continue;
      if (q.length > 0) this.#queues.set(key, q);
      this.#size--;
      return { key, job };
    }
    return undefined;
  }

  /** Jobs queued for `key` (0 for an unknown key). */
  queued(key: number): number {
    return this.#queues.get(key)?.length ?? 0;
  }
}
