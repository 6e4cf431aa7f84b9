import type { Sql } from 'postgres';
import type { ClipCaption, ClipKind, ClipTone } from '@lectern/contract';

/** A row of `session_clips` (migration 008) joined with its media object. Times: recording seconds. */
export interface ClipRow {
  id: string;
  sessionId: string;
  ordinal: number;
  kind: ClipKind;
  tone: ClipTone;
  startSec: number;
  endSec: number;
  title: string;
  why: string;
  value: number;
  unit: string;
  /** `pending` until the job has cut it (or found it cannot). */
  state: 'pending' | 'ready' | 'failed';
  error: string | null;
  captions: ClipCaption[];
  createdAt: Date;
  /** The cut video (null when failed or its object was deleted). */
  mediaObjectId: string | null;
  s3Key: string | null;
  contentType: string | null;
  durationSec: number | null;
}

/** A clip to store (see {@link ClipRepository.insert}). */
export type NewClip = Omit<ClipRow, 'createdAt' | 's3Key' | 'contentType' | 'durationSec'>;

/**
 * The `session_clips` table (migration 008) and the clips' `media_objects` rows (kind `clip`).
 * Works on the owner connection (the report job) or inside a request's row-level-security
 * transaction (the report API). All methods throw the driver's error when the database is
 * unreachable.
 */
export class ClipRepository {
  /** @param sql `postgres` client or transaction whose search_path holds the tables. */
  constructor(private readonly sql: Sql) {}

  /** The session's clips in report order. */
  async list(sessionId: string): Promise<ClipRow[]> {
    const rows = await this.sql`
      SELECT c.id, c.session_id, c.ordinal, c.kind, c.tone, c.start_sec, c.end_sec, c.title, c.why, c.value, c.unit,
             c.state, c.error, c.captions, c.created_at, c.media_object_id, m.s3_key, m.content_type, m.duration_sec
      FROM session_clips c LEFT JOIN media_objects m ON m.id = c.media_object_id
      WHERE c.session_id = ${sessionId} ORDER BY c.ordinal, c.created_at`;
    return rows.map((r) => ({
      id: r.id as string,
      sessionId: r.session_id as string,
      ordinal: Number(r.ordinal),
      kind: r.kind as ClipKind,
      tone: r.tone as ClipTone,
      startSec: Number(r.start_sec),
      endSec: Number(r.end_sec),
      title: r.title as string,
      why: r.why as string,
      value: Number(r.value),
      unit: r.unit as string,
      state: r.state as ClipRow['state'],
      error: (r.error as string | null) ?? null,
      captions: (r.captions as ClipCaption[]) ?? [],
      createdAt: r.created_at as Date,
      mediaObjectId: (r.media_object_id as string | null) ?? null,
      s3Key: (r.s3_key as string | null) ?? null,
      contentType: (r.content_type as string | null) ?? null,
      durationSec: r.duration_sec === null || r.duration_sec === undefined ? null : Number(r.duration_sec),
    }));
  }

  /** Stores one clip (its media object, if any, must exist already). */
  async insert(c: NewClip): Promise<void> {
    await this.sql`
      INSERT INTO session_clips (id, session_id, media_object_id, ordinal, kind, tone, start_sec, end_sec, title, why, value, unit, state, error, captions)
      VALUES (${c.id}, ${c.sessionId}, ${c.mediaObjectId}, ${c.ordinal}, ${c.kind}, ${c.tone}, ${c.startSec}, ${c.endSec}, ${c.title}, ${c.why},
              ${c.value}, ${c.unit}, ${c.state}, ${c.error}, ${this.sql.json(c.captions as never)})`;
  }

  /** The clip was cut and stored as media object `mediaObjectId`. */
  async markReady(id: string, mediaObjectId: string): Promise<void> {
    await this.sql`UPDATE session_clips SET state = 'ready', error = null, media_object_id = ${mediaObjectId} WHERE id = ${id}`;
  }

  /** The clip could not be cut (`error` says why, ≤ 500 characters kept). */
  async markFailed(id: string, error: string): Promise<void> {
    await this.sql`UPDATE session_clips SET state = 'failed', error = ${error.slice(0, 500) || 'unknown error'}, media_object_id = null WHERE id = ${id}`;
  }

  /** Records an uploaded clip video as a `media_objects` row of kind `clip`. */
  async insertMediaObject(m: { id: string; sessionId: string; s3Key: string; contentType: string; bytes: number; durationSec: number | null; hasAudio: boolean }): Promise<void> {
    await this.sql`
      INSERT INTO media_objects (id, session_id, kind, s3_key, content_type, state, bytes, duration_sec, has_audio, has_video, media_time_origin_sec, uploaded_at)
      VALUES (${m.id}, ${m.sessionId}, 'clip', ${m.s3Key}, ${m.contentType}, 'uploaded', ${m.bytes}, ${m.durationSec}, ${m.hasAudio}, true, null, now())`;
  }

  /**
   * Deletes the session's clips and their media objects (before a re-analysis cuts new ones).
   * @returns the S3 keys of the deleted media objects (the caller deletes the objects).
   */
  async deleteAll(sessionId: string): Promise<string[]> {
    await this.sql`DELETE FROM session_clips WHERE session_id = ${sessionId}`;
    const rows = await this.sql<{ s3_key: string }[]>`DELETE FROM media_objects WHERE session_id = ${sessionId} AND kind = 'clip' RETURNING s3_key`;
    return rows.map((r) => r.s3_key);
  }
}
