/**
 * NudgeService against real PostgreSQL (the run's server, a schema of its own) and the in-process
 * MetricBus: room messages of a live session drive its engine, nudges go to `deliver` and are
 * stored in `session_cues` (migration 006) with the coaches' cues, and come back from the
 * repository's timeline. The session clock is a plain map standing in for SessionManager (which
 * needs a mediasoup room); its media time is advanced by the test before each message, as
 * SessionManager (subscribed first) does.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CoachCue, type NudgeEvent, NudgeEventSchema, type RoomMessage } from '@lectern/contract';
import { InProcessBus } from '../bus/InProcessBus.ts';
import { Database } from '../db/Database.ts';
import { SessionRepository } from '../db/SessionRepository.ts';
import { SessionStore } from '../db/SessionStore.ts';
import { TEST_DATABASE_URL, uniqueSchema, waitUntil } from '../testing/services.ts';
import { type LiveSessionClock, NudgeService } from './NudgeService.ts';

const quiet = { warn: () => {} };
let db: Database;
let repo: SessionRepository;
let store: SessionStore;

beforeAll(async () => {
  db = await Database.connect({ url: TEST_DATABASE_URL, schema: uniqueSchema('nudges') });
  repo = new SessionRepository(db.sql);
  store = new SessionStore(repo, quiet);
}, 60_000);

afterAll(async () => {
  await store?.close();
  await db?.dropSchema();
  await db?.close();
});

/** Live sessions by room key, with the media time the test sets. */
class Clock implements LiveSessionClock {
  readonly live = new Map<string, { sessionId: string; mediaTimeSec: number }>();
  liveMediaTime(roomKey: string) {
    const s = this.live.get(roomKey);
    return s && { ...s };
  }
}

function harness(minIntervalSec = 20) {
  const bus = new InProcessBus();
  const clock = new Clock();
  const delivered: { roomKey: string; nudge: NudgeEvent }[] = [];
  const service = new NudgeService({
    bus,
    sessions: clock,
    store: { insertCues: (rows) => repo.insertCues(rows), isCreated: (id) => store.isCreated(id) },
    deliver: (roomKey, nudge) => delivered.push({ roomKey, nudge }),
    minIntervalSec,
    log: quiet,
  });
  return { bus, clock, delivered, service };
}

async function liveSession(roomName: string): Promise<{ id: string; key: string }> {
  const id = randomUUID();
  store.createSession({ id, roomId: roomName, nodeId: 'test', startedAt: new Date() });
  await waitUntil(() => store.isCreated(id), 10_000, 'the session row');
  return { id, key: `local:${roomName}` };
}

const base = { roomId: 'ignored', producerId: 'p1', serverTimeMs: 0 };
function voice(t: number, speech: boolean): RoomMessage {
  return {
    event: 'metrics:voice',
    payload: {
      ...base,
      kind: 'voice',
      mediaTimeSec: t,
      windowSec: 0.1,
      levelDbfs: speech ? -22 : -70,
      f0Hz: speech ? 140 : null,
      vadProb: speech ? 0.95 : 0.05,
      isSpeech: speech,
      pauseSec: speech ? 0 : 0.5,
      speakingRatio: 0.8,
      pitchVariabilitySt: 4,
      concealedPackets: 0,
    },
  };
}
function fluency(t: number, wpm30s: number | null): RoomMessage {
  return {
    event: 'metrics:fluency',
    payload: { ...base, mediaTimeSec: t, wpm30s, wpmOverall: wpm30s, articulationWpm: wpm30s, fillerCount: 0, fillersPerMin: 0, repetitionCount: 0, hedgeCount: 0 },
  };
}

/** Per room key: media time of the next word's end (a talk at `wpm` has one every 60 / wpm s from 0). */
const nextWordEnd = new Map<string, number>();

/**
 * Publishes media seconds (fromSec, toSec] of a talk at `wpm` (voice every 100 ms: speech with a
 * 0.5 s pause every 6 s, so no "Pause" nudge; every second a caption final with the words that
 * ended in it and a fluency frame) for room `key`, advancing the clock. fromSec 0 starts a talk.
 */
function talk(h: ReturnType<typeof harness>, key: string, sessionId: string, fromSec: number, toSec: number, wpm: number): void {
  if (fromSec === 0) nextWordEnd.set(key, 0);
  for (let i = fromSec * 10 + 1; i <= toSec * 10; i++) {
    const t = i / 10;
    h.clock.live.set(key, { sessionId, mediaTimeSec: t });
    h.bus.publish(key, voice(t, t % 6 < 5.5));
    if (i % 10 !== 0) continue;
    const words = [];
    let end = nextWordEnd.get(key)!;
    for (; end <= t + 1e-9; end = Math.round((end + 60 / wpm) * 1e6) / 1e6) words.push({ word: 'w', startSec: Math.max(0, end - 0.2), endSec: end, confidence: null });
    nextWordEnd.set(key, end);
    h.bus.publish(key, { event: 'captions:update', payload: { ...base, kind: 'final', segmentId: i, text: words.map((w) => w.word).join(' '), words, engine: 'test' } });
    h.bus.publish(key, fluency(t, t >= 5 ? wpm : null));
  }
}

describe('NudgeService (live nudges and coach cues on the session timeline)', () => {
  it('nudges a fast talk "Slow down" once its pace over 15 s is above 170 WPM, at most once per 20 s, delivers and stores each one', async () => {
    const h = harness();
    const s = await liveSession('fast-talk');
    talk(h, s.key, s.id, 0, 70, 195);

    const nudges = h.delivered.map((d) => d.nudge);
    expect(h.delivered.every((d) => d.roomKey === s.key)).toBe(true);
    expect(nudges.map((n) => n.text)).toEqual(['Slow down', 'Slow down', 'Slow down']);
    for (const n of nudges) {
      expect(NudgeEventSchema.parse(n)).toEqual(n);
      expect(n).toMatchObject({ roomId: 'fast-talk', sessionId: s.id, kind: 'pace', threshold: 170, unit: 'WPM' });
      expect(Math.abs(n.metricValue - 195)).toBeLessThanOrEqual(4); // whole words in 15 s: multiples of 4 WPM
    }
    // The 15 s window is covered at 15 s (first word at 0); then every 20 s (the interval, longer than the window).
    expect(nudges.map((n) => n.mediaTimeSec)).toEqual([15, 35, 55]);

    await waitUntil(async () => (await repo.timeline(s.id)).cues.length === 3, 10_000, 'three stored cues');
    const { cues } = await repo.timeline(s.id);
    expect(cues.map((c) => [c.id, c.source, c.kind, c.text, c.mediaTimeSec, c.metricValue, c.authorName])).toEqual(
      nudges.map((n) => [n.nudgeId, 'nudge', 'pace', 'Slow down', n.mediaTimeSec, n.metricValue, null]),
    );
    expect(cues[0]!.sentAt.getTime()).toBe(nudges[0]!.sentAtMs);
    expect(h.service.stats).toMatchObject({ nudges: 3, engines: 1 });
    await h.service.close();
  });

  it('does not nudge a talk inside the band, nor a room without a live session', async () => {
    const h = harness();
    const s = await liveSession('calm-talk');
    talk(h, s.key, s.id, 0, 45, 140);
    // Frames of a room whose session is not live (ended, or waiting for its presenter) are ignored.
    for (let t = 1; t <= 40; t++) h.bus.publish('local:no-session', fluency(t, 220));
    expect(h.delivered).toEqual([]);
    expect(h.service.stats.engines).toBe(1);
    await h.service.close();
    expect((await repo.timeline(s.id)).cues).toEqual([]);
  });

  it('starts over for a new session of the same room and drops engines of sessions that are gone', async () => {
    const h = harness();
    const a = await liveSession('room-a');
    talk(h, a.key, a.id, 0, 12, 200); // 12 s of talk: the 15 s window is not covered yet
    const b = await liveSession('room-b');
    h.clock.live.delete(a.key); // a ended
    talk(h, b.key, b.id, 0, 10, 200);
    expect(h.service.stats.engines).toBe(1);
    const a2 = { id: randomUUID(), key: a.key };
    store.createSession({ id: a2.id, roomId: 'room-a', nodeId: 'test', startedAt: new Date() });
    talk(h, a2.key, a2.id, 0, 14, 200); // the new session's own window: 15 s of its talk
    expect(h.delivered).toEqual([]);
    talk(h, a2.key, a2.id, 14, 16, 200);
    expect(h.delivered.map((d) => [d.nudge.sessionId, d.nudge.mediaTimeSec])).toEqual([[a2.id, 15]]);
    await h.service.close();
  });

  it('stores coach cues at the live session media time, after the session row exists, also with nudges off', async () => {
    const h = harness(0);
    const s = await liveSession('coached');
    talk(h, s.key, s.id, 0, 30, 220);
    expect(h.delivered).toEqual([]); // LECTERN_NUDGE_INTERVAL_SEC=0: no nudges
    const cue = (text: string): CoachCue => ({ cueId: randomUUID(), roomId: 'coached', text, fromPeerId: 'peer-c', fromName: 'Coach Kim', sentAtMs: Date.now() });
    const first = cue('Breathe');
    h.service.recordCoachCue(s.key, first);
    h.service.recordCoachCue('local:nobody-here', cue('lost')); // no live session: not stored

    // A session whose row is not written yet (database slow or down): its cue waits for it.
    const late = randomUUID();
    h.clock.live.set('local:late', { sessionId: late, mediaTimeSec: 3.5 });
    const waiting = cue('Good!');
    h.service.recordCoachCue('local:late', waiting);
    expect(await h.service.flush()).toBe(true); // 'Breathe' written; 'Good!' is not ready…
    expect(h.service.stats.writer.buffered).toBe(1); // …and waits for its session's row
    store.createSession({ id: late, roomId: 'late', nodeId: 'test', startedAt: new Date() });
    await waitUntil(async () => (await repo.timeline(late)).cues.length === 1, 10_000, 'the waiting cue');

    const [stored] = (await repo.timeline(s.id)).cues;
    expect(stored).toMatchObject({ id: first.cueId, source: 'coach', kind: null, text: 'Breathe', mediaTimeSec: 30, metricValue: null, authorName: 'Coach Kim' });
    expect((await repo.timeline(late)).cues[0]).toMatchObject({ id: waiting.cueId, text: 'Good!', mediaTimeSec: 3.5 });
    const [n] = await db.sql`SELECT count(*)::int AS n FROM session_cues WHERE text = 'lost'`;
    expect(n!.n).toBe(0);
    await h.service.close();
  });
});
