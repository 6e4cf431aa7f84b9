import { type ChildProcess, fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { type AnalysisRoomMessage, ExponentialBackoff } from '@lectern/contract';
import type { BaseChildMessage, ChildMessage, Shutdown, StopStream } from '@lectern/analyzers/protocol';
import type { VideoChildMessage } from '@lectern/analyzers/video-protocol';
import { tsxLoader } from './tsxLoader.ts';

/**
 * A child message beyond the common protocol (the voice process's `origin` and `stats`, the pose
 * process's `keyframe-request` and `inference-times`), emitted as is as `stream-message`.
 */
export type StreamMessage = Exclude<ChildMessage | VideoChildMessage, BaseChildMessage>;

/** Events of a pool. */
export type ChildProcessPoolEvents = {
  /** A room message from the analysis (metric frame, pause, caption, status, …): publish it to room `roomId` as is. */
  room: [roomId: string, message: AnalysisRoomMessage, streamId: string];
  /** A protocol-specific message about a stream (see {@link StreamMessage}). */
  'stream-message': [message: StreamMessage];
  /** A process exited unexpectedly; its streams are gone and must be started again. */
  'streams-lost': [info: { pid: number; code: number | null; signal: string | null; streamIds: string[] }];
  /** A (re)started process is ready for streams. */
  'process-ready': [info: { pid: number; engines: Record<string, string> }];
  /** A process reported an error (emitted only when someone listens). */
  'process-error': [info: { pid: number | undefined; streamId?: string; message: string }];
};

/** Options of a {@link ChildProcessPool}. */
export interface ChildProcessPoolOptions {
  /** Number of processes (default 1; each serves many streams). */
  processes?: number;
  /** Entry module of the child process (TypeScript, run through tsx). */
  entry: string;
  /** How long a process may take to load its models before it counts as failed (ms, default 60 000). */
  readyTimeoutMs?: number;
  /** Extra environment for the processes. */
  env?: NodeJS.ProcessEnv;
  /** Name used in error messages, e.g. `analyzer`, `pose analyzer`. */
  label: string;
}

interface Slot {
  child: ChildProcess;
  ready: boolean;
  engines: Record<string, string>;
  streams: Set<string>;
  readyWaiters: ((ok: boolean) => void)[];
}

/**
 * Parent side of a pool of analysis child processes (voice, pose; protocol:
 * analyzers/src/process/protocol.ts): forks them with the tsx loader, waits for `ready`, places
 * each stream on the least-loaded ready process and resolves its UDP port, restarts a process that
 * exits (backoff 0.25 s doubling to 10 s) and reports its streams in `streams-lost` so the owner
 * can start them again. The processes' room messages are emitted as `room`, unchanged. Analysis
 * never runs on the gateway's event loop. A subclass names the entry module; `Start` is its
 * protocol's start message.
 */
export class ChildProcessPool<Start extends { type: string; streamId: string }> extends EventEmitter<ChildProcessPoolEvents> {
  readonly #slots: Slot[] = [];
  readonly #pendingStarts = new Map<string, { resolve: (port: number) => void; reject: (e: Error) => void }>();
  readonly #opts: Required<Omit<ChildProcessPoolOptions, 'env'>> & { env?: NodeJS.ProcessEnv };
  #closed = false;
  readonly #restartBackoff = new ExponentialBackoff({ initialMs: 250, maxMs: 10_000 });

  constructor(opts: ChildProcessPoolOptions) {
    super();
    this.#opts = { processes: 1, readyTimeoutMs: 60_000, ...opts };
  }

  /**
   * Starts the processes and waits until each reports `ready`.
   * @throws Error if a process fails to become ready in time (its stderr is in the parent's log).
   */
  async start(): Promise<void> {
    const waits: Promise<boolean>[] = [];
    for (let i = 0; i < this.#opts.processes; i++) {
      const slot = this.#spawn();
      this.#slots.push(slot);
      waits.push(this.#waitReady(slot));
    }
    const results = await Promise.all(waits);
    if (results.some((r) => !r)) throw new Error(`an ${this.#opts.label} process did not become ready (see its stderr above)`);
  }

  /** Process summary for /health and benchmarks. */
  info(): { pid: number | undefined; ready: boolean; streams: number; engines: Record<string, string> }[] {
    return this.#slots.map((s) => ({ pid: s.child.pid, ready: s.ready, streams: s.streams.size, engines: s.engines }));
  }

  /** PIDs of the processes (benchmarks read their CPU; tests kill one to check recovery). */
  get pids(): number[] {
    return this.#slots.map((s) => s.child.pid).filter((p): p is number => p !== undefined);
  }

  /** True if at least one process is ready. */
  get available(): boolean {
    return this.#slots.some((s) => s.ready);
  }

  /**
   * Sends a start message for its stream to the least-loaded ready process.
   * @returns the UDP port on 127.0.0.1 to which the stream's RTP must be sent.
   * @throws Error if no process is ready or the process does not answer within 10 s.
   */
  async startStream(message: Start): Promise<number> {
    const { streamId } = message;
    const ready = this.#slots.filter((s) => s.ready);
    if (ready.length === 0) throw new Error(`no ${this.#opts.label} process is ready`);
    const slot = ready.reduce((a, b) => (b.streams.size < a.streams.size ? b : a));
    slot.streams.add(streamId);
    const port = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pendingStarts.delete(streamId);
        reject(new Error(`${this.#opts.label} process ${slot.child.pid} did not start stream ${streamId} within 10 s`));
      }, 10_000);
      this.#pendingStarts.set(streamId, {
        resolve: (p) => (clearTimeout(timer), resolve(p)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
    });
    this.#send(slot, message);
    try {
      return await port;
    } catch (err) {
      slot.streams.delete(streamId);
      throw err;
    }
  }

  /** Stops a stream (no-op if unknown). */
  stopStream(streamId: string): void {
    for (const slot of this.#slots) {
      if (slot.streams.delete(streamId)) this.#send(slot, { type: 'stop', streamId } satisfies StopStream);
    }
  }

  /** Asks every process to shut down and waits up to 3 s before killing it. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(
      this.#slots.map(
        (slot) =>
          new Promise<void>((resolve) => {
            if (slot.child.exitCode !== null || slot.child.signalCode !== null) return resolve();
            const timer = setTimeout(() => slot.child.kill('SIGKILL'), 3000);
            slot.child.once('exit', () => (clearTimeout(timer), resolve()));
            this.#send(slot, { type: 'shutdown' } satisfies Shutdown);
          }),
      ),
    );
    this.#slots.length = 0;
  }

  #spawn(): Slot {
    const child = fork(this.#opts.entry, [], {
      execArgv: ['--import', tsxLoader],
      env: { ...process.env, ...this.#opts.env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const slot: Slot = { child, ready: false, engines: {}, streams: new Set(), readyWaiters: [] };
    child.on('message', (msg) => this.#onMessage(slot, msg as BaseChildMessage | StreamMessage));
    child.on('error', () => {
      /* 'exit' follows and handles the restart */
    });
    child.once('exit', (code, signal) => this.#onExit(slot, code, signal));
    return slot;
  }

  #waitReady(slot: Slot): Promise<boolean> {
    if (slot.ready) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), this.#opts.readyTimeoutMs);
      slot.readyWaiters.push((ok) => (clearTimeout(timer), resolve(ok)));
    });
  }

  #onMessage(slot: Slot, msg: BaseChildMessage | StreamMessage): void {
    switch (msg.type) {
      case 'ready':
        slot.ready = true;
        slot.engines = msg.engines;
        this.#restartBackoff.reset();
        for (const w of slot.readyWaiters.splice(0)) w(true);
        this.emit('process-ready', { pid: msg.pid, engines: msg.engines });
        return;
      case 'started':
        this.#pendingStarts.get(msg.streamId)?.resolve(msg.rtpPort);
        this.#pendingStarts.delete(msg.streamId);
        return;
      case 'room':
        this.emit('room', msg.roomId, msg.message, msg.streamId);
        return;
      case 'error':
        if (msg.streamId && this.#pendingStarts.has(msg.streamId)) {
          this.#pendingStarts.get(msg.streamId)?.reject(new Error(msg.message));
          this.#pendingStarts.delete(msg.streamId);
        }
        if (this.listenerCount('process-error') > 0)
          this.emit('process-error', {
            pid: slot.child.pid,
            ...(msg.streamId ? { streamId: msg.streamId } : {}),
            message: msg.message,
          });
        return;
      default:
        this.emit('stream-message', msg);
    }
  }

  #onExit(slot: Slot, code: number | null, signal: NodeJS.Signals | null): void {
    slot.ready = false;
    for (const w of slot.readyWaiters.splice(0)) w(false);
    const streamIds = [...slot.streams];
    for (const id of streamIds) {
      this.#pendingStarts.get(id)?.reject(new Error(`${this.#opts.label} process exited`));
      this.#pendingStarts.delete(id);
    }
    const idx = this.#slots.indexOf(slot);
    if (this.#closed || idx < 0) return;
    this.emit('streams-lost', { pid: slot.child.pid ?? -1, code, signal, streamIds });
    setTimeout(() => {
      if (!this.#closed) this.#slots[idx] = this.#spawn();
    }, this.#restartBackoff.next());
  }

  #send(slot: Slot, msg: object): void {
    if (slot.child.connected) slot.child.send(msg);
  }
}
