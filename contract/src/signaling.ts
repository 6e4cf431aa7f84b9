import { z } from 'zod';
import type { DtlsParameters, IceCandidate, IceParameters, RtpCapabilities, RtpParameters } from 'mediasoup-client/types';

/**
 * Socket.IO signaling: the mediasoup-client flow. Every request is `socket.emit(event, payload, ack)`
 * and the ack receives an `Ack<Response>`. mediasoup objects (RTP capabilities/parameters, DTLS
 * parameters) are checked for shape here and deeply validated by mediasoup itself; a rejection
 * there comes back as `MEDIA_ERROR`.
 */

const id = z.string().min(1).max(128);
/** Room names: 1–64 chars of letters, digits, `-` and `_` (they appear in URLs and S3 keys). */
export const RoomIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'room id must be 1–64 letters, digits, "-" or "_"');

const jsonObject = z.looseObject({});
/**
 * A mediasoup object, typed as `T` (mediasoup-client's type of it) on both sides: a client sends
 * what mediasoup-client gave it, the server gets `T`. At run time it is only checked to be a JSON
 * object (the same `invalid_type` issue as `z.looseObject({})` otherwise); its inner shape is
 * validated by mediasoup.
 */
const mediasoupObject = <T>() =>
  z.custom<T>().check((ctx) => {
    if (!jsonObject.safeParse(ctx.value).success) ctx.issues.push({ code: 'invalid_type', expected: 'object', input: ctx.value });
  });

export const Role = z.enum(['presenter', 'coach', 'viewer']);
export type Role = z.infer<typeof Role>;

/**
 * `room:join`: `grant` is a room grant (`RoomGrant.grant`, minted by `POST /v1/rooms/:room/token`
 * or `POST /v1/join/:token`) for this `roomId`; the peer's role and rights come from it. `role`, if
 * given, must equal the grant's. An expired, tampered, revoked or other room's grant is refused
 * with `UNAUTHENTICATED` / `FORBIDDEN`.
 */
export const JoinRequestSchema = z.object({
  roomId: RoomIdSchema,
  grant: z.string().min(10, 'grant is required: mint one with POST /v1/rooms/:room/token').max(4000),
  role: Role.optional(),
  displayName: z.string().trim().min(1).max(80).optional(),
});
export type JoinRequest = z.input<typeof JoinRequestSchema>;

export interface PeerInfo {
  peerId: string;
  role: Role;
  displayName: string;
}
export interface ProducerInfo {
  producerId: string;
  peerId: string;
  kind: 'audio' | 'video';
}
export interface JoinResponse {
  peerId: string;
  /** mediasoup `RtpCapabilities` of the room's router (feed to `Device.load`). */
  routerRtpCapabilities: RtpCapabilities;
  peers: PeerInfo[];
  producers: ProducerInfo[];
  /**
   * The room's live session, if one is running or waiting for its presenter. `resumed` is true
   * when this join brought the session's presenter back (socket drop, page reload, media server
   * restart): the session continues with the same id and recording.
   */
  session?: { sessionId: string; resumed: boolean };
}

export const CreateTransportRequestSchema = z.object({
  direction: z.enum(['send', 'recv']),
});
/** A server-side WebRtcTransport as `Device.createSendTransport` / `createRecvTransport` take it. */
export interface TransportInfo {
  id: string;
  iceParameters: IceParameters;
  iceCandidates: IceCandidate[];
  dtlsParameters: DtlsParameters;
}

export const ConnectTransportRequestSchema = z.object({
  transportId: id,
  dtlsParameters: mediasoupObject<DtlsParameters>(),
});

/**
 * `transport:restartIce`: new ICE credentials for one of the peer's WebRtcTransports (mediasoup
 * `transport.restartIce()`), sent by the web app when its transport has been `disconnected` for
 * ≈ 2 s or `failed`; the client applies them with `transport.restartIce({ iceParameters })`.
 */
export const RestartIceRequestSchema = z.object({
  transportId: id,
});
/** Answer of `transport:restartIce`: the server's new ICE username fragment and password. */
export interface RestartIceResponse {
  iceParameters: IceParameters;
}

export const ProduceRequestSchema = z.object({
  transportId: id,
  kind: z.enum(['audio', 'video']),
  rtpParameters: mediasoupObject<RtpParameters>(),
  appData: z.record(z.string(), z.unknown()).optional(),
});
export interface ProduceResponse {
  producerId: string;
}

export const ConsumeRequestSchema = z.object({
  transportId: id,
  producerId: id,
  rtpCapabilities: mediasoupObject<RtpCapabilities>(),
});
export interface ConsumeResponse {
  consumerId: string;
  producerId: string;
  kind: 'audio' | 'video';
  /** The consumer's RTP parameters (feed to `transport.consume`). */
  rtpParameters: RtpParameters;
}

export const ConsumerResumeRequestSchema = z.object({ consumerId: id });
export const ProducerCloseRequestSchema = z.object({ producerId: id });

/** Empty object for requests without a payload. */
export const EmptySchema = z.object({}).optional();
