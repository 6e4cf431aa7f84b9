import type { LecternErrorCode } from '#lib/errors.ts';
import type { SessionState } from '#lib/stores/presenter.svelte.ts';
import type { SocketState } from '#lib/stores/socket.svelte.ts';

export interface StatusView {
  label: string;
  tone: 'idle' | 'busy' | 'live' | 'warn' | 'error';
}

/** Label and tone of the connection pill for a session + socket state. */
export function sessionStatus(state: SessionState, socketState: SocketState): StatusView {
  switch (state) {
    case 'idle':
      return { label: 'Not started', tone: 'idle' };
    case 'media':
      return { label: 'Starting camera…', tone: 'busy' };
    case 'connecting':
      return socketState === 'unreachable'
        ? { label: 'Server unreachable, retrying', tone: 'error' }
        : { label: 'Connecting…', tone: 'busy' };
    case 'joining':
      return { label: 'Joining room…', tone: 'busy' };
    case 'busy':
      return { label: 'Servers busy, waiting', tone: 'warn' };
    case 'live':
      return { label: 'Live', tone: 'live' };
    case 'reconnecting':
      return { label: 'Reconnecting…', tone: 'warn' };
    case 'reset':
      return { label: 'Room reset', tone: 'warn' };
    case 'error':
      return { label: 'Stopped by an error', tone: 'error' };
    case 'stopped':
      return { label: 'Stopped', tone: 'idle' };
  }
}

/** Banner title for a session error. */
export function errorTitle(code: LecternErrorCode): string {
  switch (code) {
    case 'PERMISSION_DENIED':
      return 'Microphone and camera are blocked';
    case 'NO_DEVICE':
      return 'No microphone found';
    case 'DEVICE_BUSY':
      return 'Microphone or camera unavailable';
    case 'MEDIA_UNSUPPORTED':
      return "Can't use the microphone on this page";
    case 'UNSUPPORTED_BROWSER':
      return 'This browser is not supported';
    case 'WEBRTC_FAILED':
      return 'The media connection failed';
    case 'UNREACHABLE':
    case 'NOT_CONNECTED':
      return 'Lost the connection to the Lectern server';
    case 'TIMEOUT':
      return 'The server did not answer';
    case 'ACCESS_REVOKED':
      return 'Your access to this room was revoked';
    case 'UNAUTHENTICATED':
      return 'Your sign-in expired';
    case 'FORBIDDEN':
      return "You can't present in this room";
    case 'CAPACITY':
      return 'All Lectern servers are busy';
    case 'WRONG_NODE':
      return "Couldn't find the server hosting this room";
    default:
      // Server codes (MEDIA_ERROR, BAD_REQUEST, NOT_FOUND, FORBIDDEN, INTERNAL…) from join/transport/produce.
      return "Couldn't join the room";
  }
}
