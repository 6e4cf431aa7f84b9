/**
 * `npm run bench:live -- --rooms N --seconds S`
 * Starts Lectern (as a child process), publishes real speech into N rooms from headless Chromium
 * (one page per room, real WebRTC), and measures on a viewer socket per room (definitions in
 * test/support/liveMeasure.ts, shared with `npm run load`):
 *   - metric latency = receive time − frame.serverTimeMs (window close), p50/p95/p99 in ms;
 *   - frames lost = 100 ms windows missing from each producer's mediaTimeSec sequence;
 *   - caption lag per word = server time of the caption that committed the word (stable-word
 *     commit or the utterance's final) − wall time of the word's end, mapped through the voice
 *     frame holding it (a window's serverTimeMs is stamped when it closes, i.e. at media time
 *     mediaTimeSec + windowSec); `LECTERN_CAPTION_COMMIT=final-only` measures the old behaviour;
 *   - server CPU % (100 = one core), in total and by stage (gateway, sfu, analyzer, pose,
 *     recorder, database), and RSS of the server process tree, excluding the Chromium clients.
 * Prints one JSON object. Everything stays on 127.0.0.1. `npm run load` ramps the room count
 * until the latency/caption SLO breaks (test/load/run.ts).
 */
import { parseCliArgs, usageError } from '../../analyzers/src/util/cli.ts';
import { launchChromium } from '../support/browser.ts';
import { startBenchServer } from '../support/benchServer.ts';
import { hostCalibration } from '../../analyzers/bench/hostCalibration.ts';
import { speechFixture } from '../support/fixtures.ts';
import { RoomObserver } from '../support/observer.ts';
import { LiveWindow, percentiles, round } from '../support/liveMeasure.ts';

const USAGE = 'npm run bench:live -- [--rooms N] [--seconds S] [--warmup-seconds S] [--video]';
const { values } = parseCliArgs({
  options: {
    rooms: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '30' },
    'warmup-seconds': { type: 'string', default: '5' },
    video: { type: 'boolean', default: false },
  },
}, USAGE);
const rooms = Number(values.rooms);
const seconds = Number(values.seconds);
const warmupSec = Number(values['warmup-seconds']);
if (!Number.isInteger(rooms) || rooms < 1 || !(seconds > 0)) {
  usageError('--rooms must be a positive integer and --seconds positive', USAGE);
}

const log = (msg: string) => process.stderr.write(`[bench:live] ${msg}\n`);
const fixture = speechFixture();
const bench = await startBenchServer();
const { url } = bench;
const server = bench.process;
log(`server up at ${url}; starting ${rooms} publisher(s)`);

const browser = await launchChromium({ audioFile: fixture.wav48k });
const context = await browser.newContext();
await bench.signIn(context); // the publishers' pages are the owner's, signed in like a user
const observers: RoomObserver[] = [];
const pages = [];
for (let r = 0; r < rooms; r++) {
  const roomId = `bench-${r}`;
  await bench.grant(roomId, 'presenter'); // the owner takes the room name, so the viewer grant is for their own room
  observers.push(await RoomObserver.join(url, roomId, { accessToken: bench.accessToken, grant: await bench.grant(roomId, 'viewer') }));
  const page = await context.newPage();
  await page.goto(`${url}/rehearse?room=${roomId}&autostart=1${values.video ? '' : '&video=0'}`);
  pages.push(page);
}
await Promise.all(
  observers.map((o, r) => o.waitFor(() => o.frames.length > 0, 30_000, `first frame in room ${r}`)),
);
log(`all rooms live; warming up ${warmupSec} s, measuring ${seconds} s`);
await new Promise((r) => setTimeout(r, warmupSec * 1000));
const measuring = LiveWindow.start(observers, server.pid!);
await new Promise((r) => setTimeout(r, seconds * 1000));
const m = measuring.stop();
const result = {
  rooms,
  seconds,
  video: values.video,
  framesReceived: m.framesReceived,
  framesLost: m.framesLost,
  framesPerSecondPerRoom: round(m.framesReceived / rooms / (m.elapsedMs / 1000)),
  latencyMs: { ...percentiles(m.latenciesMs, [50, 95, 99]), max: round(Math.max(...m.latenciesMs)) },
  // Per word: commit time − end of the word's audio (test/support/liveMeasure.ts); `firstShown`: when its
  // committed text first appeared; `mappingDeltaMs`: the old median-offset mapping minus the per-frame one.
  captionLagMs: {
    words: m.captionLagsMs.length,
    ...percentiles(m.captionLagsMs, [50, 95]),
    firstShown: percentiles(m.captionWords.firstShownLagsMs, [50, 95]),
    committedBy: m.captionWords.committedBy,
    mappingDeltaMs: percentiles(m.captionWords.mappingDeltaMs, [5, 50, 95]),
    mappedByFallback: m.captionWords.mappedByFallback,
  },
  captionCommit: {
    policy: process.env.LECTERN_CAPTION_COMMIT ?? 'stable',
    stablePartials: process.env.LECTERN_CAPTION_STABLE_PARTIALS ?? 'default',
    stableMs: process.env.LECTERN_CAPTION_STABLE_MS ?? 'default',
  },
  asrEngine: observers[0]?.asrStatuses.at(-1)?.engine ?? 'unknown',
  serverCpuPercent: m.serverCpuPercentByStage.total,
  serverCpuPercentPerRoom: round(m.serverCpuPercentByStage.total / rooms),
  serverCpuPercentByStage: m.serverCpuPercentByStage,
  serverRssMb: round(m.rssBytes / 2 ** 20),
  serverRssPeakMb: round(m.rssPeakBytes / 2 ** 20),
  cores: (await import('node:os')).availableParallelism(),
  runtime: { node: process.version },
  // Measured after the run, so it does not compete with it (see analyzers/bench/hostCalibration.ts).
  hostCalibration: hostCalibration(),
};
console.log(JSON.stringify(result, null, 2));
for (const o of observers) o.close();
await browser.close();
await bench.stop();
process.exit(0);
