import { describe, expect, it } from 'vitest';
import { buildRtp } from '../../test/rtpFixtures.ts';
import { RtpPacket, isRtcp } from './RtpPacket.ts';

const payload = Buffer.from([0xf8, 0xff, 0xfe, 1, 2, 3, 4]);

describe('RtpPacket.parse (RFC 3550)', () => {
  it('parses the fixed header and exposes the payload without copying', () => {
    const buf = buildRtp({ payloadType: 111, sequenceNumber: 65535, timestamp: 0xfffffff0, ssrc: 0xdeadbeef, marker: true, payload });
    const p = RtpPacket.parse(buf)!;
    expect(p).not.toBeNull();
    expect(p.payloadType).toBe(111);
    expect(p.marker).toBe(true);
    expect(p.sequenceNumber).toBe(65535);
    expect(p.timestamp).toBe(0xfffffff0);
    expect(p.ssrc).toBe(0xdeadbeef);
    expect(p.csrcs).toEqual([]);
    expect(p.extension).toBeNull();
    expect([...p.payload]).toEqual([...payload]);
    expect(p.payload.buffer).toBe(buf.buffer); // a view, not a copy
    expect(p.payload.byteOffset).toBe(buf.byteOffset + 12);
  });

  it('skips the CSRC list', () => {
    const buf = buildRtp({ payloadType: 100, sequenceNumber: 1, timestamp: 2, ssrc: 3, csrcs: [7, 8, 0xffffffff], payload });
    const p = RtpPacket.parse(buf)!;
    expect(p.csrcs).toEqual([7, 8, 0xffffffff]);
    expect([...p.payload]).toEqual([...payload]);
  });

  it('skips a one-byte header extension (RFC 8285, 0xBEDE) and keeps it as a view', () => {
    // ssrc-audio-level (RFC 6464) id 1, len 1: 0x10 0x80 | level, padded to one word
    const ext = Buffer.from([0x10, 0xaa, 0x00, 0x00]);
    const buf = buildRtp({ payloadType: 111, sequenceNumber: 9, timestamp: 9, ssrc: 9, extension: { profile: 0xbede, data: ext }, payload });
    const p = RtpPacket.parse(buf)!;
    expect(p.extensionProfile).toBe(0xbede);
    expect([...p.extension!]).toEqual([...ext]);
    expect([...p.payload]).toEqual([...payload]);
  });

  it('removes padding (P bit, last byte = count)', () => {
    const buf = buildRtp({ payloadType: 111, sequenceNumber: 9, timestamp: 9, ssrc: 9, padding: 4, payload });
    const p = RtpPacket.parse(buf)!;
    expect([...p.payload]).toEqual([...payload]);
  });

  it('handles CSRCs, extension and padding together', () => {
    const buf = buildRtp({
      payloadType: 96, sequenceNumber: 5, timestamp: 6, ssrc: 7, csrcs: [1],
      extension: { profile: 0x1000, data: Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]) }, padding: 3, payload,
    });
    const p = RtpPacket.parse(buf)!;
    expect(p.csrcs).toEqual([1]);
    expect(p.extension!.length).toBe(8);
    expect([...p.payload]).toEqual([...payload]);
  });

  it('returns null for malformed datagrams instead of throwing', () => {
    const good = buildRtp({ payloadType: 111, sequenceNumber: 1, timestamp: 1, ssrc: 1, payload });
    const cases: Buffer[] = [
      Buffer.alloc(0),
      Buffer.from([0x80, 111, 0, 1]), // shorter than 12 bytes
      Buffer.from([0x40, ...good.subarray(1)]), // version 1
      Buffer.from([0x00, ...good.subarray(1)]), // version 0
      Buffer.from([0x8f, ...good.subarray(1, 12)]), // CC = 15 but no CSRCs
      Buffer.from([0x90, ...good.subarray(1, 12), 0xbe, 0xde]), // X bit, truncated extension header
      Buffer.from([0x90, ...good.subarray(1, 12), 0xbe, 0xde, 0x00, 0x09, 1, 2]), // extension longer than packet
      (() => { const b = Buffer.from(good); b[0] = 0xa0; b[b.length - 1] = 0; return b; })(), // padding count 0
      (() => { const b = Buffer.from(good); b[0] = 0xa0; b[b.length - 1] = 200; return b; })(), // padding > payload
    ];
    for (const c of cases) expect(RtpPacket.parse(c)).toBeNull();
  });

  it('never throws on random bytes', () => {
    let seed = 42;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 16) & 0xff;
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.alloc(rand() % 64);
      for (let j = 0; j < b.length; j++) b[j] = rand();
      expect(() => RtpPacket.parse(b)).not.toThrow();
    }
  });
});

describe('isRtcp (RFC 5761 demultiplexing)', () => {
  it('recognises RTCP packet types 200–206 in byte 1', () => {
    for (const pt of [200, 201, 202, 203, 204, 205, 206]) expect(isRtcp(Buffer.from([0x80, pt, 0, 1]))).toBe(true);
  });
  it('does not flag RTP (Opus PT 111 with or without marker) or other bytes', () => {
    expect(isRtcp(buildRtp({ payloadType: 111, sequenceNumber: 1, timestamp: 1, ssrc: 1, payload }))).toBe(false);
    expect(isRtcp(buildRtp({ payloadType: 111, marker: true, sequenceNumber: 1, timestamp: 1, ssrc: 1, payload }))).toBe(false);
    expect(isRtcp(Buffer.from([0x80, 199]))).toBe(false);
    expect(isRtcp(Buffer.from([0x80, 207]))).toBe(false);
    expect(isRtcp(Buffer.from([0x80]))).toBe(false);
  });
});
