/**
 * Regression found by test/fuzz/socket.fuzz.test.ts (#13): an event without a handler (a typo, an
 * event of a newer client) sent with an ack was never answered, so the client's promise hung until
 * its own timeout. Now SignalingServer answers it `BAD_REQUEST` naming the known events, and the
 * connection stays up. Against a real gateway (PostgreSQL of the run, a schema of its own).
 */
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Ack, ClientEvent, ErrorCode } from '@lectern/contract';
import { type LecternNode, startLectern } from '../app.ts';
import { Database } from '../db/Database.ts';
import { createTestAccount, type TestAccount } from '../testing/access.ts';
import { TEST_DATABASE_URL, tempDir, uniqueSchema } from '../testing/services.ts';

const work = tempDir('unknown-event');
let db: Database;
let node: LecternNode;
let owner: TestAccount;
let socket: Socket;

beforeAll(async () => {
  db = await Database.connect({ url: TEST_DATABASE_URL, schema: uniqueSchema('unknown_event') });
  node = await startLectern({ port: 0, sfuWorkers: 1, analyzerProcesses: 1, poseProcesses: 0, recording: false, logLevel: 'silent', dataDir: path.join(work.dir, 'node') }, { database: db });
  owner = await createTestAccount(node);
  socket = io(node.url, { transports: ['websocket'], reconnection: false, auth: { token: owner.accessToken } });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
}, 120_000);

afterAll(async () => {
  socket?.disconnect();
  await node?.close();
  await db?.dropSchema();
  await db?.close();
  work.cleanup();
});

it('acks an unknown event with BAD_REQUEST naming the known events; the socket stays up', async () => {
  for (const event of ['room:jion', 'toString', '__proto__', '']) {
    const ack = (await socket.timeout(2000).emitWithAck(event, { roomId: 'x' })) as Ack<never>;
    expect(ack, event).toMatchObject({ ok: false, error: { code: ErrorCode.BadRequest, message: expect.stringContaining(ClientEvent.Join) } });
  }
  // Without an ack nothing is sent back, and known events still work.
  socket.emit('room:jion', {});
  expect(await socket.timeout(2000).emitWithAck(ClientEvent.Leave, {})).toEqual({ ok: true, data: {} });
  expect(socket.connected).toBe(true);
});
