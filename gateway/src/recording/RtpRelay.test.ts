/**
 * RtpRelay.rebase over real UDP sockets on 127.0.0.1: a second source (new SSRC, sequence numbers
 * and timestamps) continues the first one's output stream with the wall-clock gap kept in the
 * RTP timestamps; retransmissions and late packets of the old source stay out of the line.
 */
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RtpRelay } from './RtpRelay.ts';

interface Out {
  ssrc: number;
  seq: number;
  ts: number;
  pt: number;
}

function rtp(pt: number, seq: number, ts: number, ssrc: number, payload = Buffer.alloc(20, 1)): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = pt & 0x7f;
  h.writeUInt16BE(seq & 0xffff, 2);
  h.writeUInt32BE(ts >>> 0, 4);
  h.writeUInt32BE(ssrc >>> 0, 8);
  return Buffer.concat([h, payload]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

async function harness(kind: 'audio' | 'video' = 'audio') {
  const relay = new RtpRelay({ kind, mimeType: kind === 'audio' ? 'audio/opus' : 'video/VP8' });
  const relayPort = await relay.bind();
  const sink = dgram.createSocket('udp4');
  await new Promise<void>((r) => sink.bind(0, '127.0.0.1', () => r()));
  const out: Out[] = [];
  sink.on('message', (m) => out.push({ ssrc: m.readUInt32BE(8), seq: m.readUInt16BE(2), ts: m.readUInt32BE(4), pt: m[1]! & 0x7f }));
  await relay.setTarget((sink.address() as AddressInfo).port);
  const src = dgram.createSocket('udp4');
  await new Promise<void>((r) => src.bind(0, '127.0.0.1', () => r()));
  const srcPort = (src.address() as AddressInfo).port;
  const send = async (p: Buffer) => {
    await new Promise<void>((r) => src.send(p, relayPort, '127.0.0.1', () => r()));
    await sleep(1);
  };
  closers.push(() => (relay.close(), sink.close(), src.close()));
  return { relay, out, send, srcPort };
}

describe('RtpRelay.rebase', () => {
  it('continues SSRC and sequence numbers and advances timestamps by the wall-clock gap', async () => {
    const { relay, out, send } = await harness();
    for (let i = 0; i < 10; i++) await send(rtp(111, 65530 + i, 4_294_960_000 + i * 960, 0xaaaa)); // wraps both
    relay.rebase();
    const gapStart = Date.now();
    await sleep(300);
    await send(rtp(111, 2000, 0xdead, 0xbbbb)); // late packet of the old source? no: a new SSRC
    const gapMs = Date.now() - gapStart;
    for (let i = 1; i < 10; i++) await send(rtp(111, 2000 + i, 0xdead + i * 960, 0xbbbb));
    await sleep(50);
    expect(out).toHaveLength(20);
    expect(new Set(out.map((o) => o.ssrc))).toEqual(new Set([0xaaaa]));
    for (let i = 1; i < out.length; i++) expect((out[i]!.seq - out[i - 1]!.seq) & 0xffff).toBe(1);
    const jumpSec = ((out[10]!.ts - out[9]!.ts) >>> 0) / 48000;
    // The gap between the two sources' packets as the relay saw it (sleep + send), within 60 ms.
    expect(jumpSec).toBeGreaterThan(0.28);
    expect(jumpSec).toBeLessThan(gapMs / 1000 + 0.06);
    for (let i = 11; i < 20; i++) expect((out[i]!.ts - out[i - 1]!.ts) >>> 0).toBe(960);
    expect(relay.segments).toBe(2);
    expect(relay.rtpSpanTicks / 48000).toBeCloseTo(9 * 0.02 + jumpSec + 9 * 0.02, 2);
  });

  it('keeps retransmissions and late packets of the old source out of the rewritten line', async () => {
    const { relay, out, send } = await harness();
    for (let i = 0; i < 5; i++) await send(rtp(111, 100 + i, 1000 + i * 960, 0x1111));
    relay.rebase();
    await send(rtp(112, 7, 99, 0x3333)); // RTX-like: other payload type, may not start the segment
    await send(rtp(111, 105, 1000 + 5 * 960, 0x1111)); // old source, late
    await send(rtp(111, 900, 50_000, 0x2222)); // the new source starts here
    await send(rtp(112, 8, 123_456, 0x3333));
    await send(rtp(111, 104, 1000 + 4 * 960, 0x1111));
    await send(rtp(111, 901, 50_960, 0x2222));
    await sleep(50);
    expect(out.map((o) => o.seq)).toEqual([100, 101, 102, 103, 104, 105, 106]);
    expect(out.every((o) => o.ssrc === 0x1111 && o.pt === 111)).toBe(true);
    expect(relay.stats.rebaseDropped).toBe(4);
  });

  it('video: drops the new source until its first key frame', async () => {
    const { relay, out, send } = await harness('video');
    // VP8 payload descriptor (RFC 7741): S=1, PID=0, then a frame tag with P=0 (key) or P=1 (delta).
    const key = Buffer.from([0x10, 0x00, 0x00, 0x00]);
    const delta = Buffer.from([0x10, 0x01, 0x00, 0x00]);
    await send(rtp(96, 10, 90_000, 0x5555, key));
    await send(rtp(96, 11, 93_000, 0x5555, delta));
    relay.rebase();
    await send(rtp(96, 500, 1, 0x6666, delta));
    await send(rtp(96, 501, 3001, 0x6666, key));
    await send(rtp(96, 502, 6001, 0x6666, delta));
    await sleep(50);
    expect(out.map((o) => o.seq)).toEqual([10, 11, 12, 13]);
    expect((out[3]!.ts - out[2]!.ts) >>> 0).toBe(3000);
    expect(relay.stats.rebaseDropped).toBe(1);
  });

  it('is a no-op before the first packet', async () => {
    const { relay, out, send } = await harness();
    relay.rebase();
    await send(rtp(111, 1, 1, 0x7777));
    await sleep(20);
    expect(out).toEqual([{ ssrc: 0x7777, seq: 1, ts: 1, pt: 111 }]);
    expect(relay.segments).toBe(1);
  });
});

describe('RtpRelay.expectSource', () => {
  it('relays only the expected source port and counts every other sender as foreign, also after a rebase to a new source', async () => {
    const { relay, out, send, srcPort } = await harness();
    const bound = async () => {
      const sock = dgram.createSocket('udp4');
      await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
      closers.push(() => sock.close());
      return sock;
    };
    const [other, second] = [await bound(), await bound()];
    const sendFrom = async (sock: dgram.Socket, p: Buffer) => {
      await new Promise<void>((r) => sock.send(p, relay.port!, '127.0.0.1', () => r()));
      await sleep(1);
    };
    await sendFrom(other, rtp(111, 1, 960, 0xaaaa)); // before expectSource: any sender is relayed
    relay.expectSource(srcPort);
    await sendFrom(other, rtp(111, 2, 1920, 0xaaaa)); // right SSRC and PT, wrong sender
    await sendFrom(other, Buffer.from([0x81, 200, 0, 6, ...Buffer.alloc(24)])); // RTCP from the wrong sender
    await send(rtp(111, 3, 2880, 0xaaaa));
    await sleep(30);
    expect(out.map((o) => o.seq)).toEqual([1, 3]);
    expect(relay.stats.foreign).toBe(2);

    relay.rebase();
    relay.expectSource((second.address() as AddressInfo).port);
    await send(rtp(111, 4, 3840, 0xaaaa)); // the old tap's late packet: now foreign
    await sendFrom(second, rtp(111, 900, 0x1000, 0xbbbb));
    await sleep(30);
    expect(out.map((o) => o.seq)).toEqual([1, 3, 4]); // the new source continues the sequence
    expect(out.at(-1)!.ssrc).toBe(0xaaaa);
    expect(relay.stats.foreign).toBe(3);
    expect(() => relay.expectSource(0)).toThrow(RangeError);
  });
});
