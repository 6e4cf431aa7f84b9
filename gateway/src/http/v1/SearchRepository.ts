import type { Sql } from 'postgres';
import { SEARCH_HITS_PER_SESSION, type SearchHit, type SearchResponse, type SearchResult } from '@lectern/contract';

/** Words of context listed on each side of a hit ({@link SearchHit} `before`/`after`). */
const CONTEXT_WORDS = 6;

/** Why a query cannot be searched: it has no word the English configuration indexes. */
export class UnsearchableQueryError extends Error {}

/**
 * The words of `q` that are not excluded (`-word` in web-search syntax): what hits are made of.
 * Quotes and `or` are left in: the text-search parser drops punctuation, and "or" is a stop word.
 */
export function positiveText(q: string): string {
  return q.replace(/(^|\s)-\S*/g, ' ');
}

/**
 * Transcript full-text search (migration 007) on a connection that is already inside
 * `Database.asPrincipal`: row-level security on `transcript_words`, `sessions` and
 * `media_objects` limits every step to the sessions the caller may see.
 *
 * Steps: (1) the query's lexemes (`to_tsvector('english', …)` of its non-excluded words) find the
 * matching words through the btree index on `transcript_words.lexeme` (migration 010: text
 * equality is leakproof, so the index is usable under row-level security); (2) each session with such a
 * word gets its transcript rebuilt in time order as a tsvector and must match
 * `websearch_to_tsquery('english', q)` (all words, phrases, `or`, `-word`); (3) sessions are
 * ordered by `ts_rank(transcript, query, 1)` (rank / (1 + ln(length)): long talks that mention a
 * word once do not outrank short ones that are about it), then newest first; (4) each lists its
 * first {@link SEARCH_HITS_PER_SESSION} matching words by time with {@link CONTEXT_WORDS} words
 * either side, and `replaySec` = media time + the recording's `media_time_origin_sec` (0 without one).
 */
export class SearchRepository {
  constructor(private readonly sql: Sql) {}

  /**
   * @param q the user's query (1–200 characters, already trimmed).
   * @param limit most sessions, 1–50.
   * @throws UnsearchableQueryError when `q` has no searchable word (only stop words such as "the",
   *   punctuation, or only `-excluded` words).
   */
  async search(q: string, limit: number): Promise<SearchResponse> {
    const [head] = await this.sql<{ terms: string[]; nodes: number }[]>`
      SELECT tsvector_to_array(to_tsvector('english', ${positiveText(q)})) AS terms,
             numnode(websearch_to_tsquery('english', ${q})) AS nodes`;
    const terms = head?.terms ?? [];
    if (terms.length === 0 || !head?.nodes)
      throw new UnsearchableQueryError(`"${q}" has no word to search for: stop words such as "the" or "and", punctuation and -excluded words are not indexed; add a content word`);

    const rows = await this.sql<(Omit<SearchResult, 'startedAt' | 'hits'> & { startedAt: Date; hits: SearchHit[] })[]>`
      WITH q AS (SELECT websearch_to_tsquery('english', ${q}) AS tsq, ${terms}::text[] AS terms),
      matched AS (
        SELECT w.session_id, w.word, w.start_sec, w.segment_id
        FROM transcript_words w WHERE w.lexeme = ANY(${terms}::text[])
      ),
      docs AS (
        SELECT w.session_id, to_tsvector('english', string_agg(w.word, ' ' ORDER BY w.start_sec, w.segment_id)) AS doc
        FROM transcript_words w WHERE w.session_id IN (SELECT DISTINCT session_id FROM matched)
        GROUP BY w.session_id
      ),
      ranked AS (
        SELECT d.session_id, ts_rank(d.doc, q.tsq, 1) AS rank FROM docs d, q WHERE d.doc @@ q.tsq
      )
      SELECT s.id AS "sessionId", s.room_id AS "roomId", s.title, s.started_at AS "startedAt", r.rank,
        (SELECT count(*)::int FROM matched m WHERE m.session_id = r.session_id) AS "matchCount",
        (SELECT coalesce(json_agg(json_build_object(
            'word', h.word,
            'mediaTimeSec', h.start_sec,
            'replaySec', greatest(0, h.start_sec + coalesce(origin.sec, 0)),
            'before', coalesce((SELECT string_agg(b.word, ' ' ORDER BY b.start_sec, b.segment_id) FROM (
                SELECT x.word, x.start_sec, x.segment_id FROM transcript_words x
                WHERE x.session_id = r.session_id AND (x.start_sec, x.segment_id) < (h.start_sec, h.segment_id)
                ORDER BY x.start_sec DESC, x.segment_id DESC LIMIT ${CONTEXT_WORDS}) b), ''),
            'after', coalesce((SELECT string_agg(a.word, ' ' ORDER BY a.start_sec, a.segment_id) FROM (
                SELECT x.word, x.start_sec, x.segment_id FROM transcript_words x
                WHERE x.session_id = r.session_id AND (x.start_sec, x.segment_id) > (h.start_sec, h.segment_id)
                ORDER BY x.start_sec, x.segment_id LIMIT ${CONTEXT_WORDS}) a), '')
          ) ORDER BY h.start_sec), '[]'::json)
          FROM (SELECT m.word, m.start_sec, m.segment_id FROM matched m WHERE m.session_id = r.session_id
                ORDER BY m.start_sec, m.segment_id LIMIT ${SEARCH_HITS_PER_SESSION}) h) AS hits
      FROM ranked r
      JOIN sessions s ON s.id = r.session_id
      LEFT JOIN LATERAL (
        SELECT mo.media_time_origin_sec AS sec FROM media_objects mo
        WHERE mo.session_id = r.session_id AND mo.kind = 'recording' ORDER BY mo.created_at DESC LIMIT 1
      ) origin ON true
      ORDER BY r.rank DESC, s.started_at DESC, s.id
      LIMIT ${limit}`;
    return {
      query: q,
      terms,
      items: rows.map((r) => ({ ...r, startedAt: r.startedAt.toISOString(), rank: Number(r.rank) })),
    };
  }
}
