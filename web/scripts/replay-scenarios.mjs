#!/usr/bin/env node
// Checks of the captions on /rehearse and of /sessions and /sessions/[id] (replay) in headless
// Chromium against the mock gateway (mock-gateway.mjs + mock-api.mjs, started here), with
// screenshots. Needs a built app (npm run build -w web) and, for the replay media, the speech
// fixture (bash scripts/fixtures.sh) and ffmpeg.
// Usage: node web/scripts/replay-scenarios.mjs [outDir] [port]     exits non-zero when a check fails.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../../test/support/browser.ts';

const [out = '/tmp/lectern-replay', port = '8092'] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;
mkdirSync(out, { recursive: true });

const mock = spawn(process.execPath, [fileURLToPath(new URL('./mock-gateway.mjs', import.meta.url)), port], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve) => mock.stdout.on('data', (d) => String(d).includes('http://') && resolve()));

const browser = await launchChromium();
let failures = 0;
const expect = (cond, msg) => { if (!cond) throw new Error(msg); };

async function scenario(name, fn, { width = 1280, height = 900 } = {}) {
  const page = await browser.newPage({ viewport: { width, height } });
  page.on('pageerror', (e) => console.log(`  [pageerror] ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && console.log(`  [console] ${m.text()}`));
  try {
    await fn(page);
    console.log(`ok   ${name}`);
  } catch (err) {
    failures++;
    console.log(`FAIL ${name}: ${err.message.split('\n')[0]}`);
  }
  await page.screenshot({ path: `${out}/${name}.png`, fullPage: true });
  await page.close();
}
const mode = (m) => fetch(`${base}/mock/api-mode?set=${m}`);
const currentTime = (page) => page.evaluate(() => document.querySelector('[data-testid=replay-video]').currentTime);

await scenario('captions-live', async (page) => {
  await page.goto(`${base}/rehearse?room=rs-captions&autostart=1`);
  await page.waitForFunction(() => window.__lectern?.captionsReceived > 10, null, { timeout: 30_000 });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=caption-lines] [data-kind=final]').length >= 3, null, { timeout: 30_000 });
  expect((await page.getByTestId('caption-strip').getAttribute('data-engine')) === 'pocketsphinx', 'engine');
  await page.waitForFunction(() => document.querySelector('[data-testid=card-pace]')?.dataset.value !== '', null, { timeout: 15_000 });
  await page.waitForFunction(() => document.querySelector('[data-testid=caption-lines] [data-filler]'), null, { timeout: 20_000 });
  await page.waitForFunction(() => window.__lectern.fluency?.fillerCount > 0);
});

await scenario('captions-off', async (page) => {
  await page.goto(`${base}/rehearse?room=rs-asr-none&autostart=1`);
  await page.getByTestId('captions-off').waitFor({ timeout: 15_000 });
  const text = await page.getByTestId('captions-off').textContent();
  expect(/Captions are off/.test(text) && /sherpa-onnx/.test(text), `captions-off text: ${text}`);
  await page.waitForFunction(() => window.__lectern?.framesReceived > 30, null, { timeout: 15_000 });
});

await scenario('sessions-list', async (page) => {
  await page.goto(`${base}/`);
  await page.getByTestId('nav-sessions').click();
  await page.getByTestId('sessions-list').waitFor();
  expect(Number(await page.getByTestId('sessions-list').getAttribute('data-count')) === 5, 'count');
});

await scenario('sessions-empty', async (page) => {
  await mode('empty');
  await page.goto(`${base}/sessions`);
  await page.getByTestId('sessions-empty').waitFor();
  expect(/No sessions yet — start a rehearsal/.test(await page.getByTestId('sessions-empty').textContent()), 'empty text');
  await mode('ok');
});

await scenario('sessions-error', async (page) => {
  await mode('error');
  await page.goto(`${base}/sessions`);
  await page.getByTestId('sessions-error').waitFor();
  const t = await page.getByTestId('sessions-error').textContent();
  expect(/database is not reachable/.test(t), `problem detail shown: ${t}`);
  await page.screenshot({ path: `${out}/sessions-error-banner.png`, fullPage: true });
  await mode('ok');
  await page.getByTestId('sessions-retry').click();
  await page.getByTestId('sessions-list').waitFor();

});

await scenario('sessions-loading', async (page) => {
  await mode('slow');
  await page.goto(`${base}/sessions`);
  await page.getByTestId('sessions-loading').waitFor();
  await page.screenshot({ path: `${out}/sessions-loading.png` });
  await mode('ok');
  await page.getByTestId('sessions-list').waitFor({ timeout: 10_000 });
});

await scenario('replay', async (page) => {
  await page.goto(`${base}/sessions`);
  await page.locator('[data-testid=session-row][data-id=mock-demo] a').first().click();
  await page.getByTestId('replay-video').waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid=replay-video]').readyState >= 1, null, { timeout: 15_000 });
  const pts = Number(await page.getByTestId('lane-voice').getAttribute('data-points'));
  expect(pts > 500, `voice lane points ${pts}`);
  expect(Number(await page.getByTestId('lane-pace').getAttribute('data-points')) > 10, 'pace lane');
  expect(Number(await page.getByTestId('lane-posture').getAttribute('data-points')) > 100, 'posture lane');
  // Click the voice chart at 3/4 of its width: the video seeks there.
  const over = page.locator('[data-testid=lane-voice] .u-over');
  const box = await over.boundingBox();
  await over.click({ position: { x: box.width * 0.75, y: box.height / 2 } });
  await page.waitForTimeout(400);
  const t1 = await currentTime(page);
  const dur = await page.evaluate(() => document.querySelector('[data-testid=replay-video]').duration);
  expect(Math.abs(t1 - dur * 0.75) < 1.5, `chart click → currentTime ${t1} (duration ${dur})`);
  // Click a transcript word: the video seeks to its start.
  const word = page.locator('[data-testid=transcript] button.tok').nth(5);
  const start = Number(await word.getAttribute('data-start'));
  await word.click();
  await page.waitForTimeout(300);
  const t2 = await currentTime(page);
  expect(Math.abs(t2 - start) < 0.3, `word click → currentTime ${t2}, word starts ${start}`);
  // Play: time advances and the playhead follows.
  await page.evaluate(() => document.querySelector('[data-testid=replay-video]').play());
  await page.waitForTimeout(2500);
  const t3 = await currentTime(page);
  expect(t3 > t2 + 1, `playing advances: ${t2} → ${t3}`);
  const cur = await page.locator('[data-testid=transcript] [aria-current=true]').count();
  await page.evaluate(() => document.querySelector('[data-testid=replay-video]').pause());
  expect(cur === 1, `one current word while playing (${cur})`);
  expect(await page.getByTestId('lane-voice-playhead').isVisible(), 'playhead');
  expect((await page.locator('[data-testid=transcript] [data-filler]').count()) >= 3, 'fillers highlighted');
});

await scenario('replay-mobile', async (page) => {
  await page.goto(`${base}/sessions/mock-demo`);
  await page.getByTestId('replay-video').waitFor();
  await page.waitForTimeout(800);
}, { width: 390, height: 844 });

await scenario('replay-audio-only', async (page) => {
  await page.goto(`${base}/sessions/mock-audio`);
  await page.getByTestId('replay-video').waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid=replay-video]').readyState >= 1, null, { timeout: 15_000 });
  expect(Number(await page.getByTestId('lane-voice').getAttribute('data-points')) > 200, 'voice points');
  await page.getByTestId('transcript-empty').waitFor();
  await page.evaluate(() => document.querySelector('[data-testid=replay-video]').play());
  await page.waitForTimeout(1500);
  expect((await currentTime(page)) > 0.5, 'audio-only plays');
  await page.evaluate(() => document.querySelector('[data-testid=replay-video]').pause());
});

await scenario('replay-live', async (page) => {
  await page.goto(`${base}/sessions/mock-live`);
  await page.getByTestId('recording-status').waitFor();
  expect((await page.getByTestId('recording-status').getAttribute('data-state')) === 'recording', 'state');
});

await scenario('replay-spooled', async (page) => {
  await page.goto(`${base}/sessions/mock-spooled`);
  await page.getByTestId('recording-status').waitFor();
});

await scenario('replay-failed', async (page) => {
  await page.goto(`${base}/sessions/mock-failed`);
  await page.getByTestId('recording-status').waitFor();
  expect(/ffmpeg exited/.test(await page.getByTestId('recording-status').textContent()), 'error text');
});

await scenario('replay-not-found', async (page) => {
  await page.goto(`${base}/sessions/6f1c1b8e-0000-4000-8000-000000000000`);
  await page.getByTestId('replay-error').waitFor();
  expect((await page.getByTestId('replay-error').getAttribute('data-code')) === 'NOT_FOUND', 'code');
  expect(/no session with id 6f1c1b8e/.test(await page.getByTestId('replay-error').textContent()), 'detail as message');
});

await scenario('replay-bad-id', async (page) => {
  await page.goto(`${base}/sessions/not-a-uuid`);
  await page.getByTestId('replay-error').waitFor();
  expect((await page.getByTestId('replay-error').getAttribute('data-code')) === 'BAD_REQUEST', 'code');
  expect(/must be a UUID/.test(await page.getByTestId('replay-error').textContent()), 'detail as message');
});

await browser.close();
mock.kill('SIGTERM');
process.exit(failures ? 1 : 0);
