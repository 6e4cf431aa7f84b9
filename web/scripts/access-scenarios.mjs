#!/usr/bin/env node
// Headless Chromium against the mock gateway (mock-gateway.mjs + mock-auth.mjs): the account pages
// and their states, with screenshots. Exit code ≠ 0 when a step fails or a page logs an error.
//
//   node web/scripts/access-scenarios.mjs [out-dir=/tmp/shots/mock] [port=8098]
//
// Needs the built web app (npm run build -w web).
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../../test/support/browser.ts';

const out = process.argv[2] ?? '/tmp/shots/mock';
const port = Number(process.argv[3] ?? 8098);
const base = `http://127.0.0.1:${port}`;
mkdirSync(out, { recursive: true });

const gateway = spawn(process.execPath, [fileURLToPath(new URL('./mock-gateway.mjs', import.meta.url)), String(port)], { stdio: ['ignore', 'inherit', 'inherit'] });
const errors = [];
let failed = 0;
const mode = (m) => fetch(`${base}/mock/auth-mode?set=${m}`);

async function step(name, fn) {
  try {
    await fn();
    console.log(`ok   ${name}`);
  } catch (err) {
    failed++;
    console.error(`FAIL ${name}: ${err.message}`);
  }
}

for (let i = 0; i < 50; i++) {
  try {
    if ((await fetch(`${base}/health`)).ok) break;
  } catch {}
  await new Promise((r) => setTimeout(r, 100));
}
const browser = await launchChromium();
const page = async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const p = await ctx.newPage();
  p.on('console', (m) => m.type() === 'error' && !m.text().includes('WebSocket') && !/status of 401/.test(m.text()) && errors.push(`${p.url()}: ${m.text()}`));
  p.on('pageerror', (e) => errors.push(`${p.url()}: ${e.message}`));
  return p;
};

try {
  await step('first run: / offers the owner account, /setup?token= creates it', async () => {
    await mode('first-run');
    const p = await page();
    await p.goto(`${base}/`);
    await p.getByTestId('needs-owner').waitFor({ timeout: 10_000 });
    await p.screenshot({ path: join(out, 'home-first-run.png') });
    await p.goto(`${base}/setup?token=mock-setup-token-0123456789`);
    await p.getByTestId('setup-form').waitFor();
    await p.getByTestId('setup-name').fill('Olivia Owner');
    await p.getByTestId('setup-email').fill('olivia@example.org');
    await p.getByTestId('setup-password').fill('correct horse battery staple');
    await p.getByTestId('setup-org').fill('Rehearsal Club');
    await p.screenshot({ path: join(out, 'setup.png') });
    await p.getByTestId('setup-submit').click();
    await p.waitForURL(/\/rehearse/);
    await p.context().close();
  });

  await step('signed out: a protected page goes to /signin?next=, a wrong password says so', async () => {
    await mode('signed-out');
    const p = await page();
    await p.goto(`${base}/org`);
    await p.waitForURL(/\/signin\?next=%2Forg/);
    await p.getByTestId('signin-email').fill('olivia@example.org');
    await p.getByTestId('signin-password').fill('wrong');
    await p.getByTestId('signin-submit').click();
    await p.getByTestId('signin-error').waitFor();
    await p.screenshot({ path: join(out, 'signin.png') });
    await p.getByTestId('signin-password').fill('correct horse battery staple');
    await p.getByTestId('signin-submit').click();
    await p.waitForURL(/\/org$/);
    await p.context().close();
  });

  let link = '';
  await step('/rehearse: Invite a coach makes a link', async () => {
    await mode('signed-in');
    const p = await page();
    await p.goto(`${base}/rehearse?room=mock-room`);
    await p.getByTestId('invite-coach').click();
    await p.getByTestId('invite-dialog').waitFor();
    await p.screenshot({ path: join(out, 'rehearse-invite-new.png') });
    await p.getByTestId('invite-create').click();
    link = await p.getByTestId('invite-link').inputValue();
    if (!/\/join\//.test(link)) throw new Error(`link ${link}`);
    await p.screenshot({ path: join(out, 'rehearse-invite.png') });
    await p.context().close();
  });

  await step('/join/<token> as a guest, then /coach', async () => {
    await mode('signed-out');
    const p = await page();
    await p.goto(link);
    await p.getByTestId('join-guest-name').fill('Grace Guest');
    await p.screenshot({ path: join(out, 'join-guest.png') });
    await p.getByTestId('join-guest-submit').click();
    await p.waitForURL(/\/coach\?room=mock-room/);
    await p.getByTestId('nav-guest').waitFor();
    await p.screenshot({ path: join(out, 'coach-guest.png') });
    await p.context().close();
  });

  await step('/org: members, invitations, settings, audit', async () => {
    await mode('signed-in');
    const p = await page();
    await p.goto(`${base}/org`);
    await p.getByTestId('member-row').first().waitFor();
    await p.getByTestId('org-invite-create').click();
    await p.getByTestId('invitation-link').first().waitFor();
    await p.getByTestId('audit-row').first().waitFor();
    await p.screenshot({ path: join(out, 'org.png'), fullPage: true });
    // The guest used the single-use room link; revoke the organization invitation: its link then explains it.
    await p.locator('[data-testid=invitation-row][data-kind=room][data-state=used]').waitFor();
    const orgLink = await p.getByTestId('invitation-link').first().inputValue();
    await p.locator('[data-testid=invitation-row][data-kind=org] [data-testid=invitation-revoke]').click();
    await p.locator('[data-testid=invitation-row][data-kind=org][data-state=revoked]').waitFor();
    await p.goto(orgLink);
    await p.getByTestId('join-state-message').waitFor();
    await p.screenshot({ path: join(out, 'join-revoked.png') });
    await p.context().close();
  });

  await step('/account', async () => {
    const p = await page();
    await p.goto(`${base}/account`);
    await p.getByTestId('account-consent').waitFor();
    await p.screenshot({ path: join(out, 'account.png'), fullPage: true });
    await p.context().close();
  });
} finally {
  await browser.close();
  gateway.kill();
}
for (const e of errors) console.error(`page error: ${e}`);
console.log(`screenshots in ${out}`);
process.exit(failed || errors.length ? 1 : 0);
