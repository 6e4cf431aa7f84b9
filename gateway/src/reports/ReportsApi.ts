import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { getRubric, LATEST_RUBRIC_VERSION, SUBSCORE_KEYS, type SubscoreKey } from '@lectern/analyzers/scoring';
import { AccountService } from '../access/AccountService.ts';
import type { AuditLog } from '../access/AuditLog.ts';
import { memberOf, principalOf } from '../access/Authenticator.ts';
import type { Principal } from '../access/AccessTypes.ts';
import type { Database } from '../db/Database.ts';
import type { SessionRow } from '../db/DbTypes.ts';
import { SessionRepository } from '../db/SessionRepository.ts';
import { HttpProblem, problemErrorHandler } from '../http/v1/HttpProblem.ts';
import { NUDGE_EFFECT_WINDOW_SEC, type NudgeEffect, ProblemSchema } from '@lectern/contract';
import { jsonSchema, SessionParamsSchema } from '../http/v1/schemas.ts';
import { ownedSession, visibleSession } from '../http/v1/SessionsApi.ts';
import { nudgeEffects } from './NudgeEffects.ts';
import { buildReportDto, jobDto, reportCsv, reportPdf, type SessionReportDto } from './ReportDocument.ts';
import { runReadAloud } from './FullPassRunner.ts';
import type { ReportJobs } from './ReportJobs.ts';
import { ReportRepository } from './ReportRepository.ts';
import type { FullPassResult } from '@lectern/analyzers/report';
import { type ShareLinks, ShareTokenError } from './ShareLinks.ts';
import { ClipRepository } from './clips/ClipRepository.ts';
import { clipsDto } from './clips/clipsDto.ts';
import type { ObjectStore } from '../storage/ObjectStore.ts';

/** `GET …/report` query: a rubric version (default: the latest, else the newest scored). */
export const ReportQuerySchema = z.object({ rubricVersion: z.string().regex(/^[a-z0-9._-]{1,32}$/i).optional() }).strict();
/** `POST /v1/sessions/:id/share` body: link lifetime in seconds, 60 s – 30 days (default 7 days). */
export const ShareBodySchema = z.object({ ttlSec: z.number().int().min(60).max(30 * 86400).default(7 * 86400) }).strict();
/** `:token` of a share link. */
export const ShareParamsSchema = z.object({ token: z.string().min(10).max(600).regex(/^[A-Za-z0-9_~-]+$/) }).strict();
/** `POST /v1/drills/read-aloud` query: the target sentence (1–300 characters with at least one word). */
export const ReadAloudQuerySchema = z.object({ target: z.string().min(1).max(300).regex(/[A-Za-z0-9]/) }).strict();
/** Audio content types accepted by the read-aloud drill (what MediaRecorder and common tools produce). */
export const READ_ALOUD_TYPES = ['audio/webm', 'audio/ogg', 'audio/wav', 'audio/x-wav', 'audio/wave', 'audio/mpeg', 'audio/mp4', 'video/webm', 'application/octet-stream'];
/** Largest read-aloud attempt accepted, bytes (≈ 2 min of Opus). */
export const READ_ALOUD_MAX_BYTES = 5 * 1024 * 1024;

/** `GET /v1/progress` query. */
export const ProgressQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(500).default(200) }).strict();

/** Dependencies of {@link ReportsApi}. */
export interface ReportsApiDeps {
  /** Signed-in routes query through {@link Database.asPrincipal} (row-level security). */
  db: Database;
  /** Owner-connection repositories, for shared links (the signed link is the grant). */
  sessions: SessionRepository;
  reports: ReportRepository;
  jobs: ReportJobs;
  shares: ShareLinks;
  audit: AuditLog;
  /** Where report clips are stored (presigned ≤ 15 min after the access check); null/absent: no clip URLs. */
  objects?: ObjectStore | null;
}

/** The repositories a report is read through: the caller's (RLS) or the owner connection's (shared links). */
interface Repos {
  sessions: SessionRepository;
  reports: ReportRepository;
  clips: ClipRepository;
}

const PROBLEM = 'application/problem+json';

/**
 * The report API under `/v1` (Fastify plugin; zod → JSON Schema validation; Problem+JSON errors):
 * - `GET /v1/sessions/:id/report?rubricVersion=` — {@link SessionReportDto}: job status and, once
 *   done, scores with 95 % intervals, tips, drills, summary (`report: null` before), and `clips`
 *   (moments cut with captions; each ready clip with a presigned URL valid ≤ 15 min, made after the
 *   access check; the shared report too, the share link being the grant).
 * - `GET /v1/sessions/:id/report.csv`, `…/report.pdf` — exports (409 while not ready).
 * - `GET /v1/sessions/:id/job` — queued / running with percent / done / failed with reason.
 * - `POST /v1/sessions/:id/analyze` — (re)queue the full pass → 202 with the job status.
 * - `POST /v1/sessions/:id/share` `{ttlSec}` — signed, expiring read-only link → `{token, path, expiresAt}`.
 * - `GET /v1/shared/:token/report` (+ `.csv`, `.pdf`) — the shared report; tampered/malformed → 403,
 *   expired → 410.
 * - `GET /v1/progress?limit=` — subscores of the caller's scored sessions over time (oldest first) and personal bests.
 * Signed-in routes see only what row-level security lets the caller see (404 otherwise); analysing
 * and sharing need the session's presenter or an admin (403).
 * - `POST /v1/drills/read-aloud?target=SENTENCE` with the recorded attempt as the body (audio/webm,
 *   audio/wav, …; ≤ 5 MiB) — ASR + word alignment → `{accuracy 0–1, wer, missedWords, alignment,
 *   transcript, engine, durationSec}`; undecodable audio → 422, too large → 413.
 */
export class ReportsApi {
  constructor(private readonly deps: ReportsApiDeps) {}

  /** Registers the routes on `app` under `/v1` (own encapsulated error handler). */
  async register(app: FastifyInstance): Promise<void> {
    await app.register(async (v1) => this.#routes(v1), { prefix: '/v1' });
  }

  #routes(v1: FastifyInstance): void {
    v1.setErrorHandler(problemErrorHandler);
    const params = jsonSchema(SessionParamsSchema);
    const tokenParams = jsonSchema(ShareParamsSchema);
    const query = jsonSchema(ReportQuerySchema);
    const problems = { 400: jsonSchema(ProblemSchema, 'output'), 404: jsonSchema(ProblemSchema, 'output') };

    const id = (req: FastifyRequest) => (req.params as { id: string }).id;
    const version = (req: FastifyRequest) => (req.query as z.output<typeof ReportQuerySchema>).rubricVersion;
    const exported = (req: FastifyRequest, format: string) =>
      this.deps.audit.record({ orgId: principalOf(req).orgId, kind: 'session-exported', actor: principalOf(req), target: id(req).toLowerCase(), ctx: { ip: req.ip, requestId: req.id }, detail: { format } });
    v1.get('/sessions/:id/report', { schema: { params, querystring: query, response: problems } }, async (req) => this.#as(req, (r) => this.#report(r, id(req), version(req))));
    v1.get('/sessions/:id/report.csv', { schema: { params, querystring: query } }, async (req, reply) => {
      const dto = await this.#as(req, (r) => this.#report(r, id(req), version(req)));
      this.#ready(dto);
      await exported(req, 'csv');
      return this.#csv(reply, dto);
    });
    v1.get('/sessions/:id/report.pdf', { schema: { params, querystring: query } }, async (req, reply) => {
      const dto = await this.#as(req, (r) => this.#report(r, id(req), version(req)));
      this.#ready(dto);
      await exported(req, 'pdf');
      return this.#pdf(reply, dto);
    });
    v1.get('/sessions/:id/job', { schema: { params } }, async (req) =>
      this.#as(req, async (r) => {
        const s = await this.#session(r, id(req));
        const job = await r.reports.getJob(s.id);
        if (!job) throw new HttpProblem(404, 'Job not found', `session ${s.id} has not been queued for analysis`);
        return jobDto(job);
      }),
    );
    v1.post('/sessions/:id/analyze', { schema: { params } }, async (req, reply) => {
      const s = await this.#as(req, (r, p) => this.#owned(r, p, id(req), 'analyse'));
      if (s.state === 'live') throw new HttpProblem(409, 'Session live', `session ${s.id} is still live; end it first`);
      await this.deps.jobs.enqueue(s.id);
      return reply.code(202).send(jobDto(await this.deps.reports.getJob(s.id)));
    });
    v1.post('/sessions/:id/share', { schema: { params, body: jsonSchema(ShareBodySchema) } }, async (req) => {
      const s = await this.#as(req, (r, p) => this.#owned(r, p, id(req), 'share'));
      const { ttlSec } = ShareBodySchema.parse(req.body ?? {});
      const { token, expiresAtSec } = this.deps.shares.sign(s.id, ttlSec);
      return { token, path: `/shared/${token}`, expiresAt: new Date(expiresAtSec * 1000).toISOString() };
    });
    const shared = (req: FastifyRequest) => this.#report({ ...this.deps, clips: new ClipRepository(this.deps.db.sql) }, this.#grant((req.params as { token: string }).token));
    v1.get('/shared/:token/report', { schema: { params: tokenParams } }, async (req) => shared(req));
    v1.get('/shared/:token/report.csv', { schema: { params: tokenParams } }, async (req, reply) => this.#csv(reply, await shared(req)));
    v1.get('/shared/:token/report.pdf', { schema: { params: tokenParams } }, async (req, reply) => this.#pdf(reply, await shared(req)));
    v1.addContentTypeParser(READ_ALOUD_TYPES, { parseAs: 'buffer', bodyLimit: READ_ALOUD_MAX_BYTES }, (_req, body, done) => done(null, body));
    v1.post('/drills/read-aloud', { schema: { querystring: jsonSchema(ReadAloudQuerySchema) } }, async (req) => {
      memberOf(req);
      const { target } = req.query as z.output<typeof ReadAloudQuerySchema>;
      const body = req.body;
      if (!Buffer.isBuffer(body) || body.length === 0) throw new HttpProblem(400, 'Invalid request', `send the recorded attempt as the body (${READ_ALOUD_TYPES.slice(0, 3).join(', ')}, …)`);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lectern-drill-'));
      try {
        const file = path.join(dir, 'attempt');
        fs.writeFileSync(file, body);
        return await runReadAloud(file, target).catch((err: Error) => {
          if (/decode|no audio|invalid data|not media|cannot analyse/i.test(err.message)) throw new HttpProblem(422, 'Undecodable audio', err.message);
          throw err;
        });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
    v1.get('/progress', { schema: { querystring: jsonSchema(ProgressQuerySchema) } }, async (req) => {
      const p = memberOf(req);
      return this.#as(req, (r) => this.#progress(r, p.userId, (req.query as z.output<typeof ProgressQuerySchema>).limit));
    });
  }

  #grant(token: string): string {
    try {
      return this.deps.shares.verify(token).sessionId;
    } catch (err) {
      if (err instanceof ShareTokenError)
        throw err.reason === 'expired' ? new HttpProblem(410, 'Share link expired', err.message) : new HttpProblem(403, 'Invalid share link', err.message);
      throw err;
    }
  }

  /** Runs `fn` with the caller's repositories, in one row-level-security transaction. */
  #as<T>(req: FastifyRequest, fn: (r: Repos, p: Principal) => Promise<T>): Promise<T> {
    const p = principalOf(req);
    return this.deps.db.asPrincipal(AccountService.dbPrincipal(p), (tx) => fn({ sessions: new SessionRepository(tx), reports: new ReportRepository(tx), clips: new ClipRepository(tx) }, p));
  }

  #session(r: Repos, id: string): Promise<SessionRow> {
    return visibleSession(r.sessions, id);
  }

  #owned(r: Repos, p: Principal, id: string, what: string): Promise<SessionRow> {
    return ownedSession(r.sessions, p, id, what);
  }

  async #report(r: Repos, id: string, rubricVersion?: string): Promise<SessionReportDto> {
    const s = await this.#session(r, id);
    const { reports } = r;
    const [job, scores, analysis, versions, clipRows] = await Promise.all([
      reports.getJob(s.id),
      reports.getScores(s.id, rubricVersion ? { rubricVersion } : { preferVersion: LATEST_RUBRIC_VERSION }),
      reports.getAnalysis(s.id),
      reports.scoredVersions(s.id),
      r.clips.list(s.id),
    ]);
    if (rubricVersion && !scores) throw new HttpProblem(404, 'Scores not found', `session ${s.id} has no scores under rubric ${rubricVersion} (has: ${versions.join(', ') || 'none'})`);
    // Past the access check (RLS or the share link's signature): clip URLs may be presigned now.
    const clips = scores ? await clipsDto(clipRows, this.deps.objects ?? null, { enabled: this.deps.jobs.clipsEnabled }) : null;
    return { ...buildReportDto(s, job, scores, analysis, versions, clips), nudgeEffects: await this.#nudgeEffects(r, s.id, analysis) };
  }

  /**
   * The live nudges' effects (#14) around the stored nudges ([] without nudges). Pace and pauses
   * come from the full pass when the session has one (its words and pauses, recording seconds →
   * media seconds): it decodes the whole recording, while the live transcript misses what the live
   * ASR shed under load (seen in CI: 100 WPM "before" a nudge fired at 204 WPM); level, pitch and
   * facing from the stored live frames; the talk's span from the live voice frames.
   */
  async #nudgeEffects(r: Repos, sessionId: string, analysis: FullPassResult | null): Promise<NudgeEffect[]> {
    const cues = (await r.sessions.listCues(sessionId)).filter((c) => c.source === 'nudge');
    if (cues.length === 0) return [];
    const span = { fromSec: Math.max(0, cues[0]!.mediaTimeSec - NUDGE_EFFECT_WINDOW_SEC), toSec: cues.at(-1)!.mediaTimeSec + NUDGE_EFFECT_WINDOW_SEC };
    const [tl, media] = await Promise.all([r.sessions.timeline(sessionId, span), r.sessions.listMediaObjects(sessionId)]);
    const originSec = media.find((m) => m.kind === 'recording')?.mediaTimeOriginSec ?? 0;
    const full = analysis?.scoringInput;
    const words = full ? full.words.map((w) => ({ endSec: w.endSec - originSec })) : tl.words;
    const pauses = full ? full.pauses.map((p) => ({ startSec: p.startSec - originSec })) : tl.pauses;
    return nudgeEffects({ cues, frames: tl.frames, words, pauses, originSec });
  }

  #ready(dto: SessionReportDto): void {
    if (!dto.report)
      throw new HttpProblem(409, 'Report not ready', `the analysis of session ${dto.sessionId} is ${dto.job ? `${dto.job.state}${dto.job.error ? ` (${dto.job.error})` : ''}` : 'not queued'}`);
  }

  #csv(reply: FastifyReply, dto: SessionReportDto) {
    this.#ready(dto);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="lectern-report-${dto.sessionId}.csv"`)
      .send(reportCsv(dto));
  }

  async #pdf(reply: FastifyReply, dto: SessionReportDto) {
    this.#ready(dto);
    const pdf = await reportPdf(dto);
    return reply.type('application/pdf').header('content-disposition', `attachment; filename="lectern-report-${dto.sessionId}.pdf"`).send(pdf);
  }

  async #progress(r: Repos, ownerUserId: string, limit: number) {
    const version = getRubric().version;
    const rows = await r.reports.progress(version, { limit, ownerUserId });
    const sessions = rows.map((r) => ({
      sessionId: r.sessionId,
      title: r.title,
      roomId: r.roomId,
      startedAt: r.startedAt.toISOString(),
      overall: r.overall,
      subscores: Object.fromEntries(SUBSCORE_KEYS.map((k) => [k, r.scores.subscores[k]?.score ?? null])) as Record<SubscoreKey, number | null>,
    }));
    const best = (pick: (s: (typeof sessions)[number]) => number | null) => {
      let b: { score: number; sessionId: string; startedAt: string } | null = null;
      for (const s of sessions) {
        const v = pick(s);
        if (v !== null && (b === null || v > b.score)) b = { score: v, sessionId: s.sessionId, startedAt: s.startedAt };
      }
      return b;
    };
    return {
      rubricVersion: version,
      sessions,
      personalBests: { overall: best((s) => s.overall), ...Object.fromEntries(SUBSCORE_KEYS.map((k) => [k, best((s) => s.subscores[k])])) },
    };
  }
}
