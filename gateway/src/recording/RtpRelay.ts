import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
// The analyzers' RTP and VP8 parsing (one implementation for the analysis and the recording path).
import { isRtcp, RtpPacket } from '../../../analyzers/src/rtp/RtpPacket.ts';
import { parseVp8Payload } from '../../../analyzers/src/video/vp8.ts';

/** Facts about the first RTP packet a relay received (the recorder's media-time anchor). */
export interface FirstPacket {
  /** 32-bit RTP timestamp of the first packet. */
  rtpTimestamp: number;
  sequenceNumber: number;
  /** `performance.timeOrigin + performance.now()` at arrival, ms since the Unix epoch. */
  arrivalMs: number;
}

/** Counters of a {@link RtpRelay}. */
export interface RtpRelayStats {
  packets: number;
  bytes: number;
  /** RTCP packets (muxed on the RTP port) not forwarded to ffmpeg. */
  rtcpDropped: number;
  /** Datagrams that are not RTP version 2. */
  malformed: number;
  /** Packets dropped because the pre-start buffer was full. */
  bufferDropped: number;
  /** VP8 key frames seen (video only). */
  keyFrames: number;
  /** Video packets dropped after a {@link RtpRelay.rebase} while waiting for the new source's key frame. */
  rebaseDropped: number;
  /** Datagrams from an address other than the expected source ({@link RtpRelay.expectSource}), dropped. */
  foreign: number;
}

/** Options of {@link RtpRelay}. */
export interface RtpRelayOptions {
  kind: 'audio' | 'video';
  /** `video/VP8` enables key frame detection. */
  mimeType: string;
  /** Packets kept while ffmpeg is starting (default 4000 ≈ 10 s of 1 Mbit/s video). */
  maxBuffered?: number;
  /** RTP clock rate, Hz (default 48000 for audio, 90000 for video); times the gap of a {@link RtpRelay.rebase}. */
  clockRate?: number;
}

/** How packets of a new source are rewritten to continue the relay's output stream (see {@link RtpRelay.rebase}). */
interface Rewrite {
  ssrc: number;
  /** Added to the sequence number, modulo 2^16. */
  seqOffset: number;
  /** Added to the RTP timestamp, modulo 2^32. */
  tsOffset: number;
}

/**
 * Receives one RTP stream from an SFU tap on 127.0.0.1 and forwards it to ffmpeg:
 * - buffers packets until {@link setTarget} (ffmpeg bound its socket), then flushes them in order,
 *   so the recording starts at the tap's first packet even though ffmpeg starts later;
 * - drops muxed RTCP (packet types 200–206 in byte 1, RFC 5761 §4: `isRtcp`): ffmpeg would otherwise re-time streams from Sender Reports mid-recording
 *   (a jump in pts); both streams are timed from their RTP timestamps only;
 * - records the first packet's RTP timestamp (anchor of the recording's time base) and detects
 *   VP8 key frames (RFC 7741) so the recorder knows when to stop asking for one.
 * Runs on the gateway's event loop: per packet it is a header parse (`RtpPacket.parse`, no payload
 * copy) and a `send` (~µs); packets that are not well-formed RTP are counted as malformed and dropped.
 */
export class RtpRelay {
  #socket?: dgram.Socket;
  #target?: number;
  #buffer: Buffer[] = [];
  #first?: FirstPacket;
  #lastArrivalMs: number | null = null;
  #rtpSpanTicks = 0;
  #onKeyFrame?: () => void;
  #onFirst?: (p: FirstPacket) => void;
  /** The output stream so far: SSRC, highest sequence number and timestamp sent, arrival of the last packet. */
  #out?: { ssrc: number; payloadType: number; seq: number; ts: number; arrivalMs: number };
  /** SSRC of the current source's media packets (others, e.g. RTX retransmissions, are not the time line). */
  #sourceSsrc?: number;
  /** Set by {@link rebase}: the next packet starts a new source. */
  #pendingRebase = false;
  #rewrite?: Rewrite;
  #segments = 1;
  /** The only UDP source port (on 127.0.0.1) accepted, once {@link expectSource} named one. */
  #sourcePort?: number;
  readonly #stats: RtpRelayStats = { packets: 0, bytes: 0, rtcpDropped: 0, malformed: 0, bufferDropped: 0, keyFrames: 0, rebaseDropped: 0, foreign: 0 };
  readonly #opts: Required<RtpRelayOptions>;

  /** @param opts see {@link RtpRelayOptions}. */
  constructor(opts: RtpRelayOptions) {
    this.#opts = { maxBuffered: 4000, clockRate: opts.kind === 'video' ? 90000 : 48000, ...opts };
  }

  /**
   * The next packet comes from a new source (the presenter rejoined: a new producer and tap, with
   * its own SSRC, sequence numbers and RTP timestamps). Its packets are rewritten to continue this
   * relay's output stream: the first SSRC, sequence numbers following on, and RTP timestamps
   * advanced by the wall-clock time between the last packet of the old source and the first of
   * the new one — so ffmpeg writes the gap as a gap in time (RFC 3550 §5.1: timestamps advance
   * with the sampling clock; here the sender was absent, so the clock is the arrival clock).
   * Video packets are dropped until the new source's first key frame. No-op before any packet.
   */
  rebase(): void {
    if (!this.#out) return;
    this.#pendingRebase = true;
  }

  /**
   * Accepts datagrams only from 127.0.0.1:`port` from now on (the SFU tap's `localPort`); any
   * other sender is counted as `foreign` and dropped. Without it, anything that reaches the port
   * is relayed: right-SSRC garbage from another local process landed in the WebM as corrupt Opus
   * (RTP fuzz, seed 789870064: 2.7 of 8 s decoded). Call it again with the new tap's port on a
   * {@link rebase} (the old tap's late packets are then foreign too).
   * @throws RangeError when `port` is not an integer in 1–65535.
   */
  expectSource(port: number): void {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`source port must be an integer in 1–65535, got ${port}`);
    this.#sourcePort = port;
  }

  /** Sources this relay has carried (1 + rebases that received packets). */
  get segments(): number {
    return this.#segments;
  }

  /** Binds a UDP socket on 127.0.0.1 (ephemeral port). @returns the port the SFU tap must send to. */
  async bind(): Promise<number> {
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 << 20, sendBufferSize: 1 << 20 });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => (socket.off('error', reject), resolve()));
    });
    socket.on('message', (msg, rinfo) => this.#onMessage(msg, rinfo));
    socket.on('error', () => {
      /* ICMP port unreachable while ffmpeg restarts etc.: ignore */
    });
    this.#socket = socket;
    return (socket.address() as AddressInfo).port;
  }

  /** The bound UDP port (null before {@link bind} or after {@link close}). */
  get port(): number | null {
    const a = this.#socket?.address() as AddressInfo | undefined;
    return a?.port ?? null;
  }

  /** The kind of media relayed. */
  get kind(): 'audio' | 'video' {
    return this.#opts.kind;
  }

  /** The first packet received, once one arrived. */
  get firstPacket(): FirstPacket | undefined {
    return this.#first;
  }

  /** Arrival of the latest RTP packet, ms since the Unix epoch (null before the first). */
  get lastArrivalMs(): number | null {
    return this.#lastArrivalMs;
  }

  /**
   * RTP timestamp span of the packets received: highest timestamp minus the first packet's, in
   * clock-rate ticks (RFC 3550 §5.1; modulo 2^32, reordered packets ignored). This is the media
   * duration the sender produced (without the last packet's own duration), unaffected by stalls of
   * the sender's or the network's wall clock. 0 before the second packet.
   */
  get rtpSpanTicks(): number {
    return this.#rtpSpanTicks;
  }

  /** Counters (a snapshot). */
  get stats(): RtpRelayStats {
    return { ...this.#stats };
  }

  /** Calls `fn` once, when the first packet arrives (at once if it already did). */
  onFirstPacket(fn: (p: FirstPacket) => void): void {
    if (this.#first) fn(this.#first);
    else this.#onFirst = fn;
  }

  /** Calls `fn` on every VP8 key frame (start of frame). */
  onKeyFrame(fn: () => void): void {
    this.#onKeyFrame = fn;
  }

  /**
   * Starts forwarding to 127.0.0.1:`port`: buffered packets first (in arrival order, paced in
   * bursts of 32 so the receiver's socket buffer does not overflow), then live ones.
   */
  async setTarget(port: number): Promise<void> {
    const pending = this.#buffer;
    this.#buffer = [];
    for (let i = 0; i < pending.length; i += 32) {
      for (const p of pending.slice(i, i + 32)) this.#send(p, port);
      await new Promise((r) => setImmediate(r));
    }
    // Packets that arrived during the paced flush were queued behind it.
    for (const p of this.#buffer.splice(0)) this.#send(p, port);
    this.#target = port;
  }

  /** Stops forwarding and buffers again (until the next {@link setTarget}). */
  clearTarget(): void {
    this.#target = undefined;
  }

  /** Closes the socket (idempotent). */
  close(): void {
    this.#socket?.close();
    this.#socket = undefined;
    this.#buffer = [];
  }

  #send(p: Buffer, port: number): void {
    this.#socket?.send(p, port, '127.0.0.1');
  }

  #onMessage(msg: Buffer, from: dgram.RemoteInfo): void {
    if (this.#sourcePort !== undefined && (from.port !== this.#sourcePort || from.address !== '127.0.0.1')) {
      this.#stats.foreign++;
      return;
    }
    if (isRtcp(msg)) {
      this.#stats.rtcpDropped++;
      return;
    }
    const rtp = RtpPacket.parse(msg);
    if (!rtp) {
      this.#stats.malformed++;
      return;
    }
    const arrivalMs = performance.timeOrigin + performance.now();
    const isKeyFrame = this.#opts.mimeType.toLowerCase() === 'video/vp8' && isVp8KeyFrameStartPayload(rtp.payload);
    if (this.#pendingRebase && this.#out) {
      // Only a media packet of the new source starts its segment (not RTX on another SSRC/PT).
      // Video: the decoder cannot use the new source's deltas before its first key frame.
      if (rtp.payloadType !== this.#out.payloadType || rtp.ssrc === this.#sourceSsrc || (this.#opts.kind === 'video' && !isKeyFrame)) {
        this.#stats.rebaseDropped++;
        return;
      }
      this.#pendingRebase = false;
      this.#segments++;
      this.#sourceSsrc = rtp.ssrc;
      const gapTicks = Math.max(1, Math.round(((arrivalMs - this.#out.arrivalMs) / 1000) * this.#opts.clockRate));
      this.#rewrite = {
        ssrc: this.#out.ssrc,
        seqOffset: (this.#out.seq + 1 - rtp.sequenceNumber) & 0xffff,
        tsOffset: (this.#out.ts + gapTicks - rtp.timestamp) >>> 0,
      };
    }
    if (this.#rewrite && (rtp.ssrc !== this.#sourceSsrc || rtp.payloadType !== this.#out!.payloadType)) {
      // A late packet of the old source, or a retransmission stream: not part of the rewritten line.
      this.#stats.rebaseDropped++;
      return;
    }
    let seq = rtp.sequenceNumber;
    let ts = rtp.timestamp;
    if (this.#rewrite) {
      seq = (seq + this.#rewrite.seqOffset) & 0xffff;
      ts = (ts + this.#rewrite.tsOffset) >>> 0;
      msg.writeUInt16BE(seq, 2);
      msg.writeUInt32BE(ts, 4);
      msg.writeUInt32BE(this.#rewrite.ssrc, 8);
    }
    if (!this.#out) {
      this.#out = { ssrc: rtp.ssrc, payloadType: rtp.payloadType, seq, ts, arrivalMs };
      this.#sourceSsrc = rtp.ssrc;
    } else if (rtp.ssrc === this.#sourceSsrc && rtp.payloadType === this.#out.payloadType) {
      if (((seq - this.#out.seq) & 0xffff) < 0x8000) this.#out.seq = seq;
      if (((ts - this.#out.ts) >>> 0) < 0x8000_0000) this.#out.ts = ts;
      this.#out.arrivalMs = arrivalMs;
    }
    this.#stats.packets++;
    this.#stats.bytes += msg.length;
    this.#lastArrivalMs = arrivalMs;
    if (!this.#first) {
      this.#first = { rtpTimestamp: ts, sequenceNumber: seq, arrivalMs };
      this.#onFirst?.(this.#first);
      this.#onFirst = undefined;
    } else {
      const ahead = (ts - this.#first.rtpTimestamp) >>> 0;
      if (ahead < 0x8000_0000 && ahead > this.#rtpSpanTicks) this.#rtpSpanTicks = ahead;
    }
    if (isKeyFrame) {
      this.#stats.keyFrames++;
      this.#onKeyFrame?.();
    }
    if (this.#target !== undefined) this.#send(msg, this.#target);
    else if (this.#buffer.length < this.#opts.maxBuffered) this.#buffer.push(msg);
    else this.#stats.bufferDropped++;
  }
}

/**
 * Whether an RTP packet carries the start of a VP8 key frame: the RTP header (RFC 3550, CSRCs and
 * header extension skipped: `RtpPacket.parse`), then the VP8 payload descriptor (RFC 7741 §4.2,
 * S=1 and PID=0) and the frame tag's P bit = 0 (RFC 6386 §9.1: `parseVp8Payload`).
 * @returns false for anything else, including datagrams that are not well-formed RTP.
 */
export function isVp8KeyFrameStart(pkt: Buffer): boolean {
  const rtp = RtpPacket.parse(pkt);
  return rtp !== null && isVp8KeyFrameStartPayload(rtp.payload);
}

function isVp8KeyFrameStartPayload(payload: Buffer): boolean {
  const vp8 = parseVp8Payload(payload);
  return vp8 !== null && vp8.frameStart && vp8.keyframe;
}
