/**
 * Remote coaching at the gateway boundary, against a real gateway + mediasoup worker and real
 * PostgreSQL (the run's server, a schema of its own): `cue:send` / `comment:add` validation, the
 * coach-only rule, the per-coach rate limit, cue delivery to the presenter only, and comments
 * stored at the session's media time and returned by `GET /v1/sessions/:id/timeline`.
 */
import { describe, expect, it } from 'vitest';
import type { types } from 'mediasoup';
import { type Ack, ErrorCode, type VoiceFrame } from '@lectern/contract';
import { waitUntil } from '../testing/services.ts';
import { useTestNode } from '../testing/testNode.ts';
import { authFetch } from '../testing/access.ts';
import { joinedClient } from '../testing/signalingClient.ts';
import { roomKey } from '../access/RoomKey.ts';

const ROOM = 'coach-it';
const gw = useTestNode('coach-it');

/** A joined client that keeps the coach cues it receives (as `cues`). */
async function client(role: 'presenter' | 'coach' | 'viewer', roomId = ROOM) {
  const c = await joinedClient(gw.node, gw.owner, role, roomId, ['coach:cue']);
  return { ...c, cues: c.received['coach:cue'] };
}


describe('remote coaching (cue:send, comment:add)', () => {
  it('accepts cues from coaches only, validates them, delivers them to the presenter only and rate-limits them', async () => {
    const presenter = await client('presenter');
    const coach = await client('coach');
    const viewer = await client('viewer');

    for (const c of [presenter, viewer]) {
      const r = await c.request('cue:send', { text: 'Louder' });
      expect(r).toMatchObject({ ok: false, error: { code: ErrorCode.Forbidden } });
      if (!r.ok) expect(r.error.message).toMatch(/coach/);
    }
    for (const bad of [{ text: 5 }, {}, { text: '   ' }, { text: 'x'.repeat(81) }, 'Louder', null]) {
      const r = await coach.request('cue:send', bad);
      expect(r, JSON.stringify(bad)).toMatchObject({ ok: false, error: { code: ErrorCode.BadRequest } });
      if (!r.ok) expect(r.error.message).toMatch(/text|expected object/);
    }
    expect(coach.socket.connected).toBe(true);

    const sent = await coach.request<{ cueId: string; deliveredTo: number }>('cue:send', { text: '  Slow down ' });
    expect(sent).toMatchObject({ ok: true, data: { deliveredTo: 1 } });
    await waitUntil(() => presenter.cues.length === 1, 5000, 'the cue at the presenter');
    expect(presenter.cues[0]).toMatchObject({ roomId: ROOM, text: 'Slow down', fromPeerId: coach.peerId, fromName: 'the coach' });
    expect(sent.ok && presenter.cues[0]!.cueId).toBe(sent.ok && sent.data.cueId);

    const tooSoon = await coach.request('cue:send', { text: 'Pause' });
    expect(tooSoon).toMatchObject({ ok: false, error: { code: ErrorCode.RateLimited } });
    if (!tooSoon.ok) expect(tooSoon.error.message).toMatch(/one cue per 1 s; try again in \d+ ms/);
    // After the interval the next cue goes through (80 characters is the maximum).
    let later: Ack<unknown> | undefined;
    await waitUntil(async () => (later = await coach.request('cue:send', { text: 'y'.repeat(80) })).ok, 5000, 'a cue after the rate limit', 250);
    await waitUntil(() => presenter.cues.length === 2, 5000, 'the second cue');
    expect(coach.cues).toEqual([]);
    expect(viewer.cues).toEqual([]);

    // No presenter in the room: the coach is told so.
    const lonely = await client('coach', 'coach-it-empty');
    const none = await lonely.request('cue:send', { text: 'Good!' });
    expect(none).toMatchObject({ ok: false, error: { code: ErrorCode.NotFound } });
    if (!none.ok) expect(none.error.message).toMatch(/no presenter/);
    for (const c of [presenter, coach, viewer, lonely]) c.socket.close();
  });

  it('stores comments at the session media time and returns them in the timeline API', async () => {
    const room = 'coach-it-comments';
    const presenter = await client('presenter', room);
    const coach = await client('coach', room);

    const early = await coach.request('comment:add', { text: 'before anything' });
    expect(early).toMatchObject({ ok: false, error: { code: ErrorCode.NotFound } });
    if (!early.ok) expect(early.error.message).toMatch(/no live session/);

    // A presenter audio producer starts the session (a PlainTransport producer stands in for the browser).
    const key = roomKey(gw.owner.orgId, room);
    const sfuRoom = await gw.node.sfu.getOrCreateRoom(key);
    const transport: types.PlainTransport = await sfuRoom.router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: true, comedia: true });
    const producer = await transport.produce({
      kind: 'audio',
      rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 11111 }] },
    });
    gw.node.sessions!.manager.producerAdded(sfuRoom, { peerId: presenter.peerId, role: 'presenter' }, producer);
    const sessionId = gw.node.sessions!.manager.liveSessionOfRoom(key)!;
    expect(sessionId).toBeTruthy();
    // The analyzer has analysed up to 12.5 s of media.
    const frame: VoiceFrame = {
      roomId: key, producerId: 'analyzer-stand-in', kind: 'voice', mediaTimeSec: 12, windowSec: 0.5, serverTimeMs: Date.now(),
      levelDbfs: -20, f0Hz: 120, isSpeech: true, pauseSec: 0, speakingRatio: 0.8, pitchVariabilitySt: 2,
    } as VoiceFrame;
    gw.node.bus.publish(key, { event: 'metrics:voice', payload: frame });

    expect(await presenter.request('comment:add', { text: 'self-praise' })).toMatchObject({ ok: false, error: { code: ErrorCode.Forbidden } });
    expect(await coach.request('comment:add', { text: 'z'.repeat(501) })).toMatchObject({ ok: false, error: { code: ErrorCode.BadRequest } });
    expect(await coach.request('comment:add', { note: 'wrong field' })).toMatchObject({ ok: false, error: { code: ErrorCode.BadRequest } });

    const added = await coach.request<{ commentId: string; sessionId: string; mediaTimeSec: number }>('comment:add', { text: ' Great opening; slow the second sentence. ' });
    expect(added.ok, JSON.stringify(added)).toBe(true);
    if (!added.ok) return;
    expect(added.data.sessionId).toBe(sessionId);
    expect(added.data.mediaTimeSec).toBeCloseTo(12.5, 6);
    const tooSoon = await coach.request('comment:add', { text: 'again' });
    expect(tooSoon).toMatchObject({ ok: false, error: { code: ErrorCode.RateLimited } });

    const [row] = await gw.db.sql`SELECT session_id, text, media_time_sec, author_name FROM coach_comments WHERE id = ${added.data.commentId}`;
    expect(row).toMatchObject({ session_id: sessionId, text: 'Great opening; slow the second sentence.', media_time_sec: 12.5, author_name: 'the coach' });

    const res = await authFetch(gw.owner, `${gw.node.url}/v1/sessions/${sessionId}/timeline`);
    expect(res.status).toBe(200);
    const tl = await res.json();
    expect(tl.comments).toEqual([
      expect.objectContaining({ id: added.data.commentId, mediaTimeSec: 12.5, text: 'Great opening; slow the second sentence.', authorName: 'the coach', authorPeerId: coach.peerId }),
    ]);
    expect(new Date(tl.comments[0].createdAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    // The range query filters comments like the other lists.
    const outside = await (await authFetch(gw.owner, `${gw.node.url}/v1/sessions/${sessionId}/timeline?fromSec=13`)).json();
    expect(outside.comments).toEqual([]);

    expect(coach.socket.connected).toBe(true);
    transport.close();
    presenter.socket.close();
    coach.socket.close();
  });
});
