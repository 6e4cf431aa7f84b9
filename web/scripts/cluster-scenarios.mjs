#!/usr/bin/env node
// Multi-node behaviour of /rehearse and /coach (#12) in headless Chromium against the mock gateway
// (mock-gateway.mjs, started here, with its mock node B on port + 1), with screenshots:
// CAPACITY countdown + Retry now, an automatic retry that succeeds, a WRONG_NODE redirect to node
// B, node B killed (back to this node, which takes the room), a redirect loop (stops after 3 hops),
// and the shedding notices appearing and clearing.
//
//   node web/scripts/cluster-scenarios.mjs [out-dir=/tmp/shots] [port=8094]
//
// Needs the built web app (npm run build -w web). Exits non-zero when a check fails.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../../test/support/browser.ts';

const [out = '/tmp/shots', portArg = '8094'] = process.argv.slice(2);
const port = Number(portArg);
const base = `http://127.0.0.1:${port}`;
const nodeB = `http://127.0.0.1:${port + 1}`;
mkdirSync(out, { recursive: true });

let mock = null;
async function startMock() {
  mock = spawn(process.execPath, [fileURLToPath(new URL('./mock-gateway.mjs', import.meta.url)), String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  mock.stdout.on('data', (d) => process.stdout.write(`  [mock] ${d}`));
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${base}/health`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('mock gateway did not start');
}
async function stopMock() {
  const m = mock;
  mock = null;
  if (!m) return;
  const exited = new Promise((resolve) => m.once('exit', resolve));
  m.kill('SIGTERM');
  await exited;
}

let failures = 0;
const browser = await launchChromium({ media: 'allow' });

async function scenario(name, fn) {
  await startMock();
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const logs = [];
  page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  try {
    await fn(page, logs);
    console.log(`ok   ${name}`);
  } catch (err) {
    failures++;
    console.log(`FAIL ${name}: ${err.message.split('\n')[0]}`);
    for (const l of logs) console.log(`     ${l}`);
    await page.screenshot({ path: join(out, `${name}-failed.png`), fullPage: true });
  }
  const pageErrors = logs.filter((l) => l.startsWith('pageerror'));
  if (pageErrors.length) {
    failures++;
    console.log(`FAIL ${name}: ${pageErrors.join('; ')}`);
  }
  await ctx.close();
  await stopMock();
}
const state = (page, s, timeout = 10_000) => page.waitForFunction((s) => window.__lectern?.state === s, s, { timeout });
const expect = (cond, msg) => {
  if (!cond) throw new Error(msg);
};
const shot = (page, file) => page.screenshot({ path: join(out, file), fullPage: false });

try {
  await scenario('capacity-rehearse', async (page) => {
    await page.goto(`${base}/rehearse?room=scn-capacity&autostart=1`);
    await state(page, 'busy');
    const banner = page.getByTestId('capacity-banner');
    await banner.waitFor();
    const title = await banner.textContent();
    expect(/All Lectern servers are busy right now — retrying in (19|20) s/.test(title), `banner: ${title}`);
    expect(/attempt 1 of 5/.test(title), `attempt: ${title}`);
    await page.waitForTimeout(1_200);
    expect(/retrying in 1[89] s/.test(await banner.textContent()), 'countdown does not count');
    await shot(page, 'capacity-rehearse.png');
    await page.getByTestId('retry-now').click();
    await page.waitForFunction(() => /attempt 2 of 5/.test(document.querySelector('[data-testid=capacity-banner]')?.textContent ?? ''));
    expect((await page.getByTestId('connection-status').textContent()).includes('Servers busy'), 'status pill');
  });

  await scenario('capacity-once-rehearse', async (page) => {
    await page.goto(`${base}/rehearse?room=scn-capacity-once&autostart=1`);
    await state(page, 'busy');
    await state(page, 'live', 8_000); // retryAfterSec 2, then the join succeeds by itself
    expect((await page.getByTestId('capacity-banner').count()) === 0, 'banner left behind');
  });

  await scenario('capacity-coach', async (page) => {
    await page.goto(`${base}/coach?room=scn-capacity`);
    await state(page, 'busy');
    await page.getByTestId('capacity-banner').waitFor();
    await shot(page, 'capacity-coach.png');
  });

  await scenario('wrong-node-then-node-killed', async (page, logs) => {
    await page.goto(`${base}/rehearse?room=scn-wrong-node&autostart=1`);
    await state(page, 'live');
    const url = await page.evaluate(() => window.__lectern.socketUrl);
    expect(url === nodeB, `socket on ${url}, not node B ${nodeB}`);
    const redirectLogs = logs.filter((l) => l.includes('reconnecting there'));
    expect(redirectLogs.length === 1, `redirect logged ${redirectLogs.length}×`);
    await page.waitForFunction(() => window.__lectern.framesReceived >= 10, null, { timeout: 5_000 });
    await fetch(`${base}/mock/kill-node-b`);
    await state(page, 'reconnecting');
    await page.locator('[data-testid=error-banner][data-code=NODE_LOST]').waitFor({ timeout: 10_000 });
    await shot(page, 'node-lost-rehearse.png');
    await state(page, 'live', 15_000);
    const back = await page.evaluate(() => window.__lectern.socketUrl);
    expect(back === base, `rejoined on ${back}, not ${base}`);
    const n = await page.evaluate(() => window.__lectern.framesReceived);
    await page.waitForFunction((n) => window.__lectern.framesReceived > n + 5, n, { timeout: 5_000 });
  });

  await scenario('redirect-loop', async (page) => {
    await page.goto(`${base}/rehearse?room=scn-redirect-loop&autostart=1`);
    await state(page, 'error', 15_000);
    const code = await page.getByTestId('error-banner').getAttribute('data-code');
    expect(code === 'WRONG_NODE', `banner code ${code}`);
    await shot(page, 'redirect-loop.png');
  });

  await scenario('shedding', async (page) => {
    await page.goto(`${base}/rehearse?room=scn-shed-clears&autostart=1`);
    await state(page, 'live');
    await page.locator('[data-testid=shed-notice][data-shed=pose]').waitFor({ timeout: 5_000 });
    await page.locator('[data-testid=shed-notice][data-shed=asr-partials]').waitFor();
    await page.waitForTimeout(1_500);
    await shot(page, 'shed-rehearse.png');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=shed-notice]').length === 0, null, { timeout: 10_000 });
    await shot(page, 'shed-cleared-rehearse.png');
  });

} finally {
  await browser.close();
  await stopMock();
}
console.log(`screenshots in ${out}`);
process.exit(failures ? 1 : 0);
