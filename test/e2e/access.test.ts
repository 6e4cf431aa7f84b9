/**
 * Accounts, invitations and revocation end to end in headless Chromium, against a real gateway
 * (PostgreSQL of the run, a schema of its own):
 * - first run: `/` offers "Create the owner account"; the owner opens the one-time set-up link
 *   (`/setup?token=…`, the token the server printed), creates the account in the form, lands on
 *   /rehearse, agrees to recording and rehearses (real speech from the fake microphone);
 * - "Invite a coach" creates a single-use room invitation that allows guests; a second browser
 *   context without an account opens the link, gives a name, follows the room live (metric frames
 *   keep arriving) and sends a cue that the presenter's page shows;
 * - the owner revokes the link: the coach page says its access was revoked within 2 s
 *   (`[measure] revoke→coach disconnected ms=…`), the presenter stays live, the link then shows
 *   "revoked"; /org lists the owner, the revoked invitation and the audit events;
 * - token expiry mid-session: a node issuing 8 s access tokens; a presenter page keeps its socket
 *   (no disconnect) and keeps receiving voice frames for 25 s (> 3 token lifetimes), refreshing the
 *   token over HTTP and forwarding each new one with `auth:refresh`.
 * No page may log a Content-Security-Policy refusal. Screenshots go to $LECTERN_SHOTS (default
 * /tmp/shots): home-first-run, setup, rehearse-consent, rehearse-invite, join-guest, coach-guest,
 * rehearse-cue, coach-revoked, join-revoked, org, signin.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LecternNode, startLectern } from '@lectern/gateway';
import { Database } from '../../gateway/src/db/Database.ts';
import { createTestAccount, roomGrant } from '../../gateway/src/testing/access.ts';
import { TEST_DATABASE_URL, tempDir, uniqueSchema } from '../../gateway/src/testing/services.ts';
import { launchChromium, type PageWatch, signedInPage, watchPage } from '../support/browser.ts';
import { speechFixture } from '../support/fixtures.ts';
import { RoomObserver } from '../support/observer.ts';

const fixture = speechFixture();
const shots = process.env.LECTERN_SHOTS || '/tmp/shots';
const ROOM = 'e2e-access';
const OWNER = { name: 'Olivia Owner', email: 'olivia@example.org', password: 'correct horse battery staple', org: 'Rehearsal Club' };

interface Diag {
  state: string;
  framesReceived: number;
  socketState: string;
  socketConnections: number;
  socketDisconnects: number;
  tokenRefreshes: number;
}
const diag = (p: Page): Promise<Diag | null> =>
  p.evaluate(() => {
    const d = (window as unknown as { __lectern?: Diag }).__lectern;
    return d
      ? { state: d.state, framesReceived: d.framesReceived, socketState: d.socketState, socketConnections: d.socketConnections, socketDisconnects: d.socketDisconnects, tokenRefreshes: d.tokenRefreshes }
      : null;
  });
const shot = (p: Page, name: string, fullPage = false) => p.screenshot({ path: path.join(shots, `${name}.png`), fullPage });

let browser: Browser;
const watches: { label: string; watch: PageWatch }[] = [];
const watched = (page: Page, label: string) => {
  const watch = watchPage(page, label);
  watches.push({ label, watch });
  return page;
};

beforeAll(async () => {
  fs.mkdirSync(shots, { recursive: true });
  browser = await launchChromium({ audioFile: fixture.wav48k });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe('first run, invitations and revocation', () => {
  const work = tempDir('e2e-access');
  let db: Database;
  let node: LecternNode;
  let ownerCtx: BrowserContext;
  let guestCtx: BrowserContext;
  let owner: Page;
  let coach: Page;
  let link = '';

  beforeAll(async () => {
    db = await Database.connect({ url: TEST_DATABASE_URL, schema: uniqueSchema('e2e_access') });
    node = await startLectern(
      { port: 0, sfuWorkers: 1, analyzerProcesses: 1, poseProcesses: 0, recording: false, logLevel: 'warn', dataDir: work.dir },
      { database: db },
    );
    ownerCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    guestCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    owner = watched(await ownerCtx.newPage(), 'owner');
    coach = watched(await guestCtx.newPage(), 'coach');
  }, 120_000);

  afterAll(async () => {
    await ownerCtx?.close();
    await guestCtx?.close();
    await node?.close();
    await db?.dropSchema();
    await db?.close();
    work.cleanup();
  });

  it('offers the owner account on first run; the set-up link creates it in the browser', async () => {
    await owner.goto(`${node.url}/`);
    await owner.getByTestId('needs-owner').waitFor({ timeout: 15_000 });
    await shot(owner, 'home-first-run');
    const setupToken = node.sessions!.access.setupToken;
    expect(setupToken, 'the server has a one-time set-up token while it has no account').toBeTruthy();

    await owner.goto(`${node.url}/setup?token=${encodeURIComponent(setupToken!)}`);
    await owner.getByTestId('setup-form').waitFor({ timeout: 15_000 });
    // The token comes from the link: no field for it.
    expect(await owner.getByTestId('setup-token').count()).toBe(0);
    await owner.getByTestId('setup-name').fill(OWNER.name);
    await owner.getByTestId('setup-email').fill(OWNER.email);
    await owner.getByTestId('setup-password').fill(OWNER.password);
    await owner.getByTestId('setup-org').fill(OWNER.org);
    await shot(owner, 'setup');
    await owner.getByTestId('setup-submit').click();
    await owner.waitForURL(/\/rehearse/, { timeout: 15_000 });
    await expect.poll(() => owner.getByTestId('nav-account').textContent(), { timeout: 10_000 }).toMatch(/Olivia Owner\s*Rehearsal Club · Owner/);
    // The link works once: the server no longer needs an owner.
    const status = (await (await fetch(`${node.url}/v1/setup`)).json()) as { needsOwner: boolean };
    expect(status.needsOwner).toBe(false);
  });

  it('asks for recording consent before the first rehearsal, then goes live', async () => {
    await owner.goto(`${node.url}/rehearse?room=${ROOM}`);
    await owner.getByTestId('start').click();
    await owner.getByTestId('consent').waitFor({ timeout: 10_000 });
    expect(await owner.getByTestId('consent').textContent()).toMatch(/camera and microphone/);
    await shot(owner, 'rehearse-consent');
    await owner.getByTestId('consent-agree').click();
    await expect.poll(async () => (await diag(owner))?.framesReceived ?? 0, { timeout: 30_000, interval: 250 }).toBeGreaterThan(10);
    expect((await diag(owner))?.state).toBe('live');
  });

  it('invites a guest coach who follows the room live and sends a cue the presenter sees', async () => {
    await owner.getByTestId('invite-coach').click();
    const dialog = owner.getByTestId('invite-dialog');
    await dialog.waitFor({ timeout: 5_000 });
    expect(await owner.getByTestId('invite-allow-guests').isChecked()).toBe(true);
    expect(await owner.getByTestId('invite-single-use').isChecked()).toBe(true);
    await owner.getByTestId('invite-create').click();
    const linkInput = owner.getByTestId('invite-link');
    await linkInput.waitFor({ timeout: 10_000 });
    link = await linkInput.inputValue();
    expect(link).toMatch(new RegExp(`^${node.url.replace(/[.]/g, '\\.')}/join/[A-Za-z0-9._-]+$`));
    await owner.getByTestId('invite-copy').click();
    await shot(owner, 'rehearse-invite');

    await coach.goto(link);
    await coach.getByTestId('join-guest-name').waitFor({ timeout: 15_000 });
    expect(await coach.getByTestId('join-offer').textContent()).toMatch(/Olivia Owner.*coach the room\s*e2e-access\s*of Rehearsal Club/s);
    await coach.getByTestId('join-guest-name').fill('Grace Guest');
    await shot(coach, 'join-guest');
    await coach.getByTestId('join-guest-submit').click();
    await coach.waitForURL(/\/coach\?room=e2e-access/, { timeout: 15_000 });
    expect(await coach.getByTestId('nav-guest').textContent()).toMatch(/Grace Guest/);

    // Live metrics reach the coach, and keep coming.
    await expect.poll(async () => (await diag(coach))?.framesReceived ?? 0, { timeout: 30_000, interval: 250 }).toBeGreaterThan(20);
    expect((await diag(coach))?.state).toBe('live');
    const before = (await diag(coach))!.framesReceived;
    await coach.waitForTimeout(2_000);
    const after = (await diag(coach))!.framesReceived;
    expect(after - before, 'voice frames in 2 s on the coach page').toBeGreaterThan(12);
    await expect.poll(() => coach.getByTestId('card-level').textContent(), { timeout: 10_000 }).toMatch(/dBFS/);
    await shot(coach, 'coach-guest', true);

    const shown = owner.getByTestId('coach-cue');
    const appears = shown.waitFor({ timeout: 10_000 });
    await coach.getByTestId('cue-button').filter({ hasText: 'Slow down' }).click();
    await appears;
    expect(await shown.textContent()).toMatch(/Slow down/);
    await shot(owner, 'rehearse-cue');
    await expect.poll(() => coach.getByTestId('cue-result').textContent(), { timeout: 10_000 }).toMatch(/Sent “Slow down”/);
  });

  it('revoking the invitation ends the coach’s access within 2 s; the presenter stays live', async () => {
    const revoked = coach.locator('[data-testid=error-banner][data-code=ACCESS_REVOKED]');
    const t0 = Date.now();
    await owner.getByTestId('invite-revoke').click();
    await revoked.waitFor({ timeout: 10_000 });
    const ms = Date.now() - t0;
    console.log(`[measure] revoke→coach disconnected ms=${ms}`);
    expect(ms).toBeLessThan(2_000);
    expect(await revoked.textContent()).toMatch(/Your access to this room was revoked/);
    const d = await diag(coach);
    expect(d?.state).toBe('error');
    expect(d?.socketState).toBe('closed');
    await owner.getByTestId('invite-revoked').waitFor({ timeout: 5_000 });
    await shot(coach, 'coach-revoked');

    // The presenter is not affected.
    const p0 = (await diag(owner))!.framesReceived;
    await owner.waitForTimeout(1_500);
    expect((await diag(owner))!.framesReceived).toBeGreaterThan(p0 + 5);
    expect((await diag(owner))!.state).toBe('live');

    // The link now explains itself.
    const again = watched(await (await browser.newContext()).newPage(), 'join-revoked');
    await again.goto(link);
    await again.getByTestId('join-state-message').waitFor({ timeout: 10_000 });
    expect(await again.getByTestId('join-state-message').textContent()).toMatch(/revoked/);
    await shot(again, 'join-revoked');
    await again.context().close();
  });

  it('/org lists the owner, the revoked room invitation and the audit events', async () => {
    await owner.getByTestId('invite-close').click();
    const org = watched(await ownerCtx.newPage(), 'org');
    await org.goto(`${node.url}/org`);
    await org.getByTestId('member-row').first().waitFor({ timeout: 15_000 });
    expect(await org.getByTestId('member-row').count()).toBe(1);
    expect(await org.getByTestId('member-row').first().getAttribute('data-role')).toBe('owner');
    await org.locator(`[data-testid=invitation-row][data-room=${ROOM}][data-state=revoked]`).waitFor({ timeout: 10_000 });
    // An organization invitation made here shows its link.
    await org.getByTestId('org-invite-role').selectOption('coach');
    await org.getByTestId('org-invite-create').click();
    await org.getByTestId('invitation-link').first().waitFor({ timeout: 10_000 });
    expect(await org.getByTestId('invitation-link').first().inputValue()).toMatch(/\/join\//);
    await expect.poll(async () => org.locator('[data-testid=audit-row]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-kind'))), { timeout: 10_000 })
      .toEqual(expect.arrayContaining(['invite-created', 'invite-used', 'invite-revoked']));
    await shot(org, 'org', true);
    await org.close();

    const signin = watched(await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage(), 'signin');
    await signin.goto(`${node.url}/sessions`);
    await signin.waitForURL(/\/signin\?next=%2Fsessions/, { timeout: 10_000 });
    await signin.getByTestId('signin-email').fill(OWNER.email);
    await signin.getByTestId('signin-password').fill('not the password');
    await signin.getByTestId('signin-submit').click();
    await signin.getByTestId('signin-error').waitFor({ timeout: 10_000 });
    await shot(signin, 'signin');
    await signin.getByTestId('signin-password').fill(OWNER.password);
    await signin.getByTestId('signin-submit').click();
    await signin.waitForURL(/\/sessions$/, { timeout: 10_000 });
    await signin.context().close();
  });
});

describe('access-token expiry in the middle of a session', () => {
  const work = tempDir('e2e-access-ttl');
  let db: Database;
  let node: LecternNode;
  let page: Page;
  let account: Awaited<ReturnType<typeof createTestAccount>>;

  beforeAll(async () => {
    db = await Database.connect({ url: TEST_DATABASE_URL, schema: uniqueSchema('e2e_access_ttl') });
    node = await startLectern(
      { port: 0, sfuWorkers: 1, analyzerProcesses: 1, poseProcesses: 0, recording: false, logLevel: 'warn', dataDir: work.dir, auth: { accessTokenTtlSec: 8 } },
      { database: db },
    );
    account = await createTestAccount(node, { role: 'owner' });
    const signedIn = await signedInPage(browser, node.url, account, { label: 'ttl' });
    page = signedIn.page;
    watches.push({ label: 'ttl', watch: signedIn.watch });
  }, 120_000);

  afterAll(async () => {
    await page?.context().close();
    await node?.close();
    await db?.dropSchema();
    await db?.close();
    work.cleanup();
  });

  it('keeps the socket and the voice frames for 25 s (> 3 token lifetimes of 8 s)', async () => {
    await page.goto(`${node.url}/rehearse?room=e2e-ttl&autostart=1&video=0`);
    await expect.poll(async () => (await diag(page))?.framesReceived ?? 0, { timeout: 30_000, interval: 250 }).toBeGreaterThan(10);
    // The control: a socket that never sends auth:refresh is closed when its token runs out.
    const control = await RoomObserver.join(node.url, 'e2e-ttl', { accessToken: account.accessToken, grant: await roomGrant(node, account, 'e2e-ttl', 'viewer') });
    const controlRevoked: { code: string; atMs: number }[] = [];
    control.socket.on('auth:revoked', (e) => controlRevoked.push({ code: e.code, atMs: Date.now() }));
    const start = (await diag(page))!;
    const t0 = Date.now();
    const samples: { t: number; frames: number }[] = [];
    while (Date.now() - t0 < 25_000) {
      await page.waitForTimeout(1_000);
      samples.push({ t: Date.now() - t0, frames: (await diag(page))!.framesReceived });
    }
    const end = (await diag(page))!;
    const lastTwo = samples.at(-1)!.frames - samples.at(-3)!.frames;
    console.log(
      `[measure] token ttl 8 s: ${end.framesReceived - start.framesReceived} frames in 25 s, last 2 s ${lastTwo}, socket disconnects ${end.socketDisconnects}, connections ${end.socketConnections}, auth:refresh acks ${end.tokenRefreshes}`,
    );
    console.log(`[measure] control socket without auth:refresh: ${controlRevoked.map((r) => `${r.code} after ${r.atMs - t0} ms`).join(', ') || 'still connected'}`);
    expect(controlRevoked.map((r) => r.code)).toEqual(['UNAUTHENTICATED']);
    expect(control.socket.connected).toBe(false);
    control.close();
    expect(end.socketDisconnects).toBe(0);
    expect(end.socketConnections).toBe(1);
    expect(end.state).toBe('live');
    expect(end.tokenRefreshes, 'a new token forwarded about every 6.4 s').toBeGreaterThanOrEqual(3);
    // Frames keep arriving after 3 lifetimes (24 s): ≈ 10 per second.
    expect(lastTwo).toBeGreaterThan(12);
    // No second without frames.
    for (let i = 1; i < samples.length; i++) expect(samples[i]!.frames, `frames at ${samples[i]!.t} ms`).toBeGreaterThan(samples[i - 1]!.frames);
  }, 90_000);
});

describe('Content-Security-Policy', () => {
  it('no page logged a "Refused to …" CSP violation', () => {
    const all = watches.flatMap(({ label, watch }) => watch.cspViolations.map((v) => `${label}: ${v}`));
    expect(all).toEqual([]);
  });
});
