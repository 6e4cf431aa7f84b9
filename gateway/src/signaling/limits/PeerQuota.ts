import { ErrorCode } from '@lectern/contract';
import { SignalingError } from '../SignalingError.ts';

/** What a peer holds on the SFU. */
export type PeerResource = 'transport' | 'producer' | 'consumer';

/** Most of each {@link PeerResource} one peer may hold at once. */
export type PeerQuotaLimits = Record<PeerResource, number>;

/**
 * Counts the transports, producers and consumers one joined peer holds (made through signaling,
 * released when mediasoup closes them) against the per-peer limits (`LECTERN_MAX_TRANSPORTS_PER_PEER`,
 * `…_PRODUCERS_…`, `…_CONSUMERS_…`). One instance per join: leaving the room closes everything.
 */
export class PeerQuota {
  readonly #held: Record<PeerResource, Set<string>> = { transport: new Set(), producer: new Set(), consumer: new Set() };

  constructor(readonly limits: PeerQuotaLimits) {}

  /**
   * Reserves room for one more `kind` before it is created.
   * @throws SignalingError QUOTA_EXCEEDED naming the limit when the peer already holds the most allowed.
   */
  admit(kind: PeerResource): void {
    const max = this.limits[kind];
    if (this.#held[kind].size >= max)
      throw new SignalingError(ErrorCode.QuotaExceeded, `at most ${max} ${kind}s per peer on this server; close one before making another`);
  }

  /** Counts a created `kind` until its mediasoup `observer` emits `close`. */
  track(kind: PeerResource, id: string, observer: { once(event: 'close', fn: () => void): unknown }): void {
    this.#held[kind].add(id);
    observer.once('close', () => this.#held[kind].delete(id));
  }

  /** How many of `kind` the peer holds now. */
  count(kind: PeerResource): number {
    return this.#held[kind].size;
  }
}
