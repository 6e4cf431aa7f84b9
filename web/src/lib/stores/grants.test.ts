import { describe, expect, it } from 'vitest';
import type { RoomGrant, RoomRole } from '@lectern/contract';
import { LecternError } from '#lib/errors.ts';
import { GRANT_MARGIN_MS, RoomGrants, type GrantStorage } from './grants.ts';

class MapStorage implements GrantStorage {
  readonly map = new Map<string, string>();
  getItem(k: string) {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.map.set(k, v);
  }
  removeItem(k: string) {
    this.map.delete(k);
  }
}

const T0 = 1_800_000_000_000;
const grant = (roomId: string, role: RoomRole, expiresAtMs: number, n = 0): RoomGrant => ({
  grant: `grant-${roomId}-${role}-${n}`,
  roomId,
  role,
  canPublish: role === 'presenter',
  canSubscribe: true,
  expiresAt: new Date(expiresAtMs).toISOString(),
});

describe('RoomGrants', () => {
  it('mints a presenter grant once and reuses it until it nearly expires', async () => {
    let now = T0;
    const minted: string[] = [];
    const grants = new RoomGrants(async (room, role) => {
      minted.push(`${room}/${role}`);
      return grant(room, role, now + 3_600_000, minted.length);
    }, new MapStorage(), () => now);
    const a = await grants.presenter('r1');
    const b = await grants.presenter('r1');
    expect(b).toBe(a);
    expect(minted).toEqual(['r1/presenter']);
    now += 3_600_000 - GRANT_MARGIN_MS + 1;
    const c = await grants.presenter('r1');
    expect(c.grant).not.toBe(a.grant);
    expect(minted).toEqual(['r1/presenter', 'r1/presenter']);
  });

  it('finds a coach grant remembered by the join page (another instance, same storage), keyed by room', async () => {
    const storage = new MapStorage();
    const mint = async (): Promise<RoomGrant> => {
      throw new Error('must not mint');
    };
    new RoomGrants(mint, storage, () => T0).remember(grant('room-a', 'coach', T0 + 600_000));
    const page = new RoomGrants(mint, storage, () => T0);
    expect((await page.watcher('room-a', { canMint: false })).role).toBe('coach');
    const err = await page.watcher('room-b', { canMint: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LecternError);
    expect((err as LecternError).code).toBe('FORBIDDEN');
    expect((err as LecternError).message).toMatch(/invitation link/);
  });

  it('drops an expired invitation grant; owners and admins mint a coach grant instead', async () => {
    const storage = new MapStorage();
    const roles: RoomRole[] = [];
    const grants = new RoomGrants(async (room, role) => {
      roles.push(role);
      return grant(room, role, T0 + 600_000);
    }, storage, () => T0);
    grants.remember(grant('r', 'viewer', T0 + 10_000));
    expect(grants.stored('r', ['coach', 'viewer'])).toBeNull();
    expect(storage.map.size).toBe(0);
    expect((await grants.watcher('r', { canMint: true })).role).toBe('coach');
    expect(roles).toEqual(['coach']);
  });

  it('works without storage and ignores garbage in it', async () => {
    const storage = new MapStorage();
    storage.setItem('lectern.grant.r.coach', '{not json');
    const grants = new RoomGrants(async (room, role) => grant(room, role, T0 + 600_000), storage, () => T0);
    expect(grants.stored('r', ['coach'])).toBeNull();
    const none = new RoomGrants(async (room, role) => grant(room, role, T0 + 600_000), null, () => T0);
    none.remember(grant('x', 'coach', T0 + 600_000));
    expect(none.stored('x', ['coach'])?.roomId).toBe('x');
  });
});
