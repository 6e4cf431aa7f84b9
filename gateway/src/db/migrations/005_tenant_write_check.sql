-- 005: a session's rows may only be written for a session the request can see. 004's write check
-- on the per-session tables only compared org_id, so raw SQL on the application role could attach
-- rows of its own organization to another organization's session id.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['participants', 'media_objects', 'metric_frames', 'pauses', 'transcript_words',
                           'disfluency_events', 'coach_comments', 'analysis_jobs', 'session_analyses', 'session_scores'] LOOP
    EXECUTE format('ALTER POLICY %I ON %I USING (org_id = lectern_org() AND session_id IN (SELECT id FROM sessions)) WITH CHECK (org_id = lectern_org() AND session_id IN (SELECT id FROM sessions))', t || '_tenant', t);
  END LOOP;
END $$;
