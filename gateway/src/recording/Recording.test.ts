/**
 * The recording pipeline without the SFU: real RTP (ffmpeg sends Opus + VP8 as a browser would)
 * → RtpRelay → FfmpegRecorder → LiveUploader (multipart while the file grows) → s3rver, and the
 * SpoolDrainer when S3 is down. The SFU path is covered by test/e2e/recording.test.ts.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedS3Server } from '../storage/EmbeddedS3Server.ts';
import { ObjectStore } from '../storage/ObjectStore.ts';
import { tempDir, waitUntil } from '../testing/services.ts';
import { FfmpegRecorder } from './FfmpegRecorder.ts';
import { LiveUploader } from './LiveUploader.ts';
import { isVp8KeyFrameStart, RtpRelay } from './RtpRelay.ts';
import { SpoolDrainer } from './SpoolDrainer.ts';
import { readSpoolMeta, writeSpoolMeta } from './SpoolMeta.ts';
import { probeRecording } from './SessionRecorder.ts';

const dir = tempDir('rec');
const s3 = new EmbeddedS3Server({ directory: path.join(dir.dir, 's3'), bucket: 'lectern' });
let store: ObjectStore;
const quiet = { info: () => {}, warn: () => {} };

beforeAll(async () => {
  await s3.start();
  store = new ObjectStore({ endpoint: s3.endpoint, bucket: 'lectern', region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true });
});
afterAll(async () => {
  store?.close();
  await s3.stop();
  dir.cleanup();
});

/** ffmpeg as an RTP sender: a 440 Hz tone in Opus and a test pattern in VP8, in real time. */
function sendRtp(audioPort: number, videoPort: number, seconds: number, heavy = false): ChildProcess {
  // heavy: ~14 Mbit/s of VP8 noise (qmax 4), to grow the file past several 5 MiB parts quickly.
  const size = heavy ? '320x240' : '640x480';
  const rate = heavy ? ['-b:v', '8000k', '-qmin', '0', '-qmax', '4'] : ['-b:v', '300k'];
  return spawn('ffmpeg', [
    '-hide_banner', '-loglevel', 'error',
    '-re', '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
    '-re', '-f', 'lavfi', '-i', `testsrc=size=${size}:rate=30:duration=${seconds}${heavy ? ',noise=alls=100:allf=t' : ''}`,
    '-map', '0:a', '-c:a', 'libopus', '-b:a', '32k', '-payload_type', '100', '-ssrc', '1111', '-f', 'rtp', `rtp://127.0.0.1:${audioPort}`,
    '-map', '1:v', '-c:v', 'libvpx', ...rate, '-g', '60', '-deadline', 'realtime', '-cpu-used', '8',
    '-payload_type', '101', '-ssrc', '2222', '-f', 'rtp', `rtp://127.0.0.1:${videoPort}`,
  ], { stdio: 'ignore' });
}

async function record(outFile: string, seconds: number, opts: { partBytes?: number; heavy?: boolean; during?: (u: LiveUploader) => Promise<void> } = {}) {
  const a = new RtpRelay({ kind: 'audio', mimeType: 'audio/opus' });
  const v = new RtpRelay({ kind: 'video', mimeType: 'video/VP8' });
  const sender = sendRtp(await a.bind(), await v.bind(), seconds, opts.heavy);
  await waitUntil(() => !!a.firstPacket && !!v.firstPacket, 10_000, 'first packets');
  await new Promise((r) => setTimeout(r, 500)); // buffered in the relays until ffmpeg listens
  const rec = new FfmpegRecorder(outFile, [
    { kind: 'audio', mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 },
    { kind: 'video', mimeType: 'video/VP8', payloadType: 101, clockRate: 90000, channels: 1, offsetSec: (v.firstPacket!.arrivalMs - a.firstPacket!.arrivalMs) / 1000 },
  ]);
  await rec.start((i, port) => (i === 0 ? a : v).setTarget(port));
  const key = `orgs/local/sessions/${path.basename(outFile, '.webm')}/recording.webm`;
  const up = new LiveUploader(store, key, outFile, 'video/webm', opts.partBytes, 250);
  up.start();
  const during = opts.during?.(up);
  await new Promise<void>((r) => sender.once('exit', () => r()));
  await during;
  const exit = await rec.stop();
  a.close();
  v.close();
  return { exit, up, key, relays: { a: a.stats, v: v.stats } };
}

describe('recording pipeline (real RTP from ffmpeg, real s3rver)', () => {
  it('records Opus + VP8 to WebM and streams it to S3 in ≥ 5 MiB parts while it grows; the object equals the finished file', async () => {
    const out = path.join(dir.dir, 'live.webm');
    let partsDuringRecording = 0;
    const { exit, up, key, relays } = await record(out, 12, {
      heavy: true,
      during: async (u) => {
        await waitUntil(() => { if (u.failure) throw new Error(u.failure); return u.uploadedBytes > 0; }, 60_000, 'a part uploaded while recording', 100);
        partsDuringRecording = u.uploadedBytes;
      },
    });
    expect(exit.code === 0 || exit.code === 255, exit.stderrTail).toBe(true);
    expect(relays.v.keyFrames).toBeGreaterThan(0);
    expect(partsDuringRecording).toBeGreaterThanOrEqual(5 * 1024 * 1024);
    const res = await up.finish();
    expect(res).toMatchObject({ ok: true });
    if (res.ok) expect(res.parts).toBeGreaterThanOrEqual(3);
    const obj = await store.getBuffer(key);
    expect(obj.equals(fs.readFileSync(out)), 'S3 object is byte-identical to the finished spool file').toBe(true);
    const probe = await probeRecording(out);
    expect(probe.durationSec!).toBeGreaterThan(11);
    expect(probe.durationSec!).toBeLessThan(13.5);
    // The uploaded object decodes completely (header rewritten in part 1, Cues at the end).
    const objFile = path.join(dir.dir, 'from-s3.webm');
    fs.writeFileSync(objFile, obj);
    execFileSync('ffmpeg', ['-v', 'error', '-xerror', '-i', objFile, '-f', 'null', '-']);
  }, 120_000);

  it('keeps the recording spooled when S3 goes down mid-recording, and the drainer uploads it when S3 is back', async () => {
    const sessionDir = path.join(dir.dir, 'spool', 'sess-1');
    fs.mkdirSync(sessionDir, { recursive: true });
    const out = path.join(sessionDir, 'recording.webm');
    const { up, key } = await record(out, 6, {
      during: async () => {
        await new Promise((r) => setTimeout(r, 2000));
        await s3.stop();
      },
    });
    const res = await up.finish();
    expect(res.ok).toBe(false);
    const meta = { sessionId: 'sess-1', mediaObjectId: 'm1', orgId: 'local', key, contentType: 'video/webm', file: 'recording.webm', finished: true };
    writeSpoolMeta(sessionDir, meta);
    expect(readSpoolMeta(sessionDir)).toEqual(meta);
    const drainer = new SpoolDrainer(path.join(dir.dir, 'spool'), store, null, () => false, quiet, 200);
    await drainer.kick();
    expect(drainer.stats).toMatchObject({ uploaded: 0, pending: 1 });
    expect(fs.existsSync(out), 'still on disk while S3 is down').toBe(true);
    const bytes = fs.readFileSync(out);
    await s3.start();
    await waitUntil(() => drainer.stats.uploaded === 1, 90_000, 'drainer upload after S3 returned', 200);
    expect((await store.getBuffer(key)).equals(bytes)).toBe(true);
    expect(fs.existsSync(sessionDir)).toBe(false);
    await drainer.close();
  }, 120_000);

  it('reports a broken ffmpeg start as an error, not a crash', async () => {
    const rec = new FfmpegRecorder(path.join(dir.dir, 'x.webm'), [{ kind: 'audio', mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }], '/nonexistent/ffmpeg');
    await expect(rec.start()).rejects.toThrow(/ffmpeg exited at start|ENOENT|spawn/);
  });

  it('drops muxed RTCP (packet types 200–206) and malformed datagrams, relays RTP whatever its marker bit', async () => {
    const relay = new RtpRelay({ kind: 'audio', mimeType: 'audio/opus' });
    const port = await relay.bind();
    const sock = dgram.createSocket('udp4');
    const send = (b: Buffer) => new Promise<void>((resolve) => sock.send(b, port, '127.0.0.1', () => resolve()));
    const rtp = (byte1: number, seq: number) => Buffer.from([0x80, byte1, 0, seq, 0, 0, 0x03, 0xc0, 0, 0, 0, 1, 0xfc]);
    try {
      await send(Buffer.from([0x80, 0xc9, 0x00, 0x01, 0, 0, 0, 1])); // RTCP RR (201), 8 bytes
      await send(Buffer.concat([Buffer.from([0x81, 0xc8, 0x00, 0x06]), Buffer.alloc(24)])); // RTCP SR (200)
      await send(Buffer.from([0x80, 0xce, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2])); // PSFB (206)
      await send(Buffer.from('not rtp at all'));
      await send(rtp(100, 1)); // PT 100
      await send(rtp(0x80 | 100, 2)); // marker + PT 100 = 228: RTP, not RTCP
      await waitUntil(() => relay.stats.packets + relay.stats.rtcpDropped + relay.stats.malformed === 6, 5000, 'datagrams counted', 10);
      expect(relay.stats).toMatchObject({ packets: 2, rtcpDropped: 3, malformed: 1 });
      expect(relay.firstPacket).toMatchObject({ rtpTimestamp: 960, sequenceNumber: 1 });
    } finally {
      sock.close();
      relay.close();
    }
  });

  it('detects VP8 key frames in RTP (RFC 7741 descriptor with PictureID)', () => {
    const hdr = Buffer.from([0x80, 101, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
    // VP8 frame tag: 3 bytes (RFC 6386 §9.1), bit 0 of the first = P (0: key frame).
    const key = Buffer.concat([hdr, Buffer.from([0x90, 0x80, 0x81, 0x23, 0x10, 0x02, 0x00])]); // X,S; I; 15-bit PictureID; P=0
    const delta = Buffer.concat([hdr, Buffer.from([0x90, 0x80, 0x81, 0x23, 0x11, 0x02, 0x00])]); // P=1
    const cont = Buffer.concat([hdr, Buffer.from([0x80, 0x80, 0x81, 0x23, 0x10, 0x02, 0x00])]); // S=0
    expect([isVp8KeyFrameStart(key), isVp8KeyFrameStart(delta), isVp8KeyFrameStart(cont)]).toEqual([true, false, false]);
  });
});
