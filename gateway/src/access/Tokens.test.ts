/**
 * The JWT checks of {@link Tokens} (jose, HS256): every way a token can be wrong is refused with
 * the {@link AccessTokenError} reason callers switch on — missing, malformed (garbage, `alg: none`,
 * another algorithm), expired (beyond the 5 s skew), bad-signature (payload or signature edited,
 * another key), wrong-audience (a room grant used as an access token and vice versa, invitation
 * links, another issuer). Real tokens, a controllable clock; no mocks.
 */
import { createHmac } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { type AccessClaims, AccessTokenError, type TokenRejection } from './AccessTypes.ts';
import { Tokens } from './Tokens.ts';

const SECRET = 'test-secret-0123456789abcdef-0123456789';
const OTHER_SECRET = 'another-secret-0123456789abcdef-9876543210';
const CLAIMS: AccessClaims = { sub: '6f1c2a4e-0000-4000-8000-000000000001', org: 'org-a', role: 'presenter', name: 'Ada', email: 'ada@example.org', fam: 'fam-1' };
const GRANT = { roomId: 'demo', orgId: 'org-a', role: 'presenter' as const, canPublish: true, canSubscribe: true, subject: CLAIMS.sub, invitationId: null };

/** A Tokens instance on a clock the test moves. */
function clocked(secret = SECRET, startSec = 1_800_000_000) {
  let now = startSec;
  return { tokens: new Tokens(secret, () => now), advance: (s: number) => (now += s), now: () => now };
}

/** The reason `p` is rejected with (fails the test when it resolves or throws something else). */
async function reason(p: Promise<unknown>): Promise<TokenRejection> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AccessTokenError);
    return (err as AccessTokenError).reason;
  }
  throw new Error('the token was accepted');
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const parts = (token: string) => token.split('.') as [string, string, string];
const payloadOf = (token: string) => JSON.parse(Buffer.from(parts(token)[1], 'base64url').toString('utf8')) as Record<string, unknown>;

describe('Tokens: access tokens', () => {
  it('accepts its own token and returns the claims', async () => {
    const { tokens, now } = clocked();
    const { token, expiresAtSec } = await tokens.signAccess(CLAIMS, 900);
    expect(expiresAtSec).toBe(now() + 900);
    const c = await tokens.verifyAccess(token);
    expect(c).toMatchObject({ ...CLAIMS, exp: expiresAtSec, aud: 'lectern:access', iss: 'lectern' });
  });

  it('refuses a missing token (missing) and garbage (malformed)', async () => {
    const { tokens } = clocked();
    for (const t of [undefined, null, '']) expect(await reason(tokens.verifyAccess(t))).toBe('missing');
    for (const t of ['abc', 'a.b.c', 'not a jwt at all', `${b64({ alg: 'HS256' })}.${b64({ sub: 'x' })}`]) expect(await reason(tokens.verifyAccess(t)), t).toBe('malformed');
  });

  it('refuses an expired token once the 5 s clock skew is over (expired)', async () => {
    const { tokens, advance } = clocked();
    const { token } = await tokens.signAccess(CLAIMS, 60);
    advance(60 + 4);
    await expect(tokens.verifyAccess(token)).resolves.toMatchObject({ sub: CLAIMS.sub }); // within the skew
    advance(2);
    expect(await reason(tokens.verifyAccess(token))).toBe('expired');
    // …and stays expired.
    advance(86_400);
    expect(await reason(tokens.verifyAccess(token))).toBe('expired');
  });

  it('refuses an edited payload, an edited signature and another key (bad-signature)', async () => {
    const { tokens } = clocked();
    const { token } = await tokens.signAccess(CLAIMS, 900);
    const [h, , s] = parts(token);
    // Payload edited: promote to owner, move to another organization, extend the expiry.
    for (const edit of [{ role: 'owner' }, { org: 'org-b' }, { exp: payloadOf(token).exp as number + 86_400 }, { sub: '6f1c2a4e-0000-4000-8000-000000000002' }]) {
      const forged = `${h}.${b64({ ...payloadOf(token), ...edit })}.${s}`;
      expect(await reason(tokens.verifyAccess(forged)), JSON.stringify(edit)).toBe('bad-signature');
    }
    // Signature edited: one character in the middle (the last one may only carry padding bits).
    const i = Math.floor(s.length / 2);
    const sig2 = s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    expect(await reason(tokens.verifyAccess(`${h}.${parts(token)[1]}.${sig2}`))).toBe('bad-signature');
    // Signature of another token.
    const other = (await tokens.signAccess({ ...CLAIMS, role: 'owner' }, 900)).token;
    expect(await reason(tokens.verifyAccess(`${h}.${parts(token)[1]}.${parts(other)[2]}`))).toBe('bad-signature');
    // Signed with another secret (e.g. another server): the same claims, a valid HS256 JWT.
    const foreign = await clocked(OTHER_SECRET).tokens.signAccess(CLAIMS, 900);
    expect(await reason(tokens.verifyAccess(foreign.token))).toBe('bad-signature');
    // …and our token at the other server.
    expect(await reason(clocked(OTHER_SECRET).tokens.verifyAccess(token))).toBe('bad-signature');
  });

  it('refuses alg none and other algorithms, even with the right key (malformed)', async () => {
    const { tokens, now } = clocked();
    const { token } = await tokens.signAccess(CLAIMS, 900);
    const payload = payloadOf(token);
    // RFC 7519 §6 unsecured JWT: header alg none, empty signature (also with the original signature kept).
    for (const alg of ['none', 'None', 'NONE']) {
      expect(await reason(tokens.verifyAccess(`${b64({ alg, typ: 'JWT' })}.${b64({ ...payload, role: 'owner' })}.`)), alg).toBe('malformed');
      expect(await reason(tokens.verifyAccess(`${b64({ alg, typ: 'JWT' })}.${parts(token)[1]}.${parts(token)[2]}`)), alg).toBe('malformed');
    }
    // HS512 / HS384 with the very same key: a correct signature, but not the algorithm we accept.
    const key = new TextEncoder().encode(SECRET);
    for (const alg of ['HS384', 'HS512']) {
      const t = await new SignJWT({ org: CLAIMS.org, role: CLAIMS.role, name: CLAIMS.name, fam: CLAIMS.fam })
        .setProtectedHeader({ alg })
        .setIssuer('lectern')
        .setAudience('lectern:access')
        .setSubject(CLAIMS.sub)
        .setIssuedAt(now())
        .setExpirationTime(now() + 900)
        .sign(key);
      expect(await reason(tokens.verifyAccess(t)), alg).toBe('malformed');
    }
    // A hand-made HS256 token with header alg none but an HMAC signature: the header decides, refused.
    const h = b64({ alg: 'none' });
    const p = parts(token)[1];
    const mac = createHmac('sha256', SECRET).update(`${h}.${p}`).digest('base64url');
    expect(await reason(tokens.verifyAccess(`${h}.${p}.${mac}`))).toBe('malformed');
  });

  it('refuses a well-signed token without the claims it needs (malformed)', async () => {
    const { tokens, now } = clocked();
    const key = new TextEncoder().encode(SECRET);
    const base = () => new SignJWT({ org: 'org-a', role: 'owner' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('lectern').setAudience('lectern:access').setIssuedAt(now());
    // No family (so it could never be revoked), no subject, no expiry.
    expect(await reason(tokens.verifyAccess(await base().setSubject(CLAIMS.sub).setExpirationTime(now() + 900).sign(key)))).toBe('malformed');
    const noSub = await new SignJWT({ org: 'org-a', role: 'owner', fam: 'f' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('lectern').setAudience('lectern:access').setExpirationTime(now() + 900).sign(key);
    expect(await reason(tokens.verifyAccess(noSub))).toBe('malformed');
    const noExp = await new SignJWT({ org: 'org-a', role: 'owner', fam: 'f' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('lectern').setAudience('lectern:access').setSubject(CLAIMS.sub).sign(key);
    expect(await reason(tokens.verifyAccess(noExp))).toBe('malformed');
  });

  it('refuses another issuer (wrong-audience)', async () => {
    const { tokens, now } = clocked();
    const t = await new SignJWT({ org: 'org-a', role: 'owner', name: 'x', fam: 'f' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('someone-else')
      .setAudience('lectern:access')
      .setSubject(CLAIMS.sub)
      .setExpirationTime(now() + 900)
      .sign(new TextEncoder().encode(SECRET));
    expect(await reason(tokens.verifyAccess(t))).toBe('wrong-audience');
  });

  it('rejects secrets shorter than 32 characters', () => {
    expect(() => new Tokens('short')).toThrow(RangeError);
    expect(() => new Tokens('x'.repeat(31))).toThrow(RangeError);
    expect(() => new Tokens('x'.repeat(32))).not.toThrow();
  });
});

describe('Tokens: one kind is never another (audience)', () => {
  it('a room grant is not an access token, an access token is not a room grant (wrong-audience)', async () => {
    const { tokens } = clocked();
    const grant = (await tokens.signGrant(GRANT, 600)).token;
    const access = (await tokens.signAccess(CLAIMS, 900)).token;
    const invite = await tokens.signInvitation('6f1c2a4e-0000-4000-8000-00000000000a', 'org-a', 1_800_000_000 + 3600);
    // A grant carries org and role claims too: only the audience tells them apart.
    expect(payloadOf(grant)).toMatchObject({ org: 'org-a', role: 'presenter', aud: 'lectern:room' });
    expect(await reason(tokens.verifyAccess(grant))).toBe('wrong-audience');
    expect(await reason(tokens.verifyAccess(invite))).toBe('wrong-audience');
    expect(await reason(tokens.verifyGrant(access))).toBe('wrong-audience');
    expect(await reason(tokens.verifyGrant(invite))).toBe('wrong-audience');
    expect(await reason(tokens.verifyInvitation(access))).toBe('wrong-audience');
    expect(await reason(tokens.verifyInvitation(grant))).toBe('wrong-audience');
    // Each is accepted as what it is.
    await expect(tokens.verifyGrant(grant)).resolves.toMatchObject({ roomId: 'demo', orgId: 'org-a', role: 'presenter', subject: CLAIMS.sub, invitationId: null });
    await expect(tokens.verifyInvitation(invite)).resolves.toMatchObject({ invitationId: '6f1c2a4e-0000-4000-8000-00000000000a', orgId: 'org-a' });
  });

  it('room grants: expired, edited (another room, another org) and foreign are refused', async () => {
    const { tokens, advance } = clocked();
    const { token } = await tokens.signGrant(GRANT, 600);
    const [h, , s] = parts(token);
    for (const edit of [{ room: 'other-room' }, { org: 'org-b' }, { role: 'coach' }, { sub: 'guest:x' }]) {
      expect(await reason(tokens.verifyGrant(`${h}.${b64({ ...payloadOf(token), ...edit })}.${s}`)), JSON.stringify(edit)).toBe('bad-signature');
    }
    expect(await reason(clocked(OTHER_SECRET).tokens.verifyGrant(token))).toBe('bad-signature');
    expect(await reason(tokens.verifyGrant(`${b64({ alg: 'none' })}.${parts(token)[1]}.`))).toBe('malformed');
    advance(606);
    expect(await reason(tokens.verifyGrant(token))).toBe('expired');
  });

  it('invitation links: expired and edited are refused', async () => {
    const { tokens, advance, now } = clocked();
    const token = await tokens.signInvitation('6f1c2a4e-0000-4000-8000-00000000000b', 'org-a', now() + 120);
    const [h, , s] = parts(token);
    expect(await reason(tokens.verifyInvitation(`${h}.${b64({ ...payloadOf(token), org: 'org-b' })}.${s}`))).toBe('bad-signature');
    advance(126);
    expect(await reason(tokens.verifyInvitation(token))).toBe('expired');
  });
});
