import type { Device } from 'mediasoup-client';
import type * as ms from 'mediasoup-client/types';
import type { ErrorBody, JoinResponse, PeerInfo, RoomGrant } from '@lectern/contract';
import { LecternError } from '#lib/errors.ts';
import { loadDevice, openTransport } from '#lib/webrtc.ts';
import { JoinAdmission, REDIRECT_CONNECT_MS, type AdmissionStep, type CapacityWait, type SocketTarget } from './admission.ts';
import type { MetricsStore } from './metrics.svelte';
import { removePeer, upsertPeer } from './roomPeers.ts';
import type { SocketStore } from './socket.svelte';

/**
 * States every session has (also `window.__lectern.state`); the presenter adds `media` and
 * `reset`, the coach `waiting`:
 * - `idle`: nothing started.
 * - `connecting`: waiting for the Socket.IO connection (server may be unreachable: see `socket.error`).
 * - `joining`: joining the room and creating the WebRTC transport (following `WRONG_NODE` redirects).
 * - `busy`: every server is at capacity (`CAPACITY`); joins again by itself at `capacity.retryAt`.
 * - `live`: media flows; metric frames flow.
 * - `reconnecting`: the socket dropped; re-joins automatically when it is back.
 * - `error`: a step failed; see `error`.
 * - `stopped`: `stop()` was called.
 */
export type LiveState = 'idle' | 'connecting' | 'joining' | 'busy' | 'live' | 'reconnecting' | 'error' | 'stopped';

/** Thrown (and swallowed) when a newer start/stop superseded the step that was running. */
export class Aborted extends Error {}

/** Thrown by `requestJoin` on `CAPACITY` with retries left: `fail` turns it into the `busy` wait. */
class RetryLater extends Error {
  constructor(readonly step: Extract<AdmissionStep, { kind: 'retry' }>) {
    super(step.error.message);
  }
}

/**
 * Where a session gets its room grant for each `room:join` (the first, and every re-join after a
 * reconnect): the presenter mints one, the coach brings one from an invitation (see `RoomGrants`).
 */
export interface GrantSource {
  (roomId: string): Promise<RoomGrant>;
}

/**
 * What the presenter (`PresenterSession`) and coach (`CoachSession`) sides of a room share: the
 * room state (peers, producer ids, the stream shown), Socket.IO wiring (`attach`), connect → join →
 * Device → transport, re-joining after a socket reconnect, `stop()`, and the generation counter
 * that cancels a flow superseded by a newer start/stop. Voice metrics are routed into `metrics`.
 * @typeParam S the session's own states (a superset of {@link LiveState}).
 */
export abstract class LiveSession<S extends string> {
  state = $state<S | LiveState>('idle');
  /** The error that stopped the session (state `error`, or the presenter's `reset`), with a stable code. */
  error = $state.raw<LecternError | null>(null);
  roomId = $state('');
  peerId = $state<string | null>(null);
  /** Everyone else in the room. */
  peers = $state.raw<PeerInfo[]>([]);
  /** The media shown: the presenter's own camera/microphone, or what the coach receives. */
  stream = $state.raw<MediaStream | null>(null);
  /** The presenter's audio producer (the presenter's own, or the one the coach watches). */
  audioProducerId = $state<string | null>(null);
  videoProducerId = $state<string | null>(null);
  /** While `busy`: when the next automatic join attempt happens (and which one). */
  capacity = $state.raw<CapacityWait | null>(null);
  /**
   * The room's live session as the last join reported it; `resumed`: that join brought the
   * presenter back into a session that was waiting for them (same id, same recording).
   */
  session = $state.raw<{ sessionId: string; resumed: boolean } | null>(null);

  protected readonly socket: SocketStore;
  /** Redirect and capacity-retry budget (see `JoinAdmission`). */
  protected readonly admission = new JoinAdmission();
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  protected readonly metrics: MetricsStore;
  protected displayName: string;
  /** Bumped by every start/stop/drop: a flow whose generation is no longer current stops. */
  protected generation = 0;
  protected device: Device | null = null;
  protected transport: ms.Transport | null = null;
  /** Room grants for joining (set by `start`). */
  protected grantSource: GrantSource | null = null;
  /** Told when the server refuses a grant (expired, revoked), so the next join does not reuse it. */
  protected grantRefused: ((roomId: string) => void) | null = null;
  readonly #role: 'presenter' | 'coach';
  #offs: (() => void)[] = [];

  constructor(socket: SocketStore, metrics: MetricsStore, role: 'presenter' | 'coach', displayName: string) {
    this.socket = socket;
    this.metrics = metrics;
    this.#role = role;
    this.displayName = displayName;
  }

  /** Subscribes to socket events; call once (e.g. in the page's onMount) and call the result to detach. */
  attach(): () => void {
    this.#offs.push(
      this.metrics.attach(this.socket),
      this.socket.on('room:peer-joined', (p) => (this.peers = upsertPeer(this.peers, p))),
      this.socket.on('room:peer-left', (p) => this.peerLeft(p.peerId)),
      this.socket.on('room:error', (e) => this.roomError(e)),
      ...this.subscribe(),
      this.socket.onDisconnect(() => this.onSocketDown()),
      this.socket.onConnect(() => this.onSocketUp()),
    );
    return () => {
      for (const off of this.#offs.splice(0)) off();
    };
  }

  get active(): boolean {
    return !['idle', 'error', 'stopped'].includes(this.state);
  }

  /** Leaves the room (when joined), closes the transport, releases local media, disconnects. */
  async stop(): Promise<void> {
    this.generation++;
    this.#cancelRetry();
    const joined = this.takeServerPeer() && this.socket.connected;
    this.closeMedia();
    this.releaseLocalMedia();
    this.state = 'stopped';
    if (joined) await this.socket.request('room:leave', {}, { timeoutMs: 2_000 }).catch(() => undefined);
    this.socket.disconnect();
  }

  /** Joins the room (state `joining` onwards); throws on failure, `Aborted` when superseded. */
  protected abstract join(gen: number): Promise<void>;

  /** Handles `room:error`. */
  protected abstract roomError(e: ErrorBody): void;

  /** Further socket subscriptions of the subclass (unsubscribe functions). */
  protected subscribe(): (() => void)[] {
    return [];
  }

  /** Handles `room:peer-left`. */
  protected peerLeft(peerId: string): void {
    this.peers = removePeer(this.peers, peerId);
  }

  /** Whether the server holds a peer for this socket (so `stop()` sends `room:leave`); forgets it. */
  protected takeServerPeer(): boolean {
    return this.peerId !== null;
  }

  /** Whether a socket drop in the current state ends the media (and so waits to re-join). */
  protected dropsOnDisconnect(): boolean {
    return this.active && this.state !== 'busy';
  }

  /** While `busy`: joins now instead of at `capacity.retryAt` (the "Retry now" button). */
  retryNow(): void {
    if (this.state !== 'busy') return;
    this.#cancelRetry();
    const gen = ++this.generation;
    this.admission.newJoin();
    this.connectAndJoin(gen).catch((err) => this.fail(gen, err));
  }

  /** A new start or rejoin by the user: forgets the redirect/capacity budgets and any wait. */
  protected resetAdmission(): void {
    this.#cancelRetry();
    this.admission.reset();
  }

  #cancelRetry(): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.capacity = null;
  }

  /** Releases local devices on `stop()` (the presenter's camera and microphone). */
  protected releaseLocalMedia(): void {}

  /** Connects the socket (state `connecting`), then joins. */
  protected async connectAndJoin(gen: number): Promise<void> {
    this.state = 'connecting';
    // Stays on the node a redirect sent it to while that connection is up.
    this.socket.connect();
    await this.socket.whenConnected();
    this.check(gen);
    await this.join(gen);
  }

  /**
   * `room:join` with a grant for this room (its role is the peer's) and this session's name.
   * `WRONG_NODE`: moves the socket to the node hosting the room and joins there (at most
   * `MAX_REDIRECT_HOPS`). `CAPACITY`: throws `RetryLater` while retries are left (see `fail`).
   */
  protected async requestJoin(gen: number): Promise<JoinResponse> {
    if (!this.grantSource) throw new LecternError('UNAUTHENTICATED', 'No room grant: sign in, or open an invitation link.');
    const grant = await this.grantSource(this.roomId);
    this.check(gen);
    for (;;) {
      try {
        const joined = await this.socket.request('room:join', { roomId: this.roomId, grant: grant.grant, role: grant.role, displayName: this.displayName });
        this.admission.joined();
        return joined;
      } catch (err) {
        if (err instanceof LecternError && ['UNAUTHENTICATED', 'FORBIDDEN', 'ACCESS_REVOKED'].includes(err.code)) this.grantRefused?.(this.roomId);
        this.check(gen);
        const next = this.admission.next(err, this.socket.target);
        if (next.kind === 'other') throw err;
        if (next.kind === 'fail') throw next.error;
        if (next.kind === 'retry') throw new RetryLater(next);
        console.info(`[lectern] room ${this.roomId} is hosted by ${next.target.url}; reconnecting there (redirect ${next.hop} of ${this.admission.limits.maxHops})`);
        await this.#moveTo(gen, next.target);
      }
    }
  }

  /** Moves the socket to `target` and waits for it; an unreachable target sends it back home. */
  async #moveTo(gen: number, target: SocketTarget): Promise<void> {
    this.socket.redirect(target);
    try {
      await this.socket.whenConnected(AbortSignal.timeout(REDIRECT_CONNECT_MS));
    } catch (err) {
      this.check(gen);
      if (!(err instanceof DOMException)) throw err; // refused (e.g. signed out): as any connection
      const back = this.admission.unreachable(this.socket.home);
      if (back.kind !== 'redirect') throw back.kind === 'fail' ? back.error : err;
      console.warn(`[lectern] ${target.url} did not answer; joining via ${this.socket.home.url} again`);
      this.socket.redirect(this.socket.home);
      await this.socket.whenConnected();
    }
    this.check(gen);
  }

  /**
   * Joins the room, loads the Device and opens the transport (send for the presenter, receive for
   * the coach), setting `peerId`, `peers`, `device` and `transport`.
   */
  protected async joinAndOpenTransport(gen: number): Promise<{ joined: JoinResponse; device: Device; transport: ms.Transport }> {
    const joined = await this.requestJoin(gen);
    this.check(gen);
    this.peerId = joined.peerId;
    this.peers = joined.peers;
    this.session = joined.session ?? null;
    const device = await loadDevice(joined.routerRtpCapabilities);
    this.check(gen);
    this.device = device;
    const transport = await openTransport(this.socket, device, this.#role === 'presenter' ? 'send' : 'recv');
    if (gen !== this.generation) transport.close(); // stopped meanwhile: check throws below
    this.check(gen);
    this.transport = transport;
    return { joined, device, transport };
  }

  protected onSocketDown(): void {
    // `reconnecting` too: a reconnect that ends refused (signed out, access revoked) stops the session.
    if (!this.dropsOnDisconnect() && !(this.state === 'reconnecting' && this.socket.state === 'closed')) return;
    // The server drops our peer with the socket; local transport state is useless now.
    this.generation++;
    this.closeMedia();
    if (this.socket.state === 'reconnecting') {
      this.state = 'reconnecting';
    } else {
      this.state = 'error';
      this.error = this.socket.error ?? new LecternError('NOT_CONNECTED', 'The server closed the connection.');
    }
  }

  protected onSocketUp(): void {
    if (this.state !== 'reconnecting') return;
    const gen = ++this.generation;
    this.admission.newJoin();
    this.join(gen).catch((err) => this.fail(gen, err));
  }

  /** @throws Aborted when `gen` is no longer the current generation. */
  protected check(gen: number): void {
    if (gen !== this.generation) throw new Aborted();
  }

  /** Ends the flow of `gen` with `err` (state `error`), unless it was superseded. */
  protected fail(gen: number, err: unknown): void {
    if (err instanceof Aborted || gen !== this.generation) return;
    this.closeMedia();
    if (err instanceof RetryLater) {
      this.#waitForCapacity(err);
      return;
    }
    this.state = 'error';
    this.error = LecternError.from(err);
  }

  /** State `busy` until `retryAfterSec` has passed, then joins again (or `retryNow()`). */
  #waitForCapacity({ step }: RetryLater): void {
    this.#cancelRetry();
    const ms = step.afterSec * 1000;
    this.state = 'busy';
    this.error = null;
    this.capacity = { retryAt: Date.now() + ms, attempt: step.attempt, maxAttempts: step.maxAttempts, serverMessage: step.error.message };
    this.#retryTimer = setTimeout(() => this.retryNow(), ms);
  }

  /** Closes the transport and forgets the room's media (not the presenter's local tracks). */
  protected closeMedia(): void {
    this.transport?.close();
    this.transport = null;
    this.device = null;
    this.peerId = null;
    this.audioProducerId = null;
    this.videoProducerId = null;
  }
}
