/**
 * Shapes of the session API under `/v1` (gateway `src/http/v1/`) as JSON: the gateway's rows
 * (`gateway/src/db/DbTypes.ts`) serialised, dates as ISO-8601 strings, times named `…Sec` in
 * seconds. Session media time is seconds since the presenter's first audio RTP packet; a recording
 * position is `mediaTimeSec + mediaTimeOriginSec`. Shared by the gateway and the web app.
 */
import { z } from 'zod';
import { BodyFrameSchema } from './body.ts';
import { type DisfluencyKind, FluencyFrameSchema } from './language.ts';
import { VoiceFrameSchema } from './metrics.ts';
import type { TimelineCue } from './nudges.ts';

/** `live` while recording, then `ended` (normally) or `failed`. */
export const SessionStateSchema = z.enum(['live', 'ended', 'failed']);
export type SessionState = z.infer<typeof SessionStateSchema>;

/** Why a session ended. `crashed`: the gateway stopped without ending it (found at next start). */
export const EndReasonSchema = z.enum(['presenter-left', 'api', 'room-closed', 'shutdown', 'crashed']);
export type EndReason = z.infer<typeof EndReasonSchema>;

/** Role of a peer in a room. */
export type ParticipantRole = 'presenter' | 'coach' | 'viewer';

/**
 * One session in the list (`GET /v1/sessions`) and the head of `GET /v1/sessions/:id`; the gateway
 * also serialises the list and `POST …/end` with this schema.
 */
export const SessionSummarySchema = z.object({
  id: z.string(),
  /** The organization the session belongs to. */
  orgId: z.string(),
  /** The presenter's account (null for sessions recorded before accounts existed). */
  ownerUserId: z.string().nullable(),
  /** Whether the organization's coaches may see it (`PATCH /v1/sessions/:id`). */
  sharedWithCoaches: z.boolean(),
  /** Room name (as the presenter typed it). */
  roomId: z.string(),
  title: z.string().nullable(),
  state: SessionStateSchema,
  /** Null while live. */
  endReason: EndReasonSchema.nullable(),
  /** ISO-8601 wall-clock start. */
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  /** Wall-clock length (endedAt − startedAt), seconds; null while live. */
  durationSec: z.number().nullable(),
  /** Media length (end of the last metric window), seconds. */
  mediaDurationSec: z.number().nullable(),
});
export type SessionSummary = z.infer<typeof SessionSummarySchema>;

/** `GET /v1/sessions`: newest first; pass `nextCursor` as `?cursor=` for the next page. */
export const SessionListSchema = z.object({
  items: z.array(SessionSummarySchema),
  nextCursor: z.string().nullable(),
});
export type SessionList = z.infer<typeof SessionListSchema>;

/** Media object states: being written → spooled on disk (S3 unreachable) → uploaded, or failed. */
export type MediaObjectState = 'recording' | 'spooled' | 'uploaded' | 'failed';

/** A stored object of a session, e.g. its WebM recording (Opus audio, VP8 video if there was a camera). */
export interface MediaObject {
  id: string;
  sessionId?: string;
  kind: string;
  /** Object key in the bucket. */
  s3Key?: string;
  contentType: string;
  state: MediaObjectState;
  bytes: number | null;
  /** Playable duration, seconds (null until known). */
  durationSec: number | null;
  hasAudio: boolean;
  hasVideo: boolean;
  /** Playback position (s) at which session media time 0 occurs: position = mediaTimeSec + origin. */
  mediaTimeOriginSec: number | null;
  error: string | null;
  createdAt: string;
  uploadedAt: string | null;
  /** Presigned URL of this object, when the API includes one per object. */
  url?: string | null;
}

/** A peer that was in the session's room. */
export interface Participant {
  peerId: string;
  role: ParticipantRole;
  displayName: string;
  joinedAt: string;
  leftAt: string | null;
}

/** `GET /v1/sessions/:id`. */
export interface SessionDetail extends SessionSummary {
  /** Whether this gateway is running the session right now. */
  live: boolean;
  participants: Participant[];
  mediaObjects: MediaObject[];
  /** Presigned S3 URL (range-capable GET) of the recording (WebM), null until it is uploaded. */
  recordingUrl: string | null;
  /** The recording's `mediaTimeOriginSec` (position = mediaTimeSec + origin), null if unknown. */
  mediaTimeOriginSec: number | null;
}

/** Fields of a live metric frame that a stored one keeps outside its `payload`. */
const FRAME_ENVELOPE = { roomId: true, producerId: true, kind: true, mediaTimeSec: true, windowSec: true, serverTimeMs: true } as const;
const timelineFrameBase = {
  /** mediasoup producer id of the analysed track. */
  producerId: z.string(),
  /** Start of the window, session media seconds. */
  mediaTimeSec: z.number(),
  /** Server wall-clock time (Unix epoch ms) when the live frame was emitted. */
  serverTimeMs: z.number(),
};

/**
 * One stored metric window: the contract frame (`metrics:voice`, `metrics:fluency`, `metrics:body`)
 * split into its envelope and `payload` (the frame's metric values, e.g. `levelDbfs`, `f0Hz`),
 * keyed on `kind`: `voice` (100 ms windows), `fluency` (~1 s, no window: `windowSec` null),
 * `body` (~200 ms).
 */
export const TimelineFrameSchema = z.discriminatedUnion('kind', [
  z.object({ ...timelineFrameBase, kind: z.literal('voice'), windowSec: z.number(), payload: VoiceFrameSchema.omit(FRAME_ENVELOPE) }),
  z.object({
    ...timelineFrameBase,
    kind: z.literal('fluency'),
    windowSec: z.null(),
    payload: FluencyFrameSchema.omit({ roomId: true, producerId: true, mediaTimeSec: true, serverTimeMs: true }),
  }),
  z.object({ ...timelineFrameBase, kind: z.literal('body'), windowSec: z.number(), payload: BodyFrameSchema.omit(FRAME_ENVELOPE) }),
]);
export type TimelineFrame = z.infer<typeof TimelineFrameSchema>;
/** The stored frame of one kind, e.g. `TimelineFrameOf<'voice'>`. */
export type TimelineFrameOf<K extends TimelineFrame['kind']> = Extract<TimelineFrame, { kind: K }>;

export interface TimelinePause {
  producerId: string;
  startSec: number;
  endSec: number;
  durationSec: number;
}

export interface TimelineWord {
  producerId: string;
  segmentId: number;
  word: string;
  startSec: number;
  endSec: number;
  confidence: number | null;
}

export interface TimelineDisfluency {
  producerId: string;
  kind: DisfluencyKind | string;
  text: string;
  startSec: number;
  endSec: number;
}

/** A remote coach's comment (`comment:add`), tied to the session media time it was sent at. */
export interface TimelineComment {
  id: string;
  /** Session media time when the coach sent it, seconds (recording position = this + origin). */
  mediaTimeSec: number;
  text: string;
  authorPeerId: string;
  authorName: string;
  /** ISO-8601 wall-clock time it was stored. */
  createdAt: string;
}

/** `GET /v1/sessions/:id/timeline`: every list ordered by media time. */
export interface Timeline {
  sessionId?: string;
  /** Same as the session's `mediaTimeOriginSec`. */
  mediaTimeOriginSec?: number | null;
  frames: TimelineFrame[];
  pauses: TimelinePause[];
  words: TimelineWord[];
  disfluencies: TimelineDisfluency[];
  /** Coach comments (`comment:add`) whose media time is in the requested range, by media time. */
  comments: TimelineComment[];
  /** Live nudges and coach cues (contract/src/nudges.ts), by media time; absent from servers before #14. */
  cues?: TimelineCue[];
}

/**
 * An RFC 9457 (Problem Details) error body, as the API sends it with `application/problem+json`:
 * `type` a stable URI per problem, `title` its short summary, `status` the HTTP status, `detail`
 * what went wrong in this request, `instance` the request path.
 */
export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string().optional(),
  /** Lectern's stable error code (the contract's `ErrorCode`), when the API adds one. */
  code: z.string().optional(),
});
export type Problem = z.infer<typeof ProblemSchema>;
