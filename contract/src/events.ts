import { z } from 'zod';
import type { Ack } from './ack.ts';
import type { AuthRefreshRequest, AuthRefreshResponse } from './auth.ts';
import type { ErrorBody } from './errors.ts';
import { type BodyFrame, BodyFrameSchema, type BodyStats, BodyStatsSchema } from './body.ts';
import type {
  CoachCue,
  CommentAddRequest,
  CommentAddResponse,
  CueSendRequest,
  CueSendResponse,
} from './coaching.ts';
import {
  type AsrStatus,
  AsrStatusSchema,
  type CaptionEvent,
  CaptionEventSchema,
  type DisfluencyEvent,
  DisfluencyEventSchema,
  type FluencyFrame,
  FluencyFrameSchema,
} from './language.ts';
import {
  type AnalyzerStatus,
  AnalyzerStatusSchema,
  type PauseEvent,
  PauseEventSchema,
  type VoiceFrame,
  VoiceFrameSchema,
} from './metrics.ts';
import type { NudgeEvent } from './nudges.ts';
import type {
  ConnectTransportRequestSchema,
  RestartIceRequestSchema,
  RestartIceResponse,
  ConsumeRequestSchema,
  ConsumeResponse,
  ConsumerResumeRequestSchema,
  CreateTransportRequestSchema,
  JoinRequest,
  JoinResponse,
  PeerInfo,
  ProduceRequestSchema,
  ProduceResponse,
  ProducerCloseRequestSchema,
  ProducerInfo,
  TransportInfo,
} from './signaling.ts';

/** Socket.IO event names, client → server requests (all acknowledged with `Ack<T>`). */
export const ClientEvent = {
  Join: 'room:join',
  Leave: 'room:leave',
  CreateTransport: 'transport:create',
  ConnectTransport: 'transport:connect',
  /** New ICE credentials for a transport whose connection was lost (ICE restart). */
  RestartIce: 'transport:restartIce',
  Produce: 'producer:create',
  CloseProducer: 'producer:close',
  Consume: 'consumer:create',
  ResumeConsumer: 'consumer:resume',
  /** Coach only: a short live cue for the presenter (≤ 80 chars, ≤ 1/s). */
  SendCue: 'cue:send',
  /** Coach only: a comment stored at the session's current media time (≤ 500 chars, ≤ 1/s). */
  AddComment: 'comment:add',
  /** A newer access token for this socket (send before the current one expires). */
  RefreshAuth: 'auth:refresh',
} as const;

/** Socket.IO event names, server → client pushes. */
export const ServerEvent = {
  VoiceFrame: 'metrics:voice',
  Pause: 'metrics:pause',
  AnalyzerStatus: 'analyzer:status',
  Caption: 'captions:update',
  Fluency: 'metrics:fluency',
  Disfluency: 'fluency:event',
  AsrStatus: 'asr:status',
  BodyFrame: 'metrics:body',
  BodyStats: 'body:stats',
  PeerJoined: 'room:peer-joined',
  PeerLeft: 'room:peer-left',
  ProducerAdded: 'room:producer-added',
  ProducerClosed: 'room:producer-closed',
  RoomError: 'room:error',
  /** A coach's cue, sent to the room's presenter(s) only. */
  CoachCue: 'coach:cue',
  /** A live nudge from the server's nudge engine (contract/src/nudges.ts), to presenters and coaches. */
  Nudge: 'coach:nudge',
  /** Access ended (`ACCESS_REVOKED` or `UNAUTHENTICATED`); the server disconnects right after. */
  AuthRevoked: 'auth:revoked',
} as const;

type AckFn<T> = (ack: Ack<T>) => void;

/** Typed map for `socket.io` `Server<ClientToServerEvents, ServerToClientEvents>`. */
export interface ClientToServerEvents {
  'room:join': (req: JoinRequest, ack: AckFn<JoinResponse>) => void;
  'room:leave': (req: unknown, ack: AckFn<Record<string, never>>) => void;
  'transport:create': (req: z.input<typeof CreateTransportRequestSchema>, ack: AckFn<TransportInfo>) => void;
  'transport:connect': (req: z.input<typeof ConnectTransportRequestSchema>, ack: AckFn<Record<string, never>>) => void;
  'transport:restartIce': (req: z.input<typeof RestartIceRequestSchema>, ack: AckFn<RestartIceResponse>) => void;
  'producer:create': (req: z.input<typeof ProduceRequestSchema>, ack: AckFn<ProduceResponse>) => void;
  'producer:close': (req: z.input<typeof ProducerCloseRequestSchema>, ack: AckFn<Record<string, never>>) => void;
  'consumer:create': (req: z.input<typeof ConsumeRequestSchema>, ack: AckFn<ConsumeResponse>) => void;
  'consumer:resume': (req: z.input<typeof ConsumerResumeRequestSchema>, ack: AckFn<Record<string, never>>) => void;
  'cue:send': (req: CueSendRequest, ack: AckFn<CueSendResponse>) => void;
  'comment:add': (req: CommentAddRequest, ack: AckFn<CommentAddResponse>) => void;
  'auth:refresh': (req: AuthRefreshRequest, ack: AckFn<AuthRefreshResponse>) => void;
}

export interface ServerToClientEvents {
  'metrics:voice': (frame: VoiceFrame) => void;
  'metrics:pause': (pause: PauseEvent) => void;
  'analyzer:status': (status: AnalyzerStatus) => void;
  'captions:update': (caption: CaptionEvent) => void;
  'metrics:fluency': (frame: FluencyFrame) => void;
  'fluency:event': (event: DisfluencyEvent) => void;
  'asr:status': (status: AsrStatus) => void;
  'metrics:body': (frame: BodyFrame) => void;
  'body:stats': (stats: BodyStats) => void;
  'room:peer-joined': (peer: PeerInfo) => void;
  'room:peer-left': (peer: { peerId: string }) => void;
  'room:producer-added': (producer: ProducerInfo) => void;
  'room:producer-closed': (producer: { producerId: string }) => void;
  'room:error': (error: ErrorBody) => void;
  'coach:cue': (cue: CoachCue) => void;
  'coach:nudge': (nudge: NudgeEvent) => void;
  'auth:revoked': (error: ErrorBody) => void;
}

/**
 * One server → client push as a value: the Socket.IO event name and its payload, delivered with
 * `io.to(roomId).emit(event, payload)`. What the gateway's bus carries and what the analyzer
 * processes send up (see {@link AnalysisRoomMessageSchema}).
 */
export type RoomMessage = {
  [E in keyof ServerToClientEvents]: { event: E; payload: Parameters<ServerToClientEvents[E]>[0] };
}[keyof ServerToClientEvents];

const analysisMessage = <E extends keyof ServerToClientEvents, P extends z.ZodType>(event: E, payload: P) =>
  z.object({ event: z.literal(event), payload });

/**
 * The room messages analysis produces, as the analyzer (voice, language) and pose processes send
 * them to the gateway, which publishes them to the room unchanged: metric frames, pauses,
 * captions, disfluencies, ASR and analyzer status, body stats.
 */
export const AnalysisRoomMessageSchema = z.discriminatedUnion('event', [
  analysisMessage('metrics:voice', VoiceFrameSchema),
  analysisMessage('metrics:pause', PauseEventSchema),
  analysisMessage('analyzer:status', AnalyzerStatusSchema),
  analysisMessage('captions:update', CaptionEventSchema),
  analysisMessage('metrics:fluency', FluencyFrameSchema),
  analysisMessage('fluency:event', DisfluencyEventSchema),
  analysisMessage('asr:status', AsrStatusSchema),
  analysisMessage('metrics:body', BodyFrameSchema),
  analysisMessage('body:stats', BodyStatsSchema),
]);
export type AnalysisRoomMessage = z.infer<typeof AnalysisRoomMessageSchema>;
