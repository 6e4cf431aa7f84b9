/**
 * The pose process's state machine with real parts: an ffmpeg VP8 RTP sender (standing in for the
 * SFU's PlainTransport) streams the astronaut clip to the stream's UDP port; the real decoder,
 * motion gate, scheduler and MoveNet inference worker thread produce body frames.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BodyFrameSchema, BodyStatsSchema } from '@lectern/contract';
import { poseFixture } from '../../../test/poseSupport.ts';
import { InferenceWorker } from './InferenceWorker.ts';
import { PoseProcess } from './PoseProcess.ts';
import type { AnalysisRoomMessage } from '@lectern/contract';
import type { VideoChildMessage } from './protocol.ts';

/** The contract room messages the process sent, in order. */
const roomMessages = (messages: VideoChildMessage[]): AnalysisRoomMessage[] => messages.flatMap((m) => (m.type === 'room' ? [m.message] : []));
const bodyFrames = (messages: VideoChildMessage[]) => roomMessages(messages).flatMap((m) => (m.event === 'metrics:body' ? [m.payload] : []));
const bodyStats = (messages: VideoChildMessage[]) => roomMessages(messages).flatMap((m) => (m.event === 'body:stats' ? [m.payload] : []));
const statuses = (messages: VideoChildMessage[]) => roomMessages(messages).flatMap((m) => (m.event === 'analyzer:status' ? [m.payload] : []));

const fixture = poseFixture();
let worker: InferenceWorker;
beforeAll(async () => {
  worker = new InferenceWorker();
  await worker.start();
}, 60_000);
afterAll(() => worker?.close());

/** Sends `seconds` of the clip from `fromSec` as VP8 RTP (keyframe every `gop` frames) to `port`. */
function sendVp8(port: number, opts: { fromSec: number; seconds: number; gop: number; ssrc: number }): ChildProcess {
  return spawn('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-re', '-ss', String(opts.fromSec), '-i', fixture.y4m, '-t', String(opts.seconds),
    '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '400k', '-g', String(opts.gop),
    '-f', 'rtp', '-payload_type', '96', '-ssrc', String(opts.ssrc), `rtp://127.0.0.1:${port}`,
  ], { stdio: 'ignore' });
}
const exited = (p: ChildProcess) => new Promise((r) => (p.exitCode !== null ? r(null) : p.once('exit', r)));

function host() {
  const messages: VideoChildMessage[] = [];
  const h = new PoseProcess({ infer: worker.infer, send: (m) => messages.push(m), engines: { pose: worker.description } });
  const timers = [setInterval(() => h.tick(), 200), setInterval(() => h.sendStats(), 1000)];
  const started = (id: string) => messages.find((m) => m.type === 'started' && m.streamId === id) as { rtpPort: number } | undefined;
  return { h, messages, started, stop: () => timers.forEach(clearInterval) };
}

describe('PoseProcess', () => {
  it('answers invalid and unknown-stream messages with errors', async () => {
    const { h, messages, stop } = host();
    await h.handleMessage({ type: 'start-video', streamId: 'x', payloadType: 300 });
    await h.handleMessage({ type: 'stop', streamId: 'nope' });
    await h.handleMessage('garbage');
    stop();
    expect(messages.map((m) => m.type)).toEqual(['error', 'error', 'error']);
    expect((messages[0] as { message: string; streamId: string }).streamId).toBe('x');
    expect((messages[0] as { message: string }).message).toMatch(/payloadType/);
  });

  it('decodes live VP8 RTP and emits plausible body frames about every 200 ms', async () => {
    const { h, messages, started, stop } = host();
    await h.handleMessage({ type: 'start-video', streamId: 's1', roomId: 'r', producerId: 'p1', payloadType: 96, ssrc: 4242, clockRate: 90000 });
    const port = started('s1')!.rtpPort;
    await exited(sendVp8(port, { fromSec: 0, seconds: 6, gop: 15, ssrc: 4242 }));
    await new Promise((r) => setTimeout(r, 500));
    await h.handleMessage({ type: 'stop', streamId: 's1' });
    stop();

    const frames = bodyFrames(messages);
    for (const f of frames) BodyFrameSchema.parse(f);
    const live = frames.filter((f) => f.videoFrameAtMs !== null);
    expect(live.length).toBeGreaterThan(8); // ≈ 5 fps over the ~5 s after the first keyframe (fewer on a loaded machine)
    const present = live.filter((f) => f.presence.value === true);
    expect(present.length / live.length).toBeGreaterThan(0.8);
    const last = present.at(-1)!;
    expect(last.frameWidthPx).toBe(fixture.widthPx);
    expect(last.frameHeightPx).toBe(fixture.heightPx);
    const k = Object.fromEntries(last.keypoints.map((p) => [p.name, p]));
    expect(k.left_eye!.y).toBeLessThan(k.nose!.y);
    expect(k.nose!.y).toBeLessThan(k.left_shoulder!.y);
    // The photo occupies x ∈ [40, 280] of the 320 px frame; her nose is at ≈ 0.45 of the frame.
    expect(k.nose!.x).toBeGreaterThan(0.35);
    expect(k.nose!.x).toBeLessThan(0.55);
    expect(last.swaySw.value!).toBeLessThan(0.05); // still segment
    // Motion gating: a still picture is mostly not re-inferred.
    expect(live.filter((f) => !f.poseFresh).length).toBeGreaterThan(live.length / 3);
    const intervals = live.slice(1).map((f, i) => f.mediaTimeSec - live[i]!.mediaTimeSec).sort((a, b) => a - b);
    expect(intervals[Math.floor(intervals.length / 2)]!).toBeGreaterThan(0.15);
    expect(intervals[Math.floor(intervals.length / 2)]!).toBeLessThan(0.3);

    const kinds = messages.map((m) => m.type);
    expect(kinds).toContain('keyframe-request');
    const stats = bodyStats(messages).map((m) => BodyStatsSchema.parse(m));
    // Every decoded frame is reported, except stale ones replaced in the queue and one whose
    // inference was still running at stop.
    const decoded = stats.reduce((a, s) => a + s.framesDecoded, 0);
    const stale = stats.reduce((a, s) => a + s.framesDroppedStale, 0);
    expect(decoded - stale - live.length).toBeGreaterThanOrEqual(0);
    expect(decoded - stale - live.length).toBeLessThanOrEqual(1);
    // Each reported frame was inferred, gated (pose reused) or over budget (pose reused); stale
    // frames were never reported, so they are not part of this sum.
    const handled = stats.reduce((a, s) => a + s.framesInferred + s.framesGated + s.framesOverBudget, 0);
    expect(Math.abs(handled - live.length)).toBeLessThanOrEqual(1);
    expect(statuses(messages).map((s) => s.state)).toEqual(['running', 'stopped']);
  }, 60_000);

  it('keeps asking for a keyframe while the decoder cannot start', async () => {
    const { h, messages, started, stop } = host();
    await h.handleMessage({ type: 'start-video', streamId: 's2', roomId: 'r', producerId: 'p2', payloadType: 96, ssrc: 7, clockRate: 90000 });
    // One keyframe at the very start (missed: the decoder starts on the first packet), then none.
    await exited(sendVp8(started('s2')!.rtpPort, { fromSec: 0, seconds: 5, gop: 1000, ssrc: 7 }));
    await h.handleMessage({ type: 'stop', streamId: 's2' });
    stop();
    const requests = messages.filter((m) => m.type === 'keyframe-request');
    expect(requests.length).toBeGreaterThanOrEqual(2);
    expect(requests[0]).toMatchObject({ streamId: 's2', reason: 'decoder-start' });
    // "No video" frames say unknown rather than guess.
    const frames = bodyFrames(messages);
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.every((f) => f.presence.value === null && f.keypoints.length === 0)).toBe(true);
  }, 60_000);

  it('drops packets of other SSRCs (RTX, other streams)', async () => {
    const { h, messages, started, stop } = host();
    await h.handleMessage({ type: 'start-video', streamId: 's3', roomId: 'r', producerId: 'p3', payloadType: 96, ssrc: 1, clockRate: 90000 });
    await exited(sendVp8(started('s3')!.rtpPort, { fromSec: 0, seconds: 2, gop: 15, ssrc: 2 }));
    await h.handleMessage({ type: 'stop', streamId: 's3' });
    stop();
    const stats = bodyStats(messages);
    expect(stats.reduce((a, s) => a + s.rtpPackets, 0)).toBe(0);
    expect(messages.some((m) => m.type === 'keyframe-request')).toBe(false);
  }, 30_000);
});
