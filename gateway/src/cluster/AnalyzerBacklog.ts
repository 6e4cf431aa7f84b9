import type { StreamMessage } from '../analysis/ChildProcessPool.ts';

/**
 * The analyzer backlog per stream (audio handed to a recogniser but not decoded yet, s), from the
 * voice processes' `stats` messages (every 5 s; analyzers/src/process/protocol.ts). Feeds the load
 * figure and the heartbeat.
 */
export class AnalyzerBacklog {
  readonly #backlogSec = new Map<string, number>();

  /** Takes a pool `stream-message`; ignores anything but `stats`. */
  onStreamMessage(m: StreamMessage): void {
    if (m.type === 'stats' && typeof (m as { asrBacklogSec?: unknown }).asrBacklogSec === 'number')
      this.#backlogSec.set(m.streamId, (m as { asrBacklogSec: number }).asrBacklogSec);
  }

  /** Forgets streams that stopped or were lost. */
  forget(streamIds: Iterable<string>): void {
    for (const id of streamIds) this.#backlogSec.delete(id);
  }

  /** Largest backlog of any stream, s (0 when none). */
  get maxSec(): number {
    let max = 0;
    for (const v of this.#backlogSec.values()) max = Math.max(max, v);
    return max;
  }
}
