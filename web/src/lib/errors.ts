import type { ErrorBody, ErrorCode } from '@lectern/contract';

/**
 * Client-side failure codes, in addition to the server's `ErrorCode`s:
 * - `TIMEOUT`: a request got no acknowledgement in time.
 * - `NOT_CONNECTED`: a request was made while the socket was down.
 * - `UNREACHABLE`: the Socket.IO connection could not be established.
 * - `PERMISSION_DENIED`, `NO_DEVICE`, `DEVICE_BUSY`, `MEDIA_UNSUPPORTED`: getUserMedia failures.
 * - `WEBRTC_FAILED`: the send transport's ICE/DTLS connection failed.
 * - `UNSUPPORTED_BROWSER`: mediasoup-client has no handler for this browser.
 * - `HTTP_ERROR`: an HTTP API call failed with a status that maps to no other code (see `#lib/api`).
 * - `BAD_RESPONSE`: an HTTP API answer was not the JSON shape the page expects.
 */
export type ClientErrorCode =
  | 'TIMEOUT'
  | 'NOT_CONNECTED'
  | 'UNREACHABLE'
  | 'PERMISSION_DENIED'
  | 'NO_DEVICE'
  | 'DEVICE_BUSY'
  | 'MEDIA_UNSUPPORTED'
  | 'WEBRTC_FAILED'
  | 'UNSUPPORTED_BROWSER'
  | 'HTTP_ERROR'
  | 'BAD_RESPONSE';

export type LecternErrorCode = ErrorCode | ClientErrorCode;

/** A failed request or session step, with a stable `code` to switch on and a readable message. */
export class LecternError extends Error {
  override readonly name = 'LecternError';
  /** With `CAPACITY`: seconds after which a retry may succeed (from the server's error body). */
  readonly retryAfterSec?: number | null;
  /** With `WRONG_NODE`: base URL of the node hosting the room (from the server's error body). */
  readonly redirectUrl?: string;
  constructor(
    readonly code: LecternErrorCode,
    message: string,
    readonly details?: unknown,
    extra?: { retryAfterSec?: number | null; redirectUrl?: string },
  ) {
    super(message);
    if (extra?.retryAfterSec != null) this.retryAfterSec = extra.retryAfterSec;
    if (extra?.redirectUrl !== undefined) this.redirectUrl = extra.redirectUrl;
  }

  static fromBody(body: ErrorBody): LecternError {
    return new LecternError(body.code, body.message, body.details, body);
  }

  /** Wraps anything thrown into a LecternError (unknown errors become `INTERNAL`). */
  static from(err: unknown): LecternError {
    if (err instanceof LecternError) return err;
    if (err instanceof Error) return new LecternError('INTERNAL', err.message || err.name);
    return new LecternError('INTERNAL', String(err));
  }
}
