/**
 * Analyzer child process (started by the gateway's AnalyzerPool with `child_process.fork`;
 * protocol in ./protocol.ts). Loads the models once, announces `ready`, then serves
 * `start-audio` / `stop` / `shutdown` over the IPC channel. RTP arrives over UDP on a port per
 * stream bound to 127.0.0.1.
 *
 * Run: `fork('analyzers/src/process/main.ts', [], { execArgv: ['--import', 'tsx'] })`.
 */
import type { AsrStatus } from '@lectern/contract';
import type { AsrEngine } from '../asr/AsrEngine.ts';
import { AsrWorkerPool } from '../asr/AsrWorkerPool.ts';
import { readAnalyzerEnv } from '../env.ts';
import { selectEngine } from '../asr/selectEngine.ts';
import { AnalyzerProcess } from './AnalyzerProcess.ts';
import { openChildIpc, reportUncaughtErrors, serveParentMessages } from './childIpc.ts';
import type { ChildMessage } from './protocol.ts';
import { SileroVad } from '../voice/SileroVad.ts';
import { ENGINES } from '../engines.ts';

/** Period of the shared stream timer (ms): jitter-buffer expiry and timer-closed windows. */
const TICK_MS = 20;
/** Period of `stats` messages (ms), per protocol.ts. */
const STATS_MS = 5000;

const ipc = openChildIpc<ChildMessage>('analyzer');
const send = ipc.send;
reportUncaughtErrors(send);

// Registered before the (slow) model and ASR loads: if the parent dies meanwhile (e.g. its start
// failed), exit at once instead of lingering; once streams run, `exit` closes them first.
let running = false;
process.on('disconnect', () => (running ? void exit(0) : process.exit(0)));

let model: SileroVad;
try {
  model = await SileroVad.shared();
} catch (err) {
  send({ type: 'error', message: `cannot load the VAD model: ${(err as Error).message}` });
  await ipc.flushed();
  process.exit(1);
}

// Speech recognition: the best available engine (LECTERN_ASR_ENGINE overrides), in worker threads
// (LECTERN_ASR_THREADS, default the cores available; streams pinned to the least-loaded one) so
// decoding never blocks the 100 ms voice windows and no stream waits behind all the others.
// Failure degrades to captions off.
let asrEngine: AsrEngine | null = null;
let asrStatus: AsrStatus;
try {
  const selection = await selectEngine();
  asrStatus = { engine: selection.engine, reason: selection.reason };
  if (selection.spec) asrEngine = await AsrWorkerPool.start(selection.spec, { threads: readAnalyzerEnv().LECTERN_ASR_THREADS });
} catch (err) {
  asrStatus = { engine: 'none', reason: `ASR engine failed to start (${(err as Error).message}); captions off` };
}

const host = new AnalyzerProcess(
  model,
  send,
  { ...ENGINES, vad: model.engine, asr: asrEngine ? `${asrEngine.description}` : 'none', asrReason: asrStatus.reason },
  { engine: asrEngine, status: asrStatus },
);
const tickTimer = setInterval(() => host.tick(), TICK_MS);
const statsTimer = setInterval(() => host.sendStats(), STATS_MS);

let exiting = false;
async function exit(code: number): Promise<void> {
  if (exiting) return;
  exiting = true;
  clearInterval(tickTimer);
  clearInterval(statsTimer);
  await host.closeAll();
  await asrEngine?.close().catch(() => {});
  await ipc.flushed();
  process.exit(code);
}

serveParentMessages(host, send, exit);
running = true;
if (!process.connected) await exit(0);

send(host.readyMessage());
