/**
 * Error codes carried by Socket.IO acknowledgements, server-sent `room:error` events and
 * HTTP Problem+JSON bodies. Stable strings: clients switch on them.
 */
export const ErrorCode = {
  /** The message failed schema validation (details lists the failing fields). */
  BadRequest: 'BAD_REQUEST',
  /** The message is valid but not allowed in the socket's current state (e.g. produce before join). */
  OutOfOrder: 'OUT_OF_ORDER',
  /** A referenced room, transport, producer or consumer does not exist (or belongs to someone else). */
  NotFound: 'NOT_FOUND',
  /** The caller's role may not do this (e.g. a viewer producing media). */
  Forbidden: 'FORBIDDEN',
  /** The SFU rejected the operation (mediasoup threw); message carries its reason. */
  MediaError: 'MEDIA_ERROR',
  /** The mediasoup worker hosting the room died; the room was closed and must be re-joined. */
  WorkerDied: 'SFU_WORKER_DIED',
  /** Analysis is unavailable (analyzer process down); media and recording continue. */
  AnalyzerUnavailable: 'ANALYZER_UNAVAILABLE',
  /**
   * Too many requests of this kind (coach cues: at most one per second; any event: the per-socket
   * rate; joins: too many failed joins from the caller's IP); `retryAfterMs` says when to retry.
   */
  RateLimited: 'RATE_LIMITED',
  /** The room already has the most peers this server allows in one room (`LECTERN_MAX_PEERS_PER_ROOM`). */
  RoomFull: 'ROOM_FULL',
  /**
   * The peer already holds the most WebRTC transports, producers or consumers this server allows
   * per peer (`LECTERN_MAX_TRANSPORTS_PER_PEER` etc.); close one first. Retrying does not help.
   */
  QuotaExceeded: 'QUOTA_EXCEEDED',
  /** No valid identity: missing, expired, tampered or wrong-key token (sign in / refresh, then retry). */
  Unauthenticated: 'UNAUTHENTICATED',
  /** Recording needs the presenter's consent first (`POST /v1/me/consent`); asked once per account. */
  ConsentRequired: 'CONSENT_REQUIRED',
  /** The caller's access was revoked (invitation revoked, membership removed, signed out everywhere). */
  AccessRevoked: 'ACCESS_REVOKED',
  /**
   * No node can take a new room now (every node's load is above its admission threshold, or the
   * room's node is gone and none has room). `retryAfterSec` says when to try again; rooms already
   * running are not affected.
   */
  Capacity: 'CAPACITY',
  /**
   * The room lives on another node: reconnect to `redirectUrl` (the same path and grant) and
   * join there. Sent only when Lectern runs as several nodes sharing Redis.
   */
  WrongNode: 'WRONG_NODE',
  /** Unexpected server fault; the connection stays up. */
  Internal: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Error payload inside a failed acknowledgement or a `room:error` event. */
export interface ErrorBody {
  code: ErrorCode;
  /** Human-readable and actionable, e.g. "transportId: Required". */
  message: string;
  /** Optional structured detail, e.g. zod issues `[{ path, message }]`. */
  details?: unknown;
  /** With `CAPACITY`: seconds after which a retry may succeed (≥ 1). */
  retryAfterSec?: number;
  /** With `RATE_LIMITED` (signaling limits): milliseconds after which a retry may succeed (≥ 1). */
  retryAfterMs?: number;
  /** With `WRONG_NODE`: base URL of the node that hosts the room, e.g. `http://10.0.0.7:8080`. */
  redirectUrl?: string;
}
