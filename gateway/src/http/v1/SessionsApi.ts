import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Sql } from 'postgres';
import type { z } from 'zod';
import { ProblemSchema, type SessionSummary, SessionListSchema, SessionPatchSchema } from '@lectern/contract';
import { AccountService } from '../../access/AccountService.ts';
import type { AuditLog } from '../../access/AuditLog.ts';
import { principalOf } from '../../access/Authenticator.ts';
import type { Principal } from '../../access/AccessTypes.ts';
import type { Database } from '../../db/Database.ts';
import type { SessionRow } from '../../db/DbTypes.ts';
import { SessionRepository } from '../../db/SessionRepository.ts';
import type { SessionManager } from '../../sessions/SessionManager.ts';
import { ObjectStore } from '../../storage/ObjectStore.ts';
import { HttpProblem, parseWith, problemErrorHandler } from './HttpProblem.ts';
import { jsonSchema, ListQuerySchema, SessionParamsSchema, TimelineQuerySchema } from './schemas.ts';

/** Dependencies of the `/v1` sessions API. */
export interface SessionsApiDeps {
  /** Every query runs in {@link Database.asPrincipal} (row-level security). */
  db: Database;
  objects: ObjectStore | null;
  sessions: SessionManager;
  spoolDir: string;
  audit: AuditLog;
  /** Lifetime of presigned recording URLs, seconds (default and maximum 900). */
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
 * - `PATCH /v1/sessions/:id` `{title?, sharedWithCoaches?}` — the presenter or an admin.
 * - `DELETE /v1/sessions/:id` — ends it if live, deletes its S3 objects, spool and rows → 204.
 * Every route needs a signed-in caller and runs under row-level security: a session the caller may
 * not see (another organization's, another presenter's) is 404 exactly like a missing one; seeing
 * but not owning it (a coach) → 403 for changes. Presigned URLs are made only after that check and
 * live ≤ 15 min. Invalid ids → 400, live on another gateway → 409, DB/S3 unreachable → 503.
 */
export class SessionsApi {
  /** @param deps see {@link SessionsApiDeps}. */
  constructor(private readonly deps: SessionsApiDeps) {}

  /** Registers the routes on `app` under the `/v1` prefix (encapsulated error handler). */
  async register(app: FastifyInstance): Promise<void> {
    await app.register(async (v1) => this.#routes(v1), { prefix: '/v1' });
  }

  #routes(v1: FastifyInstance): void {
    const { sessions, audit } = this.deps;
    const ttl = Math.min(900, this.deps.urlTtlSec ?? 900);
    const as = <T>(req: FastifyRequest, fn: (repo: SessionRepository, p: Principal, tx: Sql) => Promise<T>): Promise<T> => {
      const p = principalOf(req);
      return this.deps.db.asPrincipal(AccountService.dbPrincipal(p), (tx) => fn(new SessionRepository(tx), p, tx));
    };
    const ctx = (req: FastifyRequest) => ({ ip: req.ip, requestId: req.id });
    v1.setErrorHandler(problemErrorHandler);
    const problemResponses = { 400: jsonSchema(ProblemSchema, 'output'), 404: jsonSchema(ProblemSchema, 'output') };
    const params = jsonSchema(SessionParamsSchema);

    v1.get('/sessions', { schema: { querystring: jsonSchema(ListQuerySchema), response: { 200: jsonSchema(SessionListSchema, 'output'), ...problemResponses } } }, async (req) => {
      const q = req.query as z.output<typeof ListQuerySchema>;
      try {
        const page = await as(req, (repo) => repo.listSessions({ limit: q.limit, cursor: q.cursor }));
        return { items: page.items.map(dto), nextCursor: page.nextCursor };
      } catch (err) {
        if (err instanceof RangeError) throw new HttpProblem(400, 'Invalid request', 'cursor is malformed; pass nextCursor of a previous page');
        throw err;
      }
    });

    v1.get('/sessions/:id', { schema: { params } }, async (req) => {
      const { id } = req.params as { id: string };
      const { s, participants, media } = await as(req, async (repo) => {
        const s = await this.#session(repo, id);
        const [participants, media] = await Promise.all([repo.listParticipants(s.id), repo.listMediaObjects(s.id)]);
        return { s, participants, media };
      });
      const recording = media.find((m) => m.kind === 'recording');
      const recordingUrl = recording?.state === 'uploaded' && this.deps.objects ? await this.deps.objects.presignGet(recording.s3Key, ttl) : null;
      await audit.record({ orgId: s.orgId, kind: 'session-viewed', actor: principalOf(req), target: s.id, ctx: ctx(req) });
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
      const { s, tl, media } = await as(req, async (repo) => {
        const s = await this.#session(repo, id);
        const [tl, media] = await Promise.all([repo.timeline(s.id, { fromSec: q.fromSec, toSec: q.toSec }), repo.listMediaObjects(s.id)]);
        return { s, tl, media };
      });
      return {
        sessionId: s.id,
        mediaTimeOriginSec: media.find((m) => m.kind === 'recording')?.mediaTimeOriginSec ?? null,
        ...tl,
        comments: tl.comments.map((c) => ({ ...c, createdAt: c.createdAt.toISOString() })),
        cues: tl.cues.map((c) => ({ ...c, sentAt: c.sentAt.toISOString() })),
      };
    });

    v1.post('/sessions/:id/end', { schema: { params } }, async (req) => {
      const { id } = req.params as { id: string };
      const s = await as(req, (repo, p) => this.#owned(repo, p, id, 'end'));
      if (s.state !== 'live') return dto(s);
      const ended = await sessions.endSession(s.id, 'api');
      if (ended === undefined) throw new HttpProblem(409, 'Session live elsewhere', `session ${s.id} is live on gateway ${s.nodeId}; end it there`);
      return dto(ended ?? (await as(req, (repo) => this.#session(repo, id))));
    });

    v1.patch('/sessions/:id', { schema: { params } }, async (req) => {
      const { id } = req.params as { id: string };
      const patch = parseWith(SessionPatchSchema, req.body);
      return dto(await as(req, async (repo, p) => {
        await this.#owned(repo, p, id, 'change');
        return (await repo.patchSession(id.toLowerCase(), patch))!;
      }));
    });

    v1.delete('/sessions/:id', { schema: { params } }, async (req, reply) => {
      const { id } = req.params as { id: string };
      const s = await as(req, (repo, p) => this.#owned(repo, p, id, 'delete'));
      if (s.state === 'live') {
        const ended = await sessions.endSession(s.id, 'api');
        if (ended === undefined) throw new HttpProblem(409, 'Session live elsewhere', `session ${s.id} is live on gateway ${s.nodeId}; end it there first`);
      }
      await as(req, (repo) => deleteSessionData(repo, this.deps.objects, this.deps.spoolDir, s));
      await audit.record({ orgId: s.orgId, kind: 'session-deleted', actor: principalOf(req), target: s.id, ctx: ctx(req) });
      return reply.code(204).send();
    });
  }

  #session(repo: SessionRepository, id: string): Promise<SessionRow> {
    return visibleSession(repo, id);
  }

  #owned(repo: SessionRepository, p: Principal, id: string, what: string): Promise<SessionRow> {
    return ownedSession(repo, p, id, what);
  }
}

/**
 * A session the caller may see (`repo` runs under the caller's row-level security).
 * @throws HttpProblem 404 otherwise — also for another organization's, so ids do not leak.
 */
export async function visibleSession(repo: SessionRepository, id: string): Promise<SessionRow> {
  const s = await repo.getSession(id.toLowerCase());
  if (!s) throw new HttpProblem(404, 'Session not found', `no session with id ${id}`);
  return s;
}

/**
 * A session the caller may change (end, edit, analyse, share, delete): their own, or any of the
 * organization for the owner and admins (the README's matrix).
 * @throws HttpProblem 404 (not visible), 403 (visible, e.g. to a coach, but not theirs).
 */
export async function ownedSession(repo: SessionRepository, p: Principal, id: string, what: string): Promise<SessionRow> {
  const s = await visibleSession(repo, id);
  if (!(p.role === 'owner' || p.role === 'admin' || (p.userId && s.ownerUserId === p.userId)))
    throw new HttpProblem(403, 'Not your session', `only the session's presenter or an admin may ${what} it`, undefined, 'FORBIDDEN');
  return s;
}

/**
 * Deletes a session's S3 objects (under its org prefix, and every key its media objects name —
 * recordings made before accounts keep their old prefix), its spool directory and its rows.
 */
export async function deleteSessionData(repo: SessionRepository, objects: ObjectStore | null, spoolDir: string, s: Pick<SessionRow, 'id' | 'orgId'>): Promise<void> {
  if (objects) {
    await objects.deletePrefix(ObjectStore.sessionPrefix(s.orgId, s.id));
    for (const m of await repo.listMediaObjects(s.id)) await objects.deletePrefix(m.s3Key);
  }
  fs.rmSync(path.join(spoolDir, s.id), { recursive: true, force: true });
  await repo.deleteSession(s.id);
}

function dto(s: SessionRow): SessionSummary {
  return {
    id: s.id,
    orgId: s.orgId,
    ownerUserId: s.ownerUserId,
    sharedWithCoaches: s.sharedWithCoaches,
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
