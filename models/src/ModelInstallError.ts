/** Why a model could not be installed or verified. */
export type ModelErrorCode =
  /** Manifest unreadable or malformed. */
  | 'bad-manifest'
  /** No such model name. */
  | 'not-found'
  /** Entry has no sha256 and `trustUnverified` was not given. */
  | 'unverified'
  /** HTTP error, network error, or the mirror lacks the file. */
  | 'download-failed'
  /** The transfer ended before the expected size; the partial file is kept for resuming. */
  | 'truncated'
  /** The archive's size differs from the manifest. */
  | 'size-mismatch'
  /** The archive's SHA-256 differs from the manifest. */
  | 'checksum-mismatch'
  /** tar failed, or the archive holds unsafe paths (absolute, `..`, links). */
  | 'unpack-failed'
  /** Files the manifest expects are missing after unpacking. */
  | 'missing-files';

/**
 * Error thrown by the models tool. `code` is stable for programs; `message` says what to do.
 */
export class ModelInstallError extends Error {
  /**
   * @param code machine-readable reason.
   * @param message human-readable explanation with the remedy.
   */
  constructor(readonly code: ModelErrorCode, message: string) {
    super(message);
    this.name = 'ModelInstallError';
  }
}
