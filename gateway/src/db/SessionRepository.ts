import type { Sql } from 'postgres';
import type {
  CommentRow,
  CueRow,
  DisfluencyRow,
  EndReason,
  MediaObjectRow,
  MediaObjectState,
  MetricFrameRow,
  ParticipantRow,
  PauseRow,
  SessionRow,
  SessionState,
  Timeline,
  WordRow,
} from './DbTypes.ts';

const SESSION_COLS = `id, org_id AS "orgId", owner_user_id AS "ownerUserId", shared_with_coaches AS "sharedWithCoaches",
  node_id AS "nodeId", room_id AS "roomId", title, state,
  end_reason AS "endReason", started_at AS "startedAt", ended_at AS "endedAt",
  duration_sec AS "durationSec", media_duration_sec AS "mediaDurationSec"`;
const MEDIA_COLS = `id, session_id AS "sessionId", kind, s3_key AS "s3Key", content_type AS "contentType", state,
  bytes::float8 AS bytes, duration_sec AS "durationSec", has_audio AS "hasAudio", has_video AS "hasVideo",
  media_time_origin_sec AS "mediaTimeOriginSec", error, created_at AS "createdAt", uploaded_at AS "uploadedAt"`;

/** A page of sessions, newest first; pass `nextCursor` back to get the next page. */
export interface SessionPage {
  items: SessionRow[];
  /** Opaque cursor of the next page, or null on the last page. */
  nextCursor: string | null;
}

/** Fields of a media object that {@link SessionRepository.updateMediaObject} can change. */
export type MediaObjectPatch = Partial<
  Pick<MediaObjectRow, 'state' | 'bytes' | 'durationSec' | 'hasAudio' | 'hasVideo' | 'mediaTimeOriginSec' | 'error' | 'uploadedAt'>
>;

/**
 * All SQL of the session tables. Every write is idempotent (safe to retry after a timeout).
 * Methods throw the driver's errors (`postgres.PostgresError`, connection errors) unchanged;
 * callers on the live path retry them in the background (see {@link SessionStore}).
 */
export class SessionRepository {
  /** @param sql a client whose `search_path` holds the migrated tables ({@link Database.sql}). */
  constructor(private readonly sql: Sql) {}

  /**
   * Inserts a live session (no-op if `id` exists). `startedAt` defaults to now; `orgId` to `local`
   * (rows of a server without accounts, moved into the owner's organization at set-up).
   */
  async createSession(s: { id: string; roomId: string; nodeId: string; orgId?: string; ownerUserId?: string | null; title?: string | null; startedAt?: Date }): Promise<void> {
    await this.sql`INSERT INTO sessions (id, org_id, owner_user_id, node_id, room_id, title, state, started_at)
      VALUES (${s.id}, ${s.orgId ?? 'local'}, ${s.ownerUserId ?? null}, ${s.nodeId}, ${s.roomId}, ${s.title ?? null}, 'live', ${s.startedAt ?? new Date()})
      ON CONFLICT (id) DO NOTHING`;
  }

  /** Sets a session's title and/or coach sharing. @returns the session after the update, or null if not visible. */
  async patchSession(id: string, patch: { title?: string | null; sharedWithCoaches?: boolean }): Promise<SessionRow | null> {
    const cols: Record<string, unknown> = {};
    if (patch.title !== undefined) cols.title = patch.title;
    if (patch.sharedWithCoaches !== undefined) cols.shared_with_coaches = patch.sharedWithCoaches;
    if (Object.keys(cols).length > 0) await this.sql`UPDATE sessions SET ${this.sql(cols)}, updated_at = now() WHERE id = ${id}`;
    return this.getSession(id);
  }

  /**
   * Ends a live session: sets state, reason, ended_at, duration_sec and media_duration_sec (the end
   * of its last metric window unless given). No-op if it is not live.
   * @returns the session after the update, or null if it does not exist.
   */
  async endSession(
    id: string,
    e: { state?: Exclude<SessionState, 'live'>; reason: EndReason; endedAt?: Date; mediaDurationSec?: number | null },
  ): Promise<SessionRow | null> {
    const endedAt = e.endedAt ?? new Date();
    await this.sql`UPDATE sessions SET state = ${e.state ?? 'ended'}, end_reason = ${e.reason}, ended_at = ${endedAt},
        duration_sec = GREATEST(0, EXTRACT(EPOCH FROM (${endedAt}::timestamptz - started_at))),
        media_duration_sec = COALESCE(${e.mediaDurationSec ?? null}::float8,
          (SELECT max(media_time_sec + COALESCE(window_sec, 0)) FROM metric_frames WHERE session_id = ${id})),
        updated_at = now()
      WHERE id = ${id} AND state = 'live'`;
    return this.getSession(id);
  }

  /**
   * Ends the sessions a previous run of node `nodeId` left `live` (it stopped without ending them).
   * @returns their ids.
   */
  async endAbandonedSessions(nodeId: string): Promise<string[]> {
    const rows = await this.sql<{ id: string }[]>`SELECT id FROM sessions WHERE node_id = ${nodeId} AND state = 'live'`;
    for (const { id } of rows) {
      const [last] = await this.sql<{ t: number | null; at: Date | null }[]>`
        SELECT max(media_time_sec + COALESCE(window_sec, 0)) AS t, to_timestamp(max(server_time_ms) / 1000.0) AS at
        FROM metric_frames WHERE session_id = ${id}`;
      await this.endSession(id, { reason: 'crashed', endedAt: last?.at ?? new Date(), mediaDurationSec: last?.t ?? null });
    }
    return rows.map((r) => r.id);
  }

  /** One session, or null. */
  async getSession(id: string): Promise<SessionRow | null> {
    const [row] = await this.sql.unsafe<SessionRow[]>(`SELECT ${SESSION_COLS} FROM sessions WHERE id = $1`, [id]);
    return row ?? null;
  }

  /**
   * Sessions newest first (by started_at, then id), `limit` per page (1–100).
   * @param cursor `nextCursor` of the previous page; a malformed cursor throws RangeError.
   */
  async listSessions(opts: { limit: number; cursor?: string; orgId?: string }): Promise<SessionPage> {
    const limit = Math.max(1, Math.min(100, Math.floor(opts.limit)));
    let after: { t: string; id: string } | null = null;
    if (opts.cursor) {
      try {
        const [t, id] = JSON.parse(Buffer.from(opts.cursor, 'base64url').toString('utf8')) as [string, string];
        if (typeof t !== 'string' || typeof id !== 'string' || Number.isNaN(Date.parse(t))) throw new Error();
        after = { t, id };
      } catch {
        throw new RangeError('malformed cursor');
      }
    }
    const rows = await this.sql.unsafe<(SessionRow & { cursorTs: string })[]>(
      `SELECT ${SESSION_COLS}, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "cursorTs"
       FROM sessions WHERE ($1::text IS NULL OR org_id = $1) ${after ? 'AND (started_at, id) < ($3::timestamptz, $4::uuid)' : ''}
       ORDER BY started_at DESC, id DESC LIMIT $2`,
      after ? [opts.orgId ?? null, limit + 1, after.t, after.id] : [opts.orgId ?? null, limit + 1],
    );
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(({ cursorTs: _c, ...s }) => s),
      nextCursor: more && last ? Buffer.from(JSON.stringify([last.cursorTs, last.id])).toString('base64url') : null,
    };
  }

  /** Adds a participant (or re-opens one who re-joined). */
  async upsertParticipant(p: { sessionId: string; peerId: string; role: ParticipantRow['role']; displayName: string; userId?: string | null; joinedAt?: Date }): Promise<void> {
    await this.sql`INSERT INTO participants (session_id, peer_id, role, display_name, user_id, joined_at)
      VALUES (${p.sessionId}, ${p.peerId}, ${p.role}, ${p.displayName}, ${p.userId ?? null}, ${p.joinedAt ?? new Date()})
      ON CONFLICT (session_id, peer_id) DO UPDATE SET left_at = NULL`;
  }

  /** Marks a participant as gone (no-op if unknown). */
  async markParticipantLeft(sessionId: string, peerId: string, leftAt: Date = new Date()): Promise<void> {
    await this.sql`UPDATE participants SET left_at = ${leftAt} WHERE session_id = ${sessionId} AND peer_id = ${peerId} AND left_at IS NULL`;
  }

  /** Participants of a session by join time. */
  async listParticipants(sessionId: string): Promise<ParticipantRow[]> {
    return this.sql<ParticipantRow[]>`SELECT session_id AS "sessionId", peer_id AS "peerId", role, display_name AS "displayName",
      joined_at AS "joinedAt", left_at AS "leftAt" FROM participants WHERE session_id = ${sessionId} ORDER BY joined_at, peer_id`;
  }

  /** Inserts a media object (no-op if `id` exists). */
  async createMediaObject(m: { id: string; sessionId: string; s3Key: string; contentType: string; state: MediaObjectState; kind?: string; hasAudio?: boolean; hasVideo?: boolean }): Promise<void> {
    await this.sql`INSERT INTO media_objects (id, session_id, kind, s3_key, content_type, state, has_audio, has_video)
      VALUES (${m.id}, ${m.sessionId}, ${m.kind ?? 'recording'}, ${m.s3Key}, ${m.contentType}, ${m.state}, ${m.hasAudio ?? false}, ${m.hasVideo ?? false})
      ON CONFLICT (id) DO NOTHING`;
  }

  /** Updates the given fields of a media object. @returns false if it no longer exists. */
  async updateMediaObject(id: string, patch: MediaObjectPatch): Promise<boolean> {
    const cols: Record<string, unknown> = {};
    const map: Record<keyof MediaObjectPatch, string> = {
      state: 'state', bytes: 'bytes', durationSec: 'duration_sec', hasAudio: 'has_audio', hasVideo: 'has_video',
      mediaTimeOriginSec: 'media_time_origin_sec', error: 'error', uploadedAt: 'uploaded_at',
    };
    for (const [k, v] of Object.entries(patch)) if (v !== undefined) cols[map[k as keyof MediaObjectPatch]] = v;
    if (Object.keys(cols).length === 0) return true;
    const res = await this.sql`UPDATE media_objects SET ${this.sql(cols)}, updated_at = now() WHERE id = ${id}`;
    return res.count > 0;
  }

  /** One media object, or null. */
  async getMediaObject(id: string): Promise<MediaObjectRow | null> {
    const [row] = await this.sql.unsafe<MediaObjectRow[]>(`SELECT ${MEDIA_COLS} FROM media_objects WHERE id = $1`, [id]);
    return row ?? null;
  }

  /** Media objects of a session, oldest first. */
  async listMediaObjects(sessionId: string): Promise<MediaObjectRow[]> {
    return this.sql.unsafe<MediaObjectRow[]>(`SELECT ${MEDIA_COLS} FROM media_objects WHERE session_id = $1 ORDER BY created_at, id`, [sessionId]);
  }

  /** Multi-row insert of metric frames (one statement). */
  async insertFrames(rows: readonly MetricFrameRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.sql`INSERT INTO metric_frames ${this.sql(
      rows.map((r) => ({
        session_id: r.sessionId,
        producer_id: r.producerId,
        kind: r.kind,
        media_time_sec: r.mediaTimeSec,
        window_sec: r.windowSec,
        server_time_ms: Math.round(r.serverTimeMs),
        payload: this.sql.json(r.payload as never),
      })),
    )}`;
  }

  /** Multi-row insert of pauses. */
  async insertPauses(rows: readonly PauseRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.sql`INSERT INTO pauses ${this.sql(
      rows.map((r) => ({ session_id: r.sessionId, producer_id: r.producerId, start_sec: r.startSec, end_sec: r.endSec, duration_sec: r.durationSec })),
    )}`;
  }

  /** Multi-row insert of transcript words. */
  async insertWords(rows: readonly WordRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.sql`INSERT INTO transcript_words ${this.sql(
      rows.map((r) => ({
        session_id: r.sessionId, producer_id: r.producerId, segment_id: r.segmentId, word: r.word,
        start_sec: r.startSec, end_sec: r.endSec, confidence: r.confidence,
      })),
    )}`;
  }

  /** Multi-row insert of disfluency events. */
  async insertDisfluencies(rows: readonly DisfluencyRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.sql`INSERT INTO disfluency_events ${this.sql(
      rows.map((r) => ({ session_id: r.sessionId, producer_id: r.producerId, kind: r.kind, text: r.text, start_sec: r.startSec, end_sec: r.endSec })),
    )}`;
  }

  /** Inserts a coach comment (no-op if its `id` exists, so retries are safe). */
  async insertComment(c: Omit<CommentRow, 'createdAt'> & { createdAt?: Date }): Promise<void> {
    await this.sql`INSERT INTO coach_comments (id, session_id, author_peer_id, author_name, text, media_time_sec, created_at)
      VALUES (${c.id}, ${c.sessionId}, ${c.authorPeerId}, ${c.authorName}, ${c.text}, ${c.mediaTimeSec}, ${c.createdAt ?? new Date()})
      ON CONFLICT (id) DO NOTHING`;
  }

  /** Multi-row insert of nudges and coach cues (table `session_cues`; rows whose `id` exists are skipped, so retries are safe). */
  async insertCues(rows: readonly CueRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.sql`INSERT INTO session_cues ${this.sql(
      rows.map((r) => ({
        id: r.id,
        session_id: r.sessionId,
        source: r.source,
        kind: r.kind,
        text: r.text,
        media_time_sec: r.mediaTimeSec,
        metric_value: r.metricValue,
        author_peer_id: r.authorPeerId,
        author_name: r.authorName,
        sent_at: r.sentAt,
      })),
    )} ON CONFLICT (id) DO NOTHING`;
  }

  /** The session's nudges and coach cues, by media time (table `session_cues`). */
  async listCues(sessionId: string): Promise<Timeline['cues']> {
    return [
      ...(await this.sql<Timeline['cues']>`SELECT id, source, kind, text, media_time_sec AS "mediaTimeSec", metric_value AS "metricValue",
          author_name AS "authorName", sent_at AS "sentAt"
        FROM session_cues WHERE session_id = ${sessionId} ORDER BY media_time_sec, sent_at`),
    ];
  }

  /** Of `ids`, those that are sessions (used to drop buffered rows of deleted sessions). */
  async existingSessionIds(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.sql<{ id: string }[]>`SELECT id FROM sessions WHERE id = ANY(${ids as string[]}::uuid[])`;
    return new Set(rows.map((r) => r.id));
  }

  /**
   * Metric frames, pauses, words, disfluencies and coach comments of a session, each ordered by media time,
   * optionally limited to [fromSec, toSec).
   */
  async timeline(sessionId: string, range: { fromSec?: number; toSec?: number } = {}): Promise<Timeline> {
    const from = range.fromSec ?? 0;
    const to = range.toSec ?? Number.MAX_SAFE_INTEGER;
    const [frames, pauses, words, disfluencies, comments, cues] = await Promise.all([
      this.sql<Timeline['frames']>`SELECT producer_id AS "producerId", kind, media_time_sec AS "mediaTimeSec", window_sec AS "windowSec",
          server_time_ms::float8 AS "serverTimeMs", payload
        FROM metric_frames WHERE session_id = ${sessionId} AND media_time_sec >= ${from} AND media_time_sec < ${to}
        ORDER BY media_time_sec, kind, producer_id`,
      this.sql<Timeline['pauses']>`SELECT producer_id AS "producerId", start_sec AS "startSec", end_sec AS "endSec", duration_sec AS "durationSec"
        FROM pauses WHERE session_id = ${sessionId} AND end_sec > ${from} AND start_sec < ${to} ORDER BY start_sec`,
      this.sql<Timeline['words']>`SELECT producer_id AS "producerId", segment_id AS "segmentId", word, start_sec AS "startSec", end_sec AS "endSec", confidence
        FROM transcript_words WHERE session_id = ${sessionId} AND end_sec > ${from} AND start_sec < ${to} ORDER BY start_sec, segment_id`,
      this.sql<Timeline['disfluencies']>`SELECT producer_id AS "producerId", kind, text, start_sec AS "startSec", end_sec AS "endSec"
        FROM disfluency_events WHERE session_id = ${sessionId} AND end_sec > ${from} AND start_sec < ${to} ORDER BY start_sec`,
      this.sql<Timeline['comments']>`SELECT id, author_peer_id AS "authorPeerId", author_name AS "authorName", text,
          media_time_sec AS "mediaTimeSec", created_at AS "createdAt"
        FROM coach_comments WHERE session_id = ${sessionId} AND media_time_sec >= ${from} AND media_time_sec < ${to}
        ORDER BY media_time_sec, created_at`,
      this.sql<Timeline['cues']>`SELECT id, source, kind, text, media_time_sec AS "mediaTimeSec", metric_value AS "metricValue",
          author_name AS "authorName", sent_at AS "sentAt"
        FROM session_cues WHERE session_id = ${sessionId} AND media_time_sec >= ${from} AND media_time_sec < ${to}
        ORDER BY media_time_sec, sent_at`,
    ]);
    return { frames: [...frames], pauses: [...pauses], words: [...words], disfluencies: [...disfluencies], comments: [...comments], cues: [...cues] };
  }

  /** Deletes a session and (by cascade) all its rows. @returns false if it did not exist. */
  async deleteSession(id: string): Promise<boolean> {
    const res = await this.sql`DELETE FROM sessions WHERE id = ${id}`;
    return res.count > 0;
  }
}
