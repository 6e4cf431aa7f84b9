import { ErrorCode } from '@lectern/contract';
import { LecternError, type LecternErrorCode } from '#lib/errors.ts';
import type { ReceivedProblem, SessionDetail, SessionList, SessionSummary, Timeline } from './types';

/** Default time limit of one API call. */
export const API_TIMEOUT_MS = 15_000;

/** A failed HTTP API call: a LecternError with the HTTP status (0 when no response arrived). */
export class ApiError extends LecternError {
  constructor(
    code: LecternErrorCode,
    message: string,
    readonly status: number,
    details?: unknown,
  ) {
    super(code, message, details);
  }
}

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

/** Error code for a failed response: the problem's own `code` if it is a contract code, else by status. */
function codeFor(status: number, problem: ReceivedProblem | null): LecternErrorCode {
  if (problem?.code && KNOWN_CODES.has(problem.code)) return problem.code as LecternErrorCode;
  if (status === 400 || status === 422) return ErrorCode.BadRequest;
  if (status === 401 || status === 403) return ErrorCode.Forbidden;
  if (status === 404 || status === 410) return ErrorCode.NotFound;
  if (status === 409) return ErrorCode.OutOfOrder;
  if (status === 502 || status === 503 || status === 504) return 'UNREACHABLE';
  if (status >= 500) return ErrorCode.Internal;
  return 'HTTP_ERROR';
}

/**
 * Turns a non-2xx response into an ApiError. A Problem+JSON body's `detail` becomes the message
 * (its `title` if there is no detail); any other body gives "HTTP 502 Bad Gateway (GET /v1/…)".
 */
export async function errorFromResponse(res: Response, what: string): Promise<ApiError> {
  let problem: ReceivedProblem | null = null;
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    try {
      const body: unknown = await res.json();
      if (body && typeof body === 'object') problem = body as ReceivedProblem;
    } catch {
      // Not JSON after all: fall through to the status line.
    }
  }
  const fallback = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''} (${what})`;
  const message =
    (typeof problem?.detail === 'string' && problem.detail) ||
    (typeof problem?.title === 'string' && problem.title) ||
    // Fastify's default error shape: { statusCode, error, message }.
    (typeof problem?.message === 'string' && problem.message) ||
    fallback;
  return new ApiError(codeFor(res.status, problem), message, res.status, problem ?? undefined);
}

export interface RequestOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/**
 * Typed client of the gateway's `/v1` HTTP API (same origin by default). Every method resolves to
 * the parsed JSON or throws an {@link ApiError}: the Problem+JSON `detail` as message and a stable
 * code (`NOT_FOUND`, `BAD_REQUEST`, …; `UNREACHABLE` when the server can't be reached, `TIMEOUT`).
 */
export class ApiClient {
  constructor(
    /** Origin (or path prefix) of the API, '' for the page's own origin. */
    readonly base = '',
    private readonly fetchFn: typeof fetch = (...args) => fetch(...args),
  ) {}

  /** `GET /v1/sessions`, newest first. */
  listSessions(opts: RequestOptions & { limit?: number; cursor?: string | null } = {}): Promise<SessionList> {
    const q = new URLSearchParams();
    if (opts.limit) q.set('limit', String(opts.limit));
    if (opts.cursor) q.set('cursor', opts.cursor);
    const qs = q.toString() ? `?${q}` : '';
    return this.#json<SessionList>('GET', `/v1/sessions${qs}`, opts).then((body) => {
      if (!body || !Array.isArray(body.items)) throw badShape('GET /v1/sessions', 'an `items` array');
      return { items: body.items, nextCursor: body.nextCursor ?? null };
    });
  }

  /** `GET /v1/sessions/:id`: the session, participants, media objects and the recording's presigned URL. */
  getSession(id: string, opts: RequestOptions = {}): Promise<SessionDetail> {
    const what = `/v1/sessions/${encodeURIComponent(id)}`;
    return this.#json<Partial<SessionDetail>>('GET', what, opts).then((body) => {
      if (!body || typeof body.id !== 'string') throw badShape(`GET ${what}`, 'a session with an `id`');
      return {
        ...(body as SessionDetail),
        live: body.live ?? body.state === 'live',
        participants: body.participants ?? [],
        mediaObjects: Array.isArray(body.mediaObjects) ? body.mediaObjects : [],
        recordingUrl: body.recordingUrl ?? null,
        mediaTimeOriginSec: body.mediaTimeOriginSec ?? null,
      };
    });
  }

  /** `GET /v1/sessions/:id/timeline`: metric frames, pauses, words, disfluencies by media time. */
  getTimeline(id: string, opts: RequestOptions = {}): Promise<Timeline> {
    const what = `/v1/sessions/${encodeURIComponent(id)}/timeline`;
    return this.#json<Partial<Timeline>>('GET', what, opts).then((body) => {
      if (!body || typeof body !== 'object') throw badShape(`GET ${what}`, 'a timeline object');
      return {
        sessionId: body.sessionId,
        mediaTimeOriginSec: body.mediaTimeOriginSec ?? null,
        frames: body.frames ?? [],
        pauses: body.pauses ?? [],
        words: body.words ?? [],
        disfluencies: body.disfluencies ?? [],
        comments: body.comments ?? [],
      };
    });
  }

  /** `POST /v1/sessions/:id/end`: ends a live session; resolves to the session after ending. */
  endSession(id: string, opts: RequestOptions = {}): Promise<SessionSummary> {
    return this.#json<SessionSummary>('POST', `/v1/sessions/${encodeURIComponent(id)}/end`, opts);
  }

  /** `DELETE /v1/sessions/:id`: removes the session's rows and stored objects. */
  async deleteSession(id: string, opts: RequestOptions = {}): Promise<void> {
    await this.#json<unknown>('DELETE', `/v1/sessions/${encodeURIComponent(id)}`, opts);
  }

  async #json<T>(method: string, path: string, { signal, timeoutMs = API_TIMEOUT_MS }: RequestOptions): Promise<T> {
    const what = `${method} ${path.split('?')[0]}`;
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await this.fetchFn(`${this.base}${path}`, {
        method,
        headers: { accept: 'application/json, application/problem+json' },
        signal: combined,
      });
    } catch (err) {
      if (signal?.aborted) throw signal.reason ?? err;
      if (timeout.aborted) throw new ApiError('TIMEOUT', `No answer to ${what} within ${Math.round(timeoutMs / 1000)} s.`, 0);
      throw new ApiError('UNREACHABLE', `Can't reach the Lectern server (${what}): ${(err as Error)?.message ?? err}`, 0);
    }
    if (!res.ok) throw await errorFromResponse(res, what);
    if (res.status === 204) return undefined as T;
    try {
      return (await res.json()) as T;
    } catch {
      throw new ApiError('BAD_RESPONSE', `${what} answered ${res.status} without valid JSON (is the API deployed at this origin?).`, res.status);
    }
  }
}

function badShape(what: string, expected: string): ApiError {
  return new ApiError('BAD_RESPONSE', `${what} answered without ${expected}; the server may be a different version.`, 200);
}

/** Client of the page's own origin. */
export const api = new ApiClient();
