import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Sql } from 'postgres';
import type {
  AuthSession,
  Invitation,
  InvitationAcceptance,
  InvitationCreateRequestSchema,
  InvitationPreview,
  InvitationState,
  Member,
  OrgInfo,
  OrgRole,
  RoomGrant,
  RoomRole,
  UserInfo,
} from '@lectern/contract';
import type { z } from 'zod';
import type { Database, DbPrincipal } from '../db/Database.ts';
import { AccessTokenError, type Principal } from './AccessTypes.ts';
import type { AuditContext, AuditLog } from './AuditLog.ts';
import { LoginThrottle } from './LoginThrottle.ts';
import { hashPassword, verifyPassword } from './Passwords.ts';
import type { SocketRegistry } from './SocketRegistry.ts';
import type { Tokens } from './Tokens.ts';

/** An access failure with the HTTP status the API answers (Problem+JSON). */
export class AccessError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 410 | 429,
    readonly title: string,
    message: string,
    /** 429: seconds until a retry may succeed (Retry-After). */
    readonly retryAfterSec?: number,
  ) {
    super(message);
    this.name = 'AccessError';
  }
}

/** Options of {@link AccountService}. */
export interface AccountServiceOptions {
  db: Database;
  tokens: Tokens;
  audit: AuditLog;
  sockets: SocketRegistry;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Access-token lifetime, s (1–900; default 900). */
  accessTokenTtlSec?: number;
  /** Refresh-token lifetime, s (default 30 days). */
  refreshTokenTtlSec?: number;
  /** Room-grant lifetime, s (default 600: a grant is only needed to join). */
  grantTtlSec?: number;
  /** Allow sign-up without an invitation (creates a new organization). Default false. */
  openSignUp?: boolean;
  /** Per-account sign-in back-off (defaults: 5 free failures, 1 s doubling to 60 s). */
  throttle?: LoginThrottle;
}

type ResolvedOptions = Required<Omit<AccountServiceOptions, 'throttle'>> & { throttle: LoginThrottle };

/** A session just issued: the API answer plus the refresh token for the cookie. */
export interface IssuedSession {
  session: AuthSession;
  refreshToken: string;
  refreshExpiresAt: Date;
}

interface UserRow {
  id: string;
  email: string;
  passwordHash: string;
  displayName: string;
  createdAt: Date;
  recordingConsentAt: Date | null;
}
interface OrgRow {
  id: string;
  name: string;
  retentionDays: number | null;
  createdAt: Date;
}
interface InvitationRow {
  id: string;
  orgId: string;
  kind: 'org' | 'room';
  roomId: string | null;
  role: Invitation['role'];
  createdBy: string | null;
  creatorName: string | null;
  singleUse: boolean;
  allowGuests: boolean;
  uses: number;
  expiresAt: Date;
  revokedAt: Date | null;
  createdAt: Date;
}

const USER_COLS = `id, email, password_hash AS "passwordHash", display_name AS "displayName", created_at AS "createdAt", recording_consent_at AS "recordingConsentAt"`;
const ORG_COLS = `id, name, retention_days AS "retentionDays", created_at AS "createdAt"`;
const INVITATION_SELECT = `SELECT i.id, i.org_id AS "orgId", i.kind, i.room_id AS "roomId", i.role, i.created_by AS "createdBy",
  u.display_name AS "creatorName", i.single_use AS "singleUse", i.allow_guests AS "allowGuests", i.uses, i.expires_at AS "expiresAt",
  i.revoked_at AS "revokedAt", i.created_at AS "createdAt" FROM invitations i LEFT JOIN users u ON u.id = i.created_by`;
/** Tables whose rows move from org `local` into the owner's organization at set-up. */
const TENANT_TABLES = ['participants', 'media_objects', 'metric_frames', 'pauses', 'transcript_words', 'disfluency_events', 'coach_comments', 'session_cues', 'session_clips', 'session_scripts', 'analysis_jobs', 'session_analyses', 'session_scores'];

const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();
const iso = (d: Date | null): string | null => d?.toISOString() ?? null;

/**
 * Accounts, organizations, memberships, refresh tokens, room grants and invitations.
 *
 * - Passwords: argon2id ({@link hashPassword}); unknown e-mails cost the same time as wrong passwords.
 * - Sessions: a short-lived access JWT ({@link Tokens}, ≤ 15 min) plus a rotating refresh token
 *   (32 random bytes, only its SHA-256 stored). Each refresh spends the token and issues the next in
 *   the same family; presenting a spent token again revokes the family (OAuth 2.0 Security BCP
 *   §4.14.2 refresh-token rotation with reuse detection) and disconnects its sockets.
 * - Every access token is re-checked against its membership (or invitation, for guests) and its
 *   family on use ({@link authenticate}), so removal and revocation take effect immediately.
 * - First run: while there is no user a one-time {@link setupToken} exists; {@link setup} creates
 *   the first organization and its owner and moves rows of org `local` (recorded before accounts
 *   existed) into it.
 */
export class AccountService {
  readonly #o: ResolvedOptions;
  #setupToken: string | null = null;

  /** @param opts see {@link AccountServiceOptions}. */
  constructor(opts: AccountServiceOptions) {
    this.#o = {
      accessTokenTtlSec: 900,
      refreshTokenTtlSec: 30 * 86400,
      grantTtlSec: 600,
      openSignUp: false,
      ...opts,
      throttle: opts.throttle ?? new LoginThrottle(),
    };
    if (!(this.#o.accessTokenTtlSec >= 1 && this.#o.accessTokenTtlSec <= 900)) throw new RangeError('accessTokenTtlSec must be 1–900');
  }

  /** Whether sign-up without an invitation is allowed. */
  get openSignUp(): boolean {
    return this.#o.openSignUp;
  }

  /** The one-time set-up token while the server has no account; null after. */
  get setupToken(): string | null {
    return this.#setupToken;
  }

  /** Reads whether any user exists; makes a set-up token if none does. @returns the token or null. */
  async start(): Promise<string | null> {
    const [row] = await this.#o.db.sql<{ any: boolean }[]>`SELECT EXISTS (SELECT 1 FROM users) AS any`;
    this.#setupToken = row?.any ? null : randomBytes(24).toString('base64url');
    return this.#setupToken;
  }

  /** Whether the owner account is still to be created. */
  async needsOwner(): Promise<boolean> {
    if (this.#setupToken === null) return false;
    const [row] = await this.#o.db.sql<{ any: boolean }[]>`SELECT EXISTS (SELECT 1 FROM users) AS any`;
    if (row?.any) this.#setupToken = null;
    return !row?.any;
  }

  /**
   * First run: creates the organization and its owner, moves org-`local` rows into it.
   * @throws AccessError 409 when an account exists already, 403 for a wrong set-up token.
   */
  async setup(req: { setupToken: string; email: string; password: string; displayName: string; orgName: string }, ctx: AuditContext = {}): Promise<IssuedSession> {
    if (!(await this.needsOwner())) throw new AccessError(409, 'Already set up', 'the owner account exists; sign in instead');
    const want = Buffer.from(this.#setupToken ?? '');
    const got = Buffer.from(req.setupToken);
    if (want.length !== got.length || !timingSafeEqual(want, got))
      throw new AccessError(403, 'Wrong set-up link', 'the set-up token does not match; use the link the server printed at start-up');
    const { user, org } = await this.addUser({ email: req.email, password: req.password, displayName: req.displayName, role: 'owner', orgName: req.orgName });
    this.#setupToken = null;
    await this.#o.audit.record({ orgId: org.id, kind: 'sign-up', actor: { userId: user.id, email: user.email }, target: user.id, ctx, detail: { role: 'owner', via: 'setup' } });
    return this.#issue(user, org, 'owner');
  }

  /**
   * Creates an account (CLI `npm run user -- add`, tests, benches; the set-up and sign-up routes).
   * `role: 'owner'` without `orgId` creates a new organization; other roles join `orgId`, or the
   * only organization when there is exactly one. The first owner also adopts org-`local` rows.
   * @throws AccessError 409 when the e-mail is taken, 400 when the organization is ambiguous or missing.
   */
  async addUser(u: { email: string; password: string; displayName: string; role: OrgRole; orgId?: string; orgName?: string }): Promise<{ user: UserRow; org: OrgRow }> {
    const passwordHash = await hashPassword(u.password);
    return this.#o.db.sql.begin(async (tx) => {
      const [taken] = await tx`SELECT 1 FROM users WHERE email = ${u.email}`;
      if (taken) throw new AccessError(409, 'E-mail taken', `an account with ${u.email} exists; sign in instead`);
      let org: OrgRow | undefined;
      if (u.orgId) [org] = await tx.unsafe<OrgRow[]>(`SELECT ${ORG_COLS} FROM orgs WHERE id = $1`, [u.orgId]);
      else if (u.role === 'owner') {
        [org] = await tx.unsafe<OrgRow[]>(`INSERT INTO orgs (id, name) VALUES ($1, $2) RETURNING ${ORG_COLS}`, [randomUUID(), u.orgName ?? 'My organization']);
      } else {
        const orgs = await tx.unsafe<OrgRow[]>(`SELECT ${ORG_COLS} FROM orgs LIMIT 2`);
        if (orgs.length !== 1) throw new AccessError(400, 'Which organization?', orgs.length === 0 ? 'there is no organization yet: create the owner first (role owner)' : 'there are several organizations: pass the organization id');
        org = orgs[0];
      }
      if (!org) throw new AccessError(400, 'No such organization', `organization ${u.orgId} does not exist`);
      const [user] = await tx.unsafe<UserRow[]>(`INSERT INTO users (id, email, password_hash, display_name) VALUES ($1, $2, $3, $4) RETURNING ${USER_COLS}`, [
        randomUUID(),
        u.email,
        passwordHash,
        u.displayName,
      ]);
      await tx`INSERT INTO memberships (org_id, user_id, role) VALUES (${org.id}, ${user!.id}, ${u.role})`;
      const [{ n } = { n: 0 }] = await tx<{ n: number }[]>`SELECT count(*)::int AS n FROM users`;
      if (u.role === 'owner' && n === 1) await this.#adoptLocalRows(tx as unknown as Sql, org.id, user!.id);
      return { user: user!, org };
    }) as Promise<{ user: UserRow; org: OrgRow }>;
  }

  /** Moves sessions recorded before accounts existed (org `local`) into `orgId`, owned by `ownerId`. */
  async #adoptLocalRows(tx: Sql, orgId: string, ownerId: string): Promise<void> {
    const moved = await tx`UPDATE sessions SET org_id = ${orgId}, owner_user_id = COALESCE(owner_user_id, ${ownerId}) WHERE org_id = 'local'`;
    for (const t of TENANT_TABLES) await tx.unsafe(`UPDATE ${t} SET org_id = $1 WHERE org_id = 'local'`, [orgId]);
    if (moved.count > 0) this.#o.log.info({ sessions: moved.count, orgId }, 'moved sessions recorded before accounts existed into the owner organization');
  }

  /**
   * Sign-up: with an organization invitation (joins with its role) or, when open sign-up is on,
   * as the owner of a new organization.
   * @throws AccessError 403 (no invitation and sign-up closed), 409 (e-mail taken), 410/404 (invitation not usable).
   */
  async signUp(req: { email: string; password: string; displayName: string; invitation?: string; orgName?: string }, ctx: AuditContext = {}): Promise<IssuedSession> {
    if (await this.needsOwner()) throw new AccessError(403, 'Not set up', 'create the owner account first, with the set-up link the server printed');
    if (!req.invitation) {
      if (!this.#o.openSignUp) throw new AccessError(403, 'Sign-up by invitation', 'this server only accepts sign-ups through an invitation link; ask an admin for one');
      const { user, org } = await this.addUser({ ...req, role: 'owner', orgName: req.orgName ?? `${req.displayName}'s organization` });
      await this.#o.audit.record({ orgId: org.id, kind: 'sign-up', actor: { userId: user.id, email: user.email }, target: user.id, ctx, detail: { role: 'owner' } });
      return this.#issue(user, org, 'owner');
    }
    const inv = await this.#usableInvitation(req.invitation);
    if (inv.kind !== 'org') throw new AccessError(400, 'Room invitation', 'this link invites to a room, not to the organization: open it to join the room');
    const role = inv.role as OrgRole;
    await this.#spendInvitation(inv);
    const { user, org } = await this.addUser({ ...req, role, orgId: inv.orgId });
    await this.#o.audit.record({ orgId: org.id, kind: 'invite-used', actor: { userId: user.id, email: user.email }, target: inv.id, ctx, detail: { role } });
    await this.#o.audit.record({ orgId: org.id, kind: 'sign-up', actor: { userId: user.id, email: user.email }, target: user.id, ctx, detail: { role, invitation: inv.id } });
    return this.#issue(user, org, role);
  }

  /**
   * Sign-in with e-mail and password (first membership, oldest first).
   * @throws AccessError 401 (wrong e-mail or password — the same answer for both), 429 while the
   *   account is locked after repeated failures (`retryAfterSec`).
   */
  async signIn(email: string, password: string, ctx: AuditContext = {}): Promise<IssuedSession> {
    const wait = this.#o.throttle.retryAfterMs(email);
    if (wait > 0) throw new AccessError(429, 'Too many attempts', `too many failed sign-ins for this account; try again in ${Math.ceil(wait / 1000)} s`, Math.ceil(wait / 1000));
    const [user] = await this.#o.db.sql.unsafe<UserRow[]>(`SELECT ${USER_COLS} FROM users WHERE email = $1`, [email]);
    const ok = await verifyPassword(user?.passwordHash ?? null, password);
    const [m] = user && ok ? await this.#memberships(user.id) : [];
    if (!user || !ok || !m) {
      this.#o.throttle.fail(email);
      if (user) {
        const [first] = await this.#memberships(user.id);
        if (first) await this.#o.audit.record({ orgId: first.org.id, kind: 'sign-in-failed', actor: { userId: user.id, email }, target: user.id, ctx });
      }
      throw new AccessError(401, 'Wrong e-mail or password', 'the e-mail or password is wrong');
    }
    this.#o.throttle.succeed(email);
    await this.#o.audit.record({ orgId: m.org.id, kind: 'sign-in', actor: { userId: user.id, email: user.email }, target: user.id, ctx });
    return this.#issue(user, m.org, m.role);
  }

  /**
   * Rotates a refresh token: spends it and issues a new access token and refresh token in the same
   * family (with the member's current role).
   * @throws AccessError 401 when the token is unknown, expired or revoked, or was already spent (reuse:
   *   the whole family is revoked and its sockets disconnected).
   */
  async refresh(refreshToken: string | undefined, ctx: AuditContext = {}): Promise<IssuedSession> {
    if (!refreshToken) throw new AccessError(401, 'Not signed in', 'no refresh token: sign in');
    const hash = sha256(refreshToken);
    const [row] = await this.#o.db.sql<
      { id: string; familyId: string; orgId: string; userId: string | null; invitationId: string | null; guestName: string | null; guestRoomId: string | null; expiresAt: Date; spentAt: Date | null; revokedAt: Date | null }[]
    >`SELECT id, family_id AS "familyId", org_id AS "orgId", user_id AS "userId", invitation_id AS "invitationId", guest_name AS "guestName",
        guest_room_id AS "guestRoomId", expires_at AS "expiresAt", spent_at AS "spentAt", revoked_at AS "revokedAt"
      FROM refresh_tokens WHERE token_sha256 = ${hash}`;
    if (!row) throw new AccessError(401, 'Not signed in', 'the refresh token is not known: sign in');
    if (row.revokedAt) throw new AccessError(401, 'Signed out', 'this sign-in was ended (signed out or revoked): sign in again');
    // Spend it atomically: of two concurrent refreshes with one token only one wins.
    const spent = await this.#o.db.sql`UPDATE refresh_tokens SET spent_at = now() WHERE id = ${row.id} AND spent_at IS NULL AND revoked_at IS NULL`;
    if (spent.count === 0) {
      await this.revokeFamily(row.familyId, 'a spent refresh token was presented again; every session of this sign-in was ended');
      await this.#o.audit.record({ orgId: row.orgId, kind: 'refresh-reuse', actor: row.userId ? { userId: row.userId, email: null } : null, target: row.familyId, ctx });
      throw new AccessError(401, 'Refresh token reused', 'this refresh token was already used; for safety this sign-in was ended everywhere: sign in again');
    }
    if (row.expiresAt.getTime() <= Date.now()) throw new AccessError(401, 'Signed out', 'the sign-in has expired: sign in again');
    const [org] = await this.#o.db.sql.unsafe<OrgRow[]>(`SELECT ${ORG_COLS} FROM orgs WHERE id = $1`, [row.orgId]);
    if (!org) throw new AccessError(401, 'Signed out', 'the organization no longer exists');
    if (row.userId) {
      const [user] = await this.#o.db.sql.unsafe<UserRow[]>(`SELECT ${USER_COLS} FROM users WHERE id = $1`, [row.userId]);
      const m = user ? (await this.#memberships(user.id)).find((x) => x.org.id === row.orgId) : undefined;
      if (!user || !m) throw new AccessError(401, 'Signed out', 'the membership no longer exists: sign in again');
      return this.#issue(user, org, m.role, row.familyId);
    }
    const inv = row.invitationId ? await this.#invitation(row.invitationId) : undefined;
    if (!inv || invitationState(inv) === 'revoked' || invitationState(inv) === 'expired') throw new AccessError(401, 'Invitation ended', 'the invitation was revoked or has expired');
    return this.#issueGuest(org, inv, row.guestName ?? 'Guest', row.familyId);
  }

  /** Ends the sign-in of `refreshToken` (its family). Unknown tokens are ignored. */
  async signOut(refreshToken: string | undefined, ctx: AuditContext = {}): Promise<void> {
    if (!refreshToken) return;
    const [row] = await this.#o.db.sql<{ familyId: string; orgId: string; userId: string | null }[]>`
      SELECT family_id AS "familyId", org_id AS "orgId", user_id AS "userId" FROM refresh_tokens WHERE token_sha256 = ${sha256(refreshToken)}`;
    if (!row) return;
    await this.revokeFamily(row.familyId, 'you signed out');
    await this.#o.audit.record({ orgId: row.orgId, kind: 'sign-out', actor: row.userId ? { userId: row.userId, email: null } : null, target: row.familyId, ctx });
  }

  /** Ends every sign-in of the user (all families, all organizations) and disconnects their sockets. */
  async signOutEverywhere(p: Principal, ctx: AuditContext = {}): Promise<void> {
    if (!p.userId) return this.revokeFamily(p.familyId, 'you signed out');
    await this.#o.db.sql`UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = ${p.userId} AND revoked_at IS NULL`;
    this.#o.sockets.revoke({ userId: p.userId }, 'you signed out everywhere');
    await this.#o.audit.record({ orgId: p.orgId, kind: 'sign-out', actor: p, target: p.userId, ctx, detail: { everywhere: true } });
  }

  /** Revokes a refresh-token family and disconnects its sockets. */
  async revokeFamily(familyId: string, why: string): Promise<void> {
    await this.#o.db.sql`UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = ${familyId} AND revoked_at IS NULL`;
    this.#o.sockets.revoke({ familyId }, why);
  }

  /**
   * Changes the password; every other sign-in of the user ends (their sockets are disconnected).
   * @throws AccessError 403 when `currentPassword` is wrong.
   */
  async changePassword(p: Principal, currentPassword: string, newPassword: string, ctx: AuditContext = {}): Promise<void> {
    const user = await this.#user(p);
    if (!(await verifyPassword(user.passwordHash, currentPassword))) throw new AccessError(403, 'Wrong password', 'the current password is wrong');
    await this.#o.db.sql`UPDATE users SET password_hash = ${await hashPassword(newPassword)}, updated_at = now() WHERE id = ${user.id}`;
    const ended = await this.#o.db.sql<{ familyId: string }[]>`UPDATE refresh_tokens SET revoked_at = now()
      WHERE user_id = ${user.id} AND family_id <> ${p.familyId} AND revoked_at IS NULL RETURNING family_id AS "familyId"`;
    // Their live sockets end now too, not when their access tokens expire.
    for (const familyId of new Set(ended.map((r) => r.familyId))) this.#o.sockets.revoke({ familyId }, 'your password was changed; sign in again');
    await this.#o.audit.record({ orgId: p.orgId, kind: 'password-changed', actor: p, target: user.id, ctx });
  }

  /**
   * Verifies an access token and re-checks it against the database (membership and role for
   * accounts, the invitation for guests, the refresh family for both).
   * @throws AccessTokenError (missing, malformed, expired, bad-signature, wrong-audience, revoked).
   */
  async authenticate(token: string | undefined | null): Promise<Principal> {
    const c = await this.#o.tokens.verifyAccess(token);
    const [fam] = await this.#o.db.sql<{ revoked: boolean }[]>`SELECT bool_or(revoked_at IS NOT NULL) AS revoked FROM refresh_tokens WHERE family_id = ${c.fam}`;
    if (!fam || fam.revoked !== false) throw new AccessTokenError('revoked', 'this sign-in was ended: sign in again');
    if (c.role === 'guest') {
      const inv = c.inv ? await this.#invitation(c.inv) : undefined;
      const state = inv ? invitationState(inv) : 'revoked';
      if (!inv || state === 'revoked' || state === 'expired') throw new AccessTokenError('revoked', 'the invitation was revoked or has expired');
      return { kind: 'guest', userId: null, orgId: c.org, role: 'guest', displayName: c.name, email: null, familyId: c.fam, invitationId: inv.id, guestRoomId: c.room ?? inv.roomId, expiresAtSec: c.exp };
    }
    const [m] = await this.#o.db.sql<{ role: OrgRole; email: string; displayName: string }[]>`
      SELECT m.role, u.email, u.display_name AS "displayName" FROM memberships m JOIN users u ON u.id = m.user_id
      WHERE m.org_id = ${c.org} AND m.user_id = ${c.sub}`;
    if (!m) throw new AccessTokenError('revoked', 'you are no longer a member of this organization');
    return { kind: 'user', userId: c.sub, orgId: c.org, role: m.role, displayName: m.displayName, email: m.email, familyId: c.fam, invitationId: null, guestRoomId: null, expiresAtSec: c.exp };
  }

  /** The row-level security identity of a principal. */
  static dbPrincipal(p: Principal): DbPrincipal {
    return { orgId: p.orgId, userId: p.userId, role: p.role };
  }

  /** `GET /v1/me`: the caller without a token. */
  async me(p: Principal): Promise<Omit<AuthSession, 'accessToken' | 'accessTokenExpiresAt'>> {
    const [org] = await this.#o.db.sql.unsafe<OrgRow[]>(`SELECT ${ORG_COLS} FROM orgs WHERE id = $1`, [p.orgId]);
    const user = p.userId ? await this.#user(p) : null;
    return {
      user: user && userInfo(user),
      org: orgInfo(org!),
      role: p.role,
      ...(p.kind === 'guest' ? { guest: { displayName: p.displayName, roomId: p.guestRoomId ?? '' } } : {}),
    };
  }

  /** Records the user's consent to being recorded (idempotent: the first time is kept). */
  async consent(p: Principal): Promise<UserInfo> {
    if (!p.userId) throw new AccessError(403, 'Guests do not record', 'only presenters with an account record sessions');
    await this.#o.db.sql`UPDATE users SET recording_consent_at = COALESCE(recording_consent_at, now()), updated_at = now() WHERE id = ${p.userId}`;
    return userInfo(await this.#user(p));
  }

  /** Whether the user has consented to recording. */
  async hasConsented(userId: string): Promise<boolean> {
    const [r] = await this.#o.db.sql<{ at: Date | null }[]>`SELECT recording_consent_at AS at FROM users WHERE id = ${userId}`;
    return !!r?.at;
  }

  /**
   * Mints a room grant for `roomName` of the caller's organization.
   * - presenter: any member, for a room they own (the first presenter to use a name owns it);
   * - viewer: the room's owner, owner and admins; coach: owner and admins (others are invited);
   * - guests: their invitation's room and role only.
   * @throws AccessError 403 with the reason.
   */
  async mintRoomGrant(p: Principal, roomName: string, role: RoomRole): Promise<RoomGrant> {
    if (p.kind === 'guest') {
      const inv = p.invitationId ? await this.#invitation(p.invitationId) : undefined;
      if (!inv || inv.roomId !== roomName || inv.role !== role) throw new AccessError(403, 'Not invited', `your invitation is for room ${inv?.roomId ?? '?'} as ${inv?.role ?? '?'}`);
      return this.#grant(p.orgId, roomName, role, `guest:${p.familyId}`, inv.id);
    }
    const admin = p.role === 'owner' || p.role === 'admin';
    const owner = await this.#roomOwner(p.orgId, roomName, role === 'presenter' ? p.userId : null);
    if (role === 'presenter' && owner.userId !== p.userId)
      throw new AccessError(403, 'Room taken', `room "${roomName}" belongs to ${owner.displayName ?? 'another presenter'}; choose another room name`);
    if (role === 'viewer' && !admin && owner.userId !== p.userId) throw new AccessError(403, 'Not your room', `only the presenter of room "${roomName}" or an admin may watch it without an invitation`);
    if (role === 'coach' && !admin) throw new AccessError(403, 'Invitation needed', `coaches join room "${roomName}" through the presenter's invitation link`);
    return this.#grant(p.orgId, roomName, role, p.userId!, null);
  }

  /** The owner of a room; claims it for `claimFor` when unclaimed. */
  async #roomOwner(orgId: string, roomName: string, claimFor: string | null): Promise<{ userId: string | null; displayName: string | null }> {
    if (claimFor) await this.#o.db.sql`INSERT INTO rooms (org_id, name, owner_user_id) VALUES (${orgId}, ${roomName}, ${claimFor}) ON CONFLICT DO NOTHING`;
    const [r] = await this.#o.db.sql<{ userId: string | null; displayName: string | null }[]>`
      SELECT r.owner_user_id AS "userId", u.display_name AS "displayName" FROM rooms r LEFT JOIN users u ON u.id = r.owner_user_id
      WHERE r.org_id = ${orgId} AND r.name = ${roomName}`;
    return r ?? { userId: null, displayName: null };
  }

  async #grant(orgId: string, roomId: string, role: RoomRole, subject: string, invitationId: string | null): Promise<RoomGrant> {
    const g = { roomId, orgId, role, canPublish: role !== 'viewer', canSubscribe: true, subject, invitationId };
    const { token, expiresAtSec } = await this.#o.tokens.signGrant(g, this.#o.grantTtlSec);
    return { grant: token, roomId, role, canPublish: g.canPublish, canSubscribe: g.canSubscribe, expiresAt: new Date(expiresAtSec * 1000).toISOString() };
  }

  // ── Invitations ───────────────────────────────────────────────────────────────────────────

  /**
   * Creates an invitation. Room invitations: by the room's presenter (claiming an unused name),
   * the owner or an admin. Organization invitations: owner and admins.
   * @throws AccessError 403 when the caller may not invite.
   */
  async createInvitation(p: Principal, req: z.output<typeof InvitationCreateRequestSchema>, ctx: AuditContext = {}): Promise<Invitation> {
    if (p.kind === 'guest') throw new AccessError(403, 'Guests cannot invite', 'sign in with an account to invite people');
    const admin = p.role === 'owner' || p.role === 'admin';
    if (req.kind === 'org' && !admin) throw new AccessError(403, 'Admins invite members', 'only the owner and admins can invite people to the organization');
    if (req.kind === 'room' && !admin) {
      const owner = await this.#roomOwner(p.orgId, req.roomId!, p.userId);
      if (owner.userId !== p.userId) throw new AccessError(403, 'Not your room', `room "${req.roomId}" belongs to ${owner.displayName ?? 'another presenter'}`);
    }
    const id = randomUUID();
    const expiresAt = new Date(Date.now() + req.ttlSec * 1000);
    await this.#o.db.sql`INSERT INTO invitations (id, org_id, kind, room_id, role, created_by, single_use, allow_guests, expires_at)
      VALUES (${id}, ${p.orgId}, ${req.kind}, ${req.kind === 'room' ? req.roomId! : null}, ${req.role}, ${p.userId}, ${req.singleUse}, ${req.allowGuests}, ${expiresAt})`;
    const token = await this.#o.tokens.signInvitation(id, p.orgId, Math.floor(expiresAt.getTime() / 1000));
    await this.#o.audit.record({ orgId: p.orgId, kind: 'invite-created', actor: p, target: id, ctx, detail: { kind: req.kind, roomId: req.roomId ?? null, role: req.role, singleUse: req.singleUse, allowGuests: req.allowGuests } });
    return { ...invitationDto((await this.#invitation(id))!), token, path: `/join/${token}` };
  }

  /** Invitations of the caller's organization (owner/admins: all; others: their own), newest first. */
  async listInvitations(p: Principal): Promise<Invitation[]> {
    if (p.kind === 'guest') throw new AccessError(403, 'Guests cannot invite', 'sign in with an account');
    const admin = p.role === 'owner' || p.role === 'admin';
    const rows = await this.#o.db.asPrincipal(AccountService.dbPrincipal(p), (tx) =>
      tx.unsafe<InvitationRow[]>(`${INVITATION_SELECT} ${admin ? '' : 'WHERE i.created_by = $1'} ORDER BY i.created_at DESC LIMIT 200`, admin ? [] : [p.userId]),
    );
    return rows.map(invitationDto);
  }

  /**
   * Revokes an invitation: its link stops working, guests who came through it are signed out and
   * every socket that joined with a grant from it is disconnected.
   * @throws AccessError 404 (not in the caller's organization), 403 (not the creator or an admin).
   */
  async revokeInvitation(p: Principal, id: string, ctx: AuditContext = {}): Promise<void> {
    const inv = await this.#o.db.asPrincipal(AccountService.dbPrincipal(p), async (tx) => (await tx.unsafe<InvitationRow[]>(`${INVITATION_SELECT} WHERE i.id = $1`, [id]))[0]);
    if (!inv) throw new AccessError(404, 'Invitation not found', `no invitation ${id}`);
    if (!(p.role === 'owner' || p.role === 'admin' || inv.createdBy === p.userId)) throw new AccessError(403, 'Not your invitation', 'only its creator or an admin can revoke it');
    await this.#o.db.sql`UPDATE invitations SET revoked_at = COALESCE(revoked_at, now()) WHERE id = ${id}`;
    await this.#o.db.sql`UPDATE refresh_tokens SET revoked_at = now() WHERE invitation_id = ${id} AND revoked_at IS NULL`;
    const n = this.#o.sockets.revoke({ invitationId: id }, `${p.displayName} revoked the invitation you joined with`);
    await this.#o.audit.record({ orgId: p.orgId, kind: 'invite-revoked', actor: p, target: id, ctx, detail: { socketsDisconnected: n } });
  }

  /** `GET /v1/join/:token`: what an invitation link offers (no account needed). */
  async previewInvitation(token: string): Promise<InvitationPreview> {
    const inv = await this.#invitationOfToken(token);
    const [org] = await this.#o.db.sql<{ name: string }[]>`SELECT name FROM orgs WHERE id = ${inv.orgId}`;
    return { kind: inv.kind, state: invitationState(inv), orgName: org?.name ?? '', roomId: inv.roomId, role: inv.role, inviterName: inv.creatorName ?? '', allowGuests: inv.allowGuests, expiresAt: inv.expiresAt.toISOString() };
  }

  /**
   * Accepts a room invitation: for a member of its organization a grant for their account; for
   * anyone else (when it allows guests) a guest session scoped to the room plus the grant.
   * @throws AccessError 410 (expired, revoked, used), 403 (guests not allowed), 400 (organization
   *   invitation, or a guest without `displayName`).
   */
  async acceptInvitation(token: string, p: Principal | null, displayName: string | undefined, ctx: AuditContext = {}): Promise<{ acceptance: InvitationAcceptance; refresh: IssuedSession | null }> {
    const inv = await this.#usableInvitation(token);
    if (inv.kind !== 'room') throw new AccessError(400, 'Organization invitation', 'this link invites you to the organization: sign up with it (/signup?invite=…)');
    const member = p?.kind === 'user' && p.orgId === inv.orgId;
    if (!member && !inv.allowGuests) throw new AccessError(403, 'Members only', 'this invitation is for members of the organization: sign in with your account there, or ask for a link that allows guests');
    if (!member && !displayName && !p?.displayName) throw new AccessError(400, 'Name needed', 'enter the name the presenter will see');
    await this.#spendInvitation(inv);
    await this.#o.audit.record({ orgId: inv.orgId, kind: 'invite-used', actor: p?.kind === 'user' ? p : null, target: inv.id, ctx, detail: { guest: !member } });
    if (member) return { acceptance: { session: null, grant: await this.#grant(inv.orgId, inv.roomId!, inv.role as RoomRole, p!.userId!, inv.id) }, refresh: null };
    const [org] = await this.#o.db.sql.unsafe<OrgRow[]>(`SELECT ${ORG_COLS} FROM orgs WHERE id = $1`, [inv.orgId]);
    const issued = await this.#issueGuest(org!, inv, (displayName ?? p!.displayName).trim());
    const guestPrincipal = await this.authenticate(issued.session.accessToken);
    const grant = await this.#grant(inv.orgId, inv.roomId!, inv.role as RoomRole, `guest:${guestPrincipal.familyId}`, inv.id);
    return { acceptance: { session: issued.session, grant }, refresh: issued };
  }

  /** Whether invitation `id` exists and is neither revoked nor expired (used-up single-use ones stay valid for whoever used them). */
  async invitationActive(id: string): Promise<boolean> {
    const inv = await this.#invitation(id);
    const state = inv ? invitationState(inv) : 'revoked';
    return state === 'active' || state === 'used';
  }

  async #invitationOfToken(token: string): Promise<InvitationRow> {
    let id: string;
    try {
      id = (await this.#o.tokens.verifyInvitation(token)).invitationId;
    } catch (err) {
      if (err instanceof AccessTokenError && err.reason === 'expired') throw new AccessError(410, 'Invitation expired', 'this invitation link has expired; ask for a new one');
      throw new AccessError(404, 'Invitation not found', 'this invitation link is not valid');
    }
    const inv = await this.#invitation(id);
    if (!inv) throw new AccessError(404, 'Invitation not found', 'this invitation no longer exists');
    return inv;
  }

  async #usableInvitation(token: string): Promise<InvitationRow> {
    const inv = await this.#invitationOfToken(token);
    const state = invitationState(inv);
    if (state !== 'active') throw new AccessError(410, `Invitation ${state}`, state === 'used' ? 'this single-use invitation was used already; ask for a new one' : `this invitation is ${state}; ask for a new one`);
    return inv;
  }

  /** Counts a use; a single-use invitation can be spent once (atomic). @throws AccessError 410. */
  async #spendInvitation(inv: InvitationRow): Promise<void> {
    const res = await this.#o.db.sql`UPDATE invitations SET uses = uses + 1 WHERE id = ${inv.id} AND revoked_at IS NULL AND (NOT single_use OR uses = 0)`;
    if (res.count === 0) throw new AccessError(410, 'Invitation used', 'this single-use invitation was used already; ask for a new one');
  }

  async #invitation(id: string): Promise<InvitationRow | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    const [row] = await this.#o.db.sql.unsafe<InvitationRow[]>(`${INVITATION_SELECT} WHERE i.id = $1`, [id]);
    return row;
  }

  // ── Members and organization ─────────────────────────────────────────────────────────────

  /** Members of the caller's organization (owner and admins). @throws AccessError 403. */
  async listMembers(p: Principal): Promise<Member[]> {
    this.#requireAdmin(p);
    const rows = await this.#o.db.asPrincipal(AccountService.dbPrincipal(p), (tx) =>
      tx<{ userId: string; email: string; displayName: string; role: OrgRole; joinedAt: Date }[]>`
        SELECT m.user_id AS "userId", u.email, u.display_name AS "displayName", m.role, m.created_at AS "joinedAt"
        FROM memberships m JOIN users u ON u.id = m.user_id ORDER BY m.created_at`,
    );
    return rows.map((r) => ({ ...r, joinedAt: r.joinedAt.toISOString() }));
  }

  /** Changes a member's role (not the owner's; nobody becomes owner this way). @throws AccessError 403/404. */
  async setMemberRole(p: Principal, userId: string, role: 'admin' | 'coach' | 'presenter', ctx: AuditContext = {}): Promise<Member> {
    this.#requireAdmin(p);
    const before = await this.#member(p, userId);
    if (before.role === 'owner') throw new AccessError(403, 'Owner', "the owner's role cannot be changed");
    await this.#o.db.asPrincipal(AccountService.dbPrincipal(p), (tx) => tx`UPDATE memberships SET role = ${role} WHERE user_id = ${userId}`);
    await this.#o.audit.record({ orgId: p.orgId, kind: 'role-changed', actor: p, target: userId, ctx, detail: { from: before.role, to: role } });
    return { ...before, role };
  }

  /** Removes a member: their sign-ins in this organization end and their sockets disconnect. */
  async removeMember(p: Principal, userId: string, ctx: AuditContext = {}): Promise<void> {
    this.#requireAdmin(p);
    const m = await this.#member(p, userId);
    if (m.role === 'owner') throw new AccessError(403, 'Owner', 'the owner cannot be removed');
    await this.#o.db.asPrincipal(AccountService.dbPrincipal(p), (tx) => tx`DELETE FROM memberships WHERE user_id = ${userId}`);
    await this.#o.db.sql`UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = ${userId} AND org_id = ${p.orgId} AND revoked_at IS NULL`;
    const n = this.#o.sockets.revoke({ userId, orgId: p.orgId }, `${p.displayName} removed you from the organization`);
    await this.#o.audit.record({ orgId: p.orgId, kind: 'member-removed', actor: p, target: userId, ctx, detail: { role: m.role, socketsDisconnected: n } });
  }

  /** The caller's organization. */
  async org(p: Principal): Promise<OrgInfo> {
    const [org] = await this.#o.db.asPrincipal(AccountService.dbPrincipal(p), (tx) => tx.unsafe<OrgRow[]>(`SELECT ${ORG_COLS} FROM orgs`));
    if (!org) throw new AccessError(404, 'Organization not found', 'your organization no longer exists');
    return orgInfo(org);
  }

  /** Renames the organization or sets its recording retention (owner and admins). */
  async patchOrg(p: Principal, patch: { name?: string; retentionDays?: number | null }): Promise<OrgInfo> {
    this.#requireAdmin(p);
    await this.#o.db.asPrincipal(AccountService.dbPrincipal(p), async (tx) => {
      if (patch.name !== undefined) await tx`UPDATE orgs SET name = ${patch.name}`;
      if (patch.retentionDays !== undefined) await tx`UPDATE orgs SET retention_days = ${patch.retentionDays}`;
    });
    return this.org(p);
  }

  #requireAdmin(p: Principal): void {
    if (p.role !== 'owner' && p.role !== 'admin') throw new AccessError(403, 'Admins only', 'only the owner and admins of the organization can do this');
  }

  async #member(p: Principal, userId: string): Promise<Member> {
    const m = (await this.listMembers(p)).find((x) => x.userId === userId);
    if (!m) throw new AccessError(404, 'Member not found', `no member ${userId} in your organization`);
    return m;
  }

  async #memberships(userId: string): Promise<{ org: OrgRow; role: OrgRole }[]> {
    const rows = await this.#o.db.sql<(OrgRow & { role: OrgRole })[]>`
      SELECT o.id, o.name, o.retention_days AS "retentionDays", o.created_at AS "createdAt", m.role
      FROM memberships m JOIN orgs o ON o.id = m.org_id WHERE m.user_id = ${userId} ORDER BY m.created_at`;
    return rows.map(({ role, ...org }) => ({ org, role }));
  }

  async #user(p: Pick<Principal, 'userId'>): Promise<UserRow> {
    const [u] = await this.#o.db.sql.unsafe<UserRow[]>(`SELECT ${USER_COLS} FROM users WHERE id = $1`, [p.userId]);
    if (!u) throw new AccessError(401, 'Account gone', 'this account no longer exists');
    return u;
  }

  // ── Issuing ───────────────────────────────────────────────────────────────────────────────

  async #issue(user: UserRow, org: OrgRow, role: OrgRole, familyId: string = randomUUID()): Promise<IssuedSession> {
    const refresh = await this.#newRefresh({ familyId, orgId: org.id, userId: user.id });
    const { token, expiresAtSec } = await this.#o.tokens.signAccess({ sub: user.id, org: org.id, role, name: user.displayName, email: user.email, fam: familyId }, this.#o.accessTokenTtlSec);
    return { session: { accessToken: token, accessTokenExpiresAt: new Date(expiresAtSec * 1000).toISOString(), user: userInfo(user), org: orgInfo(org), role }, ...refresh };
  }

  async #issueGuest(org: OrgRow, inv: InvitationRow, displayName: string, familyId: string = randomUUID()): Promise<IssuedSession> {
    const refresh = await this.#newRefresh({ familyId, orgId: org.id, invitationId: inv.id, guestName: displayName, guestRoomId: inv.roomId });
    const { token, expiresAtSec } = await this.#o.tokens.signAccess(
      { sub: `guest:${familyId}`, org: org.id, role: 'guest', name: displayName, fam: familyId, inv: inv.id, room: inv.roomId ?? undefined },
      this.#o.accessTokenTtlSec,
    );
    return {
      session: { accessToken: token, accessTokenExpiresAt: new Date(expiresAtSec * 1000).toISOString(), user: null, org: orgInfo(org), role: 'guest', guest: { displayName, roomId: inv.roomId ?? '' } },
      ...refresh,
    };
  }

  async #newRefresh(r: { familyId: string; orgId: string; userId?: string; invitationId?: string; guestName?: string; guestRoomId?: string | null }): Promise<{ refreshToken: string; refreshExpiresAt: Date }> {
    const refreshToken = randomBytes(32).toString('base64url');
    const refreshExpiresAt = new Date(Date.now() + this.#o.refreshTokenTtlSec * 1000);
    await this.#o.db.sql`INSERT INTO refresh_tokens (id, family_id, org_id, user_id, invitation_id, guest_name, guest_room_id, token_sha256, expires_at)
      VALUES (${randomUUID()}, ${r.familyId}, ${r.orgId}, ${r.userId ?? null}, ${r.invitationId ?? null}, ${r.guestName ?? null}, ${r.guestRoomId ?? null},
        ${sha256(refreshToken)}, ${refreshExpiresAt})`;
    return { refreshToken, refreshExpiresAt };
  }
}

/** State of an invitation row now. */
export function invitationState(inv: Pick<InvitationRow, 'revokedAt' | 'expiresAt' | 'singleUse' | 'uses'>): InvitationState {
  if (inv.revokedAt) return 'revoked';
  if (inv.expiresAt.getTime() <= Date.now()) return 'expired';
  if (inv.singleUse && inv.uses > 0) return 'used';
  return 'active';
}

function invitationDto(r: InvitationRow): Invitation {
  return {
    id: r.id,
    kind: r.kind,
    roomId: r.roomId,
    role: r.role,
    singleUse: r.singleUse,
    allowGuests: r.allowGuests,
    uses: r.uses,
    state: invitationState(r),
    createdBy: { userId: r.createdBy ?? '', displayName: r.creatorName ?? '' },
    createdAt: r.createdAt.toISOString(),
    expiresAt: r.expiresAt.toISOString(),
    revokedAt: iso(r.revokedAt),
  };
}

function userInfo(u: UserRow): UserInfo {
  return { id: u.id, email: u.email, displayName: u.displayName, createdAt: u.createdAt.toISOString(), recordingConsentAt: iso(u.recordingConsentAt) };
}

function orgInfo(o: OrgRow): OrgInfo {
  return { id: o.id, name: o.name, retentionDays: o.retentionDays, createdAt: o.createdAt.toISOString() };
}
