/**
 * Accounts, organizations, room grants and invitations: the shapes of `/v1/auth/*`, `/v1/me`,
 * `/v1/org/*`, `/v1/invitations`, `/v1/join/:token`, `/v1/rooms/:room/token` and `/v1/audit`
 * (gateway `src/access/`), shared by the gateway and the web app. Dates are ISO-8601 strings.
 *
 * Identity: `POST /v1/auth/sign-in` (or sign-up, set-up, refresh) answers an {@link AuthSession}
 * whose `accessToken` (a JWT, HS256, ≤ 15 min) goes in `Authorization: Bearer …` and in the
 * Socket.IO handshake (`io(url, { auth: { token } })`); a rotating refresh token travels only in
 * the httpOnly `lectern_refresh` cookie (path `/v1/auth`). A room is entered with a
 * {@link RoomGrant} (`room:join { roomId, grant }`), minted for a member by
 * `POST /v1/rooms/:room/token` or for an invitee by `POST /v1/join/:token`.
 */
import { z } from 'zod';
import { RoomIdSchema } from './signaling.ts';

/** Role of a member in an organization (see the README's access matrix). */
export const OrgRoleSchema = z.enum(['owner', 'admin', 'coach', 'presenter']);
export type OrgRole = z.infer<typeof OrgRoleSchema>;

/** Role a room grant gives a peer. */
export const RoomRoleSchema = z.enum(['presenter', 'coach', 'viewer']);
export type RoomRole = z.infer<typeof RoomRoleSchema>;

/** E-mail address, trimmed and lower-cased (the account key). */
export const EmailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email('not an e-mail address').max(254, 'e-mail address longer than 254 characters'));

/** Shortest password accepted (NIST SP 800-63B §3.1.1.2: at least 8; we ask for 10). */
export const PASSWORD_MIN_CHARS = 10;
/** Password: 10–256 characters, any characters (no composition rules, NIST SP 800-63B). */
export const PasswordSchema = z
  .string()
  .min(PASSWORD_MIN_CHARS, `password must be at least ${PASSWORD_MIN_CHARS} characters`)
  .max(256, 'password longer than 256 characters');

/** Display name: 1–80 characters after trimming. */
export const DisplayNameSchema = z.string().trim().min(1, 'name is empty').max(80, 'name longer than 80 characters');

/** `POST /v1/auth/sign-in`. */
export const SignInRequestSchema = z.object({ email: EmailSchema, password: z.string().min(1).max(256) }).strict();
export type SignInRequest = z.input<typeof SignInRequestSchema>;

/**
 * `POST /v1/auth/sign-up`: with `invitation` (an organization invitation's token) the account joins
 * that organization with the invitation's role; without one (only when the server allows open
 * sign-up, `LECTERN_SIGNUP=open`) it creates a new organization `orgName` and owns it.
 */
export const SignUpRequestSchema = z
  .object({
    email: EmailSchema,
    password: PasswordSchema,
    displayName: DisplayNameSchema,
    invitation: z.string().min(10).max(2000).optional(),
    orgName: z.string().trim().min(1).max(80).optional(),
  })
  .strict();
export type SignUpRequest = z.input<typeof SignUpRequestSchema>;

/** `GET /v1/setup`: whether the server still has no account (the first run). */
export interface SetupStatus {
  /** True until the owner account exists; `/` then offers "Create the owner account". */
  needsOwner: boolean;
  /** Whether `POST /v1/auth/sign-up` without an invitation is allowed (`LECTERN_SIGNUP=open`). */
  openSignUp: boolean;
}

/**
 * `POST /v1/setup`: creates the first organization and its owner. `setupToken` is the one-time
 * token of the set-up link the server prints while it has no account.
 */
export const SetupRequestSchema = z
  .object({
    setupToken: z.string().min(16).max(200),
    email: EmailSchema,
    password: PasswordSchema,
    displayName: DisplayNameSchema,
    orgName: z.string().trim().min(1).max(80).default('My organization'),
  })
  .strict();
export type SetupRequest = z.input<typeof SetupRequestSchema>;

/** `POST /v1/auth/password`. */
export const PasswordChangeRequestSchema = z.object({ currentPassword: z.string().min(1).max(256), newPassword: PasswordSchema }).strict();
export type PasswordChangeRequest = z.input<typeof PasswordChangeRequestSchema>;

/** A user as the API shows it. */
export interface UserInfo {
  id: string;
  email: string;
  displayName: string;
  createdAt: string;
  /** When the user consented to being recorded (`POST /v1/me/consent`); null before. */
  recordingConsentAt: string | null;
}

/** An organization as the API shows it. */
export interface OrgInfo {
  id: string;
  name: string;
  /** Recordings older than this many days are deleted by a daily job; null keeps them. */
  retentionDays: number | null;
  createdAt: string;
}

/**
 * Who the caller is: the answer of sign-in, sign-up, set-up and refresh, and (without
 * `accessToken`) of `GET /v1/me`. A guest (invited without an account) has `user: null` and role
 * `guest`, scoped to one room.
 */
export interface AuthSession {
  /** JWT for `Authorization: Bearer` and the Socket.IO handshake. */
  accessToken: string;
  /** Expiry of `accessToken` (≤ 15 min after issue); refresh before it. */
  accessTokenExpiresAt: string;
  user: UserInfo | null;
  org: OrgInfo;
  role: OrgRole | 'guest';
  /** Guests only: the display name they gave and the one room they may enter. */
  guest?: { displayName: string; roomId: string };
}

/** `POST /v1/rooms/:room/token` body: the role wanted in the room. */
export const RoomTokenRequestSchema = z.object({ role: RoomRoleSchema.default('presenter') }).strict();
export type RoomTokenRequest = z.input<typeof RoomTokenRequestSchema>;

/** A room grant: what `room:join` needs, valid until `expiresAt` (joining after it is refused). */
export interface RoomGrant {
  /** The signed grant (JWT) to pass as `room:join { grant }`. */
  grant: string;
  roomId: string;
  role: RoomRole;
  canPublish: boolean;
  canSubscribe: boolean;
  expiresAt: string;
}

/** Organization invitation or room invitation. */
export const InvitationKindSchema = z.enum(['org', 'room']);
export type InvitationKind = z.infer<typeof InvitationKindSchema>;

/**
 * `POST /v1/invitations`. `room`: a coach or viewer for one room (`roomId`); `allowGuests` lets a
 * person without an account join with a display name only. `org`: a new member with `role`
 * (admin, coach or presenter), who signs up through the link.
 */
export const InvitationCreateRequestSchema = z
  .object({
    kind: InvitationKindSchema.default('room'),
    roomId: RoomIdSchema.optional(),
    role: z.enum(['admin', 'coach', 'presenter', 'viewer']).default('coach'),
    /** Link lifetime, 60 s – 30 days (default 7 days). */
    ttlSec: z.number().int().min(60).max(30 * 86400).default(7 * 86400),
    singleUse: z.boolean().default(false),
    allowGuests: z.boolean().default(false),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.kind === 'room') {
      if (!v.roomId) ctx.addIssue({ code: 'custom', path: ['roomId'], message: 'a room invitation needs roomId' });
      if (v.role !== 'coach' && v.role !== 'viewer') ctx.addIssue({ code: 'custom', path: ['role'], message: 'a room invitation is for role coach or viewer' });
    } else {
      if (v.role === 'viewer') ctx.addIssue({ code: 'custom', path: ['role'], message: 'an organization invitation is for role admin, coach or presenter' });
      if (v.allowGuests) ctx.addIssue({ code: 'custom', path: ['allowGuests'], message: 'guests can only be invited to a room' });
    }
  });
export type InvitationCreateRequest = z.input<typeof InvitationCreateRequestSchema>;

/** State of an invitation as the API shows it. */
export type InvitationState = 'active' | 'expired' | 'revoked' | 'used';

/** An invitation (`GET /v1/invitations`, the answer of `POST /v1/invitations`). */
export interface Invitation {
  id: string;
  kind: InvitationKind;
  roomId: string | null;
  role: 'admin' | 'coach' | 'presenter' | 'viewer';
  singleUse: boolean;
  allowGuests: boolean;
  uses: number;
  state: InvitationState;
  createdBy: { userId: string; displayName: string };
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  /** The link's path, `/join/<token>` (only in the answer of `POST /v1/invitations`). */
  path?: string;
  /** The signed token (only in the answer of `POST /v1/invitations`). */
  token?: string;
}

/** `GET /v1/join/:token` (no account needed): what the link offers, for the join page. */
export interface InvitationPreview {
  kind: InvitationKind;
  state: InvitationState;
  orgName: string;
  roomId: string | null;
  role: Invitation['role'];
  inviterName: string;
  allowGuests: boolean;
  expiresAt: string;
}

/**
 * `POST /v1/join/:token`: accept an invitation. Signed in (Bearer) → the grant is for the account;
 * otherwise `displayName` is required and the invitation must allow guests → a guest
 * {@link AuthSession} scoped to the room. Organization invitations are accepted by signing up.
 */
export const InvitationAcceptRequestSchema = z.object({ displayName: DisplayNameSchema.optional() }).strict();
export type InvitationAcceptRequest = z.input<typeof InvitationAcceptRequestSchema>;

/** `POST /v1/join/:token` answer. */
export interface InvitationAcceptance {
  /** Present for guests (and for members, a fresh session is not needed: null). */
  session: AuthSession | null;
  grant: RoomGrant;
}

/** A member of the caller's organization (`GET /v1/org/members`). */
export interface Member {
  userId: string;
  email: string;
  displayName: string;
  role: OrgRole;
  joinedAt: string;
}

/** `PATCH /v1/org/members/:userId`. */
export const MemberPatchSchema = z.object({ role: z.enum(['admin', 'coach', 'presenter']) }).strict();

/** `PATCH /v1/org` (owner and admins). */
export const OrgPatchSchema = z
  .object({
    name: z.string().trim().min(1).max(80).optional(),
    /** 1–3650 days, or null to keep recordings forever. */
    retentionDays: z.number().int().min(1).max(3650).nullable().optional(),
  })
  .strict();

/** Kinds of audit events. */
export const AuditKindSchema = z.enum([
  'sign-in',
  'sign-in-failed',
  'sign-up',
  'sign-out',
  'password-changed',
  'refresh-reuse',
  'invite-created',
  'invite-used',
  'invite-revoked',
  'session-viewed',
  'session-exported',
  'session-deleted',
  'role-changed',
  'member-removed',
  'account-exported',
  'account-deleted',
  'retention-deleted',
]);
export type AuditKind = z.infer<typeof AuditKindSchema>;

/** One audit event (`GET /v1/audit`, admins and the owner). */
export interface AuditEvent {
  id: string;
  at: string;
  kind: AuditKind;
  actorUserId: string | null;
  actorEmail: string | null;
  /** What it was about, e.g. a session id, an invitation id, a user id. */
  target: string | null;
  ip: string | null;
  requestId: string | null;
  detail: Record<string, unknown>;
}

/** `GET /v1/audit?limit&cursor`. */
export interface AuditPage {
  items: AuditEvent[];
  nextCursor: string | null;
}

/** `PATCH /v1/sessions/:id` (the session's presenter, admins). */
export const SessionPatchSchema = z
  .object({
    title: z.string().trim().max(120).nullable().optional(),
    /** Let the organization's coaches see this session. */
    sharedWithCoaches: z.boolean().optional(),
  })
  .strict();
export type SessionPatch = z.input<typeof SessionPatchSchema>;

/** Socket.IO `auth:refresh` request: a newer access token for the connected socket. */
export const AuthRefreshRequestSchema = z.object({ token: z.string().min(10).max(4000) }).strict();
export type AuthRefreshRequest = z.input<typeof AuthRefreshRequestSchema>;

/** Socket.IO `auth:refresh` acknowledgement data. */
export interface AuthRefreshResponse {
  /** The socket now stays authorized until this time (the new token's expiry). */
  expiresAt: string;
}

/** Name of the httpOnly refresh-token cookie (path `/v1/auth`). */
export const REFRESH_COOKIE = 'lectern_refresh';
/** Longest access-token lifetime the server issues, seconds. */
export const ACCESS_TOKEN_MAX_TTL_SEC = 900;
