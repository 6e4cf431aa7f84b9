/**
 * Inference worker thread of the pose process (started by {@link InferenceWorker} through
 * inferenceWorkerBoot.mjs). Owns the pose engine; runs one inference at a time and answers with
 * the keypoints and its cost. Keeping the model on its own thread lets the process's main thread
 * keep relaying RTP, reading the decoder and timestamping frames while an inference runs (≈7 CPU ms on
 * onnxruntime, 30–40 on the tfjs-wasm fallback; see loadPoseEngine, LECTERN_POSE_RUNTIME).
 */
import fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { loadPoseEngine } from '../../pose/loadPoseEngine.ts';
import type { PoseEngine } from '../../pose/PoseEngine.ts';
import type { FromInferenceWorker, ToInferenceWorker } from './inferenceWorkerProtocol.ts';

const port = parentPort;
if (!port) throw new Error('inferenceWorkerMain must run in a worker thread');
const post = (m: FromInferenceWorker, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);

/** CPU ms used by this thread so far (utime + stime of /proc/thread-self/stat, USER_HZ = 100). */
function threadCpuMs(): number {
  try {
    const s = fs.readFileSync('/proc/thread-self/stat', 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return 0;
  }
}

/** On-CPU time of this thread in ms (sum_exec_runtime, ns resolution), or null where schedstat is missing. */
function threadRuntimeMs(): number | null {
  try {
    return Number(fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return null;
  }
}

let engine: PoseEngine;
try {
  engine = await loadPoseEngine();
} catch (err) {
  post({ type: 'init-error', message: (err as Error).message });
  process.exit(1);
}
port.on('message', (m: ToInferenceWorker) => {
  if (m.type !== 'infer') return;
  const t0 = performance.now();
  const cpu0 = threadRuntimeMs();
  engine.estimate(new Uint8Array(m.rgb), m.width, m.height).then(
    (pose) => {
      const cpu1 = threadRuntimeMs();
      post({
        type: 'result',
        id: m.id,
        keypoints: pose.keypoints,
        inferMs: performance.now() - t0,
        cpuMs: cpu0 !== null && cpu1 !== null ? cpu1 - cpu0 : null,
        threadCpuMs: threadCpuMs(),
      });
    },
    (err: unknown) => post({ type: 'failure', id: m.id, message: err instanceof Error ? err.message : String(err) }),
  );
});
post({ type: 'ready', description: engine.description });
