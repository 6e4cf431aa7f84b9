import { errorFromResponse, API_TIMEOUT_MS, type RequestOptions } from './client';
import type { JobStatus, Progress, SessionReport } from '@lectern/contract';

// The report API's shapes are defined once, in the contract, for the gateway and this app.
export type { Drill, JobStatus, Progress, ScoreEvidence as Evidence, SessionReport, SubscoreKey, SubscoreRow as Subscore, Tip } from '@lectern/contract';

async function call<T>(method: string, path: string, opts: RequestOptions & { body?: unknown } = {}): Promise<T> {
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? API_TIMEOUT_MS);
  const res = await fetch(path, {
    method,
    headers: { accept: 'application/json, application/problem+json', ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
    signal: opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout,
  });
  if (!res.ok) throw await errorFromResponse(res, `${method} ${path.split('?')[0]}`);
  return (await res.json()) as T;
}

/** Report API of the gateway (same origin). Errors are `ApiError`s (Problem+JSON detail as message). */
export const reportsApi = {
  /** The session's report and job status (`report` null until the analysis is done). */
  getReport: (id: string, opts: RequestOptions & { rubricVersion?: string } = {}) =>
    call<SessionReport>('GET', `/v1/sessions/${encodeURIComponent(id)}/report${opts.rubricVersion ? `?rubricVersion=${encodeURIComponent(opts.rubricVersion)}` : ''}`, opts),
  /** The report behind a share link (403 tampered, 410 expired). */
  getShared: (token: string, opts: RequestOptions = {}) => call<SessionReport>('GET', `/v1/shared/${encodeURIComponent(token)}/report`, opts),
  /** Re-queues the full-pass analysis. */
  analyze: (id: string) => call<JobStatus>('POST', `/v1/sessions/${encodeURIComponent(id)}/analyze`),
  /** Creates a read-only share link valid `ttlSec` seconds. */
  share: (id: string, ttlSec: number) => call<{ token: string; path: string; expiresAt: string }>('POST', `/v1/sessions/${encodeURIComponent(id)}/share`, { body: { ttlSec } }),
  /** Subscores over sessions and personal bests. */
  progress: (opts: RequestOptions = {}) => call<Progress>('GET', '/v1/progress', opts),
};
