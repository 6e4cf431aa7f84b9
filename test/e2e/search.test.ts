/**
 * Transcript search end to end: two sessions are recorded live through headless Chromium (each
 * browser's fake microphone loops a different sentence of the LibriVox fixture: A "…john dashwood
 * had then leisure to consider…", D "…married a more amiable woman…") on a gateway with its
 * embedded PostgreSQL and S3. A word recognised in only one of them is typed into the header's
 * search box; the /search page must list that session only (another organization's owner finds
 * nothing), and its hit must open the replay with the video at the word (±0.5 s of the word's
 * media time + the recording's origin). Prints JSON figures (`[search] {...}`); screenshot
 * test-results/search.png. Needs the built web app (npm run build:web).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SearchResponseSchema, type SearchResponse } from '@lectern/contract';
import { type LecternNode, startLectern } from '@lectern/gateway';
import { roomKey } from '../../gateway/src/access/RoomKey.ts';
import { createTestAccount, type TestAccount } from '../../gateway/src/testing/access.ts';
import { tempDir, waitUntil } from '../../gateway/src/testing/services.ts';
import { bearerFor, launchChromium, signedInPage } from '../support/browser.ts';
import { repoRoot, speechSegmentClip } from '../support/fixtures.ts';

const work = tempDir('e2e-search');
let node: LecternNode;
let account: TestAccount;
let auth: () => Promise<Record<string, string>>;
const browsers: Browser[] = [];

interface Recorded {
  label: string;
  sessionId: string;
  originSec: number;
  words: { word: string; startSec: number }[];
}
const recorded: Recorded[] = [];

async function api<T>(url: string, headers?: Record<string, string>): Promise<T> {
  const r = await fetch(node.url + url, { headers: headers ?? (await auth()) });
  const text = await r.text();
  if (!r.ok) throw new Error(`GET ${url} → ${r.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** Records one live session whose microphone loops fixture segment `label` (two passes), ends it, waits for its upload. */
async function record(label: string): Promise<Recorded> {
  const clip = speechSegmentClip(label, path.join(work.dir, `${label}.wav`));
  const browser = await launchChromium({ audioFile: path.join(work.dir, `${label}.wav`) });
  browsers.push(browser);
  const room = `e2e-search-${label.toLowerCase()}`;
  const { page, context } = await signedInPage(browser, node.url, account, { label: `rehearse-${label}` });
  await page.goto(`${node.url}/rehearse?room=${room}&autostart=1`);
  let sessionId = '';
  await waitUntil(() => !!(sessionId = node.sessions!.manager.liveSessionOfRoom(roomKey(account.orgId, room)) ?? ''), 30_000, `session ${label} start`);
  const needSec = clip.durationSec * 2 + 2;
  await page.waitForFunction(
    (s) => ((window as unknown as { __lectern?: { lastFrame: { mediaTimeSec: number } | null } }).__lectern?.lastFrame?.mediaTimeSec ?? 0) >= s,
    needSec,
    { timeout: (needSec + 40) * 1000 },
  );
  // On a loaded host the recogniser can lag behind the audio: keep talking (the clip loops) until
  // words are stored, at most 40 s more.
  await waitUntil(async () => (await api<{ words: unknown[] }>(`/v1/sessions/${sessionId}/timeline`)).words.length >= 6, 40_000, `recognised words in session ${label} (is PocketSphinx installed and the host not shedding captions?)`, 1000);
  const res = await fetch(`${node.url}/v1/sessions/${sessionId}/end`, { method: 'POST', headers: await auth() });
  expect(res.status).toBe(200);
  await context.close();
  let detail: { recordingUrl: string | null; mediaTimeOriginSec: number | null } = { recordingUrl: null, mediaTimeOriginSec: null };
  await waitUntil(async () => !!(detail = await api<typeof detail>(`/v1/sessions/${sessionId}`)).recordingUrl, 60_000, `recording ${label} uploaded`, 500);
  const timeline = await api<{ words: { word: string; startSec: number }[] }>(`/v1/sessions/${sessionId}/timeline`);
  return { label, sessionId, originSec: detail.mediaTimeOriginSec ?? 0, words: timeline.words };
}

/**
 * A word recognised in `own` and in none of `others` (no word there with the same first 5 letters,
 * so no other form of it either): the first of `preferred` (content words of the segment's
 * reference text; PostgreSQL's English stop words such as "there" are not searchable) that qualifies.
 */
function distinctiveWord(own: Recorded, others: Recorded[], preferred: string[]): string | null {
  const elsewhere = new Set(others.flatMap((o) => o.words.map((w) => w.word.toLowerCase().slice(0, 5))));
  const mine = new Set(own.words.map((w) => w.word.toLowerCase()));
  return preferred.find((w) => mine.has(w) && !elsewhere.has(w.slice(0, 5))) ?? null;
}

beforeAll(async () => {
  node = await startLectern({ port: 0, sfuWorkers: 1, analyzerProcesses: 1, poseProcesses: 0, logLevel: 'warn', dataDir: work.dir });
  account = await createTestAccount(node, { role: 'owner' });
  auth = bearerFor(node.url, account);
  recorded.push(await record('A'));
  recorded.push(await record('D'));
}, 400_000);

afterAll(async () => {
  for (const b of browsers) await b.close().catch(() => {});
  await node?.close();
  work.cleanup();
});

describe('transcript search', () => {
  let page: Page;

  it('finds the one session that said a word, not the other, and not from another organization', async () => {
    const [a, d] = recorded as [Recorded, Recorded];
    expect(a.words.length, 'session A has recognised words (is PocketSphinx installed?)').toBeGreaterThan(5);
    expect(d.words.length, 'session D has recognised words').toBeGreaterThan(5);
    const word = distinctiveWord(a, [d], ['dashwood', 'leisure', 'consider', 'prudently', 'power', 'mister', 'john']);
    const wordD = distinctiveWord(d, [a], ['married', 'amiable', 'woman', 'respectable', 'still', 'made']);
    expect(word, `a word only session A has (A: ${a.words.map((w) => w.word).join(' ')} | D: ${d.words.map((w) => w.word).join(' ')})`).toBeTruthy();
    expect(wordD).toBeTruthy();

    const byApi = SearchResponseSchema.parse(await api<SearchResponse>(`/v1/search?q=${encodeURIComponent(word!)}`));
    expect(byApi.items.map((i) => i.sessionId)).toEqual([a.sessionId]);
    const byApiD = SearchResponseSchema.parse(await api<SearchResponse>(`/v1/search?q=${encodeURIComponent(wordD!)}`));
    expect(byApiD.items.map((i) => i.sessionId)).toEqual([d.sessionId]);
    // Another organization's owner: the same words find nothing.
    const stranger = await createTestAccount(node, { role: 'owner', orgName: 'Other org' });
    const strangerHeaders = { authorization: `Bearer ${stranger.accessToken}` };
    expect((await api<SearchResponse>(`/v1/search?q=${encodeURIComponent(word!)}`, strangerHeaders)).items).toEqual([]);

    // The UI: header search box → /search → the hit → the replay at the word.
    const browser = browsers[0]!;
    ({ page } = await signedInPage(browser, node.url, account, { label: 'search' }));
    await page.goto(`${node.url}/sessions`);
    await page.locator('[data-testid=nav-search] input').fill(word!);
    await page.locator('[data-testid=nav-search] input').press('Enter');
    await page.waitForURL(/\/search\?q=/);
    await page.getByTestId('search-results').waitFor({ timeout: 15_000 });
    const rows = page.getByTestId('search-result');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-id')).toBe(a.sessionId);
    fs.mkdirSync(path.join(repoRoot, 'test-results'), { recursive: true });
    await page.screenshot({ path: path.join(repoRoot, 'test-results/search.png'), fullPage: true });

    const hit = page.getByTestId('search-hit').first();
    const mediaSec = Number(await hit.getAttribute('data-media-sec'));
    const stored = a.words.find((w) => w.word.toLowerCase() === word && Math.abs(w.startSec - mediaSec) < 1e-6);
    expect(stored, 'the hit is a stored word of session A at that media time').toBeTruthy();
    const expectedSec = mediaSec + a.originSec;
    await hit.click();
    await page.waitForURL(new RegExp(`/sessions/${a.sessionId}\\?t=`));
    await page.getByTestId('replay-video').waitFor({ timeout: 15_000 });
    await page.waitForFunction(() => document.querySelector<HTMLVideoElement>('[data-testid=replay-video]')!.readyState >= 1, null, { timeout: 20_000 });
    const currentTime = () => page.evaluate(() => document.querySelector<HTMLVideoElement>('[data-testid=replay-video]')!.currentTime);
    await expect.poll(async () => Math.abs((await currentTime()) - expectedSec), { timeout: 10_000 }).toBeLessThan(0.5);
    const seekErrorSec = Math.abs((await currentTime()) - expectedSec);
    await page.screenshot({ path: path.join(repoRoot, 'test-results/search-replay.png') });

    console.log(`[search] ${JSON.stringify({
      word, wordOnlyInD: wordD,
      wordsA: a.words.length, wordsD: d.words.length,
      sessionsFound: byApi.items.length, matchCount: byApi.items[0]!.matchCount, rank: byApi.items[0]!.rank,
      hitMediaTimeSec: mediaSec, recordingOriginSec: a.originSec, expectedReplaySec: Math.round(expectedSec * 1000) / 1000,
      seekErrorSec: Math.round(seekErrorSec * 1000) / 1000, otherOrgFound: 0,
    })}`);
  });
});
