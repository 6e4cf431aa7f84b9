/**
 * A video file could not be decoded into frames. `message` is one line naming the file and the
 * reason, fit for a CLI error; `reason` is the reason alone.
 */
export class VideoDecodeError extends Error {
  /**
   * @param file the path as given by the user.
   * @param reason short human-readable cause, e.g. "no such file", "no video stream".
   */
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'VideoDecodeError';
  }
}
