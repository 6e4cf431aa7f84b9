/**
 * Remembers, per browser tab (`sessionStorage`), the rehearsal that is live, so that reloading
 * the page (or the browser restoring the tab) joins the same room again at once — and the server
 * resumes the same session while it still waits for its presenter (`LECTERN_RESUME_GRACE_SEC`,
 * 30 s by default). Pure functions over a `Storage`-like object, so they are testable outside a
 * browser.
 */

/** What a reloaded page needs to join again as it did. */
export interface ResumableRehearsal {
  roomId: string;
  /** Whether the camera was sent. */
  video: boolean;
  /** Last time the page saw the rehearsal live, ms since the Unix epoch. */
  liveAtMs: number;
}

/** The `sessionStorage` key. */
export const RESUME_KEY = 'lectern.rehearsal';
/**
 * How long after the page last saw the rehearsal live a reload still resumes it, ms. The server's
 * default grace (30 s); after that the session has ended and a reload shows the start form.
 */
export const RESUME_WINDOW_MS = 30_000;

type StorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** Records that `roomId` is live now (call while live, e.g. every few seconds and on `pagehide`). */
export function saveRehearsal(storage: StorageLike, r: Omit<ResumableRehearsal, 'liveAtMs'>, nowMs = Date.now()): void {
  try {
    storage.setItem(RESUME_KEY, JSON.stringify({ roomId: r.roomId, video: r.video, liveAtMs: nowMs } satisfies ResumableRehearsal));
  } catch {
    // storage full or disabled (private mode): a reload then shows the start form
  }
}

/** Forgets the rehearsal (the presenter pressed Stop). */
export function clearRehearsal(storage: StorageLike): void {
  try {
    storage.removeItem(RESUME_KEY);
  } catch {
    // see saveRehearsal
  }
}

/**
 * The rehearsal to resume after a reload, if it was live less than {@link RESUME_WINDOW_MS} ago
 * and its room is `roomId` (the one in the address bar) when given. Malformed entries are removed.
 */
export function resumableRehearsal(storage: StorageLike, roomId?: string | null, nowMs = Date.now()): ResumableRehearsal | null {
  let raw: string | null;
  try {
    raw = storage.getItem(RESUME_KEY);
  } catch {
    return null;
  }
  if (!raw) return null;
  let r: Partial<ResumableRehearsal> | null = null;
  try {
    r = JSON.parse(raw) as Partial<ResumableRehearsal>;
  } catch {
    r = null;
  }
  if (!r || typeof r.roomId !== 'string' || typeof r.liveAtMs !== 'number' || typeof r.video !== 'boolean') {
    clearRehearsal(storage);
    return null;
  }
  const ageMs = nowMs - r.liveAtMs;
  if (ageMs < 0 || ageMs > RESUME_WINDOW_MS) return null;
  if (roomId && roomId !== r.roomId) return null;
  return { roomId: r.roomId, video: r.video, liveAtMs: r.liveAtMs };
}
