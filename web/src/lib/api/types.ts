/**
 * Shapes of the session API under `/v1`, as the web app reads them: defined once in the contract
 * (`contract/src/sessions.ts`), shared with the gateway.
 */
export type {
  MediaObject,
  MediaObjectState,
  Participant,
  Problem,
  SessionDetail,
  SessionList,
  SessionState,
  SessionSummary,
  Timeline,
  TimelineComment,
  TimelineDisfluency,
  TimelineFrame,
  TimelineFrameOf,
  TimelinePause,
  TimelineWord,
} from '@lectern/contract';

import type { Problem } from '@lectern/contract';
/**
 * An error body as it may arrive: the gateway's Problem+JSON (any field may be missing from a
 * proxy's or an older server's answer) or Fastify's default `{ statusCode, error, message }`.
 */
export type ReceivedProblem = Partial<Problem> & { [extra: string]: unknown };
