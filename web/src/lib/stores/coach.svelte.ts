import type * as ms from 'mediasoup-client/types';
import {
  ErrorCode,
  type CommentAddResponse,
  type CueSendResponse,
  type ErrorBody,
  type PeerInfo,
  type ProducerInfo,
} from '@lectern/contract';
import { LecternError } from '#lib/errors.ts';
import { IceRestarter } from '#lib/IceRestarter.ts';
import type { MetricsStore } from './metrics.svelte';
import { presenterMedia, removePeer } from './roomPeers.ts';
import { Aborted, LiveSession, type GrantSource } from './session.svelte.ts';
import type { SocketStore } from './socket.svelte';

/**
 * Remote coach lifecycle (also `window.__lectern.state` on /coach):
 * - `idle`: nothing started.
 * - `connecting`: waiting for the Socket.IO connection.
 * - `joining`: joining the room as `coach` (following `WRONG_NODE` redirects) and creating the receive transport.
 * - `busy`: every server is at capacity (`CAPACITY`); joins again by itself at `capacity.retryAt`.
 * - `waiting`: in the room, but no presenter is publishing yet.
 * - `live`: receiving the presenter's media (metrics flow).
 * - `reconnecting`: the socket dropped; re-joins automatically when it is back.
 * - `error`: a step failed (see `error`); `start()` again to retry.
 * - `stopped`: `stop()` was called.
 */
export type CoachState = 'idle' | 'connecting' | 'joining' | 'busy' | 'waiting' | 'live' | 'reconnecting' | 'error' | 'stopped';

/**
 * The coach's side of a room: joins as `coach` (publishes nothing), consumes the presenter's audio
 * and video producers on one receive transport (`stream`), follows the presenter's audio producer
 * in `metrics` (and exposes `audioProducerId` / `videoProducerId` for the language and body stores),
 * and sends cues (`sendCue`) and comments (`addComment`). Re-joins after a socket reconnect.
 */
export class CoachSession extends LiveSession<CoachState> {
  /** The presenter being watched (the first presenter with a producer), or null. */
  presenter = $state.raw<PeerInfo | null>(null);
  /** True while the receive transport's connection is lost and ICE restarts are being tried ("Reconnecting media…"). */
  mediaReconnecting = $state(false);
  /** The ICE-restart watch of the current receive transport. */
  iceRestarter: IceRestarter | null = null;

  #consumers = new Map<string, ms.Consumer>(); // by producer id
  #producers = new Map<string, ProducerInfo>(); // every producer in the room

  constructor(socket: SocketStore, metrics: MetricsStore) {
    super(socket, metrics, 'coach', 'Coach');
  }

  /**
   * Connects and joins `roomId` with a coach (or viewer) grant from `grant`. Never throws: see
   * `state` / `error`.
   */
  async start(roomId: string, displayName: string, grant: GrantSource, onGrantRefused?: (roomId: string) => void): Promise<void> {
    const gen = ++this.generation;
    this.grantSource = grant;
    this.grantRefused = onGrantRefused ?? null;
    this.closeMedia();
    this.roomId = roomId;
    this.displayName = displayName;
    this.error = null;
    this.resetAdmission();
    try {
      await this.connectAndJoin(gen);
    } catch (err) {
      this.fail(gen, err);
    }
  }

  /**
   * Sends a cue (1–80 characters) to the presenter's page.
   * @throws LecternError FORBIDDEN / RATE_LIMITED (≤ 1 per second) / NOT_FOUND (no presenter) /
   *   BAD_REQUEST / NOT_CONNECTED, with the server's message.
   */
  sendCue(text: string): Promise<CueSendResponse> {
    return this.socket.request('cue:send', { text });
  }

  /**
   * Stores a comment (1–500 characters) at the session's current media time.
   * @throws LecternError NOT_FOUND (no live session) / RATE_LIMITED / BAD_REQUEST / NOT_CONNECTED.
   */
  addComment(text: string): Promise<CommentAddResponse> {
    return this.socket.request('comment:add', { text });
  }

  protected override subscribe(): (() => void)[] {
    return [
      this.socket.on('room:producer-added', (p) => this.#producerAdded(p)),
      this.socket.on('room:producer-closed', (p) => this.#producerClosed(p.producerId)),
    ];
  }

  protected async join(gen: number): Promise<void> {
    this.state = 'joining';
    // Producers announced while this join is under way (the presenter re-joining at the same
    // moment, e.g. after a media-server restart) are kept: the join's list is only a snapshot.
    this.#producers.clear();
    const { joined, transport } = await this.joinAndOpenTransport(gen);
    // A lost connection (outage, network change) is restarted with ICE restarts until it is back.
    this.iceRestarter = new IceRestarter(transport, {
      requestRestart: async (transportId) => (await this.socket.request('transport:restartIce', { transportId }, { timeoutMs: 8_000 })).iceParameters,
      onReconnecting: (on) => {
        if (this.transport === transport) this.mediaReconnecting = on;
      },
    });
    for (const p of joined.producers) this.#producers.set(p.producerId, p);
    this.#refresh();
    await Promise.all([...this.#producers.values()].map((p) => this.#consume(gen, p)));
  }

  /** Consumes a presenter producer (others are ignored) and adds its track to `stream`. */
  async #consume(gen: number, p: ProducerInfo): Promise<void> {
    const device = this.device;
    const transport = this.transport;
    if (!device || !transport || this.#consumers.has(p.producerId)) return;
    if (this.peers.find((x) => x.peerId === p.peerId)?.role !== 'presenter') return;
    try {
      const c = await this.socket.request('consumer:create', {
        transportId: transport.id,
        producerId: p.producerId,
        rtpCapabilities: device.recvRtpCapabilities,
      });
      this.check(gen);
      const consumer = await transport.consume({
        id: c.consumerId,
        producerId: c.producerId,
        kind: c.kind,
        rtpParameters: c.rtpParameters,
      });
      if (gen !== this.generation) {
        consumer.close();
        return;
      }
      this.#consumers.set(p.producerId, consumer);
      await this.socket.request('consumer:resume', { consumerId: c.consumerId });
      this.#refresh();
    } catch (err) {
      if (err instanceof Aborted || gen !== this.generation) return;
      // The producer may have closed meanwhile; anything else is worth showing.
      if (err instanceof LecternError && err.code === ErrorCode.NotFound) return;
      this.fail(gen, err);
    }
  }

  #producerAdded(p: ProducerInfo): void {
    this.#producers.set(p.producerId, p);
    this.#refresh();
    if (this.state === 'waiting' || this.state === 'live') void this.#consume(this.generation, p);
  }

  #producerClosed(producerId: string): void {
    this.#producers.delete(producerId);
    this.#consumers.get(producerId)?.close();
    this.#consumers.delete(producerId);
    this.#refresh();
  }

  protected override peerLeft(peerId: string): void {
    this.peers = removePeer(this.peers, peerId);
    for (const [id, p] of this.#producers) if (p.peerId === peerId) this.#producerClosed(id);
    this.#refresh();
  }

  /** Recomputes presenter, producer ids, `stream` and `state` (waiting ↔ live). */
  #refresh(): void {
    const media = presenterMedia(this.peers, this.#producers.values());
    this.presenter = media.presenter;
    if (media.audioProducerId !== this.audioProducerId) {
      this.audioProducerId = media.audioProducerId;
      if (media.audioProducerId) this.metrics.follow(media.audioProducerId);
    }
    this.videoProducerId = media.videoProducerId;
    const tracks = media.producers.map((x) => this.#consumers.get(x.producerId)?.track).filter((t): t is MediaStreamTrack => !!t);
    const current = this.stream?.getTracks() ?? [];
    if (tracks.length !== current.length || tracks.some((t) => !current.includes(t))) this.stream = tracks.length ? new MediaStream(tracks) : null;
    if (this.state === 'joining' || this.state === 'waiting' || this.state === 'live') this.state = media.producers.length > 0 ? 'live' : 'waiting';
  }

  protected roomError(e: ErrorBody): void {
    if (e.code === ErrorCode.WorkerDied && this.active) {
      // The room was reset: join again (the presenter will re-join too).
      const gen = ++this.generation;
      this.closeMedia();
      this.join(gen).catch((err) => this.fail(gen, err));
    }
  }

  protected override closeMedia(): void {
    for (const c of this.#consumers.values()) c.close();
    this.#consumers.clear();
    this.#producers.clear();
    this.iceRestarter?.stop();
    this.iceRestarter = null;
    this.mediaReconnecting = false;
    super.closeMedia();
    this.presenter = null;
    this.stream = null;
  }
}
