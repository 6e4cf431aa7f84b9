import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { ANALYSIS_SAMPLE_RATE_HZ, VOICE_WINDOW_SEC } from '@lectern/contract';
import { OpusDecoder } from '../audio/OpusDecoder.ts';
import { Windower } from '../audio/Windower.ts';
import type { ClosedWindow } from '../audio/WindowerTypes.ts';
import { JitterBuffer } from '../rtp/JitterBuffer.ts';
import { RtpPacket, isRtcp } from '../rtp/RtpPacket.ts';
import { RtpTimeline } from '../rtp/RtpTimeline.ts';
import { VoiceAnalyzer } from '../voice/VoiceAnalyzer.ts';
import type { LiveAudioStreamOptions, LiveAudioStreamStats } from './LiveAudioStreamTypes.ts';

/** A tick this long after the previous one indicates an event-loop stall (ms); see tick(). */
const STALLED_TICK_MS = 50;

/**
 * The live voice pipeline of one audio producer, composed in one place:
 *
 *   UDP datagram → isRtcp filter (RFC 5761) → RtpPacket.parse (RFC 3550) → SSRC / payload type
 *   check → JitterBuffer (reorder with a wait that adapts to jitter, loss) → OpusDecoder (16 kHz mono; PLC for losses) →
 *   RtpTimeline + Windower (100 ms windows on the RTP media timeline, gap fill, timer close) →
 *   VoiceAnalyzer (serialised per stream) → onFrame / onPause.
 *
 * Everything up to the Windower runs synchronously in the datagram handler; window analysis
 * (the VAD is async) is chained so windows are analysed strictly in order, and each frame is
 * stamped `serverTimeMs` when its analysis completes. The owner must call {@link tick} every
 * 10–20 ms (one shared interval for all streams) so windows keep closing while no packets
 * arrive (Opus DTX in silence) and jitter-buffer gaps resolve. Malformed input is counted,
 * never thrown.
 */
export class LiveAudioStream {
  private readonly options: LiveAudioStreamOptions;
  private readonly now: () => number;
  private readonly wallClock: () => number;
  private readonly jitter: JitterBuffer;
  private readonly decoder = new OpusDecoder(ANALYSIS_SAMPLE_RATE_HZ);
  private readonly timeline: RtpTimeline;
  private originReported = false;
  private readonly windower: Windower;
  private readonly analyzer: VoiceAnalyzer;
  private socket: dgram.Socket | null = null;
  private nowMs = 0;
  private lastTickMs = -Infinity;
  private skippedTick = false;
  private nextPosition = 0;
  private queued = 0;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly counters = {
    packetsReceived: 0,
    packetsMalformed: 0,
    packetsWrongSsrc: 0,
    packetsWrongPayloadType: 0,
    rtcpPackets: 0,
    windowsDropped: 0,
    analysisErrors: 0,
    framesEmitted: 0,
  };

  /**
   * Creates the pipeline without a socket (feed it with {@link handleDatagram}); use
   * {@link LiveAudioStream.listen} to receive RTP over UDP.
   * @param options see {@link LiveAudioStreamOptions}.
   * @throws RangeError for an invalid payload type, SSRC or clock rate.
   */
  constructor(options: LiveAudioStreamOptions) {
    if (!Number.isInteger(options.payloadType) || options.payloadType < 0 || options.payloadType > 127) {
      throw new RangeError(`payloadType must be 0–127, got ${options.payloadType}`);
    }
    if (!Number.isInteger(options.ssrc) || options.ssrc < 0 || options.ssrc > 0xffffffff) {
      throw new RangeError(`ssrc must be an unsigned 32-bit integer, got ${options.ssrc}`);
    }
    this.options = options;
    this.now = options.now ?? (() => performance.now());
    this.wallClock = options.wallClock ?? Date.now;
    this.timeline = new RtpTimeline(options.clockRate, ANALYSIS_SAMPLE_RATE_HZ, options.rtpTimestampOrigin);
    this.jitter = new JitterBuffer({
      maxWaitMs: options.jitterMaxWaitMs ?? 60,
      adaptiveMaxWaitMs: Math.max(options.jitterMaxWaitMs ?? 60, options.jitterAdaptiveMaxWaitMs ?? 200),
      onPacket: (packet) => this.decodePacket(packet),
      onLost: () => this.concealLoss(),
    });
    this.windower = new Windower({
      sampleRate: ANALYSIS_SAMPLE_RATE_HZ,
      closeHoldMs: (options.jitterMaxWaitMs ?? 60) + 20,
      ringWindows: 128, // 12.8 s of analysis backlog before a window would be dropped
      onWindow: (window) => this.enqueue(window),
    });
    this.analyzer = new VoiceAnalyzer(options.model);
  }

  /**
   * Binds a UDP socket (udp4) and feeds every datagram into the pipeline.
   * @param address local address; default 127.0.0.1 (RTP from the local SFU only).
   * @param port local port; default 0 (ephemeral).
   * @returns the bound port.
   * @throws Error when binding fails.
   */
  async listen(address = '127.0.0.1', port = 0): Promise<number> {
    if (this.socket !== null) throw new Error('already listening');
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 << 20 });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('message', (buf) => this.handleDatagram(buf));
    socket.on('error', (err) => this.options.onError?.(err));
    this.socket = socket;
    return (socket.address() as AddressInfo).port;
  }

  /** Bound UDP port, or null before {@link listen}. */
  get rtpPort(): number | null {
    return this.socket === null ? null : (this.socket.address() as AddressInfo).port;
  }

  /** Counters since start (a snapshot). */
  get stats(): LiveAudioStreamStats {
    const jb = this.jitter.stats;
    const wd = this.windower.stats;
    return {
      ...this.counters,
      packetsConcealed: jb.lost,
      packetsCorrupt: this.decoder.stats.corrupt,
      packetsDuplicate: jb.duplicates,
      packetsLate: jb.late,
      samplesLate: wd.lateSamples,
      jitterWaitMs: this.jitter.currentWaitMs,
      windowsClosedByTimer: wd.windowsClosedByTimer,
    };
  }

  /**
   * Processes one UDP datagram (RTP or muxed RTCP or garbage). Never throws on bad input.
   * @param buf the datagram; RTP payloads are referenced, not copied, until decoded.
   * @param nowMs arrival time on the monotonic clock; default `now()`.
   */
  handleDatagram(buf: Buffer, nowMs: number = this.now()): void {
    if (this.closed) return;
    this.counters.packetsReceived++;
    if (isRtcp(buf)) {
      this.counters.rtcpPackets++;
      return;
    }
    const packet = RtpPacket.parse(buf);
    if (packet === null) {
      this.counters.packetsMalformed++;
      return;
    }
    if (packet.ssrc !== this.options.ssrc) {
      this.counters.packetsWrongSsrc++;
      return;
    }
    if (packet.payloadType !== this.options.payloadType) {
      this.counters.packetsWrongPayloadType++;
      return;
    }
    this.nowMs = nowMs;
    this.jitter.push(packet, nowMs);
  }

  /**
   * Timer hook: resolves expired jitter-buffer gaps and closes windows that are due although
   * no packets came. Call every 10–20 ms; a call more than 50 ms after the previous one is
   * treated as the end of an event-loop stall and does nothing (see the comment inside), so
   * the first call only starts the clock.
   * @param nowMs current time on the monotonic clock; default `now()`.
   */
  tick(nowMs: number = this.now()): void {
    if (this.closed) return;
    const sinceLastTick = nowMs - this.lastTickMs;
    this.lastTickMs = nowMs;
    // A late tick means the event loop stalled: datagrams may be waiting in the socket, and
    // timers run before I/O in a loop turn. Declaring them lost or closing their windows now
    // would turn a stall into lost audio, so this tick does nothing; by the next one the poll
    // phase has delivered them. Only one tick in a row is skipped, so a loop that is late all
    // the time still closes windows.
    if (sinceLastTick > STALLED_TICK_MS && !this.skippedTick) {
      this.skippedTick = true;
      return;
    }
    this.skippedTick = false;
    this.nowMs = nowMs;
    this.jitter.tick(nowMs);
    // The window timer waits for what the jitter buffer may still deliver: its (adaptive) wait plus one frame.
    this.windower.setCloseHoldMs(this.jitter.currentWaitMs + 20);
    // While the jitter buffer holds packets, audio for the open window has arrived and is only
    // waiting for a gap to resolve (≤ maxWaitMs): closing windows now would drop it as late.
    if (this.jitter.heldPackets === 0) this.windower.tick(nowMs);
  }

  /**
   * Resolves once every window closed so far has been analysed and emitted.
   */
  async drained(): Promise<void> {
    await this.chain;
  }

  /**
   * Stops receiving (closes the socket) and waits for queued windows to be analysed; frames of
   * windows already closed are still emitted. Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return this.chain;
    this.closed = true;
    const socket = this.socket;
    this.socket = null;
    if (socket !== null) await new Promise<void>((resolve) => socket.close(() => resolve()));
    await this.chain;
  }

  private decodePacket(packet: RtpPacket): void {
    const first = !this.originReported;
    const position = this.timeline.toSamplePosition(packet.timestamp);
    if (first) {
      this.originReported = true;
      // Resuming on an existing timeline: start windows where this packet lands, not at 0.
      if (this.options.rtpTimestampOrigin !== undefined) this.windower.seek(position);
      this.options.onOrigin?.(this.timeline.originRtpTimestamp ?? packet.timestamp);
    }
    const samples = this.decoder.decode(packet.payload);
    if (samples.length === 0) return;
    this.windower.write(position, samples, { arrivalMs: this.nowMs });
    this.nextPosition = position + samples.length;
  }

  private concealLoss(): void {
    if (!this.timeline.started) return;
    const samples = this.decoder.conceal();
    this.windower.write(this.nextPosition, samples, { concealed: true });
    this.nextPosition += samples.length;
  }

  private enqueue(window: ClosedWindow): void {
    // Windows are views into the Windower's ring: never hold more than it can keep.
    if (this.queued >= this.windower.capacityWindows - 2) {
      this.counters.windowsDropped++;
      return;
    }
    this.queued++;
    const { samples, mediaTimeSec, concealedPackets } = window;
    // serverTimeMs is the wall time the window CLOSED, so client-side latency covers queueing,
    // analysis (VAD, pitch), IPC and Socket.IO delivery.
    const closedAtMs = this.wallClock();
    this.chain = this.chain.then(() => this.analyse(samples, mediaTimeSec, concealedPackets, closedAtMs));
  }

  private async analyse(
    samples: Float32Array,
    mediaTimeSec: number,
    concealedPackets: number,
    serverTimeMs: number,
  ): Promise<void> {
    try {
      const { pauses, ...metrics } = await this.analyzer.analyze(samples, mediaTimeSec);
      const { roomId, producerId } = this.options;
      this.counters.framesEmitted++;
      this.options.onFrame({
        roomId,
        producerId,
        kind: 'voice',
        ...metrics,
        windowSec: VOICE_WINDOW_SEC,
        serverTimeMs,
        concealedPackets,
      });
      for (const pause of pauses) this.options.onPause({ roomId, producerId, ...pause, serverTimeMs });
      this.options.onAnalysedWindow?.(samples, mediaTimeSec, metrics.pauseSec, pauses);
    } catch (err) {
      this.counters.analysisErrors++;
      this.options.onError?.(err);
    } finally {
      this.queued--;
    }
  }
}
