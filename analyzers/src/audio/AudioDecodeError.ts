/**
 * A media file could not be decoded to PCM. `message` is one line naming the file and the
 * reason, fit for a CLI error; `reason` is the reason alone.
 */
export class AudioDecodeError extends Error {
  /**
   * @param file the path as given by the user.
   * @param reason short human-readable cause, e.g. "no such file", "no audio stream".
   */
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'AudioDecodeError';
  }
}
