import { randomUUID } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import type { RoomRole } from '@lectern/contract';
import { type AccessClaims, AccessTokenError, type VerifiedGrant } from './AccessTypes.ts';

const ISSUER = 'lectern';
const AUD = { access: 'lectern:access', room: 'lectern:room', invite: 'lectern:invite' } as const;

/**
 * Signs and verifies Lectern's JWTs with `jose` (HS256, RFC 7519; one 256-bit key): access tokens
 * (`lectern:access`), room grants (`lectern:room`) and invitation links (`lectern:invite`). The
 * audience keeps one kind from being used as another. Clock skew tolerated: 5 s.
 */
export class Tokens {
  readonly #key: Uint8Array;

  /**
   * @param secret signing key material (≥ 32 characters; `LECTERN_JWT_SECRET` or generated into
   *   the data dir, see Secrets.ts).
   * @param nowSec clock, Unix seconds (tests pass a controllable one).
   * @throws RangeError when the secret is shorter than 32 characters.
   */
  constructor(
    secret: string,
    private readonly nowSec: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    if (secret.length < 32) throw new RangeError('the JWT signing secret must be at least 32 characters');
    this.#key = new TextEncoder().encode(secret);
  }

  /** Signs an access token valid `ttlSec` seconds. @returns the token and its expiry (Unix s). */
  async signAccess(claims: AccessClaims, ttlSec: number): Promise<{ token: string; expiresAtSec: number }> {
    const { sub, ...rest } = claims;
    return this.#sign(rest, sub, AUD.access, ttlSec);
  }

  /** @throws AccessTokenError (missing, malformed, expired, bad-signature, wrong-audience). */
  async verifyAccess(token: string | undefined | null): Promise<AccessClaims & { exp: number }> {
    const p = await this.#verify(token, AUD.access);
    if (typeof p.org !== 'string' || typeof p.role !== 'string' || typeof p.fam !== 'string') throw new AccessTokenError('malformed', 'the access token lacks org, role or family');
    return p as unknown as AccessClaims & { exp: number };
  }

  /** Signs a room grant valid `ttlSec` seconds. */
  async signGrant(g: Omit<VerifiedGrant, 'expiresAtSec'>, ttlSec: number): Promise<{ token: string; expiresAtSec: number }> {
    return this.#sign({ room: g.roomId, org: g.orgId, role: g.role, pub: g.canPublish, subs: g.canSubscribe, ...(g.invitationId ? { inv: g.invitationId } : {}) }, g.subject, AUD.room, ttlSec);
  }

  /** @throws AccessTokenError when the grant is missing, malformed, expired or not ours. */
  async verifyGrant(token: string | undefined | null): Promise<VerifiedGrant> {
    const p = await this.#verify(token, AUD.room);
    if (typeof p.room !== 'string' || typeof p.org !== 'string' || typeof p.role !== 'string') throw new AccessTokenError('malformed', 'the room grant lacks room, org or role');
    return {
      roomId: p.room,
      orgId: p.org,
      role: p.role as RoomRole,
      canPublish: p.pub === true,
      canSubscribe: p.subs === true,
      subject: p.sub!,
      invitationId: typeof p.inv === 'string' ? p.inv : null,
      expiresAtSec: p.exp!,
    };
  }

  /** Signs an invitation link token for invitation `id` of `orgId`, valid until `expiresAtSec`. */
  async signInvitation(id: string, orgId: string, expiresAtSec: number): Promise<string> {
    return (await this.#sign({ org: orgId }, id, AUD.invite, expiresAtSec - this.nowSec(), id)).token;
  }

  /** @returns the invitation id and org. @throws AccessTokenError. */
  async verifyInvitation(token: string | undefined | null): Promise<{ invitationId: string; orgId: string; expiresAtSec: number }> {
    const p = await this.#verify(token, AUD.invite);
    if (typeof p.org !== 'string' || typeof p.sub !== 'string') throw new AccessTokenError('malformed', 'the invitation link is malformed');
    return { invitationId: p.sub, orgId: p.org, expiresAtSec: p.exp! };
  }

  async #sign(payload: Record<string, unknown>, sub: string, aud: string, ttlSec: number, jti: string = randomUUID()): Promise<{ token: string; expiresAtSec: number }> {
    const iat = this.nowSec();
    const expiresAtSec = iat + Math.max(1, Math.floor(ttlSec));
    const token = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(aud)
      .setSubject(sub)
      .setJti(jti)
      .setIssuedAt(iat)
      .setExpirationTime(expiresAtSec)
      .sign(this.#key);
    return { token, expiresAtSec };
  }

  async #verify(token: string | undefined | null, aud: string) {
    if (!token) throw new AccessTokenError('missing', 'no token: sign in first');
    try {
      const { payload } = await jwtVerify(token, this.#key, {
        issuer: ISSUER,
        audience: aud,
        algorithms: ['HS256'],
        clockTolerance: 5,
        currentDate: new Date(this.nowSec() * 1000),
      });
      if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number') throw new AccessTokenError('malformed', 'the token lacks sub or exp');
      return payload;
    } catch (err) {
      if (err instanceof AccessTokenError) throw err;
      if (err instanceof errors.JWTExpired) throw new AccessTokenError('expired', 'the token has expired: refresh it (POST /v1/auth/refresh) or sign in again');
      if (err instanceof errors.JWSSignatureVerificationFailed) throw new AccessTokenError('bad-signature', 'the token signature is not valid');
      if (err instanceof errors.JWTClaimValidationFailed && (err.claim === 'aud' || err.claim === 'iss'))
        throw new AccessTokenError('wrong-audience', `the token is not a ${aud.replace('lectern:', '')} token`);
      throw new AccessTokenError('malformed', 'the token is malformed');
    }
  }
}
