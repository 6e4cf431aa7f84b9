import { describe, expect, it } from 'vitest';
import { buildRtp } from '../../test/rtpFixtures.ts';
import { JitterBuffer } from './JitterBuffer.ts';
import { RtpPacket } from './RtpPacket.ts';
import { seqDelta } from './sequence.ts';

function pkt(seq: number): RtpPacket {
  return RtpPacket.parse(buildRtp({ payloadType: 111, sequenceNumber: seq, timestamp: seq * 960, ssrc: 1, payload: Buffer.from([seq & 0xff]) }))!;
}

function harness(maxWaitMs = 60, capacity = 64) {
  const out: string[] = [];
  const jb = new JitterBuffer({
    maxWaitMs,
    capacity,
    onPacket: (p) => out.push(String(p.sequenceNumber)),
    onLost: (s) => out.push(`lost ${s}`),
  });
  return { jb, out };
}

describe('seqDelta', () => {
  it('is the signed 16-bit distance', () => {
    expect(seqDelta(5, 3)).toBe(2);
    expect(seqDelta(3, 5)).toBe(-2);
    expect(seqDelta(1, 65535)).toBe(2);
    expect(seqDelta(65535, 1)).toBe(-2);
    expect(seqDelta(32767, 0)).toBe(32767);
    expect(seqDelta(32768, 0)).toBe(-32768);
  });
});

describe('JitterBuffer', () => {
  it('adds zero delay for in-order packets', () => {
    const { jb, out } = harness();
    for (let s = 10; s < 15; s++) {
      jb.push(pkt(s), s);
      expect(out.at(-1)).toBe(String(s)); // emitted synchronously on arrival
    }
    expect(jb.heldPackets).toBe(0);
  });

  it('reorders within the wait', () => {
    const { jb, out } = harness();
    jb.push(pkt(1), 0);
    jb.push(pkt(3), 1);
    jb.push(pkt(4), 2);
    expect(out).toEqual(['1']);
    jb.push(pkt(2), 30);
    expect(out).toEqual(['1', '2', '3', '4']);
    expect(jb.stats).toMatchObject({ emitted: 4, lost: 0, reordered: 2 });
  });

  it('declares loss once the oldest held packet waited maxWaitMs, on tick or on the next push', () => {
    const { jb, out } = harness(60);
    jb.push(pkt(1), 0);
    jb.push(pkt(3), 10);
    jb.tick(69);
    expect(out).toEqual(['1']);
    jb.tick(70);
    expect(out).toEqual(['1', 'lost 2', '3']);
    jb.push(pkt(6), 100);
    jb.push(pkt(7), 161); // expiry of 6 (held at 100) happens during this push
    expect(out).toEqual(['1', 'lost 2', '3', 'lost 4', 'lost 5', '6', '7']);
    expect(jb.stats.lost).toBe(3);
  });

  it('drops duplicates (held or already emitted) and late packets', () => {
    const { jb, out } = harness(60);
    jb.push(pkt(1), 0);
    jb.push(pkt(1), 1); // duplicate of emitted
    jb.push(pkt(3), 2);
    jb.push(pkt(3), 3); // duplicate of held
    jb.tick(100); // 2 lost
    jb.push(pkt(2), 101); // late
    expect(out).toEqual(['1', 'lost 2', '3']);
    expect(jb.stats).toMatchObject({ duplicates: 2, late: 1, lost: 1 });
  });

  it('handles the 16-bit wrap, including reordering across it', () => {
    const { jb, out } = harness();
    jb.push(pkt(65533), 0);
    jb.push(pkt(65535), 1);
    jb.push(pkt(0), 2);
    jb.push(pkt(65534), 3);
    jb.push(pkt(1), 4);
    expect(out).toEqual(['65533', '65534', '65535', '0', '1']);
  });

  it('resynchronises on a huge jump without emitting thousands of losses', () => {
    const { jb, out } = harness(60, 64);
    jb.push(pkt(100), 0);
    jb.push(pkt(102), 1); // held
    jb.push(pkt(30000), 2); // jump → flush held, restart
    jb.push(pkt(30001), 3);
    expect(out).toEqual(['100', 'lost 101', '102', '30000', '30001']);
    expect(jb.stats.resyncs).toBe(1);
    jb.push(pkt(5), 4); // huge backwards jump is a resync too
    expect(out.at(-1)).toBe('5');
    expect(jb.stats.resyncs).toBe(2);
  });

  it('flush() emits held packets in order', () => {
    const { jb, out } = harness();
    jb.push(pkt(1), 0);
    jb.push(pkt(4), 1);
    jb.push(pkt(3), 2);
    jb.flush();
    expect(out).toEqual(['1', 'lost 2', '3', '4']);
  });

  it('adapts its wait to the reordering it sees, up to the ceiling, and back to the floor when it stops', () => {
    const out: string[] = [];
    const jb = new JitterBuffer({ maxWaitMs: 60, adaptiveMaxWaitMs: 200, adaptWindowMs: 5_000, onPacket: (p) => out.push(String(p.sequenceNumber)), onLost: (s) => out.push(`lost ${s}`) });
    // Every 10th packet arrives 90 ms late (after 4 later ones): the first (10) is declared lost at
    // 60 ms and then arrives late, which raises the wait; from then on late packets are waited for.
    const arrivals = Array.from({ length: 199 }, (_, i) => i + 1)
      .map((seq) => ({ seq, atMs: seq * 20 + (seq % 10 === 0 ? 90 : 0) }))
      .sort((x, y) => x.atMs - y.atMs);
    for (let t = 20, k = 0; t <= 199 * 20 + 100; t += 10) {
      while (k < arrivals.length && arrivals[k]!.atMs <= t) jb.push(pkt(arrivals[k++]!.seq), t);
      jb.tick(t);
    }
    expect(jb.stats.late).toBe(1);
    expect(jb.stats.lost).toBe(1);
    expect(jb.currentWaitMs).toBe(80); // the 70 ms the late packets trail the next one, + 10 ms
    expect(jb.currentWaitMs).toBeLessThanOrEqual(200);
    // In order for longer than the window: the wait returns to its floor.
    for (let s = 200; s < 600; s++) {
      jb.push(pkt(s), s * 20);
      jb.tick(s * 20);
    }
    expect(jb.currentWaitMs).toBe(60);
    expect(out.filter((x) => x.startsWith('lost'))).toEqual(['lost 10']);
  });

  it('keeps a fixed wait without adaptiveMaxWaitMs', () => {
    const { jb } = harness();
    jb.push(pkt(1), 0);
    jb.push(pkt(3), 1);
    jb.tick(100);
    jb.push(pkt(2), 150); // late: would raise an adaptive wait
    expect(jb.stats.late).toBe(1);
    expect(jb.currentWaitMs).toBe(60);
  });

  it('rejects bad options', () => {
    expect(() => new JitterBuffer({ maxWaitMs: 60, adaptiveMaxWaitMs: 30, onPacket: () => {}, onLost: () => {} })).toThrow(RangeError);
    expect(() => new JitterBuffer({ capacity: 1, onPacket: () => {}, onLost: () => {} })).toThrow(RangeError);
    expect(() => new JitterBuffer({ maxWaitMs: -1, onPacket: () => {}, onLost: () => {} })).toThrow(RangeError);
  });
});
