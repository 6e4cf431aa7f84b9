#!/usr/bin/env node
// Headless-Chromium smoke test of the built web app; writes screenshots.
// Usage: node web/scripts/smoke.mjs <baseUrl> <outDir> [room]
//   baseUrl: where web/build is served (the gateway, or serve-static.mjs)
// Prints window.__lectern diagnostics as JSON. AUDIO_FILE=x.wav plays a file as the fake microphone;
// MIN_FRAMES (default 30) voice frames are awaited (up to WAIT_LIVE_MS, default 8000) before the screenshot.
// Against a real gateway, LECTERN_EMAIL and LECTERN_PASSWORD sign the browser in first (the pages
// need an account; the mock gateway is always signed in).
import { mkdirSync } from 'node:fs';
import { percentileOf } from '../../analyzers/src/util/percentile.ts';
import { launchChromium, signInContext } from '../../test/support/browser.ts';

const [base = 'http://127.0.0.1:4174', out = '/tmp/lectern-shots', room = 'smoke'] = process.argv.slice(2);
const waitLiveMs = Number(process.env.WAIT_LIVE_MS ?? 8000);
mkdirSync(out, { recursive: true });

const browser = await launchChromium({ audioFile: process.env.AUDIO_FILE || undefined });
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
if (process.env.LECTERN_EMAIL) await signInContext(context, base, { email: process.env.LECTERN_EMAIL, password: process.env.LECTERN_PASSWORD ?? '' });
const page = await context.newPage();
page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') console.log(`[console.${m.type()}] ${m.text()}`); });
page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));

await page.goto(`${base}/`);
await page.getByTestId('start-rehearsal').waitFor();
await page.screenshot({ path: `${out}/home.png`, fullPage: true });

await page.goto(`${base}/rehearse?room=${encodeURIComponent(room)}&autostart=1`);
await page.waitForFunction(() => window.__lectern && window.__lectern.state !== 'idle' && window.__lectern.state !== 'media');
await page.waitForFunction(() => document.querySelector('video')?.readyState >= 2, null, { timeout: 10_000 }).catch(() => {});
try {
  await page.waitForFunction((n) => window.__lectern?.framesReceived > n, Number(process.env.MIN_FRAMES ?? 30), { timeout: waitLiveMs });
  await page.waitForTimeout(1500);
} catch {
  await page.waitForTimeout(1500);
}
const diag = await page.evaluate(() => {
  const d = window.__lectern;
  return {
    state: d.state,
    framesReceived: d.framesReceived,
    lastFrame: d.lastFrame,
    latenciesMs: d.latenciesMs.slice(),
    status: document.querySelector('[data-testid=connection-status]')?.textContent?.trim(),
    banner: document.querySelector('[data-testid=error-banner]')?.textContent?.trim() ?? null,
    chartPoints: document.querySelector('[data-testid=live-chart]')?.getAttribute('data-points'),
  };
});
const { state, framesReceived, lastFrame, latenciesMs, ...dom } = diag;
const latency = { latencies: latenciesMs.length, p50: percentileOf(latenciesMs, 50), p95: percentileOf(latenciesMs, 95) };
console.log(JSON.stringify({ state, framesReceived, lastFrame, ...latency, ...dom }, null, 2));
await page.screenshot({ path: `${out}/rehearse.png`, fullPage: true });

await page.setViewportSize({ width: 390, height: 844 });
await page.waitForTimeout(300);
await page.screenshot({ path: `${out}/rehearse-mobile.png`, fullPage: true });

await page.getByTestId('stop').click();
await page.waitForFunction(() => window.__lectern.state === 'stopped');
await browser.close();
