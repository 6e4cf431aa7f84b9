-- 006: live nudges (the gateway's nudge engine, contract/src/nudges.ts) and remote coaches' cues
-- (`cue:send`), each at the session media time it was shown (seconds since the presenter's first
-- audio RTP packet). Same tenancy as every per-session table (004, 005): org_id filled from the
-- session on insert, row-level security limited to sessions the request can see.

CREATE TABLE session_cues (
  id              uuid PRIMARY KEY,
  session_id      uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  source          text NOT NULL CHECK (source IN ('nudge', 'coach')),
  -- the nudge kind (level, pace, pause, facing, pitch); NULL for coach cues
  kind            text CHECK ((source = 'nudge') = (kind IS NOT NULL)),
  -- 1–80 characters (coach cues are validated at the gateway; nudges are ≤ 3 words)
  text            text NOT NULL CHECK (char_length(text) BETWEEN 1 AND 80),
  media_time_sec  double precision NOT NULL CHECK (media_time_sec >= 0),
  -- the nudged metric's value in the rule's unit (NULL for coach cues)
  metric_value    double precision,
  -- the coach's signaling peer id and display name (NULL for nudges)
  author_peer_id  text,
  author_name     text,
  sent_at         timestamptz NOT NULL DEFAULT now(),
  org_id          text NOT NULL
);
CREATE INDEX session_cues_session_time_idx ON session_cues (session_id, media_time_sec);
CREATE TRIGGER session_cues_org BEFORE INSERT ON session_cues FOR EACH ROW EXECUTE FUNCTION lectern_inherit_org();
ALTER TABLE session_cues ENABLE ROW LEVEL SECURITY;
CREATE POLICY session_cues_tenant ON session_cues FOR ALL TO lectern_app
  USING (org_id = lectern_org() AND session_id IN (SELECT id FROM sessions))
  WITH CHECK (org_id = lectern_org() AND session_id IN (SELECT id FROM sessions));
GRANT SELECT, INSERT, UPDATE, DELETE ON session_cues TO lectern_app;
