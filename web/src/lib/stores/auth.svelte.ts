import type { AuthSession, OrgRole, SetupRequest, SignInRequest, SignUpRequest, UserInfo } from '@lectern/contract';
import { accessApi } from '#lib/api/access.ts';
import { api } from '#lib/api/client.ts';
import type { LecternError } from '#lib/errors.ts';
import { AuthCore, type AuthStatus } from './authCore.ts';
import { RoomGrants } from './grants.ts';
import { socket } from './socket.svelte.ts';

/**
 * Who is signed in, reactively (`$state` mirrors of {@link AuthCore}, which does the work): the
 * session in memory only, restored by `init()` from the httpOnly refresh cookie, refreshed at 80 %
 * of the access token's lifetime (single-flight). The app's API client and socket take their
 * token from here (wired at the bottom of this module).
 *
 * ```ts
 * import { auth } from '#lib/stores/auth.svelte.ts';
 * await auth.init();               // once, in the layout
 * auth.status;                     // 'unknown' | 'signed-in' | 'signed-out'
 * auth.user; auth.org; auth.role;  // null when signed out; role 'guest' for invited guests
 * await auth.signIn({ email, password });   // throws ApiError (401, 429 + retryAfterSec)
 * ```
 */
export class AuthStore {
  session = $state.raw<AuthSession | null>(null);
  status = $state<AuthStatus>('unknown');
  /** Why the server could not be asked (UNREACHABLE…), null otherwise. */
  error = $state.raw<LecternError | null>(null);
  readonly core: AuthCore;

  constructor(core = new AuthCore()) {
    this.core = core;
    core.onChange((session, status) => {
      this.session = session;
      this.status = status;
      this.error = core.error;
    });
  }

  get user(): UserInfo | null {
    return this.session?.user ?? null;
  }
  get org() {
    return this.session?.org ?? null;
  }
  get role(): OrgRole | 'guest' | null {
    return this.session?.role ?? null;
  }
  /** A member of an organization (not a guest). */
  get isMember(): boolean {
    return !!this.session && this.session.role !== 'guest';
  }
  get isGuest(): boolean {
    return this.session?.role === 'guest';
  }
  /** Owner or admin: manages members, invitations, retention, sees the audit log. */
  get isAdmin(): boolean {
    return this.session?.role === 'owner' || this.session?.role === 'admin';
  }
  /** The name to show for the signed-in person (a guest's own display name). */
  get displayName(): string {
    return this.session?.user?.displayName ?? this.session?.guest?.displayName ?? '';
  }

  async init(): Promise<void> {
    await this.core.init();
    this.error = this.core.error;
  }
  /** Asks the server again after `init()` could not reach it. */
  async retry(): Promise<void> {
    await this.core.refresh();
    this.error = this.core.error;
    if (!this.core.session && !this.core.error && this.status === 'unknown') this.status = 'signed-out';
  }
  signIn(req: SignInRequest) {
    return this.core.signIn(req);
  }
  signUp(req: SignUpRequest) {
    return this.core.signUp(req);
  }
  setup(req: SetupRequest) {
    return this.core.setup(req);
  }
  /** Signs out this browser and closes the live connection. */
  async signOut(): Promise<void> {
    socket.disconnect();
    await this.core.signOut();
  }
  /** Signs out every browser of this account (refresh tokens revoked, sockets disconnected). */
  async signOutEverywhere(): Promise<void> {
    await this.core.signOutEverywhere();
    socket.disconnect();
  }
  adopt(session: AuthSession): void {
    this.core.adopt(session);
  }
  updateUser(user: UserInfo): void {
    this.core.updateUser(user);
  }
  forget(): void {
    socket.disconnect();
    this.core.forget();
  }
}

/** The app's auth state (one per tab). */
export const auth = new AuthStore();

/** Room grants of this tab: presenters mint theirs, coaches bring theirs from the join page. */
export const grants = new RoomGrants((roomId, role) => accessApi.roomGrant(roomId, role));

// The API client and the socket use the newest access token; the socket forwards every new one.
api.tokens = auth.core;
socket.useTokens(auth.core);
if (typeof document !== 'undefined') {
  // Timers of background tabs are throttled: catch up when the tab is visible again.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') auth.core.refreshIfDue();
  });
}
