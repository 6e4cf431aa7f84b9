import { randomUUID } from 'node:crypto';
import type { Server, Socket } from 'socket.io';
import type { z } from 'zod';
import {
  type Ack,
  type ClientToServerEvents,
  type CoachCue,
  ClientEvent,
  COACH_MIN_INTERVAL_MS,
  CommentAddRequestSchema,
  ConnectTransportRequestSchema,
  RestartIceRequestSchema,
  CueSendRequestSchema,
  ConsumeRequestSchema,
  ConsumerResumeRequestSchema,
  CreateTransportRequestSchema,
  ErrorCode,
  type ErrorBody,
  JoinRequestSchema,
  type PeerInfo,
  ProduceRequestSchema,
  ProducerCloseRequestSchema,
  type Role,
  type ServerToClientEvents,
  AuthRefreshRequestSchema,
  validate,
} from '@lectern/contract';
import { AccessTokenError, type Principal } from '../access/AccessTypes.ts';
import type { AccountService } from '../access/AccountService.ts';
import { parseRoomKey, roomKey } from '../access/RoomKey.ts';
import type { SocketRegistry } from '../access/SocketRegistry.ts';
import type { RoomPlacement } from '../cluster/ClusterTypes.ts';
import type { Tokens } from '../access/Tokens.ts';
import { type Room, SfuError, type SfuNode } from '@lectern/sfu';
import { SignalingError } from './SignalingError.ts';
import type { AudioTapManager } from '../analysis/AudioTapManager.ts';
import type { PeerQuota } from './limits/PeerQuota.ts';
import type { SignalingLimits } from './limits/SignalingLimits.ts';

type LecternSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/** Signaling state of one connected socket. */
interface PeerState {
  peerId: string;
  socket: LecternSocket;
  /** Who connected (verified in the handshake; replaced by `auth:refresh`). */
  principal: Principal;
  room?: Room;
  role?: Role;
  /** From the room grant. */
  canPublish?: boolean;
  displayName?: string;
  /** Epoch ms of this peer's last accepted cue / comment (rate limit). */
  lastCueAtMs?: number;
  lastCommentAtMs?: number;
  /** Transports, producers and consumers held in the current room (limits/PeerQuota.ts). */
  quota?: PeerQuota;
}

/** Stores coach comments with the room's live session (sessions/SessionManager.ts). */
export interface CommentSink {
  /** @returns the stored comment, or null when the room has no live session. */
  addComment(
    roomId: string,
    author: { peerId: string; displayName: string },
    text: string,
  ): Promise<{ commentId: string; sessionId: string; mediaTimeSec: number } | null>;
}

/**
 * Socket.IO signaling for the mediasoup-client flow (join → transports → produce/consume). Every
 * request is validated against the contract schemas; a malformed, out-of-order or failing request
 * is answered with an error acknowledgement (`{ ok: false, error: { code, message } }`) and the
 * connection stays up. Presenter audio producers are handed to the {@link AudioTapManager}.
 *
 * Access: the handshake needs a valid access token (`auth: { token }`; else the connection is
 * refused with `UNAUTHENTICATED: …`), and `room:join` a room grant for that room, organization and
 * caller (`UNAUTHENTICATED` for an expired/tampered grant, `FORBIDDEN` for another's). The room
 * is the SFU room `<orgId>:<roomId>` (access/RoomKey.ts), so organizations never share one. The
 * grant decides role and publishing. Sockets are registered in the {@link SocketRegistry}, which
 * disconnects them on revocation and at token expiry unless `auth:refresh` brought a newer token.
 *
 * Remote coaching: `cue:send` (pushed as `coach:cue` to the room's presenters only) and
 * `comment:add` (stored through the {@link CommentSink}) are accepted from `coach` peers only
 * (`FORBIDDEN` otherwise), at most one of each per second per coach (`RATE_LIMITED`).
 */
export class SignalingServer {
  readonly #peersByRoom = new Map<string, Set<PeerState>>();
  /** Events with a handler (see {@link #handle}); others are answered BAD_REQUEST. */
  readonly #events = new Set<string>();

  constructor(
    private readonly io: Server<ClientToServerEvents, ServerToClientEvents>,
    private readonly sfu: SfuNode,
    /** Receives every presenter producer (audio and video taps; see app.ts). */
    private readonly taps: Pick<AudioTapManager, 'add'>,
    private readonly log: { warn: (obj: object, msg: string) => void; error: (obj: object, msg: string) => void },
    /** Told about peers joining and leaving rooms (session participants; see sessions/SessionManager.ts). */
    private readonly peers?: {
      joined(room: Room, peer: { peerId: string; role: Role; displayName: string; userId: string | null }): void;
      left(roomId: string, peerId: string, reason: 'leave' | 'disconnect' | 'reset'): void;
      /** The room's live session, if any (`suspended`: waiting for its presenter to rejoin). */
      sessionStatus?(roomId: string): { sessionId: string; state: 'live' | 'suspended' } | undefined;
    },
    /** Stores coach comments; absent when persistence is off (comments are then refused). */
    private readonly comments?: CommentSink,
    /** Token checks and the socket registry. */
    private readonly access?: { accounts: AccountService; tokens: Tokens; sockets: SocketRegistry },
    /** Where new rooms go (admission control; several nodes: Redis). Absent = every room here. */
    private readonly placement?: RoomPlacement,
    /** Limits against abuse (limits/SignalingLimits.ts): event rate, failed joins per IP, rooms, peers, per-peer quotas. */
    private readonly limits?: SignalingLimits,
  ) {
    if (!access) throw new Error('SignalingServer needs the access services (accounts and tokens)');
    io.use(async (socket, next) => {
      const refused = await limits?.handshakeRefusal(limits.clientIp(socket));
      if (refused) return next(refused);
      const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
      access.accounts.authenticate(typeof token === 'string' ? token : undefined).then(
        (principal) => {
          (socket.data as { principal?: Principal }).principal = principal;
          next();
        },
        (err: unknown) => {
          if (err instanceof AccessTokenError) void limits?.handshakeFailed(limits.clientIp(socket));
          if (err instanceof AccessTokenError) next(Object.assign(new Error(`${ErrorCode.Unauthenticated}: ${err.message}`), { data: { code: ErrorCode.Unauthenticated, reason: err.reason } }));
          else {
            this.log.error({ err }, 'socket authentication failed');
            next(new Error(`${ErrorCode.Internal}: authentication is unavailable; try again shortly`));
          }
        },
      );
    });
    io.on('connection', (socket) => this.#onConnection(socket));
    sfu.on('roomclosed', ({ roomId, reason }) => {
      if (reason !== 'worker-died') return;
      const error: ErrorBody = {
        code: ErrorCode.WorkerDied,
        message: 'The media server process for this room stopped; the room was reset. Rejoin to continue.',
      };
      io.to(roomId).emit('room:error', error);
      for (const peer of this.#peersByRoom.get(roomId) ?? []) this.#leave(peer, { notify: false, reason: 'reset' });
    });
  }

  /** Called after a coach's cue was delivered (room key, the cue as sent): stores it on the session timeline. */
  onCue?: (roomKey: string, cue: CoachCue) => void;

  /**
   * Pushes `event` to this node's sockets in room `roomKey` whose peers joined with one of `roles`.
   * @returns how many sockets it went to.
   */
  emitToRoles<E extends keyof ServerToClientEvents>(roomKey: string, roles: readonly Role[], event: E, payload: Parameters<ServerToClientEvents[E]>[0]): number {
    let n = 0;
    for (const p of this.#peersByRoom.get(roomKey) ?? []) {
      if (!p.role || !roles.includes(p.role)) continue;
      (p.socket.emit as (ev: string, data: unknown) => void)(event, payload);
      n++;
    }
    return n;
  }

  #onConnection(socket: LecternSocket): void {
    const access = this.access!;
    const peer: PeerState = { peerId: randomUUID(), socket, principal: (socket.data as { principal: Principal }).principal };
    access.sockets.set(socket, peer.principal);
    this.limits?.attach(socket as unknown as Socket);

    this.#handle(socket, ClientEvent.RefreshAuth, AuthRefreshRequestSchema, async (req) => {
      let next: Principal;
      try {
        next = await access.accounts.authenticate(req.token);
      } catch (err) {
        if (err instanceof AccessTokenError) throw new SignalingError(ErrorCode.Unauthenticated, err.message);
        throw err;
      }
      const subject = (p: Principal) => p.userId ?? `guest:${p.familyId}`;
      if (subject(next) !== subject(peer.principal) || next.orgId !== peer.principal.orgId)
        throw new SignalingError(ErrorCode.Forbidden, 'the new token is for someone else; reconnect to change identity');
      peer.principal = next;
      access.sockets.set(socket, next);
      return { expiresAt: new Date(next.expiresAtSec * 1000).toISOString() };
    });

    this.#handle(socket, ClientEvent.Join, JoinRequestSchema, async (req) => {
      if (peer.room) throw new SignalingError(ErrorCode.OutOfOrder, `already joined room ${peer.room.id}; leave first`);
      await this.limits?.assertJoinAllowed(this.limits.clientIp(socket));
      const grant = await access.tokens.verifyGrant(req.grant).catch((err: unknown) => {
        if (err instanceof AccessTokenError) throw new SignalingError(ErrorCode.Unauthenticated, `room grant refused: ${err.message}; mint a new one (POST /v1/rooms/:room/token)`);
        throw err;
      });
      const p = peer.principal;
      if (grant.roomId !== req.roomId || grant.orgId !== p.orgId || grant.subject !== (p.userId ?? `guest:${p.familyId}`))
        throw new SignalingError(ErrorCode.Forbidden, `this grant is not yours for room ${req.roomId}`);
      if (req.role && req.role !== grant.role) throw new SignalingError(ErrorCode.Forbidden, `the grant is for role ${grant.role}, not ${req.role}`);
      if (grant.invitationId) {
        // The invitation may have been revoked since the grant was minted.
        if (!(await access.accounts.invitationActive(grant.invitationId))) throw new SignalingError(ErrorCode.AccessRevoked, 'the invitation behind this grant was revoked or has expired');
        access.sockets.addInvitation(socket.id, grant.invitationId);
      }
      const key = roomKey(p.orgId, req.roomId);
      // Admission: a room already open here takes more peers, and so does a room whose session
      // waits here for its presenter (who dropped); a new one is placed first.
      const resumable = this.peers?.sessionStatus?.(key)?.state === 'suspended';
      if (!this.sfu.rooms.has(key) && this.placement && !resumable) {
        // Redis down: the room runs here rather than not at all (one-node behaviour until it is back).
        const where = await this.placement.place(key).catch((err: unknown) => {
          this.log.warn({ err, roomId: key }, 'room placement unavailable; hosting the room on this node');
          return { kind: 'here' } as const;
        });
        if (where.kind === 'elsewhere')
          throw new SignalingError(ErrorCode.WrongNode, `room ${req.roomId} is hosted by ${where.url}; reconnect there and join again`, { redirectUrl: where.url });
        if (where.kind === 'capacity') throw new SignalingError(ErrorCode.Capacity, where.message, { retryAfterSec: where.retryAfterSec });
      }
      if (!this.sfu.rooms.has(key) && this.sfu.rooms.size >= (this.limits?.config.maxRoomsPerNode ?? Infinity)) {
        void this.placement?.release(key); // placed here above, but not opened
        this.limits!.assertNewRoom(this.sfu.rooms.size);
      }
      const room = await this.sfu.getOrCreateRoom(key);
      // No await between this check and set.add below, so concurrent joins cannot overfill the room.
      this.limits?.assertRoomHasSpace(this.#peersByRoom.get(room.id)?.size ?? 0, req.roomId);
      room.addPeer(peer.peerId);
      peer.room = room;
      peer.quota = this.limits?.peerQuota();
      peer.role = grant.role;
      peer.canPublish = grant.canPublish;
      peer.displayName = req.displayName ?? p.displayName;
      let set = this.#peersByRoom.get(room.id);
      if (!set) this.#peersByRoom.set(room.id, (set = new Set()));
      const peers: PeerInfo[] = [...set].map((p) => ({
        peerId: p.peerId,
        role: p.role ?? 'viewer',
        displayName: p.displayName ?? '',
      }));
      set.add(peer);
      const waiting = this.peers?.sessionStatus?.(room.id)?.state === 'suspended';
      this.peers?.joined(room, { peerId: peer.peerId, role: grant.role, displayName: peer.displayName, userId: p.userId });
      const status = this.peers?.sessionStatus?.(room.id);
      await socket.join(room.id);
      socket.to(room.id).emit('room:peer-joined', { peerId: peer.peerId, role: grant.role, displayName: peer.displayName });
      return {
        peerId: peer.peerId,
        routerRtpCapabilities: room.rtpCapabilities,
        peers,
        producers: room.listProducers().map(({ producer, peerId }) => ({
          producerId: producer.id,
          peerId,
          kind: producer.kind,
        })),
        ...(status && { session: { sessionId: status.sessionId, resumed: waiting && status.state === 'live' } }),
      };
    });

    this.#handle(socket, ClientEvent.Leave, undefined, async () => {
      this.#leave(peer, { notify: true, reason: 'leave' });
      return {};
    });

    this.#handle(socket, ClientEvent.CreateTransport, CreateTransportRequestSchema, async () => {
      const room = this.#joined(peer);
      peer.quota?.admit('transport');
      const t = await room.createWebRtcTransport(peer.peerId);
      peer.quota?.track('transport', t.id, t.observer);
      return {
        id: t.id,
        iceParameters: t.iceParameters,
        iceCandidates: t.iceCandidates,
        dtlsParameters: t.dtlsParameters,
      };
    });

    this.#handle(socket, ClientEvent.ConnectTransport, ConnectTransportRequestSchema, async (req) => {
      await this.#joined(peer).connectTransport(peer.peerId, req.transportId, req.dtlsParameters);
      return {};
    });

    // The client lost its ICE connection (outage, network change): new ICE credentials, which
    // it applies with transport.restartIce(); media resumes on the same transport and producers.
    this.#handle(socket, ClientEvent.RestartIce, RestartIceRequestSchema, async (req) => {
      return { iceParameters: await this.#joined(peer).restartIce(peer.peerId, req.transportId) };
    });

    this.#handle(socket, ClientEvent.Produce, ProduceRequestSchema, async (req) => {
      const room = this.#joined(peer);
      if (peer.role === 'viewer' || !peer.canPublish) throw new SignalingError(ErrorCode.Forbidden, 'your room grant does not allow publishing media');
      peer.quota?.admit('producer');
      const producer = await room.produce(peer.peerId, req.transportId, req.kind, req.rtpParameters, {
        ...req.appData,
        role: peer.role,
      });
      peer.quota?.track('producer', producer.id, producer.observer);
      socket.to(room.id).emit('room:producer-added', { producerId: producer.id, peerId: peer.peerId, kind: producer.kind });
      producer.observer.once('close', () => {
        if (!room.closed) this.io.to(room.id).emit('room:producer-closed', { producerId: producer.id });
      });
      if (peer.role === 'presenter') this.taps.add(room, producer);
      return { producerId: producer.id };
    });

    this.#handle(socket, ClientEvent.CloseProducer, ProducerCloseRequestSchema, async (req) => {
      this.#joined(peer).closeProducer(peer.peerId, req.producerId);
      return {};
    });

    this.#handle(socket, ClientEvent.Consume, ConsumeRequestSchema, async (req) => {
      const room = this.#joined(peer);
      peer.quota?.admit('consumer');
      const consumer = await room.consume(peer.peerId, req.transportId, req.producerId, req.rtpCapabilities);
      peer.quota?.track('consumer', consumer.id, consumer.observer);
      return {
        consumerId: consumer.id,
        producerId: consumer.producerId,
        kind: consumer.kind,
        rtpParameters: consumer.rtpParameters,
      };
    });

    this.#handle(socket, ClientEvent.ResumeConsumer, ConsumerResumeRequestSchema, async (req) => {
      await this.#joined(peer).resumeConsumer(peer.peerId, req.consumerId);
      return {};
    });

    this.#handle(socket, ClientEvent.SendCue, CueSendRequestSchema, async (req) => {
      const room = this.#coach(peer, 'send cues');
      const now = Date.now();
      this.#rateLimit(peer.lastCueAtMs, now, 'cue');
      const presenters = [...(this.#peersByRoom.get(room.id) ?? [])].filter((p) => p.role === 'presenter');
      if (presenters.length === 0)
        throw new SignalingError(ErrorCode.NotFound, `no presenter is in room ${room.id} yet; the cue was not sent`);
      peer.lastCueAtMs = now;
      const cue = {
        cueId: randomUUID(),
        roomId: parseRoomKey(room.id).roomName,
        text: req.text,
        fromPeerId: peer.peerId,
        fromName: peer.displayName ?? 'Coach',
        sentAtMs: now,
      };
      for (const p of presenters) p.socket.emit('coach:cue', cue);
      this.onCue?.(room.id, cue);
      return { cueId: cue.cueId, deliveredTo: presenters.length };
    });

    this.#handle(socket, ClientEvent.AddComment, CommentAddRequestSchema, async (req) => {
      const room = this.#coach(peer, 'add comments');
      const now = Date.now();
      this.#rateLimit(peer.lastCommentAtMs, now, 'comment');
      if (!this.comments)
        throw new SignalingError(ErrorCode.NotFound, 'comments are not stored on this server (LECTERN_PERSISTENCE=off)');
      peer.lastCommentAtMs = now;
      const stored = await this.comments.addComment(room.id, { peerId: peer.peerId, displayName: peer.displayName ?? 'Coach' }, req.text);
      if (!stored) {
        peer.lastCommentAtMs = undefined;
        throw new SignalingError(ErrorCode.NotFound, `room ${room.id} has no live session; comments can be added while the presenter is publishing`);
      }
      return stored;
    });

    // An event without a handler still gets its ack (a client awaiting one would hang otherwise).
    (socket as unknown as Socket).onAny((event: unknown, ...args: unknown[]) => {
      if (typeof event === 'string' && this.#events.has(event)) return;
      const last = args[args.length - 1];
      if (typeof last !== 'function') return;
      try {
        (last as (a: Ack<never>) => void)({ ok: false, error: { code: ErrorCode.BadRequest, message: `unknown event ${JSON.stringify(String(event).slice(0, 60))}; known events: ${[...this.#events].join(', ')}` } });
      } catch {
        // A throwing ack callback (client-side misuse) must not crash the server.
      }
    });

    socket.on('disconnect', () => {
      access.sockets.delete(socket.id);
      this.#leave(peer, { notify: true, reason: 'disconnect' });
    });
  }

  /** The coach's room. @throws SignalingError OUT_OF_ORDER before joining, FORBIDDEN for other roles. */
  #coach(peer: PeerState, what: string): Room {
    const room = this.#joined(peer);
    if (peer.role !== 'coach')
      throw new SignalingError(ErrorCode.Forbidden, `only a coach may ${what}; join the room with role "coach"`);
    return room;
  }

  /** @throws SignalingError RATE_LIMITED when the last accepted one was less than 1 s ago. */
  #rateLimit(lastAtMs: number | undefined, nowMs: number, what: string): void {
    if (lastAtMs === undefined) return;
    const waitMs = lastAtMs + COACH_MIN_INTERVAL_MS - nowMs;
    if (waitMs > 0)
      throw new SignalingError(
        ErrorCode.RateLimited,
        `at most one ${what} per ${COACH_MIN_INTERVAL_MS / 1000} s; try again in ${Math.ceil(waitMs)} ms`,
      );
  }

  /**
   * Registers a validated, acknowledged handler. Tolerates clients that omit the payload or the
   * ack callback; handler errors become error acks, never disconnects.
   */
  #handle<S extends z.ZodType | undefined, T>(
    socket: LecternSocket,
    event: string,
    schema: S,
    handler: (req: S extends z.ZodType ? z.output<S> : unknown) => Promise<T>,
  ): void {
    this.#events.add(event);
    (socket as unknown as Socket).on(event, async (...args: unknown[]) => {
      const last = args[args.length - 1];
      const ack: (a: Ack<T>) => void = typeof last === 'function' ? (last as (a: Ack<T>) => void) : () => {};
      const payload = typeof args[0] === 'function' ? undefined : args[0];
      let result: Ack<T>;
      try {
        let req: unknown = payload;
        if (schema) {
          const v = validate(schema, payload ?? {});
          if (!v.ok) {
            ack({ ok: false, error: v.error });
            return;
          }
          req = v.value;
        }
        result = { ok: true, data: await handler(req as S extends z.ZodType ? z.output<S> : unknown) };
      } catch (err) {
        if (event === ClientEvent.Join) await this.limits?.joinRefused(this.limits.clientIp(socket), err);
        if (err instanceof SignalingError) result = { ok: false, error: { code: err.code, message: err.message, ...err.extra } };
        else if (err instanceof SfuError) result = { ok: false, error: { code: err.code, message: err.message } };
        else {
          this.log.error({ err, event }, 'signaling handler failed');
          result = { ok: false, error: { code: ErrorCode.Internal, message: 'internal error; see server log' } };
        }
      }
      try {
        ack(result);
      } catch {
        // A throwing ack callback (client-side misuse) must not crash the server.
      }
    });
  }

  #joined(peer: PeerState): Room {
    if (!peer.room || peer.room.closed)
      throw new SignalingError(ErrorCode.OutOfOrder, 'join a room first (room:join)');
    return peer.room;
  }

  /** `reason` tells the session whether the presenter meant to go (`leave`) or dropped (a resumable session). */
  #leave(peer: PeerState, { notify, reason }: { notify: boolean; reason: 'leave' | 'disconnect' | 'reset' }): void {
    const room = peer.room;
    if (!room) return;
    peer.room = undefined;
    this.peers?.left(room.id, peer.peerId, reason);
    this.#peersByRoom.get(room.id)?.delete(peer);
    if (this.#peersByRoom.get(room.id)?.size === 0) this.#peersByRoom.delete(room.id);
    void peer.socket.leave(room.id);
    if (!room.closed) {
      room.removePeer(peer.peerId);
      if (notify) peer.socket.to(room.id).emit('room:peer-left', { peerId: peer.peerId });
      this.sfu.closeRoomIfEmpty(room.id);
    }
  }
}
