import dgram from 'node:dgram';
import { beforeAll, describe, expect, it } from 'vitest';
import { SileroVad } from '../voice/SileroVad.ts';
import { AnalyzerProcess } from './AnalyzerProcess.ts';
import type { ChildMessage } from './protocol.ts';

const start = {
  type: 'start-audio',
  streamId: 's1',
  roomId: 'r1',
  producerId: 'p1',
  payloadType: 111,
  ssrc: 42,
  clockRate: 48000,
  channels: 2,
} as const;

describe('AnalyzerProcess (message handling, in process)', () => {
  let model: SileroVad;
  beforeAll(async () => {
    model = await SileroVad.shared();
  }, 60_000);

  function host() {
    const sent: ChildMessage[] = [];
    const h = new AnalyzerProcess(model, (m) => sent.push(m), { vad: model.engine });
    return { h, sent };
  }

  it('announces itself with its engines', () => {
    const { h } = host();
    expect(h.readyMessage()).toEqual({ type: 'ready', pid: process.pid, engines: { vad: model.engine } });
  });

  it('answers invalid messages with an error naming the fields, and keeps going', async () => {
    const { h, sent } = host();
    for (const bad of [null, 42, 'start', {}, { type: 'bogus' }, { ...start, ssrc: 'x' }, { ...start, payloadType: 300 }, { type: 'stop' }]) {
      expect(await h.handleMessage(bad)).toBeUndefined();
    }
    expect(sent.every((m) => m.type === 'error')).toBe(true);
    expect(sent).toHaveLength(8);
    expect(sent[5]).toMatchObject({ type: 'error', streamId: 's1', message: expect.stringMatching(/ssrc/) });
    expect(sent[6]).toMatchObject({ message: expect.stringMatching(/payloadType/) });
  });

  it('starts a stream on a 127.0.0.1 UDP port, refuses duplicates and unknown stops, stops with stats', async () => {
    const { h, sent } = host();
    await h.handleMessage(start);
    const started = sent.find((m) => m.type === 'started');
    expect(started).toMatchObject({ type: 'started', streamId: 's1', rtpPort: expect.any(Number) });
    expect(sent).toContainEqual({
      type: 'room',
      streamId: 's1',
      roomId: 'r1',
      message: { event: 'analyzer:status', payload: { roomId: 'r1', producerId: 'p1', state: 'running' } },
    });
    expect(sent).toContainEqual({ type: 'room', streamId: 's1', roomId: 'r1', message: { event: 'asr:status', payload: { engine: 'none', reason: 'no ASR engine configured' } } });

    // garbage to the port is counted, never thrown
    const port = (started as { rtpPort: number }).rtpPort;
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => sock.send(Buffer.from('garbage'), port, '127.0.0.1', () => resolve()));
    sock.close();

    await h.handleMessage(start);
    expect(sent.at(-1)).toMatchObject({ type: 'error', streamId: 's1', message: expect.stringMatching(/already exists/) });
    await h.handleMessage({ type: 'stop', streamId: 'nope' });
    expect(sent.at(-1)).toMatchObject({ type: 'error', streamId: 'nope', message: expect.stringMatching(/unknown stream/) });
    h.tick();

    while (h.streamStats('s1')!.packetsReceived === 0) await new Promise((r) => setTimeout(r, 10)); // loopback delivery
    await h.handleMessage({ type: 'stop', streamId: 's1' });
    expect(sent.find((m) => m.type === 'stats')).toMatchObject({ streamId: 's1', packetsReceived: 1, packetsMalformed: 1, framesEmitted: 0 });
    expect(sent.at(-1)).toMatchObject({ type: 'room', message: { event: 'analyzer:status', payload: { state: 'stopped' } } });
    expect(h.streamIds).toEqual([]);
  });

  it('shutdown closes every stream', async () => {
    const { h, sent } = host();
    await h.handleMessage(start);
    await h.handleMessage({ ...start, streamId: 's2' });
    expect(h.streamIds).toEqual(['s1', 's2']);
    expect(await h.handleMessage({ type: 'shutdown' })).toBe('shutdown');
    expect(h.streamIds).toEqual([]);
    expect(sent.filter((m) => m.type === 'stats')).toHaveLength(2);
  });
});
