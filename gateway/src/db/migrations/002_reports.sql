-- 002: after the talk — post-session analysis jobs (status the UI shows; the queue itself is
-- pg-boss in its own schema), the stored full-pass analysis (re-scoring reads it instead of
-- re-running ASR), scores per rubric version with tips and drills.

-- One row per session: the latest analysis job's visible status.
CREATE TABLE analysis_jobs (
  session_id  uuid PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
  -- pg-boss job id of the latest attempt chain
  queue_job_id text,
  state       text NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
  -- 0–100 while running
  percent     real NOT NULL DEFAULT 0,
  -- decode | download | voice | language | body | score | done
  stage       text,
  -- attempts started so far (1 = first try)
  attempts    integer NOT NULL DEFAULT 0,
  -- why the last attempt failed (kept while a retry is pending)
  error       text,
  queued_at   timestamptz NOT NULL DEFAULT now(),
  started_at  timestamptz,
  finished_at timestamptz,
  -- analysis wall time of the successful attempt, ms (download + full pass + scoring)
  wall_ms     integer,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The full-pass analysis of a session's recording (times in recording seconds).
CREATE TABLE session_analyses (
  session_id   uuid PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
  duration_sec double precision NOT NULL,
  -- FullPassResult (analyzers/src/report/ReportTypes.ts): scoringInput, transcript, engines, summary
  analysis     jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- Scores of a session under one rubric version (a new version adds a row; the newest is shown).
CREATE TABLE session_scores (
  session_id     uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  rubric_version text NOT NULL,
  -- overall score 0–100, null when no subscore could be computed
  overall        double precision,
  -- RubricResult: subscores with ci95, value, reference, evidence
  scores         jsonb NOT NULL,
  -- Tip[] and Drill[] (analyzers/src/report/ReportTypes.ts)
  tips           jsonb NOT NULL,
  drills         jsonb NOT NULL,
  scored_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (session_id, rubric_version)
);
CREATE INDEX session_scores_version_idx ON session_scores (rubric_version);
