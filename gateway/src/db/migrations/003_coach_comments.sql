-- 003: remote coaching — comments a coach writes during a live session, each tied to the session
-- media time (seconds since the presenter's first audio RTP packet) at which it was sent.

CREATE TABLE coach_comments (
  id              uuid PRIMARY KEY,
  session_id      uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  -- the coach's signaling peer id and display name when it was written
  author_peer_id  text NOT NULL,
  author_name     text NOT NULL,
  -- 1–500 characters (validated at the gateway)
  text            text NOT NULL CHECK (char_length(text) BETWEEN 1 AND 500),
  media_time_sec  double precision NOT NULL CHECK (media_time_sec >= 0),
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX coach_comments_session_time_idx ON coach_comments (session_id, media_time_sec);
