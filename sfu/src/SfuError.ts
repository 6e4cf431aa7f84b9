import type { ErrorCode } from '@lectern/contract';

/**
 * Error thrown by the SFU for requests that reference missing or foreign objects, or that the
 * media layer rejects. `code` is a contract {@link ErrorCode} so the gateway can forward it as is.
 */
export class SfuError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SfuError';
  }
}
