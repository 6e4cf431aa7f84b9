import { LecternError } from './errors';

/** Maps a getUserMedia failure to an actionable LecternError. */
export function mediaError(err: unknown): LecternError {
  const name = err instanceof DOMException || err instanceof Error ? err.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return new LecternError(
        'PERMISSION_DENIED',
        'Microphone/camera access was blocked. Click the camera or lock icon in the address bar, set Microphone and Camera to "Allow" for this site, then press Start again. (On macOS, also check System Settings → Privacy & Security → Microphone/Camera for your browser.)',
      );
    case 'NotFoundError':
    case 'OverconstrainedError':
      return new LecternError(
        'NO_DEVICE',
        'No microphone was found. Plug one in (or enable it in your system sound settings), then press Start again.',
      );
    case 'NotReadableError':
    case 'AbortError':
      return new LecternError(
        'DEVICE_BUSY',
        'The microphone or camera could not be started; another app (a video call, a recorder) may be using it. Close it and press Start again.',
      );
    default:
      return new LecternError('MEDIA_UNSUPPORTED', `Could not open the microphone/camera: ${err instanceof Error ? err.message : String(err)}`);
  }
}
