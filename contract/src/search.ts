/**
 * Transcript search (`GET /v1/search?q=&limit=`, gateway `src/http/v1/SearchApi.ts`): PostgreSQL
 * full-text search over the recognised words of the sessions the caller may see, ranked per
 * session, each hit naming the word's time so the replay can open there (`/sessions/<id>?t=<replaySec>`).
 * Session media time is seconds since the presenter's first audio RTP packet; a recording position
 * is `mediaTimeSec + mediaTimeOriginSec` (contract/src/sessions.ts).
 */
import { z } from 'zod';

/** Longest query accepted, characters. */
export const SEARCH_QUERY_MAX_CHARS = 200;
/** Most sessions one search returns (`limit`, default {@link SEARCH_DEFAULT_LIMIT}). */
export const SEARCH_MAX_LIMIT = 50;
export const SEARCH_DEFAULT_LIMIT = 20;
/** Most hits listed per session (the first ones by time; `matchCount` counts them all). */
export const SEARCH_HITS_PER_SESSION = 5;

/**
 * `GET /v1/search` query. `q`: 1–200 characters, web-search syntax of PostgreSQL's
 * `websearch_to_tsquery('english', q)`: words (all must occur in the session, any form: "pause"
 * finds "paused"), `"a phrase"`, `or`, `-word` (sessions without it). `limit`: sessions, 1–50 (20).
 */
export const SearchQuerySchema = z
  .object({
    q: z.string().trim().min(1, 'type a word to search for').max(SEARCH_QUERY_MAX_CHARS),
    limit: z.coerce.number().int().min(1).max(SEARCH_MAX_LIMIT).default(SEARCH_DEFAULT_LIMIT),
  })
  .strict();
export type SearchQuery = z.output<typeof SearchQuerySchema>;

/** One occurrence of a query word in a session's transcript, with the words around it. */
export const SearchHitSchema = z.object({
  /** The word as recognised (e.g. "paused" for the query "pause"). */
  word: z.string(),
  /** Start of the word, session media time, seconds ≥ 0. */
  mediaTimeSec: z.number().min(0),
  /** Start of the word as a position in the recording (`mediaTimeSec + mediaTimeOriginSec`, origin 0 without a recording): the replay's `?t=`. */
  replaySec: z.number().min(0),
  /** Up to 6 words spoken before it and after it (same session), space-separated; '' at the ends. */
  before: z.string(),
  after: z.string(),
});
export type SearchHit = z.infer<typeof SearchHitSchema>;

/** A session whose transcript matches the query. */
export const SearchResultSchema = z.object({
  sessionId: z.string(),
  roomId: z.string(),
  title: z.string().nullable(),
  /** ISO-8601 wall-clock start. */
  startedAt: z.string(),
  /** PostgreSQL `ts_rank(transcript, query, 1)` (normalised by 1 + log of the transcript's length), > 0; higher first. */
  rank: z.number(),
  /** Words of the session that are query words (all of them, not only `hits`). */
  matchCount: z.number().int().min(1),
  /** The first ≤ 5 of them by time. */
  hits: z.array(SearchHitSchema),
});
export type SearchResult = z.infer<typeof SearchResultSchema>;

/** `GET /v1/search` response: sessions by rank (highest first), at most `limit`. */
export const SearchResponseSchema = z.object({
  query: z.string(),
  /** The query's English lexemes that were looked up (stemmed, stop words dropped), e.g. ["paus"]. */
  terms: z.array(z.string()),
  items: z.array(SearchResultSchema),
});
export type SearchResponse = z.infer<typeof SearchResponseSchema>;
