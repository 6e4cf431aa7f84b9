import { ExponentialBackoff } from '@lectern/contract';
import type * as ms from 'mediasoup-client/types';

/** The part of a mediasoup-client Transport the restarter uses (a real one in the app; a fake in unit tests). */
export type RestartableTransport = Pick<ms.Transport, 'id' | 'closed' | 'connectionState' | 'on' | 'off' | 'restartIce'> & {
  observer: Pick<ms.Transport['observer'], 'once'>;
};

/** Options of {@link IceRestarter}. */
export interface IceRestarterOptions {
  /**
   * Asks the server for new ICE credentials of the transport (`transport:restartIce`).
   * @throws anything on failure or timeout (the restarter retries).
   */
  requestRestart: (transportId: string) => Promise<ms.IceParameters>;
  /** How long the connection may stay `disconnected` before a restart, ms (default 2000; `failed` restarts at once). */
  disconnectedGraceMs?: number;
  /** Waits between restart attempts while the connection stays down, ms (default 1 s doubling to 4 s). */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** Give up after the connection has been down this long, ms (default 60 000). */
  giveUpMs?: number;
  /** Called with `true` when a connected transport loses its connection, `false` when it is back. */
  onReconnecting?: (reconnecting: boolean) => void;
  /** Called once when {@link IceRestarterOptions.giveUpMs} has passed without a connection. */
  onGiveUp?: () => void;
  /** Clock, ms (default `Date.now`; tests pass a fake). */
  now?: () => number;
}

/**
 * Keeps a mediasoup-client transport connected through network outages with ICE restarts: when
 * its connection state is `disconnected` for more than `disconnectedGraceMs` (or `failed`), it
 * asks the server for new ICE parameters and applies them with `transport.restartIce()`, again
 * with backoff (1 s → 4 s) while the connection stays down, until it is `connected` again or
 * `giveUpMs` has passed. Only a transport that was connected once is restarted (one that never
 * connected is a firewall problem a restart does not fix). Stops by itself when the transport
 * closes. Parameters that arrive after the connection came back are still applied: the server has
 * already switched to them.
 */
export class IceRestarter {
  /** ICE restarts applied so far. */
  restarts = 0;
  /** Failed restart requests so far (timeouts, errors). */
  failedRequests = 0;
  readonly #transport: RestartableTransport;
  readonly #opts: Required<Omit<IceRestarterOptions, 'onReconnecting' | 'onGiveUp'>> & Pick<IceRestarterOptions, 'onReconnecting' | 'onGiveUp'>;
  readonly #backoff: ExponentialBackoff;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #wasConnected = false;
  /** When the connection was lost (ms on `now`), null while connected. */
  #lostAtMs: number | null = null;
  #attempting = false;
  #stopped = false;
  readonly #onState = (state: ms.ConnectionState) => this.#stateChanged(state);

  constructor(transport: RestartableTransport, options: IceRestarterOptions) {
    this.#transport = transport;
    this.#opts = {
      disconnectedGraceMs: 2_000,
      retryInitialMs: 1_000,
      retryMaxMs: 4_000,
      giveUpMs: 60_000,
      now: Date.now,
      ...options,
    };
    this.#backoff = new ExponentialBackoff({ initialMs: this.#opts.retryInitialMs, maxMs: this.#opts.retryMaxMs });
    transport.on('connectionstatechange', this.#onState);
    transport.observer.once('close', () => this.stop());
    if (transport.connectionState === 'connected') this.#wasConnected = true;
  }

  /** True while the connection is lost and restarts are being tried. */
  get reconnecting(): boolean {
    return this.#lostAtMs !== null;
  }

  /** Stops watching (idempotent); called by itself when the transport closes. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#transport.off('connectionstatechange', this.#onState);
  }

  #stateChanged(state: ms.ConnectionState): void {
    if (this.#stopped) return;
    if (state === 'connected') {
      this.#wasConnected = true;
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#backoff.reset();
      if (this.#lostAtMs !== null) {
        this.#lostAtMs = null;
        this.#opts.onReconnecting?.(false);
      }
      return;
    }
    if (state === 'closed') return this.stop();
    if (!this.#wasConnected || (state !== 'disconnected' && state !== 'failed')) return;
    if (this.#lostAtMs === null) {
      this.#lostAtMs = this.#opts.now();
      this.#opts.onReconnecting?.(true);
    }
    if (state === 'failed') this.#schedule(0);
    else if (this.#timer === undefined && !this.#attempting) this.#schedule(this.#opts.disconnectedGraceMs);
  }

  #schedule(delayMs: number): void {
    if (this.#stopped || this.#attempting) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#attempt();
    }, delayMs);
  }

  async #attempt(): Promise<void> {
    if (this.#stopped || this.#lostAtMs === null || this.#attempting) return;
    if (this.#opts.now() - this.#lostAtMs >= this.#opts.giveUpMs) {
      this.stop();
      this.#opts.onGiveUp?.();
      return;
    }
    this.#attempting = true;
    try {
      const iceParameters = await this.#opts.requestRestart(this.#transport.id);
      if (this.#stopped || this.#transport.closed) return;
      await this.#transport.restartIce({ iceParameters });
      this.restarts++;
    } catch {
      this.failedRequests++;
    } finally {
      this.#attempting = false;
    }
    // Still down (or down again): try once more after the backoff.
    if (!this.#stopped && this.#lostAtMs !== null) this.#schedule(this.#backoff.next());
  }
}
