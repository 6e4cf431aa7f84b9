import { z } from 'zod';
import { AnalysisRoomMessageSchema } from '@lectern/contract';

/**
 * IPC protocol between the gateway's `ChildProcessPool` (parent) and Lectern's analysis child
 * processes (started with `child_process.fork`): the messages every such process speaks, and the
 * voice/language analyzer's own (`analyzers/src/process/main.ts`, pool: `AnalyzerPool`). The pose
 * process adds its own in `video/process/protocol.ts`. Messages travel over the Node IPC channel
 * (`process.send` / `child.on('message')`) as plain JSON; each is declared once, as a zod schema,
 * and its type is the schema's `z.infer`. The child validates every parent message with
 * {@link ParentMessageSchema} (resp. the pose process's); the parent trusts its children.
 *
 * What the analysis produces for the room (metric frames, pauses, captions, status …) travels as
 * a `room` message carrying the contract's room message (`{ event, payload }`, see
 * `AnalysisRoomMessageSchema`), which the gateway publishes to the room unchanged.
 *
 * Media does NOT travel over IPC: for each stream the child binds a UDP socket on 127.0.0.1
 * (port 0 = ephemeral) and the SFU's PlainTransport sends RTP there (rtcpMux on, so RTCP packets,
 * payload types 200–206 in byte 1, arrive on the same socket and are ignored).
 */

const streamId = z.string().min(1);
const payloadType = z.number().int().min(0).max(127);
const uint32 = z.number().int().min(0).max(0xffffffff);

// ---- Parent → child, every analysis process --------------------------------------------------

/** Parent → child: stop a stream and free its socket and state. */
export const StopStreamSchema = z.object({ type: z.literal('stop'), streamId });
export type StopStream = z.infer<typeof StopStreamSchema>;

/** Parent → child: close every stream and exit(0). */
export const ShutdownSchema = z.object({ type: z.literal('shutdown') });
export type Shutdown = z.infer<typeof ShutdownSchema>;

/** Fields of every start message: which stream, and the RTP stream the tap consumer sends. */
export const startStreamFields = {
  /** Unique per stream (the producer id). */
  streamId,
  roomId: z.string(),
  producerId: z.string(),
  /** RTP payload type as negotiated for the PlainTransport (tap) consumer. */
  payloadType,
  /** SSRC chosen by mediasoup for the consumer; packets with another SSRC (RTX, …) are dropped. */
  ssrc: uint32,
  /** RTP clock rate: 48000 for Opus, 90000 for video. */
  clockRate: z.number().int().positive(),
};

// ---- Child → parent, every analysis process --------------------------------------------------

/** Child → parent: process is loaded (models ready) and accepts streams. */
export const ReadySchema = z.object({
  type: z.literal('ready'),
  pid: z.number().int(),
  /** e.g. { vad: 'silero-vad v5 (onnxruntime-node)', pitch: 'YIN (pitchfinder)' } */
  engines: z.record(z.string(), z.string()),
});
export type Ready = z.infer<typeof ReadySchema>;

/** Child → parent: the stream's UDP socket is bound; point the PlainTransport at it. */
export const StreamStartedSchema = z.object({
  type: z.literal('started'),
  streamId,
  /** UDP port on 127.0.0.1 receiving RTP (and muxed RTCP). */
  rtpPort: z.number().int().min(1).max(65535),
});
export type StreamStarted = z.infer<typeof StreamStartedSchema>;

/**
 * Child → parent: something for everyone in room `roomId` — a metric frame, pause, caption,
 * disfluency, ASR status, body stats or the stream's `analyzer:status` — as the contract's room
 * message, which the gateway publishes unchanged.
 */
export const RoomMessageToParentSchema = z.object({
  type: z.literal('room'),
  streamId,
  roomId: z.string(),
  message: AnalysisRoomMessageSchema,
});
export type RoomMessageToParent = z.infer<typeof RoomMessageToParentSchema>;

/** Child → parent: a request could not be carried out (e.g. unknown streamId), or an uncaught error. */
export const ErrorMessageSchema = z.object({
  type: z.literal('error'),
  /** The stream the failed request named, when it named one. */
  streamId: z.string().optional(),
  message: z.string(),
});
export type ErrorMessage = z.infer<typeof ErrorMessageSchema>;

/** The child → parent messages every analysis process sends. */
export const BASE_CHILD_MESSAGES = [ReadySchema, StreamStartedSchema, RoomMessageToParentSchema, ErrorMessageSchema] as const;
export type BaseChildMessage = Ready | StreamStarted | RoomMessageToParent | ErrorMessage;

// ---- The voice/language analyzer process -----------------------------------------------------

/** Parent → child: start analysing one audio producer. */
export const StartAudioStreamSchema = z.object({
  type: z.literal('start-audio'),
  ...startStreamFields,
  /** Opus channel count as negotiated (2 for Chrome's opus/48000/2; decoded to mono). */
  channels: z.number().int().min(1).max(255),
  /**
   * RTP timestamp (32-bit) that is media time 0. Omitted for a new stream (its first packet defines
   * it); set when a restarted process resumes a stream, so `mediaTimeSec` continues on the same
   * timeline (mediasoup keeps the producer's RTP timestamps for simple consumers).
   */
  rtpTimestampOrigin: uint32.optional(),
});
export type StartAudioStream = z.infer<typeof StartAudioStreamSchema>;

/** Any parent → child message of the analyzer process; validate every incoming IPC message with it. */
export const ParentMessageSchema = z.discriminatedUnion('type', [StartAudioStreamSchema, StopStreamSchema, ShutdownSchema]);
export type ParentMessage = z.infer<typeof ParentMessageSchema>;

/** Child → parent: the stream's first RTP packet fixed its media-time origin. */
export const OriginMessageSchema = z.object({
  type: z.literal('origin'),
  streamId,
  /** RTP timestamp (32-bit) at media time 0. */
  rtpTimestamp: uint32,
});
export type OriginMessage = z.infer<typeof OriginMessageSchema>;

/** Child → parent: counters for a stream, sent every 5 s and on stop. */
export const StatsMessageSchema = z.object({
  type: z.literal('stats'),
  streamId,
  packetsReceived: z.number().int().nonnegative(),
  packetsMalformed: z.number().int().nonnegative(),
  /** Packets of another stream: SSRC or payload type mismatch. */
  packetsWrongSsrc: z.number().int().nonnegative(),
  packetsConcealed: z.number().int().nonnegative(),
  rtcpPackets: z.number().int().nonnegative(),
  framesEmitted: z.number().int().nonnegative(),
  /** Audio handed to the recogniser but not yet decoded, s (0 with captions off). */
  asrBacklogSec: z.number().nonnegative().optional(),
  /** Recogniser real-time factor over the last stats period: decode time ÷ audio time (≥ 0). */
  asrRtf: z.number().nonnegative().optional(),
});
export type StatsMessage = z.infer<typeof StatsMessageSchema>;

/** Any child → parent message of the analyzer process. */
export const ChildMessageSchema = z.discriminatedUnion('type', [...BASE_CHILD_MESSAGES, OriginMessageSchema, StatsMessageSchema]);
export type ChildMessage = z.infer<typeof ChildMessageSchema>;
