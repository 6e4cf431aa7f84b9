/**
 * Signaling robustness against a real gateway + mediasoup worker: malformed, out-of-order and
 * randomly fuzzed messages get error acknowledgements and never drop the connection or the server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@lectern/contract';
import { SeededRandom } from '@lectern/analyzers/scoring';
import { startLectern, type LecternNode } from '../app.ts';
import { RoomObserver } from '../../../test/support/observer.ts';
import { createTestAccount, roomGrant, type TestAccount } from '../testing/access.ts';

let node: LecternNode;
let owner: TestAccount;
beforeAll(async () => {
  // The fuzz test sends 600 messages as fast as it can: the per-socket rate limit (tested in
  // test/e2e/limits.test.ts) is lifted here so the handlers themselves are fuzzed.
  node = await startLectern({ port: 0, sfuWorkers: 1, analyzerProcesses: 1, logLevel: 'silent', limits: { socketEventsPerSec: 10_000 } });
  owner = await createTestAccount(node);
});
/** Joins `roomId` as a viewer with the owner's account. */
const observe = async (roomId: string) => RoomObserver.join(node.url, roomId, { accessToken: owner.accessToken, grant: await roomGrant(node, owner, roomId, 'viewer') });
afterAll(async () => node?.close());

const events = [
  'room:join',
  'room:leave',
  'transport:create',
  'transport:connect',
  'producer:create',
  'producer:close',
  'consumer:create',
  'consumer:resume',
  'cue:send',
  'comment:add',
];

/** Deterministic PRNG (mulberry32, the repository's SeededRandom) so a failing fuzz case can be replayed. */
function rng(seed: number): () => number {
  const g = new SeededRandom(seed);
  return () => g.next();
}

function randomValue(rand: () => number, depth = 0): unknown {
  const pick = Math.floor(rand() * 10);
  switch (pick) {
    case 0: return null;
    case 1: return rand() * 1e9 - 5e8;
    case 2: return 'x'.repeat(Math.floor(rand() * 300));
    case 3: return rand() < 0.5;
    case 4: return depth > 3 ? [] : Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
    case 5: return { roomId: rand() < 0.5 ? 'fuzz' : '../../etc', role: rand() < 0.5 ? 'presenter' : 'admin' };
    case 6: return { transportId: String(rand()), dtlsParameters: { role: 'client', fingerprints: 'nope' } };
    case 7: return { transportId: 'abc', kind: rand() < 0.5 ? 'audio' : 'data', rtpParameters: { codecs: [{ mimeType: 1 }] } };
    case 8: return { producerId: '', rtpCapabilities: null, consumerId: {} };
    default:
      if (depth > 3) return {};
      return Object.fromEntries(
        Array.from({ length: Math.floor(rand() * 5) }, (_, i) => [`k${i}`, randomValue(rand, depth + 1)]),
      );
  }
}

describe('SignalingServer', () => {
  it('answers requests before joining with OUT_OF_ORDER and keeps the connection', async () => {
    const c = await observe('sig-a');
    const other = (await import('socket.io-client')).io(node.url, { transports: ['websocket'], auth: { token: owner.accessToken } });
    await new Promise<void>((r) => other.once('connect', () => r()));
    const ack = await other.timeout(5000).emitWithAck('transport:create', { direction: 'send' });
    expect(ack).toMatchObject({ ok: false, error: { code: ErrorCode.OutOfOrder } });
    expect(other.connected).toBe(true);
    other.close();
    c.close();
  });

  it('rejects malformed payloads with BAD_REQUEST naming the field', async () => {
    const c = await observe('sig-b');
    const bad = await c.request('transport:connect', { transportId: 42 });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.code).toBe(ErrorCode.BadRequest);
      expect(bad.error.message).toMatch(/transportId/);
      expect(bad.error.message).toMatch(/dtlsParameters/);
    }
    const badRoom = await c.request('room:join', { roomId: '../../etc/passwd' });
    expect(badRoom).toMatchObject({ ok: false, error: { code: ErrorCode.BadRequest } });
    const twice = await c.request('room:join', { roomId: 'sig-b', grant: await roomGrant(node, owner, 'sig-b', 'viewer') });
    expect(twice).toMatchObject({ ok: false, error: { code: ErrorCode.OutOfOrder } });
    expect(c.socket.connected).toBe(true);
    c.close();
  });

  it('refuses media from viewers and unknown ids with FORBIDDEN / NOT_FOUND', async () => {
    const c = await observe('sig-c');
    const t = await c.request<{ id: string }>('transport:create', { direction: 'send' });
    expect(t.ok).toBe(true);
    const transportId = t.ok ? t.data.id : '';
    const produce = await c.request('producer:create', { transportId, kind: 'audio', rtpParameters: {} });
    expect(produce).toMatchObject({ ok: false, error: { code: ErrorCode.Forbidden } });
    const consume = await c.request('consumer:create', { transportId, producerId: 'nope', rtpCapabilities: {} });
    expect(consume).toMatchObject({ ok: false, error: { code: ErrorCode.NotFound } });
    const resume = await c.request('consumer:resume', { consumerId: 'nope' });
    expect(resume).toMatchObject({ ok: false, error: { code: ErrorCode.NotFound } });
    c.close();
  });

  it('refuses a handshake without a valid access token, and a join without a grant for that room', async () => {
    const { io } = await import('socket.io-client');
    for (const auth of [undefined, { token: 'nope' }, { token: owner.accessToken.slice(0, -4) + 'AAAA' }]) {
      const anon = io(node.url, { transports: ['websocket'], reconnection: false, ...(auth ? { auth } : {}) });
      const err = await new Promise<Error>((resolve) => anon.once('connect_error', resolve));
      expect(err.message).toMatch(/^UNAUTHENTICATED/);
      anon.close();
    }
    const c = await observe('sig-d');
    await c.request('room:leave', {});
    const wrongRoom = await c.request('room:join', { roomId: 'sig-e', grant: await roomGrant(node, owner, 'sig-d', 'viewer') });
    expect(wrongRoom).toMatchObject({ ok: false, error: { code: ErrorCode.Forbidden } });
    const tampered = await c.request('room:join', { roomId: 'sig-d', grant: (await roomGrant(node, owner, 'sig-d', 'viewer')).slice(0, -3) + 'xyz' });
    expect(tampered).toMatchObject({ ok: false, error: { code: ErrorCode.Unauthenticated } });
    const noGrant = await c.request('room:join', { roomId: 'sig-d' });
    expect(noGrant).toMatchObject({ ok: false, error: { code: ErrorCode.BadRequest } });
    c.close();
  });

  it('survives 600 fuzzed messages (random events, payloads, missing acks) and still works', async () => {
    const { io } = await import('socket.io-client');
    const rand = rng(20261121);
    const sock = io(node.url, { transports: ['websocket'], reconnection: false, auth: { token: owner.accessToken } });
    await new Promise<void>((r) => sock.once('connect', () => r()));
    let disconnected = false;
    sock.on('disconnect', () => (disconnected = true));
    const acks: unknown[] = [];
    for (let i = 0; i < 600; i++) {
      const event = rand() < 0.9 ? events[Math.floor(rand() * events.length)]! : `junk:${i}`;
      const payload = randomValue(rand);
      const mode = rand();
      if (!events.includes(event)) sock.emit(event, payload); // unknown events are ignored: no ack
      else if (mode < 0.15) sock.emit(event, payload); // no ack callback
      else if (mode < 0.2) sock.emit(event); // no payload, no ack
      else if (mode < 0.25) sock.emit(event, payload, payload, payload); // extra args, no function
      else {
        acks.push(await sock.timeout(5000).emitWithAck(event, payload).catch((e: Error) => ({ timeout: e.message })));
      }
    }
    expect(disconnected).toBe(false);
    // Every acknowledged request got a well-formed Ack.
    for (const a of acks) expect(a).toHaveProperty('ok');
    // The connection and the server still work: a normal join succeeds (leave any fuzzed room first).
    await sock.timeout(5000).emitWithAck('room:leave', {});
    const join = await sock.timeout(5000).emitWithAck('room:join', { roomId: 'after-fuzz', grant: await roomGrant(node, owner, 'after-fuzz', 'viewer') });
    expect(join).toMatchObject({ ok: true });
    const health = await (await fetch(`${node.url}/health`)).json();
    expect(health.status).toBe('ok');
    sock.close();
  });
});

describe('admission control on one node (no Redis)', () => {
  it('refuses a new room with CAPACITY above the threshold, keeps taking peers into running rooms, and admits again below it', async () => {
    const running = await observe('admission-running');
    node.heartbeat.setThreshold(0); // forced low: every load is above it
    try {
      const refused = await observe('admission-new').then(() => null, (e: unknown) => e as { error?: { code: string; message: string; retryAfterSec?: number } });
      expect(refused?.error?.code).toBe(ErrorCode.Capacity);
      expect(refused?.error?.retryAfterSec).toBe(15);
      expect(refused?.error?.message).toMatch(/^this Lectern server is at capacity \(load \d\.\d\d, limit 0\.00\); rooms already running are not affected\. Try again in 15 s\.$/);
      const second = await observe('admission-running'); // the room is open here: admitted
      second.close();
      const health = (await (await fetch(`${node.url}/health`)).json()) as { cluster: { admitting: boolean; node: { threshold: number } } };
      expect(health.cluster).toMatchObject({ admitting: false, node: { threshold: 0 } });
    } finally {
      node.heartbeat.setThreshold(0.7);
      running.close();
    }
    const admitted = await observe('admission-new');
    admitted.close();
  });
});
