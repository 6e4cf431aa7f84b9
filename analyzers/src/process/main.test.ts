import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PauseEventSchema, VoiceFrameSchema } from '@lectern/contract';
import type { PauseEvent, VoiceFrame } from '@lectern/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, SPEECH_48K_WAV, loadTruth, readWavMono16 } from '../../test/fixtures.ts';
import { encodeOpusRtp } from '../../test/rtpFixtures.ts';
import type { ChildMessage, StatsMessage } from './protocol.ts';

const MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'main.ts');
const SSRC = 0x5eed1234;
const PT = 100; // as rewritten by mediasoup for a PlainTransport consumer
/** Media seconds sent per wall second: faster than real time to keep the test short. */
const SPEED = 3;

/** Collects the child's messages and lets the test wait for one that matches. */
class Inbox {
  readonly messages: ChildMessage[] = [];
  private waiters: { match: (m: ChildMessage) => boolean; resolve: (m: ChildMessage) => void }[] = [];

  constructor(child: ChildProcess) {
    child.on('message', (m: ChildMessage) => {
      this.messages.push(m);
      this.waiters = this.waiters.filter((w) => (w.match(m) ? (w.resolve(m), false) : true));
    });
  }

  next<T extends ChildMessage>(match: (m: ChildMessage) => boolean): Promise<T> {
    const found = this.messages.find(match);
    if (found !== undefined) return Promise.resolve(found as T);
    return new Promise((resolve) => this.waiters.push({ match, resolve: resolve as (m: ChildMessage) => void }));
  }

  /** Waits for a message arriving after this call. */
  nextNew<T extends ChildMessage>(match: (m: ChildMessage) => boolean): Promise<T> {
    return new Promise((resolve) => this.waiters.push({ match, resolve: resolve as (m: ChildMessage) => void }));
  }
}

const isSilent = (pcm: Float32Array, frame: number): boolean => {
  for (let i = frame * 960; i < (frame + 1) * 960 && i < pcm.length; i++) if (Math.abs(pcm[i]!) > 1e-3) return false;
  return true;
};

describe('analyzer process (forked, RTP over UDP on loopback)', () => {
  const truth = loadTruth();
  let child: ChildProcess;
  let inbox: Inbox;
  let exitCode: Promise<number | null>;

  beforeAll(async () => {
    child = fork(MAIN, [], { cwd: REPO_ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    exitCode = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    inbox = new Inbox(child);
    const ready = await inbox.next((m) => m.type === 'ready');
    expect(ready).toMatchObject({ type: 'ready', pid: child.pid, engines: { vad: expect.stringMatching(/Silero/) } });
  }, 120_000);

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('answers invalid parent messages with an error', async () => {
    child.send({ type: 'start-audio', streamId: 'bad' });
    const err = await inbox.next((m) => m.type === 'error' && m.streamId === 'bad');
    expect(err).toMatchObject({ message: expect.stringMatching(/invalid message: .*payloadType/) });
    child.send({ type: 'stop', streamId: 'never-started' });
    await inbox.next((m) => m.type === 'error' && m.streamId === 'never-started');
  }, 60_000);

  it('analyses Opus RTP sent over UDP: a frame per 100 ms of media, pauses, survives garbage', async () => {
    const start = { type: 'start-audio', roomId: 'room', producerId: 'prod', payloadType: PT, ssrc: SSRC, clockRate: 48000, channels: 2 } as const;
    child.send({ ...start, streamId: 'main' });
    child.send({ ...start, streamId: 'other', ssrc: 7 }); // a second stream that only gets garbage
    const { rtpPort } = await inbox.next<Extract<ChildMessage, { type: 'started' }>>((m) => m.type === 'started' && m.streamId === 'main');
    const other = await inbox.next<Extract<ChildMessage, { type: 'started' }>>((m) => m.type === 'started' && m.streamId === 'other');

    // Encode like Chrome: 48 kHz, 20 ms mono Opus frames; DTX skips silent frames (no sequence
    // number used). Then perturb: swap every 40th pair, duplicate every 60th packet, and mix in
    // garbage, RTCP and a foreign SSRC.
    const pcm48 = readWavMono16(SPEECH_48K_WAV).samples;
    const encoded = encodeOpusRtp(pcm48, { ssrc: SSRC, payloadType: PT, firstTimestamp: 0xfffe0000 });
    const packets: { mediaMs: number; datagram: Buffer }[] = [];
    let seq = 65000;
    encoded.forEach((f, i) => {
      if (isSilent(pcm48, i)) return;
      const datagram = Buffer.from(f.datagram);
      datagram.writeUInt16BE(seq++ & 0xffff, 2);
      packets.push({ mediaMs: i * 20, datagram });
    });
    for (let k = 40; k + 1 < packets.length; k += 40) {
      [packets[k]!.datagram, packets[k + 1]!.datagram] = [packets[k + 1]!.datagram, packets[k]!.datagram];
    }
    const garbage = [
      Buffer.from('definitely not RTP'),
      Buffer.alloc(0),
      Buffer.from([0x80, 0xc9, 0x00, 0x01, 0, 0, 0, 1]), // RTCP RR
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
      Buffer.alloc(1500, 0x55),
    ];

    const sock = dgram.createSocket('udp4');
    const send = (buf: Buffer, port = rtpPort): Promise<void> =>
      new Promise((resolve) => sock.send(buf, port, '127.0.0.1', () => resolve()));
    const t0 = performance.now();
    let garbageSent = 0;
    for (let i = 0; i < packets.length; i++) {
      const p = packets[i]!;
      const dueMs = p.mediaMs / SPEED;
      const waitMs = dueMs - (performance.now() - t0);
      if (waitMs > 1) await new Promise((r) => setTimeout(r, waitMs));
      await send(p.datagram);
      if (i % 60 === 0) await send(p.datagram);
      if (i % 25 === 0) {
        const g = garbage[garbageSent++ % garbage.length]!;
        await send(g);
        await send(g, other.rtpPort);
      }
    }
    sock.close();

    // Let the timer close the trailing windows, then stop and collect.
    await new Promise((r) => setTimeout(r, 400));
    const finalStats = inbox.nextNew<StatsMessage>((m) => m.type === 'stats' && m.streamId === 'main');
    child.send({ type: 'stop', streamId: 'main' });
    const stats = await finalStats;
    await inbox.next((m) => m.type === 'room' && m.streamId === 'main' && m.message.event === 'analyzer:status' && m.message.payload.state === 'stopped');

    const roomMessages = inbox.messages.flatMap((m) => (m.type === 'room' && m.streamId === 'main' ? [m.message] : []));
    const frames: VoiceFrame[] = roomMessages.flatMap((m) => (m.event === 'metrics:voice' ? [m.payload] : []));
    const pauses: PauseEvent[] = roomMessages.flatMap((m) => (m.event === 'metrics:pause' ? [m.payload] : []));

    // Every 100 ms of media, from the first packet to the last, in order, without holes.
    const firstSentSec = packets[0]!.mediaMs / 1000;
    const lastEndSec = packets.at(-1)!.mediaMs / 1000 + 0.02 - firstSentSec;
    expect(frames.length).toBeGreaterThanOrEqual(Math.floor(lastEndSec * 10));
    frames.forEach((f, i) => {
      VoiceFrameSchema.parse(f);
      expect(f.mediaTimeSec).toBeCloseTo(i / 10, 9);
      expect(f.roomId).toBe('room');
    });

    expect(pauses).toHaveLength(truth.insertedPauses.length);
    truth.insertedPauses.forEach((p, i) => {
      PauseEventSchema.parse(pauses[i]);
      expect(Math.abs(pauses[i]!.startSec + firstSentSec - p.startSec)).toBeLessThan(0.3);
      expect(Math.abs(pauses[i]!.endSec + firstSentSec - p.endSec)).toBeLessThan(0.3);
    });

    // Garbage was counted, not fatal.
    expect(stats.packetsMalformed).toBeGreaterThan(0);
    expect(stats.rtcpPackets).toBeGreaterThan(0);
    expect(stats.framesEmitted).toBe(frames.length);
    expect(stats.packetsReceived).toBeGreaterThanOrEqual(packets.length);
    expect(inbox.messages.filter((m) => m.type === 'error' && m.streamId === 'main')).toEqual([]);

    // The other stream is alive and counted its garbage.
    const otherFinal = inbox.nextNew<StatsMessage>((m) => m.type === 'stats' && m.streamId === 'other');
    child.send({ type: 'stop', streamId: 'other' });
    const otherStats = await otherFinal;
    expect(otherStats.packetsMalformed + otherStats.rtcpPackets).toBe(otherStats.packetsReceived);
    expect(otherStats.packetsReceived).toBeGreaterThan(0);
    expect(child.exitCode).toBeNull();
  }, 180_000);

  it('shuts down cleanly on request', async () => {
    child.send({ type: 'start-audio', streamId: 'last', roomId: 'r', producerId: 'p', payloadType: PT, ssrc: 1, clockRate: 48000, channels: 2 });
    await inbox.next((m) => m.type === 'started' && m.streamId === 'last');
    const finalStats = inbox.nextNew((m) => m.type === 'stats' && m.streamId === 'last');
    child.send({ type: 'shutdown' });
    expect(await exitCode).toBe(0);
    await finalStats; // delivered before the exit
  }, 60_000);
});
