-- 010: an index the transcript search can use under row-level security. Through the application
-- role, PostgreSQL applies a query's own conditions only after the RLS policy unless their
-- operators are LEAKPROOF; array overlap (`lexemes && terms`, migration 007) is not, so the GIN
-- index was never used and every visible word was scanned (≈ 0.6 s for 100 000 words). Text
-- equality is leakproof: `lexeme = ANY(terms)` on this btree index is. `lexeme` is a word's first
-- English lexeme (ASR words are single tokens: one lexeme, none for a stop word); the other
-- lexemes of a hyphenated word stay in `lexemes`.
ALTER TABLE transcript_words
  ADD COLUMN lexeme text GENERATED ALWAYS AS ((tsvector_to_array(to_tsvector('english'::regconfig, word)))[1]) STORED;
CREATE INDEX transcript_words_lexeme_idx ON transcript_words (lexeme);
