import { NUDGE_DISPLAY_MS, NudgeEventSchema, type NudgeEvent } from '@lectern/contract';
import type { SocketStore } from './socket.svelte';

/** Most nudges kept in {@link NudgeStore.history}. */
export const NUDGE_HISTORY_MAX = 20;

/**
 * Live nudges of the room (`coach:nudge`, sent by the server's nudge engine to the room's
 * presenters and coaches; contract/src/nudges.ts). Every message is checked against the contract's
 * `NudgeEventSchema` (an invalid one is dropped with a console warning). `current` is the newest
 * nudge for {@link NUDGE_DISPLAY_MS} after it arrived (then null); `history` the last
 * {@link NUDGE_HISTORY_MAX}, newest first.
 */
export class NudgeStore {
  current = $state.raw<NudgeEvent | null>(null);
  history = $state.raw<NudgeEvent[]>([]);
  /** Nudges accepted since load (for diagnostics). */
  received = 0;

  #timer: ReturnType<typeof setTimeout> | undefined;

  /** @param displayMs how long `current` stays set, ms (default the contract's 6000). */
  constructor(private readonly displayMs = NUDGE_DISPLAY_MS) {}

  /** Ingests one `coach:nudge` payload. @returns whether it was valid. */
  push(payload: unknown): boolean {
    const r = NudgeEventSchema.safeParse(payload);
    if (!r.success) {
      console.warn('[lectern] ignored an invalid coach:nudge', r.error.issues);
      return false;
    }
    const n = r.data;
    if (this.history.some((h) => h.nudgeId === n.nudgeId)) return true;
    this.received += 1;
    // A new session starts the list over.
    const kept = this.history.filter((h) => h.sessionId === n.sessionId);
    this.history = [n, ...kept].slice(0, NUDGE_HISTORY_MAX);
    this.current = n;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => (this.current = null), this.displayMs);
    return true;
  }

  /** Forgets everything (a new rehearsal). */
  clear(): void {
    clearTimeout(this.#timer);
    this.current = null;
    this.history = [];
  }

  /** Subscribes to `coach:nudge`; returns the unsubscribe function (which also stops the timer). */
  attach(socket: SocketStore): () => void {
    const off = socket.on('coach:nudge', (n) => this.push(n));
    return () => {
      off();
      clearTimeout(this.#timer);
    };
  }
}
