/**
 * What the k6 scripts know about Lectern's API: paths, the refresh cookie, and the answer types
 * (imported from the contract as types only, so k6 — which transpiles each .ts file on its own and
 * cannot resolve `@lectern/contract` — never loads the contract). Pure TypeScript, no k6 imports:
 * test/compose.test.ts checks these paths against a real node.
 */
import type { Ack, AuthSession, ErrorBody, JoinRequest, JoinResponse, RoomGrant, RoomTokenRequest, SignInRequest } from '@lectern/contract';

export type { Ack, AuthSession, ErrorBody, JoinRequest, JoinResponse, RoomGrant, RoomTokenRequest, SignInRequest };

/** HTTP paths the scripts call (see gateway/src/access/AccessApi.ts and gateway/src/http/routes.ts). */
export const API = {
  health: '/health',
  setup: '/v1/setup',
  signIn: '/v1/auth/sign-in',
  /** Rotates the httpOnly `lectern_refresh` cookie (path `/v1/auth`) and answers a new AuthSession. */
  refresh: '/v1/auth/refresh',
  me: '/v1/me',
  /** `POST` `{ role }` with `Authorization: Bearer` → {@link RoomGrant}. */
  roomToken: (roomId: string) => `/v1/rooms/${encodeURIComponent(roomId)}/token`,
} as const;

/** The refresh cookie's name (contract `REFRESH_COOKIE`; a value import would make k6 load the contract). */
export const REFRESH_COOKIE = 'lectern_refresh';

/** Socket.IO events the signaling script sends (contract `ClientEvent`). */
export const EVENTS = { join: 'room:join', leave: 'room:leave' } as const;

/** Error codes the signaling script reacts to (contract `ErrorCode`). */
export const CODES = { wrongNode: 'WRONG_NODE', capacity: 'CAPACITY', unauthenticated: 'UNAUTHENTICATED' } as const;

/**
 * Node base URLs from a comma-separated list (`LECTERN_URLS`), without trailing slashes.
 * @throws Error when the list is empty or an entry is not an http(s) URL.
 */
export function nodeUrls(csv: string): string[] {
  const urls = csv.split(',').map((u) => u.trim().replace(/\/+$/, '')).filter(Boolean);
  if (urls.length === 0) throw new Error('LECTERN_URLS is empty: give the nodes, e.g. http://lectern-a:8080,http://lectern-b:8081');
  for (const u of urls) if (!/^https?:\/\/[^/]+$/.test(u)) throw new Error(`LECTERN_URLS entry ${JSON.stringify(u)} is not a base URL like http://host:port`);
  return urls;
}

/** The node a virtual user talks to first (round robin over VUs; `vu` is k6's 1-based `__VU`). */
export function nodeFor(urls: string[], vu: number): string {
  return urls[(Math.max(vu, 1) - 1) % urls.length]!;
}

/** Reads a positive number from an environment value, else `fallback`. */
export function positive(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value !== '' && Number.isFinite(n) && n > 0 ? n : fallback;
}
