import type { Socket } from 'socket.io';
import { type ErrorBody, ErrorCode } from '@lectern/contract';
import { CAPACITY_RETRY_AFTER_SEC } from '../../cluster/ClusterTypes.ts';
import type { LimitsConfig } from '../../config.ts';
import { SignalingError } from '../SignalingError.ts';
import { JoinFailureThrottle } from './JoinFailureThrottle.ts';
import { PeerQuota } from './PeerQuota.ts';
import { SocketRateLimiter } from './SocketRateLimiter.ts';

/** Join refusals that count as a failed join of the caller's IP (the caller's fault, and guessable). */
const FAILED_JOIN_CODES: ReadonlySet<string> = new Set([ErrorCode.Unauthenticated, ErrorCode.Forbidden, ErrorCode.AccessRevoked]);

/**
 * The signaling limits against abuse ({@link LimitsConfig}), one instance per node, used by
 * SignalingServer: the per-socket event rate (every incoming event, as Socket.IO middleware), failed
 * joins per IP (handshake and `room:join`), rooms per node, peers per room and the per-peer SFU
 * quotas. Every refusal is a sentence saying what the limit is and what to do; the message size is
 * Socket.IO's own `maxHttpBufferSize` (app.ts). All counts are in memory, per node.
 */
export class SignalingLimits {
  readonly rate: SocketRateLimiter;
  readonly joinFailures: JoinFailureThrottle;

  /**
   * @param config the limits (gateway/src/config.ts).
   * @param trustProxy take the client IP from `X-Forwarded-For` (the gateway's `trustProxy`).
   */
  constructor(
    readonly config: LimitsConfig,
    private readonly trustProxy = false,
  ) {
    this.rate = new SocketRateLimiter({
      eventsPerSec: config.socketEventsPerSec,
      burst: config.socketEventBurst,
      burstWindowMs: config.burstWindowMs,
      refusalsBeforeDisconnect: config.refusalsBeforeDisconnect,
      refusalWindowMs: config.refusalWindowMs,
    });
    this.joinFailures = new JoinFailureThrottle(config.failedJoinsPerIp, config.failedJoinWindowMs);
  }

  /** The client's IP: the TCP peer, or with `trustProxy` the first `X-Forwarded-For` entry. */
  clientIp(socket: Pick<Socket, 'handshake'>): string {
    if (this.trustProxy) {
      const fwd = socket.handshake.headers['x-forwarded-for'];
      const first = (Array.isArray(fwd) ? fwd[0] : fwd)?.split(',')[0]?.trim();
      if (first) return first;
    }
    return socket.handshake.address;
  }

  /**
   * For the handshake middleware: an `Error` to refuse the connection with (message
   * `RATE_LIMITED: …`, `data: { code, retryAfterMs }`) when the IP has too many failures, else null.
   */
  async handshakeRefusal(ip: string): Promise<(Error & { data: Pick<ErrorBody, 'code' | 'retryAfterMs'> }) | null> {
    const waitMs = await this.joinFailures.retryAfterMs(ip);
    if (waitMs === 0) return null;
    return Object.assign(new Error(`${ErrorCode.RateLimited}: ${this.#failedJoinsSentence(waitMs)}`), { data: { code: ErrorCode.RateLimited, retryAfterMs: waitMs } });
  }

  /** Counts a refused handshake (bad access token) of `ip`. */
  async handshakeFailed(ip: string): Promise<void> {
    await this.joinFailures.recordFailure(ip);
  }

  /** @throws SignalingError RATE_LIMITED (`retryAfterMs`) when `ip` has too many failed joins. */
  async assertJoinAllowed(ip: string): Promise<void> {
    const waitMs = await this.joinFailures.retryAfterMs(ip);
    if (waitMs > 0) throw new SignalingError(ErrorCode.RateLimited, this.#failedJoinsSentence(waitMs), { retryAfterMs: waitMs });
  }

  /** Counts a refused `room:join` of `ip` when the refusal was the caller's fault (bad/foreign/revoked grant). */
  async joinRefused(ip: string, err: unknown): Promise<void> {
    if (err instanceof SignalingError && FAILED_JOIN_CODES.has(err.code)) await this.joinFailures.recordFailure(ip);
  }

  /** @throws SignalingError CAPACITY (`retryAfterSec`) when this node already has its most rooms open. */
  assertNewRoom(openRooms: number): void {
    const max = this.config.maxRoomsPerNode;
    if (openRooms >= max)
      throw new SignalingError(
        ErrorCode.Capacity,
        `this Lectern server has its maximum of ${max} rooms open; rooms already running are not affected. Try again in ${CAPACITY_RETRY_AFTER_SEC} s.`,
        { retryAfterSec: CAPACITY_RETRY_AFTER_SEC },
      );
  }

  /** @throws SignalingError ROOM_FULL when `roomName` already has the most peers allowed. */
  assertRoomHasSpace(peersInRoom: number, roomName: string): void {
    const max = this.config.maxPeersPerRoom;
    if (peersInRoom >= max)
      throw new SignalingError(ErrorCode.RoomFull, `room ${roomName} is full: ${max} people are in it, the most this server allows; try again when someone leaves`);
  }

  /** The per-peer transport/producer/consumer counter for one join. */
  peerQuota(): PeerQuota {
    return new PeerQuota({ transport: this.config.maxTransportsPerPeer, producer: this.config.maxProducersPerPeer, consumer: this.config.maxConsumersPerPeer });
  }

  /**
   * Installs the per-socket event rate on `socket` (Socket.IO middleware, before every handler). An
   * event over the rate is not handled: its ack (if any) gets `RATE_LIMITED` with `retryAfterMs`;
   * after `refusalsBeforeDisconnect` refusals within the refusal window the socket gets a
   * `room:error` (RATE_LIMITED) and is disconnected.
   */
  attach(socket: Socket): void {
    const { socketEventsPerSec: perSec, socketEventBurst: burst, burstWindowMs } = this.config;
    socket.use((packet, next) => {
      this.rate.take(socket.id).then(
        (v) => {
          if (v.ok) return next();
          const last = packet[packet.length - 1];
          const error: ErrorBody = {
            code: ErrorCode.RateLimited,
            message: `too many messages on this connection: at most ${perSec} per second (plus ${burst} per ${burstWindowMs / 1000} s); try again in ${v.retryAfterMs} ms`,
            retryAfterMs: v.retryAfterMs,
          };
          if (typeof last === 'function') {
            try {
              (last as (a: unknown) => void)({ ok: false, error });
            } catch {
              // A throwing ack callback must not crash the server.
            }
          }
          if (v.disconnect && socket.connected) {
            socket.emit('room:error', {
              ...error,
              message: `disconnected: this connection kept sending more than ${perSec} messages per second; reconnect and send fewer`,
            });
            socket.disconnect(true);
          }
        },
        (err: unknown) => next(err instanceof Error ? err : new Error(String(err))),
      );
    });
    socket.once('disconnect', () => this.rate.forget(socket.id));
  }

  #failedJoinsSentence(waitMs: number): string {
    const { failedJoinsPerIp: n, failedJoinWindowMs: w } = this.config;
    return `too many failed sign-ins or room joins from your address (${n} within ${Math.round(w / 1000)} s); try again in ${Math.ceil(waitMs / 1000)} s`;
  }
}
