import type { AsrStatus } from '@lectern/contract';
import type { AsrEngine } from '../asr/AsrEngine.ts';
import { LiveAudioStream } from '../pipeline/LiveAudioStream.ts';
import { LiveLanguageStream } from '../pipeline/LiveLanguageStream.ts';
import type { LiveAudioStreamStats } from '../pipeline/LiveAudioStreamTypes.ts';
import type { SileroVad } from '../voice/SileroVad.ts';
import { type ChildMessage, ParentMessageSchema, type StartAudioStream, type StatsMessage } from './protocol.ts';
import { errorText, type HostedStreamBase, StreamHost } from './StreamHost.ts';

interface HostedStream extends HostedStreamBase<StartAudioStream> {
  stream: LiveAudioStream;
  language: LiveLanguageStream;
}

/**
 * The analyzer process's state machine, independent of the IPC transport (a {@link StreamHost}:
 * message validation, stream map, status and error reporting): owns the live audio and language
 * streams, whose voice frames, pauses, captions, fluency frames and disfluencies go to the room as
 * the contract's room messages, plus the stream's ASR status when it starts (see protocol.ts).
 * `main.ts` wires it to `process.on('message')` / `process.send` and to a shared 20 ms tick and a
 * 5 s stats interval.
 *
 * Isolation: every call into a stream (datagram handling runs inside the stream's socket
 * handler, ticks and analysis here) is guarded, so one stream's failure is reported as a
 * status for that stream and never reaches the others.
 */
export class AnalyzerProcess extends StreamHost<StartAudioStream, HostedStream, ChildMessage> {
  /**
   * @param model the process-wide Silero VAD, already loaded.
   * @param send delivers one child → parent message (must not throw).
   * @param engines engine descriptions for the `ready` message.
   * @param asr the process's ASR engine (an AsrWorker) and why it was chosen; engine null = captions off.
   */
  constructor(
    private readonly model: SileroVad,
    send: (message: ChildMessage) => void,
    engines: Record<string, string>,
    private readonly asr: { engine: AsrEngine | null; status: AsrStatus } = {
      engine: null,
      status: { engine: 'none', reason: 'no ASR engine configured' },
    },
  ) {
    super(ParentMessageSchema, send, engines);
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
    for (const [streamId, hosted] of this.streams) this.guard(streamId, () => hosted.stream.tick());
  }

  /** Sends a `stats` message for every stream. */
  sendStats(): void {
    for (const [streamId, hosted] of this.streams) this.send(this.statsMessage(streamId, hosted.stream));
  }

  protected async startStream(start: StartAudioStream): Promise<void> {
    const { streamId, roomId, producerId } = start;
    // `start.channels` needs no handling: the Opus decoder is opened mono and downmixes a
    // stereo stream (Chrome negotiates opus/48000/2 but sends mono).
    let stream: LiveAudioStream;
    const language = new LiveLanguageStream({
      roomId,
      producerId,
      asr: this.asr.engine,
      onCaption: (caption) => this.publish(streamId, roomId, { event: 'captions:update', payload: caption }),
      onFluency: (frame) => this.publish(streamId, roomId, { event: 'metrics:fluency', payload: frame }),
      onDisfluency: (event) => this.publish(streamId, roomId, { event: 'fluency:event', payload: event }),
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
        onFrame: (frame) => this.publish(streamId, roomId, { event: 'metrics:voice', payload: frame }),
        onPause: (pause) => this.publish(streamId, roomId, { event: 'metrics:pause', payload: pause }),
        rtpTimestampOrigin: start.rtpTimestampOrigin,
        onOrigin: (rtpTimestamp) => this.send({ type: 'origin', streamId, rtpTimestamp }),
        onAnalysedWindow: (samples, mediaTimeSec, pauseSec, pauses) =>
          this.guard(streamId, () => language.pushWindow(samples, mediaTimeSec, pauseSec, pauses)),
        onError: (err) => this.streamError(streamId, err),
      });
      this.streams.set(streamId, { start, stream, language, errors: 0, lastErrorStatusMs: -Infinity });
      this.publish(streamId, roomId, { event: 'asr:status', payload: this.asr.status });
      const rtpPort = await stream.listen('127.0.0.1', 0);
      this.send({ type: 'started', streamId, rtpPort });
      this.status(streamId, { roomId, producerId, state: 'running' });
    } catch (err) {
      this.streams.delete(streamId);
      void language.close();
      this.send({ type: 'error', streamId, message: `cannot start stream: ${errorText(err)}` });
    }
  }

  protected async stopStream(hosted: HostedStream): Promise<void> {
    const { streamId } = hosted.start;
    this.streams.delete(streamId);
    try {
      await hosted.stream.close();
      await hosted.language.close(); // final captions of the last utterance
    } catch (err) {
      this.send({ type: 'error', streamId, message: `error while stopping: ${errorText(err)}` });
    }
    this.send(this.statsMessage(streamId, hosted.stream));
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
