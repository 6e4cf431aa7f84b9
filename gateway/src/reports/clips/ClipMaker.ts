/**
 * The report job's clip step, in two phases so the report is complete (job `done`) before the
 * slow part: {@link planClips} picks the moments ({@link selectMoments}), replaces the session's
 * old clips and stores the new ones as `pending` (with their captions); then {@link cutClips} cuts
 * each from the downloaded recording with its captions burned in ({@link cutClip}), uploads it to
 * `orgs/<org>/sessions/<id>/clips/<clip id>.webm`, records it as a `media_objects` row of kind
 * `clip` and marks the clip `ready`. A clip that fails (ffmpeg error, timeout, upload) is marked
 * `failed` with the reason, and one that would start after the time budget is used up is marked
 * `failed` ("skipped: …"): the report never fails because of its clips.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FullPassResult } from '@lectern/analyzers/report';
import { ObjectStore } from '../../storage/ObjectStore.ts';
import { assScript, type CaptionCue, captionCues } from './captions.ts';
import type { ClipRepository } from './ClipRepository.ts';
import { clipFrameSize, cutClip, probeMedia } from './cutClip.ts';
import { type Moment, selectMoments } from './moments.ts';

/** Content type of the clips (VP8 + Opus in WebM). */
export const CLIP_CONTENT_TYPE = 'video/webm';

/** Settings of the clip step (`ReportJobOptions.clips`). */
export interface ClipOptions {
  /** Cut clips at all (default true). */
  enabled?: boolean;
  /** Most clips per session (default 5: one per kind). */
  maxClips?: number;
  /** ffmpeg time limit per clip, ms (default 120 s; see the figures printed by the clips e2e test). */
  clipTimeoutMs?: number;
  /** Time budget of the whole step, ms (default 300 s); clips after it are skipped (failed, with the reason). */
  budgetMs?: number;
}

/** Arguments of {@link planClips}. */
export interface PlanClipsArgs {
  sessionId: string;
  orgId: string;
  analysis: FullPassResult;
  objects: ObjectStore;
  clips: ClipRepository;
  opts?: ClipOptions;
}

/** The stored pending clips, for {@link cutClips}. */
export interface ClipPlan {
  sessionId: string;
  orgId: string;
  items: { id: string; moment: Moment; cues: CaptionCue[] }[];
}

/**
 * Picks the moments, deletes the session's previous clips (rows and objects) and stores the new
 * ones as `pending`.
 * @throws Error when the database is unreachable.
 */
export async function planClips(a: PlanClipsArgs): Promise<ClipPlan> {
  const moments = selectMoments(a.analysis.scoringInput, { maxMoments: a.opts?.maxClips ?? 5 });
  for (const key of await a.clips.deleteAll(a.sessionId)) await a.objects.deletePrefix(key).catch(() => {});
  const { words, fillers } = a.analysis.scoringInput;
  const plan: ClipPlan = { sessionId: a.sessionId, orgId: a.orgId, items: [] };
  for (const [i, m] of moments.entries()) {
    const id = randomUUID();
    const cues = captionCues(words, fillers, m.startSec, m.endSec);
    const captions = cues.map(({ startSec, endSec, text }) => ({ startSec, endSec, text }));
    await a.clips.insert({ id, sessionId: a.sessionId, ordinal: i, ...m, captions, mediaObjectId: null, state: 'pending', error: null });
    plan.items.push({ id, moment: m, cues });
  }
  return plan;
}

/** Arguments of {@link cutClips}. */
export interface CutClipsArgs {
  plan: ClipPlan;
  /** The downloaded recording (the file the full pass analysed). */
  recordingFile: string;
  objects: ObjectStore;
  clips: ClipRepository;
  /** Scratch folder (the job's; removed by the caller). */
  tmpDir: string;
  /** After each clip: clips done (cut or failed) of total. */
  onProgress?: (done: number, total: number) => void;
  /** Aborted on shutdown: the running ffmpeg is killed and the rest skipped. */
  signal?: AbortSignal;
  opts?: ClipOptions;
}

/** What {@link cutClips} did (logged by the job; `errors` are per-clip reasons). */
export interface ClipsOutcome {
  moments: number;
  ready: number;
  failed: number;
  wallMs: number;
  /** Seconds of clip video cut (ready clips). */
  clipSec: number;
  /** Wall time of each clip's cut + upload, ms (failed ones included). */
  clipMs: number[];
  errors: string[];
}

/**
 * Cuts, stores and marks each pending clip of `plan`, in order, within the time budget.
 * @throws Error only when the database is unreachable (every media error becomes a failed clip).
 */
export async function cutClips(a: CutClipsArgs): Promise<ClipsOutcome> {
  const t0 = performance.now();
  const o = { clipTimeoutMs: 120_000, budgetMs: 300_000, ...a.opts };
  const { plan } = a;
  const out: ClipsOutcome = { moments: plan.items.length, ready: 0, failed: 0, wallMs: 0, clipSec: 0, clipMs: [], errors: [] };
  if (plan.items.length === 0) return out;
  const media = await probeMedia(a.recordingFile).catch((err: Error) => err);
  const dir = fs.mkdtempSync(path.join(a.tmpDir, 'clips-'));
  for (const [i, { id, moment: m, cues }] of plan.items.entries()) {
    const c0 = performance.now();
    const remainingMs = o.budgetMs - (performance.now() - t0);
    try {
      if (media instanceof Error) throw media;
      if (a.signal?.aborted) throw new Error('skipped: the server was shutting down; analyse again to cut it');
      if (remainingMs <= 1000) throw new Error(`skipped: the ${Math.round(o.budgetMs / 1000)} s time budget for clips was used up`);
      const size = clipFrameSize(media.video);
      const assFile = cues.length > 0 ? path.join(dir, `${id}.ass`) : null;
      if (assFile) fs.writeFileSync(assFile, assScript(cues, size.widthPx, size.heightPx));
      const file = path.join(dir, `${id}.webm`);
      await cutClip({ input: a.recordingFile, output: file, startSec: m.startSec, endSec: m.endSec, assFile, media, timeoutMs: Math.min(o.clipTimeoutMs, remainingMs), signal: a.signal });
      const cut = await probeMedia(file);
      const key = `${ObjectStore.sessionPrefix(plan.orgId, plan.sessionId)}clips/${id}.webm`;
      const bytes = await a.objects.uploadFile(key, file, CLIP_CONTENT_TYPE).catch((err: Error) => {
        throw new Error(`cannot store the clip in the object store: ${err.message}`);
      });
      fs.rmSync(file, { force: true });
      const mediaObjectId = randomUUID();
      await a.clips.insertMediaObject({ id: mediaObjectId, sessionId: plan.sessionId, s3Key: key, contentType: CLIP_CONTENT_TYPE, bytes, durationSec: cut.durationSec, hasAudio: cut.hasAudio });
      await a.clips.markReady(id, mediaObjectId);
      out.ready++;
      out.clipSec += m.endSec - m.startSec;
    } catch (err) {
      const reason = (err as Error).message || String(err);
      await a.clips.markFailed(id, reason);
      out.failed++;
      out.errors.push(`${m.kind}: ${reason}`);
    }
    out.clipMs.push(Math.round(performance.now() - c0));
    a.onProgress?.(i + 1, plan.items.length);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return { ...out, wallMs: performance.now() - t0 };
}
