/**
 * `npm run load -- --rooms N [--coaches M] [--seconds S] [--video] [--steps 1,2,4] …`
 *
 * Capacity of one Lectern node: starts the server as a child process (test/support/benchServer.ts,
 * its own data directory, owner from the set-up link) and ramps the number of rooms — 1, 2, 4, 6,
 * 8, … up to N (or `--steps`). At each step N rooms start at once, each with a presenter page in
 * headless Chromium publishing real speech (the LibriVox fixture as fake microphone; with
 * `--video` also the pose fixture as fake camera, so pose runs) over real WebRTC, M coaches per
 * room, and a viewer socket per room that measures (test/support/liveMeasure.ts, shared with
 * `npm run bench:live`). After a warm-up, S seconds are measured, the rooms are closed, and one
 * JSON line per step goes to stdout. The ramp stops after the first step that breaks the SLO:
 *   voice latency p95 ≤ 50 ms, caption lag p95 ≤ 1.5 s, 0 frames lost, every join admitted
 *   (a `CAPACITY` refusal breaks it) and every room live.
 * The last line is `{ capacity: { rooms, slo }, hostCalibration, … }`: the largest N that met it.
 * Progress goes to stderr. Everything stays on 127.0.0.1; the clients share the machine (and its
 * cores) with the server, so `clientCpuPercentByStage` says what they cost.
 *
 * Coaches (`--coach-mode`): `socket` (default) joins each coach as a Socket.IO client with a coach
 * grant (room:join as `coach`): it receives every metric, caption and status broadcast as a coach
 * page does, but consumes no media. `page` opens /coach?room=… in Chromium, which also consumes the
 * presenter's audio (and video) from the SFU — the real thing, but its decoding runs on the same
 * cores as the server (see the README's Capacity section for what it costs).
 *
 * `/metrics` is scraped at the start and end of each measurement window: the p95 of
 * `lectern_voice_frame_latency_seconds` and `lectern_caption_lag_seconds` over the window (bucket
 * deltas, PromQL `histogram_quantile` interpolation) is printed beside the tool's own p95, with
 * their ratio; null while the server has no such metrics.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { BrowserContext } from 'playwright-core';
import type { ErrorBody } from '@lectern/contract';
import { hostCalibration } from '../../analyzers/bench/hostCalibration.ts';
import { parseCliArgs, usageError } from '../../analyzers/src/util/cli.ts';
import { poseFixture } from '../../analyzers/test/poseSupport.ts';
import { startBenchServer } from '../support/benchServer.ts';
import { launchChromium } from '../support/browser.ts';
import { repoRoot, speechFixture } from '../support/fixtures.ts';
import { bucketDelta, histogramBuckets, histogramQuantile, metricValue, type PromSample, scrapeMetrics } from '../support/histogramQuantile.ts';
import { firstFrameOnPage, LiveWindow, percentiles, round } from '../support/liveMeasure.ts';
import { joinRefusal, loadClients, openPresenter } from '../support/loadClients.ts';
import { RoomObserver } from '../support/observer.ts';

const USAGE =
  'npm run load -- --rooms N [--coaches M] [--seconds S] [--warmup-seconds W] [--video] [--steps 1,2,4] [--coach-mode socket|page] [--load-threshold X] [--no-stop]';
const { values } = parseCliArgs(
  {
    options: {
      rooms: { type: 'string', default: '8' },
      coaches: { type: 'string', default: '0' },
      seconds: { type: 'string', default: '30' },
      'warmup-seconds': { type: 'string', default: '5' },
      video: { type: 'boolean', default: false },
      steps: { type: 'string' },
      'coach-mode': { type: 'string', default: 'socket' },
      'load-threshold': { type: 'string' },
      'no-stop': { type: 'boolean', default: false },
    },
  },
  USAGE,
);

/** The SLO a step must meet (issue #12). */
const SLO = { voiceP95Ms: 50, captionLagP95Ms: 1500, framesLost: 0 } as const;
/** Metric names of the server's `/metrics` the tool compares itself with. */
const METRIC = { voice: 'lectern_voice_frame_latency_seconds', caption: 'lectern_caption_lag_seconds', load: 'lectern_node_load' } as const;
const JOIN_TIMEOUT_MS = 60_000;

const maxRooms = Number(values.rooms);
const coaches = Number(values.coaches);
const seconds = Number(values.seconds);
const warmupSec = Number(values['warmup-seconds']);
const coachMode = values['coach-mode'];
if (!Number.isInteger(maxRooms) || maxRooms < 1) usageError('--rooms must be a positive integer', USAGE);
if (!Number.isInteger(coaches) || coaches < 0) usageError('--coaches must be an integer ≥ 0', USAGE);
if (!(seconds > 0) || !(warmupSec >= 0)) usageError('--seconds must be positive and --warmup-seconds ≥ 0', USAGE);
if (coachMode !== 'socket' && coachMode !== 'page') usageError('--coach-mode must be socket or page', USAGE);

/** 1, 2, 4, 6, 8, … (+2) up to `max`, ending with `max`. */
function defaultSteps(max: number): number[] {
  const out = [1, 2, 4].filter((n) => n <= max);
  for (let n = 6; n <= max; n += 2) out.push(n);
  if (out.at(-1) !== max) out.push(max);
  return out;
}
const steps = values.steps ? values.steps.split(',').map(Number) : defaultSteps(maxRooms);
if (!steps.length || steps.some((n) => !Number.isInteger(n) || n < 1)) usageError('--steps must be a comma-separated list of positive integers', USAGE);

const log = (msg: string) => process.stderr.write(`[load] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ── Server and clients ────────────────────────────────────────────────────────────────────────

const speech = speechFixture();
let videoFile: string | undefined;
if (values.video) {
  // Build the pose clip with its output on stderr (poseFixture would inherit stdout, where the JSON goes).
  if (!fs.existsSync(path.join(repoRoot, '.lectern/fixtures/pose-astronaut-320x240.y4m')))
    execFileSync('bash', [path.join(repoRoot, 'scripts/pose-fixtures.sh'), '320x240'], { stdio: ['ignore', 2, 2] });
  videoFile = poseFixture('320x240').y4m;
}
const bench = await startBenchServer({
  // Every client comes from 127.0.0.1: the per-IP sign-in limit would refuse a ramp's sign-ins.
  LECTERN_AUTH_RATE_LIMIT: '100000',
  ...(values['load-threshold'] ? { LECTERN_LOAD_THRESHOLD: values['load-threshold'] } : {}),
});
const { url } = bench;
const serverPid = bench.process.pid!;
const browser = await launchChromium({ audioFile: speech.wav48k, videoFile });
// The tool's own sign-in (a context of its own, so its refreshes never race a page's).
const toolContext = await browser.newContext();
await bench.signIn(toolContext);
log(`server up at ${url} (pid ${serverPid}); steps ${steps.join(', ')}; ${coaches} ${coachMode} coach(es) per room; ${values.video ? 'audio + video' : 'audio only'}`);

const clients = loadClients(bench, browser, toolContext);
const { ownerToken, roomGrant, signedInPage } = clients;

/** The node's load figure: `lectern_node_load` from `/metrics`, else `/health`'s `cluster.node.load`. */
async function nodeLoad(samples?: PromSample[] | null): Promise<number | null> {
  const fromMetrics = samples ? metricValue(samples, METRIC.load) : null;
  if (fromMetrics !== null) return fromMetrics;
  try {
    const h = (await (await fetch(`${url}/health`)).json()) as { cluster?: { node?: { load?: number } | null } };
    return typeof h.cluster?.node?.load === 'number' ? h.cluster.node.load : null;
  } catch {
    return null;
  }
}

/** p95 (ms) of a server histogram over the window between two scrapes, or null. */
function windowP95Ms(name: string, before: PromSample[] | null, after: PromSample[] | null): number | null {
  if (!before || !after) return null;
  const q = histogramQuantile(0.95, bucketDelta(histogramBuckets(before, name), histogramBuckets(after, name)));
  return q === null ? null : round(q * 1000);
}

// ── One step ──────────────────────────────────────────────────────────────────────────────────

async function runStep(stepIndex: number, n: number) {
  const token = await ownerToken();
  const contexts: BrowserContext[] = [];
  const sockets: RoomObserver[] = [];
  const refusals: ErrorBody[] = [];
  let joinsFailed = 0;
  const roomIds = Array.from({ length: n }, (_, r) => `load-${stepIndex}-${r}`);
  log(`step ${stepIndex + 1}/${steps.length}: ${n} room(s) joining at once`);

  // Presenters: join time = navigation start → the page's first voice metric frame.
  const presenters = await Promise.all(
    roomIds.map(async (roomId) => {
      await roomGrant(token, roomId, 'presenter'); // the owner claims the room name
      const p = await openPresenter(clients, contexts, url, roomId, { video: values.video, timeoutMs: JOIN_TIMEOUT_MS });
      if (p.signaling.refusal) refusals.push(p.signaling.refusal);
      else if (p.joinMs === null) joinsFailed++;
      return p;
    }),
  );
  const live = presenters.filter((p) => p.joinMs !== null);

  // A measuring viewer socket and the coaches of every live room.
  const coachJoinMs: number[] = [];
  const observers = (
    await Promise.all(
      live.map(async ({ roomId }) => {
        const observer = await RoomObserver.join(url, roomId, { accessToken: token, grant: await roomGrant(token, roomId, 'viewer') }).catch((err: unknown) => {
          const r = joinRefusal(err);
          if (r) refusals.push(r);
          else joinsFailed++;
          return null;
        });
        if (observer) sockets.push(observer);
        await Promise.all(
          Array.from({ length: coaches }, async (_, k) => {
            const grant = await roomGrant(token, roomId, 'coach');
            if (coachMode === 'socket') {
              const t0 = Date.now();
              try {
                sockets.push(await RoomObserver.join(url, roomId, { accessToken: token, grant, role: 'coach' }));
                coachJoinMs.push(Date.now() - t0);
              } catch (err) {
                const r = joinRefusal(err);
                if (r) refusals.push(r);
                else joinsFailed++;
              }
              return;
            }
            const { page, signaling } = await signedInPage(contexts);
            const t0 = Date.now();
            await page.goto(`${url}/coach?room=${roomId}&name=Coach-${k + 1}`);
            const firstAt = await firstFrameOnPage(page, JOIN_TIMEOUT_MS, () => signaling.refusal !== null);
            if (signaling.refusal) refusals.push(signaling.refusal);
            else if (firstAt === null) joinsFailed++;
            else coachJoinMs.push(firstAt - t0);
            if (firstAt === null) await page.close().catch(() => {});
          }),
        );
        return observer;
      }),
    )
  ).filter((o): o is RoomObserver => o !== null);
  await Promise.all(observers.map((o) => o.waitFor(() => o.frames.length > 0, 15_000, 'first frame').catch(() => {})));
  log(`  ${live.length}/${n} room(s) live, ${refusals.length} join(s) refused, ${joinsFailed} failed; warming up ${warmupSec} s, measuring ${seconds} s`);

  if (live.length) await sleep(warmupSec * 1000); // nothing to warm up when every join was refused
  const scrape0 = await scrapeMetrics(url);
  const measuring = LiveWindow.start(observers, serverPid, process.pid);
  const loads: number[] = [];
  const loadTimer = setInterval(() => {
    void (async () => {
      const v = await nodeLoad(await scrapeMetrics(url));
      if (v !== null) loads.push(v);
    })();
  }, 2000);
  await sleep(seconds * 1000);
  clearInterval(loadTimer);
  const m = measuring.stop();
  const scrape1 = await scrapeMetrics(url);
  const endLoad = await nodeLoad(scrape1);
  if (endLoad !== null) loads.push(endLoad);
  const asrEngine = await live[0]?.page
    .evaluate(() => (window as unknown as { __lectern?: { asr: { engine: string } | null } }).__lectern?.asr?.engine ?? null)
    .catch(() => null);
  const silentRooms = observers.filter((o) => !o.frames.some((f) => f.receivedAtMs >= m.startedAtMs)).length + (live.length - observers.length);

  const voice = percentiles(m.latenciesMs, [50, 95, 99]);
  const caption = percentiles(m.captionLagsMs, [50, 95]);
  const metricsVoiceP95 = windowP95Ms(METRIC.voice, scrape0, scrape1);
  const metricsCaptionP95 = windowP95Ms(METRIC.caption, scrape0, scrape1);
  const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : round(a / b));
  const agreement = { voiceP95: ratio(metricsVoiceP95, voice.p95), captionLagP95: ratio(metricsCaptionP95, caption.p95) };
  const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : round(a - b));
  const within10 = (r: number | null) => (r === null ? null : Math.abs(r - 1) <= 0.1);
  const joinsRefused = refusals.filter((r) => r.code === 'CAPACITY').length;
  const otherRefusals = refusals.length - joinsRefused;

  const broken: string[] = [];
  if (joinsRefused) broken.push(`${joinsRefused} join(s) refused (CAPACITY)`);
  if (joinsFailed + otherRefusals) broken.push(`${joinsFailed + otherRefusals} join(s) failed`);
  if (silentRooms) broken.push(`${silentRooms} room(s) without voice frames`);
  if (voice.p95 === null || voice.p95 > SLO.voiceP95Ms) broken.push(voice.p95 === null ? 'no voice frames' : `voice p95 ${voice.p95} ms > ${SLO.voiceP95Ms}`);
  if (caption.p95 === null || caption.p95 > SLO.captionLagP95Ms) broken.push(caption.p95 === null ? 'no captions' : `caption lag p95 ${caption.p95} ms > ${SLO.captionLagP95Ms}`);
  if (m.framesLost > SLO.framesLost) broken.push(`${m.framesLost} frame(s) lost`);

  const cpu = m.serverCpuPercentByStage;
  const result = {
    rooms: n,
    coaches,
    coachMode,
    video: values.video,
    seconds: round(m.elapsedMs / 1000),
    roomsLive: live.length,
    joinsRefused,
    joinsFailed: joinsFailed + otherRefusals,
    voiceLatencyMs: voice,
    captionLagMs: caption,
    captionWords: m.captionLagsMs.length,
    framesReceived: m.framesReceived,
    framesLost: m.framesLost,
    joinTimeMs: percentiles(live.map((p) => p.joinMs!), [50, 95]),
    joinAckMs: percentiles(live.map((p) => p.signaling.joinAckMs).filter((x): x is number => x !== null), [95]),
    coachJoinTimeMs: percentiles(coachJoinMs, [95]),
    cpuPercentByStage: { gateway: 0, sfu: 0, analyzer: 0, pose: 0, recorder: 0, ...cpu, total: cpu.total },
    clientCpuPercentByStage: m.clientCpuPercentByStage,
    rssBytes: m.rssBytes,
    rssPeakBytes: m.rssPeakBytes,
    nodeLoad: loads.length ? round(loads.reduce((a, b) => a + b, 0) / loads.length) : null,
    nodeLoadMax: loads.length ? round(Math.max(...loads)) : null,
    metrics: {
      voiceP95Ms: metricsVoiceP95,
      captionLagP95Ms: metricsCaptionP95,
      agreement,
      differenceMs: { voiceP95: diff(metricsVoiceP95, voice.p95), captionLagP95: diff(metricsCaptionP95, caption.p95) },
      within10Percent: { voiceP95: within10(agreement.voiceP95), captionLagP95: within10(agreement.captionLagP95) },
    },
    asrEngine: asrEngine ?? observers[0]?.asrStatuses.at(-1)?.engine ?? null,
    sloMet: broken.length === 0,
    sloBroken: broken,
  };

  // Close the step's rooms and let the node settle before the next one.
  for (const s of sockets) s.close();
  await Promise.all(contexts.map((c) => c.close().catch(() => {})));
  await clients.waitForRoomsClosed(30_000);
  await sleep(4000); // ≥ one heartbeat (2 s) with the rooms gone, so admission sees the idle load
  return result;
}

// ── The ramp ──────────────────────────────────────────────────────────────────────────────────

const stepResults: Awaited<ReturnType<typeof runStep>>[] = [];
try {
  for (const [i, n] of steps.entries()) {
    const r = await runStep(i, n);
    stepResults.push(r);
    console.log(JSON.stringify(r));
    log(`  → voice p95 ${r.voiceLatencyMs.p95} ms, caption lag p95 ${r.captionLagMs.p95} ms, ${r.framesLost} lost, cpu ${r.cpuPercentByStage.total} %, load ${r.nodeLoad}: ${r.sloMet ? 'SLO met' : `SLO broken (${r.sloBroken.join('; ')})`}`);
    if (!r.sloMet && !values['no-stop']) break;
  }
} finally {
  await browser.close().catch(() => {});
  await bench.stop();
}
const firstBroken = stepResults.find((r) => !r.sloMet) ?? null;
// The largest N whose step, and every smaller step of the ramp, met the SLO.
const capacity = Math.max(0, ...stepResults.slice(0, firstBroken ? stepResults.indexOf(firstBroken) : undefined).map((r) => r.rooms));
console.log(
  JSON.stringify({
    capacity: { rooms: capacity, slo: SLO, brokenAt: firstBroken ? { rooms: firstBroken.rooms, why: firstBroken.sloBroken } : null },
    coaches,
    coachMode,
    video: values.video,
    cores: os.availableParallelism(),
    runtime: { node: process.version },
    // Measured after the ramp, so it does not compete with it (see analyzers/bench/hostCalibration.ts).
    hostCalibration: hostCalibration(),
  }),
);
process.exit(0);
