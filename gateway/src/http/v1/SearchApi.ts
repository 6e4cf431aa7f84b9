import type { FastifyInstance } from 'fastify';
import { ProblemSchema, SearchQuerySchema, SearchResponseSchema } from '@lectern/contract';
import { AccountService } from '../../access/AccountService.ts';
import { memberOf } from '../../access/Authenticator.ts';
import type { Database } from '../../db/Database.ts';
import { HttpProblem, parseWith, problemErrorHandler } from './HttpProblem.ts';
import { jsonSchema } from './schemas.ts';
import { SearchRepository, UnsearchableQueryError } from './SearchRepository.ts';

/** Dependencies of the `/v1` search API. */
export interface SearchApiDeps {
  /** Every query runs in {@link Database.asPrincipal} (row-level security). */
  db: Database;
}

/**
 * Transcript search under `/v1` (Fastify plugin; Problem+JSON errors):
 * - `GET /v1/search?q=WORDS&limit=N` — the sessions the caller may see whose transcript matches
 *   `q` (contract `SearchQuerySchema`: 1–200 characters, web-search syntax; limit 1–50, default
 *   20), ranked, each with its first hits (word, media time, `replaySec` for `/sessions/<id>?t=`,
 *   words around it): contract `SearchResponse`. See {@link SearchRepository} for the SQL.
 * Needs a signed-in member (guests → 403); runs under row-level security (another organization's sessions, and
 * another presenter's unless the caller is owner/admin or a coach they were shared with, are never
 * found). Invalid query or one with no searchable word → 400; database unreachable → 503.
 */
export class SearchApi {
  constructor(private readonly deps: SearchApiDeps) {}

  /** Registers the route on `app` under the `/v1` prefix (encapsulated error handler). */
  async register(app: FastifyInstance): Promise<void> {
    await app.register(async (v1) => {
      v1.setErrorHandler(problemErrorHandler);
      const problems = { 400: jsonSchema(ProblemSchema, 'output'), 503: jsonSchema(ProblemSchema, 'output') };
      v1.get('/search', { schema: { response: { 200: jsonSchema(SearchResponseSchema, 'output'), ...problems } } }, async (req) => {
        const { q, limit } = parseWith(SearchQuerySchema, req.query);
        const p = memberOf(req);
        try {
          return await this.deps.db.asPrincipal(AccountService.dbPrincipal(p), (tx) => new SearchRepository(tx).search(q, limit));
        } catch (err) {
          if (err instanceof UnsearchableQueryError) throw new HttpProblem(400, 'Nothing to search for', err.message, undefined, 'BAD_REQUEST');
          throw err;
        }
      });
    }, { prefix: '/v1' });
  }
}
