import { errorFromResponse, API_TIMEOUT_MS, type RequestOptions } from './client';

/** Subscore names, in report order (as the gateway's rubric). */
export type SubscoreKey = 'pace' | 'fillers' | 'pauses' | 'pitchVariety' | 'volume' | 'posture' | 'gestures' | 'eyeContact';

/** A moment that pulled a subscore down; times are recording seconds (replay `?t=`). */
export interface Evidence {
  startSec: number;
  endSec: number;
  note: string;
}

export interface Subscore {
  key: SubscoreKey;
  label: string;
  /** 0–100, null when not measurable (e.g. no camera). */
  score: number | null;
  ci95: [number, number] | null;
  value: Record<string, number> | null;
  reference: { quantity: string; low: number; high: number | null; unit: string; source: string } | null;
  evidence: Evidence[];
}

export interface Tip {
  subscore: SubscoreKey;
  score: number;
  title: string;
  advice: string;
  evidence: Evidence[];
}

export interface Drill {
  kind: 'pacing' | 'pauses' | 'fillers' | 'pitch-variety' | 'read-aloud';
  subscore: SubscoreKey | null;
  title: string;
  instructions: string;
  passage: string;
  targetWpm?: number;
  targetDurationSec?: number;
  targetPauseSec?: number;
  targetFillers?: string[];
  emphasisWords?: string[];
}

export interface JobStatus {
  state: 'queued' | 'running' | 'done' | 'failed';
  percent: number;
  stage: string | null;
  attempts: number;
  error: string | null;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  wallMs: number | null;
}

/** `GET /v1/sessions/:id/report` (and the shared report). */
export interface SessionReport {
  sessionId: string;
  title: string | null;
  roomId: string;
  startedAt: string;
  durationSec: number | null;
  job: JobStatus | null;
  report: {
    rubricVersion: string;
    rubricVersions: string[];
    scoredAt: string;
    overall: { score: number; ci95: [number, number] } | null;
    subscores: Subscore[];
    tips: Tip[];
    drills: Drill[];
    summary: { wpm: number | null; articulationWpm: number | null; fillersPerMin: number | null; speakingRatio: number; pitchVariabilitySt: number | null; pauses: number } | null;
    engines: Record<string, string>;
    transcript: string;
  } | null;
}

/** `GET /v1/progress`. */
export interface Progress {
  rubricVersion: string;
  sessions: { sessionId: string; title: string | null; roomId: string; startedAt: string; overall: number | null; subscores: Record<SubscoreKey, number | null> }[];
  personalBests: Record<'overall' | SubscoreKey, { score: number; sessionId: string; startedAt: string } | null>;
}

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
