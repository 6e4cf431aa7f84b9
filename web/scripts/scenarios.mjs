#!/usr/bin/env node
// Checks of /rehearse (live path and failure paths) in headless Chromium against the mock
// gateway (web/scripts/mock-gateway.mjs, started here), with screenshots.
// Needs a built app (npm run build -w web). Usage: node web/scripts/scenarios.mjs [outDir] [port]
// Exits non-zero when a check fails.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../../test/support/browser.ts';

const [out = '/tmp/lectern-scenarios', port = '8091'] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;
mkdirSync(out, { recursive: true });

let mock = null;
async function startMock() {
  mock = spawn(process.execPath, [fileURLToPath(new URL('./mock-gateway.mjs', import.meta.url)), port], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => mock.stdout.once('data', resolve));
}
async function stopMock() {
  const m = mock;
  mock = null;
  if (!m) return;
  const exited = new Promise((resolve) => m.once('exit', resolve));
  m.kill('SIGTERM');
  await exited;
}
await startMock();
let failures = 0;

/** @param {'allow' | 'deny' | 'none'} media fake media devices and permission (see launchChromium) */
async function scenario(name, media, fn) {
  const browser = await launchChromium({ media });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => console.log(`  [pageerror] ${e.message}`));
  try {
    await fn(page);
    console.log(`ok   ${name}`);
  } catch (err) {
    failures++;
    console.log(`FAIL ${name}: ${err.message.split('\n')[0]}`);
  }
  await page.screenshot({ path: `${out}/${name}.png`, fullPage: true });
  await browser.close();
}
const state = (page, s, timeout = 10_000) => page.waitForFunction((s) => window.__lectern?.state === s, s, { timeout });
const code = async (page) => page.getByTestId('error-banner').getAttribute('data-code');
const expect = (cond, msg) => { if (!cond) throw new Error(msg); };

await scenario('live', 'allow', async (page) => {
  await page.goto(`${base}/rehearse?room=scn-live&autostart=1`);
  await state(page, 'live');
  await page.waitForFunction(() => window.__lectern.framesReceived >= 20, null, { timeout: 10_000 });
  const pts = Number(await page.getByTestId('live-chart').getAttribute('data-points'));
  expect(pts >= 15, `chart has ${pts} points`);
  const level = await page.getByTestId('card-level').getAttribute('data-value');
  expect(level !== '', 'level card empty');
});

await scenario('worker-died-rejoin', 'allow', async (page) => {
  await page.goto(`${base}/rehearse?room=scn-worker-dies&autostart=1`);
  await state(page, 'reset', 12_000);
  expect((await code(page)) === 'SFU_WORKER_DIED', 'banner code');
  await page.screenshot({ path: `${out}/worker-died.png`, fullPage: true });
  await page.getByTestId('rejoin').click();
  await state(page, 'live');
});

await scenario('join-fails', 'allow', async (page) => {
  await page.goto(`${base}/rehearse?room=scn-join-fails&autostart=1`);
  await state(page, 'error');
  expect((await code(page)) === 'MEDIA_ERROR', 'banner code');
});

await scenario('permission-denied', 'deny', async (page) => {
  // Fake devices but no fake-UI flag: Playwright denies the permission request.
  await page.goto(`${base}/rehearse?room=scn-perm&autostart=1`);
  await state(page, 'error');
  expect((await code(page)) === 'PERMISSION_DENIED', `banner code ${await code(page)}`);
});

await scenario('no-device', 'none', async (page) => {
  // No fake devices on a machine without any: NotFoundError.
  await page.context().grantPermissions(['microphone', 'camera']);
  await page.goto(`${base}/rehearse?room=scn-nodev&autostart=1`);
  await state(page, 'error');
  expect((await code(page)) === 'NO_DEVICE', `banner code ${await code(page)}`);
});

await scenario('stop-releases-media', 'allow', async (page) => {
  await page.goto(`${base}/rehearse?room=scn-stop&autostart=1`);
  await state(page, 'live');
  await page.getByTestId('stop').click();
  await state(page, 'stopped');
  const hasVideo = await page.getByTestId('camera-preview').getAttribute('data-has-video');
  expect(hasVideo === 'false', 'preview still showing video after stop');
});

await scenario('reconnect', 'allow', async (page) => {
  await page.goto(`${base}/rehearse?room=scn-reconnect&autostart=1`);
  await state(page, 'live');
  await stopMock();
  await state(page, 'reconnecting');
  await page.screenshot({ path: `${out}/reconnecting.png`, fullPage: true });
  await startMock();
  await state(page, 'live', 15_000);
  const before = await page.evaluate(() => window.__lectern.framesReceived);
  await page.waitForFunction((n) => window.__lectern.framesReceived > n + 5, before, { timeout: 5_000 });
});

await stopMock();
process.exit(failures ? 1 : 0);
