/**
 * `npm run bench:pose -- [--rooms N] [--seconds S] [--size WxH] [--no-gating]`
 *
 * What body-language analysis costs per presenter, measured two ways, printed as one JSON object:
 *
 * 1. `isolated`: MoveNet Lightning on 192² letterboxed frames of the astronaut photo in this
 *    process, once per runtime (onnxruntime-node, the default; tfjs-wasm SIMD, the fallback; both
 *    1 thread) — wall and CPU ms per inference, back to back and paced like live inference (one
 *    every 500 ms, caches cold), the .wasm file tfjs loaded and its SIMD flag — and ffmpeg decoding the
 *    same clip the browser sends (VP8 encoded beforehand, so only decoding is timed) to 192² RGB
 *    at 5 fps — CPU ms per delivered frame.
 * 2. `live`: Lectern started as a child process; headless Chromium publishes the astronaut clip
 *    (default 640×480, 15 fps, looped: still, swaying, rotated, blank) in N rooms; an observer per
 *    room records `metrics:body` and `body:stats`. Reported:
 *    - CPU % (100 = one core) of the pose-analyzer process tree per stream, split into decoder
 *      (ffmpeg children) and pose process (relay, gating, metrics, inference thread), from
 *      /proc/<pid>/stat over the measuring window;
 *    - decode CPU ms and inference ms per frame (from the pose process's own counters);
 *    - gating rate = frames whose pose was reused because the picture barely changed / frames
 *      analysed; over-budget rate (pose reused because the stream's inference budget was spent);
 *      stale drops;
 *    - pose-metric latency = observer receive time − `videoFrameAtMs` (decoded frame out of the
 *      decoder), p50/p95/p99, all frames and inferred frames only.
 * 3. `voiceAB` (with `--ab-voice S`): on the same server, browser and rooms, the voice-metric
 *    latency (window close → observer) is measured in alternating phases of S seconds with video
 *    analysis paused (pose process and its decoders stopped with SIGSTOP; the browser keeps sending
 *    video and the SFU keeps forwarding it) and running (SIGCONT, 2 s to settle). Alternating
 *    phases cancel the drift of whatever else runs on the machine, which a pair of separate
 *    `bench:live` runs on a shared box cannot.
 * Target: ≤ 0.10 of a core per presenter for decode + pose. Everything stays on 127.0.0.1.
 *
 * CPU time on this shared VM is itself inflated when the host is busy (the same inference measured
 * 81–89 CPU ms in one session and 31–37 in another): `hostCalibration` (hostCalibration.ts) is
 * printed at the start and end so runs can be compared. `live.poseProcessThreads` splits the pose
 * process's CPU between its main thread and its other threads (inference worker, V8 helpers).
 * `--runtime onnx|tfjs|auto` sets LECTERN_POSE_RUNTIME for the server it starts (default: as set).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { MoveNetEngine } from '../src/pose/MoveNetEngine.ts';
import { MoveNetOnnxEngine } from '../src/pose/MoveNetOnnxEngine.ts';
import type { PoseEngine } from '../src/pose/PoseEngine.ts';
import { letterboxInto, letterboxRect } from '../src/pose/letterbox.ts';
import { ASTRONAUT_PNG, decodeRgb, poseFixture, REPO_ROOT } from '../test/poseSupport.ts';
import { launchChromium } from '../../test/support/browser.ts';
import { speechFixture } from '../../test/support/fixtures.ts';
import { RoomObserver } from '../../test/support/observer.ts';
import { startBenchServer } from '../../test/support/benchServer.ts';
import { processTree } from '../../test/support/procstat.ts';
import { percentile } from '../../test/support/stats.ts';
import { parseCliArgs, usageError } from '../src/util/cli.ts';
import { hostCalibration } from './hostCalibration.ts';

const USAGE = 'npm run bench:pose -- [--rooms N] [--seconds S] [--warmup-seconds S] [--size WxH] [--no-gating] [--skip-isolated] [--ab-voice S] [--ab-phases N] [--runtime auto|onnx|tfjs]';
const { values } = parseCliArgs({
  options: {
    rooms: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '30' },
    'warmup-seconds': { type: 'string', default: '8' },
    size: { type: 'string', default: '640x480' },
    'no-gating': { type: 'boolean', default: false },
    'skip-isolated': { type: 'boolean', default: false },
    'ab-voice': { type: 'string', default: '0' },
    'ab-phases': { type: 'string', default: '6' },
    runtime: { type: 'string' },
  },
}, USAGE);
const rooms = Number(values.rooms);
const seconds = Number(values.seconds);
const warmupSec = Number(values['warmup-seconds']);
if (!Number.isInteger(rooms) || rooms < 1 || !(seconds > 0)) {
  usageError('--rooms must be a positive integer and --seconds positive', USAGE);
}
const log = (msg: string) => process.stderr.write(`[bench:pose] ${msg}\n`);
const round = (x: number | null | undefined, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10 ** d) / 10 ** d);
const clip = poseFixture(values.size);

// ---------------------------------------------------------------------------------------------
// 1. Isolated costs.
async function isolatedInference(runtime: 'onnx' | 'tfjs'): Promise<Record<string, unknown>> {
  const wasmFiles: string[] = [];
  const origRead = fs.readFileSync;
  if (runtime === 'tfjs') {
    // Record which .wasm binary the backend instantiates (the Emscripten glue reads it with fs).
    (fs as { readFileSync: typeof fs.readFileSync }).readFileSync = ((p: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
      if (String(p).endsWith('.wasm')) wasmFiles.push(path.basename(String(p)));
      return (origRead as (...a: unknown[]) => unknown)(p, ...rest);
    }) as typeof fs.readFileSync;
  }
  let engine: PoseEngine;
  try {
    engine = runtime === 'onnx' ? await MoveNetOnnxEngine.load() : await MoveNetEngine.load();
  } finally {
    (fs as { readFileSync: typeof fs.readFileSync }).readFileSync = origRead;
  }
  const rgb = decodeRgb(ASTRONAUT_PNG, { width: 512, height: 512 });
  const square = new Uint8Array(192 * 192 * 3);
  letterboxInto(rgb, 512, 512, letterboxRect(512, 512, 192), square);
  for (let i = 0; i < 5; i++) await engine.estimate(square, 192, 192);
  const wall: number[] = [];
  const cpu0 = process.cpuUsage();
  const n = 40;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await engine.estimate(square, 192, 192);
    wall.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  // Paced like live inference (≈1–2 per second): caches are cold at every call.
  const paced: number[] = [];
  for (let i = 0; i < 10; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const c0 = process.cpuUsage();
    await engine.estimate(square, 192, 192);
    const c = process.cpuUsage(c0);
    paced.push((c.user + c.system) / 1000);
  }
  const tensors = runtime === 'tfjs' ? tf.memory().numTensors : null;
  const tfjsInfo = runtime === 'tfjs'
    ? { wasmLoaded: wasmFiles, wasmHasSimd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'), wasmMultithread: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'), tensorsAfter: tensors, modelInput: '[1,192,192,3] int32 (Lightning; Thunder would be 256²)' }
    : {};
  engine.dispose();
  const cpuMs = (cpu.user + cpu.system) / 1000 / n;
  return {
    engine: engine.description,
    ...tfjsInfo,
    frames: n,
    wallMsPerFrame: { p50: round(percentile(wall, 50)), p95: round(percentile(wall, 95)) },
    cpuMsPerFrame: round(cpuMs),
    cpuMsPerFramePaced500ms: { p50: round(percentile(paced, 50)), max: round(Math.max(...paced)) },
    coreAt5fps: round((cpuMs * 5) / 1000, 3),
    note: 'CPU time of this process (process.cpuUsage: all threads) per inference, not wall time',
  };
}

function isolatedDecode(): Record<string, unknown> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lectern-bench-pose-'));
  const ivf = path.join(tmp, 'clip.ivf');
  // Encode like a browser would (VP8, realtime, ~600 kb/s), then time decoding only.
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', clip.y4m, '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '600k', '-g', '3000', ivf]);
  const n = 192;
  const vf = `fps=5,scale=${n}:${n}:force_original_aspect_ratio=decrease:flags=bilinear,format=rgb24,pad=${n}:${n}:(ow-iw)/2:(oh-ih)/2`;
  // ffmpeg -benchmark prints "bench: utime=…s stime=…s rtime=…s" (its own CPU) on stderr.
  const res = spawnSync('ffmpeg', ['-hide_banner', '-nostats', '-loglevel', 'info', '-benchmark', '-threads', '1', '-i', ivf, '-vf', vf, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { maxBuffer: 1 << 30 });
  fs.rmSync(tmp, { recursive: true, force: true });
  const m = /utime=([\d.]+)s stime=([\d.]+)s/.exec(res.stderr.toString());
  const frames = res.stdout.length / (n * n * 3);
  const childCpuMs = m ? (Number(m[1]) + Number(m[2])) * 1000 : 0;
  return {
    input: `${clip.widthPx}×${clip.heightPx} VP8 at ${clip.fps} fps (${clip.durationSec} s)`,
    framesOut: frames,
    note: 'CPU of the whole decode run (all input frames decoded, 5 fps delivered), per delivered frame',
    cpuMsPerFrame: childCpuMs > 0 ? round(childCpuMs / frames) : null,
    coreAt5fps: childCpuMs > 0 ? round((childCpuMs / frames) * 5 / 1000, 3) : null,
  };
}

/** CPU ms of a process tree split by command name (ffmpeg vs the rest), from /proc. */
function sampleSplit(root: number): { ffmpegMs: number; otherMs: number } {
  let ffmpegMs = 0;
  let otherMs = 0;
  for (const pid of processTree(root)) {
    try {
      const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      const ms = (Number(f[11]) + Number(f[12])) * 10;
      if (comm === 'ffmpeg') ffmpegMs += ms;
      else otherMs += ms;
    } catch {
      /* exited */
    }
  }
  return { ffmpegMs, otherMs };
}

/** CPU ms per thread of one process: its main thread (tid = pid) and the sum of the others. */
function threadSplit(pid: number): { mainMs: number; otherThreadsMs: number; threads: number } {
  let mainMs = 0;
  let otherThreadsMs = 0;
  let threads = 0;
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      try {
        const s = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
        const ms = (Number(f[11]) + Number(f[12])) * 10;
        threads++;
        if (Number(tid) === pid) mainMs += ms;
        else otherThreadsMs += ms;
      } catch {
        /* exited */
      }
    }
  } catch {
    /* exited */
  }
  return { mainMs, otherThreadsMs, threads };
}

/** Descendant of `root` whose command line contains `needle`. */
function findProcess(root: number, needle: string): number | undefined {
  for (const pid of processTree(root)) {
    try {
      if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle)) return pid;
    } catch {
      /* exited */
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// 2. Live.
async function live(): Promise<Record<string, unknown>> {
  const bench = await startBenchServer({
    ...(values['no-gating'] ? { LECTERN_POSE_GATING: '0' } : {}),
    ...(values.runtime ? { LECTERN_POSE_RUNTIME: values.runtime } : {}),
  });
  const { url } = bench;
  const server = bench.process;
  const posePid = findProcess(server.pid!, 'video/process/main.ts');
  if (!posePid) throw new Error('no pose-analyzer process found under the server (LECTERN_POSE_PROCESSES=0?)');
  log(`server up at ${url}, pose process ${posePid}; starting ${rooms} publisher(s) with ${clip.y4m}`);
  const browser = await launchChromium({ audioFile: speechFixture().wav48k, videoFile: clip.y4m });
  const context = await browser.newContext();
  await bench.signIn(context);
  const observers: RoomObserver[] = [];
  for (let r = 0; r < rooms; r++) {
    const roomId = `bench-pose-${r}`;
    await bench.grant(roomId, 'presenter');
    observers.push(await RoomObserver.join(url, roomId, { accessToken: bench.accessToken, grant: await bench.grant(roomId, 'viewer') }));
    const page = await context.newPage();
    await page.goto(`${url}/rehearse?room=${roomId}&autostart=1`);
  }
  await Promise.all(observers.map((o, r) => o.waitFor(() => o.bodyFrames.some((f) => f.frame.videoFrameAtMs !== null), 60_000, `first body frame in room ${r}`)));
  log(`all rooms live; warming up ${warmupSec} s, measuring ${seconds} s`);
  await new Promise((r) => setTimeout(r, warmupSec * 1000));
  const start = observers.map((o) => ({ frames: o.bodyFrames.length, stats: o.bodyStats.length }));
  const cpu0 = sampleSplit(posePid);
  const thr0 = threadSplit(posePid);
  const voice0 = observers.map((o) => o.frames.length);
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu1 = sampleSplit(posePid);
  const thr1 = threadSplit(posePid);
  const elapsedSec = (Date.now() - t0) / 1000;

  const frames = observers.flatMap((o, i) => o.bodyFrames.slice(start[i]!.frames)).filter((f) => f.frame.videoFrameAtMs !== null);
  const stats = observers.flatMap((o, i) => o.bodyStats.slice(start[i]!.stats));
  const latAll = frames.map((f) => f.receivedAtMs - f.frame.videoFrameAtMs!);
  const latFresh = frames.filter((f) => f.frame.poseFresh).map((f) => f.receivedAtMs - f.frame.videoFrameAtMs!);
  const voiceLat = observers.flatMap((o, i) => o.frames.slice(voice0[i]).map((f) => f.receivedAtMs - f.frame.serverTimeMs));
  const sum = (k: 'framesDecoded' | 'framesInferred' | 'framesGated' | 'framesOverBudget' | 'framesDroppedStale' | 'keyframeRequests') => stats.reduce((a, s) => a + s[k], 0);
  const weighted = (k: 'decodeCpuMsPerFrame' | 'inferenceMsPerFrame' | 'inferenceCpuMsPerFrame', w: 'framesDecoded' | 'framesInferred') => {
    const rows = stats.filter((s) => s[k] !== null && s[w] > 0);
    const n = rows.reduce((a, s) => a + s[w], 0);
    return n > 0 ? rows.reduce((a, s) => a + s[k]! * s[w], 0) / n : null;
  };
  const decodeCpuPct = ((cpu1.ffmpegMs - cpu0.ffmpegMs) / 1000 / elapsedSec) * 100;
  const poseCpuPct = ((cpu1.otherMs - cpu0.otherMs) / 1000 / elapsedSec) * 100;
  const analysed = sum('framesInferred') + sum('framesGated') + sum('framesOverBudget');
  const voiceAB = Number(values['ab-voice']) > 0 ? await abVoice(observers, posePid, Number(values['ab-voice']), Number(values['ab-phases'])) : undefined;
  for (const o of observers) o.close();
  await browser.close();
  await bench.stop();
  return {
    rooms,
    seconds: round(elapsedSec, 1),
    clip: `${path.basename(clip.y4m)} (${clip.widthPx}×${clip.heightPx}, ${clip.fps} fps, looped)`,
    gating: !values['no-gating'],
    framesPerSecondPerStream: round(frames.length / rooms / elapsedSec),
    decodeCpuMsPerFrame: round(weighted('decodeCpuMsPerFrame', 'framesDecoded')),
    inferenceMsPerFrame: round(weighted('inferenceMsPerFrame', 'framesInferred')),
    inferenceCpuMsPerFrame: round(weighted('inferenceCpuMsPerFrame', 'framesInferred')),
    inferencesPerSecondPerStream: round(sum('framesInferred') / rooms / elapsedSec),
    gatingRate: analysed > 0 ? round(sum('framesGated') / analysed, 3) : null,
    overBudgetRate: analysed > 0 ? round(sum('framesOverBudget') / analysed, 3) : null,
    staleDropRate: sum('framesDecoded') > 0 ? round(sum('framesDroppedStale') / sum('framesDecoded'), 3) : null,
    keyframeRequests: sum('keyframeRequests'),
    cpuPercentPerStream: {
      decode: round(decodeCpuPct / rooms),
      pose: round(poseCpuPct / rooms),
      total: round((decodeCpuPct + poseCpuPct) / rooms),
    },
    poseProcessThreads: {
      mainThreadPct: round(((thr1.mainMs - thr0.mainMs) / 1000 / elapsedSec) * 100 / rooms),
      otherThreadsPct: round(((thr1.otherThreadsMs - thr0.otherThreadsMs) / 1000 / elapsedSec) * 100 / rooms),
      threads: thr1.threads,
      note: 'per stream; other threads = inference worker + V8/libuv helpers (10 ms tick resolution)',
    },
    coresPerPresenter: round((decodeCpuPct + poseCpuPct) / rooms / 100, 3),
    meetsTarget010Core: (decodeCpuPct + poseCpuPct) / rooms / 100 <= 0.1,
    poseLatencyMs: {
      p50: round(percentile(latAll, 50)),
      p95: round(percentile(latAll, 95)),
      p99: round(percentile(latAll, 99)),
      inferredFramesP95: round(percentile(latFresh, 95)),
      frames: latAll.length,
    },
    voiceLatencyMsSameRun: { p50: round(percentile(voiceLat, 50)), p95: round(percentile(voiceLat, 95)), frames: voiceLat.length },
    ...(voiceAB ? { voiceAB } : {}),
  };
}

/** Sends `signal` to the pose process and all its descendants (decoders). */
function signalTree(root: number, signal: NodeJS.Signals): void {
  for (const pid of processTree(root)) {
    try {
      process.kill(pid, signal);
    } catch {
      /* exited */
    }
  }
}

/** Voice latency with video analysis paused vs running, in alternating phases (see header, 3.). */
async function abVoice(observers: RoomObserver[], posePid: number, phaseSec: number, phases: number): Promise<Record<string, unknown>> {
  const lat: Record<'paused' | 'running', number[]> = { paused: [], running: [] };
  const perPhase: { video: 'paused' | 'running'; p50: number | null; p95: number | null; frames: number; load1m: number | null }[] = [];
  try {
    for (let i = 0; i < phases; i++) {
      const mode = i % 2 === 0 ? 'paused' : 'running';
      signalTree(posePid, mode === 'paused' ? 'SIGSTOP' : 'SIGCONT');
      log(`A/B phase ${i + 1}/${phases}: video analysis ${mode}`);
      await new Promise((r) => setTimeout(r, 2000)); // settle (a resumed decoder catches up, asks for a keyframe)
      const from = observers.map((o) => o.frames.length);
      await new Promise((r) => setTimeout(r, phaseSec * 1000));
      const l = observers.flatMap((o, k) => o.frames.slice(from[k]).map((f) => f.receivedAtMs - f.frame.serverTimeMs));
      lat[mode].push(...l);
      perPhase.push({ video: mode, p50: round(percentile(l, 50)), p95: round(percentile(l, 95)), frames: l.length, load1m: round(os.loadavg()[0]) });
    }
  } finally {
    signalTree(posePid, 'SIGCONT');
  }
  const summary = (l: number[]) => ({ p50: round(percentile(l, 50)), p95: round(percentile(l, 95)), p99: round(percentile(l, 99)), frames: l.length });
  const paused = summary(lat.paused);
  const running = summary(lat.running);
  return {
    phaseSec,
    phases: perPhase,
    videoAnalysisPaused: paused,
    videoAnalysisRunning: running,
    p95DifferenceMs: paused.p95 !== null && running.p95 !== null ? round(running.p95 - paused.p95) : null,
  };
}

const result: Record<string, unknown> = { cores: os.availableParallelism(), loadAverage1m: round(os.loadavg()[0]), hostCalibration: hostCalibration() };
if (!values['skip-isolated']) {
  log('isolated inference…');
  result.isolatedInference = { onnx: await isolatedInference('onnx'), tfjs: await isolatedInference('tfjs') };
  log('isolated decode…');
  result.isolatedDecode = isolatedDecode();
}
result.live = await live();
result.loadAverage1mAfter = round(os.loadavg()[0]);
result.hostCalibrationAfter = hostCalibration();
console.log(JSON.stringify(result, null, 2));
process.exit(0);
