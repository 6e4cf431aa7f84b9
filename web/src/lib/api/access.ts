import type {
  AuditPage,
  Invitation,
  InvitationAcceptance,
  InvitationCreateRequest,
  InvitationPreview,
  Member,
  OrgInfo,
  OrgRole,
  PasswordChangeRequest,
  RoomGrant,
  RoomRole,
  SetupStatus,
  UserInfo,
} from '@lectern/contract';
import { api, type ApiClient, type RequestOptions } from './client';

/** `GET /v1/me`. */
export interface Me {
  user: UserInfo;
  org: OrgInfo;
  role: OrgRole;
}

const enc = encodeURIComponent;

/**
 * Accounts, organization, invitations, room grants and audit (`/v1/setup`, `/v1/me`, `/v1/org…`,
 * `/v1/invitations`, `/v1/join/:token`, `/v1/rooms/:room/token`, `/v1/audit`), through an
 * {@link ApiClient} (Bearer token, one refresh on a 401). Sign-in, sign-up, refresh and sign-out
 * are the auth store's (`#lib/stores/auth.svelte.ts`). Every method throws `ApiError`.
 */
export class AccessApi {
  constructor(private readonly client: ApiClient = api) {}

  /** Whether the server still needs its owner account, and whether open sign-up is on. */
  setupStatus(opts: RequestOptions = {}): Promise<SetupStatus> {
    return this.client.request('GET', '/v1/setup', { ...opts, anonymous: true });
  }

  me(opts: RequestOptions = {}): Promise<Me> {
    return this.client.request('GET', '/v1/me', opts);
  }
  /** Records consent to being recorded; answers the updated user. */
  consent(): Promise<UserInfo> {
    return this.client.request('POST', '/v1/me/consent');
  }
  changePassword(req: PasswordChangeRequest): Promise<void> {
    return this.client.request('POST', '/v1/auth/password', { body: req });
  }
  /** Everything stored about the caller, as a zip. */
  exportMe(): Promise<{ blob: Blob; fileName: string | null }> {
    return this.client.download('/v1/me/export', { timeoutMs: 120_000 });
  }
  deleteMe(): Promise<void> {
    return this.client.request('DELETE', '/v1/me');
  }

  org(opts: RequestOptions = {}): Promise<OrgInfo> {
    return this.client.request('GET', '/v1/org', opts);
  }
  patchOrg(patch: { name?: string; retentionDays?: number | null }): Promise<OrgInfo> {
    return this.client.request('PATCH', '/v1/org', { body: patch });
  }
  members(opts: RequestOptions = {}): Promise<Member[]> {
    return this.client.request<{ items: Member[] }>('GET', '/v1/org/members', opts).then((r) => r.items);
  }
  setMemberRole(userId: string, role: 'admin' | 'coach' | 'presenter'): Promise<Member> {
    return this.client.request('PATCH', `/v1/org/members/${enc(userId)}`, { body: { role } });
  }
  removeMember(userId: string): Promise<void> {
    return this.client.request('DELETE', `/v1/org/members/${enc(userId)}`);
  }

  /** Creates an invitation; the answer has `token` and `path` (`/join/<token>`), shown only now. */
  createInvitation(req: InvitationCreateRequest): Promise<Invitation> {
    return this.client.request('POST', '/v1/invitations', { body: req });
  }
  invitations(opts: RequestOptions = {}): Promise<Invitation[]> {
    return this.client.request<{ items: Invitation[] }>('GET', '/v1/invitations', opts).then((r) => r.items);
  }
  /** Revokes an invitation; sockets that joined with it are disconnected. */
  revokeInvitation(id: string): Promise<void> {
    return this.client.request('DELETE', `/v1/invitations/${enc(id)}`);
  }

  /** What an invitation link offers (no account needed). */
  previewInvitation(token: string, opts: RequestOptions = {}): Promise<InvitationPreview> {
    return this.client.request('GET', `/v1/join/${enc(token)}`, { ...opts, anonymous: true });
  }
  /**
   * Accepts a room invitation: signed in (`asMember`), the grant is for the account; otherwise as
   * a guest with `displayName` (the answer then carries the guest's session).
   */
  acceptInvitation(token: string, opts: { displayName?: string; asMember: boolean }): Promise<InvitationAcceptance> {
    return this.client.request('POST', `/v1/join/${enc(token)}`, {
      body: opts.displayName ? { displayName: opts.displayName } : {},
      anonymous: !opts.asMember,
    });
  }

  /** A grant to enter `roomId` with `role` (presenters: their own rooms; coach grants: owner/admin). */
  roomGrant(roomId: string, role: RoomRole): Promise<RoomGrant> {
    return this.client.request('POST', `/v1/rooms/${enc(roomId)}/token`, { body: { role } });
  }

  audit(opts: RequestOptions & { limit?: number; cursor?: string | null } = {}): Promise<AuditPage> {
    const q = new URLSearchParams();
    if (opts.limit) q.set('limit', String(opts.limit));
    if (opts.cursor) q.set('cursor', opts.cursor);
    return this.client
      .request<AuditPage>('GET', `/v1/audit${q.size ? `?${q}` : ''}`, opts)
      .then((p) => ({ items: p.items ?? [], nextCursor: p.nextCursor ?? null }));
  }
}

/** The app's access API (same origin, the app's token). */
export const accessApi = new AccessApi();
