/**
 * mediasoup object counts of a bench server, read inside its process by test/support/sfuCountsHook.ts
 * (loaded with `--import`, see {@link SFU_COUNTS_HOOK}) and asked for over the server's IPC channel.
 * `npm run soak` uses them to check that every object a room creates is gone after it closes.
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './fixtures.ts';

/** The hook module to pass as `startBenchServer(env, timeout, { execArgv: ['--import', SFU_COUNTS_HOOK], ipc: true })`. */
export const SFU_COUNTS_HOOK = path.join(repoRoot, 'test/support/sfuCountsHook.ts');

/** Object counts summed over the server's mediasoup workers. */
export interface SfuObjectCounts {
  workers: number;
  webRtcServers: number;
  routers: number;
  transports: number;
  producers: number;
  consumers: number;
  dataProducers: number;
  dataConsumers: number;
  rtpObservers: number;
  /** Request + notification handlers registered in the workers' channels (one per live C++ object that takes messages). */
  channelHandlers: number;
}

/** What the hook answers: the workers' own view (`worker.dump()` / `router.dump()`), the JS objects still open, the gateway's heap. */
export interface SfuCountsReply {
  /** From the C++ workers: `worker.dump()` and `router.dump()` of each router. */
  dump: SfuObjectCounts;
  /** mediasoup objects created in the gateway process (via `mediasoup.observer`) and not yet closed. */
  open: Omit<SfuObjectCounts, 'channelHandlers'>;
  /** The gateway process's `process.memoryUsage()`, bytes (after a full GC when one was asked for and ran). */
  memory: NodeJS.MemoryUsage;
  /** Whether a full garbage collection ran first (asked for, and the server runs with `--expose-gc`). */
  gcRan?: boolean;
  /** The heap snapshot written (after the GC) when one was asked for. */
  heapSnapshotPath?: string;
}

/** Messages on the IPC channel. */
export type SfuCountsMessage = { type: 'sfu-counts?'; id: number; gc?: boolean; heapSnapshotPath?: string } | { type: 'sfu-counts'; id: number; reply?: SfuCountsReply; error?: string };

let nextId = 1;

/**
 * Asks the server's hook for its counts; with `opts.gc`, after a full garbage collection in the
 * server (it must run with `--expose-gc`; otherwise `gcRan` is false).
 * @throws Error when the server has no IPC channel, the hook answers an error, or nothing comes back in `timeoutMs`.
 */
export function requestSfuCounts(server: ChildProcess, timeoutMs = 10_000, opts: { gc?: boolean; heapSnapshotPath?: string } = {}): Promise<SfuCountsReply> {
  if (!server.send || !server.connected) return Promise.reject(new Error('the server has no IPC channel (start it with ipc: true)'));
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      server.off('message', onMessage);
      reject(new Error(`no sfu-counts answer in ${timeoutMs} ms (is ${SFU_COUNTS_HOOK} loaded?)`));
    }, timeoutMs);
    const onMessage = (m: SfuCountsMessage) => {
      if (m?.type !== 'sfu-counts' || m.id !== id) return;
      clearTimeout(timer);
      server.off('message', onMessage);
      if (m.reply) resolve(m.reply);
      else reject(new Error(`sfu-counts failed: ${m.error}`));
    };
    server.on('message', onMessage);
    server.send({ type: 'sfu-counts?', id, gc: opts.gc, heapSnapshotPath: opts.heapSnapshotPath } satisfies SfuCountsMessage);
  });
}
