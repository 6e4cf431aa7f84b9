import { z } from 'zod';

/**
 * Remote coaching: a peer that joined a room with role `coach` sends short live cues to the
 * presenter (`cue:send` → `coach:cue` pushed to the presenter's sockets only) and timestamped
 * comments that are stored with the live session (`comment:add`; returned by
 * `GET /v1/sessions/:id/timeline` as `comments`). Only `coach` peers may send either
 * (others get `FORBIDDEN`); each is limited to one per {@link COACH_MIN_INTERVAL_MS} per coach
 * (`RATE_LIMITED`, the message says how long to wait).
 */

/** Longest cue, characters (after trimming). */
export const CUE_MAX_CHARS = 80;
/** Longest comment, characters (after trimming). */
export const COMMENT_MAX_CHARS = 500;
/** Minimum interval between two cues (and between two comments) of one coach, ms. */
export const COACH_MIN_INTERVAL_MS = 1000;
/** How long the presenter's page shows a cue, ms. */
export const CUE_DISPLAY_MS = 5000;

/** The one-click cues of the coach page (a coach may also type any text ≤ 80 characters). */
export const CANNED_CUES = ['Slow down', 'Louder', 'Pause', 'Look up', 'Good!'] as const;

/** `cue:send` request: the cue text, 1–80 characters after trimming. */
export const CueSendRequestSchema = z.object({
  text: z.string().trim().min(1, 'cue is empty').max(CUE_MAX_CHARS, `cue is longer than ${CUE_MAX_CHARS} characters`),
});
export type CueSendRequest = z.input<typeof CueSendRequestSchema>;

/** `cue:send` acknowledgement data. */
export interface CueSendResponse {
  cueId: string;
  /** Presenter peers the cue was delivered to (0 when no presenter is in the room). */
  deliveredTo: number;
}

/** `coach:cue`, pushed to the presenter(s) of the room only (never echoed to the coach). */
export interface CoachCue {
  cueId: string;
  roomId: string;
  /** 1–80 characters. */
  text: string;
  fromPeerId: string;
  fromName: string;
  /** Server wall-clock time of sending, epoch ms. */
  sentAtMs: number;
}

/** `comment:add` request: the comment text, 1–500 characters after trimming. */
export const CommentAddRequestSchema = z.object({
  text: z
    .string()
    .trim()
    .min(1, 'comment is empty')
    .max(COMMENT_MAX_CHARS, `comment is longer than ${COMMENT_MAX_CHARS} characters`),
});
export type CommentAddRequest = z.input<typeof CommentAddRequestSchema>;

/**
 * `comment:add` acknowledgement data: the stored comment. `mediaTimeSec` is the session media time
 * (seconds since the presenter's first audio RTP packet; the end of the newest analysed voice
 * window) at the moment the gateway received the comment.
 */
export interface CommentAddResponse {
  commentId: string;
  sessionId: string;
  mediaTimeSec: number;
}
