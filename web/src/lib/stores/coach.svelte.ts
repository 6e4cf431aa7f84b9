import type { Device } from 'mediasoup-client';
import type * as ms from 'mediasoup-client/types';
import {
  ErrorCode,
  type CommentAddResponse,
  type CueSendResponse,
  type ErrorBody,
  type JoinResponse,
  type PeerInfo,
  type ProducerInfo,
} from '@lectern/contract';
import { LecternError } from '#lib/errors.ts';
import { loadDevice, openTransport } from '#lib/webrtc.ts';
import type { MetricsStore } from './metrics.svelte';
import type { SocketStore } from './socket.svelte';

/**
 * Remote coach lifecycle (also `window.__lectern.state` on /coach):
 * - `idle`: nothing started.
 * - `connecting`: waiting for the Socket.IO connection.
 * - `joining`: joining the room as `coach` and creating the receive transport.
 * - `waiting`: in the room, but no presenter is publishing yet.
 * - `live`: receiving the presenter's media (metrics flow).
 * - `reconnecting`: the socket dropped; re-joins automatically when it is back.
 * - `error`: a step failed (see `error`); `start()` again to retry.
 * - `stopped`: `stop()` was called.
 */
export type CoachState = 'idle' | 'connecting' | 'joining' | 'waiting' | 'live' | 'reconnecting' | 'error' | 'stopped';

class Aborted extends Error {}

/**
 * The coach's side of a room: joins as `coach` (publishes nothing), consumes the presenter's audio
 * and video producers on one receive transport (`stream`), follows the presenter's audio producer
 * in `metrics` (and exposes `audioProducerId` / `videoProducerId` for the language and body stores),
 * and sends cues (`sendCue`) and comments (`addComment`). Re-joins after a socket reconnect.
 */
export class CoachSession {
  state = $state<CoachState>('idle');
  /** The error that stopped the session, with a stable code. */
  error = $state.raw<LecternError | null>(null);
  roomId = $state('');
  peerId = $state<string | null>(null);
  /** Everyone else in the room. */
  peers = $state.raw<PeerInfo[]>([]);
  /** The presenter being watched (the first presenter with a producer), or null. */
  presenter = $state.raw<PeerInfo | null>(null);
  /** Audio + video tracks received from the presenter (null before the first consumer). */
  stream = $state.raw<MediaStream | null>(null);
  audioProducerId = $state<string | null>(null);
  videoProducerId = $state<string | null>(null);

  #socket: SocketStore;
  #metrics: MetricsStore;
  #displayName = 'Coach';
  #generation = 0;
  #device: Device | null = null;
  #transport: ms.Transport | null = null;
  #consumers = new Map<string, ms.Consumer>(); // by producer id
  #producers = new Map<string, ProducerInfo>(); // every producer in the room
  #offs: (() => void)[] = [];

  constructor(socket: SocketStore, metrics: MetricsStore) {
    this.#socket = socket;
    this.#metrics = metrics;
  }

  /** Subscribes to socket events; call once and call the result to detach. */
  attach(): () => void {
    this.#offs.push(
      this.#metrics.attach(this.#socket),
      this.#socket.on('room:peer-joined', (p) => (this.peers = [...this.peers.filter((x) => x.peerId !== p.peerId), p])),
      this.#socket.on('room:peer-left', (p) => this.#peerLeft(p.peerId)),
      this.#socket.on('room:producer-added', (p) => this.#producerAdded(p)),
      this.#socket.on('room:producer-closed', (p) => this.#producerClosed(p.producerId)),
      this.#socket.on('room:error', (e) => this.#onRoomError(e)),
      this.#socket.onDisconnect(() => this.#onSocketDown()),
      this.#socket.onConnect(() => this.#onSocketUp()),
    );
    return () => {
      for (const off of this.#offs.splice(0)) off();
    };
  }

  get active(): boolean {
    return !['idle', 'error', 'stopped'].includes(this.state);
  }

  /** Connects and joins `roomId` as coach. Never throws: see `state` / `error`. */
  async start(roomId: string, displayName = 'Coach'): Promise<void> {
    const gen = ++this.#generation;
    this.#closeMedia();
    this.roomId = roomId;
    this.#displayName = displayName;
    this.error = null;
    try {
      this.state = 'connecting';
      this.#socket.connect();
      await this.#socket.whenConnected();
      this.#check(gen);
      await this.#join(gen);
    } catch (err) {
      this.#fail(gen, err);
    }
  }

  /** Leaves the room and disconnects. */
  async stop(): Promise<void> {
    this.#generation++;
    const joined = this.peerId !== null && this.#socket.connected;
    this.#closeMedia();
    this.state = 'stopped';
    if (joined) await this.#socket.request('room:leave', {}, { timeoutMs: 2_000 }).catch(() => undefined);
    this.#socket.disconnect();
  }

  /**
   * Sends a cue (1–80 characters) to the presenter's page.
   * @throws LecternError FORBIDDEN / RATE_LIMITED (≤ 1 per second) / NOT_FOUND (no presenter) /
   *   BAD_REQUEST / NOT_CONNECTED, with the server's message.
   */
  sendCue(text: string): Promise<CueSendResponse> {
    return this.#socket.request('cue:send', { text });
  }

  /**
   * Stores a comment (1–500 characters) at the session's current media time.
   * @throws LecternError NOT_FOUND (no live session) / RATE_LIMITED / BAD_REQUEST / NOT_CONNECTED.
   */
  addComment(text: string): Promise<CommentAddResponse> {
    return this.#socket.request('comment:add', { text });
  }

  async #join(gen: number): Promise<void> {
    this.state = 'joining';
    const joined: JoinResponse = await this.#socket.request('room:join', { roomId: this.roomId, role: 'coach', displayName: this.#displayName });
    this.#check(gen);
    this.peerId = joined.peerId;
    this.peers = joined.peers;
    const device = await loadDevice(joined.routerRtpCapabilities);
    this.#check(gen);
    this.#device = device;
    const transport = await openTransport(this.#socket, device, 'recv');
    if (gen !== this.#generation) transport.close(); // stopped meanwhile: #check throws below
    this.#check(gen);
    this.#transport = transport;
    this.#producers.clear();
    for (const p of joined.producers) this.#producers.set(p.producerId, p);
    this.#refresh();
    await Promise.all(joined.producers.map((p) => this.#consume(gen, p)));
  }

  /** Consumes a presenter producer (others are ignored) and adds its track to `stream`. */
  async #consume(gen: number, p: ProducerInfo): Promise<void> {
    const device = this.#device;
    const transport = this.#transport;
    if (!device || !transport || this.#consumers.has(p.producerId)) return;
    if (this.peers.find((x) => x.peerId === p.peerId)?.role !== 'presenter') return;
    try {
      const c = await this.#socket.request('consumer:create', {
        transportId: transport.id,
        producerId: p.producerId,
        rtpCapabilities: device.recvRtpCapabilities as unknown as Record<string, unknown>,
      });
      this.#check(gen);
      const consumer = await transport.consume({
        id: c.consumerId,
        producerId: c.producerId,
        kind: c.kind,
        rtpParameters: c.rtpParameters as unknown as ms.RtpParameters,
      });
      if (gen !== this.#generation) {
        consumer.close();
        return;
      }
      this.#consumers.set(p.producerId, consumer);
      await this.#socket.request('consumer:resume', { consumerId: c.consumerId });
      this.#refresh();
    } catch (err) {
      if (err instanceof Aborted || gen !== this.#generation) return;
      // The producer may have closed meanwhile; anything else is worth showing.
      if (err instanceof LecternError && err.code === ErrorCode.NotFound) return;
      this.#fail(gen, err);
    }
  }

  #producerAdded(p: ProducerInfo): void {
    this.#producers.set(p.producerId, p);
    this.#refresh();
    if (this.state === 'waiting' || this.state === 'live') void this.#consume(this.#generation, p);
  }

  #producerClosed(producerId: string): void {
    this.#producers.delete(producerId);
    this.#consumers.get(producerId)?.close();
    this.#consumers.delete(producerId);
    this.#refresh();
  }

  #peerLeft(peerId: string): void {
    this.peers = this.peers.filter((x) => x.peerId !== peerId);
    for (const [id, p] of this.#producers) if (p.peerId === peerId) this.#producerClosed(id);
    this.#refresh();
  }

  /** Recomputes presenter, producer ids, `stream` and `state` (waiting ↔ live). */
  #refresh(): void {
    const presenterPeers = this.peers.filter((p) => p.role === 'presenter');
    const withMedia = presenterPeers.find((p) => [...this.#producers.values()].some((x) => x.peerId === p.peerId));
    this.presenter = withMedia ?? presenterPeers[0] ?? null;
    const mine = [...this.#producers.values()].filter((x) => x.peerId === this.presenter?.peerId);
    const audio = mine.find((x) => x.kind === 'audio')?.producerId ?? null;
    const video = mine.find((x) => x.kind === 'video')?.producerId ?? null;
    if (audio !== this.audioProducerId) {
      this.audioProducerId = audio;
      if (audio) this.#metrics.follow(audio);
    }
    this.videoProducerId = video;
    const tracks = mine.map((x) => this.#consumers.get(x.producerId)?.track).filter((t): t is MediaStreamTrack => !!t);
    const current = this.stream?.getTracks() ?? [];
    if (tracks.length !== current.length || tracks.some((t) => !current.includes(t))) this.stream = tracks.length ? new MediaStream(tracks) : null;
    if (this.state === 'joining' || this.state === 'waiting' || this.state === 'live') this.state = mine.length > 0 ? 'live' : 'waiting';
  }

  #onRoomError(e: ErrorBody): void {
    if (e.code === ErrorCode.WorkerDied && this.active) {
      // The room was reset: join again (the presenter will re-join too).
      const gen = ++this.#generation;
      this.#closeMedia();
      this.#join(gen).catch((err) => this.#fail(gen, err));
    }
  }

  #onSocketDown(): void {
    if (!this.active) return;
    this.#generation++;
    this.#closeMedia();
    if (this.#socket.state === 'reconnecting') this.state = 'reconnecting';
    else {
      this.state = 'error';
      this.error = this.#socket.error ?? new LecternError('NOT_CONNECTED', 'The server closed the connection.');
    }
  }

  #onSocketUp(): void {
    if (this.state !== 'reconnecting') return;
    const gen = ++this.#generation;
    this.#join(gen).catch((err) => this.#fail(gen, err));
  }

  #check(gen: number): void {
    if (gen !== this.#generation) throw new Aborted();
  }

  #fail(gen: number, err: unknown): void {
    if (err instanceof Aborted || gen !== this.#generation) return;
    this.#closeMedia();
    this.state = 'error';
    this.error = LecternError.from(err);
  }

  #closeMedia(): void {
    for (const c of this.#consumers.values()) c.close();
    this.#consumers.clear();
    this.#producers.clear();
    this.#transport?.close();
    this.#transport = null;
    this.#device = null;
    this.peerId = null;
    this.presenter = null;
    this.stream = null;
    this.audioProducerId = null;
    this.videoProducerId = null;
  }
}
