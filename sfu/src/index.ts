/**
 * @lectern/sfu — mediasoup workers, rooms (one Router each), WebRTC transports for browsers and
 * plain RTP taps feeding analyzer and recorder processes.
 */
export { SfuNode } from './SfuNode.ts';
export { Room } from './Room.ts';
export type { RoomEvents, WebRtcListenOptions } from './Room.ts';
export { SfuError } from './SfuError.ts';
export { mediaCodecs } from './mediaCodecs.ts';
export type * from './SfuTypes.ts';
