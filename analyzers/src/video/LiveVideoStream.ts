import { FfmpegRtpDecoder } from './FfmpegRtpDecoder.ts';
import { Vp8RtpReceiver, type Vp8RtpReceiverStats } from './Vp8RtpReceiver.ts';
import { ExponentialBackoff } from '../util/backoff.ts';

/** Why a keyframe (PLI) is requested. */
export type KeyframeReason = 'decoder-start' | 'no-frames' | 'decode-error' | 'packet-loss';

/** Options of {@link LiveVideoStream}. */
export interface LiveVideoStreamOptions {
  payloadType: number;
  ssrc: number;
  /** Side of the square letterboxed frames (default 192). */
  size?: number;
  /** A decoded, letterboxed frame (size² RGB24) with the source picture size if known. */
  onFrame: (rgb: Uint8Array, atMs: number, monoMs: number, source: { width: number; height: number } | null) => void;
  /** Ask the SFU for a keyframe (`consumer.requestKeyFrame()` → PLI to the browser). Rate-limited here. */
  onKeyframeRequest: (reason: KeyframeReason) => void;
  /** Non-fatal problems (decoder restarts, spawn failures). */
  onError: (err: Error) => void;
  /** Seconds without a decoded frame, while packets arrive, before asking for a keyframe (default 2). */
  noFrameTimeoutSec?: number;
  /** Minimum interval between two keyframe requests in ms (default 1000). */
  minKeyframeIntervalMs?: number;
  ffmpegPath?: string;
}

/** Counters of a {@link LiveVideoStream} (cumulative). */
export interface LiveVideoStreamStats {
  rtp: Vp8RtpReceiverStats;
  framesDecoded: number;
  decoderStarts: number;
  keyframeRequests: number;
  /** CPU ms used by all decoder processes of this stream so far. */
  decodeCpuMs: number;
}

/**
 * One presenter video stream on the analyzer side: the RTP endpoint ({@link Vp8RtpReceiver}), the
 * ffmpeg decoder ({@link FfmpegRtpDecoder}) and their supervision.
 *
 * Keyframes: a VP8 decoder can only start at a keyframe and stays corrupt after a lost packet
 * until the next one, and browsers send keyframes only when asked (PLI, RFC 4585 §6.3.1). So a
 * keyframe is requested when the decoder (re)starts (and again while it has produced nothing),
 * when the receiver sees a sequence gap, when ffmpeg reports a decoding error, and when packets
 * arrive but no frame was decoded for `noFrameTimeoutSec` — at most once per
 * `minKeyframeIntervalMs`.
 *
 * The decoder starts with the first packet and is restarted (with backoff) when it exits while
 * packets still arrive; it exits by itself ~10 s after packets stop (camera off), which frees its
 * CPU and memory.
 */
export class LiveVideoStream {
  readonly #o: LiveVideoStreamOptions;
  readonly #receiver: Vp8RtpReceiver;
  #decoder: FfmpegRtpDecoder | undefined;
  #starting = false;
  #closed = false;
  #lastKeyframeRequestMs = -Infinity;
  #lastFrameMonoMs = -Infinity;
  #decoderStartedMonoMs = -Infinity;
  /** Decoder restart delay: 0.25 s doubling to 10 s, reset by a decoded frame. */
  readonly #restartBackoff = new ExponentialBackoff({ initialMs: 250, maxMs: 10_000 });
  #retiredCpuMs = 0;
  #framesDecoded = 0;
  #decoderStarts = 0;
  #keyframeRequests = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(opts: LiveVideoStreamOptions) {
    this.#o = opts;
    this.#receiver = new Vp8RtpReceiver({
      payloadType: opts.payloadType,
      ssrc: opts.ssrc,
      onLoss: () => this.#requestKeyframe('packet-loss'),
    });
    this.#timer = setInterval(() => this.#watchdog(), 250);
  }

  /** Binds the RTP socket. @returns its UDP port on `host`. */
  listen(host = '127.0.0.1', port = 0): Promise<number> {
    return this.#receiver.listen(host, port);
  }

  /** Counters so far. */
  get stats(): LiveVideoStreamStats {
    return {
      rtp: { ...this.#receiver.stats },
      framesDecoded: this.#framesDecoded,
      decoderStarts: this.#decoderStarts,
      keyframeRequests: this.#keyframeRequests,
      decodeCpuMs: this.#retiredCpuMs + (this.#decoder?.cpuMs() ?? 0),
    };
  }

  /** PID of the running decoder, if any. */
  get decoderPid(): number | undefined {
    return this.#decoder?.pid;
  }

  /** Stops the decoder and closes the socket (idempotent). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#receiver.close();
    await this.#decoder?.close();
  }

  #watchdog(): void {
    if (this.#closed) return;
    const now = performance.now();
    const packetsFlowing = now - this.#receiver.lastPacketMonoMs < 1000;
    if (packetsFlowing && !this.#decoder && !this.#starting) {
      void this.#startDecoder();
      return;
    }
    if (!packetsFlowing || !this.#decoder) return;
    const since = Math.max(this.#lastFrameMonoMs, this.#decoderStartedMonoMs);
    const timeoutMs = (this.#o.noFrameTimeoutSec ?? 2) * 1000;
    if (now - since > timeoutMs) this.#requestKeyframe(this.#lastFrameMonoMs < this.#decoderStartedMonoMs ? 'decoder-start' : 'no-frames');
  }

  async #startDecoder(): Promise<void> {
    this.#starting = true;
    const decoder = new FfmpegRtpDecoder({
      payloadType: this.#o.payloadType,
      ...(this.#o.size ? { size: this.#o.size } : {}),
      ...(this.#o.ffmpegPath ? { ffmpegPath: this.#o.ffmpegPath } : {}),
      onFrame: (rgb, atMs, monoMs) => {
        this.#lastFrameMonoMs = monoMs;
        this.#framesDecoded++;
        this.#restartBackoff.reset();
        this.#o.onFrame(rgb, atMs, monoMs, this.#receiver.frameSize);
      },
      onDecodeError: () => this.#requestKeyframe('decode-error'),
      onExit: (code, signal, tail) => {
        this.#retiredCpuMs += decoder.cpuMs();
        this.#receiver.setTarget(0);
        if (this.#decoder === decoder) this.#decoder = undefined;
        if (this.#closed) return;
        const idle = performance.now() - this.#receiver.lastPacketMonoMs > 5000;
        if (!idle) {
          const lastLine = tail.trim().split('\n').at(-1) ?? '';
          this.#o.onError(new Error(`video decoder exited (${signal ?? `code ${code}`}): ${lastLine}; restarting`));
          // The watchdog restarts it once the backoff passed.
          this.#starting = true;
          setTimeout(() => (this.#starting = false), this.#restartBackoff.next()).unref();
        }
      },
    });
    try {
      await decoder.start();
      if (this.#closed) {
        await decoder.close();
        return;
      }
      this.#decoder = decoder;
      this.#decoderStarts++;
      this.#decoderStartedMonoMs = performance.now();
      this.#receiver.setTarget(decoder.port);
      this.#lastKeyframeRequestMs = -Infinity;
      this.#requestKeyframe('decoder-start');
    } catch (err) {
      this.#o.onError(err as Error);
      setTimeout(() => (this.#starting = false), this.#restartBackoff.next()).unref();
      return;
    }
    this.#starting = false;
  }

  #requestKeyframe(reason: KeyframeReason): void {
    const now = performance.now();
    if (now - this.#lastKeyframeRequestMs < (this.#o.minKeyframeIntervalMs ?? 1000)) return;
    this.#lastKeyframeRequestMs = now;
    this.#keyframeRequests++;
    this.#o.onKeyframeRequest(reason);
  }
}
