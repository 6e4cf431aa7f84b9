import { ExponentialBackoff } from '@lectern/contract';
import type { DisfluencyRow, EndReason, MediaObjectState, MetricFrameRow, PauseRow, SessionRow, WordRow } from './DbTypes.ts';
import { BatchWriter, type BatchWriterStats, RETRY_MAX_MS, type WriterLog } from './BatchWriter.ts';
import type { MediaObjectPatch, SessionRepository } from './SessionRepository.ts';

/** Counters of a {@link SessionStore}, for /health and tests. */
export interface SessionStoreStats {
  frames: BatchWriterStats;
  pauses: BatchWriterStats;
  words: BatchWriterStats;
  disfluencies: BatchWriterStats;
  /** Session-level writes (create, end, participants, media objects) waiting for the database. */
  pendingOps: number;
}

const FK_VIOLATION = '23503';

/** A promise and its resolve function (Promise.withResolvers is ES2024; the tsconfig lib is older). */
function wakeSignal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * The live path's write side of the database. Nothing here blocks or throws into the caller:
 * session-level writes (create, participants, media objects, end) run in order per session and are
 * retried with backoff until they succeed; metric frames, pauses, words and disfluencies go
 * through {@link BatchWriter}s and are written only once their session row exists (so a session
 * that starts while the database is down is written, with its frames, when it comes back).
 */
export class SessionStore {
  readonly frames: BatchWriter<MetricFrameRow>;
  readonly pauses: BatchWriter<PauseRow>;
  readonly words: BatchWriter<WordRow>;
  readonly disfluencies: BatchWriter<DisfluencyRow>;
  readonly #created = new Set<string>();
  readonly #chains = new Map<string, Promise<void>>();
  #pendingOps = 0;
  #closed = false;
  /** Whether the last write failed (the database may be down). */
  #failing = false;
  /** Resolved (and replaced) when a write succeeds after failures: queued retries go at once. */
  #wake = wakeSignal();

  /**
   * @param repo the session tables.
   * @param log warnings about failed writes (rate-limited by the writers).
   */
  constructor(
    readonly repo: SessionRepository,
    private readonly log: WriterLog,
  ) {
    const common = {
      isReady: (r: { sessionId: string }) => this.#created.has(r.sessionId),
      onWriteError: <T extends { sessionId: string }>(err: unknown, rows: T[]) => {
        this.#failing = true;
        return this.#dropDeleted(err, rows);
      },
      log,
    };
    const tracked = <T>(write: (rows: T[]) => Promise<void>) => async (rows: T[]) => {
      await write(rows);
      this.#succeeded();
    };
    // Live metric rows wait at most 500 ms (not BatchWriter's 1000 ms default): a gateway killed
    // mid-session loses what is buffered, and #13 allows ≤ 1 s of rows (buffer + analysis + INSERT).
    this.frames = new BatchWriter<MetricFrameRow>({ name: 'metric_frames', write: tracked((r) => repo.insertFrames(r)), maxDelayMs: 500, ...common });
    this.pauses = new BatchWriter<PauseRow>({ name: 'pauses', write: tracked((r) => repo.insertPauses(r)), maxRows: 200, ...common });
    this.words = new BatchWriter<WordRow>({ name: 'transcript_words', write: tracked((r) => repo.insertWords(r)), ...common });
    this.disfluencies = new BatchWriter<DisfluencyRow>({ name: 'disfluency_events', write: tracked((r) => repo.insertDisfluencies(r)), maxRows: 200, ...common });
  }

  /** Writes a new live session (retried until the database accepts it); its rows flow after that. */
  createSession(s: { id: string; orgId?: string; ownerUserId?: string | null; roomId: string; nodeId: string; title?: string | null; startedAt: Date }): void {
    this.#enqueue(s.id, 'create session', async () => {
      await this.repo.createSession(s);
      this.#created.add(s.id);
      // The database just answered: write the session's rows now, not after a writer's backoff.
      for (const w of this.#writers()) w.retryNow();
    });
  }

  /** Records a participant joining (queued, retried). */
  participantJoined(p: { sessionId: string; peerId: string; role: 'presenter' | 'coach' | 'viewer'; displayName: string; userId?: string | null; joinedAt: Date }): void {
    this.#enqueue(p.sessionId, 'participant', () => this.repo.upsertParticipant(p));
  }

  /** Records a participant leaving (queued, retried). */
  participantLeft(sessionId: string, peerId: string, at: Date): void {
    this.#enqueue(sessionId, 'participant left', () => this.repo.markParticipantLeft(sessionId, peerId, at));
  }

  /**
   * Stores a coach comment after the session's earlier writes (so after its row), retried with
   * backoff while the database is down.
   * @returns a promise that settles when written (never rejects).
   */
  addComment(c: { id: string; sessionId: string; authorPeerId: string; authorName: string; text: string; mediaTimeSec: number; createdAt: Date }): Promise<void> {
    return this.#enqueue(c.sessionId, 'coach comment', () => this.repo.insertComment(c));
  }

  /** Creates a media object row (queued, retried). */
  createMediaObject(m: { id: string; sessionId: string; s3Key: string; contentType: string; state: MediaObjectState; hasAudio: boolean; hasVideo: boolean }): void {
    this.#enqueue(m.sessionId, 'media object', () => this.repo.createMediaObject(m));
  }

  /**
   * Updates a media object (queued after the session's earlier writes, retried).
   * @returns a promise that settles when written (never rejects).
   */
  updateMediaObject(sessionId: string, id: string, patch: MediaObjectPatch): Promise<void> {
    return this.#enqueue(sessionId, 'media object update', async () => {
      await this.repo.updateMediaObject(id, patch);
    });
  }

  /**
   * Ends a session after writing its buffered rows (best effort, up to 10 s), then sets its end
   * state (queued, retried).
   * @returns the ended session (null if the database could not be reached before close).
   */
  async endSession(id: string, e: { reason: EndReason; endedAt: Date; state?: 'ended' | 'failed'; mediaDurationSec?: number | null }): Promise<SessionRow | null> {
    await Promise.all(this.#writers().map((w) => w.flush(10_000).catch(() => false)));
    let row: SessionRow | null = null;
    await this.#enqueue(id, 'end session', async () => {
      row = await this.repo.endSession(id, e);
    });
    return row;
  }

  /** Whether the session's row has been written. */
  isCreated(id: string): boolean {
    return this.#created.has(id);
  }

  /** Waits until the session's queued writes are done (or `timeoutMs` passes). @returns true if done. */
  async settle(sessionId: string, timeoutMs = 10_000): Promise<boolean> {
    const chain = this.#chains.get(sessionId);
    if (!chain) return true;
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      chain.then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    return done;
  }

  /** Counters. */
  get stats(): SessionStoreStats {
    return {
      frames: this.frames.stats,
      pauses: this.pauses.stats,
      words: this.words.stats,
      disfluencies: this.disfluencies.stats,
      pendingOps: this.#pendingOps,
    };
  }

  /** Flushes the writers (up to `timeoutMs`) and stops retrying queued writes. */
  async close(timeoutMs = 5000): Promise<void> {
    await Promise.all(this.#writers().map((w) => w.close(timeoutMs)));
    this.#closed = true;
    await Promise.race([Promise.all(this.#chains.values()), new Promise((r) => setTimeout(r, Math.min(timeoutMs, 2000)))]);
  }

  /** A write succeeded: if earlier ones failed, the database is back — retry everything queued now. */
  #succeeded(): void {
    if (!this.#failing) return;
    this.#failing = false;
    for (const w of this.#writers()) w.retryNow();
    this.#wake.resolve();
    this.#wake = wakeSignal();
  }

  #writers(): Pick<BatchWriter<unknown>, 'flush' | 'close' | 'poke' | 'retryNow'>[] {
    return [this.frames, this.pauses, this.words, this.disfluencies];
  }

  /**
   * Runs `op` after the session's earlier writes, retrying with backoff (0.5 s → 2 s, or at once
   * when another write succeeds) until it succeeds or the store closes.
   */
  #enqueue(sessionId: string, what: string, op: () => Promise<void>): Promise<void> {
    this.#pendingOps++;
    const prev = this.#chains.get(sessionId) ?? Promise.resolve();
    const next = prev.then(async () => {
      const backoff = new ExponentialBackoff({ initialMs: 500, maxMs: RETRY_MAX_MS });
      for (let attempt = 1; ; attempt++) {
        try {
          await op();
          this.#succeeded();
          return;
        } catch (err) {
          this.#failing = true;
          if (this.#closed) {
            this.log.warn({ sessionId, what, err: (err as Error)?.message }, 'database write abandoned at shutdown');
            return;
          }
          if (attempt === 1 || attempt % 10 === 0) this.log.warn({ sessionId, what, attempt, err: (err as Error)?.message }, 'database write failed; retrying');
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([new Promise((r) => (timer = setTimeout(r, backoff.next())).unref?.()), this.#wake.promise]);
          clearTimeout(timer);
        }
      }
    }).finally(() => {
      this.#pendingOps--;
      if (this.#chains.get(sessionId) === next) this.#chains.delete(sessionId);
    });
    this.#chains.set(sessionId, next);
    return next;
  }

  async #dropDeleted<T extends { sessionId: string }>(err: unknown, rows: T[]): Promise<T[]> {
    if ((err as { code?: string })?.code !== FK_VIOLATION) return rows;
    const ids = [...new Set(rows.map((r) => r.sessionId))];
    const exist = await this.repo.existingSessionIds(ids);
    for (const id of ids) if (!exist.has(id)) this.#created.delete(id);
    return rows.filter((r) => exist.has(r.sessionId));
  }
}
