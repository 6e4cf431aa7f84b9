import type { ErrorBody } from './errors.ts';

/**
 * Every client→server Socket.IO request is sent with an acknowledgement callback, which receives
 * exactly one `Ack`. A failed request never closes the connection.
 */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };

/** Builds a successful acknowledgement. */
export function ok<T>(data: T): Ack<T> {
  return { ok: true, data };
}

/** Builds a failed acknowledgement. */
export function fail(error: ErrorBody): Ack<never> {
  return { ok: false, error };
}
