/**
 * Script mode end to end: the script is the speech fixture's reference text, one sentence per
 * utterance (A, B, B-quiet, C, D); the fake microphone plays an off-script opening line, then the
 * fixture with utterance C cut out (then silence, so Chromium's loop does not start over before the end). Headless Chromium
 * rehearses on /rehearse with the script pasted (localStorage, as the page keeps it); the live
 * Script panel must follow the captions; after the end, `GET /v1/sessions/:id/script` and the
 * report page must report passage C as skipped with a replay link that opens the replay where
 * the speaker went on (±0.5 s). Prints JSON figures (`[script] {...}`); screenshots
 * test-results/script-live.png, script-report.png. Needs the built web app (npm run build:web).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionScriptSchema, type SessionScript } from '@lectern/contract';
import { type LecternNode, startLectern } from '@lectern/gateway';
import { roomKey } from '../../gateway/src/access/RoomKey.ts';
import { createTestAccount, type TestAccount } from '../../gateway/src/testing/access.ts';
import { tempDir, waitUntil } from '../../gateway/src/testing/services.ts';
import { bearerFor, launchChromium, signedInPage } from '../support/browser.ts';
import { repoRoot, speechFixture } from '../support/fixtures.ts';

const fixture = speechFixture();
const ROOM = 'e2e-script';
const REMOVED = 'C';
const work = tempDir('e2e-script');
const audio = path.join(work.dir, 'without-c.wav');
// The cut: from half-way through the pause before C to half-way through the pause after it.
const segs = fixture.segments;
const ci = segs.findIndex((s) => s.label === REMOVED);
const cutFromSec = (segs[ci - 1]!.endSec + segs[ci]!.startSec) / 2;
const cutToSec = (segs[ci]!.endSec + segs[ci + 1]!.startSec) / 2;
const TAIL_SILENCE_SEC = 12;
const OPENER = '/usr/share/pocketsphinx/test/data/goforward.raw';
const OPENER_GAP_SEC = 1;
const openerSec = fs.statSync(OPENER).size / 2 / 16000 + OPENER_GAP_SEC;
const audioSec = openerSec + fixture.durationSec - (cutToSec - cutFromSec);
const SCRIPT = segs.map((s) => `${s.text[0]!.toUpperCase()}${s.text.slice(1)}.`).join('\n');

let node: LecternNode;
let browser: Browser;
let account: TestAccount;
let auth: () => Promise<Record<string, string>>;
let live: Page;
let sessionId = '';
let liveSeen: { following: boolean; passages: string[]; coverage: number | null } = { following: false, passages: [], coverage: null };

async function api<T>(method: string, url: string): Promise<T> {
  const r = await fetch(node.url + url, { method, headers: await auth() });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${url} → ${r.status}: ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

beforeAll(async () => {
  // An opening line that is not in the script (Debian's goforward.raw, "go forward ten meters",
  // 16 kHz raw), 1 s of silence, the fixture without utterance C, then silence (48 kHz mono
  // 16-bit, Chromium's fake mic). Speakers often open off-script; it also gives the live
  // recogniser its first seconds of this voice, which it recognises worst (see the aligner's
  // "real recogniser output" test), before the scripted part.
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 's16le', '-ar', '16000', '-ac', '1', '-i', OPENER, '-i', fixture.wav48k, '-filter_complex',
    `[0:a]aresample=48000,apad=pad_dur=${OPENER_GAP_SEC}[o];[1:a]atrim=0:${cutFromSec},asetpts=N/SR/TB[a];[1:a]atrim=${cutToSec},asetpts=N/SR/TB[b];[o][a][b]concat=n=3:v=0:a=1,apad=pad_dur=${TAIL_SILENCE_SEC}[out]`,
    '-map', '[out]', '-c:a', 'pcm_s16le', '-ar', '48000', '-ac', '1', audio]);
  node = await startLectern({ port: 0, sfuWorkers: 1, analyzerProcesses: 1, poseProcesses: 0, logLevel: 'warn', dataDir: work.dir });
  browser = await launchChromium({ audioFile: audio });
  account = await createTestAccount(node, { role: 'owner' });
  auth = bearerFor(node.url, account);

  ({ page: live } = await signedInPage(browser, node.url, account, { label: 'rehearse', context: { viewport: { width: 1280, height: 1400 } } }));
  await live.addInitScript((text: string) => localStorage.setItem('lectern.script.text', text), SCRIPT);
  await live.goto(`${node.url}/rehearse?room=${ROOM}&autostart=1`);
  await waitUntil(() => !!(sessionId = node.sessions!.manager.liveSessionOfRoom(roomKey(account.orgId, ROOM)) ?? ''), 30_000, 'session start');
  // Live: the panel follows the script once captions arrive (polled every 2 s).
  const needSec = audioSec + 3;
  const t0 = Date.now();
  while (Date.now() - t0 < (needSec + 40) * 1000) {
    const media = await live.evaluate(() => (window as unknown as { __lectern?: { lastFrame: { mediaTimeSec: number } | null } }).__lectern?.lastFrame?.mediaTimeSec ?? 0);
    liveSeen = await live.evaluate(() => ({
      following: document.querySelector('[data-testid=script-panel]')?.getAttribute('data-following') === 'true',
      passages: [...document.querySelectorAll('[data-testid=script-passage]')].map((e) => e.getAttribute('data-status') ?? ''),
      coverage: Number(document.querySelector('[data-testid=script-coverage]')?.getAttribute('data-coverage') ?? NaN),
    }));
    if (media >= needSec) break;
    await live.waitForTimeout(1000);
  }
  // On a loaded host the recogniser lags: wait (still inside the trailing silence) until words of
  // the last utterance are stored, at most 8 s.
  await waitUntil(async () => (await api<{ words: { startSec: number }[] }>('GET', `/v1/sessions/${sessionId}/timeline`)).words.some((w) => w.startSec >= audioSec - 6), 8_000, 'words of the last utterance', 1000).catch(() => {});
  fs.mkdirSync(path.join(repoRoot, 'test-results'), { recursive: true });
  await live.getByTestId('script-panel').screenshot({ path: path.join(repoRoot, 'test-results/script-live.png') });
  await api('POST', `/v1/sessions/${sessionId}/end`);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await node?.close();
  work.cleanup();
});

describe('script mode', () => {
  let final: SessionScript;
  let report: Page;

  it('follows the script live on /rehearse', () => {
    expect(liveSeen.following, 'the Script panel stored the script with the live session').toBe(true);
    expect(liveSeen.passages).toHaveLength(segs.length);
    expect(liveSeen.passages.filter((s) => s === 'spoken').length).toBeGreaterThanOrEqual(3);
  });

  it('reports the utterance removed from the audio as skipped, the others as spoken', async () => {
    // After Stop the alignment is final; once the report's full pass is done it aligns the full
    // pass's words (the live recogniser sheds audio under load: CI once heard passage B as nothing).
    await waitUntil(async () => {
      final = SessionScriptSchema.parse(await api('GET', `/v1/sessions/${sessionId}/script`));
      return !!final.alignment?.final && final.wordsFrom === 'full-pass';
    }, 240_000, 'final alignment on the full pass', 1000);
    const a = final.alignment!;
    const statuses = a.passages.map((p) => p.status);
    const tl = await api<{ words: { word: string; startSec: number }[] }>('GET', `/v1/sessions/${sessionId}/timeline`);
    console.log(`[script] ${JSON.stringify({
      wordsFrom: final.wordsFrom, removed: REMOVED, cutFromSec, cutToSec, openerSec, audioSec: Math.round(audioSec * 100) / 100,
      passages: a.passages.map((p, i) => ({ label: segs[i]!.label, status: p.status, matched: p.matchedWords, words: p.wordCount, atSec: p.atSec })),
      adLibTexts: a.adLibs.map((x) => x.text),
      coveragePct: a.coveragePct, wordMatchPct: a.wordMatchPct, heardWords: a.heardWordCount, adLibs: a.adLibs.length,
      live: liveSeen,
      heard: tl.words.map((w) => `${w.word}@${w.startSec.toFixed(1)}`).join(' '),
    })}`);
    expect(a.passages[ci]!.status).toBe('skipped');
    expect(statuses[0]).toBe('spoken');
    expect(statuses[statuses.length - 1]).toBe('spoken');
    expect(statuses.filter((s) => s === 'skipped')).toHaveLength(1);
    expect(a.passages[ci]!.atSec).not.toBeNull();
    // Where the speaker went on: at D's first recognised word, after B-quiet's.
    expect(a.passages[ci]!.atSec!).toBeGreaterThan(a.passages[ci - 1]!.atSec!);
    expect(a.passages[ci]!.atSec!).toBeLessThanOrEqual(a.passages[ci + 1]!.atSec!);
    expect(a.coveragePct).toBeLessThan(100);
    expect(a.coveragePct).toBeGreaterThan(70);
  }, 300_000);

  it('lists the skipped passage in the report with a replay link that opens the replay there', async () => {
    ({ page: report } = await signedInPage(browser, node.url, account, { label: 'report' }));
    await report.goto(`${node.url}/sessions/${sessionId}/report`);
    await report.getByTestId('script-report').waitFor({ timeout: 20_000 });
    expect(await report.getByTestId('script-report-basis').getAttribute('data-words-from')).toBe('full-pass');
    const items = report.getByTestId('script-skipped');
    expect(await items.count()).toBe(1);
    expect(await items.first().getAttribute('data-index')).toBe(String(ci));
    await report.getByTestId('script-report').screenshot({ path: path.join(repoRoot, 'test-results/script-report.png') });
    const expected = final.alignment!.passages[ci]!.replaySec!;
    await waitUntil(async () => !!(await api<{ recordingUrl: string | null }>('GET', `/v1/sessions/${sessionId}`)).recordingUrl, 60_000, 'recording uploaded', 500);
    await report.getByTestId('script-skipped-link').click();
    await report.waitForURL(new RegExp(`/sessions/${sessionId}\\?t=`));
    await report.waitForFunction(() => (document.querySelector<HTMLVideoElement>('[data-testid=replay-video]')?.readyState ?? 0) >= 1, null, { timeout: 20_000 });
    const currentTime = () => report.evaluate(() => document.querySelector<HTMLVideoElement>('[data-testid=replay-video]')!.currentTime);
    await expect.poll(async () => Math.abs((await currentTime()) - expected), { timeout: 10_000 }).toBeLessThan(0.5);
    console.log(`[script] ${JSON.stringify({ skippedReplaySec: Math.round(expected * 1000) / 1000, seekErrorSec: Math.round(Math.abs((await currentTime()) - expected) * 1000) / 1000 })}`);
  });

  it('offers the pasted script again before the next rehearsal', async () => {
    const { page } = await signedInPage(browser, node.url, account, { label: 'setup' });
    await page.addInitScript((text: string) => localStorage.setItem('lectern.script.text', text), SCRIPT);
    await page.goto(`${node.url}/rehearse?room=${ROOM}-next`);
    const input = page.getByTestId('script-input');
    await input.waitFor({ timeout: 15_000 });
    expect(await input.inputValue()).toBe(SCRIPT);
    await page.getByTestId('script-panel').screenshot({ path: path.join(repoRoot, 'test-results/script-setup.png') });
  });
});
