import { api, type RequestOptions } from './client';
import type { JobStatus, Progress, ReadAloudResponse, SessionReport } from '@lectern/contract';

// The report API's shapes are defined once, in the contract, for the gateway and this app.
export type { Drill, JobStatus, Progress, ScoreEvidence as Evidence, SessionReport, SubscoreKey, SubscoreRow as Subscore, Tip } from '@lectern/contract';

const sessionPath = (id: string) => `/v1/sessions/${encodeURIComponent(id)}`;

/**
 * Report API of the gateway (same origin), through the app's {@link api} client (Bearer token,
 * refresh on 401). Errors are `ApiError`s (Problem+JSON detail as message).
 */
export const reportsApi = {
  /** The session's report and job status (`report` null until the analysis is done). */
  getReport: (id: string, opts: RequestOptions & { rubricVersion?: string } = {}) =>
    api.request<SessionReport>('GET', `${sessionPath(id)}/report${opts.rubricVersion ? `?rubricVersion=${encodeURIComponent(opts.rubricVersion)}` : ''}`, opts),
  /** The report behind a share link (403 tampered, 410 expired); needs no account. */
  getShared: (token: string, opts: RequestOptions = {}) =>
    api.request<SessionReport>('GET', `/v1/shared/${encodeURIComponent(token)}/report`, { ...opts, anonymous: true }),
  /** Re-queues the full-pass analysis. */
  analyze: (id: string) => api.request<JobStatus>('POST', `${sessionPath(id)}/analyze`),
  /** Creates a read-only share link valid `ttlSec` seconds. */
  share: (id: string, ttlSec: number) =>
    api.request<{ token: string; path: string; expiresAt: string }>('POST', `${sessionPath(id)}/share`, { body: { ttlSec } }),
  /** Subscores over sessions and personal bests. */
  progress: (opts: RequestOptions = {}) => api.request<Progress>('GET', '/v1/progress', opts),
  /** Scores a recorded read-aloud attempt against `target`. */
  readAloud: (target: string, audio: Blob) =>
    api.request<ReadAloudResponse>('POST', `/v1/drills/read-aloud?target=${encodeURIComponent(target)}`, { body: audio, timeoutMs: 60_000 }),
};

/**
 * Downloads `path` (an export under `/v1`, with the Bearer token) and saves it as `fallbackName`
 * (or the server's file name) through a temporary object URL.
 */
export async function saveDownload(path: string, fallbackName: string, opts: { anonymous?: boolean } = {}): Promise<void> {
  const { blob, fileName } = await api.download(path, { anonymous: opts.anonymous, timeoutMs: 60_000 });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName ?? fallbackName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
