import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { types } from 'mediasoup';
import type { Room, SfuNode } from '@lectern/sfu';
import type { MetricBus } from '../bus/MetricBus.ts';
import type { EndReason, SessionRow } from '../db/DbTypes.ts';
import type { SessionStore } from '../db/SessionStore.ts';
import { MediaTimebase } from '../recording/MediaTimebase.ts';
import { type RecordingResult, SessionRecorder } from '../recording/SessionRecorder.ts';
import type { SpoolDrainer } from '../recording/SpoolDrainer.ts';
import { ObjectStore } from '../storage/ObjectStore.ts';
import { MetricRecorder } from './MetricRecorder.ts';
import { parseRoomKey } from '../access/RoomKey.ts';

/** Logger (pino-compatible subset). */
export interface SessionLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Options of {@link SessionManager}. */
export interface SessionManagerOptions {
  sfu: SfuNode;
  bus: MetricBus;
  store: SessionStore;
  /** Object store for recordings; null disables recording. */
  objects: ObjectStore | null;
  drainer: SpoolDrainer | null;
  /** Directory of recording spools (one sub-directory per session). */
  spoolDir: string;
  /** This gateway's id (sessions.node_id). */
  nodeId: string;
  log: SessionLog;
  /** Called once a session has ended (row written, recording uploaded or spooled); e.g. queues its analysis. */
  onEnded?: (sessionId: string, recording: RecordingResult | null) => void;
  /**
   * How long a session waits for its presenter after the presenter's media stopped without a
   * leave (socket dropped, page reloaded, media worker died), ms (default 30 000). The same
   * presenter (same account) joining the room within it resumes the session: same id, same
   * recording, the gap kept in time. After it the session ends `presenter-left`.
   */
  resumeGraceMs?: number;
}

/**
 * Why a peer left, as signaling saw it: `leave` = it asked to (`room:leave`); `disconnect` = its
 * socket dropped; `reset` = its room was closed under it (media worker died).
 */
export type PeerLeaveReason = 'leave' | 'disconnect' | 'reset';

/** A peer as signaling knows it. */
export interface SessionPeer {
  peerId: string;
  role: 'presenter' | 'coach' | 'viewer';
  displayName: string;
  /** The peer's account (null for guests). */
  userId?: string | null;
}

interface LiveSession {
  id: string;
  /** The SFU room key (`<orgId>:<roomName>`, access/RoomKey.ts). */
  roomId: string;
  orgId: string;
  room: Room;
  presenterPeerId: string;
  /** The presenter's account (a rejoin by the same account resumes the session). */
  presenterUserId: string | null;
  startedAt: Date;
  /** Set while the presenter is away (see {@link SessionManagerOptions.resumeGraceMs}). */
  suspended?: { sinceMs: number; why: PeerLeaveReason; timer: NodeJS.Timeout };
  /** Times the presenter came back into this session. */
  resumes: number;
  mediaObjectId: string | null;
  recorder: SessionRecorder | null;
  timebases: Map<string, MediaTimebase>;
  audioProducerId: string | null;
  /** The session's metric rows (frames, pauses, words, disfluencies) on its media time line. */
  metrics: MetricRecorder;
  ending?: Promise<SessionRow | null>;
}

/** What ending a session produced (for logs, tests and the API). */
export interface EndedSession {
  session: SessionRow | null;
  recording: RecordingResult | null;
  /** Recording position of session media time 0, seconds. */
  mediaTimeOriginSec: number | null;
}

/**
 * Session lifecycle. A session starts when a presenter produces in a room that has no live session
 * and ends when that presenter leaves, when it is ended through the API, or when the room closes.
 * While live it: records the presenter's media ({@link SessionRecorder}), keeps the participants,
 * and persists what the {@link MetricBus} carries for the room through a {@link MetricRecorder}
 * (frames, pauses, words, disfluencies) on one continuous media time line ({@link MediaTimebase}).
 *
 * Signaling calls {@link peerJoined}, {@link producerAdded} (before the analyzer taps the
 * producer) and {@link peerLeft}. Nothing here throws into signaling or blocks the media path:
 * database writes are queued ({@link SessionStore}), recording failures are logged.
 */
export class SessionManager {
  readonly #live = new Map<string, LiveSession>(); // by session id
  readonly #byRoom = new Map<string, LiveSession>();
  readonly #peers = new Map<string, Map<string, SessionPeer & { joinedAt: Date }>>();
  readonly #ended = new Map<string, EndedSession>();
  /** Finished recordings by outcome since start (metrics). */
  readonly #recordingOutcomes = { uploaded: 0, spooled: 0, failed: 0 };
  readonly #unsubscribe: () => void;
  readonly #o: Required<SessionManagerOptions>;
  #closed = false;

  /** @param opts see {@link SessionManagerOptions}. */
  constructor(opts: SessionManagerOptions) {
    this.#o = { onEnded: () => {}, resumeGraceMs: 30_000, ...opts };
    this.#unsubscribe = opts.bus.subscribe((roomId, msg) => this.#byRoom.get(roomId)?.metrics.record(msg));
    opts.sfu.on('roomclosed', ({ roomId, reason }) => {
      const s = this.#byRoom.get(roomId);
      this.#peers.delete(roomId);
      if (!s) return;
      if (reason === 'worker-died') this.#suspend(s, 'reset');
      else if (!s.suspended || reason === 'shutdown') void this.#end(s, 'room-closed');
      // else: the room emptied because the presenter dropped; the session waits for them.
    });
  }

  /**
   * The live session's state for a room: `live`, or `suspended` while it waits for its presenter
   * (with the time they went away and how many times they came back so far).
   */
  sessionStatus(roomId: string): { sessionId: string; state: 'live' | 'suspended'; suspendedSinceMs: number | null; resumes: number } | undefined {
    const s = this.#byRoom.get(roomId);
    if (!s) return undefined;
    return { sessionId: s.id, state: s.suspended ? 'suspended' : 'live', suspendedSinceMs: s.suspended?.sinceMs ?? null, resumes: s.resumes };
  }

  /** Ids of the sessions live on this node. */
  get liveSessionIds(): string[] {
    return [...this.#live.keys()];
  }

  /** Whether a session is live (or still finishing its recording) on this node. */
  isActive(sessionId: string): boolean {
    return this.#live.has(sessionId);
  }

  /** The live session of a room, if any. */
  liveSessionOfRoom(roomId: string): string | undefined {
    return this.#byRoom.get(roomId)?.id;
  }

  /**
   * The live session of a room and its current media time: the end of the newest voice window
   * recorded, session media seconds (as comments use). Undefined without a live session, or while
   * it waits for its presenter.
   */
  liveMediaTime(roomId: string): { sessionId: string; mediaTimeSec: number } | undefined {
    const s = this.#byRoom.get(roomId);
    if (!s || s.suspended || s.ending) return undefined;
    return { sessionId: s.id, mediaTimeSec: s.metrics.mediaEndSec };
  }

  /** Result of a session ended by this node since start (the last 1000; recording outcome, time origin). */
  endedSession(sessionId: string): EndedSession | undefined {
    return this.#ended.get(sessionId);
  }

  /** Peers in this node's rooms by role (metrics). */
  peerCountsByRole(): Record<SessionPeer['role'], number> {
    const counts = { presenter: 0, coach: 0, viewer: 0 };
    for (const peers of this.#peers.values()) for (const p of peers.values()) counts[p.role]++;
    return counts;
  }

  /**
   * Recordings (metrics): `recording` = live sessions whose recorder is running or finishing now;
   * `finished` = recordings ended on this node since start, by outcome (`spooled`: the upload
   * failed and the file waits for the spool drainer).
   */
  get recordingStats(): { recording: number; finished: { uploaded: number; spooled: number; failed: number } } {
    let recording = 0;
    for (const s of this.#live.values()) if (s.recorder) recording++;
    return { recording, finished: { ...this.#recordingOutcomes } };
  }

  /** Signaling: a peer joined a room. */
  peerJoined(room: Room, peer: SessionPeer): void {
    let peers = this.#peers.get(room.id);
    if (!peers) this.#peers.set(room.id, (peers = new Map()));
    const joinedAt = new Date();
    peers.set(peer.peerId, { ...peer, joinedAt });
    const s = this.#byRoom.get(room.id);
    if (!s) return;
    if (s.suspended && peer.role === 'presenter' && (peer.userId ?? null) === s.presenterUserId) this.#resume(s, room, peer.peerId);
    this.#o.store.participantJoined({ sessionId: s.id, ...peer, joinedAt });
  }

  /**
   * Signaling: a peer started producing. A presenter's first producer starts a session; each
   * presenter producer is recorded and (audio) gets a media time base. Call BEFORE the analyzer
   * taps the producer, so the time base sees the analyzer's tap being created.
   */
  producerAdded(room: Room, peer: { peerId: string; role?: string; userId?: string | null }, producer: types.Producer): void {
    if (this.#closed || peer.role !== 'presenter' || room.closed) return;
    let s = this.#byRoom.get(room.id);
    if (!s) s = this.#start(room, peer.peerId, peer.userId ?? this.#peers.get(room.id)?.get(peer.peerId)?.userId ?? null);
    if (s.presenterPeerId !== peer.peerId) return; // a second presenter: not part of this session's recording
    if (producer.kind === 'audio' && !s.timebases.has(producer.id)) {
      const clockRate = producer.rtpParameters.codecs[0]?.clockRate ?? 48000;
      const first = s.audioProducerId ? s.timebases.get(s.audioProducerId) : undefined;
      const tb = new MediaTimebase(producer.id, clockRate, first);
      tb.watch(room);
      s.timebases.set(producer.id, tb);
      s.audioProducerId ??= producer.id;
    }
    if (s.recorder) void s.recorder.addProducer(producer);
  }

  /**
   * Stores a remote coach's comment with the room's live session, at the session's current media
   * time: the end of the newest voice window analysed so far, seconds (0 before the first one).
   * Waits up to `waitMs` for the row to be written; if the database is down it stays queued and
   * is written when it is back (the result is returned either way).
   * @param text 1–500 characters (validated by the caller).
   * @returns the comment's id, session and media time, or null when the room has no live session.
   */
  async addComment(
    roomId: string,
    author: { peerId: string; displayName: string },
    text: string,
    waitMs = 5000,
  ): Promise<{ commentId: string; sessionId: string; mediaTimeSec: number } | null> {
    const s = this.#byRoom.get(roomId);
    if (!s || this.#closed) return null;
    const comment = {
      id: randomUUID(),
      sessionId: s.id,
      authorPeerId: author.peerId,
      authorName: author.displayName,
      text,
      mediaTimeSec: Math.max(0, s.metrics.mediaEndSec),
      createdAt: new Date(),
    };
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#o.store.addComment(comment), new Promise((r) => (timer = setTimeout(r, waitMs)))]);
    clearTimeout(timer);
    return { commentId: comment.id, sessionId: s.id, mediaTimeSec: comment.mediaTimeSec };
  }

  /**
   * Signaling: a peer left a room. The presenter leaving (`leave`) ends the session; the presenter
   * dropping (`disconnect`, `reset`) suspends it for {@link SessionManagerOptions.resumeGraceMs}.
   */
  peerLeft(roomId: string, peerId: string, reason: PeerLeaveReason = 'leave'): void {
    this.#peers.get(roomId)?.delete(peerId);
    const s = this.#byRoom.get(roomId);
    if (!s) return;
    this.#o.store.participantLeft(s.id, peerId, new Date());
    if (peerId !== s.presenterPeerId) return;
    if (reason === 'leave' || this.#o.resumeGraceMs <= 0) void this.#end(s, 'presenter-left');
    else this.#suspend(s, reason);
  }

  /**
   * Ends a live session of this node (API). Resolves when the recording is finalised (uploaded or
   * spooled) and the session row says `ended`.
   * @returns the ended session, or undefined if it is not live on this node.
   */
  async endSession(sessionId: string, reason: EndReason = 'api'): Promise<SessionRow | null | undefined> {
    const s = this.#live.get(sessionId);
    if (!s) return undefined;
    return this.#end(s, reason);
  }

  /** Ends every live session (reason `shutdown`) and stops listening. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#live.values()].map((s) => this.#end(s, 'shutdown')));
    this.#unsubscribe();
  }

  #suspend(s: LiveSession, why: PeerLeaveReason): void {
    if (s.suspended || s.ending || this.#closed) return;
    const timer = setTimeout(() => void this.#end(s, 'presenter-left'), this.#o.resumeGraceMs);
    timer.unref?.();
    s.suspended = { sinceMs: Date.now(), why, timer };
    s.recorder?.suspend();
    s.presenterPeerId = '';
    this.#o.log.warn({ sessionId: s.id, roomId: s.roomId, why, graceMs: this.#o.resumeGraceMs }, 'presenter dropped; session waits for them to rejoin');
  }

  #resume(s: LiveSession, room: Room, presenterPeerId: string): void {
    const away = s.suspended!;
    clearTimeout(away.timer);
    s.suspended = undefined;
    s.resumes++;
    s.presenterPeerId = presenterPeerId;
    if (room !== s.room) {
      // The media worker died: the room was rebuilt on another worker.
      for (const tb of s.timebases.values()) tb.close();
      s.room = room;
    }
    s.recorder?.resume(room);
    this.#o.log.info({ sessionId: s.id, roomId: s.roomId, awayMs: Date.now() - away.sinceMs, why: away.why, resumes: s.resumes }, 'presenter rejoined; session resumed');
  }

  #start(room: Room, presenterPeerId: string, ownerUserId: string | null): LiveSession {
    const id = randomUUID();
    const { orgId, roomName } = parseRoomKey(room.id);
    const startedAt = new Date();
    const timebases = new Map<string, MediaTimebase>();
    const s: LiveSession = {
      id,
      roomId: room.id,
      orgId,
      room,
      presenterPeerId,
      presenterUserId: ownerUserId,
      resumes: 0,
      startedAt,
      mediaObjectId: null,
      recorder: null,
      timebases,
      audioProducerId: null,
      metrics: new MetricRecorder(id, this.#o.store, {
        timebase: (producerId) => timebases.get(producerId),
        audioOriginSeenAtMs: () => (s.audioProducerId ? timebases.get(s.audioProducerId)?.analyzerOrigins[0]?.seenAtMs : undefined),
      }),
    };
    this.#live.set(id, s);
    this.#byRoom.set(room.id, s);
    this.#o.store.createSession({ id, orgId, ownerUserId, roomId: roomName, nodeId: this.#o.nodeId, startedAt });
    for (const p of this.#peers.get(room.id)?.values() ?? [])
      this.#o.store.participantJoined({ sessionId: id, peerId: p.peerId, role: p.role, displayName: p.displayName, userId: p.userId ?? null, joinedAt: p.joinedAt });
    if (this.#o.objects) {
      s.mediaObjectId = randomUUID();
      const key = ObjectStore.recordingKey(orgId, id);
      this.#o.store.createMediaObject({ id: s.mediaObjectId, sessionId: id, s3Key: key, contentType: 'video/webm', state: 'recording', hasAudio: false, hasVideo: false });
      s.recorder = new SessionRecorder({
        sessionId: id,
        mediaObjectId: s.mediaObjectId,
        orgId,
        room,
        dir: path.join(this.#o.spoolDir, id),
        store: this.#o.objects,
        key,
        log: this.#o.log,
        idleTimeoutSec: Math.ceil(this.#o.resumeGraceMs / 1000) + 15,
        onTap: (producerId, consumerId) => s.timebases.get(producerId)?.exclude(consumerId),
      });
    }
    this.#o.log.info({ sessionId: id, roomId: room.id, presenterPeerId }, 'session started');
    return s;
  }

  #end(s: LiveSession, reason: EndReason): Promise<SessionRow | null> {
    if (s.suspended) clearTimeout(s.suspended.timer);
    s.ending ??= (async () => {
      this.#byRoom.delete(s.roomId); // later bus messages of the room are not this session's
      const endedAt = new Date();
      let recording: RecordingResult | null = null;
      let origin: number | null = null;
      if (s.recorder && s.mediaObjectId) {
        try {
          recording = await s.recorder.stop();
          this.#recordingOutcomes[recording.state]++;
          const tb = s.audioProducerId ? s.timebases.get(s.audioProducerId) : undefined;
          if (recording.audioFirstRtp !== null && tb) origin = tb.recordingOriginSec(recording.audioFirstRtp, recording.audioStartSec);
          else if (recording.audioFirstRtp !== null) origin = recording.audioStartSec;
          await this.#o.store.updateMediaObject(s.id, s.mediaObjectId, {
            state: recording.state,
            bytes: recording.bytes,
            durationSec: recording.durationSec,
            hasAudio: recording.hasAudio,
            hasVideo: recording.hasVideo,
            mediaTimeOriginSec: origin,
            error: recording.error ?? null,
            uploadedAt: recording.state === 'uploaded' ? new Date() : null,
          });
        } catch (err) {
          this.#o.log.error({ sessionId: s.id, err }, 'finishing the recording failed');
        }
      }
      for (const tb of s.timebases.values()) tb.close();
      const row = await this.#o.store.endSession(s.id, { reason, endedAt, mediaDurationSec: s.metrics.mediaEndSec || null });
      this.#live.delete(s.id);
      if (recording?.state === 'spooled') void this.#o.drainer?.kick();
      this.#ended.set(s.id, { session: row, recording, mediaTimeOriginSec: origin });
      if (this.#ended.size > 1000) this.#ended.delete(this.#ended.keys().next().value!);
      this.#o.log.info({ sessionId: s.id, reason, recording: recording?.state, uploadMs: recording?.uploadMs, origin }, 'session ended');
      this.#o.onEnded(s.id, recording);
      return row;
    })();
    return s.ending;
  }

}
