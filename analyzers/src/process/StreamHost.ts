import type { z } from 'zod';
import type { AnalysisRoomMessage, AnalyzerStatus } from '@lectern/contract';
import type { BaseChildMessage, Ready, Shutdown, StopStream } from './protocol.ts';

/** Minimum interval between two error status messages of one stream (ms). */
const ERROR_STATUS_INTERVAL_MS = 5000;

/** What a start message names: the stream and the room/producer it analyses. */
export interface StartMessage {
  type: string;
  streamId: string;
  roomId: string;
  producerId: string;
}

/** The state every hosted stream carries (a subclass adds its pipeline). */
export interface HostedStreamBase<Start extends StartMessage> {
  /** The message that started it. */
  start: Start;
  /** Non-fatal errors so far. */
  errors: number;
  /** `performance.now()` of the last error status sent (rate limit). */
  lastErrorStatusMs: number;
}

/**
 * The state machine an analysis child process (voice: `AnalyzerProcess`, pose: `PoseProcess`)
 * runs, independent of the IPC transport: validates parent messages (zod), refuses duplicate starts
 * and unknown stops, owns the map of streams, and sends child → parent messages through `send`
 * (see protocol.ts) — what the room should see as the contract's room messages (`room`), with the
 * stream's `analyzer:status` (`running`, `stopped`, rate-limited non-fatal errors). `main.ts`
 * wires it to `process.on('message')` / `process.send` and to its timers.
 *
 * Isolation: every call into a stream is guarded by the subclass, so one stream's failure is
 * reported (through {@link streamError}) as a status for that stream and never reaches the others.
 */
export abstract class StreamHost<
  Start extends StartMessage,
  Hosted extends HostedStreamBase<Start>,
  Message extends { type: string },
> {
  /** The running streams by id. */
  protected readonly streams = new Map<string, Hosted>();

  /**
   * @param parentSchema validates every parent message: this process's start, `stop`, `shutdown`.
   * @param send delivers one child → parent message (must not throw).
   * @param engines engine descriptions for the `ready` message.
   * @param errorPrefix put before non-fatal error reasons, e.g. `video analysis: ` (may be empty).
   */
  constructor(
    private readonly parentSchema: z.ZodType<Start | StopStream | Shutdown>,
    protected readonly send: (message: Message | BaseChildMessage) => void,
    private readonly engines: Record<string, string>,
    private readonly errorPrefix = '',
  ) {}

  /** The `ready` message announcing this process. */
  readyMessage(): Ready {
    return { type: 'ready', pid: process.pid, engines: this.engines };
  }

  /** Ids of the running streams. */
  get streamIds(): string[] {
    return [...this.streams.keys()];
  }

  /**
   * Handles one message from the parent. Invalid messages are answered with an `error` message
   * naming the failing fields; never throws.
   * @param raw the message as received over IPC (untrusted).
   * @returns 'shutdown' when the process should exit (all streams are closed by then).
   */
  async handleMessage(raw: unknown): Promise<'shutdown' | undefined> {
    const parsed = this.parentSchema.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message));
      const streamId =
        typeof raw === 'object' && raw !== null && typeof (raw as { streamId?: unknown }).streamId === 'string'
          ? (raw as { streamId: string }).streamId
          : undefined;
      this.send({ type: 'error', ...(streamId !== undefined ? { streamId } : {}), message: `invalid message: ${issues.join('; ')}` });
      return undefined;
    }
    const message = parsed.data;
    if (isShutdown(message)) {
      await this.closeAll();
      return 'shutdown';
    }
    if (isStop(message)) await this.#stop(message.streamId);
    else await this.#start(message);
    return undefined;
  }

  /** Stops every stream (each with its final messages and a `stopped` status). */
  async closeAll(): Promise<void> {
    await Promise.all([...this.streams.keys()].map((id) => this.#stop(id)));
  }

  /**
   * Starts a stream whose id is not in use: sets up its pipeline and UDP socket, adds it to
   * {@link streams}, sends `started` and calls `status(…running)`; on failure removes it again and
   * sends an `error` message for the stream.
   */
  protected abstract startStream(start: Start): Promise<void>;

  /**
   * Stops a hosted stream: removes it from {@link streams}, closes its pipeline and sends its final
   * messages (stats); the `stopped` status follows.
   */
  protected abstract stopStream(hosted: Hosted): Promise<void>;

  /** Sends a room message of stream `streamId` for everyone in room `roomId`. */
  protected publish(streamId: string, roomId: string, message: AnalysisRoomMessage): void {
    this.send({ type: 'room', streamId, roomId, message });
  }

  /** Sends the stream's `analyzer:status` to its room. */
  protected status(streamId: string, status: AnalyzerStatus): void {
    this.publish(streamId, status.roomId, { event: 'analyzer:status', payload: status });
  }

  /**
   * Counts a non-fatal error of a stream and reports it as a `running` status with the reason, at
   * most once per 5 s per stream. Unknown (already stopped) streams are ignored.
   */
  protected streamError(streamId: string, err: unknown): void {
    const hosted = this.streams.get(streamId);
    if (hosted === undefined) return;
    hosted.errors++;
    const now = performance.now();
    if (now - hosted.lastErrorStatusMs < ERROR_STATUS_INTERVAL_MS) return;
    hosted.lastErrorStatusMs = now;
    const { roomId, producerId } = hosted.start;
    this.status(streamId, { roomId, producerId, state: 'running', reason: `${this.errorPrefix}non-fatal error #${hosted.errors}: ${errorText(err)}` });
  }

  /** Runs `fn`; a throw becomes a {@link streamError} of `streamId`. */
  protected guard(streamId: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.streamError(streamId, err);
    }
  }

  async #start(start: Start): Promise<void> {
    if (this.streams.has(start.streamId)) {
      this.send({ type: 'error', streamId: start.streamId, message: `stream ${start.streamId} already exists` });
      return;
    }
    await this.startStream(start);
  }

  async #stop(streamId: string): Promise<void> {
    const hosted = this.streams.get(streamId);
    if (hosted === undefined) {
      this.send({ type: 'error', streamId, message: `unknown stream ${streamId}` });
      return;
    }
    await this.stopStream(hosted);
    const { roomId, producerId } = hosted.start;
    this.status(streamId, { roomId, producerId, state: 'stopped' });
  }
}

function isStop(message: { type: string }): message is StopStream {
  return message.type === 'stop';
}

function isShutdown(message: { type: string }): message is Shutdown {
  return message.type === 'shutdown';
}

/** The message of an Error, else the value as a string. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
