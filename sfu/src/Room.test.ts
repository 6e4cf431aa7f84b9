/**
 * Room against a real mediasoup worker: an RTP tap delivers a producer's packets to a UDP socket
 * with the payload type and SSRC it announces. The producer is fed through a DirectTransport.
 */
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { types } from 'mediasoup';
import { SfuNode } from './SfuNode.ts';
import type { Room } from './Room.ts';

let sfu: SfuNode;
let room: Room;
beforeAll(async () => {
  sfu = new SfuNode({ numWorkers: 1 });
  await sfu.start();
  room = await sfu.getOrCreateRoom('tap');
});
afterAll(async () => sfu?.close());

function rtp(seq: number, ts: number, ssrc: number, pt: number): Buffer {
  const b = Buffer.alloc(12 + 40);
  b[0] = 0x80;
  b[1] = pt & 0x7f;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  b.fill(0xf8, 12); // arbitrary Opus-looking payload bytes
  return b;
}

describe('Room', () => {
  it('taps a producer to a UDP endpoint with the announced payload type and SSRC', async () => {
    const direct = await room.router.createDirectTransport();
    const producer: types.Producer = await direct.produce({
      kind: 'audio',
      rtpParameters: {
        codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }],
        encodings: [{ ssrc: 1111 }],
      },
    });
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const got: Buffer[] = [];
    sock.on('message', (m) => got.push(m));
    let announced: { payloadType: number; ssrc: number } | undefined;
    const tap = await room.createRtpTap(producer.id, async (info) => {
      announced = info;
      return { ip: '127.0.0.1', port: sock.address().port };
    });
    expect(tap.mimeType).toBe('audio/opus');
    expect(tap.clockRate).toBe(48000);
    for (let i = 0; i < 20; i++) producer.send(rtp(1000 + i, 960 * i, 1111, 111));
    await expect.poll(() => got.filter((m) => (m[1]! & 0x7f) === announced!.payloadType).length).toBeGreaterThan(15);
    const media = got.find((m) => m[1]! < 200)!;
    expect(media.readUInt32BE(8)).toBe(announced!.ssrc);
    tap.close();
    expect(tap.transport.closed).toBe(true);
    sock.close();
  });

  it('rejects ids of other peers and unknown objects with SfuError', async () => {
    room.addPeer('p1');
    room.addPeer('p2');
    const t = await room.createWebRtcTransport('p1');
    await expect(room.connectTransport('p2', t.id, {})).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(room.createWebRtcTransport('ghost')).rejects.toMatchObject({ code: 'OUT_OF_ORDER' });
    await expect(room.connectTransport('p1', t.id, { fingerprints: [] })).rejects.toMatchObject({ code: 'MEDIA_ERROR' });
    room.removePeer('p1');
    expect(t.closed).toBe(true);
  });
});
