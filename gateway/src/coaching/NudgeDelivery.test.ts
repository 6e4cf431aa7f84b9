/**
 * Live nudges through the running gateway (app.ts wiring), against a real gateway + mediasoup
 * worker and real PostgreSQL (the run's server, a schema of its own): a presenter audio producer
 * (a PlainTransport producer standing in for the browser) starts the session, analyzer output for
 * a fast talk is published on the node's MetricBus (captions at 200 WPM, fluency and voice frames),
 * and `coach:nudge` reaches the room's presenter and coach sockets — not the viewer's — valid per
 * the contract; a coach's `cue:send` is stored too, and both come back from
 * `GET /v1/sessions/:id/timeline` as `cues`.
 */
import { describe, expect, it } from 'vitest';
import type { types } from 'mediasoup';
import { NudgeEventSchema, type RoomMessage } from '@lectern/contract';
import { roomKey } from '../access/RoomKey.ts';
import { authFetch } from '../testing/access.ts';
import { joinedClient } from '../testing/signalingClient.ts';
import { waitUntil } from '../testing/services.ts';
import { useTestNode } from '../testing/testNode.ts';

const ROOM = 'nudge-it';
const gw = useTestNode('nudge-it');

/** A joined client that keeps the nudges it receives (as `nudges`). */
async function client(role: 'presenter' | 'coach' | 'viewer') {
  const c = await joinedClient(gw.node, gw.owner, role, ROOM, ['coach:nudge']);
  return { ...c, nudges: c.received['coach:nudge'] };
}


describe('live nudges through the gateway', () => {
  it('delivers "Slow down" to the presenter and coach (not viewers) and stores it with coach cues on the timeline', async () => {
    const [presenter, coach, viewer] = [await client('presenter'), await client('coach'), await client('viewer')];
    const key = roomKey(gw.owner.orgId, ROOM);
    const sfuRoom = await gw.node.sfu.getOrCreateRoom(key);
    const transport: types.PlainTransport = await sfuRoom.router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: true, comedia: true });
    const producer = await transport.produce({
      kind: 'audio',
      rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 22222 }] },
    });
    gw.node.sessions!.manager.producerAdded(sfuRoom, { peerId: presenter.peerId, role: 'presenter' }, producer);
    const sessionId = gw.node.sessions!.manager.liveSessionOfRoom(key)!;
    expect(sessionId).toBeTruthy();

    // 18 s of a 200 WPM talk as the analyzer would publish it (one word every 0.3 s).
    const base = { roomId: key, producerId: 'analyzer-stand-in', serverTimeMs: Date.now() };
    let nextWordEnd = 0;
    for (let i = 1; i <= 180; i++) {
      const t = i / 10;
      const voice = { ...base, kind: 'voice', mediaTimeSec: t - 0.1, windowSec: 0.1, levelDbfs: -22, f0Hz: 130, vadProb: 0.9, isSpeech: t % 5 < 4.6, pauseSec: t % 5 < 4.6 ? 0 : 0.4, speakingRatio: 0.8, pitchVariabilitySt: 3.5, concealedPackets: 0 };
      gw.node.bus.publish(key, { event: 'metrics:voice', payload: voice } as RoomMessage);
      if (i % 10 !== 0) continue;
      const words = [];
      for (; nextWordEnd <= t + 1e-9; nextWordEnd = Math.round((nextWordEnd + 0.3) * 1000) / 1000) words.push({ word: 'word', startSec: Math.max(0, nextWordEnd - 0.2), endSec: nextWordEnd, confidence: null });
      gw.node.bus.publish(key, { event: 'captions:update', payload: { ...base, kind: 'final', segmentId: i, text: words.map((w) => w.word).join(' '), words, engine: 'test' } });
      gw.node.bus.publish(key, { event: 'metrics:fluency', payload: { ...base, mediaTimeSec: t, wpm30s: 200, wpmOverall: 200, articulationWpm: 220, fillerCount: 0, fillersPerMin: 0, repetitionCount: 0, hedgeCount: 0 } });
    }
    await waitUntil(() => presenter.nudges.length === 1 && coach.nudges.length === 1, 10_000, 'the nudge on both sockets');
    const [nudge] = presenter.nudges;
    expect(NudgeEventSchema.parse(nudge)).toEqual(nudge);
    expect(nudge).toMatchObject({ roomId: ROOM, sessionId, kind: 'pace', text: 'Slow down', threshold: 170, unit: 'WPM', metricValue: 200 });
    expect(nudge!.mediaTimeSec).toBeCloseTo(15, 1);
    expect(coach.nudges).toEqual(presenter.nudges);
    expect(viewer.nudges).toEqual([]);
    expect(gw.node.nudges!.stats.nudges).toBe(1);

    const cue = await coach.request<{ cueId: string }>('cue:send', { text: 'Breathe' });
    expect(cue.ok).toBe(true);
    let cues: { id: string; source: string; text: string; mediaTimeSec: number; sentAt: string }[] = [];
    await waitUntil(async () => {
      cues = (await (await authFetch(gw.owner, `${gw.node.url}/v1/sessions/${sessionId}/timeline`)).json()).cues;
      return cues.length === 2;
    }, 10_000, 'the nudge and the cue in the timeline API', 200);
    expect(cues.map((c) => [c.id, c.source, c.text])).toEqual([
      [nudge!.nudgeId, 'nudge', 'Slow down'],
      [cue.ok ? cue.data.cueId : '', 'coach', 'Breathe'],
    ]);
    expect(cues[1]!.mediaTimeSec).toBeCloseTo(18, 1);
    expect(new Date(cues[0]!.sentAt).getTime()).toBe(nudge!.sentAtMs);

    transport.close();
    for (const c of [presenter, coach, viewer]) c.socket.close();
  }, 60_000);
});
