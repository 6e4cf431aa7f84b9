-- 009: script mode — the talk's script a presenter pasted for a session (`PUT /v1/sessions/:id/script`,
-- gateway/src/http/v1/ScriptApi.ts). The alignment with the recognised words (transcript_words) is
-- computed when read (analyzers/src/script), so it follows the words written live and needs no
-- storage. Same tenancy as every per-session table (004, 005, 006): org_id filled from the
-- session on insert, row-level security limited to sessions the request can see.

CREATE TABLE session_scripts (
  session_id  uuid PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
  -- as pasted, trimmed; 1–40 000 characters (contract SCRIPT_MAX_CHARS)
  text        text NOT NULL CHECK (char_length(text) BETWEEN 1 AND 40000),
  -- the account that stored it (null if the account was deleted)
  set_by      uuid REFERENCES users (id) ON DELETE SET NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  org_id      text NOT NULL
);
CREATE TRIGGER session_scripts_org BEFORE INSERT ON session_scripts FOR EACH ROW EXECUTE FUNCTION lectern_inherit_org();
ALTER TABLE session_scripts ENABLE ROW LEVEL SECURITY;
CREATE POLICY session_scripts_tenant ON session_scripts FOR ALL TO lectern_app
  USING (org_id = lectern_org() AND session_id IN (SELECT id FROM sessions))
  WITH CHECK (org_id = lectern_org() AND session_id IN (SELECT id FROM sessions));
GRANT SELECT, INSERT, UPDATE, DELETE ON session_scripts TO lectern_app;
