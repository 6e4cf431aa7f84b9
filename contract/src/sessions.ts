/**
 * Shapes of the session API under `/v1` (gateway `src/http/v1/`) as JSON: the gateway's rows
 * (`gateway/src/db/DbTypes.ts`) serialised, dates as ISO-8601 strings, times named `…Sec` in
 * seconds. Session media time is seconds since the presenter's first audio RTP packet; a recording
 * position is `mediaTimeSec + mediaTimeOriginSec`. Shared by the gateway and the web app.
 */
import type { DisfluencyKind } from './language.ts';

/** `live` while recording, then `ended` (normally) or `failed`. */
export type SessionState = 'live' | 'ended' | 'failed';

/** Why a session ended. `crashed`: the gateway stopped without ending it (found at next start). */
export type EndReason = 'presenter-left' | 'api' | 'room-closed' | 'shutdown' | 'crashed';

/** Role of a peer in a room. */
export type ParticipantRole = 'presenter' | 'coach' | 'viewer';

/** One session in the list (`GET /v1/sessions`) and the head of `GET /v1/sessions/:id`. */
export interface SessionSummary {
  id: string;
  /** Tenant (always `local` for now). */
  orgId?: string;
  roomId: string;
  title: string | null;
  state: SessionState;
  /** Null while live. */
  endReason: EndReason | null;
  /** ISO-8601 wall-clock start. */
  startedAt: string;
  endedAt: string | null;
  /** Wall-clock length (endedAt − startedAt), seconds; null while live. */
  durationSec: number | null;
  /** Media length (end of the last metric window), seconds. */
  mediaDurationSec: number | null;
}

/** `GET /v1/sessions`: newest first; pass `nextCursor` as `?cursor=` for the next page. */
export interface SessionList {
  items: SessionSummary[];
  nextCursor: string | null;
}

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

/**
 * One stored metric window: the contract frame (`metrics:voice`, `metrics:fluency`, `metrics:body`)
 * split into its envelope and `payload` (the metric values, e.g. `levelDbfs`, `f0Hz`).
 */
export interface TimelineFrame {
  producerId: string;
  /** `voice` (100 ms windows), `fluency` (~1 s), `body` (~200 ms). */
  kind: string;
  mediaTimeSec: number;
  windowSec: number | null;
  serverTimeMs: number;
  payload: Record<string, unknown>;
}

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
}

/** An RFC 9457 (Problem Details) error body, as the API sends with `application/problem+json`. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  instance?: string;
  /** Lectern's stable error code (the contract's `ErrorCode`), when the API adds one. */
  code?: string;
  [extra: string]: unknown;
}
