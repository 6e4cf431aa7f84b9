import type { AnalyzerStatus, AsrStatus } from '@lectern/contract';
import type { AsrEngine } from '../asr/AsrEngine.ts';
import { LiveAudioStream } from '../pipeline/LiveAudioStream.ts';
import { LiveLanguageStream } from '../pipeline/LiveLanguageStream.ts';
import type { LiveAudioStreamStats } from '../pipeline/LiveAudioStreamTypes.ts';
import type { SileroVad } from '../voice/SileroVad.ts';
import { ParentMessageSchema } from './parentMessages.ts';
import type { ChildMessage, Ready, StartAudioStream, StatsMessage } from './protocol.ts';

/** Minimum interval between two error status messages of one stream (ms). */
const ERROR_STATUS_INTERVAL_MS = 5000;

interface HostedStream {
  start: StartAudioStream;
  stream: LiveAudioStream;
  language: LiveLanguageStream;
  errors: number;
  lastErrorStatusMs: number;
}

/**
 * The analyzer process's state machine, independent of the IPC transport: validates parent
 * messages (zod), owns the live streams, and produces child messages through `send`
 * (see protocol.ts). `main.ts` wires it to `process.on('message')` / `process.send` and to a
 * shared 20 ms tick and a 5 s stats interval.
 *
 * Isolation: every call into a stream (datagram handling runs inside the stream's socket
 * handler, ticks and analysis here) is guarded, so one stream's failure is reported as a
 * `status` message for that stream and never reaches the others.
 */
export class AnalyzerProcess {
  private readonly streams = new Map<string, HostedStream>();

  /**
   * @param model the process-wide Silero VAD, already loaded.
   * @param send delivers one child → parent message (must not throw).
   * @param engines engine descriptions for the `ready` message.
   */
  constructor(
    private readonly model: SileroVad,
    private readonly send: (message: ChildMessage) => void,
    private readonly engines: Record<string, string>,
    /** The process's ASR engine (an AsrWorker) and why it was chosen; engine null = captions off. */
    private readonly asr: { engine: AsrEngine | null; status: AsrStatus } = {
      engine: null,
      status: { engine: 'none', reason: 'no ASR engine configured' },
    },
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
   * Handles one message from the parent. Invalid messages are answered with an `error`
   * message naming the failing fields; never throws.
   * @param raw the message as received over IPC (untrusted).
   * @returns 'shutdown' when the process should exit (all streams are closed by then).
   */
  async handleMessage(raw: unknown): Promise<'shutdown' | undefined> {
    const parsed = ParentMessageSchema.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message));
      const streamId = typeof raw === 'object' && raw !== null && typeof (raw as { streamId?: unknown }).streamId === 'string'
        ? (raw as { streamId: string }).streamId
        : undefined;
      this.send({ type: 'error', ...(streamId !== undefined ? { streamId } : {}), message: `invalid message: ${issues.join('; ')}` });
      return undefined;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'start-audio':
        await this.start(message);
        return undefined;
      case 'stop':
        await this.stop(message.streamId);
        return undefined;
      case 'shutdown':
        await this.closeAll();
        return 'shutdown';
    }
  }

  /**
   * Counters of one stream.
   * @returns the stream's stats, or undefined for an unknown stream id.
   */
  streamStats(streamId: string): LiveAudioStreamStats | undefined {
    return this.streams.get(streamId)?.stream.stats;
  }

  /** Shared timer: ticks every stream (jitter-buffer expiry, timer-closed windows). */
  tick(): void {
    for (const [streamId, hosted] of this.streams) {
      try {
        hosted.stream.tick();
      } catch (err) {
        this.streamError(streamId, err);
      }
    }
  }

  /** Sends a `stats` message for every stream. */
  sendStats(): void {
    for (const [streamId, hosted] of this.streams) this.send(this.statsMessage(streamId, hosted.stream));
  }

  /** Stops every stream (final stats and `stopped` status each). */
  async closeAll(): Promise<void> {
    await Promise.all([...this.streams.keys()].map((id) => this.stop(id)));
  }

  private async start(start: StartAudioStream): Promise<void> {
    const { streamId, roomId, producerId } = start;
    if (this.streams.has(streamId)) {
      this.send({ type: 'error', streamId, message: `stream ${streamId} already exists` });
      return;
    }
    // `start.channels` needs no handling: the Opus decoder is opened mono and downmixes a
    // stereo stream (Chrome negotiates opus/48000/2 but sends mono).
    let stream: LiveAudioStream;
    const language = new LiveLanguageStream({
      roomId,
      producerId,
      asr: this.asr.engine,
      onCaption: (caption) => this.send({ type: 'caption', streamId, caption }),
      onFluency: (frame) => this.send({ type: 'fluency', streamId, frame }),
      onDisfluency: (event) => this.send({ type: 'disfluency', streamId, event }),
      onError: (err) => this.streamError(streamId, err),
    });
    try {
      stream = new LiveAudioStream({
        roomId,
        producerId,
        payloadType: start.payloadType,
        ssrc: start.ssrc,
        clockRate: start.clockRate,
        model: this.model,
        onFrame: (frame) => this.send({ type: 'voice-frame', streamId, frame }),
        onPause: (pause) => this.send({ type: 'pause', streamId, pause }),
        rtpTimestampOrigin: start.rtpTimestampOrigin,
        onOrigin: (rtpTimestamp) => this.send({ type: 'origin', streamId, rtpTimestamp }),
        onAnalysedWindow: (samples, mediaTimeSec, pauseSec, pauses) => {
          try {
            language.pushWindow(samples, mediaTimeSec, pauseSec, pauses);
          } catch (err) {
            this.streamError(streamId, err);
          }
        },
        onError: (err) => this.streamError(streamId, err),
      });
      this.streams.set(streamId, { start, stream, language, errors: 0, lastErrorStatusMs: -Infinity });
      this.send({ type: 'asr-status', streamId, roomId, status: this.asr.status });
      const rtpPort = await stream.listen('127.0.0.1', 0);
      this.send({ type: 'started', streamId, rtpPort });
      this.status(streamId, { roomId, producerId, state: 'running' });
    } catch (err) {
      this.streams.delete(streamId);
      void language.close();
      this.send({ type: 'error', streamId, message: `cannot start stream: ${errorText(err)}` });
    }
  }

  private async stop(streamId: string): Promise<void> {
    const hosted = this.streams.get(streamId);
    if (hosted === undefined) {
      this.send({ type: 'error', streamId, message: `unknown stream ${streamId}` });
      return;
    }
    this.streams.delete(streamId);
    try {
      await hosted.stream.close();
      await hosted.language.close(); // final captions of the last utterance
    } catch (err) {
      this.send({ type: 'error', streamId, message: `error while stopping: ${errorText(err)}` });
    }
    this.send(this.statsMessage(streamId, hosted.stream));
    const { roomId, producerId } = hosted.start;
    this.status(streamId, { roomId, producerId, state: 'stopped' });
  }

  private streamError(streamId: string, err: unknown): void {
    const hosted = this.streams.get(streamId);
    if (hosted === undefined) return;
    hosted.errors++;
    const now = performance.now();
    if (now - hosted.lastErrorStatusMs < ERROR_STATUS_INTERVAL_MS) return;
    hosted.lastErrorStatusMs = now;
    const { roomId, producerId } = hosted.start;
    this.status(streamId, {
      roomId,
      producerId,
      state: 'running',
      reason: `non-fatal error #${hosted.errors}: ${errorText(err)}`,
    });
  }

  private status(streamId: string, status: AnalyzerStatus): void {
    this.send({ type: 'status', streamId, status });
  }

  private statsMessage(streamId: string, stream: LiveAudioStream): StatsMessage {
    const s = stream.stats;
    return {
      type: 'stats',
      streamId,
      packetsReceived: s.packetsReceived,
      packetsMalformed: s.packetsMalformed,
      // protocol.ts has one counter for packets of another stream: SSRC or payload type mismatch.
      packetsWrongSsrc: s.packetsWrongSsrc + s.packetsWrongPayloadType,
      packetsConcealed: s.packetsConcealed,
      rtcpPackets: s.rtcpPackets,
      framesEmitted: s.framesEmitted,
    };
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
