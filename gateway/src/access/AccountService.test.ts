/**
 * Sessions, revocation and invitations of {@link AccountService} against real PostgreSQL (the
 * run's server, a schema of its own), with the real {@link Tokens}, {@link AuditLog} and
 * {@link SocketRegistry} (its sockets are plain objects recording what they were told):
 * - refresh rotation: a refresh token works once; presenting a spent one again → 401 and the whole
 *   family is revoked (the rotated token fails too, the family's access tokens fail authenticate()
 *   with reason `revoked`, its sockets get `auth:revoked` and are disconnected); two concurrent
 *   refreshes with one token → one wins;
 * - sign-out, sign-out everywhere, password change (other sign-ins end, sockets included), a
 *   removed membership, a revoked invitation (its guest), single-use invitations used twice → 410,
 *   per-account sign-in lock.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type ErrorBody } from '@lectern/contract';
import { Database } from '../db/Database.ts';
import { TEST_DATABASE_URL, uniqueSchema, waitUntil } from '../testing/services.ts';
import { AccessTokenError, type Principal, type TokenRejection } from './AccessTypes.ts';
import { AccessError, AccountService, type IssuedSession } from './AccountService.ts';
import { AuditLog } from './AuditLog.ts';
import { LoginThrottle } from './LoginThrottle.ts';
import { type RegisteredSocket, SocketRegistry } from './SocketRegistry.ts';
import { Tokens } from './Tokens.ts';

const log = { info: () => {}, warn: (o: object, m: string) => console.warn(m, o) };
let db: Database;
let sockets: SocketRegistry;
let accounts: AccountService;
let throttleNow = Date.now();
let ownerOrg = '';
let owner: Principal & { userId: string };
const PASSWORD = 'correct horse battery';

/** A Socket.IO socket stand-in: records `auth:revoked` and the disconnect. */
class FakeSocket implements RegisteredSocket {
  readonly id = `sock-${randomBytes(4).toString('hex')}`;
  readonly revoked: ErrorBody[] = [];
  disconnected = false;
  emit(_event: 'auth:revoked', error: ErrorBody): void {
    this.revoked.push(error);
  }
  disconnect(): void {
    this.disconnected = true;
  }
}

/** Registers a fake socket for the principal of `accessToken` (what the handshake does). */
async function connect(accessToken: string): Promise<FakeSocket> {
  const s = new FakeSocket();
  sockets.set(s, await accounts.authenticate(accessToken));
  return s;
}

async function rejection(p: Promise<unknown>): Promise<TokenRejection> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AccessTokenError);
    return (err as AccessTokenError).reason;
  }
  throw new Error('accepted');
}

async function status(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AccessError);
    return (err as AccessError).status;
  }
  throw new Error('succeeded');
}

async function newMember(role: 'presenter' | 'coach' | 'admin', orgId = ownerOrg): Promise<{ email: string; userId: string; issued: IssuedSession }> {
  const email = `${role}-${randomBytes(4).toString('hex')}@acct.test`;
  const { user } = await accounts.addUser({ email, password: PASSWORD, displayName: `A ${role}`, role, orgId });
  return { email, userId: user.id, issued: await accounts.signIn(email, PASSWORD) };
}

async function familyRows(familyId: string) {
  return db.sql<{ spent: boolean; revoked: boolean }[]>`SELECT spent_at IS NOT NULL AS spent, revoked_at IS NOT NULL AS revoked FROM refresh_tokens WHERE family_id = ${familyId} ORDER BY created_at`;
}

beforeAll(async () => {
  db = await Database.connect({ url: TEST_DATABASE_URL, schema: uniqueSchema('acct') });
  sockets = new SocketRegistry();
  accounts = new AccountService({
    db,
    tokens: new Tokens(randomBytes(32).toString('hex')),
    audit: new AuditLog(db, log),
    sockets,
    log,
    throttle: new LoginThrottle({ nowMs: () => throttleNow }),
  });
  await accounts.start();
  const email = `owner-${randomBytes(4).toString('hex')}@acct.test`;
  const { org } = await accounts.addUser({ email, password: PASSWORD, displayName: 'The Owner', role: 'owner', orgName: 'Acct Org' });
  ownerOrg = org.id;
  owner = (await accounts.authenticate((await accounts.signIn(email, PASSWORD)).session.accessToken)) as Principal & { userId: string };
}, 60_000);

afterAll(async () => {
  sockets?.close();
  await db?.dropSchema();
  await db?.close();
});

describe('refresh-token rotation with reuse detection', () => {
  it('a refresh token works once; reusing a spent one revokes the whole family, its access tokens and its sockets', async () => {
    const { issued, userId } = await newMember('presenter');
    const first = await accounts.authenticate(issued.session.accessToken);
    const sock1 = await connect(issued.session.accessToken);

    const r2 = await accounts.refresh(issued.refreshToken);
    expect(r2.refreshToken).not.toBe(issued.refreshToken);
    expect(r2.session.user?.id).toBe(userId);
    const second = await accounts.authenticate(r2.session.accessToken);
    expect(second.familyId).toBe(first.familyId); // same family, rotated
    const sock2 = await connect(r2.session.accessToken);
    // An unrelated sign-in of the same user (another family) must survive what follows.
    const other = await accounts.signIn((await db.sql<{ email: string }[]>`SELECT email FROM users WHERE id = ${userId}`)[0]!.email, PASSWORD);
    const sockOther = await connect(other.session.accessToken);
    expect(await familyRows(first.familyId)).toEqual([{ spent: true, revoked: false }, { spent: false, revoked: false }]);

    // Replay of the spent token (a stolen copy): 401, and the family ends.
    const replay = await status(accounts.refresh(issued.refreshToken));
    expect(replay).toBe(401);
    await expect(accounts.refresh(issued.refreshToken)).rejects.toThrow(/ended|used/);
    expect(await status(accounts.refresh(r2.refreshToken))).toBe(401); // the rotated one fails now too
    expect(await rejection(accounts.authenticate(issued.session.accessToken))).toBe('revoked');
    expect(await rejection(accounts.authenticate(r2.session.accessToken))).toBe('revoked');
    expect((await familyRows(first.familyId)).every((r) => r.revoked)).toBe(true);
    for (const s of [sock1, sock2]) {
      expect(s.revoked).toEqual([{ code: ErrorCode.AccessRevoked, message: expect.stringMatching(/spent refresh token/) }]);
      await waitUntil(() => s.disconnected, 2000, 'the family socket disconnected');
    }
    expect(sockets.principal(sock1.id)).toBeUndefined();
    // The other sign-in is untouched.
    await expect(accounts.authenticate(other.session.accessToken)).resolves.toMatchObject({ userId });
    expect(sockOther.revoked).toEqual([]);
    expect(sockOther.disconnected).toBe(false);
    const [audit] = await db.sql`SELECT kind, target FROM audit_events WHERE kind = 'refresh-reuse' AND target = ${first.familyId}`;
    expect(audit).toMatchObject({ kind: 'refresh-reuse' });
    sockets.delete(sockOther.id);
  });

  it('two concurrent refreshes with one token: exactly one is issued, the other counts as reuse', async () => {
    const { issued } = await newMember('presenter');
    const results = await Promise.allSettled([accounts.refresh(issued.refreshToken), accounts.refresh(issued.refreshToken)]);
    const ok = results.filter((r): r is PromiseFulfilledResult<IssuedSession> => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(failed).toHaveLength(1);
    expect((failed[0]!.reason as AccessError).status).toBe(401);
    // The reuse ended the family, including the token the winner got.
    expect(await status(accounts.refresh(ok[0]!.value.refreshToken))).toBe(401);
  });

  it('unknown, empty and expired refresh tokens are refused', async () => {
    expect(await status(accounts.refresh(undefined))).toBe(401);
    expect(await status(accounts.refresh(randomBytes(32).toString('base64url')))).toBe(401);
    const { issued } = await newMember('presenter');
    await db.sql`UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE token_sha256 = sha256(${Buffer.from(issued.refreshToken)})`;
    expect(await status(accounts.refresh(issued.refreshToken))).toBe(401);
  });
});

describe('sign-out, password change, membership removal', () => {
  it('sign-out revokes the family: refresh 401, access token revoked, sockets told and closed', async () => {
    const { issued } = await newMember('presenter');
    const sock = await connect(issued.session.accessToken);
    await accounts.signOut(issued.refreshToken);
    expect(await status(accounts.refresh(issued.refreshToken))).toBe(401);
    expect(await rejection(accounts.authenticate(issued.session.accessToken))).toBe('revoked');
    expect(sock.revoked).toEqual([{ code: ErrorCode.AccessRevoked, message: 'you signed out' }]);
    await waitUntil(() => sock.disconnected, 2000, 'socket closed');
    await accounts.signOut(issued.refreshToken); // twice: no error
    await accounts.signOut(undefined);
  });

  it('sign-out everywhere ends every sign-in of the user', async () => {
    const { email, issued } = await newMember('presenter');
    const second = await accounts.signIn(email, PASSWORD);
    const sock = await connect(second.session.accessToken);
    await accounts.signOutEverywhere(await accounts.authenticate(issued.session.accessToken));
    for (const s of [issued, second]) {
      expect(await rejection(accounts.authenticate(s.session.accessToken))).toBe('revoked');
      expect(await status(accounts.refresh(s.refreshToken))).toBe(401);
    }
    expect(sock.revoked).toHaveLength(1);
  });

  it('a password change ends the other sign-ins (and their sockets), keeps this one, and the old password stops working', async () => {
    const { email, issued } = await newMember('presenter');
    const other = await accounts.signIn(email, PASSWORD);
    const otherSock = await connect(other.session.accessToken);
    const mySock = await connect(issued.session.accessToken);
    const me = await accounts.authenticate(issued.session.accessToken);
    expect(await status(accounts.changePassword(me, 'not the password', 'a new password 123'))).toBe(403);
    await accounts.changePassword(me, PASSWORD, 'a new password 123');
    expect(await rejection(accounts.authenticate(other.session.accessToken))).toBe('revoked');
    expect(await status(accounts.refresh(other.refreshToken))).toBe(401);
    await expect(accounts.authenticate(issued.session.accessToken)).resolves.toMatchObject({ userId: me.userId });
    await expect(accounts.refresh(issued.refreshToken)).resolves.toBeTruthy();
    expect(await status(accounts.signIn(email, PASSWORD))).toBe(401);
    await expect(accounts.signIn(email, 'a new password 123')).resolves.toBeTruthy();
    // The other sign-in's live socket is ended at once, not at its token's expiry.
    expect(otherSock.revoked).toEqual([{ code: ErrorCode.AccessRevoked, message: expect.stringMatching(/password/) }]);
    await waitUntil(() => otherSock.disconnected, 2000, 'the other sign-in socket closed');
    expect(mySock.revoked).toEqual([]);
    expect(mySock.disconnected).toBe(false);
    sockets.delete(mySock.id);
  });

  it('a removed member can no longer authenticate or refresh; their sockets are closed', async () => {
    const { userId, issued } = await newMember('coach');
    const sock = await connect(issued.session.accessToken);
    await expect(accounts.authenticate(issued.session.accessToken)).resolves.toMatchObject({ role: 'coach' });
    await accounts.removeMember(owner, userId);
    expect(await rejection(accounts.authenticate(issued.session.accessToken))).toBe('revoked');
    expect(await status(accounts.refresh(issued.refreshToken))).toBe(401);
    expect(sock.revoked).toEqual([{ code: ErrorCode.AccessRevoked, message: expect.stringMatching(/removed you from the organization$/) }]);
    await waitUntil(() => sock.disconnected, 2000, 'socket closed');
    // Role changes take effect on the next request (authenticate reads the membership).
    const p = await newMember('presenter');
    await accounts.setMemberRole(owner, p.userId, 'coach');
    await expect(accounts.authenticate(p.issued.session.accessToken)).resolves.toMatchObject({ role: 'coach' });
    // The owner cannot be removed or demoted.
    expect(await status(accounts.removeMember(owner, owner.userId))).toBe(403);
    expect(await status(accounts.setMemberRole(owner, owner.userId, 'presenter'))).toBe(403);
    // Someone else's organization's member is "not found" to this owner.
    const { org } = await accounts.addUser({ email: `o2-${randomBytes(3).toString('hex')}@acct.test`, password: PASSWORD, displayName: 'Other owner', role: 'owner', orgName: 'Other' });
    const stranger = await newMember('presenter', org.id);
    expect(await status(accounts.removeMember(owner, stranger.userId))).toBe(404);
    await expect(accounts.authenticate(stranger.issued.session.accessToken)).resolves.toMatchObject({ orgId: org.id });
  });

  it('locks an account after repeated wrong passwords (429 with Retry-After), the right password after the lock works', async () => {
    const { email } = await newMember('presenter');
    // 5 free failures; the 5th sets a 1 s lock (doubling with each further failure)…
    for (let i = 0; i < 5; i++) expect(await status(accounts.signIn(email, 'wrong password!'))).toBe(401);
    let err: AccessError | undefined;
    await accounts.signIn(email, PASSWORD).catch((e: AccessError) => (err = e));
    expect(err).toMatchObject({ status: 429, retryAfterSec: 1 }); // …which refuses even the right password
    throttleNow += 1100;
    expect(await status(accounts.signIn(email, 'wrong password!'))).toBe(401); // the 6th failure: 2 s
    await accounts.signIn(email, PASSWORD).catch((e: AccessError) => (err = e));
    expect(err).toMatchObject({ status: 429, retryAfterSec: 2 });
    throttleNow += 2100;
    await expect(accounts.signIn(email, PASSWORD)).resolves.toBeTruthy();
    // Unknown e-mails get the same 401.
    expect(await status(accounts.signIn(`nobody-${randomBytes(3).toString('hex')}@acct.test`, PASSWORD))).toBe(401);
  });
});

describe('invitations', () => {
  it('a revoked invitation ends its guest: authenticate fails, refresh fails, sockets closed, the link is gone', async () => {
    const inv = await accounts.createInvitation(owner, { kind: 'room', roomId: 'acct-room', role: 'coach', ttlSec: 3600, singleUse: false, allowGuests: true });
    const { acceptance, refresh } = await accounts.acceptInvitation(inv.token!, null, 'Gus Guest');
    expect(acceptance.session).toMatchObject({ role: 'guest', user: null, guest: { displayName: 'Gus Guest', roomId: 'acct-room' } });
    expect(acceptance.grant).toMatchObject({ roomId: 'acct-room', role: 'coach' });
    const guest = await accounts.authenticate(acceptance.session!.accessToken);
    expect(guest).toMatchObject({ kind: 'guest', userId: null, orgId: ownerOrg, invitationId: inv.id, guestRoomId: 'acct-room' });
    // A guest may only get a grant for the invited room and role.
    await expect(accounts.mintRoomGrant(guest, 'acct-room', 'coach')).resolves.toMatchObject({ roomId: 'acct-room' });
    expect(await status(accounts.mintRoomGrant(guest, 'another-room', 'coach'))).toBe(403);
    expect(await status(accounts.mintRoomGrant(guest, 'acct-room', 'presenter'))).toBe(403);
    const sock = await connect(acceptance.session!.accessToken);

    await accounts.revokeInvitation(owner, inv.id);
    expect(await rejection(accounts.authenticate(acceptance.session!.accessToken))).toBe('revoked');
    expect(await status(accounts.refresh(refresh!.refreshToken))).toBe(401);
    expect(sock.revoked).toEqual([{ code: ErrorCode.AccessRevoked, message: expect.stringMatching(/invitation/) }]);
    await waitUntil(() => sock.disconnected, 2000, 'guest socket closed');
    expect(await status(accounts.acceptInvitation(inv.token!, null, 'Another Guest'))).toBe(410);
    await expect(accounts.previewInvitation(inv.token!)).resolves.toMatchObject({ state: 'revoked' });
    expect(await accounts.invitationActive(inv.id)).toBe(false);
  });

  it('a single-use invitation used twice → 410 (also when both uses race)', async () => {
    const room = await accounts.createInvitation(owner, { kind: 'room', roomId: 'acct-room-2', role: 'viewer', ttlSec: 3600, singleUse: true, allowGuests: true });
    await accounts.acceptInvitation(room.token!, null, 'First');
    expect(await status(accounts.acceptInvitation(room.token!, null, 'Second'))).toBe(410);
    await expect(accounts.previewInvitation(room.token!)).resolves.toMatchObject({ state: 'used' });

    const org = await accounts.createInvitation(owner, { kind: 'org', role: 'presenter', ttlSec: 3600, singleUse: true, allowGuests: false });
    const signUp = (tag: string) => accounts.signUp({ email: `${tag}-${randomBytes(3).toString('hex')}@acct.test`, password: PASSWORD, displayName: tag, invitation: org.token! });
    const raced = await Promise.allSettled([signUp('racer-a'), signUp('racer-b')]);
    expect(raced.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = raced.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
    expect((lost.reason as AccessError).status).toBe(410);
    expect(await status(signUp('late'))).toBe(410);
    const n = (await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM users WHERE display_name IN ('racer-a', 'racer-b', 'late')`)[0]!.n;
    expect(n).toBe(1);
  });

  it('an expired invitation → 410, a tampered link → 404, members of other organizations cannot use a members-only link', async () => {
    const inv = await accounts.createInvitation(owner, { kind: 'room', roomId: 'acct-room-3', role: 'coach', ttlSec: 3600, singleUse: false, allowGuests: false });
    const { org } = await accounts.addUser({ email: `o3-${randomBytes(3).toString('hex')}@acct.test`, password: PASSWORD, displayName: 'Third owner', role: 'owner', orgName: 'Third' });
    const outsider = await newMember('presenter', org.id);
    expect(await status(accounts.acceptInvitation(inv.token!, await accounts.authenticate(outsider.issued.session.accessToken), undefined))).toBe(403);
    expect(await status(accounts.acceptInvitation(inv.token!, null, 'Anon'))).toBe(403);
    const [h, p, s] = inv.token!.split('.');
    expect(await status(accounts.acceptInvitation(`${h}.${p}.${s!.slice(0, 10)}${s![10] === 'A' ? 'B' : 'A'}${s!.slice(11)}`, null, 'Anon'))).toBe(404);
    await db.sql`UPDATE invitations SET expires_at = now() - interval '1 second' WHERE id = ${inv.id}`;
    expect(await status(accounts.acceptInvitation(inv.token!, null, 'Anon'))).toBe(410);
  });
});

describe('audit log', () => {
  it('lists newest first under row-level security, filters by kind and pages with the cursor', async () => {
    const asOwner = <T>(fn: (tx: import('postgres').Sql) => Promise<T>) => db.asPrincipal(AccountService.dbPrincipal(owner), fn);
    const all = await asOwner((tx) => AuditLog.list(tx, { limit: 200 }));
    expect(all.items.length).toBeGreaterThan(5);
    expect(new Set(all.items.map((e) => e.kind)).size).toBeGreaterThan(1);
    expect(all.items.every((e, i, a) => i === 0 || a[i - 1]!.at >= e.at)).toBe(true);
    const signIns = await asOwner((tx) => AuditLog.list(tx, { limit: 200, kind: 'sign-in' }));
    expect(signIns.items.length).toBeGreaterThan(0);
    expect(signIns.items.every((e) => e.kind === 'sign-in')).toBe(true);
    expect(signIns.items.length).toBe(all.items.filter((e) => e.kind === 'sign-in').length);
    // Pages of 2 walk the same events as one page.
    const walked: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await asOwner((tx) => AuditLog.list(tx, { limit: 2, cursor, kind: 'sign-in' }));
      walked.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(walked).toEqual(signIns.items.map((e) => e.id));
    await expect(asOwner((tx) => AuditLog.list(tx, { limit: 2, cursor: 'not-a-cursor' }))).rejects.toThrow(RangeError);
    // Presenters and coaches read none (RLS), nor does anyone outside the organization.
    const p = await newMember('presenter');
    const presenter = await accounts.authenticate(p.issued.session.accessToken);
    expect((await db.asPrincipal(AccountService.dbPrincipal(presenter), (tx) => AuditLog.list(tx, { limit: 200 }))).items).toEqual([]);
    const { org } = await accounts.addUser({ email: `o4-${randomBytes(3).toString('hex')}@acct.test`, password: PASSWORD, displayName: 'Fourth owner', role: 'owner', orgName: 'Fourth' });
    const theirs = await db.asPrincipal({ orgId: org.id, userId: null, role: 'owner' }, (tx) => AuditLog.list(tx, { limit: 200 }));
    expect(theirs.items.filter((e) => all.items.some((x) => x.id === e.id))).toEqual([]);
  });
});
