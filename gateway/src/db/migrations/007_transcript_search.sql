-- 007: full-text search over transcripts (`GET /v1/search`, gateway/src/http/v1/SearchRepository.ts).
--
-- Words are stored one row each in transcript_words (media time, written live by the analyzers'
-- final captions), so a hit can name the word's media time. Each row gets its English lexemes
-- (PostgreSQL's `english` text-search configuration: Snowball stemmer, stop words removed; usually
-- one lexeme, none for a stop word such as "the"), indexed with GIN: the words of a query are found
-- through the index (`lexemes && query terms`). Ranking (ts_rank) and the full query semantics
-- (AND, OR, "phrases", -exclusions: websearch_to_tsquery) are evaluated on the transcript of each
-- session that has at least one such word, rebuilt at query time in word order.
--
-- No new table: transcript_words keeps its tenancy (004/005: org_id from the session, row-level
-- security for lectern_app), so a search under Database.asPrincipal finds only words of sessions
-- the caller may see.

ALTER TABLE transcript_words
  ADD COLUMN lexemes text[] GENERATED ALWAYS AS (tsvector_to_array(to_tsvector('english'::regconfig, word))) STORED;
CREATE INDEX transcript_words_lexemes_idx ON transcript_words USING gin (lexemes);
