-- 001: sessions that last — sessions, participants, recordings (media objects), metric frames,
-- pauses, transcript words and disfluency events. Times named *_sec are session media seconds:
-- seconds since the producer's first RTP packet as seen by the analyzer (contract `mediaTimeSec`),
-- kept continuous across analyzer restarts (see gateway/src/recording/MediaTimebase.ts).

CREATE TABLE sessions (
  id                 uuid PRIMARY KEY,
  org_id             text NOT NULL DEFAULT 'local',
  -- gateway that runs the session (LECTERN_NODE_ID); at start-up a node ends its own 'live' leftovers
  node_id            text NOT NULL,
  room_id            text NOT NULL,
  title              text,
  state              text NOT NULL CHECK (state IN ('live', 'ended', 'failed')),
  -- why it ended: presenter-left | api | room-closed | shutdown | crashed
  end_reason         text,
  started_at         timestamptz NOT NULL DEFAULT now(),
  ended_at           timestamptz,
  -- wall-clock length (ended_at - started_at), seconds
  duration_sec       double precision,
  -- media length: the last metric window's end, seconds
  media_duration_sec double precision,
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_started_idx ON sessions (started_at DESC, id DESC);
CREATE INDEX sessions_live_room_idx ON sessions (room_id) WHERE state = 'live';

CREATE TABLE participants (
  session_id   uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  peer_id      text NOT NULL,
  role         text NOT NULL CHECK (role IN ('presenter', 'coach', 'viewer')),
  display_name text NOT NULL DEFAULT '',
  joined_at    timestamptz NOT NULL DEFAULT now(),
  left_at      timestamptz,
  PRIMARY KEY (session_id, peer_id)
);

CREATE TABLE media_objects (
  id                    uuid PRIMARY KEY,
  session_id            uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  -- 'recording' for now; reports and exports later
  kind                  text NOT NULL DEFAULT 'recording',
  s3_key                text NOT NULL UNIQUE,
  content_type          text NOT NULL,
  state                 text NOT NULL CHECK (state IN ('recording', 'spooled', 'uploaded', 'failed')),
  bytes                 bigint,
  -- playable length of the object, seconds
  duration_sec          double precision,
  has_audio             boolean NOT NULL DEFAULT false,
  has_video             boolean NOT NULL DEFAULT false,
  -- playback position (s) in this object at which session media time 0 occurs:
  -- position = media_time_sec + media_time_origin_sec
  media_time_origin_sec double precision,
  error                 text,
  created_at            timestamptz NOT NULL DEFAULT now(),
  uploaded_at           timestamptz,
  updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX media_objects_session_idx ON media_objects (session_id);

-- One row per metric window (voice: 100 ms, fluency: ~1 s). The metric values are the frame minus
-- its envelope (roomId, producerId, kind, mediaTimeSec, windowSec, serverTimeMs), as jsonb so new
-- metric kinds need no migration.
CREATE TABLE metric_frames (
  session_id     uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  producer_id    text NOT NULL,
  kind           text NOT NULL,
  media_time_sec double precision NOT NULL,
  window_sec     double precision,
  server_time_ms bigint NOT NULL,
  payload        jsonb NOT NULL
);
CREATE INDEX metric_frames_session_time_idx ON metric_frames (session_id, media_time_sec);

CREATE TABLE pauses (
  session_id   uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  producer_id  text NOT NULL,
  start_sec    double precision NOT NULL,
  end_sec      double precision NOT NULL,
  duration_sec double precision NOT NULL
);
CREATE INDEX pauses_session_time_idx ON pauses (session_id, start_sec);

CREATE TABLE transcript_words (
  session_id  uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  producer_id text NOT NULL,
  segment_id  integer NOT NULL,
  word        text NOT NULL,
  start_sec   double precision NOT NULL,
  end_sec     double precision NOT NULL,
  -- engine confidence 0–1, null if the engine has none
  confidence  real
);
CREATE INDEX transcript_words_session_time_idx ON transcript_words (session_id, start_sec);

CREATE TABLE disfluency_events (
  session_id  uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  producer_id text NOT NULL,
  -- filled-pause | lexical-filler | repetition | hedge
  kind        text NOT NULL,
  text        text NOT NULL,
  start_sec   double precision NOT NULL,
  end_sec     double precision NOT NULL
);
CREATE INDEX disfluency_events_session_time_idx ON disfluency_events (session_id, start_sec);
