import type { RoomGrant, RoomRole } from '@lectern/contract';
import { LecternError } from '#lib/errors.ts';

/** A grant this close to its expiry is not used for a new join (minted again, or refused). */
export const GRANT_MARGIN_MS = 30_000;
const KEY_PREFIX = 'lectern.grant.';

/** The part of `Storage` the grants use (sessionStorage in the browser; a Map in tests). */
export interface GrantStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** `sessionStorage` when the browser allows it (not in private modes that throw), else null. */
function defaultStorage(): GrantStorage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null;
  }
}

/**
 * Room grants (`room:join { grant }`) of this tab. A presenter's grant is minted on demand
 * (`POST /v1/rooms/:room/token {role: presenter}`) and reused until it nearly expires. A coach's
 * comes from the join page (`POST /v1/join/:token`), kept in `sessionStorage` under the room's name
 * so that /coach (and a reload of it) finds it; owners and admins can mint one instead. Grants are
 * not access tokens: they name one room and role and expire on their own.
 */
export class RoomGrants {
  #memory = new Map<string, RoomGrant>();

  constructor(
    private readonly mint: (roomId: string, role: RoomRole) => Promise<RoomGrant>,
    private readonly storage: GrantStorage | null = defaultStorage(),
    private readonly now: () => number = Date.now,
  ) {}

  /** Keeps `grant` for its room and role (for the next join in this tab). */
  remember(grant: RoomGrant): void {
    const key = KEY_PREFIX + grant.roomId + '.' + grant.role;
    this.#memory.set(key, grant);
    try {
      this.storage?.setItem(key, JSON.stringify(grant));
    } catch {
      // Storage full or disabled: the in-memory copy still serves this page.
    }
  }

  /** A kept grant for `roomId` with one of `roles` that is not about to expire, or null. */
  stored(roomId: string, roles: readonly RoomRole[]): RoomGrant | null {
    for (const role of roles) {
      const key = KEY_PREFIX + roomId + '.' + role;
      let g = this.#memory.get(key) ?? null;
      if (!g) {
        try {
          const raw = this.storage?.getItem(key);
          g = raw ? (JSON.parse(raw) as RoomGrant) : null;
        } catch {
          g = null;
        }
      }
      if (g && typeof g.grant === 'string' && Date.parse(g.expiresAt) - GRANT_MARGIN_MS > this.now()) return g;
      if (g) this.#drop(key);
    }
    return null;
  }

  /** Forgets every grant kept for `roomId`. */
  forget(roomId: string): void {
    for (const role of ['presenter', 'coach', 'viewer'] as const) this.#drop(KEY_PREFIX + roomId + '.' + role);
  }

  /** A presenter grant for `roomId`: the kept one, or a new one. @throws ApiError (403: someone else's room). */
  async presenter(roomId: string): Promise<RoomGrant> {
    const kept = this.stored(roomId, ['presenter']);
    if (kept) return kept;
    const g = await this.mint(roomId, 'presenter');
    this.remember(g);
    return g;
  }

  /**
   * A grant to watch `roomId` (coach, else viewer) from an invitation accepted in this tab; else,
   * when `canMint` (owner/admin), a new coach grant.
   * @throws LecternError FORBIDDEN saying how to get one (an invitation link)
   */
  async watcher(roomId: string, { canMint }: { canMint: boolean }): Promise<RoomGrant> {
    const kept = this.stored(roomId, ['coach', 'viewer']);
    if (kept) return kept;
    if (!canMint) {
      throw new LecternError(
        'FORBIDDEN',
        `You have no invitation to room “${roomId}” in this tab (or it expired). Ask the presenter for an invitation link (Invite a coach on their page) and open it.`,
      );
    }
    const g = await this.mint(roomId, 'coach');
    this.remember(g);
    return g;
  }

  #drop(key: string): void {
    this.#memory.delete(key);
    try {
      this.storage?.removeItem(key);
    } catch {
      // nothing kept there
    }
  }
}
