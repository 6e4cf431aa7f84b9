// Mock of the gateway's access API for front-end work (mock-gateway.mjs): one organization
// "Rehearsal Club" whose owner Olivia is signed in (the refresh "cookie" is the mock's state), a
// few members, invitations kept in memory, room grants, `/v1/join/:token` previews and guest
// acceptance, and an audit log. Tokens are unsigned JWT-shaped strings with `iat`/`exp` (5 min).
//
//   GET /mock/auth-mode?set=signed-in|signed-out|first-run   (default signed-in)
//
// `first-run`: `GET /v1/setup` says needsOwner until `POST /v1/setup` with any token of ≥ 16 chars.
import { randomUUID } from 'node:crypto';

const TTL_SEC = 300;
let mode = 'signed-in';
const now = () => new Date().toISOString();
const org = { id: 'org-mock', name: 'Rehearsal Club', retentionDays: 90, createdAt: '2026-11-01T09:00:00.000Z' };
const owner = { id: '00000000-0000-4000-8000-000000000001', email: 'olivia@example.org', displayName: 'Olivia Owner', createdAt: '2026-11-01T09:00:00.000Z', recordingConsentAt: '2026-11-01T09:05:00.000Z' };
const members = [
  { userId: owner.id, email: owner.email, displayName: owner.displayName, role: 'owner', joinedAt: owner.createdAt },
  { userId: '00000000-0000-4000-8000-000000000002', email: 'adam@example.org', displayName: 'Adam Admin', role: 'admin', joinedAt: '2026-11-03T10:00:00.000Z' },
  { userId: '00000000-0000-4000-8000-000000000003', email: 'cora@example.org', displayName: 'Cora Coach', role: 'coach', joinedAt: '2026-11-05T16:20:00.000Z' },
  { userId: '00000000-0000-4000-8000-000000000004', email: 'pete@example.org', displayName: 'Pete Presenter', role: 'presenter', joinedAt: '2026-11-09T08:45:00.000Z' },
];
/** @type {Map<string, any>} by token */
const invitations = new Map();
const audit = [];
let auditSeq = 0;
function record(kind, target, detail = {}) {
  audit.unshift({ id: String(++auditSeq), at: now(), kind, actorUserId: owner.id, actorEmail: owner.email, target, ip: '127.0.0.1', requestId: `req-${auditSeq}`, detail });
}
record('sign-in', owner.id);

const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
function token(sub, extra = {}) {
  const iat = Math.floor(Date.now() / 1000);
  return { token: `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, iat, exp: iat + TTL_SEC, ...extra })}.mock`, expiresAt: new Date((iat + TTL_SEC) * 1000).toISOString() };
}
function session(guest) {
  const t = token(guest ? `guest:${guest.displayName}` : owner.id);
  return guest
    ? { accessToken: t.token, accessTokenExpiresAt: t.expiresAt, user: null, org, role: 'guest', guest }
    : { accessToken: t.token, accessTokenExpiresAt: t.expiresAt, user: owner, org, role: 'owner' };
}
function grant(roomId, role) {
  const t = token(owner.id, { room: roomId, role });
  return { grant: t.token, roomId, role, canPublish: role !== 'viewer', canSubscribe: true, expiresAt: new Date(Date.now() + 3600_000).toISOString() };
}
function view(inv) {
  const state = inv.revokedAt ? 'revoked' : Date.parse(inv.expiresAt) < Date.now() ? 'expired' : inv.singleUse && inv.uses > 0 ? 'used' : 'active';
  const { token: _t, path: _p, ...rest } = inv;
  return { ...rest, state };
}

const json = (res, status, body, headers = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers }).end(body === undefined ? '' : JSON.stringify(body));
};
const problem = (res, status, title, detail, code) => json(res, status, { type: 'about:blank', title, status, detail, ...(code ? { code } : {}) }, { 'content-type': 'application/problem+json' });
const readBody = (req) =>
  new Promise((resolve) => {
    let s = '';
    req.on('data', (c) => (s += c));
    req.on('end', () => {
      try {
        resolve(s ? JSON.parse(s) : {});
      } catch {
        resolve({});
      }
    });
  });

/** Handles `/mock/auth-mode` and the access routes; returns false for anything else. */
export async function handleMockAuth(req, res, pathname, search) {
  const m = req.method;
  if (pathname === '/mock/auth-mode') {
    mode = new URLSearchParams(search).get('set') ?? 'signed-in';
    return json(res, 200, { mode }), true;
  }
  if (pathname === '/v1/setup' && m === 'GET') return json(res, 200, { needsOwner: mode === 'first-run', openSignUp: false }), true;
  if (pathname === '/v1/setup' && m === 'POST') {
    const b = await readBody(req);
    if (mode !== 'first-run') return problem(res, 409, 'Already set up', 'this server already has its owner account', 'OUT_OF_ORDER'), true;
    if (typeof b.setupToken !== 'string' || b.setupToken.length < 16) return problem(res, 403, 'Bad set-up token', 'the set-up token is not valid', 'FORBIDDEN'), true;
    mode = 'signed-in';
    return json(res, 201, session()), true;
  }
  if (pathname === '/v1/auth/refresh') {
    if (mode !== 'signed-in') return problem(res, 401, 'Not signed in', 'no refresh token: sign in', 'UNAUTHENTICATED'), true;
    return json(res, 200, session()), true;
  }
  if (pathname === '/v1/auth/sign-in') {
    const b = await readBody(req);
    if (b.password !== 'correct horse battery staple') return problem(res, 401, 'Wrong credentials', 'wrong e-mail address or password', 'UNAUTHENTICATED'), true;
    mode = 'signed-in';
    return json(res, 200, session()), true;
  }
  if (pathname === '/v1/auth/sign-out' || pathname === '/v1/auth/sign-out-everywhere') {
    mode = 'signed-out';
    return json(res, 204), true;
  }
  if (pathname === '/v1/auth/password') return json(res, 204), true;
  if (pathname === '/v1/me' && m === 'GET') return json(res, 200, { user: owner, org, role: 'owner' }), true;
  if (pathname === '/v1/me/consent') return json(res, 200, owner), true;
  if (pathname === '/v1/org' && m === 'GET') return json(res, 200, org), true;
  if (pathname === '/v1/org' && m === 'PATCH') {
    Object.assign(org, await readBody(req));
    return json(res, 200, org), true;
  }
  if (pathname === '/v1/org/members') return json(res, 200, { items: members }), true;
  const mm = /^\/v1\/org\/members\/([^/]+)$/.exec(pathname);
  if (mm) {
    const i = members.findIndex((x) => x.userId === mm[1]);
    if (i < 0) return problem(res, 404, 'Not a member', 'no such member'), true;
    if (m === 'DELETE') {
      record('member-removed', members[i].userId);
      members.splice(i, 1);
      return json(res, 204), true;
    }
    members[i] = { ...members[i], role: (await readBody(req)).role };
    record('role-changed', members[i].userId, { role: members[i].role });
    return json(res, 200, members[i]), true;
  }
  if (pathname === '/v1/invitations' && m === 'POST') {
    const b = await readBody(req);
    const id = randomUUID();
    const t = `inv.${Buffer.from(id).toString('base64url')}`;
    const inv = {
      id, kind: b.kind ?? 'room', roomId: b.roomId ?? null, role: b.role ?? 'coach', singleUse: !!b.singleUse, allowGuests: !!b.allowGuests, uses: 0,
      createdBy: { userId: owner.id, displayName: owner.displayName }, createdAt: now(), expiresAt: new Date(Date.now() + (b.ttlSec ?? 604800) * 1000).toISOString(), revokedAt: null,
      token: t, path: `/join/${t}`,
    };
    invitations.set(t, inv);
    record('invite-created', id, { kind: inv.kind, role: inv.role });
    return json(res, 201, { ...view(inv), token: t, path: inv.path }), true;
  }
  if (pathname === '/v1/invitations' && m === 'GET') return json(res, 200, { items: [...invitations.values()].reverse().map(view) }), true;
  const im = /^\/v1\/invitations\/([^/]+)$/.exec(pathname);
  if (im && m === 'DELETE') {
    const inv = [...invitations.values()].find((x) => x.id === im[1]);
    if (!inv) return problem(res, 404, 'Invitation not found', 'no such invitation'), true;
    inv.revokedAt = now();
    record('invite-revoked', inv.id);
    return json(res, 204), true;
  }
  const jm = /^\/v1\/join\/([^/]+)$/.exec(pathname);
  if (jm) {
    const inv = invitations.get(jm[1]);
    if (!inv) return problem(res, 403, 'Invalid invitation', 'the invitation link is malformed', 'FORBIDDEN'), true;
    const v = view(inv);
    if (m === 'GET') return json(res, 200, { kind: v.kind, state: v.state, orgName: org.name, roomId: v.roomId, role: v.role, inviterName: owner.displayName, allowGuests: v.allowGuests, expiresAt: v.expiresAt }), true;
    if (v.state !== 'active') return problem(res, 410, `Invitation ${v.state}`, `this invitation is ${v.state}`), true;
    const b = await readBody(req);
    inv.uses++;
    record('invite-used', inv.id, { guest: !req.headers.authorization });
    const guest = req.headers.authorization ? null : { displayName: b.displayName ?? 'Guest', roomId: inv.roomId };
    return json(res, 200, { session: guest ? session(guest) : null, grant: grant(inv.roomId, inv.role) }), true;
  }
  const rm = /^\/v1\/rooms\/([^/]+)\/token$/.exec(pathname);
  if (rm) return json(res, 200, grant(decodeURIComponent(rm[1]), (await readBody(req)).role ?? 'presenter')), true;
  if (pathname === '/v1/audit') return json(res, 200, { items: audit, nextCursor: null }), true;
  return false;
}
