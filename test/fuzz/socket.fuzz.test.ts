/**
 * Property-based fuzzing of every Socket.IO request handler (#13), end to end: a real gateway
 * (startLectern: Fastify + Socket.IO, a mediasoup worker, an analyzer process, PostgreSQL of the
 * run in a schema of its own) driven over socket.io-client with valid access tokens.
 *
 * Every event of the contract's `ClientEvent` (so a new handler is fuzzed as soon as it is named
 * there) plus unknown event names gets hostile payloads: random JSON, wrong types, huge strings,
 * prototype-pollution keys, deep nesting, binary attachments, near-valid requests with real ids,
 * grants and tokens mixed in — with the ack missing, first, last, or after junk arguments — from
 * three sockets: not joined, joined as presenter (with a transport), joined as coach.
 *
 * Properties: every acknowledged call is answered (≤ 5 s) with an `Ack` whose error is the
 * contract's `ErrorBody` with a known code and never `INTERNAL`; the connection stays up (except a
 * message over `maxMessageBytes`, which closes it by design); no unhandledRejection or
 * uncaughtException; `Object.prototype` unchanged; heap growth after GC < 64 MiB; afterwards a
 * fresh socket joins, creates a transport and gets its answers.
 *
 * Prints `[fuzz] socket.io seed=… cases=…` (replay: `FUZZ_SEED=<seed> npx vitest run test/fuzz/socket.fuzz.test.ts`).
 */
import path from 'node:path';
import fc from 'fast-check';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Ack, ClientEvent, ErrorCode, type JoinResponse, type TransportInfo } from '@lectern/contract';
import { type LecternNode, startLectern } from '@lectern/gateway';
import { Database } from '../../gateway/src/db/Database.ts';
import { createTestAccount, roomGrant, type TestAccount } from '../../gateway/src/testing/access.ts';
import { TEST_DATABASE_URL, tempDir, uniqueSchema } from '../../gateway/src/testing/services.ts';
import { FaultRecorder, fuzzRuns, fuzzSeed, heapUsedAfterGc, hostileValue, mib, prototypeKeys, protoPollution, wrongType } from './support.ts';

const ROOM = 'fuzz-room';
const MAX_MESSAGE_BYTES = 256 * 1024;
const RUNS = fuzzRuns(10_000);
const CODES = new Set<string>(Object.values(ErrorCode));

const work = tempDir('fuzz-socket');
let db: Database;
let node: LecternNode;
let owner: TestAccount;
let coachAccount: TestAccount;
const faults = new FaultRecorder();

beforeAll(async () => {
  db = await Database.connect({ url: TEST_DATABASE_URL, schema: uniqueSchema('fuzz_socket') });
  node = await startLectern(
    {
      port: 0, sfuWorkers: 1, analyzerProcesses: 1, poseProcesses: 0, recording: false, logLevel: 'silent', dataDir: path.join(work.dir, 'node'),
      // The abuse limits (test/e2e/limits.test.ts) are lifted so the handlers behind them are fuzzed.
      limits: { socketEventsPerSec: 10_000, socketEventBurst: 100_000, refusalsBeforeDisconnect: 100_000, failedJoinsPerIp: 100_000, maxMessageBytes: MAX_MESSAGE_BYTES },
    },
    { database: db },
  );
  owner = await createTestAccount(node, { role: 'owner' });
  coachAccount = await createTestAccount(node, { role: 'coach', orgId: owner.orgId });
  faults.start();
}, 120_000);

afterAll(async () => {
  faults.stop();
  for (const c of clients) c.socket.disconnect();
  await node?.close();
  await db?.dropSchema();
  await db?.close();
  work.cleanup();
});

/** One fuzzing socket and what it should be (re-established after a leave or a disconnect). */
interface Client {
  label: 'unjoined' | 'presenter' | 'coach';
  socket: Socket;
  account: TestAccount;
  /** Ids this socket holds (transports), offered to the near-valid arbitraries. */
  transportIds: string[];
}
const clients: Client[] = [];
/** Real values offered to near-valid requests: grants, tokens, ids, capabilities. */
/** Disconnect reasons and error pushes the sockets received (last ones are printed on failure). */
const serverNotes: string[] = [];
const real = { grants: [] as string[], tokens: [] as string[], ids: [] as string[], rtpCapabilities: {} as unknown };

async function connect(account: TestAccount): Promise<Socket> {
  const socket = io(node.url, { transports: ['websocket'], reconnection: false, auth: { token: account.accessToken } });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  // Why a socket went away, for the failure message.
  socket.on('disconnect', (reason) => void serverNotes.push(`disconnect: ${reason}`));
  socket.on('auth:revoked', (e) => void serverNotes.push(`auth:revoked ${JSON.stringify(e)}`));
  socket.on('room:error', (e) => void serverNotes.push(`room:error ${JSON.stringify(e)}`));
  return socket;
}

const request = <T>(socket: Socket, event: string, payload?: unknown) => socket.timeout(5000).emitWithAck(event, payload) as Promise<Ack<T>>;

/** Brings `c` back to its intended state: connected, and joined (with a send transport for the presenter). */
async function establish(c: Client): Promise<void> {
  if (!c.socket.connected) {
    c.socket.disconnect();
    c.socket = await connect(c.account);
  }
  if (c.label === 'unjoined') {
    await request(c.socket, 'room:leave', {});
    return;
  }
  await request(c.socket, 'room:leave', {});
  c.transportIds = [];
  const role = c.label === 'presenter' ? 'presenter' : 'coach';
  const grant = await roomGrant(node, c.account, ROOM, role);
  real.grants.push(grant);
  const join = await request<JoinResponse>(c.socket, 'room:join', { roomId: ROOM, grant, displayName: `fuzz ${role}` });
  if (!join.ok) throw new Error(`${c.label} join failed: ${join.error.code} ${join.error.message}`);
  real.rtpCapabilities = join.data.routerRtpCapabilities;
  if (c.label === 'presenter') {
    const t = await request<TransportInfo>(c.socket, 'transport:create', { direction: 'send' });
    if (!t.ok) throw new Error(`transport:create failed: ${t.error.message}`);
    c.transportIds.push(t.data.id);
    real.ids.push(t.data.id);
  }
}

// ── arbitraries ──
const EVENTS = [...Object.values(ClientEvent)];
const eventName = fc.oneof(
  { arbitrary: fc.constantFrom(...EVENTS), weight: 12 },
  // Unknown and reserved-looking names: no handler, must not break anything either.
  { arbitrary: fc.constantFrom('unknown:event', 'transport:restartIce', '__proto__', 'constructor', 'toString', 'hasOwnProperty', ''), weight: 1 },
);
const FIELDS = ['roomId', 'grant', 'role', 'displayName', 'direction', 'transportId', 'dtlsParameters', 'kind', 'rtpParameters', 'appData', 'producerId', 'consumerId', 'rtpCapabilities', 'text', 'token'];
/** Field values that can pass validation (real ids, grants, tokens, enums) or almost. */
const nearValidValue = fc.oneof(
  fc.constant(ROOM),
  fc.constantFrom('presenter', 'coach', 'viewer', 'admin', 'send', 'recv', 'audio', 'video', 'Louder please'),
  fc.uuid(),
  fc.constant(null).map(() => (real.ids.length ? real.ids[real.ids.length - 1]! : 'no-id')),
  fc.constant(null).map(() => real.grants.at(-1) ?? 'no-grant'),
  fc.nat(9).map((i) => real.tokens[i % Math.max(1, real.tokens.length)] ?? 'no-token'),
  fc.constant(null).map(() => real.rtpCapabilities),
  fc.constant({ role: 'server', fingerprints: [{ algorithm: 'sha-256', value: '00:11' }] }),
  fc.constant({ codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 1234 }] }),
  fc.string({ minLength: 1, maxLength: 80 }),
  wrongType,
);
const nearValidRequest = fc.dictionary(fc.constantFrom(...FIELDS), fc.oneof({ arbitrary: nearValidValue, weight: 4 }, { arbitrary: hostileValue, weight: 1 }), { maxKeys: 5 });
/** Random JSON objects where the contract wants a mediasoup object (DTLS/RTP parameters, capabilities, appData). */
const mediasoupish = fc.oneof(nearValidValue, fc.object({ maxDepth: 3 }), fc.dictionary(fc.constantFrom('codecs', 'encodings', 'headerExtensions', 'rtcp', 'mid', 'role', 'fingerprints'), hostileValue, { maxKeys: 4 }));
const id = fc.oneof({ arbitrary: fc.constant(null).map(() => real.ids.at(-1) ?? 'no-id'), weight: 3 }, { arbitrary: fc.uuid(), weight: 1 }, { arbitrary: wrongType, weight: 1 });
/** Requests with each schema's fields present (so they get past validation into the handlers). */
const text = fc.record({ text: fc.oneof(fc.string({ minLength: 1, maxLength: 90 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 600 })) });
const SHAPED: Record<string, fc.Arbitrary<unknown>> = {
  'room:join': fc.record({ roomId: fc.oneof(fc.constant(ROOM), fc.string({ maxLength: 70 })), grant: nearValidValue, role: nearValidValue, displayName: fc.option(fc.string({ maxLength: 90 })) }, { requiredKeys: ['roomId', 'grant'] }),
  'room:leave': fc.constant({}),
  'transport:create': fc.record({ direction: fc.constantFrom('send', 'recv') }),
  'transport:connect': fc.record({ transportId: id, dtlsParameters: mediasoupish }),
  'transport:restartIce': fc.record({ transportId: id }),
  'producer:create': fc.record({ transportId: id, kind: fc.constantFrom('audio', 'video'), rtpParameters: mediasoupish, appData: fc.option(fc.object({ maxDepth: 2 })) }, { requiredKeys: ['transportId', 'kind', 'rtpParameters'] }),
  'consumer:create': fc.record({ transportId: id, producerId: id, rtpCapabilities: mediasoupish }),
  'producer:close': fc.record({ producerId: id }),
  'consumer:resume': fc.record({ consumerId: id }),
  'cue:send': text,
  'comment:add': text,
  'auth:refresh': fc.record({ token: nearValidValue }),
};
const shapedRequest = fc.oneof(...Object.values(SHAPED));
const payload = fc.oneof(
  { arbitrary: shapedRequest, weight: 5 },
  { arbitrary: nearValidRequest, weight: 3 },
  { arbitrary: hostileValue, weight: 4 },
  { arbitrary: protoPollution, weight: 1 },
);
/** How the arguments are laid out around the ack. */
const argShape = fc.oneof(
  { arbitrary: fc.constant('payload+ack' as const), weight: 8 },
  { arbitrary: fc.constant('ack-only' as const), weight: 1 },
  { arbitrary: fc.constant('payload+junk+ack' as const), weight: 1 },
  { arbitrary: fc.constant('payload-no-ack' as const), weight: 1 },
  { arbitrary: fc.constant('payload+non-function' as const), weight: 1 },
  { arbitrary: fc.constant('nothing' as const), weight: 1 },
);
/** An event with its own request shape (new events without a shape get near-valid requests). */
const matched = fc.constantFrom(...EVENTS).chain((event) => fc.record({ event: fc.constant(event as string), payload: SHAPED[event] ?? nearValidRequest }));
const fuzzCase = fc
  .record({ client: fc.integer({ min: 0, max: 2 }), pair: fc.oneof(matched, fc.record({ event: eventName, payload })), shape: argShape, junk: hostileValue })
  .map(({ pair, ...rest }) => ({ ...rest, ...pair }));

/** Rough wire size of a payload (Buffers count as their bytes), to know when the size limit applies. */
function wireBytes(v: unknown): number {
  let binaryBytes = 0;
  const json = JSON.stringify(v, (_k, x: unknown) => {
    if (x && typeof x === 'object' && (x as { type?: string }).type === 'Buffer' && Array.isArray((x as { data?: unknown }).data)) {
      binaryBytes += (x as { data: unknown[] }).data.length;
      return null;
    }
    return x;
  }) ?? '';
  return Buffer.byteLength(json) + binaryBytes;
}

function checkAck(event: string, a: unknown): string | null {
  if (!a || typeof a !== 'object') return `ack is not an object: ${String(a)}`;
  const ack = a as { ok?: unknown; data?: unknown; error?: { code?: unknown; message?: unknown } };
  if (ack.ok === true) return 'data' in ack ? null : 'ok ack without data';
  if (ack.ok !== false) return `ack.ok is ${String(ack.ok)}`;
  const e = ack.error;
  if (!e || typeof e.code !== 'string' || !CODES.has(e.code)) return `error ack without a contract code: ${JSON.stringify(e)?.slice(0, 300)}`;
  if (typeof e.message !== 'string' || e.message.length === 0) return `error ack without a message (${e.code})`;
  if (e.code === ErrorCode.Internal) return `INTERNAL for ${event}: ${e.message}`;
  return null;
}

describe('Socket.IO handlers under property-based fuzzing', () => {
  it(`every handler answers ${RUNS} hostile calls with a contract Ack, keeps the connection and the server up`, async () => {
    clients.push({ label: 'unjoined', socket: await connect(owner), account: owner, transportIds: [] });
    clients.push({ label: 'presenter', socket: await connect(owner), account: owner, transportIds: [] });
    // The owner mints a coach grant for themself (as in Coaching.test.ts); the coach account's token is fuzz material.
    clients.push({ label: 'coach', socket: await connect(owner), account: owner, transportIds: [] });
    real.tokens.push(owner.accessToken, coachAccount.accessToken);
    for (const c of clients) await establish(c);
    const protoBefore = prototypeKeys();
    const heapBeforeBytes = await heapUsedAfterGc();

    const seed = fuzzSeed();
    console.log(`[fuzz] socket.io seed=${seed} cases=${RUNS} events=${EVENTS.join(',')} (replay: FUZZ_SEED=${seed})`);
    const stats = { acked: 0, ok: 0, errors: Object.create(null) as Record<string, number>, noAck: 0, oversized: 0, reestablished: 0, byEvent: Object.create(null) as Record<string, number> };
    let n = 0;
    const recent: string[] = [];
    const t0 = performance.now();
    await fc.assert(
      fc.asyncProperty(fuzzCase, async (k) => {
        n++;
        // Every 500 cases the sockets go back to their roles (a fuzzed leave or join moves them).
        if (n % 500 === 0) for (const c of clients) await establish(c);
        const c = clients[k.client]!;
        if (!c.socket.connected) {
          await establish(c);
          stats.reestablished++;
        }
        stats.byEvent[k.event] = (stats.byEvent[k.event] ?? 0) + 1;
        const sent = k.shape === 'nothing' || k.shape === 'ack-only' ? [k.event] : k.shape === 'payload+ack' || k.shape === 'payload-no-ack' ? [k.event, k.payload] : [k.event, k.payload, k.junk];
        const oversized = wireBytes(sent) > MAX_MESSAGE_BYTES - 1024;
        if (oversized) stats.oversized++;
        recent.push(`#${n} ${c.label} ${JSON.stringify(k.event)} ${k.shape} ~${wireBytes(sent)} B ${JSON.stringify(k.payload)?.slice(0, 150)}`);
        if (recent.length > 4) recent.shift();
        let answer: unknown;
        let answered = false;
        const done = new Promise<void>((resolve, reject) => {
          const ack = (err: Error | null, res: unknown) => {
            if (err) reject(new Error(`no ack for ${k.event} within 5 s (${k.shape}); socket: ${serverNotes.slice(-3).join(' | ')}; recent cases:\n${recent.join('\n')}`));
            else {
              answered = true;
              answer = res;
              resolve();
            }
          };
          const s = c.socket.timeout(5000);
          switch (k.shape) {
            case 'payload+ack': s.emit(k.event, k.payload, ack); break;
            case 'ack-only': s.emit(k.event, ack); break;
            case 'payload+junk+ack': s.emit(k.event, k.payload, k.junk, ack); break;
            default:
              if (k.shape === 'payload-no-ack') c.socket.emit(k.event, k.payload);
              else if (k.shape === 'payload+non-function') c.socket.emit(k.event, k.payload, k.junk);
              else c.socket.emit(k.event);
              resolve();
          }
        });
        if (oversized) {
          // Over maxMessageBytes the server closes the connection (by design); near the limit it may
          // answer instead. Either is fine; the socket is re-established for the next case.
          const closed = new Promise<void>((r) => c.socket.once('disconnect', () => r()));
          await Promise.race([closed, new Promise((r) => setTimeout(r, 3000)), ...(answered || k.shape.endsWith('ack') || k.shape === 'ack-only' ? [done.catch(() => {})] : [])]);
          if (!c.socket.connected) await establish(c);
          return;
        }
        await done;
        if (answered) {
          stats.acked++;
          const problem = checkAck(k.event, answer);
          if (problem) throw new Error(problem);
          const a = answer as Ack<unknown>;
          if (a.ok) stats.ok++;
          else stats.errors[a.error.code] = (stats.errors[a.error.code] ?? 0) + 1;
          if (a.ok && k.event === 'transport:create') c.transportIds.push((a.data as TransportInfo).id);
        } else {
          // No ack to wait for: a probe on the same socket proves the call was survived.
          stats.noAck++;
          const probe = await request(c.socket, 'consumer:resume', {});
          expect(probe).toMatchObject({ ok: false, error: { code: ErrorCode.BadRequest } });
        }
        if (!c.socket.connected) throw new Error(`${c.label} socket was disconnected by ${k.event} (${k.shape}): ${serverNotes.slice(-3).join(' | ')}`);
        if (faults.faults.length > 0) throw new Error(faults.faults.join('\n'));
      }),
      { seed, numRuns: RUNS, endOnFailure: false },
    );
    const elapsedSec = (performance.now() - t0) / 1000;

    for (const c of clients) c.socket.disconnect();
    clients.length = 0;
    await new Promise((r) => setTimeout(r, 500));
    const heapAfterBytes = await heapUsedAfterGc();
    console.log(`[fuzz] socket.io done: ${JSON.stringify({ seed, cases: n, elapsedSec: Math.round(elapsedSec * 10) / 10, ...stats, heapBeforeMiB: mib(heapBeforeBytes), heapAfterMiB: mib(heapAfterBytes), heapGrowthMiB: mib(heapAfterBytes - heapBeforeBytes) })}`);

    expect(n).toBeGreaterThanOrEqual(RUNS);
    expect(faults.faults).toEqual([]);
    expect(prototypeKeys()).toEqual(protoBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(heapAfterBytes - heapBeforeBytes).toBeLessThan(64 * 1024 * 1024);

    // Still serving: a fresh socket joins and creates a transport.
    const s = await connect(owner);
    try {
      const join = await request<JoinResponse>(s, 'room:join', { roomId: 'after-fuzz', grant: await roomGrant(node, owner, 'after-fuzz', 'presenter') });
      expect(join).toMatchObject({ ok: true, data: { peerId: expect.any(String) } });
      expect(await request(s, 'transport:create', { direction: 'recv' })).toMatchObject({ ok: true, data: { id: expect.any(String) } });
    } finally {
      s.disconnect();
    }
  }, 300_000);
});
