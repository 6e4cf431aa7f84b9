import { ErrorCode, type SessionPatch } from '@lectern/contract';
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
    /** Seconds the server asked to wait (`Retry-After` of a 429/503), else null. */
    readonly retryAfterSec: number | null = null,
  ) {
    super(code, message, details);
  }
}

/**
 * Where the client gets its access token (the auth store): sent as `Authorization: Bearer`; on a
 * 401 the client calls `refresh()` once and retries the request with the token it resolves to.
 */
export interface TokenSource {
  /** The current access token, or null when signed out. */
  readonly accessToken: string | null;
  /** Gets a new access token (single-flight); resolves null when the user is not signed in any more. */
  refresh(): Promise<string | null>;
}

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

/** Error code for a failed response: the problem's own `code` if it is a contract code, else by status. */
function codeFor(status: number, problem: ReceivedProblem | null): LecternErrorCode {
  if (problem?.code && KNOWN_CODES.has(problem.code)) return problem.code as LecternErrorCode;
  if (status === 400 || status === 422) return ErrorCode.BadRequest;
  if (status === 401) return ErrorCode.Unauthenticated;
  if (status === 403) return ErrorCode.Forbidden;
  if (status === 404 || status === 410) return ErrorCode.NotFound;
  if (status === 409) return ErrorCode.OutOfOrder;
  if (status === 429) return ErrorCode.RateLimited;
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
  const retry = Number(res.headers.get('retry-after'));
  const retryAfterSec = res.headers.has('retry-after') && Number.isFinite(retry) && retry >= 0 ? retry : null;
  return new ApiError(codeFor(res.status, problem), message, res.status, problem ?? undefined, retryAfterSec);
}

export interface RequestOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Options of {@link ApiClient.request}: a JSON body (or a Blob, sent with its own type), extra headers. */
export interface SendOptions extends RequestOptions {
  /** JSON-serialised unless it is a Blob (sent as is, `content-type` = its type). */
  body?: unknown;
  headers?: Record<string, string>;
  /** Send no Authorization header (public routes). */
  anonymous?: boolean;
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
    /** Access tokens for `Authorization: Bearer` (the app's auth store; set once at start-up). */
    public tokens: TokenSource | null = null,
  ) {}

  /**
   * One call of the API: sends the Bearer token, and on a 401 refreshes the token once and retries.
   * @returns the parsed JSON (undefined for 204)
   * @throws ApiError (Problem+JSON `detail` as message; `UNREACHABLE`, `TIMEOUT`, `BAD_RESPONSE`)
   */
  async request<T>(method: string, path: string, opts: SendOptions = {}): Promise<T> {
    const what = `${method} ${path.split('?')[0]}`;
    const res = await this.send(method, path, opts);
    if (res.status === 204) return undefined as T;
    try {
      return (await res.json()) as T;
    } catch {
      throw new ApiError('BAD_RESPONSE', `${what} answered ${res.status} without valid JSON (is the API deployed at this origin?).`, res.status);
    }
  }

  /** Like {@link request}, for a file: the body as a Blob and the file name from `content-disposition`. */
  async download(path: string, opts: SendOptions = {}): Promise<{ blob: Blob; fileName: string | null }> {
    const res = await this.send('GET', path, opts);
    const disposition = res.headers.get('content-disposition') ?? '';
    const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
    return { blob: await res.blob(), fileName: m?.[1] ? decodeURIComponent(m[1]) : null };
  }

  /**
   * Sends a request and resolves to the (2xx) Response. A 401 on an authenticated call refreshes
   * the token once (through {@link tokens}) and retries with the new one.
   * @throws ApiError for a non-2xx answer or when no answer arrives
   */
  async send(method: string, path: string, opts: SendOptions = {}): Promise<Response> {
    const what = `${method} ${path.split('?')[0]}`;
    const tokens = opts.anonymous ? null : this.tokens;
    const token = tokens?.accessToken ?? null;
    let res = await this.#fetch(method, path, opts, token, what);
    if (res.status === 401 && tokens) {
      const fresh = await tokens.refresh().catch(() => null);
      if (fresh) res = await this.#fetch(method, path, opts, fresh, what);
    }
    if (!res.ok) throw await errorFromResponse(res, what);
    return res;
  }

  async #fetch(method: string, path: string, opts: SendOptions, token: string | null, what: string): Promise<Response> {
    const { signal, timeoutMs = API_TIMEOUT_MS, body } = opts;
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...opts.headers };
    if (token) headers.authorization = `Bearer ${token}`;
    let payload: BodyInit | undefined;
    if (body instanceof Blob) {
      payload = body;
      headers['content-type'] ??= body.type.split(';')[0] || 'application/octet-stream';
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    try {
      return await this.fetchFn(`${this.base}${path}`, { method, headers, body: payload, signal: combined, credentials: 'same-origin' });
    } catch (err) {
      if (signal?.aborted) throw signal.reason ?? err;
      if (timeout.aborted) throw new ApiError('TIMEOUT', `No answer to ${what} within ${Math.round(timeoutMs / 1000)} s.`, 0);
      throw new ApiError('UNREACHABLE', `Can't reach the Lectern server (${what}): ${(err as Error)?.message ?? err}`, 0);
    }
  }

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

  /** `GET /v1/sessions/:id/timeline`: metric frames, pauses, words, disfluencies, comments, nudges and cues by media time. */
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
        cues: body.cues ?? [],
      };
    });
  }

  /** `POST /v1/sessions/:id/end`: ends a live session; resolves to the session after ending. */
  endSession(id: string, opts: RequestOptions = {}): Promise<SessionSummary> {
    return this.#json<SessionSummary>('POST', `/v1/sessions/${encodeURIComponent(id)}/end`, opts);
  }

  /** `PATCH /v1/sessions/:id`: title, and whether the organization's coaches may see it. */
  patchSession(id: string, patch: SessionPatch, opts: RequestOptions = {}): Promise<SessionSummary> {
    return this.request<SessionSummary>('PATCH', `/v1/sessions/${encodeURIComponent(id)}`, { ...opts, body: patch });
  }

  /** `DELETE /v1/sessions/:id`: removes the session's rows and stored objects. */
  async deleteSession(id: string, opts: RequestOptions = {}): Promise<void> {
    await this.#json<unknown>('DELETE', `/v1/sessions/${encodeURIComponent(id)}`, opts);
  }

  #json<T>(method: string, path: string, opts: RequestOptions): Promise<T> {
    return this.request<T>(method, path, opts);
  }
}

function badShape(what: string, expected: string): ApiError {
  return new ApiError('BAD_RESPONSE', `${what} answered without ${expected}; the server may be a different version.`, 200);
}

/** Client of the page's own origin. */
export const api = new ApiClient();
