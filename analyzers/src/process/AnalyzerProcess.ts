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
  /** ASR counters at the previous stats message (for the per-period RTF). */
  asrAtLastStats: { decodedSec: number; decodeSec: number };
}

/**
 * The analyzer process's state machine, independent of the IPC transport (a {@link StreamHost}:
 * message validation, stream map, status and error reporting): owns the live audio and language
 * streams, whose voice frames, pauses, captions, fluency frames and disfluencies go to the room as
 * the contract's room messages, plus the stream's ASR status when it starts and whenever its
 * partial shedding changes (see protocol.ts).
 *
 * Shedding (issue #12): when the stream's recogniser backlog exceeds 5 s of audio (AsrWorker's
 * `shedPartialsAboveSec`), partial captions are withheld and finals still come; the room gets
 * `asr:status` with `partialsShed: true` and the reason, and `analyzer:status` with
 * `shed: ['asr-partials']`. Below 1 s both are sent again without it. Voice windows are never shed.
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
    for (const [streamId, hosted] of this.streams) this.send(this.statsMessage(streamId, hosted));
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
      onAsrShedding: (sh) => {
        this.publish(streamId, roomId, { event: 'asr:status', payload: { ...this.asr.status, reason: sh.reason, partialsShed: sh.partialsShed } });
        this.status(streamId, { roomId, producerId, state: 'running', ...(sh.partialsShed ? { shed: ['asr-partials' as const], reason: sh.reason } : { shed: [] }) });
      },
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
      this.streams.set(streamId, { start, stream, language, errors: 0, lastErrorStatusMs: -Infinity, asrAtLastStats: { decodedSec: 0, decodeSec: 0 } });
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
    this.send(this.statsMessage(streamId, hosted));
  }

  /**
   * The stream's `stats` message. `asrBacklogSec`: audio queued to the recogniser now (s);
   * `asrRtf`: worker wall time spent decoding ÷ audio decoded since the previous stats message
   * (0 when nothing was decoded); both omitted with captions off.
   */
  private statsMessage(streamId: string, hosted: HostedStream): StatsMessage {
    const s = hosted.stream.stats;
    const asr = hosted.language.asrStats();
    let asrFields: Pick<StatsMessage, 'asrBacklogSec' | 'asrRtf'> = {};
    if (asr) {
      const audioSec = asr.decodedSec - hosted.asrAtLastStats.decodedSec;
      const decodeSec = asr.decodeSec - hosted.asrAtLastStats.decodeSec;
      hosted.asrAtLastStats = { decodedSec: asr.decodedSec, decodeSec: asr.decodeSec };
      asrFields = { asrBacklogSec: round3(asr.backlogSec), asrRtf: audioSec > 0 ? round3(Math.max(0, decodeSec) / audioSec) : 0 };
    }
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
      ...asrFields,
    };
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
