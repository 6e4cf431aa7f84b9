#!/usr/bin/env node
// Headless-Chromium smoke test of the built web app; writes screenshots.
// Usage: node web/scripts/smoke.mjs <baseUrl> <outDir> [room]
//   baseUrl: where web/build is served (the gateway, or serve-static.mjs)
// Prints window.__lectern diagnostics as JSON. AUDIO_FILE=x.wav plays a file as the fake microphone;
// MIN_FRAMES (default 30) voice frames are awaited (up to WAIT_LIVE_MS, default 8000) before the screenshot.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const [base = 'http://127.0.0.1:4174', out = '/tmp/lectern-shots', room = 'smoke'] = process.argv.slice(2);
const waitLiveMs = Number(process.env.WAIT_LIVE_MS ?? 8000);
mkdirSync(out, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    ...(process.env.AUDIO_FILE ? [`--use-file-for-fake-audio-capture=${process.env.AUDIO_FILE}`] : []),
  ],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
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
  const l = d.latenciesMs.slice().sort((a, b) => a - b);
  return {
    state: d.state,
    framesReceived: d.framesReceived,
    lastFrame: d.lastFrame,
    latencies: l.length,
    p50: l[Math.floor(l.length * 0.5)] ?? null,
    p95: l[Math.floor(l.length * 0.95)] ?? null,
    status: document.querySelector('[data-testid=connection-status]')?.textContent?.trim(),
    banner: document.querySelector('[data-testid=error-banner]')?.textContent?.trim() ?? null,
    chartPoints: document.querySelector('[data-testid=live-chart]')?.getAttribute('data-points'),
  };
});
console.log(JSON.stringify(diag, null, 2));
await page.screenshot({ path: `${out}/rehearse.png`, fullPage: true });

await page.setViewportSize({ width: 390, height: 844 });
await page.waitForTimeout(300);
await page.screenshot({ path: `${out}/rehearse-mobile.png`, fullPage: true });

await page.getByTestId('stop').click();
await page.waitForFunction(() => window.__lectern.state === 'stopped');
await browser.close();
