-- 008: report clips — the best and weakest moments of a session (gateway/src/reports/clips), cut
-- from its recording by the report job with captions burned in. The video is a media_objects row
-- of kind 'clip' (that column has no CHECK, so no change there); this table holds the moment
-- (kind, recording seconds, title, why) and the burned-in captions, or why the clip failed.
-- Same tenancy as every per-session table (004, 005, 006): org_id filled from the session on
-- insert, row-level security limited to sessions the request can see.

CREATE TABLE session_clips (
  id              uuid PRIMARY KEY,
  session_id      uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  -- the cut video; NULL when the clip failed
  media_object_id uuid REFERENCES media_objects (id) ON DELETE SET NULL,
  -- position in the report (pick order of the moment selection)
  ordinal         integer NOT NULL CHECK (ordinal >= 0),
  kind            text NOT NULL CHECK (kind IN ('filler-cluster', 'fastest-pace', 'longest-pause', 'liveliest', 'steadiest')),
  tone            text NOT NULL CHECK (tone IN ('best', 'weak', 'neutral')),
  -- recording seconds (replay ?t=)
  start_sec       double precision NOT NULL CHECK (start_sec >= 0),
  end_sec         double precision NOT NULL CHECK (end_sec > start_sec),
  title           text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 80),
  why             text NOT NULL CHECK (char_length(why) BETWEEN 1 AND 300),
  -- the measured value the moment was picked on, and its unit
  value           double precision NOT NULL,
  unit            text NOT NULL,
  -- pending: picked, not cut yet (the job marks the analysis done first, then cuts)
  state           text NOT NULL CHECK (state IN ('pending', 'ready', 'failed')),
  error           text CHECK ((state = 'failed') = (error IS NOT NULL)),
  -- the burned-in captions, clip seconds: [{startSec, endSec, text}]
  captions        jsonb NOT NULL DEFAULT '[]',
  created_at      timestamptz NOT NULL DEFAULT now(),
  org_id          text NOT NULL
);
CREATE INDEX session_clips_session_idx ON session_clips (session_id, ordinal);
CREATE TRIGGER session_clips_org BEFORE INSERT ON session_clips FOR EACH ROW EXECUTE FUNCTION lectern_inherit_org();
ALTER TABLE session_clips ENABLE ROW LEVEL SECURITY;
CREATE POLICY session_clips_tenant ON session_clips FOR ALL TO lectern_app
  USING (org_id = lectern_org() AND session_id IN (SELECT id FROM sessions))
  WITH CHECK (org_id = lectern_org() AND session_id IN (SELECT id FROM sessions));
GRANT SELECT, INSERT, UPDATE, DELETE ON session_clips TO lectern_app;
