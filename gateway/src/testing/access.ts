/**
 * Accounts for tests and benches, made through the same service the `npm run user` CLI uses
 * (AccountService.addUser, signIn) and room grants through the real `/v1/rooms/:room/token` route.
 */
import { randomBytes } from 'node:crypto';
import type { OrgRole, RoomGrant, RoomRole } from '@lectern/contract';
import type { LecternNode } from '../app.ts';
import type { Principal } from '../access/AccessTypes.ts';

/** A signed-in test account. */
export interface TestAccount {
  email: string;
  password: string;
  displayName: string;
  userId: string;
  orgId: string;
  role: OrgRole;
  /** A fresh access token (valid for the node's access-token lifetime). */
  accessToken: string;
  /** The refresh token (what the `lectern_refresh` cookie would carry). */
  refreshToken: string;
}

/**
 * Creates an account and signs it in. Without `orgId`, `role: 'owner'` (the default) makes a new
 * organization; another role joins the only organization. Presenters (and owners/admins) consent
 * to recording unless `consent: false`.
 */
export async function createTestAccount(
  node: LecternNode,
  opts: { role?: OrgRole; orgId?: string; email?: string; displayName?: string; orgName?: string; consent?: boolean } = {},
): Promise<TestAccount> {
  const accounts = node.sessions!.access.accounts;
  const role = opts.role ?? 'owner';
  const email = opts.email ?? `${role}-${randomBytes(4).toString('hex')}@test.lectern`;
  const password = `pw-${randomBytes(9).toString('base64url')}`;
  const displayName = opts.displayName ?? `Test ${role}`;
  await accounts.addUser({ email, password, displayName, role, orgId: opts.orgId, orgName: opts.orgName ?? `Org of ${email}` });
  const issued = await accounts.signIn(email, password);
  if (opts.consent !== false && role !== 'coach') await accounts.consent(await accounts.authenticate(issued.session.accessToken));
  return { email, password, displayName, userId: issued.session.user!.id, orgId: issued.session.org.id, role, accessToken: issued.session.accessToken, refreshToken: issued.refreshToken };
}

/**
 * Mints a room grant through `POST /v1/rooms/:room/token`.
 * @throws Error with the Problem+JSON detail when refused.
 */
export async function roomGrant(node: LecternNode, account: Pick<TestAccount, 'accessToken'>, roomId: string, role: RoomRole = 'presenter'): Promise<string> {
  const res = await fetch(`${node.url}/v1/rooms/${encodeURIComponent(roomId)}/token`, {
    method: 'POST',
    headers: { authorization: `Bearer ${account.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ role }),
  });
  const body = (await res.json()) as RoomGrant & { detail?: string };
  if (!res.ok) throw new Error(`room grant refused (${res.status}): ${body.detail}`);
  return body.grant;
}

/** `fetch` with the account's Bearer token. */
export function authFetch(account: Pick<TestAccount, 'accessToken'>, url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${account.accessToken}` } });
}

/**
 * For unit tests of one `/v1` plugin on a bare Fastify (no accounts): every request runs as the
 * owner of organization `orgId` (default `local`, where rows made without accounts live) — under
 * row-level security like a signed-in request. The full chain (token → principal) is tested in
 * test/e2e/tenancy.test.ts.
 */
export function actAsOwner(app: import('fastify').FastifyInstance, orgId = 'local'): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req) => {
    req.principal = { kind: 'user', userId: '00000000-0000-4000-8000-000000000001', orgId, role: 'owner', displayName: 'test owner', email: null, familyId: 'test', invitationId: null, guestRoomId: null, expiresAtSec: Math.floor(Date.now() / 1000) + 900 };
  });
}

/**
 * Test auth for a bare Fastify app: the request acts as `users[<x-test-user header>]` (no header
 * or an unknown name = anonymous, `principal` null), so route tests can call as several principals.
 */
export function actAsHeaderUser(app: import('fastify').FastifyInstance, users: Record<string, Principal>): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req) => {
    const who = req.headers['x-test-user'];
    if (typeof who === 'string') req.principal = users[who] ?? null;
  });
}

