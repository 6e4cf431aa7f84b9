import { randomUUID } from 'node:crypto';
import type { CoachCue, NudgeEvent, RoomMessage } from '@lectern/contract';
import { parseRoomKey } from '../access/RoomKey.ts';
import type { MetricBus } from '../bus/MetricBus.ts';
import { BatchWriter, type BatchWriterStats, type WriterLog } from '../db/BatchWriter.ts';
import type { CueRow } from '../db/DbTypes.ts';
import { NudgeEngine } from './NudgeEngine.ts';

/** The live sessions as {@link NudgeService} needs them (`SessionManager`). */
export interface LiveSessionClock {
  /** The room's live session and its current media time (seconds), or undefined. */
  liveMediaTime(roomKey: string): { sessionId: string; mediaTimeSec: number } | undefined;
}

/** Where cue rows go: the session repository, and whether a session's row exists yet. */
export interface CueStore {
  insertCues(rows: readonly CueRow[]): Promise<void>;
  isCreated(sessionId: string): boolean;
}

/** Options of {@link NudgeService}. */
export interface NudgeServiceOptions {
  bus: MetricBus;
  sessions: LiveSessionClock;
  store: CueStore;
  /** Delivers a nudge to the room's presenter(s) and coaches (room key = `<orgId>:<roomName>`). */
  deliver: (roomKey: string, nudge: NudgeEvent) => void;
  /** `LECTERN_NUDGE_INTERVAL_SEC` (0 = nudges off; coach cues are stored either way). */
  minIntervalSec: number;
  log: WriterLog;
}

const FK_VIOLATION = '23503';

/**
 * Live nudges for every live session of this node: one {@link NudgeEngine} per session, fed the
 * room's bus messages at the session's media time, its nudges delivered to the presenter and
 * coaches and stored on the session timeline (`session_cues`), together with the coaches' cues
 * ({@link recordCoachCue}). Rows are written in batches (≤ 500 ms), after the session's own row,
 * retried while the database is down. Subscribe AFTER the session manager, so the session's media
 * time already includes the message being judged.
 */
export class NudgeService {
  readonly #engines = new Map<string, { sessionId: string; engine: NudgeEngine }>(); // by room key
  readonly #writer: BatchWriter<CueRow>;
  readonly #unsubscribe: () => void;
  readonly #o: NudgeServiceOptions;
  #fired = 0;

  /** @param opts see {@link NudgeServiceOptions}. */
  constructor(opts: NudgeServiceOptions) {
    this.#o = opts;
    this.#writer = new BatchWriter<CueRow>({
      name: 'session_cues',
      write: (rows) => opts.store.insertCues(rows),
      maxDelayMs: 500,
      maxRows: 200,
      isReady: (r) => opts.store.isCreated(r.sessionId),
      // A session deleted meanwhile: its cues go with it.
      onWriteError: async (err, rows) => ((err as { code?: string })?.code === FK_VIOLATION ? [] : rows),
      log: opts.log,
    });
    this.#unsubscribe = opts.bus.subscribe((roomKey, msg) => this.#onMessage(roomKey, msg));
  }

  /** Nudges fired since start, sessions with an engine now, and the cue writer's counters. */
  get stats(): { nudges: number; engines: number; writer: BatchWriterStats } {
    return { nudges: this.#fired, engines: this.#engines.size, writer: this.#writer.stats };
  }

  /**
   * Writes the buffered cues whose session row exists now (up to `timeoutMs`); cues of a session
   * not written yet stay buffered (checked every 500 ms). @returns true when no such ready cue is left.
   */
  flush(timeoutMs = 5000): Promise<boolean> {
    return this.#writer.flush(timeoutMs);
  }

  /** Stores a coach's cue (as delivered by `cue:send`) on the room's live session, if any. */
  recordCoachCue(roomKey: string, cue: CoachCue): void {
    const live = this.#o.sessions.liveMediaTime(roomKey);
    if (!live) return;
    this.#writer.push({
      id: cue.cueId,
      sessionId: live.sessionId,
      source: 'coach',
      kind: null,
      text: cue.text,
      mediaTimeSec: Math.max(0, live.mediaTimeSec),
      metricValue: null,
      authorPeerId: cue.fromPeerId,
      authorName: cue.fromName,
      sentAt: new Date(cue.sentAtMs),
    });
  }

  /** Writes what is buffered (up to `timeoutMs`) and stops. */
  async close(timeoutMs = 5000): Promise<void> {
    this.#unsubscribe();
    await this.#writer.close(timeoutMs);
  }

  #onMessage(roomKey: string, msg: RoomMessage): void {
    if (msg.event !== 'metrics:voice' && msg.event !== 'metrics:fluency' && msg.event !== 'metrics:body' && msg.event !== 'captions:update') return;
    const live = this.#o.sessions.liveMediaTime(roomKey);
    if (!live) {
      this.#engines.delete(roomKey);
      return;
    }
    let e = this.#engines.get(roomKey);
    if (!e || e.sessionId !== live.sessionId) {
      // A new session: drop the engines of rooms whose session is gone (their frames stopped).
      for (const [key, other] of this.#engines) if (this.#o.sessions.liveMediaTime(key)?.sessionId !== other.sessionId) this.#engines.delete(key);
      this.#engines.set(roomKey, (e = { sessionId: live.sessionId, engine: new NudgeEngine({ minIntervalSec: this.#o.minIntervalSec }) }));
    }
    if (!e.engine.enabled) return;
    const d = e.engine.observe(msg, live.mediaTimeSec);
    if (!d) return;
    this.#fired++;
    const nudge: NudgeEvent = {
      nudgeId: randomUUID(),
      roomId: parseRoomKey(roomKey).roomName,
      sessionId: live.sessionId,
      kind: d.kind,
      text: d.text,
      mediaTimeSec: Math.max(0, d.mediaTimeSec),
      sentAtMs: Date.now(),
      metricValue: d.metricValue,
      threshold: d.threshold,
      unit: d.unit,
    };
    this.#o.deliver(roomKey, nudge);
    this.#writer.push({
      id: nudge.nudgeId,
      sessionId: nudge.sessionId,
      source: 'nudge',
      kind: nudge.kind,
      text: nudge.text,
      mediaTimeSec: nudge.mediaTimeSec,
      metricValue: nudge.metricValue,
      authorPeerId: null,
      authorName: null,
      sentAt: new Date(nudge.sentAtMs),
    });
  }
}
