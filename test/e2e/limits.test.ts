/**
 * Limits against abuse (#13), end to end against a real gateway (PostgreSQL of the run, a schema of
 * its own; a real mediasoup worker) with socket.io-client, with small limits so each can be reached:
 * per-socket event rate and disconnect on sustained abuse, failed joins per IP (bad grants and bad
 * handshake tokens), rooms per node, peers per room, transports/producers/consumers per peer, and
 * the message size. Each refusal must carry its code and a sentence naming the limit; normal use
 * next to it must be unaffected. Different client IPs come from binding the client to other loopback
 * addresses (127.0.0.2, 127.0.0.3, …: all of 127/8 is local on Linux).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { type Ack, type ErrorBody, ErrorCode, type JoinResponse } from '@lectern/contract';
import { type LecternNode, startLectern } from '@lectern/gateway';
import { Database } from '../../gateway/src/db/Database.ts';
import { createTestAccount, roomGrant, type TestAccount } from '../../gateway/src/testing/access.ts';
import { TEST_DATABASE_URL, tempDir, uniqueSchema, waitUntil } from '../../gateway/src/testing/services.ts';

const LIMITS = {
  maxMessageBytes: 8192,
  socketEventsPerSec: 20,
  socketEventBurst: 10,
  burstWindowMs: 2000,
  refusalsBeforeDisconnect: 40,
  refusalWindowMs: 5000,
  maxRoomsPerNode: 4,
  maxPeersPerRoom: 3,
  maxTransportsPerPeer: 2,
  maxProducersPerPeer: 2,
  maxConsumersPerPeer: 1,
  failedJoinsPerIp: 5,
  failedJoinWindowMs: 3000,
};

const work = tempDir('e2e-limits');
let db: Database;
let node: LecternNode;
let owner: TestAccount;

beforeAll(async () => {
  db = await Database.connect({ url: TEST_DATABASE_URL, schema: uniqueSchema('e2e_sig_limits') });
  node = await startLectern(
    { port: 0, sfuWorkers: 1, analyzerProcesses: 1, poseProcesses: 0, recording: false, logLevel: 'silent', dataDir: path.join(work.dir, 'node'), limits: LIMITS },
    { database: db },
  );
  owner = await createTestAccount(node, { role: 'owner' });
}, 60_000);

afterAll(async () => {
  await node?.close();
  await db?.dropSchema();
  await db?.close();
  work.cleanup();
});

const open: Socket[] = [];
/** Connects with `token` from `localAddress` (default 127.0.0.1). @throws the connect_error. */
async function connect(token = owner.accessToken, localAddress = '127.0.0.1'): Promise<Socket> {
  const s = io(node.url, { transports: ['websocket'], reconnection: false, auth: { token }, localAddress } as Parameters<typeof io>[1]);
  open.push(s);
  await new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('connect_error', reject);
  });
  return s;
}
const request = <T = unknown>(s: Socket, event: string, payload?: unknown): Promise<Ack<T>> => s.timeout(5000).emitWithAck(event, payload) as Promise<Ack<T>>;
const join = async (s: Socket, roomId: string, role: 'presenter' | 'viewer' = 'viewer') =>
  request<JoinResponse>(s, 'room:join', { roomId, grant: await roomGrant(node, owner, roomId, role), role });
const errorOf = (a: Ack<unknown>): ErrorBody => {
  if (a.ok) throw new Error(`expected a refusal, got ok: ${JSON.stringify(a.data).slice(0, 200)}`);
  return a.error;
};
const closeAll = async () => {
  for (const s of open.splice(0)) s.close();
  await waitUntil(() => node.sfu.rooms.size === 0, 5000, 'every room to close');
};
/** Opus send parameters as mediasoup-client would produce them. */
const opus = (transportId: string, ssrc: number) => ({
  transportId,
  kind: 'audio',
  rtpParameters: {
    codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2, parameters: { useinbandfec: 1 }, rtcpFeedback: [] }],
    headerExtensions: [],
    encodings: [{ ssrc }],
    rtcp: { cname: `c${ssrc}`, reducedSize: true },
  },
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('per-peer quotas (transports, producers, consumers)', () => {
  it('normal use passes; one more transport/producer/consumer than allowed → QUOTA_EXCEEDED; closing one frees it', async () => {
    const presenter = await connect();
    const viewer = await connect();
    const joined = await join(presenter, 'quota', 'presenter');
    expect(joined.ok).toBe(true);
    const send = await request<{ id: string }>(presenter, 'transport:create', { direction: 'send' });
    const recv = await request<{ id: string }>(presenter, 'transport:create', { direction: 'recv' });
    expect([send.ok, recv.ok]).toEqual([true, true]);
    const third = errorOf(await request(presenter, 'transport:create', { direction: 'recv' }));
    expect(third).toMatchObject({ code: ErrorCode.QuotaExceeded });
    expect(third.message).toBe('at most 2 transports per peer on this server; close one before making another');

    const sendId = (send as { data: { id: string } }).data.id;
    const p1 = await request<{ producerId: string }>(presenter, 'producer:create', opus(sendId, 1111));
    const p2 = await request<{ producerId: string }>(presenter, 'producer:create', opus(sendId, 2222));
    expect([p1, p2].map((a) => (a.ok ? 'ok' : a.error.message))).toEqual(['ok', 'ok']);
    expect(errorOf(await request(presenter, 'producer:create', opus(sendId, 3333)))).toMatchObject({ code: ErrorCode.QuotaExceeded, message: expect.stringMatching(/at most 2 producers per peer/) });
    const p1Id = (p1 as { data: { producerId: string } }).data.producerId;
    expect((await request(presenter, 'producer:close', { producerId: p1Id })).ok).toBe(true);
    expect((await request(presenter, 'producer:create', opus(sendId, 4444))).ok).toBe(true);

    const v = await join(viewer, 'quota');
    if (!v.ok) throw new Error(v.error.message);
    const vt = await request<{ id: string }>(viewer, 'transport:create', { direction: 'recv' });
    if (!vt.ok) throw new Error(vt.error.message);
    const [a, b] = v.data.producers;
    expect(v.data.producers).toHaveLength(2);
    const c1 = await request(viewer, 'consumer:create', { transportId: vt.data.id, producerId: a!.producerId, rtpCapabilities: v.data.routerRtpCapabilities });
    expect(c1.ok).toBe(true);
    expect(errorOf(await request(viewer, 'consumer:create', { transportId: vt.data.id, producerId: b!.producerId, rtpCapabilities: v.data.routerRtpCapabilities }))).toMatchObject({
      code: ErrorCode.QuotaExceeded,
      message: expect.stringMatching(/at most 1 consumers per peer/),
    });

    // Leaving releases everything: a new join starts with an empty quota.
    expect((await request(presenter, 'room:leave')).ok).toBe(true);
    expect((await join(presenter, 'quota', 'presenter')).ok).toBe(true);
    expect((await request(presenter, 'transport:create', { direction: 'send' })).ok).toBe(true);
    await closeAll();
  });
});

describe('peers per room and rooms per node', () => {
  it('the peer beyond maxPeersPerRoom gets ROOM_FULL; after one leaves, it gets in', async () => {
    const peers = await Promise.all([connect(), connect(), connect(), connect()]);
    for (const p of peers.slice(0, 3)) expect((await join(p, 'full')).ok).toBe(true);
    const err = errorOf(await join(peers[3]!, 'full'));
    expect(err).toEqual({ code: ErrorCode.RoomFull, message: 'room full is full: 3 people are in it, the most this server allows; try again when someone leaves' });
    expect(peers[3]!.connected).toBe(true);
    expect((await request(peers[0]!, 'room:leave')).ok).toBe(true);
    expect((await join(peers[3]!, 'full')).ok).toBe(true);
    await closeAll();
  });

  it('a new room beyond maxRoomsPerNode gets CAPACITY (retryAfterSec 15); open rooms still take peers; a closed room frees a place', async () => {
    const sockets = await Promise.all(Array.from({ length: 6 }, () => connect()));
    for (let r = 0; r < 4; r++) expect((await join(sockets[r]!, `r${r}`)).ok).toBe(true);
    expect(node.sfu.rooms.size).toBe(4);
    const err = errorOf(await join(sockets[4]!, 'r4'));
    expect(err.code).toBe(ErrorCode.Capacity);
    expect(err.retryAfterSec).toBe(15);
    expect(err.message).toBe('this Lectern server has its maximum of 4 rooms open; rooms already running are not affected. Try again in 15 s.');
    expect((await join(sockets[5]!, 'r0')).ok).toBe(true); // an open room takes more peers
    sockets[3]!.close(); // r3 closes when its only peer goes
    await waitUntil(() => node.sfu.rooms.size === 3, 5000, 'room r3 to close');
    expect((await join(sockets[4]!, 'r4')).ok).toBe(true);
    await closeAll();
  });
});

describe('per-socket event rate', () => {
  it('events beyond rate + burst get RATE_LIMITED with retryAfterMs; waiting that long lets the next one through; other sockets are unaffected', async () => {
    const noisy = await connect();
    const quiet = await connect();
    const acks = await Promise.all(Array.from({ length: 60 }, () => request(noisy, 'room:leave')));
    const passed = acks.filter((a) => a.ok).length;
    const refused = acks.filter((a) => !a.ok).map(errorOf);
    // 20 in this second + the 10 of the burst allowance; each second boundary the 60 straddle on a
    // busy host lets 20 more through, so only "some were refused" is certain.
    expect(passed).toBeGreaterThanOrEqual(30);
    expect(passed).toBeLessThan(60);
    expect(refused.length).toBe(60 - passed);
    for (const e of refused) {
      expect(e.code).toBe(ErrorCode.RateLimited);
      expect(e.retryAfterMs).toBeGreaterThanOrEqual(1);
      expect(e.retryAfterMs).toBeLessThanOrEqual(1000);
      expect(e.message).toMatch(/^too many messages on this connection: at most 20 per second \(plus 10 per 2 s\); try again in \d+ ms$/);
    }
    expect((await request(quiet, 'room:leave')).ok).toBe(true);
    await sleep(Math.max(...refused.map((e) => e.retryAfterMs!)) + 20);
    expect((await request(noisy, 'room:leave')).ok).toBe(true);
    expect(noisy.connected).toBe(true);
    await closeAll();
  });

  it('sustained abuse (40 refusals within 5 s) ends the connection with room:error RATE_LIMITED', async () => {
    const abuser = await connect();
    const roomErrors: ErrorBody[] = [];
    abuser.on('room:error', (e: ErrorBody) => roomErrors.push(e));
    const reason = new Promise<string>((r) => abuser.once('disconnect', r));
    for (let i = 0; i < 200 && abuser.connected; i++) abuser.emit('room:leave', () => {});
    expect(await reason).toBe('io server disconnect');
    expect(roomErrors).toHaveLength(1);
    expect(roomErrors[0]).toMatchObject({ code: ErrorCode.RateLimited, message: 'disconnected: this connection kept sending more than 20 messages per second; reconnect and send fewer' });
    // The server itself is fine: a new connection works.
    const next = await connect();
    expect((await request(next, 'room:leave')).ok).toBe(true);
    await closeAll();
  });
});

describe('failed joins per IP', () => {
  it('after 5 bad grants from one IP, its joins and handshakes are refused with RATE_LIMITED + retryAfterMs, other IPs join; after the window it joins again', async () => {
    const attacker = await connect(owner.accessToken, '127.0.0.2');
    for (let i = 0; i < 5; i++) {
      const e = errorOf(await request(attacker, 'room:join', { roomId: 'guess', grant: `not-a-grant-${i}`.padEnd(40, 'x'), role: 'viewer' }));
      expect(e.code).toBe(ErrorCode.Unauthenticated);
    }
    const good = await roomGrant(node, owner, 'guess', 'viewer');
    const limited = errorOf(await request(attacker, 'room:join', { roomId: 'guess', grant: good, role: 'viewer' }));
    expect(limited.code).toBe(ErrorCode.RateLimited);
    expect(limited.retryAfterMs).toBeGreaterThan(0);
    expect(limited.retryAfterMs).toBeLessThanOrEqual(3000);
    expect(limited.message).toMatch(/^too many failed sign-ins or room joins from your address \(5 within 3 s\); try again in [1-3] s$/);
    // A new connection from that IP is refused at the handshake, even with a good token.
    const handshake = await connect(owner.accessToken, '127.0.0.2').then(() => null, (err: Error & { data?: ErrorBody }) => err);
    expect(handshake?.message).toMatch(/^RATE_LIMITED: too many failed sign-ins or room joins from your address/);
    expect(handshake?.data).toMatchObject({ code: ErrorCode.RateLimited, retryAfterMs: expect.any(Number) });
    // Another IP (and the usual 127.0.0.1) is not affected.
    const other = await connect(owner.accessToken, '127.0.0.4');
    expect((await join(other, 'guess')).ok).toBe(true);
    await sleep(limited.retryAfterMs! + 50);
    expect((await request(attacker, 'room:join', { roomId: 'guess', grant: good, role: 'viewer' })).ok).toBe(true);
    await closeAll();
  });

  it('handshakes with a bad token count too: the 6th connection from that IP is refused with RATE_LIMITED, not UNAUTHENTICATED', async () => {
    for (let i = 0; i < 5; i++) {
      const err = await connect('forged.token.value', '127.0.0.3').then(() => null, (e: Error) => e);
      expect(err?.message).toMatch(/^UNAUTHENTICATED: /);
    }
    const err = await connect(owner.accessToken, '127.0.0.3').then(() => null, (e: Error & { data?: ErrorBody }) => e);
    expect(err?.message).toMatch(/^RATE_LIMITED: /);
    expect(err?.data?.retryAfterMs).toBeGreaterThan(0);
    await closeAll();
  });

  it('refusals that are not the caller’s fault (ROOM_FULL, CAPACITY) do not count', async () => {
    const ip = '127.0.0.5';
    const inRoom = await Promise.all([connect(), connect(), connect()]);
    for (const s of inRoom) expect((await join(s, 'busy')).ok).toBe(true);
    const knocker = await connect(owner.accessToken, ip);
    for (let i = 0; i < 8; i++) expect(errorOf(await join(knocker, 'busy')).code).toBe(ErrorCode.RoomFull);
    inRoom[0]!.close();
    await waitUntil(async () => (await join(knocker, 'busy')).ok, 5000, 'the knocker to get in');
    await closeAll();
  });
});

describe('message size', () => {
  it('a message over maxMessageBytes closes that connection; smaller ones are answered; the server keeps serving', async () => {
    const s = await connect();
    expect((await request(s, 'room:leave', { pad: 'x'.repeat(6000) })).ok).toBe(true);
    const reason = new Promise<string>((r) => s.once('disconnect', r));
    s.emit('room:leave', { pad: 'x'.repeat(10_000) }, () => {});
    expect(await reason).toBe('transport close');
    const next = await connect();
    expect((await join(next, 'after-big')).ok).toBe(true);
    await closeAll();
  });
});
