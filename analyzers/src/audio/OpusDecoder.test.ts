import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { SPEECH_48K_WAV, loadTruth, readWavMono16, segment, speech16k } from '../../test/fixtures.ts';
import { levelDbfs } from '../voice/level.ts';
import { OpusDecoder } from './OpusDecoder.ts';

const require = createRequire(import.meta.url);
const { OpusEncoder } = require('@discordjs/opus') as typeof import('@discordjs/opus');

function encodeFrames(pcm48k: Float32Array): Buffer[] {
  const enc = new OpusEncoder(48000, 1);
  enc.setBitrate(32000);
  const out: Buffer[] = [];
  const frame = Buffer.alloc(960 * 2);
  for (let s = 0; s + 960 <= pcm48k.length; s += 960) {
    for (let i = 0; i < 960; i++) frame.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(pcm48k[s + i]! * 32768))), i * 2);
    out.push(enc.encode(frame));
  }
  return out;
}

describe('OpusDecoder (libopus, decoding at 16 kHz)', () => {
  const truth = loadTruth();
  const b = segment(truth, 'B');
  const pcm48 = readWavMono16(SPEECH_48K_WAV).samples.subarray(Math.round(b.startSec * 48000), Math.round(b.endSec * 48000));
  const packets = encodeFrames(pcm48);

  it('decodes 48 kHz Opus speech to 320-sample (20 ms) 16 kHz frames that match the 16 kHz source', () => {
    const dec = new OpusDecoder(16000);
    const decoded: number[] = [];
    for (const p of packets) {
      const out = dec.decode(p);
      expect(out.length).toBe(320);
      decoded.push(...out);
    }
    const src = speech16k().subarray(Math.round(b.startSec * 16000), Math.round(b.startSec * 16000) + decoded.length);
    const out = Float32Array.from(decoded);
    // Same loudness within 1 dB, and strongly correlated once the codec delay is allowed for.
    expect(Math.abs(levelDbfs(out) - levelDbfs(src))).toBeLessThan(1);
    let best = 0;
    for (let lag = 0; lag < 200; lag++) {
      let xy = 0, xx = 0, yy = 0;
      for (let i = 0; i + lag < out.length; i++) {
        xy += out[i + lag]! * src[i]!;
        xx += out[i + lag]! ** 2;
        yy += src[i]! ** 2;
      }
      best = Math.max(best, xy / Math.sqrt(xx * yy));
    }
    expect(best).toBeGreaterThan(0.9);
    expect(dec.stats).toEqual({ decoded: packets.length, corrupt: 0, concealed: 0 });
  });

  it('replaces a corrupt payload with one frame of silence and counts it, without throwing', () => {
    const dec = new OpusDecoder();
    dec.decode(packets[10]!);
    const out = dec.decode(Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]));
    expect(out.length).toBe(320);
    expect(out.every((x) => x === 0)).toBe(true);
    expect(dec.stats.corrupt).toBe(1);
    expect(dec.decode(Buffer.alloc(0)).length).toBe(0);
  });

  it('conceals a lost 20 ms frame with Opus PLC (continuing the signal) and counts it', () => {
    const dec = new OpusDecoder();
    for (let i = 0; i < 30; i++) dec.decode(packets[i]!);
    const plc = Float32Array.from(dec.conceal());
    expect(plc.length).toBe(320);
    expect(levelDbfs(plc)).toBeGreaterThan(-70); // not digital silence: PLC extrapolates the voice
    expect(dec.stats.concealed).toBe(1);
    expect(dec.decode(packets[31]!).length).toBe(320); // decoding continues normally
  });

  it('rejects sample rates Opus cannot decode to', () => {
    expect(() => new OpusDecoder(44100)).toThrow(RangeError);
  });
});
