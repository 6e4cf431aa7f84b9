/**
 * `npm run bench:live -- --rooms N --seconds S`
 * Starts Lectern (as a child process), publishes real speech into N rooms from headless Chromium
 * (one page per room, real WebRTC), and measures on a viewer socket per room:
 *   - metric latency = receive time − frame.serverTimeMs (window close), p50/p95/p99 in ms;
 *   - frames lost = 100 ms windows missing from each producer's mediaTimeSec sequence;
 *   - caption lag = receive time of a word's first caption (partial or final) − wall time of the
 *     word's end, where media time maps to wall time through the voice frames (a window's
 *     serverTimeMs is stamped when it closes, i.e. at media time mediaTimeSec + windowSec);
 *   - server CPU % (100 = one core) and RSS of the server process tree (gateway, mediasoup
 *     workers, analyzer processes), excluding the Chromium clients.
 * Prints one JSON object. Everything stays on 127.0.0.1.
 */
import path from 'node:path';
import { parseCliArgs, usageError } from '../../analyzers/src/util/cli.ts';
import { launchChromium } from '../support/browser.ts';
import { startBenchServer } from '../support/benchServer.ts';
import { hostCalibration } from '../../analyzers/bench/hostCalibration.ts';
import { repoRoot, speechFixture } from '../support/fixtures.ts';
import { RoomObserver } from '../support/observer.ts';
import { cpuPercent, sampleTree } from '../support/procstat.ts';
import { percentile } from '../support/stats.ts';

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
const startIdx = observers.map((o) => o.frames.length);
const cpu0 = sampleTree(server.pid!);
const t0 = Date.now();
let rssPeak = 0;
const rssTimer = setInterval(() => (rssPeak = Math.max(rssPeak, sampleTree(server.pid!).rssBytes)), 1000);
await new Promise((r) => setTimeout(r, seconds * 1000));
clearInterval(rssTimer);
const cpu1 = sampleTree(server.pid!);
const elapsedMs = Date.now() - t0;

const captionLagsMs: number[] = [];
for (const o of observers) {
  const offsets = o.frames.map((f) => f.frame.serverTimeMs - (f.frame.mediaTimeSec + f.frame.windowSec) * 1000);
  const offsetMs = percentile(offsets, 50);
  const seen = new Set<string>();
  for (const { caption, receivedAtMs } of o.captions) {
    if (receivedAtMs < t0 || receivedAtMs > t0 + elapsedMs) continue;
    for (const w of caption.words) {
      const key = `${w.word}@${w.startSec.toFixed(2)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      captionLagsMs.push(receivedAtMs - (w.endSec * 1000 + offsetMs));
    }
  }
}
const latencies: number[] = [];
let received = 0;
let lost = 0;
for (const [i, o] of observers.entries()) {
  const frames = o.frames.slice(startIdx[i]);
  received += frames.length;
  for (const f of frames) latencies.push(f.receivedAtMs - f.frame.serverTimeMs);
  for (let k = 1; k < frames.length; k++) {
    const gap = Math.round((frames[k]!.frame.mediaTimeSec - frames[k - 1]!.frame.mediaTimeSec) / 0.1);
    if (gap > 1) lost += gap - 1;
  }
}
const round = (x: number) => Math.round(x * 100) / 100;
const result = {
  rooms,
  seconds,
  video: values.video,
  framesReceived: received,
  framesLost: lost,
  framesPerSecondPerRoom: round(received / rooms / (elapsedMs / 1000)),
  latencyMs: {
    p50: round(percentile(latencies, 50)),
    p95: round(percentile(latencies, 95)),
    p99: round(percentile(latencies, 99)),
    max: round(Math.max(...latencies)),
  },
  captionLagMs: {
    words: captionLagsMs.length,
    p50: round(percentile(captionLagsMs, 50)),
    p95: round(percentile(captionLagsMs, 95)),
  },
  asrEngine: observers[0]?.asrStatuses.at(-1)?.engine ?? 'unknown',
  serverCpuPercent: round(cpuPercent(cpu0, cpu1, elapsedMs)),
  serverCpuPercentPerRoom: round(cpuPercent(cpu0, cpu1, elapsedMs) / rooms),
  serverRssMb: round(cpu1.rssBytes / 2 ** 20),
  serverRssPeakMb: round(Math.max(rssPeak, cpu1.rssBytes) / 2 ** 20),
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
