import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import { ErrorCode } from '@lectern/contract';
import { SfuError } from './SfuError.ts';
import type { RtpTap, RtpTapTarget } from './SfuTypes.ts';

/** Per-peer media objects; every lookup checks ownership so a peer can't touch another's objects. */
interface PeerMedia {
  transports: Map<string, types.WebRtcTransport>;
  producers: Map<string, types.Producer>;
  consumers: Map<string, types.Consumer>;
}

/** Events emitted by {@link Room}. */
export interface RoomEvents {
  /** A peer started producing (audio or video). */
  produceradded: [info: { producer: types.Producer; peerId: string }];
  /** A producer closed (peer stopped it, left, or its transport closed). */
  producerclosed: [info: { producerId: string; peerId: string }];
  /** The room closed; all its media objects are gone. */
  close: [];
}

/** Options of {@link Room.createWebRtcTransport}. */
export interface WebRtcListenOptions {
  listenIp: string;
  announcedAddress?: string;
}

/**
 * One rehearsal room: a mediasoup Router on one worker, its peers' WebRTC transports, producers
 * and consumers, and plain RTP taps that feed analyzers and recorders.
 *
 * All methods that take ids throw {@link SfuError} `NOT_FOUND` for unknown or foreign ids and
 * `MEDIA_ERROR` when mediasoup rejects parameters.
 */
export class Room extends EventEmitter<RoomEvents> {
  readonly #peers = new Map<string, PeerMedia>();
  readonly #taps = new Set<RtpTap>();
  #closed = false;

  constructor(
    /** Room name (contract RoomIdSchema). */
    readonly id: string,
    /** The mediasoup router of this room. */
    readonly router: types.Router,
    /** PID of the worker hosting the router. */
    readonly workerPid: number,
    private readonly listen: WebRtcListenOptions,
  ) {
    super();
    router.observer.once('close', () => this.close());
  }

  /** True once {@link close} ran (explicitly or because the worker/router died). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Number of peers currently in the room. */
  get peerCount(): number {
    return this.#peers.size;
  }

  /** Number of WebRTC consumers of the room's peers (RTP taps not included), for metrics. */
  get consumerCount(): number {
    let n = 0;
    for (const peer of this.#peers.values()) n += peer.consumers.size;
    return n;
  }

  /** mediasoup RtpCapabilities of the router, for `Device.load()`. */
  get rtpCapabilities(): types.RtpCapabilities {
    return this.router.rtpCapabilities;
  }

  /** Registers a peer (idempotent). */
  addPeer(peerId: string): void {
    this.#assertOpen();
    if (!this.#peers.has(peerId))
      this.#peers.set(peerId, { transports: new Map(), producers: new Map(), consumers: new Map() });
  }

  /** Removes a peer and closes all its transports (and so its producers and consumers). */
  removePeer(peerId: string): void {
    const peer = this.#peers.get(peerId);
    if (!peer) return;
    this.#peers.delete(peerId);
    for (const t of peer.transports.values()) t.close();
  }

  /** All producers in the room with their owners. */
  listProducers(): { producer: types.Producer; peerId: string }[] {
    const out: { producer: types.Producer; peerId: string }[] = [];
    for (const [peerId, peer] of this.#peers)
      for (const producer of peer.producers.values()) out.push({ producer, peerId });
    return out;
  }

  /** Creates a WebRTC transport (UDP preferred, TCP allowed) for `peerId`. */
  async createWebRtcTransport(peerId: string): Promise<types.WebRtcTransport> {
    const peer = this.#peer(peerId);
    const { listenIp, announcedAddress } = this.listen;
    const transport = await this.#media(() =>
      this.router.createWebRtcTransport({
        listenInfos: [
          { protocol: 'udp', ip: listenIp, ...(announcedAddress ? { announcedAddress } : {}) },
          { protocol: 'tcp', ip: listenIp, ...(announcedAddress ? { announcedAddress } : {}) },
        ],
        preferUdp: true,
        initialAvailableOutgoingBitrate: 1_000_000,
      }),
    );
    peer.transports.set(transport.id, transport);
    transport.observer.once('close', () => peer.transports.delete(transport.id));
    return transport;
  }

  /** Completes DTLS setup of a peer's transport. */
  async connectTransport(peerId: string, transportId: string, dtlsParameters: unknown): Promise<void> {
    const transport = this.#transport(peerId, transportId);
    await this.#media(() => transport.connect({ dtlsParameters: dtlsParameters as types.DtlsParameters }));
  }

  /**
   * Restarts ICE on a peer's transport (mediasoup `WebRtcTransport.restartIce()`): new ICE
   * username fragment and password, which the client applies with `transport.restartIce()`. Used
   * when the client lost its ICE connection (network change, outage).
   * @returns the new ICE parameters.
   * @throws SfuError NOT_FOUND for an unknown peer or transport.
   */
  async restartIce(peerId: string, transportId: string): Promise<types.IceParameters> {
    const transport = this.#transport(peerId, transportId);
    return this.#media(() => transport.restartIce());
  }

  /** Starts receiving a peer's track; emits `produceradded`. */
  async produce(
    peerId: string,
    transportId: string,
    kind: types.MediaKind,
    rtpParameters: unknown,
    appData: Record<string, unknown> = {},
  ): Promise<types.Producer> {
    const transport = this.#transport(peerId, transportId);
    const peer = this.#peer(peerId);
    const producer = await this.#media(() =>
      transport.produce({ kind, rtpParameters: rtpParameters as types.RtpParameters, appData }),
    );
    peer.producers.set(producer.id, producer);
    producer.observer.once('close', () => {
      peer.producers.delete(producer.id);
      this.emit('producerclosed', { producerId: producer.id, peerId });
    });
    this.emit('produceradded', { producer, peerId });
    return producer;
  }

  /** Closes one of the peer's producers. */
  closeProducer(peerId: string, producerId: string): void {
    const producer = this.#peer(peerId).producers.get(producerId);
    if (!producer) throw new SfuError(ErrorCode.NotFound, `producer ${producerId} not found`);
    producer.close();
  }

  /**
   * Creates a consumer (paused; call {@link resumeConsumer} once the client has set it up, as
   * mediasoup recommends) of any producer in the room, on the peer's receive transport.
   * @throws SfuError MEDIA_ERROR if the peer's RTP capabilities can't receive the producer's codec.
   */
  async consume(
    peerId: string,
    transportId: string,
    producerId: string,
    rtpCapabilities: unknown,
  ): Promise<types.Consumer> {
    const transport = this.#transport(peerId, transportId);
    const peer = this.#peer(peerId);
    const caps = rtpCapabilities as types.RtpCapabilities;
    if (!this.listProducers().some((p) => p.producer.id === producerId))
      throw new SfuError(ErrorCode.NotFound, `producer ${producerId} not found in room ${this.id}`);
    if (!this.router.canConsume({ producerId, rtpCapabilities: caps }))
      throw new SfuError(ErrorCode.MediaError, 'your device cannot receive this producer (codec mismatch)');
    const consumer = await this.#media(() => transport.consume({ producerId, rtpCapabilities: caps, paused: true }));
    peer.consumers.set(consumer.id, consumer);
    consumer.observer.once('close', () => peer.consumers.delete(consumer.id));
    return consumer;
  }

  /** Resumes a paused consumer of the peer. */
  async resumeConsumer(peerId: string, consumerId: string): Promise<void> {
    const consumer = this.#peer(peerId).consumers.get(consumerId);
    if (!consumer) throw new SfuError(ErrorCode.NotFound, `consumer ${consumerId} not found`);
    await this.#media(() => consumer.resume());
  }

  /**
   * Sends a producer's RTP to a UDP endpoint (analyzer or recorder) through a PlainTransport with
   * RTCP muxed on the same port (RFC 5761) and no comedia. The consumer is created first so that
   * `resolveTarget` learns the negotiated payload type and SSRC before it names the endpoint (the
   * analyzer binds its socket for exactly that stream); media flows once this resolves. For video,
   * call `consumer.requestKeyFrame()` when the decoder starts — mediasoup sends the browser a PLI.
   * @throws SfuError MEDIA_ERROR if mediasoup rejects the tap; errors from `resolveTarget` propagate.
   */
  async createRtpTap(
    producerId: string,
    resolveTarget: (info: Omit<RtpTap, 'transport' | 'consumer' | 'close'>) => Promise<RtpTapTarget>,
  ): Promise<RtpTap> {
    this.#assertOpen();
    const transport = await this.#media(() =>
      this.router.createPlainTransport({
        listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
        rtcpMux: true,
        comedia: false,
      }),
    );
    try {
      const consumer = await this.#media(() =>
        transport.consume({ producerId, rtpCapabilities: this.router.rtpCapabilities, paused: true }),
      );
      const codec = consumer.rtpParameters.codecs[0];
      const encoding = consumer.rtpParameters.encodings?.[0];
      if (!codec || encoding?.ssrc === undefined)
        throw new SfuError(ErrorCode.MediaError, 'tap consumer has no codec/SSRC');
      const info = {
        payloadType: codec.payloadType,
        ssrc: encoding.ssrc,
        mimeType: codec.mimeType,
        clockRate: codec.clockRate,
        channels: codec.channels ?? 1,
        localPort: transport.tuple.localPort,
      };
      const target = await resolveTarget(info);
      await this.#media(() => transport.connect({ ip: target.ip, port: target.port }));
      const tap: RtpTap = {
        transport,
        consumer,
        ...info,
        close: () => {
          this.#taps.delete(tap);
          if (!transport.closed) transport.close();
        },
      };
      this.#taps.add(tap);
      transport.observer.once('close', () => this.#taps.delete(tap));
      await this.#media(() => consumer.resume());
      return tap;
    } catch (err) {
      if (!transport.closed) transport.close();
      throw err;
    }
  }

  /** Closes the router and everything in it; emits `close` once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#peers.clear();
    this.#taps.clear();
    if (!this.router.closed) this.router.close();
    this.emit('close');
  }

  #assertOpen(): void {
    if (this.#closed) throw new SfuError(ErrorCode.NotFound, `room ${this.id} is closed`);
  }

  #peer(peerId: string): PeerMedia {
    this.#assertOpen();
    const peer = this.#peers.get(peerId);
    if (!peer) throw new SfuError(ErrorCode.OutOfOrder, `peer ${peerId} has not joined room ${this.id}`);
    return peer;
  }

  #transport(peerId: string, transportId: string): types.WebRtcTransport {
    const transport = this.#peer(peerId).transports.get(transportId);
    if (!transport) throw new SfuError(ErrorCode.NotFound, `transport ${transportId} not found`);
    return transport;
  }

  /** Runs a mediasoup call, mapping its errors to SfuError MEDIA_ERROR. */
  async #media<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof SfuError) throw err;
      throw new SfuError(ErrorCode.MediaError, (err as Error).message);
    }
  }
}
