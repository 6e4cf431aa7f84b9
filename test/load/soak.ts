/**
 * `npm run soak -- --rooms N --minutes M [--cycle-minutes C] [--interval-seconds I] [--warmup-cycles W] [--video] [--fd-tolerance K] [--heap-snapshots DIR]`
 *
 * Soak of one Lectern node: the server runs as a child process (test/support/benchServer.ts) with
 * a test hook inside it (test/support/sfuCountsHook.ts) that counts its mediasoup objects. N rooms,
 * each with a presenter page in headless Chromium publishing the LibriVox speech fixture (looped by
 * Chromium's fake microphone; `--video` adds the pose clip as camera) over real WebRTC, recorded to
 * the embedded object store, and a measuring viewer socket (test/support/liveMeasure.ts).
 *
 * Rooms cycle, since leaks usually hide in teardown: every C minutes (default 5) all presenters
 * join, stay live, press Stop (`room:leave`: the session ends, the recording is finalised and its
 * report queued), the viewers leave, and the tool waits until the node has no room open; then it
 * waits (until 5 s before the next cycle) for the sessions' post-session reports to finish, then
 * takes the "idle checkpoint" (mediasoup counts, RSS and fds per process kind) and the next cycle
 * starts on the C-minute grid.
 *
 * Every I seconds (default 30, on the same grid, so sample k of every cycle is at the same phase)
 * one JSON line goes to stdout: elapsed, cycle and phase, RSS and open fds by process kind
 * (gateway, each mediasoup worker, analyzer, pose, recorder = ffmpeg, report = a session's full
 * pass, database, other) and their
 * sum, mediasoup counts (`worker.dump()`/`router.dump()`, and JS objects still open), the gateway's
 * `process.memoryUsage()`, CPU % by stage (server and load clients), voice frames received vs
 * expected and lost, voice latency p95 and caption lag p95 of the interval.
 *
 * The last line is the summary. The first W cycles (default: a sixth of the run, ≥ 1) are warm-up.
 *   - RSS growth % per kind, `server` (gateway + mediasoup workers + analyzer + pose: the processes
 *     that live as long as the node) and total: median of 3 samples mid-cycle (phases ⌊k/2⌋−1…+1
 *     of the k samples per cycle) of the first measured cycle vs the same phases of the last
 *     cycle; the same between the idle checkpoints ending the first measured and the last cycle; and a
 *     least-squares slope over every sample after warm-up (MiB/h).
 *   - fds: min/max over the samples after warm-up, and at the idle checkpoints (same phase) per kind.
 *   - mediasoup counts at the idle checkpoints (must equal the baseline before the first cycle) and
 *     at the mid-cycle phase (must be the same every cycle).
 *   - pass = `server` RSS growth < 5 % mid-cycle and at idle; idle fds flat (max − min ≤ K after
 *     warm-up, default 4) for each long-lived kind; no recorder alive at idle; database process
 *     count flat at idle; mediasoup counts back to baseline every cycle and equal at equal phases;
 *     every join live. Reported, not judged: the total, the embedded PostgreSQL (its memory and fds
 *     follow the data written: shared buffers, relation caches) and the post-session `report`
 *     processes (full pass, clip cuts: still running at a checkpoint when the jobs queue behind).
 * `--heap-snapshots DIR` writes the gateway's V8 heap snapshot (after the full GC) at every idle
 * checkpoint, `gateway-idle-<cycle>.heapsnapshot` (0 = before the first cycle); compare two with
 * `npm run heap-diff -- A B` (test/load/heapDiff.ts).
 * Host calibration and core count are printed with the summary (as the other benches do).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hostCalibration } from '../../analyzers/bench/hostCalibration.ts';
import { parseCliArgs, usageError } from '../../analyzers/src/util/cli.ts';
import { poseFixture } from '../../analyzers/test/poseSupport.ts';
import type { BrowserContext } from 'playwright-core';
import { startBenchServer } from '../support/benchServer.ts';
import { launchChromium } from '../support/browser.ts';
import { speechFixture } from '../support/fixtures.ts';
import { captionLagsMs, clientStageOf, percentiles, round, sampleStages, serverStageOf, stageCpuPercent, type StageSample, voiceFigures } from '../support/liveMeasure.ts';
import { joinRefusal, loadClients, openPresenter, type PresenterPage } from '../support/loadClients.ts';
import { RoomObserver } from '../support/observer.ts';
import { openFdCount } from '../support/procstat.ts';
import { requestSfuCounts, SFU_COUNTS_HOOK, type SfuCountsReply } from '../support/sfuCounts.ts';
import { percentile } from '../support/stats.ts';

const USAGE = 'npm run soak -- --rooms N --minutes M [--cycle-minutes C] [--interval-seconds I] [--warmup-cycles W] [--video] [--fd-tolerance K] [--heap-snapshots DIR]';
const { values } = parseCliArgs(
  {
    options: {
      rooms: { type: 'string', default: '4' },
      minutes: { type: 'string', default: '30' },
      'cycle-minutes': { type: 'string', default: '5' },
      'interval-seconds': { type: 'string', default: '30' },
      'warmup-cycles': { type: 'string' },
      'fd-tolerance': { type: 'string', default: '4' },
      video: { type: 'boolean', default: false },
      'heap-snapshots': { type: 'string' },
    },
  },
  USAGE,
);
const rooms = Number(values.rooms);
const runSec = Number(values.minutes) * 60;
const cycleSec = Number(values['cycle-minutes']) * 60;
const intervalSec = Number(values['interval-seconds']);
const fdTolerance = Number(values['fd-tolerance']);
/** Where to write the gateway's heap snapshot at every idle checkpoint (`--heap-snapshots DIR`; compare with test/load/heapDiff.ts). */
const heapSnapshotDir = values['heap-snapshots'];
if (heapSnapshotDir) fs.mkdirSync(heapSnapshotDir, { recursive: true });
if (!Number.isInteger(rooms) || rooms < 1) usageError('--rooms must be a positive integer', USAGE);
if (!(cycleSec >= 30)) usageError('--cycle-minutes must be ≥ 0.5', USAGE);
if (!(intervalSec >= 1) || !Number.isInteger(cycleSec / intervalSec)) usageError('--interval-seconds must be ≥ 1 and divide the cycle length', USAGE);
if (!Number.isInteger(runSec / cycleSec) || runSec / cycleSec < 2) usageError('--minutes must be a multiple of --cycle-minutes, at least 2 cycles', USAGE);
if (!Number.isInteger(fdTolerance) || fdTolerance < 0) usageError('--fd-tolerance must be an integer ≥ 0', USAGE);
const cycles = runSec / cycleSec;
const warmupCycles = values['warmup-cycles'] === undefined ? Math.max(1, Math.round(cycles / 6)) : Number(values['warmup-cycles']);
if (!Number.isInteger(warmupCycles) || warmupCycles < 0 || warmupCycles >= cycles) usageError('--warmup-cycles must be an integer in [0, cycles)', USAGE);
const samplesPerCycle = cycleSec / intervalSec;
/** Time a cycle leaves for Stop, the rooms closing and the idle checkpoint before the next one. */
const teardownSec = Math.min(45, cycleSec / 4);
const JOIN_TIMEOUT_MS = 60_000;
const MIB = 1024 * 1024;
/** Server process kinds reported (serverStageOf's stages). */
const KINDS = ['gateway', 'sfu', 'analyzer', 'pose', 'recorder', 'report', 'database', 'other'] as const;
/**
 * The processes that live as long as the node (what a leak accumulates in), summed as `server`:
 * the judged RSS and fds. Per-session processes (`recorder`, `report`) come and go with sessions
 * and their jobs, and the embedded database's memory follows the data written (shared buffers,
 * relation caches): reported per kind, not judged (a recorder alive at idle is: see `failed`).
 */
const LONG_LIVED = ['gateway', 'sfu', 'analyzer', 'pose'] as const;

const log = (msg: string) => process.stderr.write(`[soak] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ── Server and clients ────────────────────────────────────────────────────────────────────────

const speech = speechFixture();
const bench = await startBenchServer({ LECTERN_AUTH_RATE_LIMIT: '100000' }, 90_000, { execArgv: ['--expose-gc', '--import', SFU_COUNTS_HOOK], ipc: true });
const serverPid = bench.process.pid!;
const browser = await launchChromium({ audioFile: speech.wav48k, videoFile: values.video ? poseFixture('320x240').y4m : undefined });
const toolContext = await browser.newContext();
await bench.signIn(toolContext);
const clients = loadClients(bench, browser, toolContext);
log(`server up at ${bench.url} (pid ${serverPid}); ${rooms} room(s), ${cycles} cycle(s) of ${cycleSec} s (${warmupCycles} warm-up), a sample every ${intervalSec} s`);

// ── Process tree by kind ──────────────────────────────────────────────────────────────────────

interface KindFigures {
  rssBytes: number;
  fds: number;
  processes: number;
}

/** RSS, open fds and process count per kind (+ total), and each mediasoup worker's own. */
function byKind(s: StageSample) {
  const kinds = Object.fromEntries(KINDS.map((k) => [k, { rssBytes: 0, fds: 0, processes: 0 }])) as Record<(typeof KINDS)[number] | 'total' | 'totalExceptDatabase' | 'server', KindFigures>;
  kinds.total = { rssBytes: 0, fds: 0, processes: 0 };
  const sfuWorkers: { pid: number; rssBytes: number; fds: number }[] = [];
  for (const [pid, p] of s.procs) {
    const fds = openFdCount(pid) ?? 0;
    const k = kinds[p.stage as (typeof KINDS)[number]] ?? kinds.other;
    for (const into of [k, kinds.total]) {
      into.rssBytes += p.rssBytes;
      into.fds += fds;
      into.processes++;
    }
    if (p.stage === 'sfu') sfuWorkers.push({ pid, rssBytes: p.rssBytes, fds });
  }
  const db = kinds.database;
  kinds.totalExceptDatabase = { rssBytes: kinds.total.rssBytes - db.rssBytes, fds: kinds.total.fds - db.fds, processes: kinds.total.processes - db.processes };
  kinds.server = { rssBytes: 0, fds: 0, processes: 0 };
  for (const k of LONG_LIVED) for (const f of ['rssBytes', 'fds', 'processes'] as const) kinds.server[f] += kinds[k][f];
  return { kinds, sfuWorkers: sfuWorkers.sort((a, b) => a.pid - b.pid) };
}

// ── Rooms and their measuring observers ───────────────────────────────────────────────────────

/** A viewer socket of one room in one cycle; `untilMs` is when its presenter pressed Stop. */
interface Watched {
  observer: RoomObserver;
  roomId: string;
  liveSinceMs: number;
  untilMs: number | null;
  /** Frames already counted in an earlier sample. */
  cursor: number;
}
let watched: Watched[] = [];
let joinsFailed = 0;
const joinFailures: string[] = [];
let phase: 'joining' | 'live' | 'teardown' | 'idle' = 'idle';
let cycle = 0;

/** One cycle's rooms: join, stay live, Stop, leave, wait for the node to close them. */
async function runCycle(c: number, endLiveAtMs: number): Promise<{ live: number; closedInMs: number | null }> {
  phase = 'joining';
  const token = await clients.ownerToken();
  const contexts: BrowserContext[] = [];
  const presenters: PresenterPage[] = await Promise.all(
    Array.from({ length: rooms }, async (_, r) => {
      const roomId = `soak-${r}`;
      await clients.roomGrant(token, roomId, 'presenter');
      return openPresenter(clients, contexts, bench.url, roomId, { video: values.video, timeoutMs: JOIN_TIMEOUT_MS });
    }),
  );
  const live = presenters.filter((p) => p.joinMs !== null);
  for (const p of presenters) {
    if (p.joinMs !== null) continue;
    joinsFailed++;
    joinFailures.push(`cycle ${c} ${p.roomId}: ${p.signaling.refusal ? `${p.signaling.refusal.code} ${p.signaling.refusal.message}` : 'no voice frame'}`);
  }
  await Promise.all(
    live.map(async (p) => {
      try {
        const observer = await RoomObserver.join(bench.url, p.roomId, { accessToken: token, grant: await clients.roomGrant(token, p.roomId, 'viewer') });
        await observer.waitFor(() => observer.frames.length > 0, 15_000, 'first frame').catch(() => {});
        watched.push({ observer, roomId: p.roomId, liveSinceMs: observer.frames[0]?.receivedAtMs ?? Date.now(), untilMs: null, cursor: 0 });
      } catch (err) {
        joinsFailed++;
        joinFailures.push(`cycle ${c} ${p.roomId} observer: ${joinRefusal(err)?.code ?? (err as Error).message}`);
      }
    }),
  );
  phase = 'live';
  log(`cycle ${c + 1}/${cycles}: ${live.length}/${rooms} room(s) live (join p95 ${percentiles(live.map((p) => p.joinMs!), [95]).p95} ms)`);
  await sleep(Math.max(0, endLiveAtMs - Date.now()));

  phase = 'teardown';
  const stopAt = Date.now();
  for (const w of watched) if (w.untilMs === null) w.untilMs = stopAt;
  // Stop = room:leave: the session ends now (a closed page would only suspend it for the resume grace).
  await Promise.all(
    live.map(async (p) => {
      await p.page.click('[data-testid=stop]', { timeout: 5000 }).catch((err: unknown) => log(`  ${p.roomId}: Stop failed (${(err as Error).message.split('\n')[0]})`));
      // 'stopped' shows at once; the socket closes after the server acknowledged room:leave (or 2 s
      // without). Closing the page in between lost the leave once in 32 sessions: the server saw a
      // drop and kept the session (and its recorder) for the 30 s resume grace.
      await p.page
        .waitForFunction(
          () => {
            const d = (window as unknown as { __lectern?: { state: string; socketState: string } }).__lectern;
            return d?.state === 'stopped' && d.socketState === 'idle';
          },
          undefined,
          { timeout: 10_000 },
        )
        .catch(() => log(`  ${p.roomId}: not 'stopped' with the socket closed within 10 s`));
    }),
  );
  for (const w of watched) w.observer.close();
  await Promise.all(contexts.map((ctx) => ctx.close().catch(() => {})));
  const closed = await clients.waitForRoomsClosed(30_000);
  phase = 'idle';
  return { live: live.length, closedInMs: closed ? Date.now() - stopAt : null };
}

// ── Samples ───────────────────────────────────────────────────────────────────────────────────

/** The counts of a reply, as one comparable string. */
const countsKey = (r: SfuCountsReply | null) => (r ? JSON.stringify({ dump: r.dump, open: r.open }) : 'unreadable');

let prevServer = sampleStages(serverPid, serverStageOf);
let prevClient = sampleStages(process.pid, clientStageOf(serverPid));
let prevAtMs = Date.now();
let totalReceived = 0;
let totalExpected = 0;
let totalLost = 0;

/** One line: the interval since the previous sample. */
async function takeSample(t0: number, k: number) {
  const now = Date.now();
  const server = sampleStages(serverPid, serverStageOf);
  const client = sampleStages(process.pid, clientStageOf(serverPid));
  const sfu = await requestSfuCounts(bench.process).catch((err: unknown) => {
    log(`sfu counts: ${(err as Error).message}`);
    return null;
  });
  const latencies: number[] = [];
  const lags: number[] = [];
  let received = 0;
  let lost = 0;
  let expected = 0;
  for (const w of watched) {
    const frames = w.observer.frames;
    // The frame before the interval joins it, so a gap across the boundary counts as lost once.
    const v = voiceFigures([frames.slice(Math.max(0, w.cursor - 1))]);
    received += frames.length - w.cursor;
    lost += v.lost;
    latencies.push(...v.latenciesMs.slice(w.cursor > 0 ? 1 : 0));
    lags.push(...captionLagsMs(w.observer, prevAtMs, now));
    w.cursor = frames.length;
    const from = Math.max(prevAtMs, w.liveSinceMs);
    const to = Math.min(now, w.untilMs ?? now);
    if (to > from) expected += Math.floor((to - from) / 100);
  }
  // Observers whose presenter stopped before this interval began are done.
  watched = watched.filter((w) => w.untilMs === null || w.untilMs > prevAtMs);
  totalReceived += received;
  totalLost += lost;
  totalExpected += expected;
  const { kinds, sfuWorkers } = byKind(server);
  const line = {
    elapsedSec: round((now - t0) / 1000),
    sample: k,
    cycle,
    phaseIndex: k % samplesPerCycle,
    phase,
    roomsWatched: watched.length,
    rssBytes: Object.fromEntries(Object.entries(kinds).map(([n, f]) => [n, f.rssBytes])),
    fds: Object.fromEntries(Object.entries(kinds).map(([n, f]) => [n, f.fds])),
    processes: Object.fromEntries(Object.entries(kinds).map(([n, f]) => [n, f.processes])),
    sfuWorkers,
    mediasoup: sfu ? { dump: sfu.dump, open: sfu.open } : null,
    gatewayMemory: sfu ? { heapUsedBytes: sfu.memory.heapUsed, heapTotalBytes: sfu.memory.heapTotal, externalBytes: sfu.memory.external, arrayBuffersBytes: sfu.memory.arrayBuffers } : null,
    toolHeapUsedBytes: process.memoryUsage().heapUsed,
    cpuPercentByStage: stageCpuPercent(prevServer, server),
    clientCpuPercentByStage: stageCpuPercent(prevClient, client),
    clientRssBytes: client.rssBytes,
    framesReceived: received,
    framesExpected: expected,
    framesLost: lost,
    voiceLatencyP95Ms: percentiles(latencies, [95]).p95,
    captionLagP95Ms: percentiles(lags, [95]).p95,
    captionWords: lags.length,
  };
  prevServer = server;
  prevClient = client;
  prevAtMs = now;
  console.log(JSON.stringify(line));
  return { ...line, kinds, sfu };
}

/**
 * Waits until no `report` process (full pass, clip cut) runs under the server, or until `deadlineMs`.
 * @returns how long it waited, ms, or null when the deadline came first.
 */
async function waitForReportsDrained(deadlineMs: number): Promise<number | null> {
  const t = Date.now();
  const running = () => [...sampleStages(serverPid, serverStageOf).procs.values()].some((p) => p.stage === 'report');
  while (running()) {
    if (Date.now() >= deadlineMs) {
      log(`  post-session reports still running at the checkpoint (waited ${Math.round((Date.now() - t) / 1000)} s)`);
      return null;
    }
    await sleep(500);
  }
  return Date.now() - t;
}

/** An idle checkpoint: the node with no room open, at the same phase of every cycle. */
async function idleCheckpoint(c: number, t0: number) {
  // A full GC in the gateway first (it runs with --expose-gc), so its RSS is what is still
  // referenced, not garbage V8 has not collected yet (without it the idle gateway RSS followed
  // V8's heap sizing: 188–299 MiB while the heap in use stayed 69–80 MiB).
  const heapSnapshotPath = heapSnapshotDir ? path.resolve(heapSnapshotDir, `gateway-idle-${c + 1}.heapsnapshot`) : undefined;
  const sfu = await requestSfuCounts(bench.process, heapSnapshotPath ? 120_000 : 10_000, { gc: true, heapSnapshotPath }).catch(() => null);
  const stages = sampleStages(serverPid, serverStageOf);
  const { kinds } = byKind(stages);
  // A recorder alive at idle fails the run: say which (its command line names the session's spool file).
  for (const [pid, p] of stages.procs) {
    if (p.stage !== 'recorder') continue;
    let cmd = '(gone)';
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    } catch {}
    log(`  recorder alive at idle after cycle ${c + 1}: pid ${pid}: ${cmd.slice(0, 400)}`);
  }
  return { cycle: c, elapsedSec: round((Date.now() - t0) / 1000), kinds, sfu, reportsDrainedInMs: undefined as number | null | undefined };
}

// ── The run ───────────────────────────────────────────────────────────────────────────────────

type Sample = Awaited<ReturnType<typeof takeSample>>;
type Checkpoint = Awaited<ReturnType<typeof idleCheckpoint>>;
const samples: Sample[] = [];
const checkpoints: Checkpoint[] = [];
const cycleResults: { cycle: number; live: number; closedInMs: number | null }[] = [];
const cpuTotals: number[] = [];
const clientCpuTotals: number[] = [];
let baseline: Checkpoint;
const t0 = Date.now();
try {
  baseline = await idleCheckpoint(-1, t0);
  let stopSampling = false;
  const sampler = (async () => {
    for (let k = 1; k * intervalSec <= runSec && !stopSampling; k++) {
      await sleep(Math.max(0, t0 + k * intervalSec * 1000 - Date.now()));
      const s = await takeSample(t0, k);
      samples.push(s);
      cpuTotals.push(s.cpuPercentByStage.total);
      clientCpuTotals.push(s.clientCpuPercentByStage.total);
    }
  })();
  for (let c = 0; c < cycles; c++) {
    cycle = c;
    const startAt = t0 + c * cycleSec * 1000;
    await sleep(Math.max(0, startAt - Date.now()));
    const r = await runCycle(c, startAt + (cycleSec - teardownSec) * 1000);
    cycleResults.push({ cycle: c, ...r });
    await sleep(3000); // recordings finalised and the node's 2 s heartbeat with the rooms gone
    // Idle = the post-session work done too: the sessions' full passes queue behind each other and
    // ran at every checkpoint (their pipes and job state in the gateway moved its idle fds 65–70
    // and RSS by tens of MiB). Wait for them, up to 5 s before the next cycle starts.
    const drainedInMs = await waitForReportsDrained(t0 + (c + 1) * cycleSec * 1000 - 5000);
    const cp = await idleCheckpoint(c, t0);
    cp.reportsDrainedInMs = drainedInMs;
    checkpoints.push(cp);
    log(`  idle after cycle ${c + 1}: rooms closed in ${r.closedInMs} ms; RSS ${round(cp.kinds.total.rssBytes / MIB)} MiB, fds ${cp.kinds.total.fds}, mediasoup ${countsKey(cp.sfu)}`);
  }
  await sampler;
  stopSampling = true;
} finally {
  for (const w of watched) w.observer.close();
  await browser.close().catch(() => {});
  await bench.stop();
}

// ── Summary ───────────────────────────────────────────────────────────────────────────────────

const median = (xs: number[]) => (xs.length ? percentile(xs, 50) : null);
/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number | null {
  if (xs.length < 2) return null;
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? null : num / den;
}

const measured = samples.filter((s) => s.cycle >= warmupCycles);
const mid = Math.floor(samplesPerCycle / 2);
const midPhases = [mid - 1, mid, mid + 1].filter((p) => p >= 0 && p < samplesPerCycle);
const firstCycle = warmupCycles;
const lastCycle = Math.max(...measured.map((s) => s.cycle));
const at = (c: number) => measured.filter((s) => s.cycle === c && midPhases.includes(s.phaseIndex));
const kindNames = [...KINDS, 'server', 'total', 'totalExceptDatabase'] as const;
/**
 * RSS growth % of `kind` from the idle checkpoint ending the first measured cycle to the last one
 * (no session open: the cleanest comparison; the same cycles as the mid-cycle figure).
 */
function idleGrowth(kind: (typeof kindNames)[number]): number | null {
  const first = checkpoints.find((cp) => cp.cycle === firstCycle) ?? checkpoints[0];
  const last = checkpoints.at(-1);
  if (!first || !last || first === last || first.kinds[kind].rssBytes === 0) return null;
  return round(((last.kinds[kind].rssBytes - first.kinds[kind].rssBytes) / first.kinds[kind].rssBytes) * 100);
}
const rss = Object.fromEntries(
  kindNames.map((kind) => {
    const first = median(at(firstCycle).map((s) => s.kinds[kind].rssBytes));
    const last = median(at(lastCycle).map((s) => s.kinds[kind].rssBytes));
    const mibPerHour = slope(
      measured.map((s) => s.elapsedSec / 3600),
      measured.map((s) => s.kinds[kind].rssBytes / MIB),
    );
    return [
      kind,
      {
        firstMiB: first === null ? null : round(first / MIB),
        lastMiB: last === null ? null : round(last / MIB),
        growthPercent: first && last !== null ? round(((last - first) / first) * 100) : null,
        slopeMiBPerHour: mibPerHour === null ? null : round(mibPerHour),
        idleMiBByCycle: checkpoints.map((cp) => round(cp.kinds[kind].rssBytes / MIB)),
        idleGrowthPercent: idleGrowth(kind),
      },
    ];
  }),
) as Record<(typeof kindNames)[number], { firstMiB: number | null; lastMiB: number | null; growthPercent: number | null; slopeMiBPerHour: number | null; idleMiBByCycle: number[]; idleGrowthPercent: number | null }>;
// From the checkpoint ending the first measured cycle on: the one ending the warm-up still holds the
// warm-up's growth (measured: the analyzer's ASR buffers 416 → 590 MiB between the first two idle checkpoints, flat after).
const idleMeasured = checkpoints.filter((cp) => cp.cycle >= firstCycle);
const fds = Object.fromEntries(
  kindNames.map((kind) => {
    const all = measured.map((s) => s.kinds[kind].fds);
    const idle = idleMeasured.map((cp) => cp.kinds[kind].fds);
    return [kind, { min: Math.min(...all), max: Math.max(...all), idleByCycle: checkpoints.map((cp) => cp.kinds[kind].fds), idleMin: Math.min(...idle), idleMax: Math.max(...idle), baseline: baseline!.kinds[kind].fds }];
  }),
) as Record<(typeof kindNames)[number], { min: number; max: number; idleByCycle: number[]; idleMin: number; idleMax: number; baseline: number }>;
const idleCounts = checkpoints.map((cp) => countsKey(cp.sfu));
const baselineKey = countsKey(baseline!.sfu);
const midCounts = Object.fromEntries(
  [...new Set(samples.map((s) => s.cycle))].map((c) => [c, samples.filter((s) => s.cycle === c && s.phaseIndex === mid).map((s) => countsKey(s.sfu))[0] ?? null]),
);
const midDistinct = [...new Set(Object.values(midCounts))];

const failed: string[] = [];
// RSS of the long-lived server processes: mid-cycle (same phases) and at the idle checkpoints.
for (const [label, g] of [['mid-cycle', rss.server.growthPercent], ['idle', rss.server.idleGrowthPercent]] as const)
  if (g === null || g >= 5) failed.push(`server RSS growth ${label} ${g} % ≥ 5 %`);
// fds of the long-lived processes at idle. The embedded PostgreSQL's fds follow its backends'
// relation caches and the pool's connections, not Lectern's code: reported, not judged (its
// process count is, below); per-session processes are judged by being gone.
for (const kind of [...LONG_LIVED, 'server'] as const) if (fds[kind].idleMax - fds[kind].idleMin > fdTolerance) failed.push(`${kind} fds at idle ${fds[kind].idleMin}…${fds[kind].idleMax} (> ${fdTolerance} apart)`);
const recordersAtIdle = idleMeasured.map((cp) => cp.kinds.recorder.processes);
if (recordersAtIdle.some((n) => n > 0)) failed.push(`recorder processes alive at idle: ${recordersAtIdle.join(', ')} (a recording outlived its session)`);
const notBack = idleCounts.map((k, i) => (k === baselineKey ? null : i)).filter((i): i is number => i !== null);
if (notBack.length) failed.push(`mediasoup counts not back to baseline after cycle(s) ${notBack.map((i) => i + 1).join(', ')}`);
if (midDistinct.length > 1) failed.push(`mediasoup counts differ at the same phase (sample ${mid} of the cycle): ${midDistinct.length} distinct`);
const dbProcs = idleMeasured.map((cp) => cp.kinds.database.processes);
if (Math.max(...dbProcs) - Math.min(...dbProcs) > fdTolerance) failed.push(`database processes at idle ${Math.min(...dbProcs)}…${Math.max(...dbProcs)} (connections not returned?)`);
if (joinsFailed) failed.push(`${joinsFailed} join(s) failed`);

console.log(
  JSON.stringify({
    summary: {
      rooms,
      minutes: runSec / 60,
      cycleSec,
      cycles,
      warmupCycles,
      intervalSec,
      /** Per idle checkpoint: ms waited for the post-session reports to finish (null: still running at the checkpoint). */
      reportsDrainedInMsByCycle: checkpoints.map((cp) => cp.reportsDrainedInMs ?? null),
      video: values.video,
      rss,
      judged: `server = ${LONG_LIVED.join(' + ')} (long-lived); total, database, recorder and report are reported`,
      rssGrowthBasis: `growthPercent: median of samples at phases ${midPhases.join(',')} (of ${samplesPerCycle} per cycle) in cycle ${firstCycle + 1} vs cycle ${lastCycle + 1}; slope over ${measured.length} samples after warm-up; idleGrowthPercent: idle checkpoint ending cycle ${firstCycle + 1} vs the last; idle fds from that checkpoint on`,
      fds,
      databaseProcessesIdleByCycle: checkpoints.map((cp) => cp.kinds.database.processes),
      mediasoup: {
        baseline: baseline!.sfu,
        idleBackToBaseline: idleCounts.map((k) => k === baselineKey),
        idleByCycle: checkpoints.map((cp) => cp.sfu),
        midCycleSample: mid,
        midCycleByCycle: Object.fromEntries(samples.filter((s) => s.phaseIndex === mid).map((s) => [s.cycle, s.sfu ? { dump: s.sfu.dump, open: s.sfu.open } : null])),
        midCycleEqual: midDistinct.length <= 1,
      },
      frames: { received: totalReceived, expected: totalExpected, lost: totalLost },
      voiceLatencyP95MsBySample: { median: median(samples.map((s) => s.voiceLatencyP95Ms).filter((x): x is number => x !== null)), max: Math.max(...samples.map((s) => s.voiceLatencyP95Ms ?? 0)) },
      captionLagP95MsBySample: { median: median(samples.map((s) => s.captionLagP95Ms).filter((x): x is number => x !== null)), max: Math.max(...samples.map((s) => s.captionLagP95Ms ?? 0)) },
      cycleResults,
      joinsFailed,
      joinFailures,
      serverCpuPercentMean: round(cpuTotals.reduce((a, b) => a + b, 0) / Math.max(1, cpuTotals.length)),
      clientCpuPercentMean: round(clientCpuTotals.reduce((a, b) => a + b, 0) / Math.max(1, clientCpuTotals.length)),
      pass: failed.length === 0,
      failed,
      criteria: { serverRssGrowthPercentBelow: 5, recordersAtIdle: 0, idleFdSpreadAtMost: fdTolerance, mediasoupBackToBaseline: true, mediasoupEqualAtEqualPhase: true },
    },
    cores: os.availableParallelism(),
    loadAverage: os.loadavg().map(round),
    runtime: { node: process.version },
    // Measured after the run, so it does not compete with it (see analyzers/bench/hostCalibration.ts).
    hostCalibration: hostCalibration(),
  }),
);
process.exit(0);
