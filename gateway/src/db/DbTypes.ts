/**
 * Row shapes of the session tables (camelCase; times as noted). The API sends them as JSON in the
 * shapes of the contract's `sessions.ts` (dates as ISO strings); the state unions come from there.
 */
import type { EndReason, MediaObject, ParticipantRole, SessionState } from '@lectern/contract';

export type { EndReason, MediaObjectState, SessionState } from '@lectern/contract';

/** One rehearsal session (table `sessions`). */
export interface SessionRow {
  id: string;
  orgId: string;
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

/** One metric window (table `metric_frames`). `payload`: the metric values (e.g. levelDbfs, f0Hz). */
export interface MetricFrameRow {
  sessionId: string;
  producerId: string;
  /** `voice` (100 ms windows) or `fluency` (~1 s). */
  kind: string;
  mediaTimeSec: number;
  windowSec: number | null;
  serverTimeMs: number;
  payload: Record<string, unknown>;
}

/** A finished pause (table `pauses`), media seconds. */
export interface PauseRow {
  sessionId: string;
  producerId: string;
  startSec: number;
  endSec: number;
  durationSec: number;
}

/** A final recognised word (table `transcript_words`), media seconds. */
export interface WordRow {
  sessionId: string;
  producerId: string;
  segmentId: number;
  word: string;
  startSec: number;
  endSec: number;
  /** 0–1, null when the engine gives none. */
  confidence: number | null;
}

/** A disfluency (filler, repetition, hedge) (table `disfluency_events`), media seconds. */
export interface DisfluencyRow {
  sessionId: string;
  producerId: string;
  kind: string;
  text: string;
  startSec: number;
  endSec: number;
}

/** A remote coach's comment (table `coach_comments`), media seconds. */
export interface CommentRow {
  id: string;
  sessionId: string;
  authorPeerId: string;
  authorName: string;
  /** 1–500 characters. */
  text: string;
  /** Session media time when it was sent, seconds (≥ 0). */
  mediaTimeSec: number;
  createdAt: Date;
}

/** Everything the replay page needs, each list ordered by media time. */
export interface Timeline {
  frames: Omit<MetricFrameRow, 'sessionId'>[];
  pauses: Omit<PauseRow, 'sessionId'>[];
  words: Omit<WordRow, 'sessionId'>[];
  disfluencies: Omit<DisfluencyRow, 'sessionId'>[];
  comments: Omit<CommentRow, 'sessionId'>[];
}
