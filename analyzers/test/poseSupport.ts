/**
 * Test support for the pose and video code (not part of the public API): the astronaut pose
 * fixture built by scripts/pose-fixtures.sh, frame extraction with ffmpeg, and synthetic
 * skeletons with known geometry.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { COCO_KEYPOINT_NAMES, type Keypoint } from '@lectern/contract';

/** Repository root. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The real photograph of a person (NASA, public domain) from Debian's python3-skimage. */
export const ASTRONAUT_PNG = process.env.LECTERN_POSE_PHOTO ?? '/usr/lib/python3/dist-packages/skimage/data/astronaut.png';

/** Ground truth of a pose fixture clip (see scripts/pose-fixtures.sh). */
export interface PoseFixture {
  y4m: string;
  widthPx: number;
  heightPx: number;
  fps: number;
  durationSec: number;
  photo: { xPx: number; yPx: number; sizePx: number };
  segments: {
    label: 'still' | 'sway' | 'rot-ccw' | 'rot-cw' | 'blank';
    startSec: number;
    endSec: number;
    present: boolean;
    rotationDegCcw?: number;
    swayAmplitudePx?: number;
    swayPeriodSec?: number;
  }[];
}

/**
 * Builds (idempotent) and loads the pose fixture clip of the given size.
 * @throws Error when ffmpeg or the photo is missing (the script's message says which package).
 */
export function poseFixture(size = '320x240'): PoseFixture {
  const base = path.join(REPO_ROOT, '.lectern', 'fixtures', `pose-astronaut-${size}`);
  if (!existsSync(`${base}.y4m`) || !existsSync(`${base}.json`))
    execFileSync('bash', [path.join(REPO_ROOT, 'scripts', 'pose-fixtures.sh'), size], { stdio: 'inherit' });
  return { ...(JSON.parse(readFileSync(`${base}.json`, 'utf8')) as Omit<PoseFixture, 'y4m'>), y4m: `${base}.y4m` };
}

/**
 * Decodes one frame of an image or video with ffmpeg into packed RGB24.
 * @param file any file ffmpeg reads.
 * @param opts `atSec` seek position; `vf` an extra filter chain (e.g. `rotate=…`); `size` WxH output.
 */
export function decodeRgb(file: string, opts: { atSec?: number; vf?: string; width: number; height: number }): Uint8Array {
  const vf = [opts.vf, `scale=${opts.width}:${opts.height}`].filter(Boolean).join(',');
  const out = execFileSync(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', ...(opts.atSec ? ['-ss', String(opts.atSec)] : []), '-i', file, '-frames:v', '1', '-vf', vf, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Options of {@link syntheticPose}. */
export interface SyntheticPoseOptions {
  /** Rotation of the whole body about the shoulder midpoint, degrees counter-clockwise (image). */
  rotateDegCcw?: number;
  /** Translation in normalised units (x of the frame width, y of the frame height). */
  dx?: number;
  dy?: number;
  /** Head yaw: nose offset along the eye line in half-eye-distances (d of bodyGeometry.headYawDeg). */
  noseOffset?: number;
  /** Extra wrist displacement (normalised), e.g. for gestures. */
  wristDx?: number;
  wristDy?: number;
  /** Score of every keypoint (default 0.8); `hidden` keypoints get 0.05. */
  score?: number;
  hidden?: string[];
  /** Frame aspect (width/height) used to keep the geometry isotropic (default 4/3). */
  aspect?: number;
}

/**
 * A frontal, upright upper body with known geometry, normalised to a frame of `aspect`
 * (x of the width, y of the height). Left/right are the person's (their left appears on the
 * image's right). Isotropic offsets are in frame heights.
 */
export function syntheticPose(o: SyntheticPoseOptions = {}): Keypoint[] {
  const aspect = o.aspect ?? 4 / 3;
  const half = 0.03; // half eye distance, frame heights
  const base: Record<string, [number, number]> = {
    nose: [(o.noseOffset ?? 0) * half, -0.2],
    left_eye: [half, -0.23],
    right_eye: [-half, -0.23],
    left_ear: [0.07, -0.22],
    right_ear: [-0.07, -0.22],
    left_shoulder: [0.16, 0],
    right_shoulder: [-0.16, 0],
    left_elbow: [0.2, 0.2],
    right_elbow: [-0.2, 0.2],
    left_wrist: [0.14 + (o.wristDx ?? 0) * aspect, 0.36 + (o.wristDy ?? 0)],
    right_wrist: [-0.14 + (o.wristDx ?? 0) * aspect, 0.36 + (o.wristDy ?? 0)],
    left_hip: [0.1, 0.42],
    right_hip: [-0.1, 0.42],
    left_knee: [0.1, 0.8],
    right_knee: [-0.1, 0.8],
    left_ankle: [0.1, 1.1],
    right_ankle: [-0.1, 1.1],
  };
  const th = ((o.rotateDegCcw ?? 0) * Math.PI) / 180;
  const cx = 0.5 * aspect + (o.dx ?? 0) * aspect;
  const cy = 0.5 + (o.dy ?? 0);
  return COCO_KEYPOINT_NAMES.map((name) => {
    const [x, y] = base[name]!;
    // Counter-clockwise on screen with y pointing down: x' = x cos + y sin, y' = −x sin + y cos.
    const rx = x * Math.cos(th) + y * Math.sin(th);
    const ry = -x * Math.sin(th) + y * Math.cos(th);
    const hidden = o.hidden?.includes(name) || name.includes('knee') || name.includes('ankle');
    return { name, x: (cx + rx) / aspect, y: cy + ry, score: hidden ? 0.05 : (o.score ?? 0.8) };
  });
}
