import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { speechFixture } from '../../../../test/support/fixtures.ts';
import { tempDir } from '../../testing/services.ts';
import { assScript } from './captions.ts';
import { clipFrameSize, cutClip, cutClipArgs, probeMedia } from './cutClip.ts';

const work = tempDir('clip-cut');
let withVideo = '';
let audioOnly = '';

/** One decoded frame of `file` at `sec`, 8-bit grey, `w`×`h`. */
function greyFrame(file: string, sec: number, w: number, h: number): Buffer {
  return execFileSync('ffmpeg', ['-v', 'error', '-ss', String(sec), '-i', file, '-frames:v', '1', '-vf', `scale=${w}:${h}`, '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], { maxBuffer: 10 * 1024 * 1024 });
}

/** Mean |a − b| over rows [y0, y1) of two grey frames. */
function bandDiff(a: Buffer, b: Buffer, w: number, y0: number, y1: number): number {
  let sum = 0;
  for (let i = y0 * w; i < y1 * w; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / ((y1 - y0) * w);
}

beforeAll(() => {
  const fx = speechFixture();
  withVideo = path.join(work.dir, 'rec-video.webm');
  audioOnly = path.join(work.dir, 'rec-audio.webm');
  // A recording like Lectern's: VP8 (here a moving test pattern, 4:3 like a webcam) + Opus.
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=640x480:r=15', '-i', fx.wav48k, '-t', '12', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '600k', '-c:a', 'libopus', '-b:a', '32k', withVideo]);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', fx.wav48k, '-t', '12', '-c:a', 'libopus', '-b:a', '32k', audioOnly]);
}, 60_000);

afterAll(() => work.cleanup());

describe('cutClip (real ffmpeg + libass)', () => {
  const cues = [{ startSec: 0, endSec: 4, text: 'burned in caption words', tokens: ['burned', 'in', 'caption', 'words'].map((text) => ({ text, filler: false })) }];

  it('cuts 3–7 s of a video recording to WebM (VP8 + Opus) with the caption in the lower band only', async () => {
    const media = await probeMedia(withVideo);
    expect(media.video).toEqual({ widthPx: 640, heightPx: 480 });
    const size = clipFrameSize(media.video);
    const ass = path.join(work.dir, 'c.ass');
    fs.writeFileSync(ass, assScript(cues, size.widthPx, size.heightPx));
    const captioned = path.join(work.dir, 'captioned.webm');
    const plain = path.join(work.dir, 'plain.webm');
    await cutClip({ input: withVideo, output: captioned, startSec: 3, endSec: 7, assFile: ass, media });
    await cutClip({ input: withVideo, output: plain, startSec: 3, endSec: 7, assFile: null, media });
    const out = await probeMedia(captioned);
    expect(out.video).toEqual({ widthPx: 480, heightPx: 360 });
    expect(out.hasAudio).toBe(true);
    expect(out.durationSec).toBeGreaterThan(3.8);
    expect(out.durationSec).toBeLessThan(4.3);
    const codecs = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', captioned], { encoding: 'utf8' }).trim().split('\n');
    expect(codecs.sort()).toEqual(['opus', 'vp8']);
    const w = 160;
    const h = 120;
    const a = greyFrame(captioned, 2, w, h);
    const b = greyFrame(plain, 2, w, h);
    const bottom = bandDiff(a, b, w, Math.round(h * 0.6), h);
    const top = bandDiff(a, b, w, 0, Math.round(h * 0.5));
    console.log(JSON.stringify({ captionBandDiff: +bottom.toFixed(1), topBandDiff: +top.toFixed(1) }));
    expect(bottom).toBeGreaterThan(8); // the caption box and letters
    expect(top).toBeLessThan(3); // only encoder noise above it
  }, 60_000);

  it('an audio-only recording becomes a 480×270 clip on a dark frame, captions readable', async () => {
    const media = await probeMedia(audioOnly);
    expect(media.video).toBeNull();
    const ass = path.join(work.dir, 'a.ass');
    fs.writeFileSync(ass, assScript(cues, 480, 270));
    const out = path.join(work.dir, 'audio-clip.webm');
    await cutClip({ input: audioOnly, output: out, startSec: 1, endSec: 5, assFile: ass, media });
    const info = await probeMedia(out);
    expect(info.video).toEqual({ widthPx: 480, heightPx: 270 });
    expect(info.hasAudio).toBe(true);
    const f = greyFrame(out, 1, 480, 270);
    let bright = 0;
    for (let i = 0; i < f.length; i++) if (f[i]! > 160) bright++;
    console.log(JSON.stringify({ audioOnlyCaptionPixels: bright }));
    expect(bright).toBeGreaterThan(300); // white letters on the dark frame
  }, 60_000);

  it('fails with ffmpeg’s reason for a file that is not media, and on timeout', async () => {
    const bad = path.join(work.dir, 'bad.webm');
    fs.writeFileSync(bad, 'not media');
    const media = { durationSec: 10, hasAudio: true, video: null };
    await expect(cutClip({ input: bad, output: path.join(work.dir, 'x.webm'), startSec: 0, endSec: 2, assFile: null, media })).rejects.toThrow(/ffmpeg exited/);
    await expect(cutClip({ input: withVideo, output: path.join(work.dir, 'y.webm'), startSec: 0, endSec: 10, assFile: null, media: await probeMedia(withVideo), timeoutMs: 1 })).rejects.toThrow(/within 0 s/);
    expect(cutClipArgs({ input: 'in.webm', output: 'o.webm', startSec: 1, endSec: 3, assFile: "/tmp/it's:x.ass", media })).toContain("[1:v]setsar=1,ass=filename='/tmp/it\\'s\\:x.ass'[v]");
  }, 30_000);
});
