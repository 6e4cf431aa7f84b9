import dgram from 'node:dgram';
import { RtpPacket, isRtcp } from '../rtp/RtpPacket.ts';
import { seqDelta } from '../rtp/sequence.ts';
import { parseVp8Payload } from './vp8.ts';

/** Options of {@link Vp8RtpReceiver}. */
export interface Vp8RtpReceiverOptions {
  /** Payload type of VP8 as negotiated for the tap consumer; other payload types (RTX) are dropped. */
  payloadType: number;
  /** SSRC of the tap consumer; other SSRCs are dropped. */
  ssrc: number;
  /** A sequence gap was seen: frames are now corrupt until the next keyframe. */
  onLoss?: (lost: number) => void;
  /** A keyframe with a (new) picture size started. */
  onKeyframe?: (width: number | undefined, height: number | undefined) => void;
}

/** Cumulative counters of a {@link Vp8RtpReceiver}. */
export interface Vp8RtpReceiverStats {
  packets: number;
  /** Packets missing from the sequence (gaps), minus late arrivals that filled a gap. */
  lost: number;
  wrongStream: number;
  malformed: number;
  rtcp: number;
  keyframes: number;
}

/**
 * The video tap's UDP endpoint: receives the SFU's RTP for one VP8 stream on 127.0.0.1, watches
 * it (sequence gaps, keyframes and their picture size) and relays the valid packets unchanged to
 * the decoder's port. Relaying keeps the tap's port stable while the decoder process is restarted,
 * and lets the analyzer see loss and picture size, which ffmpeg does not report in a usable way.
 * RTCP (muxed, RFC 5761) and packets of other payload types/SSRCs (RTX) are not relayed.
 */
export class Vp8RtpReceiver {
  readonly #socket = dgram.createSocket('udp4');
  readonly #o: Vp8RtpReceiverOptions;
  #target = 0;
  #highestSeq: number | undefined;
  #width: number | undefined;
  #height: number | undefined;
  #lastPacketMonoMs = -Infinity;
  readonly stats: Vp8RtpReceiverStats = { packets: 0, lost: 0, wrongStream: 0, malformed: 0, rtcp: 0, keyframes: 0 };

  constructor(opts: Vp8RtpReceiverOptions) {
    this.#o = opts;
    this.#socket.on('message', (msg) => this.#onPacket(msg));
    this.#socket.on('error', () => {
      /* a send to a decoder port that just closed; the owner restarts the decoder */
    });
  }

  /**
   * Binds the socket.
   * @returns the bound UDP port (point the SFU's PlainTransport at it).
   */
  listen(host = '127.0.0.1', port = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#socket.once('error', reject);
      this.#socket.bind(port, host, () => {
        this.#socket.off('error', reject);
        resolve(this.#socket.address().port);
      });
    });
  }

  /** Decoder port on 127.0.0.1 to relay packets to (0 = drop them while no decoder runs). */
  setTarget(port: number): void {
    this.#target = port;
  }

  /** Picture width/height from the latest keyframe header, if one was seen. */
  get frameSize(): { width: number; height: number } | null {
    return this.#width && this.#height ? { width: this.#width, height: this.#height } : null;
  }

  /** Monotonic time (ms) of the last valid packet; −Infinity before the first. */
  get lastPacketMonoMs(): number {
    return this.#lastPacketMonoMs;
  }

  /** Closes the socket (idempotent). */
  close(): void {
    try {
      this.#socket.close();
    } catch {
      /* already closed */
    }
  }

  #onPacket(msg: Buffer): void {
    if (isRtcp(msg)) {
      this.stats.rtcp++;
      return;
    }
    const p = RtpPacket.parse(msg);
    if (!p) {
      this.stats.malformed++;
      return;
    }
    if (p.payloadType !== this.#o.payloadType || p.ssrc !== this.#o.ssrc) {
      this.stats.wrongStream++;
      return;
    }
    this.stats.packets++;
    this.#lastPacketMonoMs = performance.now();
    if (this.#highestSeq === undefined) this.#highestSeq = p.sequenceNumber;
    else {
      const d = seqDelta(p.sequenceNumber, this.#highestSeq);
      if (d > 0) {
        this.#highestSeq = p.sequenceNumber;
        if (d > 1) {
          this.stats.lost += d - 1;
          this.#o.onLoss?.(d - 1);
        }
      } else if (d < 0 && d > -1000 && this.stats.lost > 0) {
        this.stats.lost--; // a late packet filled an earlier gap
      }
    }
    const info = parseVp8Payload(p.payload);
    if (info?.keyframe) {
      this.stats.keyframes++;
      if (info.width && info.height) {
        this.#width = info.width;
        this.#height = info.height;
      }
      this.#o.onKeyframe?.(info.width, info.height);
    }
    if (this.#target > 0) this.#socket.send(msg, this.#target, '127.0.0.1');
  }
}
