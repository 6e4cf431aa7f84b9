import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  AuditKindSchema,
  ErrorCode,
  InvitationAcceptRequestSchema,
  InvitationCreateRequestSchema,
  MemberPatchSchema,
  OrgPatchSchema,
  PasswordChangeRequestSchema,
  REFRESH_COOKIE,
  RoomIdSchema,
  RoomTokenRequestSchema,
  type SetupStatus,
  SetupRequestSchema,
  SignInRequestSchema,
  SignUpRequestSchema,
} from '@lectern/contract';
import { HttpProblem, parseWith, problemErrorHandler } from '../http/v1/HttpProblem.ts';
import { AccountService, type IssuedSession } from './AccountService.ts';
import { AuditLog } from './AuditLog.ts';
import { bearer, memberOf, principalOf } from './Authenticator.ts';
import type { PrivacyService } from './PrivacyService.ts';

/** Options of {@link AccessApi}. */
export interface AccessApiOptions {
  accounts: AccountService;
  privacy: PrivacyService;
  /** Sign-in/sign-up/set-up/refresh requests per IP per window (default 20). */
  authRateLimitMax?: number;
  /** The rate-limit window, ms (default 60 000). */
  authRateLimitWindowMs?: number;
  /** `Secure` on the refresh cookie: `auto` (when the request came over HTTPS), or always/never. */
  secureCookies?: 'auto' | boolean;
}

const UUID = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a UUID');
const TokenParam = z.object({ token: z.string().min(10).max(2000).regex(/^[A-Za-z0-9._-]+$/, 'not a token') });
const AuditQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(300).optional(), kind: AuditKindSchema.optional() }).strict();

/**
 * The access API under `/v1` (Problem+JSON errors; bodies validated with the contract's zod
 * schemas): set-up, sign-up/in/out, refresh (rotating httpOnly cookie `lectern_refresh`, path
 * `/v1/auth`, SameSite=Strict, Secure under HTTPS), password change, `me` (+ consent, export,
 * delete), organization and members, invitations and `/v1/join/:token`, room grants and the audit
 * log. Sign-in, sign-up, set-up, refresh and join are rate-limited per IP (@fastify/rate-limit);
 * sign-in is also throttled per account ({@link LoginThrottle}).
 */
export class AccessApi {
  constructor(private readonly o: AccessApiOptions) {}

  /** Registers the routes (the rate-limit plugin must be registered on `app` already). */
  async register(app: FastifyInstance): Promise<void> {
    await app.register(async (v1) => this.#routes(v1), { prefix: '/v1' });
  }

  #routes(v1: FastifyInstance): void {
    const { accounts, privacy } = this.o;
    v1.setErrorHandler(problemErrorHandler);
    const limited = { config: { rateLimit: { max: this.o.authRateLimitMax ?? 20, timeWindow: this.o.authRateLimitWindowMs ?? 60_000 } } };
    // Refresh runs on every page load and every ~12 min per tab: many people behind one NAT share
    // an IP, so it gets 15× the sign-in budget (a refresh token is 256 random bits: not guessable).
    const refreshLimited = { config: { rateLimit: { max: 15 * (this.o.authRateLimitMax ?? 20), timeWindow: this.o.authRateLimitWindowMs ?? 60_000 } } };
    const ctx = (req: FastifyRequest) => ({ ip: req.ip, requestId: req.id });
    const setRefreshCookie = (req: FastifyRequest, reply: FastifyReply, issued: IssuedSession) =>
      reply.setCookie(REFRESH_COOKIE, issued.refreshToken, {
        httpOnly: true,
        sameSite: 'strict',
        secure: this.o.secureCookies === 'auto' || this.o.secureCookies === undefined ? req.protocol === 'https' : this.o.secureCookies,
        path: '/v1/auth',
        expires: issued.refreshExpiresAt,
      });
    const send = (req: FastifyRequest, reply: FastifyReply, issued: IssuedSession, code = 200) => {
      setRefreshCookie(req, reply, issued);
      return reply.code(code).header('cache-control', 'no-store').send(issued.session);
    };
    const clearCookie = (reply: FastifyReply) => reply.clearCookie(REFRESH_COOKIE, { path: '/v1/auth' });

    // ── set-up, sign-up, sign-in, refresh, sign-out ──
    v1.get('/setup', async (): Promise<SetupStatus> => ({ needsOwner: await accounts.needsOwner(), openSignUp: accounts.openSignUp }));
    v1.post('/setup', limited, async (req, reply) => send(req, reply, await accounts.setup(parseWith(SetupRequestSchema, req.body), ctx(req)), 201));
    v1.post('/auth/sign-up', limited, async (req, reply) => send(req, reply, await accounts.signUp(parseWith(SignUpRequestSchema, req.body), ctx(req)), 201));
    v1.post('/auth/sign-in', limited, async (req, reply) => {
      const { email, password } = parseWith(SignInRequestSchema, req.body);
      return send(req, reply, await accounts.signIn(email, password, ctx(req)));
    });
    v1.post('/auth/refresh', refreshLimited, async (req, reply) => {
      try {
        return send(req, reply, await accounts.refresh(req.cookies[REFRESH_COOKIE], ctx(req)));
      } catch (err) {
        clearCookie(reply);
        throw err;
      }
    });
    v1.post('/auth/sign-out', async (req, reply) => {
      await accounts.signOut(req.cookies[REFRESH_COOKIE], ctx(req));
      clearCookie(reply);
      return reply.code(204).send();
    });
    v1.post('/auth/sign-out-everywhere', async (req, reply) => {
      await accounts.signOutEverywhere(principalOf(req), ctx(req));
      clearCookie(reply);
      return reply.code(204).send();
    });
    v1.post('/auth/password', async (req, reply) => {
      const { currentPassword, newPassword } = parseWith(PasswordChangeRequestSchema, req.body);
      await accounts.changePassword(memberOf(req), currentPassword, newPassword, ctx(req));
      return reply.code(204).send();
    });

    // ── me ──
    v1.get('/me', async (req) => accounts.me(principalOf(req)));
    v1.post('/me/consent', async (req) => accounts.consent(memberOf(req)));
    v1.get('/me/export', async (req, reply) => {
      const p = memberOf(req);
      const archive = await privacy.exportArchive(p, ctx(req));
      return reply
        .type('application/zip')
        .header('content-disposition', `attachment; filename="lectern-export-${p.userId}.zip"`)
        .header('cache-control', 'no-store')
        .send(archive);
    });
    v1.delete('/me', async (req, reply) => {
      await privacy.deleteAccount(memberOf(req), ctx(req));
      clearCookie(reply);
      return reply.code(204).send();
    });

    // ── organization and members ──
    v1.get('/org', async (req) => accounts.org(principalOf(req)));
    v1.patch('/org', async (req) => accounts.patchOrg(memberOf(req), parseWith(OrgPatchSchema, req.body)));
    v1.get('/org/members', async (req) => ({ items: await accounts.listMembers(memberOf(req)) }));
    v1.patch('/org/members/:userId', async (req) => {
      const userId = parseWith(UUID, (req.params as { userId: string }).userId).toLowerCase();
      return accounts.setMemberRole(memberOf(req), userId, parseWith(MemberPatchSchema, req.body).role, ctx(req));
    });
    v1.delete('/org/members/:userId', async (req, reply) => {
      await accounts.removeMember(memberOf(req), parseWith(UUID, (req.params as { userId: string }).userId).toLowerCase(), ctx(req));
      return reply.code(204).send();
    });

    // ── invitations ──
    v1.post('/invitations', async (req, reply) => reply.code(201).send(await accounts.createInvitation(memberOf(req), parseWith(InvitationCreateRequestSchema, req.body), ctx(req))));
    v1.get('/invitations', async (req) => ({ items: await accounts.listInvitations(memberOf(req)) }));
    v1.delete('/invitations/:id', async (req, reply) => {
      await accounts.revokeInvitation(memberOf(req), parseWith(UUID, (req.params as { id: string }).id).toLowerCase(), ctx(req));
      return reply.code(204).send();
    });
    v1.get('/join/:token', async (req) => accounts.previewInvitation(parseWith(TokenParam, req.params).token));
    v1.post('/join/:token', limited, async (req, reply) => {
      const { token } = parseWith(TokenParam, req.params);
      const { displayName } = parseWith(InvitationAcceptRequestSchema, req.body);
      const { acceptance, refresh } = await accounts.acceptInvitation(token, req.principal, displayName, ctx(req));
      // A guest gets the refresh cookie of their new session; the body is the acceptance (session + grant).
      if (refresh) setRefreshCookie(req, reply, refresh);
      return reply.code(200).header('cache-control', 'no-store').send(acceptance);
    });

    // ── rooms ──
    v1.post('/rooms/:room/token', async (req) => {
      const room = parseWith(RoomIdSchema, (req.params as { room: string }).room);
      const { role } = parseWith(RoomTokenRequestSchema, req.body);
      const p = principalOf(req);
      if (role === 'presenter' && p.userId && !(await accounts.hasConsented(p.userId)))
        throw new HttpProblem(403, 'Consent needed', 'sessions are recorded: agree to recording first (POST /v1/me/consent)', undefined, ErrorCode.ConsentRequired);
      return accounts.mintRoomGrant(p, room, role);
    });

    // ── audit ──
    v1.get('/audit', async (req) => {
      const p = memberOf(req);
      if (p.role !== 'owner' && p.role !== 'admin') throw new HttpProblem(403, 'Admins only', 'only the owner and admins can read the audit log', undefined, 'FORBIDDEN');
      const q = parseWith(AuditQuery, req.query);
      try {
        return await privacy.db.asPrincipal(AccountService.dbPrincipal(p), (tx) => AuditLog.list(tx, q));
      } catch (err) {
        if (err instanceof RangeError) throw new HttpProblem(400, 'Invalid request', 'cursor is malformed; pass nextCursor of a previous page');
        throw err;
      }
    });
  }
}

export { bearer };
