/**
 * First run on a server that recorded sessions before accounts existed (org `local`): creating the
 * owner moves those sessions and all their rows into the owner's organization, owned by the owner,
 * so they stay visible under row-level security.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Database } from '../db/Database.ts';
import { SessionRepository } from '../db/SessionRepository.ts';
import { TEST_DATABASE_URL, uniqueSchema } from '../testing/services.ts';
import { AccountService } from './AccountService.ts';
import { AuditLog } from './AuditLog.ts';
import { SocketRegistry } from './SocketRegistry.ts';
import { Tokens } from './Tokens.ts';

let db: Database;
const log = { info: () => {}, warn: () => {} };
beforeAll(async () => {
  db = await Database.connect({ url: TEST_DATABASE_URL, schema: uniqueSchema('adopt') });
});
afterAll(async () => {
  await db?.dropSchema();
  await db?.close();
});

it('moves org-local sessions, frames, words and comments into the first owner organization', async () => {
  const repo = new SessionRepository(db.sql);
  const id = randomUUID();
  await repo.createSession({ id, roomId: 'old-room', nodeId: 'n1' }); // org 'local', no owner
  await repo.insertFrames([{ sessionId: id, producerId: 'p', kind: 'voice', mediaTimeSec: 1, windowSec: 0.1, serverTimeMs: Date.now(), payload: { levelDbfs: -20, f0Hz: 120, vadProb: 0.9, isSpeech: true, pauseSec: 0, speakingRatio: 1, pitchVariabilitySt: null, concealedPackets: 0 } }]);
  await repo.insertWords([{ sessionId: id, producerId: 'p', segmentId: 1, word: 'hello', startSec: 1, endSec: 1.4, confidence: null }]);
  await repo.insertComment({ id: randomUUID(), sessionId: id, authorPeerId: 'c', authorName: 'Coach', text: 'nice', mediaTimeSec: 1 });
  const accounts = new AccountService({ db, tokens: new Tokens('x'.repeat(32)), audit: new AuditLog(db, log), sockets: new SocketRegistry(), log });
  expect(await accounts.start()).toMatch(/^[A-Za-z0-9_-]{32}$/); // no user yet: a set-up token
  const { user, org } = await accounts.addUser({ email: 'owner@adopt.test', password: 'long enough pw', displayName: 'Owner', role: 'owner' });
  const [s] = await db.sql`SELECT org_id, owner_user_id FROM sessions WHERE id = ${id}`;
  expect(s).toEqual({ org_id: org.id, owner_user_id: user.id });
  for (const t of ['metric_frames', 'transcript_words', 'coach_comments']) {
    const rows = await db.sql.unsafe(`SELECT DISTINCT org_id FROM ${t} WHERE session_id = $1`, [id]);
    expect(rows.map((r) => r.org_id), t).toEqual([org.id]);
  }
  // and the owner sees it through row-level security
  const seen = await db.asPrincipal({ orgId: org.id, userId: user.id, role: 'owner' }, (tx) => new SessionRepository(tx).getSession(id));
  expect(seen?.roomId).toBe('old-room');
  expect(await accounts.needsOwner()).toBe(false);
});
