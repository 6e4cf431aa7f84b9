import { VoiceFrameSchema, PauseEventSchema } from '@lectern/contract';
import type { PauseEvent, VoiceFrame } from '@lectern/contract';
import { beforeAll, describe, expect, it } from 'vitest';
import { SPEECH_48K_WAV, loadTruth, readWavMono16 } from '../../test/fixtures.ts';
import { buildRtp, encodeOpusRtp } from '../../test/rtpFixtures.ts';
import type { OpusRtpFrame } from '../../test/rtpFixtures.ts';
import { SileroVad } from '../voice/SileroVad.ts';
import { LiveAudioStream } from './LiveAudioStream.ts';

const SSRC = 0x1234abcd;
const PT = 111;

/** True when a 20 ms frame at 48 kHz is (dithered) digital silence: a DTX sender skips it. */
function isSilent(pcm: Float32Array, frame: number): boolean {
  for (let i = frame * 960; i < (frame + 1) * 960 && i < pcm.length; i++) if (Math.abs(pcm[i]!) > 1e-3) return false;
  return true;
}

describe('LiveAudioStream (RTP → frames, simulated clock, in process)', () => {
  const truth = loadTruth();
  let model: SileroVad;
  let pcm48: Float32Array;
  let rtp: OpusRtpFrame[];

  beforeAll(async () => {
    model = await SileroVad.shared();
    pcm48 = readWavMono16(SPEECH_48K_WAV).samples;
    rtp = encodeOpusRtp(pcm48, { ssrc: SSRC, payloadType: PT, firstSequence: 65500, firstTimestamp: 0xffff0000 });
  }, 60_000);

  it('emits one frame per 100 ms of media through DTX gaps, reordering, duplicates, loss and garbage', async () => {
    const frames: VoiceFrame[] = [];
    const pauses: PauseEvent[] = [];
    const errors: unknown[] = [];
    let now = 0;
    const stream = new LiveAudioStream({
      roomId: 'room-1',
      producerId: 'producer-1',
      payloadType: PT,
      ssrc: SSRC,
      clockRate: 48000,
      model,
      now: () => now,
      wallClock: () => 1_700_000_000_000 + now,
      onFrame: (f) => frames.push(f),
      onPause: (p) => pauses.push(p),
      onError: (e) => errors.push(e),
    });

    // The send schedule: real-time pacing (20 ms per frame, simulated), DTX in silence (skipped
    // frames use no sequence numbers, as with a real sender), two packets lost, every 50th packet
    // swapped with its successor, every 70th duplicated.
    const schedule: { atMs: number; datagram: Buffer }[] = [];
    let dtxSkipped = 0;
    let sent = 0;
    for (let i = 0; i < rtp.length; i++) {
      if (isSilent(pcm48, i)) {
        dtxSkipped++;
        continue;
      }
      const datagram = Buffer.from(rtp[i]!.datagram);
      datagram.writeUInt16BE((65500 + sent) & 0xffff, 2); // crosses the 16-bit wrap
      sent++;
      if (sent === 300 || sent === 301) continue; // lost in the network
      const atMs = i * 20;
      schedule.push({ atMs, datagram });
      if (sent % 70 === 0) schedule.push({ atMs: atMs + 5, datagram });
    }
    for (let k = 50; k + 1 < schedule.length; k += 50) {
      const a = schedule[k]!;
      const b = schedule[k + 1]!;
      [a.datagram, b.datagram] = [b.datagram, a.datagram];
    }
    const garbage = [
      Buffer.alloc(0),
      Buffer.from('hello, this is not RTP'),
      Buffer.from([0x80, 0xc8, 0x00, 0x06, 1, 2, 3, 4]), // RTCP SR
      Buffer.from([0x81, 0xc9, 0x00, 0x01, 1, 2, 3, 4]), // RTCP RR
      buildRtp({ payloadType: PT, sequenceNumber: 1, timestamp: 1, ssrc: 999, payload: Buffer.from([1, 2, 3]) }),
      buildRtp({ payloadType: 13, sequenceNumber: 1, timestamp: 1, ssrc: SSRC, payload: Buffer.from([1]) }), // comfort noise PT
      Buffer.from([0x90, 0x6f, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xbe, 0xde, 0x00, 0x09]), // truncated extension
    ];
    garbage.forEach((g, i) => schedule.splice(100 + i * 37, 0, { atMs: schedule[100 + i * 37]!.atMs, datagram: g }));

    let next = 0;
    const endMs = rtp.length * 20 + 500;
    for (now = 0; now <= endMs; now += 10) {
      while (next < schedule.length && schedule[next]!.atMs <= now) stream.handleDatagram(schedule[next++]!.datagram, now);
      stream.tick(now);
      if (now % 200 === 0) await stream.drained(); // let analysis keep up, as the event loop would
    }
    await stream.close();

    expect(errors).toEqual([]);
    expect(dtxSkipped).toBeGreaterThan(250); // ≈ 7 s of silence was never sent

    // Media time starts at the first packet sent: the fixture's leading 0.5 s is silent, so DTX
    // skipped it. From there, one frame per 100 ms of media — through the DTX gaps and on after
    // the last packet for as long as the clock runs (minus the 80 ms close hold) — consecutive,
    // in order, schema-valid.
    const firstSentMs = rtp.findIndex((_, i) => !isSilent(pcm48, i)) * 20;
    const lastTickMs = endMs - (endMs % 10);
    expect(frames.length).toBe(Math.floor((lastTickMs - firstSentMs - 80) / 100));
    frames.forEach((f, i) => {
      expect(f.mediaTimeSec).toBeCloseTo(i / 10, 9);
      VoiceFrameSchema.parse(f);
    });
    for (let i = 1; i < frames.length; i++) expect(frames[i]!.serverTimeMs).toBeGreaterThanOrEqual(frames[i - 1]!.serverTimeMs);

    // Pauses: each inserted one, within ±300 ms once shifted by the first packet's offset.
    const firstSentSec = firstSentMs / 1000;
    expect(pauses).toHaveLength(truth.insertedPauses.length);
    truth.insertedPauses.forEach((p, i) => {
      PauseEventSchema.parse(pauses[i]);
      expect(Math.abs(pauses[i]!.startSec + firstSentSec - p.startSec)).toBeLessThan(0.3);
      expect(Math.abs(pauses[i]!.endSec + firstSentSec - p.endSec)).toBeLessThan(0.3);
    });

    const s = stream.stats;
    expect(s.packetsMalformed).toBe(3);
    expect(s.rtcpPackets).toBe(2);
    expect(s.packetsWrongSsrc).toBe(1);
    expect(s.packetsWrongPayloadType).toBe(1);
    expect(s.packetsDuplicate).toBeGreaterThan(0);
    expect(s.packetsConcealed).toBe(2);
    expect(frames.reduce((n, f) => n + f.concealedPackets, 0)).toBe(2);
    expect(s.windowsClosedByTimer).toBeGreaterThan(40); // the DTX gaps
    expect(s.windowsDropped).toBe(0);
    expect(s.framesEmitted).toBe(frames.length);
  }, 180_000);

  it('does not turn an event-loop stall into lost audio (the first late tick is skipped)', async () => {
    const frames: VoiceFrame[] = [];
    const stream = new LiveAudioStream({
      roomId: 'r', producerId: 'p', payloadType: PT, ssrc: SSRC, clockRate: 48000, model,
      onFrame: (f) => frames.push(f), onPause: () => {},
    });
    const speech = rtp.slice(100, 120); // 400 ms inside utterance A
    for (let t = 0; t <= 100; t += 10) {
      if (t % 20 === 0 && t / 20 < 5) stream.handleDatagram(speech[t / 20]!.datagram, t);
      stream.tick(t);
    }
    // The loop stalls for 300 ms; packets 5–19 wait in the socket. Timers run first…
    stream.tick(400);
    // …then the poll phase delivers the backlog, and ticks resume.
    for (let i = 5; i < 20; i++) stream.handleDatagram(speech[i]!.datagram, 400);
    stream.tick(410);
    await stream.close();
    expect(stream.stats.windowsClosedByTimer).toBe(0);
    expect(frames.map((f) => f.mediaTimeSec)).toEqual([0, 0.1, 0.2, 0.3]);
    for (const f of frames) expect(f.levelDbfs).toBeGreaterThan(-60); // real speech, not gap fill
  });

  it('conceals only what the network lost under 200 ± 50 ms jitter and 5 % loss (adaptive jitter-buffer wait)', async () => {
    // A seeded PRNG (mulberry32), so the schedule is the same on every run.
    let seed = 0x13579bdf;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const run = async (jitterMs: number, lossPct: number, adaptiveMaxWaitMs = 200) => {
      const frames: VoiceFrame[] = [];
      let now = 0;
      const stream = new LiveAudioStream({
        roomId: 'r', producerId: 'p', payloadType: PT, ssrc: SSRC, clockRate: 48000, model,
        now: () => now, wallClock: () => now, onFrame: (f) => frames.push(f), onPause: () => {}, jitterAdaptiveMaxWaitMs: adaptiveMaxWaitMs,
      });
      // netem-like: each packet delayed 200 ms ± jitter (uniform, so packets reorder), some lost.
      const sent = rtp.slice(0, 1500); // 30 s
      const schedule = sent
        .map((f, i) => ({ atMs: i * 20 + 200 + (random() * 2 - 1) * jitterMs, datagram: f.datagram, lost: random() * 100 < lossPct }))
        .filter((x) => !x.lost)
        .sort((a, b) => a.atMs - b.atMs);
      const lost = sent.length - schedule.length;
      let next = 0;
      const endMs = sent.length * 20 + 600;
      for (now = 0; now <= endMs; now += 10) {
        while (next < schedule.length && schedule[next]!.atMs <= now) stream.handleDatagram(schedule[next++]!.datagram, now);
        stream.tick(now);
        if (now % 200 === 0) await stream.drained();
      }
      await stream.close();
      const concealed = frames.reduce((n, f) => n + f.concealedPackets, 0);
      // Latency added by the wait: window close (serverTimeMs, on the simulated clock) − the
      // window's nominal arrival end (200 ms network delay + media time + 100 ms).
      const addedMs = frames.map((f) => f.serverTimeMs - (200 + f.mediaTimeSec * 1000 + 100)).sort((a, b) => a - b);
      return { frames: frames.length, lost, concealed, late: stream.stats.packetsLate, samplesLate: stream.stats.samplesLate, waitMs: stream.stats.jitterWaitMs, p95AddedMs: addedMs[Math.floor(addedMs.length * 0.95)]! };
    };
    const seed0 = seed;
    const jittered = await run(50, 5);
    seed = seed0; // the same schedule with the former fixed 60 ms wait, for comparison
    const fixed = await run(50, 5, 60);
    const steady = await run(0, 5);
    console.log(`[measure] 30 s, 200 ± 50 ms, 5 % loss, adaptive wait: ${JSON.stringify(jittered)}; same with a fixed 60 ms wait: ${JSON.stringify(fixed)}; no jitter, 5 % loss: ${JSON.stringify(steady)}`);
    // Every 100 ms of media is a frame (30 s sent, the last ≈ 0.4 s still held when the clock stops).
    expect(jittered.frames).toBeGreaterThanOrEqual(295);
    expect(Math.abs(fixed.frames - jittered.frames)).toBeLessThanOrEqual(1); // the longer wait holds the last window back
    expect(fixed.lost).toBe(jittered.lost);
    expect(jittered.concealed).toBeLessThan(fixed.concealed);
    // Concealed ≈ lost: late packets (reordered beyond the wait) are few.
    expect(jittered.concealed).toBeLessThanOrEqual(jittered.lost * 1.3 + 5);
    expect(jittered.concealed).toBeGreaterThanOrEqual(jittered.lost - 5);
    expect(jittered.samplesLate).toBeLessThan(16_000 * 0.01);
    // Without reordering the wait stays at its 60 ms floor (no added latency on a clean network).
    expect(steady.waitMs).toBe(60);
    expect(steady.concealed).toBeLessThanOrEqual(steady.lost + 2);
  }, 120_000);

  it('validates its parameters', () => {
    const base = { roomId: 'r', producerId: 'p', clockRate: 48000, model, onFrame: () => {}, onPause: () => {} };
    expect(() => new LiveAudioStream({ ...base, payloadType: 128, ssrc: 1 })).toThrow(RangeError);
    expect(() => new LiveAudioStream({ ...base, payloadType: 111, ssrc: -1 })).toThrow(RangeError);
  });
});
