/**
 * Pose-analyzer child process (started by the gateway's PoseProcessPool with
 * `child_process.fork`; protocol in ./protocol.ts). Separate from the voice analyzer process on
 * purpose: pose inference costs ≈7 CPU ms per frame on onnxruntime (30–100 ms wall on the tfjs-wasm
 * fallback under load) and must never delay a 100 ms voice window.
 *
 * Threads: the main thread relays RTP, supervises the ffmpeg decoders (child processes), runs
 * motion gating, the stale-dropping queue and the metrics; one worker thread runs the pose model.
 * The whole process (all its threads, and the decoders it spawns) runs at a lower CPU priority
 * (nice +LECTERN_POSE_NICE, default 10) so that under contention the scheduler favours the voice
 * path, the SFU and the gateway; video frames are dropped rather than audio delayed.
 *
 * Run: `fork('analyzers/src/video/process/main.ts', [], { execArgv: ['--import', 'tsx'] })`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { type AnalyzerEnv, readAnalyzerEnv } from '../../env.ts';
import { InferenceWorker } from './InferenceWorker.ts';
import { PoseProcess } from './PoseProcess.ts';
import { openChildIpc, reportUncaughtErrors, serveParentMessages } from '../../process/childIpc.ts';
import type { VideoChildMessage } from './protocol.ts';

/** Period of the no-video tick (ms). */
const TICK_MS = 200;
/** Period of `body-stats` messages (ms). */
const STATS_MS = 5000;

const ipc = openChildIpc<VideoChildMessage>('pose analyzer');
const send = ipc.send;
reportUncaughtErrors(send);

// LECTERN_POSE_BUDGET_MS, LECTERN_POSE_NICE, LECTERN_POSE_GATING (analyzers/src/env.ts). The gateway
// validates them at start-up; a bad value that still reaches this process is reported and ends it.
let env: AnalyzerEnv;
try {
  env = readAnalyzerEnv();
} catch (err) {
  send({ type: 'error', message: (err as Error).message });
  await ipc.flushed();
  process.exit(1);
}
/** Inference CPU ms per second per stream (0 = unlimited). */
const budgetMsPerSec = env.LECTERN_POSE_BUDGET_MS;

/** Lowers the priority of every thread of this process (Linux nice is per thread). */
function renice(): void {
  const nice = env.LECTERN_POSE_NICE; // 0–19; 0 = do not renice
  if (nice <= 0) return;
  let tids: string[] = [];
  try {
    tids = fs.readdirSync('/proc/self/task');
  } catch {
    tids = [String(process.pid)];
  }
  for (const tid of tids) {
    try {
      os.setPriority(Number(tid), nice);
    } catch {
      /* not permitted: keep the default priority */
    }
  }
}

// Registered before the (slow) model load: if the parent dies meanwhile, exit instead of lingering
// (nothing to clean up yet; once streams run, `exit` closes them first).
let running = false;
process.on('disconnect', () => (running ? void exit(0) : process.exit(0)));

const worker = new InferenceWorker();
try {
  await worker.start();
} catch (err) {
  send({ type: 'error', message: `cannot load the pose model: ${(err as Error).message}` });
  await ipc.flushed();
  process.exit(1);
}
renice(); // after the worker thread exists, so it is included; ffmpeg children inherit it

/** Inference wall times (ms) since the last `inference-times` message (gateway metrics). */
const inferMs: number[] = [];
const ffmpegVersion = (spawnSync('ffmpeg', ['-version'], { encoding: 'utf8' }).stdout ?? '').split('\n')[0] ?? 'ffmpeg';
const host = new PoseProcess({
  infer: (rgb, width, height) =>
    worker.infer(rgb, width, height).then((result) => {
      if (inferMs.push(result.inferMs) > 1000) inferMs.shift();
      return result;
    }),
  send,
  engines: {
    pose: worker.description,
    decoder: `${ffmpegVersion.replace(/ Copyright.*/, '')} (VP8 RTP via SDP, letterboxed 192², ≈5 fps)`,
    gating: `motion gate: >1 % of 8×8-block grey means changed by >10 levels, re-infer at least every 2 s; budget ${budgetMsPerSec} ms inference/s per stream`,
  },
  disableGating: !env.LECTERN_POSE_GATING,
  budgetMsPerSec,
});
const tickTimer = setInterval(() => host.tick(), TICK_MS);
let restarting = false;
const statsTimer = setInterval(() => {
  host.sendStats();
  if (inferMs.length > 0) send({ type: 'inference-times', inferMs: inferMs.splice(0) });
  // A dead inference thread (e.g. out of memory) is restarted; frames meanwhile keep their last pose.
  if (worker.dead && !restarting) {
    restarting = true;
    send({ type: 'error', message: `inference worker stopped (${worker.dead.message}); restarting it` });
    worker.start().then(renice, (err: unknown) => send({ type: 'error', message: `inference worker restart failed: ${(err as Error).message}` })).finally(() => (restarting = false));
  }
}, STATS_MS);

let exiting = false;
async function exit(code: number): Promise<void> {
  if (exiting) return;
  exiting = true;
  clearInterval(tickTimer);
  clearInterval(statsTimer);
  await host.closeAll();
  await worker.close();
  await ipc.flushed();
  process.exit(code);
}

serveParentMessages(host, send, exit);
running = true;
if (!process.connected) await exit(0);
send(host.readyMessage());
