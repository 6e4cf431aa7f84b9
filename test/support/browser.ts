import fs from 'node:fs';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import type { AuthSession } from '@lectern/contract';

/**
 * The one place that launches Chromium for end-to-end tests, benches and the web scripts
 * (`web/scripts/*.mjs` import this file; Node 24 strips the types).
 *
 * Browser binary: `CHROMIUM_PATH` (default `/usr/bin/chromium`, Debian's apt package `chromium`;
 * `npx playwright install` cannot work offline). The web scripts' former `CHROMIUM` variable was
 * undocumented and is no longer read.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Options of {@link launchChromium}. */
export interface ChromiumOptions {
  /** WAV file played as the fake microphone (Chromium loops it). */
  audioFile?: string;
  /** Y4M/MJPEG file played as the fake camera; default: Chromium's synthetic pattern. */
  videoFile?: string;
  /**
   * Fake media devices: `allow` (default) = fake camera + microphone and camera/microphone
   * permission granted without a prompt; `deny` = fake devices but no auto-grant, so headless
   * Chromium denies getUserMedia (NotAllowedError); `none` = no fake devices (NotFoundError).
   */
  media?: 'allow' | 'deny' | 'none';
}

/** Flags of every launch (no sandbox for root in containers, no background traffic, WebRTC on loopback). */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
];

/**
 * Command-line flags for {@link launchChromium} (exported for tests of the flag set).
 * @returns {@link CHROMIUM_FLAGS} plus the fake-media flags of `opts`.
 */
export function chromiumArgs(opts: ChromiumOptions = {}): string[] {
  const media = opts.media ?? 'allow';
  const args = [...CHROMIUM_FLAGS];
  if (media === 'allow') args.push('--use-fake-ui-for-media-stream');
  if (media !== 'none') args.push('--use-fake-device-for-media-stream');
  if (opts.audioFile) args.push(`--use-file-for-fake-audio-capture=${opts.audioFile}`);
  if (opts.videoFile) args.push(`--use-file-for-fake-video-capture=${opts.videoFile}`);
  return args;
}

/**
 * Launches headless Debian Chromium with fake media devices, for end-to-end tests, load clients
 * and the web scripts. Keeps WebRTC on loopback: the server only offers 127.0.0.1 candidates, and
 * mDNS host-candidate obfuscation (which multicasts on the LAN) is disabled.
 * @throws Error with an install hint if Chromium is missing.
 */
export async function launchChromium(opts: ChromiumOptions = {}): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH))
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: apt-get install chromium (or set CHROMIUM_PATH)`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: chromiumArgs(opts) });
}

/** E-mail and password of an account (e.g. from `createTestAccount`). */
export interface Credentials {
  email: string;
  password: string;
}

/**
 * Signs a browser context in: `POST /v1/auth/sign-in` through the context's own request client,
 * so the httpOnly refresh cookie lands in the context and the web app's `init()` (its refresh
 * through that cookie) finds the session on the next page load. By default the account also gives
 * recording consent (`POST /v1/me/consent`), which /rehearse otherwise asks for before starting.
 * @returns the session of the sign-in (its `accessToken` works for API calls of the test)
 * @throws Error naming the status and body when the server refuses
 */
export async function signInContext(context: BrowserContext, baseUrl: string, account: Credentials, opts: { consent?: boolean } = {}): Promise<AuthSession> {
  const res = await context.request.post(`${baseUrl}/v1/auth/sign-in`, { data: { email: account.email, password: account.password } });
  if (!res.ok()) throw new Error(`sign-in of ${account.email} failed: ${res.status()} ${await res.text()}`);
  const session = (await res.json()) as AuthSession;
  if (opts.consent !== false && session.user && !session.user.recordingConsentAt) {
    const c = await context.request.post(`${baseUrl}/v1/me/consent`, { headers: { authorization: `Bearer ${session.accessToken}` } });
    if (!c.ok()) throw new Error(`consent of ${account.email} failed: ${c.status()} ${await c.text()}`);
  }
  return session;
}

/** Messages of Content-Security-Policy refusals ("Refused to …") a page logged. */
export interface PageWatch {
  /** Console errors, page errors and CSP refusals, in order. */
  readonly errors: string[];
  /** Only the CSP refusals (console messages starting "Refused to", and `securitypolicyviolation` events). */
  readonly cspViolations: string[];
}

/**
 * Logs a page's console errors and uncaught errors to stderr with `label`, and collects CSP
 * violations (the gateway's helmet policy must not block anything the app does).
 */
export function watchPage(page: Page, label: string): PageWatch {
  const watch = { errors: [] as string[], cspViolations: [] as string[] };
  page.on('console', (m) => {
    if (m.type() !== 'error' && !m.text().startsWith('Refused to')) return;
    watch.errors.push(m.text());
    if (m.text().includes('Refused to')) watch.cspViolations.push(m.text());
    console.error(`[${label}]`, m.text());
  });
  page.on('pageerror', (e) => {
    watch.errors.push(e.message);
    console.error(`[${label}] pageerror`, e.message);
  });
  // Which request failed (the console line above does not say).
  page.on('response', (r) => {
    if (r.status() >= 400) console.error(`[${label}] ${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
  });
  return watch;
}

/**
 * A new context (own cookies) signed in as `account`, and a page in it. `/rehearse` opens in
 * `rehearseView` (default `dashboard`, the view most tests look at; people get Focus by default)
 * until the page switches it (localStorage `lectern.rehearse.view`).
 * @returns the page, its context, the sign-in session and the page's error/CSP watch
 */
export async function signedInPage(
  browser: Browser,
  baseUrl: string,
  account: Credentials,
  opts: { label?: string; consent?: boolean; context?: BrowserContextOptions; rehearseView?: 'focus' | 'dashboard' } = {},
): Promise<{ page: Page; context: BrowserContext; session: AuthSession; watch: PageWatch }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...opts.context });
  await context.addInitScript((view: string) => {
    try {
      if (!localStorage.getItem('lectern.rehearse.view')) localStorage.setItem('lectern.rehearse.view', view);
    } catch {
      // opaque origins (about:blank) have no storage
    }
  }, opts.rehearseView ?? 'dashboard');
  const session = await signInContext(context, baseUrl, account, { consent: opts.consent });
  const page = await context.newPage();
  const watch = watchPage(page, opts.label ?? account.email);
  return { page, context, session, watch };
}

/**
 * `Authorization` headers for a test's own API calls as `account`: its `accessToken` while it is
 * younger than 10 min (the server's tokens last ≤ 15 min), then a fresh one from a sign-in.
 * @returns a function resolving the headers to spread into `fetch`
 */
export function bearerFor(baseUrl: string | (() => string), account: Credentials & { accessToken?: string }): () => Promise<Record<string, string>> {
  let token = account.accessToken ?? null;
  let at = token ? Date.now() : 0;
  return async () => {
    if (!token || Date.now() - at > 10 * 60_000) {
      const url = typeof baseUrl === 'function' ? baseUrl() : baseUrl;
      const res = await fetch(`${url}/v1/auth/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: account.email, password: account.password }),
      });
      if (!res.ok) throw new Error(`sign-in of ${account.email} failed: ${res.status} ${await res.text()}`);
      token = ((await res.json()) as AuthSession).accessToken;
      at = Date.now();
    }
    return { authorization: `Bearer ${token}` };
  };
}
