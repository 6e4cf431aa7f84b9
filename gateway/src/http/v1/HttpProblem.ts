import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Problem } from '@lectern/contract';

/**
 * An error that the `/v1` error handler sends as Problem+JSON (RFC 9457): `type` is a stable
 * identifier (`about:blank` style short names under `https://lectern.dev/problems/`), `title`
 * the short status text, `detail` what went wrong for this request.
 */
export class HttpProblem extends Error {
  /**
   * @param status HTTP status, e.g. 404.
   * @param title short, stable summary, e.g. `Session not found`.
   * @param detail explanation for this occurrence.
   * @param type problem type slug (default derived from `title`).
   */
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly type: string = `https://lectern.dev/problems/${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`,
    /** Contract `ErrorCode` to add as `code`, e.g. `UNAUTHENTICATED`. */
    readonly code?: string,
    /** Extra response headers, e.g. `Retry-After`. */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }

  /** The response body. */
  toJSON(instance?: string): Problem {
    return { type: this.type, title: this.title, status: this.status, detail: this.detail, ...(instance ? { instance } : {}), ...(this.code ? { code: this.code } : {}) };
  }
}

/** An error that carries its own HTTP status and title (e.g. access/AccountService.ts `AccessError`). */
interface StatusError extends Error {
  status: number;
  title: string;
  retryAfterSec?: number;
}
const isStatusError = (e: unknown): e is StatusError => e instanceof Error && typeof (e as StatusError).status === 'number' && typeof (e as StatusError).title === 'string';

/** Codes of driver errors meaning the database or object store is unreachable (→ 503). */
const UNAVAILABLE = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', '57P01', '57P03'];

/**
 * Maps any error of a `/v1` handler to a Problem+JSON {@link HttpProblem}: HttpProblem as is; an
 * error with `status`/`title` (AccessError) with that status; Fastify validation and zod errors →
 * 400; other 4xx Fastify errors as they are; an unreachable database/S3 → 503; anything else → 500
 * (logged).
 */
export function toProblem(err: unknown, log?: { error(obj: object, msg: string): void }): HttpProblem {
  if (err instanceof HttpProblem) return err;
  if (isStatusError(err)) {
    const code = err.status === 401 ? 'UNAUTHENTICATED' : err.status === 403 ? 'FORBIDDEN' : err.status === 429 ? 'RATE_LIMITED' : err.status === 404 ? 'NOT_FOUND' : undefined;
    return new HttpProblem(err.status, err.title, err.message, undefined, code, err.retryAfterSec ? { 'retry-after': String(err.retryAfterSec) } : {});
  }
  if (err instanceof z.ZodError)
    return new HttpProblem(400, 'Invalid request', err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '), undefined, 'BAD_REQUEST');
  const fe = err as FastifyError;
  if (fe?.validation)
    return new HttpProblem(400, 'Invalid request', `${fe.validationContext ?? 'request'} ${fe.message.replace(/^(params|querystring|body)\/?/, '')}`.trim(), undefined, 'BAD_REQUEST');
  if (fe?.statusCode === 429) return new HttpProblem(429, 'Too many requests', fe.message, undefined, 'RATE_LIMITED');
  if (fe?.statusCode && fe.statusCode < 500) return new HttpProblem(fe.statusCode, 'Bad request', fe.message);
  if (UNAVAILABLE.includes((err as { code?: string })?.code ?? '')) return new HttpProblem(503, 'Service unavailable', 'the database or object store is unreachable; try again shortly');
  log?.error({ err }, 'v1 handler failed');
  return new HttpProblem(500, 'Internal error', 'see the server log');
}

/** A Fastify error handler sending {@link toProblem}'s answer. */
export function problemErrorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const problem = toProblem(err, req.log);
  return reply.code(problem.status).headers(problem.headers).type('application/problem+json').send(problem.toJSON(req.url));
}

/**
 * Parses `value` with a zod schema.
 * @throws HttpProblem 400 listing the failing fields.
 */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value ?? {});
  if (!r.success) throw toProblem(r.error);
  return r.data;
}
