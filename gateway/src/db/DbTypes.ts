/**
 * Row shapes of the session tables (camelCase; times as noted). The API sends them as JSON in the
 * shapes of the contract's `sessions.ts` (dates as ISO strings); the state unions come from there.
 */
import type {
  EndReason,
  MediaObject,
  ParticipantRole,
  SessionState,
  TimelineComment,
  TimelineCue,
  TimelineDisfluency,
  TimelineFrame,
  TimelinePause,
  TimelineWord,
} from '@lectern/contract';

export type { EndReason, MediaObjectState, SessionState } from '@lectern/contract';

/** One rehearsal session (table `sessions`). */
export interface SessionRow {
  id: string;
  orgId: string;
  /** The presenter's account (null for sessions from before accounts). */
  ownerUserId: string | null;
  /** Visible to the organization's coaches. */
  sharedWithCoaches: boolean;
  nodeId: string;
  roomId: string;
  title: string | null;
  state: SessionState;
  endReason: EndReason | null;
  /** Wall-clock start/end (Date). */
  startedAt: Date;
  endedAt: Date | null;
  /** ended_at − started_at, seconds. */
  durationSec: number | null;
  /** End of the last metric window, media seconds. */
  mediaDurationSec: number | null;
}

/** A peer that was in the session's room (table `participants`). */
export interface ParticipantRow {
  sessionId: string;
  peerId: string;
  role: ParticipantRole;
  displayName: string;
  joinedAt: Date;
  leftAt: Date | null;
}

/**
 * A stored object of a session, e.g. its WebM recording (table `media_objects`): the contract's
 * `MediaObject` with dates as `Date` and the key and session always present.
 */
export type MediaObjectRow = Omit<MediaObject, 'sessionId' | 's3Key' | 'createdAt' | 'uploadedAt' | 'url'> & {
  sessionId: string;
  /** Object key in the bucket. */
  s3Key: string;
  createdAt: Date;
  uploadedAt: Date | null;
};

// The media-time rows are the contract's timeline entries (what `GET /v1/sessions/:id/timeline`
// sends) plus the session they belong to; all times are session media seconds.

/** One metric window (table `metric_frames`). `payload`: the metric values (e.g. levelDbfs, f0Hz). */
export type MetricFrameRow = TimelineFrame & { sessionId: string };

/** A finished pause (table `pauses`). */
export type PauseRow = TimelinePause & { sessionId: string };

/** A final recognised word (table `transcript_words`); confidence 0–1 or null. */
export type WordRow = TimelineWord & { sessionId: string };

/** A disfluency (filler, repetition, hedge) (table `disfluency_events`). */
export type DisfluencyRow = TimelineDisfluency & { sessionId: string };

/** A remote coach's comment (table `coach_comments`); text 1–500 characters. */
export type CommentRow = Omit<TimelineComment, 'createdAt'> & { sessionId: string; createdAt: Date };

/** A live nudge or a coach's cue (table `session_cues`, migration 006); text 1–80 characters. */
export type CueRow = Omit<TimelineCue, 'sentAt'> & { sessionId: string; authorPeerId: string | null; sentAt: Date };

/** Everything the replay page needs, each list ordered by media time. */
export interface Timeline {
  frames: TimelineFrame[];
  pauses: Omit<PauseRow, 'sessionId'>[];
  words: Omit<WordRow, 'sessionId'>[];
  disfluencies: Omit<DisfluencyRow, 'sessionId'>[];
  comments: Omit<CommentRow, 'sessionId'>[];
  /** Live nudges and coach cues. */
  cues: Omit<CueRow, 'sessionId' | 'authorPeerId'>[];
}
