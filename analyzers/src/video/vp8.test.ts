import { describe, expect, it } from 'vitest';
import { parseVp8Payload } from './vp8.ts';
import { vp8Sdp } from './sdp.ts';

/** A keyframe start as Chrome sends it: X=1, S=1, PID=0; I=1 with a 15-bit picture id; tag + header. */
function keyframeStart(width: number, height: number): Uint8Array {
  const tag = [0x50, 0x2a, 0x00]; // bit 0 = 0 → keyframe
  return Uint8Array.from([0x90, 0x80, 0x81, 0x23, ...tag, 0x9d, 0x01, 0x2a, width & 0xff, width >> 8, height & 0xff, height >> 8, 0, 0]);
}

describe('VP8 RTP payload (RFC 7741, RFC 6386 §9.1)', () => {
  it('reads the keyframe size behind the extended descriptor', () => {
    expect(parseVp8Payload(keyframeStart(640, 480))).toEqual({ frameStart: true, keyframe: true, width: 640, height: 480 });
    // Upper two bits of the size fields are the scaling mode, not size.
    const scaled = keyframeStart(320, 240);
    scaled[11] = (scaled[11]! | 0xc0) >>> 0;
    expect(parseVp8Payload(scaled)).toMatchObject({ width: 320, height: 240 });
  });

  it('tells inter frames and continuation packets apart', () => {
    expect(parseVp8Payload(Uint8Array.from([0x10, 0x01, 0, 0]))).toEqual({ frameStart: true, keyframe: false });
    expect(parseVp8Payload(Uint8Array.from([0x00, 1, 2, 3]))).toEqual({ frameStart: false, keyframe: false });
    expect(parseVp8Payload(Uint8Array.from([0x90, 0xf0, 0x01, 0x02, 0x03, 0x01, 0, 0]))).toEqual({ frameStart: true, keyframe: false });
  });

  it('rejects truncated payloads', () => {
    expect(parseVp8Payload(new Uint8Array(0))).toBeNull();
    expect(parseVp8Payload(Uint8Array.from([0x90]))).toBeNull();
    expect(parseVp8Payload(Uint8Array.from([0x90, 0x80]))).toBeNull();
    expect(parseVp8Payload(Uint8Array.from([0x10, 0x00]))).toBeNull();
  });
});

describe('vp8Sdp', () => {
  it('describes one receive-only VP8 stream on loopback with muxed RTCP', () => {
    const sdp = vp8Sdp({ port: 5004, payloadType: 101 });
    expect(sdp).toContain('c=IN IP4 127.0.0.1');
    expect(sdp).toContain('m=video 5004 RTP/AVP 101');
    expect(sdp).toContain('a=rtpmap:101 VP8/90000');
    expect(sdp).toContain('a=rtcp-mux');
    expect(() => vp8Sdp({ port: 0, payloadType: 96 })).toThrow(RangeError);
    expect(() => vp8Sdp({ port: 5004, payloadType: 128 })).toThrow(RangeError);
  });
});
