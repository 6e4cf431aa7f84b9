/**
 * Test/bench helpers: build RTP datagrams (RFC 3550) and encode PCM into Opus RTP packets the
 * way a WebRTC sender does (48 kHz clock, 20 ms frames, mono). Not part of the public API.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { OpusEncoder } = require('@discordjs/opus') as typeof import('@discordjs/opus');

/** Fields of an RTP packet to build. */
export interface RtpFields {
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  marker?: boolean;
  csrcs?: number[];
  /** Header extension: profile word and data (padded to 32-bit words). */
  extension?: { profile: number; data: Buffer };
  /** Padding bytes to append (1–255), sets the P bit. */
  padding?: number;
  payload: Buffer;
}

/** Serialises an RTP packet. */
export function buildRtp(f: RtpFields): Buffer {
  const csrcs = f.csrcs ?? [];
  const extWords = f.extension === undefined ? 0 : Math.ceil(f.extension.data.length / 4);
  const extBytes = f.extension === undefined ? 0 : 4 + extWords * 4;
  const pad = f.padding ?? 0;
  const buf = Buffer.alloc(12 + csrcs.length * 4 + extBytes + f.payload.length + pad);
  buf[0] = 0x80 | (pad > 0 ? 0x20 : 0) | (f.extension !== undefined ? 0x10 : 0) | csrcs.length;
  buf[1] = (f.marker === true ? 0x80 : 0) | f.payloadType;
  buf.writeUInt16BE(f.sequenceNumber & 0xffff, 2);
  buf.writeUInt32BE(f.timestamp >>> 0, 4);
  buf.writeUInt32BE(f.ssrc >>> 0, 8);
  let o = 12;
  for (const c of csrcs) {
    buf.writeUInt32BE(c >>> 0, o);
    o += 4;
  }
  if (f.extension !== undefined) {
    buf.writeUInt16BE(f.extension.profile, o);
    buf.writeUInt16BE(extWords, o + 2);
    f.extension.data.copy(buf, o + 4);
    o += extBytes;
  }
  f.payload.copy(buf, o);
  o += f.payload.length;
  if (pad > 0) buf[buf.length - 1] = pad;
  return buf;
}

/** One encoded 20 ms frame. */
export interface OpusRtpFrame {
  sequenceNumber: number;
  timestamp: number;
  /** The frame is digital silence (a DTX sender would not send it). */
  silent: boolean;
  datagram: Buffer;
}

/**
 * Encodes mono PCM at 48 kHz into 20 ms Opus frames wrapped in RTP.
 * @param pcm48k mono float samples at 48 kHz (the tail shorter than 20 ms is zero-padded).
 * @param options RTP stream parameters and the encoder bitrate (default 32 kb/s, like Chrome).
 */
export function encodeOpusRtp(
  pcm48k: Float32Array,
  options: { ssrc: number; payloadType: number; firstSequence?: number; firstTimestamp?: number; bitrate?: number },
): OpusRtpFrame[] {
  const encoder = new OpusEncoder(48000, 1);
  encoder.setBitrate(options.bitrate ?? 32000);
  const frameSamples = 960;
  const frames: OpusRtpFrame[] = [];
  const pcm = Buffer.alloc(frameSamples * 2);
  let seq = options.firstSequence ?? 1000;
  let ts = options.firstTimestamp ?? 123456;
  for (let start = 0; start < pcm48k.length; start += frameSamples) {
    let silent = true;
    for (let i = 0; i < frameSamples; i++) {
      const x = pcm48k[start + i] ?? 0;
      if (x !== 0) silent = false;
      pcm.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(x * 32768))), i * 2);
    }
    const payload = encoder.encode(pcm);
    frames.push({
      sequenceNumber: seq & 0xffff,
      timestamp: ts >>> 0,
      silent,
      datagram: buildRtp({ payloadType: options.payloadType, sequenceNumber: seq, timestamp: ts, ssrc: options.ssrc, payload }),
    });
    seq++;
    ts += frameSamples;
  }
  return frames;
}
