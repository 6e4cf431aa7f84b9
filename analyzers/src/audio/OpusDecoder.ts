import { createRequire } from 'node:module';
import { ANALYSIS_SAMPLE_RATE_HZ } from '@lectern/contract';

const require = createRequire(import.meta.url);
// @discordjs/opus is CommonJS with a native addon; its OpusEncoder class also decodes.
const { OpusEncoder: NativeOpus } = require('@discordjs/opus') as typeof import('@discordjs/opus');

/** Largest Opus frame: 120 ms (RFC 6716 §2.1.4) — at 48 kHz 5760 samples. */
const MAX_FRAME_MS = 120;
/** Frame size assumed before the first good packet: 20 ms, what WebRTC senders use. */
const DEFAULT_FRAME_MS = 20;

/** libopus returns host-endian int16 through a Buffer; fast path when the host is little-endian. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Counters of an {@link OpusDecoder}; all monotonically increasing. */
export interface OpusDecoderStats {
  /** Packets decoded successfully. */
  decoded: number;
  /** Packets libopus rejected (corrupt/invalid); each replaced by one frame of silence. */
  corrupt: number;
  /** Lost packets concealed with Opus PLC (or silence if PLC failed). */
  concealed: number;
}

/**
 * Opus decoder (libopus via @discordjs/opus) that decodes straight to mono at the analysis rate.
 *
 * This is the live path's resampling stage: an Opus decoder may be opened at 8, 12, 16, 24 or
 * 48 kHz whatever rate the encoder used, and produces output at that rate natively (RFC 6716
 * §4 / `opus_decoder_create`); it also downmixes a stereo stream when opened with one channel.
 * Decoding at 16 kHz therefore needs no separate resampler and costs less than decoding 48 kHz.
 *
 * Output buffers are preallocated and reused: the returned `Float32Array` is a view that is
 * overwritten by the next call. Never throws on bad input: a corrupt payload is counted and
 * replaced by one frame of silence.
 */
export class OpusDecoder {
  /** Output sample rate in Hz. */
  readonly sampleRate: number;
  private readonly native: InstanceType<typeof NativeOpus>;
  private readonly out: Float32Array;
  private lastFrameSamples: number;
  private readonly counters: OpusDecoderStats = { decoded: 0, corrupt: 0, concealed: 0 };

  /**
   * @param sampleRate output rate in Hz, one of 8000, 12000, 16000, 24000, 48000 (default 16000,
   *   ANALYSIS_SAMPLE_RATE_HZ).
   * @throws RangeError for any other rate.
   */
  constructor(sampleRate: number = ANALYSIS_SAMPLE_RATE_HZ) {
    if (![8000, 12000, 16000, 24000, 48000].includes(sampleRate)) {
      throw new RangeError(`Opus cannot decode at ${sampleRate} Hz (8/12/16/24/48 kHz only)`);
    }
    this.sampleRate = sampleRate;
    this.native = new NativeOpus(sampleRate, 1);
    // @discordjs/opus conceals up to 6 × 960 samples per call whatever the rate.
    this.out = new Float32Array(Math.max(6 * 960, (sampleRate * MAX_FRAME_MS) / 1000));
    this.lastFrameSamples = (sampleRate * DEFAULT_FRAME_MS) / 1000;
  }

  /** Counters since construction (a snapshot copy). */
  get stats(): OpusDecoderStats {
    return { ...this.counters };
  }

  /**
   * Decodes one Opus packet (an RTP payload, RFC 7587).
   * @param payload the Opus packet, ≥ 1 byte (an empty payload yields zero samples).
   * @returns mono samples in [-1, 1] at `sampleRate` (a reused view: copy or consume before the
   *   next call); on a corrupt packet, `lastFrameSamples` zeros (counted in `stats.corrupt`).
   */
  decode(payload: Buffer): Float32Array {
    if (payload.length === 0) return this.out.subarray(0, 0);
    let pcm: Buffer;
    try {
      pcm = this.native.decode(payload);
    } catch {
      this.counters.corrupt++;
      return this.silence(this.lastFrameSamples);
    }
    const n = this.toFloat(pcm, pcm.length >> 1);
    if (n > 0) this.lastFrameSamples = n;
    this.counters.decoded++;
    return this.out.subarray(0, n);
  }

  /**
   * Conceals one lost packet with Opus packet-loss concealment (RFC 6716 §4.4: decoding with no
   * data). @discordjs/opus always asks libopus for its maximum of 6 × 960 concealed samples, so
   * only the first frame's worth (the size of the last good packet, 20 ms by default) is kept;
   * the decoder's PLC state has then advanced further than one frame, which only makes a second
   * consecutive concealment fade faster. Falls back to silence if PLC fails.
   * @returns `lastFrameSamples` mono samples (a reused view).
   */
  conceal(): Float32Array {
    this.counters.concealed++;
    let pcm: Buffer;
    try {
      pcm = this.native.decode(Buffer.alloc(0));
    } catch {
      return this.silence(this.lastFrameSamples);
    }
    const n = this.toFloat(pcm, Math.min(pcm.length >> 1, this.lastFrameSamples));
    if (n < this.lastFrameSamples) this.out.fill(0, n, this.lastFrameSamples);
    return this.out.subarray(0, this.lastFrameSamples);
  }

  private toFloat(pcm: Buffer, samples: number): number {
    const n = Math.min(samples, this.out.length);
    if (pcm.byteOffset % 2 === 0 && LITTLE_ENDIAN) {
      const s16 = new Int16Array(pcm.buffer, pcm.byteOffset, n);
      for (let i = 0; i < n; i++) this.out[i] = s16[i]! / 32768;
    } else {
      for (let i = 0; i < n; i++) this.out[i] = pcm.readInt16LE(i * 2) / 32768;
    }
    return n;
  }

  private silence(samples: number): Float32Array {
    this.out.fill(0, 0, samples);
    return this.out.subarray(0, samples);
  }
}
