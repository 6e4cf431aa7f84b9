/**
 * The client side of `npm run load` and `npm run soak`, one implementation for both: the owner's
 * tokens and room grants, signed-in Chromium pages (one browser context each), the presenter page
 * of a room, and what `/health` says about open rooms.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { AuthSession, ErrorBody, RoomGrant, RoomRole } from '@lectern/contract';
import type { BenchServer } from './benchServer.ts';
import { firstFrameOnPage, type SignalingWatch, watchSignaling } from './liveMeasure.ts';

/** The load clients of one bench server (see {@link loadClients}). */
export interface LoadClients {
  /** A fresh access token of the owner (access tokens last ≤ 15 min; a ramp or soak is longer). @throws Error when the refresh is refused. */
  ownerToken(): Promise<string>;
  /** A room grant for the owner (`POST /v1/rooms/:room/token`). @throws Error when refused. */
  roomGrant(token: string, roomId: string, role: RoomRole): Promise<string>;
  /** A page of a new browser context (pushed onto `contexts`), signed in as the owner (each sign-in its own refresh family). */
  signedInPage(contexts: BrowserContext[]): Promise<{ page: Page; signaling: SignalingWatch }>;
  /** Rooms open on the server (`/health` `sfu.rooms`), or null when unreadable. */
  openRooms(): Promise<number | null>;
  /** Polls `/health` every 250 ms until no room is open or `timeoutMs` passed. @returns whether every room closed. */
  waitForRoomsClosed(timeoutMs: number): Promise<boolean>;
}

/**
 * The load clients of `bench`, with pages from `browser`. `toolContext` is the tool's own signed-in
 * context (its refreshes never race a page's).
 */
export function loadClients(bench: BenchServer, browser: Browser, toolContext: BrowserContext): LoadClients {
  const { url } = bench;
  const openRooms = async (): Promise<number | null> => {
    try {
      return ((await (await fetch(`${url}/health`)).json()) as { sfu: { rooms: number } }).sfu.rooms;
    } catch {
      return null;
    }
  };
  return {
    async ownerToken() {
      const res = await toolContext.request.post(`${url}/v1/auth/refresh`);
      if (!res.ok()) throw new Error(`refresh failed: ${res.status()} ${await res.text()}`);
      return ((await res.json()) as AuthSession).accessToken;
    },
    async roomGrant(token, roomId, role) {
      const res = await fetch(`${url}/v1/rooms/${encodeURIComponent(roomId)}/token`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ role }),
      });
      if (!res.ok) throw new Error(`grant refused: ${res.status} ${await res.text()}`);
      return ((await res.json()) as RoomGrant).grant;
    },
    async signedInPage(contexts) {
      const context = await browser.newContext();
      contexts.push(context);
      await bench.signIn(context);
      const page = await context.newPage();
      return { page, signaling: watchSignaling(page) };
    },
    openRooms,
    async waitForRoomsClosed(timeoutMs) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        if ((await openRooms()) === 0) return true;
        if (Date.now() > until) return false;
        await new Promise((r) => setTimeout(r, 250));
      }
    },
  };
}

/** A presenter page that went live, or did not (see {@link openPresenter}). */
export interface PresenterPage {
  roomId: string;
  page: Page;
  signaling: SignalingWatch;
  /** Navigation start → the page's first voice metric frame, ms; null when refused or timed out (the page is then closed). */
  joinMs: number | null;
}

/**
 * Opens `/rehearse?room=…&autostart=1` (with `&video=0` unless `video`) in a new signed-in context
 * and waits (≤ `timeoutMs`) for its first voice frame or a `room:join` refusal. A page that did not
 * go live is closed, so it cannot join later on its own (a retry after `retryAfterSec`) and add
 * unmeasured load.
 */
export async function openPresenter(clients: LoadClients, contexts: BrowserContext[], baseUrl: string, roomId: string, opts: { video: boolean; timeoutMs: number }): Promise<PresenterPage> {
  const { page, signaling } = await clients.signedInPage(contexts);
  const t0 = Date.now();
  await page.goto(`${baseUrl}/rehearse?room=${roomId}&autostart=1${opts.video ? '' : '&video=0'}`);
  const firstAt = await firstFrameOnPage(page, opts.timeoutMs, () => signaling.refusal !== null);
  if (firstAt === null) await page.close().catch(() => {});
  return { roomId, page, signaling, joinMs: firstAt === null ? null : firstAt - t0 };
}

/** The server's error of a refused `room:join` from a {@link RoomObserver.join} error, or null for any other failure. */
export function joinRefusal(err: unknown): ErrorBody | null {
  const m = /^join failed: ([A-Z_]+) (.*)$/s.exec((err as Error).message ?? '');
  return m ? { code: m[1] as ErrorBody['code'], message: m[2]! } : null;
}
