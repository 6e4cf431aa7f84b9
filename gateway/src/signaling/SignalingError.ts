import type { ErrorBody, ErrorCode } from '@lectern/contract';

/**
 * A request signaling refuses on its own account (not the SFU's): out of order (e.g. producing
 * before `room:join`), forbidden for the peer's role, rate-limited, or naming something that is not
 * there (no presenter for a cue, no live session for a comment). Answered, like an `SfuError`, with
 * an error acknowledgement `{ ok: false, error: { code, message } }`; the connection stays up.
 */
export class SignalingError extends Error {
  /**
   * @param code the ack's error code, e.g. `OUT_OF_ORDER`, `FORBIDDEN`, `RATE_LIMITED`, `NOT_FOUND`.
   * @param message what the client should do differently, e.g. `join a room first (room:join)`.
   * @param extra `retryAfterSec` (with `CAPACITY`), `retryAfterMs` (with `RATE_LIMITED`) or `redirectUrl` (with `WRONG_NODE`), sent in the ack's error.
   */
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: Pick<ErrorBody, 'retryAfterSec' | 'retryAfterMs' | 'redirectUrl'> = {},
  ) {
    super(message);
    this.name = 'SignalingError';
  }
}
