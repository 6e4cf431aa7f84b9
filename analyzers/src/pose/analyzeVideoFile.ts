import { spawn, spawnSync } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { BodyMetricsTracker } from './BodyMetricsTracker.ts';
import { type BodySummary, type BodyTimelineEntry, summarizeBody } from './bodySummary.ts';
import { letterboxRect, unletterbox } from './letterbox.ts';
import { loadPoseEngine } from './loadPoseEngine.ts';
import type { PoseEngine } from './PoseEngine.ts';
import { VideoDecodeError } from './VideoDecodeError.ts';

/** Options of {@link analyzeVideoFile}. */
export interface AnalyzeVideoOptions {
  /** Frames per second to analyse (default 5, as live). */
  fps?: number;
  /** Engine to use (default: `loadPoseEngine()` — onnxruntime, else tfjs-wasm — loaded for this call and disposed after). */
  engine?: PoseEngine;
  ffmpegPath?: string;
  ffprobePath?: string;
}

/** Result of {@link analyzeVideoFile}: what `npm run analyze -- --video FILE --json` prints under `body`. */
export interface VideoAnalysis {
  video: string;
  engine: string;
  widthPx: number;
  heightPx: number;
  fps: number;
  summary: BodySummary;
  timeline: BodyTimelineEntry[];
}

const r = (v: number | null, digits: number) => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);

/** Picture size after rotation metadata (ffmpeg auto-rotates when decoding). */
function probeSize(file: string, ffprobe: string): { width: number; height: number } {
  const res = spawnSync(ffprobe, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height:stream_side_data=rotation', '-of', 'json', file], { encoding: 'utf8' });
  if (res.error) throw new VideoDecodeError(file, `cannot run ${ffprobe}: ${res.error.message} (apt-get install ffmpeg)`);
  let info: { streams?: { width?: number; height?: number; side_data_list?: { rotation?: number }[] }[] };
  try {
    info = JSON.parse(res.stdout || '{}');
  } catch {
    info = {};
  }
  const s = info.streams?.[0];
  if (!s?.width || !s.height) throw new VideoDecodeError(file, res.status === 0 ? 'no video stream' : (res.stderr.trim().split('\n').at(-1) ?? 'not a media file'));
  const rot = Math.abs(s.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? 0) % 180;
  return rot === 90 ? { width: s.height, height: s.width } : { width: s.width, height: s.height };
}

/**
 * Offline body-language analysis of a video file (anything ffmpeg reads: .y4m, .webm, .mp4 …):
 * decodes at `fps` (default 5) letterboxed to the engine's input size exactly as the live
 * decoder does, estimates the pose in EVERY frame (no motion gating offline: accuracy over
 * speed), and runs the same {@link BodyMetricsTracker} as the live path. Times are seconds from
 * the start of the file (frame n at n / fps).
 * @throws VideoDecodeError when the file is missing, not media, has no video stream, or ffmpeg fails.
 * @throws Error when the pose model cannot be loaded.
 */
export async function analyzeVideoFile(file: string, opts: AnalyzeVideoOptions = {}): Promise<VideoAnalysis> {
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new VideoDecodeError(file, 'not a regular file');
  } catch (err) {
    if (err instanceof VideoDecodeError) throw err;
    throw new VideoDecodeError(file, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message);
  }
  const fps = opts.fps ?? 5;
  const { width, height } = probeSize(file, opts.ffprobePath ?? 'ffprobe');
  const engine = opts.engine ?? (await loadPoseEngine());
  const n = engine.inputSize;
  const rect = letterboxRect(width, height, n);
  const frameBytes = n * n * 3;
  const child = spawn(
    opts.ffmpegPath ?? 'ffmpeg',
    ['-nostdin', '-hide_banner', '-v', 'error', '-i', file, '-an', '-map', '0:v:0',
      '-vf', `fps=${fps},scale=${n}:${n}:force_original_aspect_ratio=decrease:flags=bilinear,format=rgb24,pad=${n}:${n}:(ow-iw)/2:(oh-ih)/2:color=black`,
      '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => (stderr = (stderr + d).slice(-4096)));
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', () => resolve(-1));
    child.on('close', (code) => resolve(code));
  });
  const tracker = new BodyMetricsTracker();
  const timeline: BodyTimelineEntry[] = [];
  try {
    let buf: Buffer = Buffer.alloc(0);
    let index = 0;
    for await (const data of child.stdout as AsyncIterable<Buffer>) {
      buf = buf.length ? Buffer.concat([buf, data]) : data;
      while (buf.length >= frameBytes) {
        const rgb = new Uint8Array(buf.subarray(0, frameBytes));
        buf = buf.subarray(frameBytes);
        const tSec = index++ / fps;
        const pose = await engine.estimate(rgb, n, n);
        const m = tracker.update({ tSec, keypoints: pose.keypoints, aspect: 1 });
        timeline.push({
          mediaTimeSec: r(tSec, 3)!,
          present: m.presence.value,
          shoulderTiltDeg: r(m.shoulderTiltDeg.value, 2),
          headTiltDeg: r(m.headTiltDeg.value, 2),
          torsoLeanDeg: r(m.torsoLeanDeg.value, 2),
          headYawDeg: r(m.headYawDeg.value, 2),
          facingRatio: r(m.facingRatio.value, 3),
          gestureSwPerSec: r(m.gestureSwPerSec.value, 3),
          swaySw: r(m.swaySw.value, 4),
          handsVisibleRatio: r(m.handsVisibleRatio.value, 3),
          keypoints: m.keypoints.map((k) => {
            const p = unletterbox(rect, k.x, k.y);
            return [r(p.x, 4)!, r(p.y, 4)!, r(k.score, 3)!];
          }),
        });
      }
    }
  } finally {
    if (!opts.engine) engine.dispose();
  }
  const code = await exited;
  if (code !== 0) throw new VideoDecodeError(file, code === -1 ? 'cannot run ffmpeg (apt-get install ffmpeg)' : (stderr.trim().split('\n').at(-1) ?? `ffmpeg exited with ${code}`));
  if (timeline.length === 0) throw new VideoDecodeError(file, 'no video frames');
  const durationSec = timeline.length / fps;
  return { video: file, engine: engine.description, widthPx: width, heightPx: height, fps, summary: summarizeBody(timeline, durationSec), timeline };
}

/** A few human-readable lines summarising a {@link VideoAnalysis} (for the CLI without --json). */
export function formatBodySummary(a: VideoAnalysis): string {
  const s = a.summary;
  const f = (v: number | null, d = 1) => (v === null ? 'n/a' : v.toFixed(d));
  const pct = (v: number | null) => (v === null ? 'n/a' : `${Math.round(v * 100)} %`);
  const lines = [
    `body language (${a.widthPx}×${a.heightPx}, ${s.framesAnalysed} frames at ${a.fps} fps): in view ${pct(s.presenceRatio)}, facing the camera ${pct(s.facingRatio)}, hands visible ${pct(s.handsVisibleRatio)}`,
    `posture: shoulder tilt ${f(s.shoulderTiltDeg.median)}°, head tilt ${f(s.headTiltDeg.median)}°, torso lean ${f(s.torsoLeanDeg.median)}° (medians; + = counter-clockwise in the camera image)`,
    `movement: sway ${f(s.swaySw.median, 2)} SW (p90 ${f(s.swaySw.p90, 2)}), gestures ${f(s.gestureSwPerSec.median, 2)} SW/s (p90 ${f(s.gestureSwPerSec.p90, 2)})`,
    ...s.notes.map((n) => `  · ${n}`),
  ];
  return lines.join('\n') + '\n';
}
