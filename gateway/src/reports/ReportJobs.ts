import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { PgBoss, type JobWithMetadata } from 'pg-boss';
import { scoreAnalysis } from '@lectern/analyzers/report';
import { getRubric, type Rubric } from '@lectern/analyzers/scoring';
import type { Database } from '../db/Database.ts';
import type { SessionRepository } from '../db/SessionRepository.ts';
import type { SessionLog } from '../sessions/SessionManager.ts';
import type { ObjectStore } from '../storage/ObjectStore.ts';
import { runFullPass } from './FullPassRunner.ts';
import type { ReportRepository } from './ReportRepository.ts';
import { type ClipOptions, type ClipPlan, cutClips, planClips } from './clips/ClipMaker.ts';
import { ClipRepository } from './clips/ClipRepository.ts';

/** Queue name of the post-session analysis job. */
export const ANALYSIS_QUEUE = 'session-analysis';

/** Settings of {@link ReportJobs} (config: `LECTERN_JOB_*`). */
export interface ReportJobOptions {
  /** Retries after the first attempt (default 3). */
  retryLimit?: number;
  /** Base retry delay, seconds (default 10); with backoff the n-th retry waits ≈ delay·2ⁿ⁻¹ … delay·2ⁿ (jittered). */
  retryDelaySec?: number;
  /** Exponential backoff between retries (default true). */
  retryBackoff?: boolean;
  /** How often an idle worker polls for jobs, seconds (≥ 0.5; default 1). */
  pollingIntervalSec?: number;
  /** Consume jobs on this node (default true; a scaled deployment may run dedicated workers). */
  work?: boolean;
  /** Pose frames per second in the full pass (default 2). */
  poseFps?: number;
  /** Kill an attempt after this long, ms (default 30 min). */
  attemptTimeoutMs?: number;
  /** While the recording is still spooled, check again after this many seconds (default {@link UPLOAD_WAIT_SEC}). */
  uploadWaitSec?: number;
  /**
   * Clips of the best and weakest moments, picked after scoring and cut once the job is marked done
   * (default: on, 5 clips, ≤ 120 s of ffmpeg per clip, 300 s in all).
   */
  clips?: ClipOptions;
}

/** Dependencies of {@link ReportJobs}. */
export interface ReportJobDeps {
  database: Database;
  sessions: SessionRepository;
  reports: ReportRepository;
  /** Where recordings are read from (null: every job fails with a clear reason). */
  objects: ObjectStore | null;
  log: SessionLog;
}

/** One job attempt that ran on this node (see {@link ReportJobs.onJobFinished}). */
export interface JobFinished {
  queue: string;
  /** Wall time of the attempt, s. */
  seconds: number;
  /** False when the attempt failed (it may be retried). */
  ok: boolean;
}

/** A failure that retrying cannot fix (no session, no recording): the job fails at once. */
class PermanentJobError extends Error {}

interface JobData {
  sessionId: string;
  /** Times this job was deferred because the recording was still spooled (S3 down) or recording. */
  waits?: number;
}

/** While a recording is spooled (S3 unreachable), the job checks again this often (s)… */
export const UPLOAD_WAIT_SEC = 60;
/** …up to this many times (24 h) before it fails. */
export const MAX_UPLOAD_WAITS = 24 * 60;

/**
 * The post-session job queue on PostgreSQL (pg-boss 12, in schema `<schema>_jobs` next to the
 * app's tables), so the embedded default and a scaled deployment (many gateways/workers on one
 * database) run the same code: pg-boss hands each job to exactly one worker
 * (`SELECT … FOR UPDATE SKIP LOCKED`), retries failed attempts with exponential backoff and fails
 * the job after `retryLimit` retries.
 *
 * One job per ended session with a recording: download `recording.webm` from S3 → full-pass
 * analysis in a child process (voice, language with the best ASR engine, body when there is
 * video) → store the analysis → score under the latest rubric → store scores, tips and drills →
 * pick the clips' moments (stored `pending`) → job done → cut the clips (clips/ClipMaker.ts).
 * The visible status (queued / running with percent / done / failed with reason) is kept in
 * `analysis_jobs` ({@link ReportRepository}).
 *
 * Re-scoring: {@link rescoreMissing} scores every stored analysis that has no scores under a
 * rubric version (run at start-up for the latest rubric, so a new version re-scores old sessions).
 */
export class ReportJobs {
  readonly #deps: ReportJobDeps;
  readonly #opts: Required<ReportJobOptions>;
  readonly #boss: PgBoss;
  #started = false;
  #running = new Set<Promise<unknown>>();
  /** Aborted by close(): kills a running full-pass child so shutdown never waits for an analysis. */
  readonly #shutdown = new AbortController();
  readonly #finishedListeners = new Set<(info: JobFinished) => void>();
  /** Queues this node created or scheduled (for {@link queueDepths}). */
  readonly #queues = new Set<string>([ANALYSIS_QUEUE]);

  private constructor(deps: ReportJobDeps, opts: ReportJobOptions) {
    this.#deps = deps;
    this.#opts = {
      retryLimit: opts.retryLimit ?? 3,
      retryDelaySec: opts.retryDelaySec ?? 10,
      retryBackoff: opts.retryBackoff ?? true,
      pollingIntervalSec: Math.max(0.5, opts.pollingIntervalSec ?? 1),
      work: opts.work ?? true,
      poseFps: opts.poseFps ?? 2,
      attemptTimeoutMs: opts.attemptTimeoutMs ?? 1_800_000,
      uploadWaitSec: opts.uploadWaitSec ?? UPLOAD_WAIT_SEC,
      clips: opts.clips ?? {},
    };
    this.#boss = new PgBoss({
      connectionString: deps.database.url,
      schema: ReportJobs.queueSchema(deps.database.schema),
      max: 3,
      application_name: 'lectern-jobs',
      // cron schedules (the daily retention job) are run by the nodes that consume jobs
      schedule: this.#opts.work,
    });
    this.#boss.on('error', (err: Error) => deps.log.warn({ err: err.message }, 'job queue error'));
  }

  /** pg-boss's schema for an app schema: `pgboss` for `public`, else `<schema>_jobs`. */
  static queueSchema(appSchema: string): string {
    return appSchema === 'public' ? 'pgboss' : `${appSchema}_jobs`.slice(0, 63);
  }

  /**
   * Creates the queue schema if needed (pg-boss migrations), the queue, and starts consuming.
   * Then re-scores, in the background, stored analyses lacking the latest rubric's scores.
   * @throws Error when the database is unreachable.
   */
  static async start(deps: ReportJobDeps, opts: ReportJobOptions = {}): Promise<ReportJobs> {
    const jobs = new ReportJobs(deps, opts);
    await jobs.#boss.start();
    jobs.#started = true;
    const o = jobs.#opts;
    const queue = { name: ANALYSIS_QUEUE, retryLimit: o.retryLimit, retryDelay: o.retryDelaySec, retryBackoff: o.retryBackoff, expireInSeconds: Math.ceil(o.attemptTimeoutMs / 1000) + 60 };
    if (await jobs.#boss.getQueue(ANALYSIS_QUEUE)) await jobs.#boss.updateQueue(ANALYSIS_QUEUE, queue);
    else await jobs.#boss.createQueue(ANALYSIS_QUEUE, queue).catch(async (err: Error) => {
      if (!(await jobs.#boss.getQueue(ANALYSIS_QUEUE))) throw err; // another node created it meanwhile
    });
    if (o.work) {
      await jobs.#boss.work(ANALYSIS_QUEUE, { pollingIntervalSeconds: o.pollingIntervalSec, batchSize: 1, includeMetadata: true } as const, async ([job]: JobWithMetadata<JobData>[]) => {
        const p = jobs.#run(job!);
        jobs.#running.add(p);
        try {
          await p;
        } finally {
          jobs.#running.delete(p);
        }
      });
    }
    void jobs.rescoreMissing().catch((err: Error) => deps.log.warn({ err: err.message }, 're-scoring failed'));
    return jobs;
  }

  /** Whether the job cuts clips after scoring (clips not turned off and an object store present). */
  get clipsEnabled(): boolean {
    return this.#opts.clips.enabled !== false && this.#deps.objects !== null;
  }

  /**
   * Queues the analysis of a session (its status becomes `queued`). Queuing a session that is
   * already scored re-runs the full pass.
   * @returns the queue's job id.
   */
  async enqueue(sessionId: string): Promise<string> {
    const id = await this.#boss.send(ANALYSIS_QUEUE, { sessionId } satisfies JobData, {
      retryLimit: this.#opts.retryLimit,
      retryDelay: this.#opts.retryDelaySec,
      retryBackoff: this.#opts.retryBackoff,
    });
    if (!id) throw new Error(`could not queue the analysis of session ${sessionId}`);
    await this.#deps.reports.jobQueued(sessionId, id);
    return id;
  }

  /** Session-end hook: queues the analysis when the session has a recording (errors are logged). */
  sessionEnded(sessionId: string, hasRecording: boolean): void {
    if (!hasRecording) return;
    this.enqueue(sessionId).catch((err: Error) => this.#deps.log.error({ sessionId, err: err.message }, 'could not queue the session analysis'));
  }

  /**
   * Scores every stored analysis that has no scores under `rubric` (default: the latest), oldest
   * session first. Scoring is milliseconds per session (no re-analysis).
   * @returns the session ids re-scored.
   */
  async rescoreMissing(rubric: Rubric = getRubric()): Promise<string[]> {
    const ids = await this.#deps.reports.sessionsMissingVersion(rubric.version);
    for (const id of ids) {
      const analysis = await this.#deps.reports.getAnalysis(id);
      if (analysis) await this.#deps.reports.saveScores(id, scoreAnalysis(analysis, rubric));
    }
    if (ids.length > 0) this.#deps.log.info({ rubric: rubric.version, sessions: ids.length }, 're-scored sessions under a new rubric');
    return ids;
  }

  async #run(job: JobWithMetadata<JobData>): Promise<void> {
    const { sessionId } = job.data;
    const { reports, sessions, objects, log } = this.#deps;
    const attempt = job.retryCount + 1;
    const final = job.retryCount >= job.retryLimit;
    const t0 = performance.now();
    let ok = false;
    let deferred = false;
    await reports.jobRunning(sessionId, attempt);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lectern-job-'));
    let lastWrite = 0;
    const progress = (stage: string, percent: number): void => {
      const now = Date.now();
      if (now - lastWrite < 250 && stage !== 'score') return;
      lastWrite = now;
      void reports.jobProgress(sessionId, stage, percent).catch(() => {});
    };
    try {
      const session = await sessions.getSession(sessionId);
      if (!session) throw new PermanentJobError(`session ${sessionId} no longer exists`);
      const rec = (await sessions.listMediaObjects(sessionId)).find((m) => m.kind === 'recording');
      if (!rec) throw new PermanentJobError('the session has no recording');
      if ((rec.state === 'spooled' || rec.state === 'recording') && (job.data.waits ?? 0) < MAX_UPLOAD_WAITS) {
        // Not a failure: the spool drainer uploads it once S3 is back. Check again later without
        // using up a retry (a new job, delayed; this one completes).
        const waits = (job.data.waits ?? 0) + 1;
        const next = await this.#boss.send(ANALYSIS_QUEUE, { sessionId, waits } satisfies JobData, {
          startAfter: this.#opts.uploadWaitSec, retryLimit: this.#opts.retryLimit, retryDelay: this.#opts.retryDelaySec, retryBackoff: this.#opts.retryBackoff,
        });
        await reports.jobQueued(sessionId, next);
        await reports.jobAttemptFailed(sessionId, `waiting for the recording to reach the object store (${rec.state}); checking again in ${this.#opts.uploadWaitSec} s`, false);
        log.info({ sessionId, waits }, 'analysis deferred: recording not uploaded yet');
        deferred = true;
        return;
      }
      if (rec.state !== 'uploaded') throw new Error(`the recording is not in the object store (state ${rec.state}${rec.error ? `: ${rec.error}` : ''})`);
      if (!objects) throw new PermanentJobError('no object store is configured');
      const file = path.join(tmp, 'recording.webm');
      try {
        await pipeline(await objects.getStream(rec.s3Key), fs.createWriteStream(file));
      } catch (err) {
        const e = err as Error;
        throw new Error(`cannot read ${rec.s3Key} from the object store: ${e.name === 'NoSuchKey' ? 'no such object' : e.message}`);
      }
      progress('decode', 5);
      const onProgress = (stage: string, fraction: number) => progress(stage, 5 + 90 * fraction);
      const analysis = await runFullPass(file, onProgress, { video: rec.hasVideo, poseFps: this.#opts.poseFps, timeoutMs: this.#opts.attemptTimeoutMs, signal: this.#shutdown.signal });
      progress('score', 96);
      await reports.saveAnalysis(sessionId, analysis);
      await reports.saveScores(sessionId, scoreAnalysis(analysis, getRubric()));
      // Clips: picked and stored as pending before the job is done (the report lists them at once),
      // cut after it (the report page shows each as it is ready). Never fails the report.
      const clipRepo = new ClipRepository(this.#deps.database.sql);
      let plan: ClipPlan | null = null;
      if (this.clipsEnabled)
        plan = await planClips({ sessionId, orgId: session.orgId, analysis, objects, clips: clipRepo, opts: this.#opts.clips }).catch((err: Error) => {
          log.warn({ sessionId, err: err.message }, 'report clips could not be planned (the report is kept)');
          return null;
        });
      const wallMs = performance.now() - t0;
      await reports.jobDone(sessionId, wallMs);
      log.info({ sessionId, attempt, wallMs: Math.round(wallMs), stageMs: analysis.stageMs }, 'session report ready');
      ok = true;
      if (plan && plan.items.length > 0) {
        const clips = await cutClips({ plan, recordingFile: file, objects, clips: clipRepo, tmpDir: tmp, signal: this.#shutdown.signal, opts: this.#opts.clips }).catch((err: Error) => ({ error: err.message }));
        if ('error' in clips) log.warn({ sessionId, err: clips.error }, 'report clips failed (the report is kept)');
        else log.info({ sessionId, ready: clips.ready, failed: clips.failed, clipSec: Math.round(clips.clipSec), wallMs: Math.round(clips.wallMs), clipMs: clips.clipMs, errors: clips.errors }, 'report clips cut');
      }
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const permanent = err instanceof PermanentJobError;
      // Cancelled by shutdown: pg-boss retries it (here or on another node) unless it was the last attempt.
      await reports.jobAttemptFailed(sessionId, reason, final || permanent).catch(() => {});
      log.warn({ sessionId, attempt, final: final || permanent, reason }, final || permanent ? 'session analysis failed' : 'session analysis attempt failed; retrying');
      if (!permanent) throw err; // pg-boss retries with backoff, or fails the job after the last retry
      // A permanent failure completes the queue job: retrying cannot help, the status says why.
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
      if (!deferred) this.#finished({ queue: ANALYSIS_QUEUE, seconds: (performance.now() - t0) / 1000, ok });
    }
  }

  /**
   * Stops consuming and closes the queue's pool. A running analysis is killed (its attempt fails
   * and is retried later, here or by another node), so shutdown takes at most a few seconds.
   */
  async close(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.#shutdown.abort();
    await Promise.allSettled([...this.#running]);
    await this.#boss.stop({ graceful: true, timeout: 5_000 }).catch(() => {});
  }

  /**
   * A recurring job: creates `queue`, schedules it with `cron` (UTC; pg-boss's cron, at most one
   * run per slot across all nodes) and, on nodes that consume jobs, runs `run` for each.
   * Used for the daily recording-retention sweep (access/PrivacyService.ts).
   */
  async schedule(queue: string, cron: string, run: () => Promise<unknown>): Promise<void> {
    if (!(await this.#boss.getQueue(queue)))
      await this.#boss.createQueue(queue, { retryLimit: 2, retryDelay: 600 }).catch(async (err: Error) => {
        if (!(await this.#boss.getQueue(queue))) throw err;
      });
    await this.#boss.schedule(queue, cron, {}, { tz: 'UTC' });
    this.#queues.add(queue);
    if (this.#opts.work)
      await this.#boss.work(queue, { pollingIntervalSeconds: 30 }, async () => {
        const t0 = performance.now();
        let ok = false;
        try {
          await run();
          ok = true;
        } finally {
          this.#finished({ queue, seconds: (performance.now() - t0) / 1000, ok });
        }
      });
  }

  /**
   * Calls `listener` after each job attempt this node ran (analysis and scheduled jobs; an analysis
   * deferred because its recording is not uploaded yet is not reported). Metrics use it.
   * @returns a function that removes the listener.
   */
  onJobFinished(listener: (info: JobFinished) => void): () => void {
    this.#finishedListeners.add(listener);
    return () => this.#finishedListeners.delete(listener);
  }

  /**
   * Jobs waiting per queue (pg-boss `queuedCount`: queued, deferred included, not yet active), as
   * of pg-boss's last queue-monitor pass (it refreshes the counts about once a minute).
   * @throws Error when the database is unreachable.
   */
  async queueDepths(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const q of await this.#boss.getQueues([...this.#queues])) out[q.name] = q.queuedCount;
    return out;
  }

  #finished(info: JobFinished): void {
    for (const l of this.#finishedListeners) {
      try {
        l(info);
      } catch {
        /* a listener must not fail the job */
      }
    }
  }

  /** Drops the queue schema (tests only). */
  async dropSchema(): Promise<void> {
    await this.#deps.database.sql.unsafe(`DROP SCHEMA IF EXISTS ${ReportJobs.queueSchema(this.#deps.database.schema)} CASCADE`);
  }
}
