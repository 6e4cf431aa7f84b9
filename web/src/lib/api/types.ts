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
  TimelinePause,
  TimelineWord,
} from '@lectern/contract';
