/**
 * Cuts one clip out of a recording with ffmpeg: [startSec, endSec) of the file, video re-encoded to
 * VP8 with the captions burned in (libass `ass` filter), audio to Opus, in WebM — what every
 * Chromium plays. An audio-only recording gets a plain dark frame under its captions, so every
 * clip is a video with readable words. ffmpeg runs at nice 10 with one thread (live rooms keep the
 * CPU) under util-linux's `setpriv --pdeathsig SIGKILL` (it dies with the gateway), killed on
 * timeout or abort.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => fs.existsSync(p));

/** What {@link probeMedia} finds in a file. */
export interface MediaInfo {
  /** Container duration, seconds (null when unknown). */
  durationSec: number | null;
  hasAudio: boolean;
  /** Size of the first video stream (null: audio only). */
  video: { widthPx: number; heightPx: number } | null;
}

/**
 * ffprobe of `file`'s streams and duration.
 * @throws Error with ffprobe's message when the file cannot be read.
 */
export function probeMedia(file: string, timeoutMs = 30_000): Promise<MediaInfo> {
  return new Promise((resolve, reject) => {
    execFile('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,width,height:format=duration', '-of', 'json', file], { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`ffprobe ${file}: ${(stderr || err.message).trim().split('\n').at(-1)}`));
      const j = JSON.parse(stdout) as { streams?: { codec_type: string; width?: number; height?: number }[]; format?: { duration?: string } };
      const v = j.streams?.find((s) => s.codec_type === 'video' && s.width && s.height);
      const d = Number(j.format?.duration);
      resolve({
        durationSec: Number.isFinite(d) ? d : null,
        hasAudio: !!j.streams?.some((s) => s.codec_type === 'audio'),
        video: v ? { widthPx: v.width!, heightPx: v.height! } : null,
      });
    });
  });
}

/**
 * Largest clip width, px: the report shows clips ≈ 300–480 px wide, and encoding time grows with
 * the area (measured on a 20 s 640×480 clip: 480×360 at cpu-used 16 took 34 % less CPU than
 * 640×480 at cpu-used 8).
 */
export const MAX_CLIP_WIDTH_PX = 480;
/** Frame of an audio-only clip, px. */
export const AUDIO_ONLY_FRAME = { widthPx: 480, heightPx: 270 } as const;

/** Output frame size for a source: even, at most {@link MAX_CLIP_WIDTH_PX} wide, aspect kept. */
export function clipFrameSize(video: MediaInfo['video']): { widthPx: number; heightPx: number } {
  if (!video) return { ...AUDIO_ONLY_FRAME };
  const scale = Math.min(1, MAX_CLIP_WIDTH_PX / video.widthPx);
  const even = (x: number) => Math.max(2, 2 * Math.round((x * scale) / 2));
  return { widthPx: even(video.widthPx), heightPx: even(video.heightPx) };
}

/** Arguments of {@link cutClip}. */
export interface CutClipArgs {
  /** The recording (any file ffmpeg reads; the session's `recording.webm`). */
  input: string;
  /** Output WebM path. */
  output: string;
  /** Recording seconds, 0 ≤ startSec < endSec. */
  startSec: number;
  endSec: number;
  /** ASS script with the captions in clip seconds (null: no captions). */
  assFile: string | null;
  /** From {@link probeMedia} of `input`. */
  media: MediaInfo;
  /** Kill ffmpeg after this long, ms (default 60 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** nice value 0–19 (default 10). */
  nice?: number;
}

/** Escapes a path for an ffmpeg filter argument (`ass=filename=…`). */
const filterPath = (p: string) => p.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/:/g, '\\:');

/** The ffmpeg argument list {@link cutClip} runs (exported for tests and the README). */
export function cutClipArgs(a: CutClipArgs): string[] {
  const dur = (a.endSec - a.startSec).toFixed(3);
  const { widthPx, heightPx } = clipFrameSize(a.media.video);
  const subs = a.assFile ? `,ass=filename='${filterPath(a.assFile)}'` : '';
  const args = ['-v', 'error', '-nostdin', '-y', '-threads', '1', '-ss', a.startSec.toFixed(3), '-t', dur, '-i', a.input];
  let vf: string;
  if (a.media.video) {
    // WebRTC changes resolution mid-stream: scale + pad every frame to one size before the captions.
    vf = `[0:v]scale=${widthPx}:${heightPx}:force_original_aspect_ratio=decrease,pad=${widthPx}:${heightPx}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=15${subs}[v]`;
  } else {
    args.push('-f', 'lavfi', '-t', dur, '-i', `color=c=0x1d2330:s=${widthPx}x${heightPx}:r=15`);
    vf = `[1:v]setsar=1${subs}[v]`;
  }
  args.push('-filter_complex', vf, '-map', '[v]');
  if (a.media.hasAudio) args.push('-map', '0:a:0', '-c:a', 'libopus', '-b:a', '48k');
  args.push('-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '16', '-b:v', '600k', '-g', '30', '-t', dur, '-f', 'webm', a.output);
  return args;
}

/**
 * Runs ffmpeg for one clip.
 * @throws Error with ffmpeg's last stderr line when it fails, when it times out or is aborted, or
 *   when the output is empty.
 */
export function cutClip(a: CutClipArgs): Promise<void> {
  const args = cutClipArgs(a);
  const timeoutMs = a.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    if (a.signal?.aborted) return reject(new Error('clip cancelled (shutting down)'));
    const [cmd, pre] = SETPRIV ? [SETPRIV, ['--pdeathsig', 'SIGKILL', '--', 'ffmpeg']] : ['ffmpeg', []];
    const child = spawn(cmd, [...pre, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      if (child.pid) os.setPriority(child.pid, a.nice ?? 10);
    } catch {
      /* best effort */
    }
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    let settled = false;
    const finish = (err: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      a.signal?.removeEventListener('abort', onAbort);
      if (err) {
        child.kill('SIGKILL');
        reject(err);
      } else resolve();
    };
    const onAbort = () => finish(new Error('clip cancelled (shutting down)'));
    a.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => finish(new Error(`ffmpeg did not finish the clip within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    child.on('error', (err) => finish(new Error(`cannot run ffmpeg: ${err.message}`)));
    child.on('exit', (code, signal) => {
      if (code !== 0) return finish(new Error(`ffmpeg exited (${signal ?? `code ${code}`}): ${stderr.trim().split('\n').at(-1) ?? ''}`));
      const size = fs.existsSync(a.output) ? fs.statSync(a.output).size : 0;
      finish(size > 0 ? null : new Error('ffmpeg wrote an empty clip'));
    });
  });
}
