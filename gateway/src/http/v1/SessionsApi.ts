import fs from 'node:fs';
import path from 'node:path';
import type { FastifyError, FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { ProblemSchema, type SessionSummary, SessionListSchema } from '@lectern/contract';
import type { SessionRow } from '../../db/DbTypes.ts';
import type { SessionRepository } from '../../db/SessionRepository.ts';
import type { SessionManager } from '../../sessions/SessionManager.ts';
import { ObjectStore } from '../../storage/ObjectStore.ts';
import { HttpProblem } from './HttpProblem.ts';
import { jsonSchema, ListQuerySchema, SessionParamsSchema, TimelineQuerySchema } from './schemas.ts';

/** Dependencies of the `/v1` sessions API. */
export interface SessionsApiDeps {
  repo: SessionRepository;
  objects: ObjectStore | null;
  sessions: SessionManager;
  spoolDir: string;
  /** Lifetime of presigned recording URLs, seconds (default 3600). */
  urlTtlSec?: number;
}

const PROBLEM = 'application/problem+json';

/**
 * The session lifecycle API under `/v1` (Fastify plugin; JSON Schema from zod validates params and
 * queries; every error is Problem+JSON):
 * - `GET /v1/sessions?limit&cursor` — newest first, cursor-paginated.
 * - `GET /v1/sessions/:id` — the session, participants, media objects and `recordingUrl` (presigned
 *   GET, range-capable) once the recording is uploaded, with `mediaTimeOriginSec`.
 * - `GET /v1/sessions/:id/timeline?fromSec&toSec` — metric frames, pauses, words, disfluencies, coach comments by media time.
 * - `POST /v1/sessions/:id/end` — ends a live session (waits for the recording to be finalised);
 *   an ended session is returned as is.
 * - `DELETE /v1/sessions/:id` — ends it if live, deletes its S3 objects, spool and rows → 204.
 * Invalid ids → 400, unknown → 404, live on another gateway → 409, DB/S3 unreachable → 503.
 */
export class SessionsApi {
  /** @param deps see {@link SessionsApiDeps}. */
  constructor(private readonly deps: SessionsApiDeps) {}

  /** Registers the routes on `app` under the `/v1` prefix (encapsulated error handler). */
  async register(app: FastifyInstance): Promise<void> {
    await app.register(async (v1) => this.#routes(v1), { prefix: '/v1' });
  }

  #routes(v1: FastifyInstance): void {
    const { repo, sessions } = this.deps;
    v1.setErrorHandler((err: FastifyError | HttpProblem, req, reply) => {
      let problem: HttpProblem;
      if (err instanceof HttpProblem) problem = err;
      else if ((err as FastifyError).validation)
        problem = new HttpProblem(400, 'Invalid request', `${(err as FastifyError).validationContext ?? 'request'} ${err.message.replace(/^(params|querystring|body)\/?/, '')}`.trim());
      else if ((err as FastifyError).statusCode && (err as FastifyError).statusCode! < 500)
        problem = new HttpProblem((err as FastifyError).statusCode!, 'Bad request', err.message);
      else if (isUnavailable(err)) problem = new HttpProblem(503, 'Service unavailable', 'the database or object store is unreachable; try again shortly');
      else {
        req.log.error({ err }, 'v1 handler failed');
        problem = new HttpProblem(500, 'Internal error', 'see the server log');
      }
      return reply.code(problem.status).type(PROBLEM).send(problem.toJSON(req.url));
    });
    const problemResponses = { 400: jsonSchema(ProblemSchema, 'output'), 404: jsonSchema(ProblemSchema, 'output') };
    const params = jsonSchema(SessionParamsSchema);

    v1.get('/sessions', { schema: { querystring: jsonSchema(ListQuerySchema), response: { 200: jsonSchema(SessionListSchema, 'output'), ...problemResponses } } }, async (req) => {
      const q = req.query as z.output<typeof ListQuerySchema>;
      try {
        const page = await repo.listSessions({ limit: q.limit, cursor: q.cursor });
        return { items: page.items.map(dto), nextCursor: page.nextCursor };
      } catch (err) {
        if (err instanceof RangeError) throw new HttpProblem(400, 'Invalid request', 'cursor is malformed; pass nextCursor of a previous page');
        throw err;
      }
    });

    v1.get('/sessions/:id', { schema: { params } }, async (req) => {
      const { id } = req.params as { id: string };
      const s = await this.#session(id);
      const [participants, media] = await Promise.all([repo.listParticipants(s.id), repo.listMediaObjects(s.id)]);
      const recording = media.find((m) => m.kind === 'recording');
      const recordingUrl = recording?.state === 'uploaded' && this.deps.objects ? await this.deps.objects.presignGet(recording.s3Key, this.deps.urlTtlSec ?? 3600) : null;
      return {
        ...dto(s),
        live: sessions.isActive(s.id),
        participants: participants.map((p) => ({ ...p, joinedAt: p.joinedAt.toISOString(), leftAt: p.leftAt?.toISOString() ?? null })),
        mediaObjects: media.map((m) => ({ ...m, createdAt: m.createdAt.toISOString(), uploadedAt: m.uploadedAt?.toISOString() ?? null })),
        recordingUrl,
        mediaTimeOriginSec: recording?.mediaTimeOriginSec ?? null,
      };
    });

    v1.get('/sessions/:id/timeline', { schema: { params, querystring: jsonSchema(TimelineQuerySchema) } }, async (req) => {
      const { id } = req.params as { id: string };
      const q = req.query as z.output<typeof TimelineQuerySchema>;
      const s = await this.#session(id);
      const [tl, media] = await Promise.all([repo.timeline(s.id, { fromSec: q.fromSec, toSec: q.toSec }), repo.listMediaObjects(s.id)]);
      return {
        sessionId: s.id,
        mediaTimeOriginSec: media.find((m) => m.kind === 'recording')?.mediaTimeOriginSec ?? null,
        ...tl,
        comments: tl.comments.map((c) => ({ ...c, createdAt: c.createdAt.toISOString() })),
      };
    });

    v1.post('/sessions/:id/end', { schema: { params } }, async (req) => {
      const { id } = req.params as { id: string };
      const s = await this.#session(id);
      if (s.state !== 'live') return dto(s);
      const ended = await sessions.endSession(s.id, 'api');
      if (ended === undefined) throw new HttpProblem(409, 'Session live elsewhere', `session ${s.id} is live on gateway ${s.nodeId}; end it there`);
      return dto(ended ?? (await this.#session(id)));
    });

    v1.delete('/sessions/:id', { schema: { params } }, async (req, reply) => {
      const { id } = req.params as { id: string };
      const s = await this.#session(id);
      if (s.state === 'live') {
        const ended = await sessions.endSession(s.id, 'api');
        if (ended === undefined) throw new HttpProblem(409, 'Session live elsewhere', `session ${s.id} is live on gateway ${s.nodeId}; end it there first`);
      }
      if (this.deps.objects) await this.deps.objects.deletePrefix(ObjectStore.sessionPrefix(s.orgId, s.id));
      fs.rmSync(path.join(this.deps.spoolDir, s.id), { recursive: true, force: true });
      await repo.deleteSession(s.id);
      return reply.code(204).send();
    });
  }

  async #session(id: string): Promise<SessionRow> {
    const s = await this.deps.repo.getSession(id.toLowerCase());
    if (!s) throw new HttpProblem(404, 'Session not found', `no session with id ${id}`);
    return s;
  }
}

function dto(s: SessionRow): SessionSummary {
  return {
    id: s.id,
    orgId: s.orgId,
    roomId: s.roomId,
    title: s.title,
    state: s.state,
    endReason: s.endReason,
    startedAt: s.startedAt.toISOString(),
    endedAt: s.endedAt?.toISOString() ?? null,
    durationSec: s.durationSec,
    mediaDurationSec: s.mediaDurationSec,
  };
}

function isUnavailable(err: unknown): boolean {
  const code = (err as { code?: string })?.code ?? '';
  return ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', '57P01', '57P03'].includes(code);
}
