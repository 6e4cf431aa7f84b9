import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Sql } from 'postgres';
import { ProblemSchema, ScriptTextSchema, SessionScriptSchema, type SessionScript } from '@lectern/contract';
import { parseScript, scriptProgress, type TimedWord } from '@lectern/analyzers/script';
import { AccountService } from '../../access/AccountService.ts';
import { memberOf } from '../../access/Authenticator.ts';
import type { Principal } from '../../access/AccessTypes.ts';
import type { Database } from '../../db/Database.ts';
import type { SessionRow } from '../../db/DbTypes.ts';
import { SessionRepository } from '../../db/SessionRepository.ts';
import { HttpProblem, parseWith, problemErrorHandler } from './HttpProblem.ts';
import { jsonSchema, SessionParamsSchema } from './schemas.ts';
import { ownedSession, visibleSession } from './SessionsApi.ts';

/** Dependencies of the `/v1` script API. */
export interface ScriptApiDeps {
  /** Every query runs in {@link Database.asPrincipal} (row-level security). */
  db: Database;
}

/**
 * Script mode under `/v1` (Fastify plugin; Problem+JSON errors; shapes: contract/src/script.ts):
 * - `PUT /v1/sessions/:id/script` `{text}` — stores (replaces) the session's script: its presenter
 *   or an admin (403 for others who see it, 404 for those who do not) → `SessionScript`.
 * - `GET /v1/sessions/:id/script` → `SessionScript`: the script and the alignment of the words
 *   recognised so far (table `transcript_words`, written live) — computed on each call
 *   (analyzers/src/script: O(script words × recognised words), ≤ 40 M cells → else 422), so a
 *   live page polls it; `final` once the session is no longer live.
 * Both need a signed-in member and run under row-level security (table `session_scripts`,
 * migration 009). Bad id or body → 400; database unreachable → 503.
 */
export class ScriptApi {
  constructor(private readonly deps: ScriptApiDeps) {}

  /** Registers the routes on `app` under the `/v1` prefix (encapsulated error handler). */
  async register(app: FastifyInstance): Promise<void> {
    await app.register(async (v1) => {
      v1.setErrorHandler(problemErrorHandler);
      const params = jsonSchema(SessionParamsSchema);
      const response = { 200: jsonSchema(SessionScriptSchema, 'output'), 400: jsonSchema(ProblemSchema, 'output'), 404: jsonSchema(ProblemSchema, 'output') };
      const id = (req: FastifyRequest) => (req.params as { id: string }).id;

      v1.get('/sessions/:id/script', { schema: { params, response } }, async (req) =>
        this.#as(req, async (repo, _p, tx) => read(tx, await visibleSession(repo, id(req)))));

      v1.put('/sessions/:id/script', { schema: { params, response } }, async (req) => {
        const { text } = parseWith(ScriptTextSchema, req.body);
        return this.#as(req, async (repo, p, tx) => {
          const s = await ownedSession(repo, p, id(req), 'set the script of');
          await tx`INSERT INTO session_scripts (session_id, text, set_by) VALUES (${s.id}, ${text}, ${p.userId})
            ON CONFLICT (session_id) DO UPDATE SET text = EXCLUDED.text, set_by = EXCLUDED.set_by, updated_at = now()`;
          return read(tx, s);
        });
      });
    }, { prefix: '/v1' });
  }

  #as<T>(req: FastifyRequest, fn: (repo: SessionRepository, p: Principal, tx: Sql) => Promise<T>): Promise<T> {
    const p = memberOf(req);
    return this.deps.db.asPrincipal(AccountService.dbPrincipal(p), (tx) => fn(new SessionRepository(tx), p, tx));
  }
}

/**
 * The session's script and its alignment with the words recognised (`tx` under RLS): the full
 * pass's once the report has one (recording seconds → media seconds), else the live transcript's.
 */
async function read(tx: Sql, s: SessionRow): Promise<SessionScript> {
  const [script] = await tx<{ text: string }[]>`SELECT text FROM session_scripts WHERE session_id = ${s.id}`;
  const [origin] = await tx<{ sec: number | null }[]>`SELECT media_time_origin_sec AS sec FROM media_objects
    WHERE session_id = ${s.id} AND kind = 'recording' ORDER BY created_at DESC LIMIT 1`;
  const originSec = origin?.sec ?? 0;
  if (!script) return { sessionId: s.id, text: null, mediaTimeOriginSec: originSec, wordsFrom: 'live', alignment: null };
  const [full] = await tx<{ words: { word?: string; startSec: number; endSec: number }[] | null }[]>`
    SELECT analysis->'scoringInput'->'words' AS words FROM session_analyses WHERE session_id = ${s.id}`;
  const wordsFrom = full?.words ? 'full-pass' : 'live';
  const words: TimedWord[] = full?.words
    ? full.words.map((w) => ({ word: w.word ?? '', startSec: w.startSec - originSec, endSec: w.endSec - originSec }))
    : await tx<TimedWord[]>`SELECT word, start_sec AS "startSec", end_sec AS "endSec" FROM transcript_words
      WHERE session_id = ${s.id} ORDER BY start_sec, segment_id`;
  try {
    const alignment = scriptProgress(parseScript(script.text), words, { final: s.state !== 'live', originSec });
    return { sessionId: s.id, text: script.text, mediaTimeOriginSec: originSec, wordsFrom, alignment };
  } catch (err) {
    if (err instanceof RangeError) throw new HttpProblem(422, 'Script too long to align', `${err.message}; shorten the script`, undefined, 'BAD_REQUEST');
    throw err;
  }
}
