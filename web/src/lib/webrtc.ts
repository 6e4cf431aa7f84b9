/**
 * The mediasoup-client steps the presenter and the coach sessions share (`stores/session.svelte.ts`):
 * loading a Device for a room's router and opening a send or receive WebRtcTransport through the
 * signaling socket (`transport:create`, then `transport:connect` when mediasoup-client asks for
 * the DTLS parameters).
 */
import { Device } from 'mediasoup-client';
import type * as ms from 'mediasoup-client/types';
import { LecternError } from '#lib/errors.ts';
import type { SocketStore } from './stores/socket.svelte';

/**
 * Runs `p`; a failure is re-thrown as a LecternError whose message starts with `label` (e.g.
 * "Joining the room failed: …"), keeping its code, so the page says which step went wrong.
 */
export async function step<T>(label: string, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof LecternError && err.message.startsWith(label)) throw err;
    const e = LecternError.from(err);
    throw new LecternError(e.code, `${label} failed: ${e.message}`, e.details, e);
  }
}

/**
 * Creates a mediasoup-client Device loaded with the room router's RTP capabilities (from the
 * `room:join` answer).
 * @throws LecternError UNSUPPORTED_BROWSER when the browser has no WebRTC handler mediasoup-client
 *   supports; MEDIA_ERROR when the capabilities cannot be loaded.
 */
export async function loadDevice(routerRtpCapabilities: ms.RtpCapabilities): Promise<Device> {
  try {
    const device = await Device.factory();
    await device.load({ routerRtpCapabilities });
    return device;
  } catch (err) {
    if (err instanceof Error && err.name === 'UnsupportedError') {
      throw new LecternError('UNSUPPORTED_BROWSER', 'This browser does not support WebRTC with mediasoup. Use a current Chrome, Edge, Firefox or Safari.');
    }
    throw new LecternError('MEDIA_ERROR', `Could not load the room's media capabilities: ${(err as Error).message}`);
  }
}

/**
 * Asks the server for a WebRtcTransport (`transport:create`) and builds its client side; its
 * `connect` event is answered with `transport:connect`.
 * @param direction `send` (presenter: produce) or `recv` (coach: consume).
 * @throws LecternError from the server's ack (e.g. OUT_OF_ORDER before joining), labelled
 *   "Creating the media transport failed: …"; a failed `transport:connect` is labelled
 *   "Connecting the media transport failed: …" and reaches mediasoup-client's errback.
 */
export async function openTransport(socket: SocketStore, device: Device, direction: 'send' | 'recv'): Promise<ms.Transport> {
  const info = await step('Creating the media transport', socket.request('transport:create', { direction }));
  const options = {
    id: info.id,
    iceParameters: info.iceParameters,
    iceCandidates: info.iceCandidates,
    dtlsParameters: info.dtlsParameters,
  };
  const transport = direction === 'send' ? device.createSendTransport(options) : device.createRecvTransport(options);
  transport.on('connect', ({ dtlsParameters }, callback, errback) => {
    step(
      'Connecting the media transport',
      socket.request('transport:connect', { transportId: transport.id, dtlsParameters }),
    ).then(() => callback(), errback);
  });
  return transport;
}
