import type { ReportClip, ReportClips } from '@lectern/contract';
import type { ObjectStore } from '../../storage/ObjectStore.ts';
import type { ClipRow } from './ClipRepository.ts';
import { SHORT_WINDOW_SEC } from './moments.ts';

/** Lifetime of a clip's presigned URL, seconds (like the recording's: at most 15 min). */
export const CLIP_URL_TTL_SEC = 900;
/**
 * A clip still pending this long after it was picked was interrupted (the node stopped while
 * cutting: SIGKILL, crash), seconds: the job's clip budget (300 s) plus a margin.
 */
export const PENDING_STALE_SEC = 900;

/**
 * The report's `clips` from the stored rows. Call it only after the access check (the caller may
 * see the session, or holds a valid share link): it presigns each ready clip's object for
 * `ttlSec` (≤ {@link CLIP_URL_TTL_SEC}).
 * @param enabled false when this server cuts no clips (disabled, or no object store): state `off`.
 */
export async function clipsDto(
  rows: ClipRow[],
  objects: ObjectStore | null,
  opts: { enabled: boolean; ttlSec?: number; nowMs?: number },
): Promise<ReportClips> {
  const ttl = Math.min(CLIP_URL_TTL_SEC, opts.ttlSec ?? CLIP_URL_TTL_SEC);
  const expiresAt = new Date((opts.nowMs ?? Date.now()) + ttl * 1000).toISOString();
  const items: ReportClip[] = [];
  const now = opts.nowMs ?? Date.now();
  for (let r of rows) {
    if (r.state === 'pending' && now - r.createdAt.getTime() > PENDING_STALE_SEC * 1000)
      r = { ...r, state: 'failed', error: 'interrupted: the server stopped while cutting it; analyse again to cut it' };
    const url = r.state === 'ready' && r.s3Key && objects ? await objects.presignGet(r.s3Key, ttl) : null;
    items.push({
      id: r.id,
      kind: r.kind,
      tone: r.tone,
      startSec: r.startSec,
      endSec: r.endSec,
      title: r.title,
      why: r.why,
      value: r.value,
      unit: r.unit,
      state: r.state === 'ready' && !r.s3Key ? 'failed' : r.state,
      error: r.state === 'ready' && !r.s3Key ? 'the clip video was deleted' : r.error,
      durationSec: r.durationSec,
      contentType: r.contentType ?? 'video/webm',
      url,
      urlExpiresAt: url ? expiresAt : null,
      captions: r.captions,
    });
  }
  const cutting = items.some((c) => c.state === 'pending');
  if (items.length === 0 && !opts.enabled && !cutting)
    return { state: 'off', items, note: objects ? 'This server cuts no clips (turned off in its configuration).' : 'This server has no object store, so it cannot store clips.' };
  return {
    state: cutting ? 'cutting' : 'ready',
    items,
    note: cutting || items.length > 0 ? null : `No clips: the talk is shorter than ${SHORT_WINDOW_SEC} s, too little speech was recognised to pick moments, or it was analysed before clips existed (analyse it again).`,
  };
}
