/**
 * End to end under network impairment: headless Chromium runs in a network namespace of its own
 * (test/support/netns.ts) and reaches the gateway and mediasoup only over a veth pair whose both
 * ends delay, jitter and drop packets (netem, or its NFQUEUE stand-in where the kernel has no
 * sch_netem). The presenter page publishes the real-speech fixture; a viewer socket on the host
 * side (unimpaired) measures the voice frames and captions.
 *
 * One session, three phases: (1) 200 ms ± 50 ms delay and 5 % loss each way for 20 s — frames keep
 * coming at the nominal rate, losses are concealed, captions go on; (2) a 10 s outage (100 % loss)
 * — the web app restarts ICE and media flows again within 5 s of the end, in the same session;
 * (3) the recording keeps the outage as a hole in time: its length matches the session's
 * published span and the audio after the gap sits at its RTP-timestamp position, not shifted.
 * Figures are printed with a `[measure]` prefix.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LecternNode, startLectern } from '@lectern/gateway';
import { roomKey } from '../../gateway/src/access/RoomKey.ts';
import { createTestAccount, roomGrant } from '../../gateway/src/testing/access.ts';
import { TestStorage, waitUntil } from '../../gateway/src/testing/services.ts';
import { CHROMIUM_PATH, chromiumArgs, signedInPage } from '../support/browser.ts';
import { speechFixture } from '../support/fixtures.ts';
import { NetnsPair, netnsUnavailableReason } from '../support/netns.ts';
import { RoomObserver } from '../support/observer.ts';

const unavailable = netnsUnavailableReason();
if (unavailable) console.warn(`[netem] skipped: ${unavailable}`);

const ROOM = 'netem-room';
const IMPAIRED_SEC = 20;
const OUTAGE_SEC = 10;

let pair: NetnsPair;
let storage: TestStorage;
let node: LecternNode;
let browser: Browser;
let page: Page;
/** A coach (admin of the presenter's organization) following the room from the same namespace. */
let coachPage: Page;
let observer: RoomObserver;
let sessionId = '';
let account: Awaited<ReturnType<typeof createTestAccount>>;
const ownerAuth = () => ({ authorization: `Bearer ${account.accessToken}` });
/** Audio packets the server's producer received, sampled every 100 ms (epoch ms, cumulative count). */
const packetSamples: { atMs: number; packets: number }[] = [];
let sampler: ReturnType<typeof setInterval> | undefined;
const phases: Record<string, { startMs: number; endMs: number }> = {};

async function audioPacketCount(): Promise<number | null> {
  for (const room of node.sfu.rooms.values()) {
    for (const { producer } of room.listProducers()) {
      if (producer.kind !== 'audio' || producer.closed) continue;
      const stats = await producer.getStats();
      return stats.reduce((n, s) => n + (s.packetCount ?? 0), 0);
    }
  }
  return null;
}

/** Packets received between two wall times (from the 100 ms samples). */
function packetsBetween(fromMs: number, toMs: number): number {
  const at = (t: number) => packetSamples.filter((s) => s.atMs <= t).at(-1)?.packets ?? 0;
  return at(toMs) - at(fromMs);
}

interface Diag {
  state: string;
  iceRestarts: number;
  mediaReconnecting: boolean;
  socketDisconnects: number;
  framesReceived: number;
}
/** The page's `window.__lectern` diagnostics (a copy), or null before the page set them up. */
const diagOf = (p: Page): Promise<Diag | null> =>
  p.evaluate(() => {
    const d = (window as unknown as { __lectern?: Diag }).__lectern;
    return d ? { state: d.state, iceRestarts: d.iceRestarts, mediaReconnecting: d.mediaReconnecting, socketDisconnects: d.socketDisconnects, framesReceived: d.framesReceived } : null;
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(unavailable !== null)('a presenter behind an impaired network (netns + veth)', () => {
  beforeAll(async () => {
    const fixture = speechFixture();
    pair = await NetnsPair.create();
    console.log(`[measure] netns ${pair.name}: host ${pair.hostIp} (${pair.hostIf}) ↔ client ${pair.clientIp}; impairment back-end ${pair.backend}`);
    storage = new TestStorage('e2e_netem');
    const { db, objects } = await storage.start();
    node = await startLectern(
      { host: pair.hostIp, port: 0, rtcListenIp: pair.hostIp, sfuWorkers: 1, analyzerProcesses: 1, poseProcesses: 0, logLevel: 'warn', dataDir: path.join(storage.work.dir, 'node') },
      { database: db, objects },
    );
    account = await createTestAccount(node, { role: 'owner' });
    observer = await RoomObserver.join(node.url, ROOM, { accessToken: account.accessToken, grant: await roomGrant(node, account, ROOM, 'viewer') });
    // Chromium inside the namespace: playwright talks to it over its pipe (fds 3/4 survive `ip netns exec`).
    // The page's origin is http://10.213.N.1:PORT, not localhost: let getUserMedia treat it as secure.
    browser = await chromium.launch({
      executablePath: pair.wrapperScript(CHROMIUM_PATH),
      headless: true,
      args: [...chromiumArgs({ audioFile: fixture.wav48k }), `--unsafely-treat-insecure-origin-as-secure=${node.url}`],
    });
    ({ page } = await signedInPage(browser, node.url, account, { label: 'netem-page', context: { viewport: { width: 1280, height: 720 } } }));
    await page.goto(`${node.url}/rehearse?room=${ROOM}&autostart=1&video=0`);
    await waitUntil(() => !!(sessionId = node.sessions!.manager.liveSessionOfRoom(roomKey(account.orgId, ROOM)) ?? ''), 30_000, 'session start');
    const coachAccount = await createTestAccount(node, { role: 'admin', orgId: account.orgId });
    ({ page: coachPage } = await signedInPage(browser, node.url, coachAccount, { label: 'netem-coach' }));
    await coachPage.goto(`${node.url}/coach?room=${ROOM}&name=Coach`);
    await waitUntil(async () => (await diagOf(coachPage))?.state === 'live', 30_000, 'the coach page live', 250);
    sampler = setInterval(() => {
      void audioPacketCount().then((packets) => {
        if (packets !== null) packetSamples.push({ atMs: Date.now(), packets });
      });
    }, 100);
    await observer.waitFor(() => observer.frames.length >= 50, 60_000, '5 s of voice frames before any impairment');
  }, 180_000);

  afterAll(async () => {
    clearInterval(sampler);
    if (page) {
      fs.mkdirSync(path.join(process.cwd(), 'test-results'), { recursive: true });
      await page.screenshot({ path: path.join(process.cwd(), 'test-results/netem-rehearse.png') }).catch(() => {});
    }
    observer?.close();
    await browser?.close();
    await node?.close();
    await storage?.close();
    await pair?.close();
  });

  it(`keeps voice frames and captions flowing under 200 ± 50 ms delay and 5 % loss each way (${IMPAIRED_SEC} s)`, async () => {
    const recent = packetSamples.filter((x) => x.atMs >= Date.now() - 4000);
    const baselinePps = recent.length > 1 ? ((recent.at(-1)!.packets - recent[0]!.packets) * 1000) / (recent.at(-1)!.atMs - recent[0]!.atMs) : Number.NaN;
    const before = await pair.impair({ delayMs: 200, jitterMs: 50, lossPct: 5 });
    const startMs = Date.now();
    await sleep(IMPAIRED_SEC * 1000);
    const endMs = Date.now();
    const counters = await pair.impair({ delayMs: 0, jitterMs: 0, lossPct: 0 });
    phases.impaired = { startMs, endMs };
    // Frames whose window closed in the phase (server time), skipping the first second (the delay
    // shifts the stream by 200 ms at the start).
    const from = startMs + 1000;
    const frames = observer.frames.filter((f) => f.frame.serverTimeMs >= from && f.frame.serverTimeMs < endMs).map((f) => f.frame);
    const nominal = (endMs - from) / 100;
    const concealed = frames.reduce((n, f) => n + f.concealedPackets, 0);
    const packets = packetsBetween(from, endMs);
    const captions = observer.captions.filter((c) => c.receivedAtMs >= startMs && c.receivedAtMs < endMs + 2000);
    const finals = captions.filter((c) => c.caption.kind === 'final');
    const mediaSpan = frames.length ? frames.at(-1)!.mediaTimeSec - frames[0]!.mediaTimeSec + 0.1 : 0;
    const dropped = counters && before ? { dropped: counters.dropped - before.dropped, of: counters.packets - before.packets } : null;
    console.log(
      `[measure] impaired ${IMPAIRED_SEC} s (${pair.backend}, 200±50 ms, 5 % each way): voice frames ${frames.length} of ${nominal.toFixed(0)} nominal (${((frames.length / nominal) * 100).toFixed(1)} %), ` +
        `media span ${mediaSpan.toFixed(1)} s over ${((endMs - from) / 1000).toFixed(1)} s wall; audio packets at the SFU ${packets} (${(packets / ((endMs - from) / 1000)).toFixed(1)}/s; ${baselinePps.toFixed(1)}/s unimpaired before), concealed by the analyzer ${concealed} ` +
        `(${((concealed / Math.max(1, frames.length * 5)) * 100).toFixed(1)} % of 20 ms slots); captions ${captions.length} (${finals.length} final); ` +
        (dropped ? `helper dropped ${dropped.dropped} of ${dropped.of} packets (${((dropped.dropped / dropped.of) * 100).toFixed(1)} %)` : ''),
    );
    expect(frames.length / nominal).toBeGreaterThanOrEqual(0.9);
    // The frames are the media timeline: 100 ms apart, no holes, none doubled.
    const steps = frames.slice(1).map((f, i) => f.mediaTimeSec - frames[i]!.mediaTimeSec);
    expect(steps.filter((s) => Math.abs(s - 0.1) < 0.001).length / steps.length).toBeGreaterThan(0.99);
    // The impairment was real (≈ 5 % of the packets dropped), and the analyzer concealed what
    // did not arrive in time instead of skipping it (the frames' media time kept its length above).
    if (dropped) expect(dropped.dropped / dropped.of).toBeGreaterThan(0.03);
    if (dropped) expect(dropped.dropped / dropped.of).toBeLessThan(0.07);
    expect(concealed / (frames.length * 5)).toBeGreaterThan(0.02);
    expect(frames.filter((f) => f.isSpeech).length, 'speech is still detected').toBeGreaterThan(frames.length * 0.2);
    expect(captions.length, 'captions still produced').toBeGreaterThan(0);
    expect(finals.length + captions.filter((c) => c.caption.kind === 'partial').length).toBeGreaterThan(3);
  }, 60_000);

  it(`recovers from a ${OUTAGE_SEC} s outage within 5 s in the same session (ICE restart)`, async () => {
    await sleep(3000); // settle after phase 1
    const framesBefore = observer.frames.length;
    await pair.impair({ lossPct: 100 });
    const startMs = Date.now();
    let bannerSeenMs: number | null = null;
    let coachBannerSeenMs: number | null = null;
    while (Date.now() - startMs < OUTAGE_SEC * 1000) {
      if (bannerSeenMs === null && (await page.getByTestId('transport-banner').isVisible().catch(() => false))) bannerSeenMs = Date.now() - startMs;
      if (coachBannerSeenMs === null && (await coachPage.getByTestId('transport-banner').isVisible().catch(() => false))) coachBannerSeenMs = Date.now() - startMs;
      await sleep(200);
    }
    await pair.impair({ lossPct: 0 });
    const endMs = Date.now();
    phases.outage = { startMs, endMs };
    await waitUntil(() => packetSamples.some((s) => s.atMs > endMs && s.packets > packetsAt(endMs)), 30_000, 'audio packets after the outage', 100);
    const resumedMs = packetSamples.find((s) => s.atMs > endMs && s.packets > packetsAt(endMs))!.atMs;
    // First voice frame after the outage computed from received audio (not the gap fill): level above the fill's −100 dBFS.
    await observer.waitFor(() => observer.frames.some((f) => f.receivedAtMs > resumedMs && f.frame.levelDbfs > -90), 30_000, 'a voice frame with audio after the outage');
    const firstFrame = observer.frames.find((f) => f.receivedAtMs > resumedMs && f.frame.levelDbfs > -90)!;
    await waitUntil(async () => !(await page.getByTestId('transport-banner').isVisible().catch(() => false)), 15_000, 'the "Reconnecting media…" banner to go away', 200);
    // Watch 8 s more: a late ICE restart must not interrupt the media again.
    const watchFromMs = Date.now();
    const states: string[] = [];
    while (Date.now() - watchFromMs < 8000) {
      const d = await page.evaluate(() => {
        const x = (window as unknown as { __lectern?: { iceRestarts: number; mediaReconnecting: boolean } }).__lectern;
        return x ? `${x.iceRestarts}${x.mediaReconnecting ? 'R' : ''}` : '?';
      });
      if (states.at(-1) !== d) states.push(d);
      await sleep(250);
    }
    const after = packetSamples.filter((s) => s.atMs >= resumedMs);
    let stallMs = 0;
    for (let i = 1; i < after.length; i++) {
      if (after[i]!.packets === after[i - 1]!.packets) {
        let j = i;
        while (j < after.length && after[j]!.packets === after[i - 1]!.packets) j++;
        stallMs = Math.max(stallMs, (after[Math.min(j, after.length - 1)]!.atMs - after[i - 1]!.atMs));
        i = j;
      }
    }
    const diag = await diagOf(page);
    await waitUntil(async () => (await diagOf(coachPage))?.mediaReconnecting === false, 15_000, 'the coach media back', 250);
    const coachFrames = (await diagOf(coachPage))?.framesReceived ?? 0;
    await sleep(1000);
    const coachDiag = await diagOf(coachPage);
    const liveNow = node.sessions!.manager.liveSessionOfRoom(roomKey(account.orgId, ROOM));
    const outageFrames = observer.frames.slice(framesBefore).filter((f) => f.receivedAtMs >= startMs && f.receivedAtMs < endMs).length;
    console.log(
      `[measure] outage ${((endMs - startMs) / 1000).toFixed(1)} s: audio packets at the SFU again ${resumedMs - endMs} ms after it ended; first voice frame with audio ${firstFrame.receivedAtMs - endMs} ms after ` +
        `(media time ${firstFrame.frame.mediaTimeSec.toFixed(1)} s); "Reconnecting media…" shown ${bannerSeenMs === null ? 'never' : `${bannerSeenMs} ms into the outage`}; ` +
        `frames during the outage ${outageFrames}; page ${JSON.stringify(diag)}; coach page ${JSON.stringify(coachDiag)} ("Reconnecting media…" ${coachBannerSeenMs === null ? 'never' : `at ${coachBannerSeenMs} ms`}), ICE restarts/reconnecting over the next 8 s ${states.join(' → ')}, longest stall of audio packets since ${stallMs} ms; session ${sessionId} → ${liveNow}`,
    );
    expect(stallMs, 'no second interruption after the media came back').toBeLessThan(1000);
    expect(resumedMs - endMs, 'media flows again within 5 s').toBeLessThanOrEqual(5000);
    expect(firstFrame.receivedAtMs - endMs).toBeLessThanOrEqual(5000);
    expect(bannerSeenMs, 'the page says "Reconnecting media…" during the outage').not.toBeNull();
    expect(diag?.state).toBe('live');
    // A restart was requested during the outage (Chromium reports `disconnected` after ≈ 5 s, + 2 s
    // grace) and applied once the network was back, without interrupting the media (stall above).
    expect(diag?.iceRestarts ?? 0).toBeGreaterThanOrEqual(1);
    expect(liveNow, 'the same session goes on').toBe(sessionId);
    // The coach's receive transport went through the same outage: restarted, live, frames again.
    expect(coachBannerSeenMs, 'the coach page says "Reconnecting media…" during the outage').not.toBeNull();
    expect(coachDiag?.state).toBe('live');
    expect(coachDiag?.iceRestarts ?? 0).toBeGreaterThanOrEqual(1);
    expect(coachDiag!.framesReceived).toBeGreaterThan(coachFrames);
    // The signaling event checks its input: no payload, and a transport that is not the peer's.
    const bad = await observer.request('transport:restartIce', {});
    expect(bad.ok ? null : bad.error.code).toBe('BAD_REQUEST');
    const foreign = await observer.request('transport:restartIce', { transportId: 'not-a-transport' });
    expect(foreign.ok ? null : foreign.error.code).toBe('NOT_FOUND');
  }, 90_000);

  it('records the outage as a hole in time: length ≈ wall clock, audio after the gap at its RTP position', async () => {
    await sleep(5000); // some audio after the outage
    const res = await fetch(`${node.url}/v1/sessions/${sessionId}/end`, { method: 'POST', headers: ownerAuth() });
    expect(res.status).toBe(200);
    const ended = node.sessions!.manager.endedSession(sessionId)!;
    const rec = ended.recording!;
    const detail = (await (await fetch(`${node.url}/v1/sessions/${sessionId}`, { headers: ownerAuth() })).json()) as Record<string, unknown>;
    const file = path.join(storage.work.dir, 'netem.webm');
    fs.writeFileSync(file, Buffer.from(await (await fetch(detail.recordingUrl as string)).arrayBuffer()));
    const packets = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'packet=pts_time,duration_time', '-of', 'json', file]).toString()).packets as { pts_time: string; duration_time?: string }[];
    const pts = packets.map((p) => Number(p.pts_time));
    const durationSec = Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]).toString().trim());
    const audioSpanSec = pts.at(-1)! - pts[0]! + 0.02;
    let gap = { atSec: 0, sec: 0 };
    for (let i = 1; i < pts.length; i++) if (pts[i]! - pts[i - 1]! > gap.sec) gap = { atSec: pts[i - 1]!, sec: pts[i]! - pts[i - 1]! };
    const wallSec = ((rec.audioLastArrivalMs ?? rec.stoppedAtMs) - rec.audioFirstArrivalMs!) / 1000;
    // Where the gap should be: the outage's start on the arrival clock, relative to the first packet.
    const outageAtSec = (phases.outage!.startMs - rec.audioFirstArrivalMs!) / 1000;
    const [row] = await storage.db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM sessions WHERE room_id = ${ROOM}`;
    const n = row!.n;
    console.log(
      `[measure] recording: file ${durationSec.toFixed(2)} s, audio pts span ${audioSpanSec.toFixed(2)} s, arrivals span ${wallSec.toFixed(2)} s (RTP span ${rec.audioRtpSpanSec?.toFixed(2)} s); ` +
        `largest pts hole ${gap.sec.toFixed(2)} s at ${gap.atSec.toFixed(2)} s (outage began ${outageAtSec.toFixed(2)} s after the first packet, lasted ${((phases.outage!.endMs - phases.outage!.startMs) / 1000).toFixed(2)} s); ` +
        `${packets.length} audio packets; sessions of the room in the DB: ${n}`,
    );
    expect(n, 'one session for the whole run').toBe(1);
    expect(Math.abs(audioSpanSec - wallSec), 'recording length ≈ wall-clock session length').toBeLessThanOrEqual(1);
    expect(gap.sec, 'the outage stays a hole in time').toBeGreaterThan(OUTAGE_SEC - 2);
    expect(gap.sec).toBeLessThan(OUTAGE_SEC + 3);
    expect(Math.abs(gap.atSec - pts[0]! - outageAtSec), 'the hole is where the outage was').toBeLessThanOrEqual(1);
  }, 120_000);
});

function packetsAt(t: number): number {
  return packetSamples.filter((s) => s.atMs <= t).at(-1)?.packets ?? 0;
}
