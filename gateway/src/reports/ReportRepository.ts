import type { Sql } from 'postgres';
import type { Drill, FullPassResult, ScoredReport, Tip } from '@lectern/analyzers/report';
import type { RubricResult } from '@lectern/analyzers/scoring';

/** Visible state of a session's analysis job. */
export type AnalysisJobState = 'queued' | 'running' | 'done' | 'failed';

/** A row of `analysis_jobs` (see migration 002). */
export interface AnalysisJobRow {
  sessionId: string;
  queueJobId: string | null;
  state: AnalysisJobState;
  /** 0–100. */
  percent: number;
  /** download | decode | voice | language | body | score | done, null before the first attempt. */
  stage: string | null;
  /** Attempts started (1 = first try). */
  attempts: number;
  /** Why the last attempt failed (also while a retry is pending), else null. */
  error: string | null;
  queuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Wall time of the successful attempt (download → scores stored), ms. */
  wallMs: number | null;
}

/** A row of `session_scores`. */
export interface ScoresRow {
  sessionId: string;
  rubricVersion: string;
  overall: number | null;
  scores: RubricResult;
  tips: Tip[];
  drills: Drill[];
  scoredAt: Date;
}

/** One session on the progress page: its newest scores. */
export interface ProgressRow {
  sessionId: string;
  title: string | null;
  roomId: string;
  startedAt: Date;
  rubricVersion: string;
  overall: number | null;
  scores: RubricResult;
}

const jobCols = (sql: Sql) => sql`session_id, queue_job_id, state, percent, stage, attempts, error, queued_at, started_at, finished_at, wall_ms`;

function jobRow(r: Record<string, unknown>): AnalysisJobRow {
  return {
    sessionId: r.session_id as string,
    queueJobId: (r.queue_job_id as string | null) ?? null,
    state: r.state as AnalysisJobState,
    percent: Number(r.percent),
    stage: (r.stage as string | null) ?? null,
    attempts: Number(r.attempts),
    error: (r.error as string | null) ?? null,
    queuedAt: r.queued_at as Date,
    startedAt: (r.started_at as Date | null) ?? null,
    finishedAt: (r.finished_at as Date | null) ?? null,
    wallMs: r.wall_ms === null || r.wall_ms === undefined ? null : Number(r.wall_ms),
  };
}

/**
 * Tables of the post-session report (migration 002): `analysis_jobs` (status shown to the user),
 * `session_analyses` (the stored full pass) and `session_scores` (one row per rubric version).
 * All methods throw the driver's error when the database is unreachable.
 */
export class ReportRepository {
  /** @param sql `postgres` client whose search_path holds the tables. */
  constructor(private readonly sql: Sql) {}

  /** (Re)queues a session's analysis: state `queued`, percent 0, attempts 0, error cleared. */
  async jobQueued(sessionId: string, queueJobId: string | null): Promise<void> {
    await this.sql`
      INSERT INTO analysis_jobs (session_id, queue_job_id, state, percent, stage, attempts, error, queued_at, started_at, finished_at, wall_ms)
      VALUES (${sessionId}, ${queueJobId}, 'queued', 0, null, 0, null, now(), null, null, null)
      ON CONFLICT (session_id) DO UPDATE SET queue_job_id = EXCLUDED.queue_job_id, state = 'queued', percent = 0, stage = null,
        attempts = 0, error = null, queued_at = now(), started_at = null, finished_at = null, wall_ms = null, updated_at = now()`;
  }

  /** An attempt started (attempt = 1 for the first try). */
  async jobRunning(sessionId: string, attempt: number): Promise<void> {
    await this.sql`
      INSERT INTO analysis_jobs (session_id, state, percent, stage, attempts, started_at)
      VALUES (${sessionId}, 'running', 0, 'download', ${attempt}, now())
      ON CONFLICT (session_id) DO UPDATE SET state = 'running', percent = 0, stage = 'download', attempts = ${attempt},
        started_at = now(), finished_at = null, updated_at = now()`;
  }

  /** Progress of the running attempt: stage name and percent 0–100. */
  async jobProgress(sessionId: string, stage: string, percent: number): Promise<void> {
    await this.sql`UPDATE analysis_jobs SET stage = ${stage}, percent = ${Math.max(0, Math.min(100, percent))}, updated_at = now()
      WHERE session_id = ${sessionId} AND state = 'running'`;
  }

  /** The attempt failed: `queued` again when a retry follows (`final` false), else `failed`. */
  async jobAttemptFailed(sessionId: string, error: string, final: boolean): Promise<void> {
    await this.sql`UPDATE analysis_jobs SET state = ${final ? 'failed' : 'queued'}, error = ${error},
      finished_at = ${final ? this.sql`now()` : null}, updated_at = now() WHERE session_id = ${sessionId}`;
  }

  /** The job succeeded. */
  async jobDone(sessionId: string, wallMs: number): Promise<void> {
    await this.sql`UPDATE analysis_jobs SET state = 'done', percent = 100, stage = 'done', error = null, finished_at = now(),
      wall_ms = ${Math.round(wallMs)}, updated_at = now() WHERE session_id = ${sessionId}`;
  }

  /** The session's job status, or null when it was never queued. */
  async getJob(sessionId: string): Promise<AnalysisJobRow | null> {
    const [r] = await this.sql`SELECT ${jobCols(this.sql)} FROM analysis_jobs WHERE session_id = ${sessionId}`;
    return r ? jobRow(r) : null;
  }

  /** Stores (replaces) a session's full-pass analysis. */
  async saveAnalysis(sessionId: string, analysis: FullPassResult): Promise<void> {
    await this.sql`
      INSERT INTO session_analyses (session_id, duration_sec, analysis) VALUES (${sessionId}, ${analysis.durationSec}, ${this.sql.json(analysis as never)})
      ON CONFLICT (session_id) DO UPDATE SET duration_sec = EXCLUDED.duration_sec, analysis = EXCLUDED.analysis, created_at = now()`;
  }

  /** A session's stored analysis, or null. */
  async getAnalysis(sessionId: string): Promise<FullPassResult | null> {
    const [r] = await this.sql`SELECT analysis FROM session_analyses WHERE session_id = ${sessionId}`;
    return r ? (r.analysis as FullPassResult) : null;
  }

  /** Stores (replaces) the scores, tips and drills of a session under `rubricVersion`. */
  async saveScores(sessionId: string, report: ScoredReport): Promise<void> {
    const s = report.scores;
    await this.sql`
      INSERT INTO session_scores (session_id, rubric_version, overall, scores, tips, drills)
      VALUES (${sessionId}, ${s.rubricVersion}, ${s.overall?.score ?? null}, ${this.sql.json(s as never)}, ${this.sql.json(report.tips as never)}, ${this.sql.json(report.drills as never)})
      ON CONFLICT (session_id, rubric_version) DO UPDATE SET overall = EXCLUDED.overall, scores = EXCLUDED.scores,
        tips = EXCLUDED.tips, drills = EXCLUDED.drills, scored_at = now()`;
  }

  /**
   * Scores of a session: under `rubricVersion` when given (null if absent), else the preferred
   * version if present, else the most recently scored.
   */
  async getScores(sessionId: string, opts: { rubricVersion?: string; preferVersion?: string } = {}): Promise<ScoresRow | null> {
    const rows = opts.rubricVersion
      ? await this.sql`SELECT * FROM session_scores WHERE session_id = ${sessionId} AND rubric_version = ${opts.rubricVersion}`
      : await this.sql`SELECT * FROM session_scores WHERE session_id = ${sessionId}
          ORDER BY (rubric_version = ${opts.preferVersion ?? ''}) DESC, scored_at DESC LIMIT 1`;
    const r = rows[0];
    if (!r) return null;
    return {
      sessionId: r.session_id,
      rubricVersion: r.rubric_version,
      overall: r.overall === null ? null : Number(r.overall),
      scores: r.scores as RubricResult,
      tips: r.tips as Tip[],
      drills: r.drills as Drill[],
      scoredAt: r.scored_at,
    };
  }

  /** Rubric versions a session has scores under, oldest first. */
  async scoredVersions(sessionId: string): Promise<string[]> {
    const rows = await this.sql`SELECT rubric_version FROM session_scores WHERE session_id = ${sessionId} ORDER BY scored_at`;
    return rows.map((r) => r.rubric_version as string);
  }

  /** Sessions with a stored analysis but no scores under `rubricVersion` (to re-score), oldest first. */
  async sessionsMissingVersion(rubricVersion: string, limit = 1000): Promise<string[]> {
    const rows = await this.sql`SELECT a.session_id FROM session_analyses a JOIN sessions s ON s.id = a.session_id
      WHERE NOT EXISTS (SELECT 1 FROM session_scores x WHERE x.session_id = a.session_id AND x.rubric_version = ${rubricVersion})
      ORDER BY s.started_at LIMIT ${limit}`;
    return rows.map((r) => r.session_id as string);
  }

  /**
   * Scored sessions for the progress page, oldest first, each with its scores under
   * `rubricVersion` (sessions not scored under it are left out; re-scoring fills them in).
   */
  async progress(rubricVersion: string, opts: { ownerUserId?: string; limit?: number } = {}): Promise<ProgressRow[]> {
    const rows = await this.sql`SELECT s.id, s.title, s.room_id, s.started_at, x.rubric_version, x.overall, x.scores
      FROM session_scores x JOIN sessions s ON s.id = x.session_id
      WHERE x.rubric_version = ${rubricVersion} AND (${opts.ownerUserId ?? null}::uuid IS NULL OR s.owner_user_id = ${opts.ownerUserId ?? null}::uuid)
      ORDER BY s.started_at DESC, s.id DESC LIMIT ${opts.limit ?? 200}`;
    return rows.reverse().map((r) => ({
      sessionId: r.id,
      title: r.title,
      roomId: r.room_id,
      startedAt: r.started_at,
      rubricVersion: r.rubric_version,
      overall: r.overall === null ? null : Number(r.overall),
      scores: r.scores as RubricResult,
    }));
  }
}
