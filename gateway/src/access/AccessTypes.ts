import type { OrgRole, RoomRole } from '@lectern/contract';

/**
 * Who a request or socket is, as verified from its access token (and re-checked against the
 * membership or invitation row, so a removed member or revoked invitation loses access at once).
 */
export interface Principal {
  /** `user` (an account) or `guest` (an invitee without an account, scoped to one room). */
  kind: 'user' | 'guest';
  /** The account; null for guests. */
  userId: string | null;
  /** The organization the token is for. */
  orgId: string;
  role: OrgRole | 'guest';
  displayName: string;
  /** Accounts only. */
  email: string | null;
  /** Refresh-token family the access token was issued from (sign-out revokes it). */
  familyId: string;
  /** Guests: the invitation and room. */
  invitationId: string | null;
  guestRoomId: string | null;
  /** Access-token expiry, Unix seconds. */
  expiresAtSec: number;
}

/** Claims of an access token (JWT, HS256, audience `lectern:access`). */
export interface AccessClaims {
  sub: string;
  org: string;
  role: OrgRole | 'guest';
  name: string;
  email?: string;
  fam: string;
  inv?: string;
  room?: string;
}

/** A verified room grant (JWT, audience `lectern:room`). */
export interface VerifiedGrant {
  roomId: string;
  orgId: string;
  role: RoomRole;
  canPublish: boolean;
  canSubscribe: boolean;
  /** Subject it was minted for: a user id or `guest:<familyId>`. */
  subject: string;
  /** The invitation it came from, if any (revoking it disconnects the peer). */
  invitationId: string | null;
  expiresAtSec: number;
}

/** Why a token was refused. */
export type TokenRejection = 'missing' | 'malformed' | 'expired' | 'bad-signature' | 'wrong-audience' | 'revoked';

/** Thrown by the token checks; `reason` says why (tests switch on it). */
export class AccessTokenError extends Error {
  constructor(
    readonly reason: TokenRejection,
    message: string,
  ) {
    super(message);
    this.name = 'AccessTokenError';
  }
}
