/**
 * The real MoveNet Lightning model on a real photograph of a person (NASA's portrait of Eileen
 * Collins, public domain, from Debian's python3-skimage).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Keypoint } from '@lectern/contract';
import { headTiltDeg, shoulderTiltDeg, type Point } from './bodyGeometry.ts';
import { FileModelHandler } from './FileModelHandler.ts';
import { MoveNetEngine } from './MoveNetEngine.ts';
import { ASTRONAUT_PNG, decodeRgb } from '../../test/poseSupport.ts';

let engine: MoveNetEngine;
beforeAll(async () => {
  engine = await MoveNetEngine.load();
}, 60_000);
afterAll(() => engine?.dispose());

const kp = (pose: { keypoints: Keypoint[] }, name: string) => pose.keypoints.find((k) => k.name === name)!;
const iso = (keypoints: Keypoint[], aspect: number): Point[] => keypoints.map((k) => ({ x: k.x * aspect, y: k.y, score: k.score }));

describe('MoveNetEngine (MoveNet SinglePose Lightning, tfjs-wasm)', () => {
  it('finds an anatomically plausible upper body in the astronaut photo', async () => {
    const pose = await engine.estimate(decodeRgb(ASTRONAUT_PNG, { width: 512, height: 512 }), 512, 512);
    expect(pose.keypoints.map((k) => k.name)).toEqual([
      'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder', 'right_shoulder', 'left_elbow',
      'right_elbow', 'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle',
    ]);
    for (const name of ['nose', 'left_eye', 'right_eye', 'left_shoulder', 'right_shoulder']) expect(kp(pose, name).score).toBeGreaterThan(0.45);
    const eyeY = (kp(pose, 'left_eye').y + kp(pose, 'right_eye').y) / 2;
    const shoulderY = (kp(pose, 'left_shoulder').y + kp(pose, 'right_shoulder').y) / 2;
    expect(eyeY).toBeLessThan(kp(pose, 'nose').y);
    expect(kp(pose, 'nose').y).toBeLessThan(shoulderY);
    // Facing the camera: her left eye/shoulder appear on the image's right.
    expect(kp(pose, 'left_eye').x).toBeGreaterThan(kp(pose, 'right_eye').x);
    expect(kp(pose, 'left_shoulder').x).toBeGreaterThan(kp(pose, 'right_shoulder').x);
    // Face in the photo: nose near (222, 121) px of 512 (checked by eye).
    expect(kp(pose, 'nose').x * 512).toBeGreaterThan(190);
    expect(kp(pose, 'nose').x * 512).toBeLessThan(250);
    expect(kp(pose, 'nose').y * 512).toBeGreaterThan(90);
    expect(kp(pose, 'nose').y * 512).toBeLessThan(150);
  });

  it('returns coordinates in the original frame for portrait and landscape frames alike', async () => {
    const square = await engine.estimate(decodeRgb(ASTRONAUT_PNG, { width: 256, height: 256 }), 256, 256);
    // The same photo squeezed into a 192×256 portrait frame: normalised coordinates barely move.
    const portrait = await engine.estimate(decodeRgb(ASTRONAUT_PNG, { width: 192, height: 256 }), 192, 256);
    for (const name of ['nose', 'left_eye', 'right_shoulder']) {
      expect(Math.abs(kp(portrait, name).x - kp(square, name).x)).toBeLessThan(0.05);
      expect(Math.abs(kp(portrait, name).y - kp(square, name).y)).toBeLessThan(0.05);
    }
  });

  it('tilts the shoulder and eye lines with a rotated image (sign and rough size)', async () => {
    const at = async (deg: number) => {
      // ffmpeg's rotate is clockwise-positive; a negative angle rotates counter-clockwise.
      const rgb = decodeRgb(ASTRONAUT_PNG, { width: 256, height: 256, vf: `rotate=${(-deg * Math.PI) / 180}:c=gray` });
      const pose = await engine.estimate(rgb, 256, 256);
      return { shoulder: shoulderTiltDeg(iso(pose.keypoints, 1), 0.03)!.value, head: headTiltDeg(iso(pose.keypoints, 1))!.value };
    };
    const level = await at(0);
    const ccw = await at(15);
    const cw = await at(-15);
    expect(ccw.shoulder - level.shoulder).toBeGreaterThan(8);
    expect(ccw.shoulder - level.shoulder).toBeLessThan(22);
    expect(cw.shoulder - level.shoulder).toBeLessThan(-8);
    expect(cw.shoulder - level.shoulder).toBeGreaterThan(-22);
    expect(ccw.head - level.head).toBeGreaterThan(8);
    expect(cw.head - level.head).toBeLessThan(-8);
  });

  it('gives only low scores on an empty frame', async () => {
    const grey = new Uint8Array(320 * 240 * 3).fill(127);
    const pose = await engine.estimate(grey, 320, 240);
    expect(Math.max(...pose.keypoints.map((k) => k.score))).toBeLessThan(0.3);
  });

  it('rejects short frames and use after dispose', async () => {
    await expect(engine.estimate(new Uint8Array(10), 320, 240)).rejects.toThrow(RangeError);
    const other = await MoveNetEngine.load();
    other.dispose();
    await expect(other.estimate(new Uint8Array(192 * 192 * 3), 192, 192)).rejects.toThrow(/disposed/);
  });
});

describe('FileModelHandler', () => {
  it('names the missing or truncated file', async () => {
    await expect(new FileModelHandler('/nonexistent/model.json').load()).rejects.toThrow(/\/nonexistent\/model.json/);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lectern-model-'));
    writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'w', shape: [4], dtype: 'float32' }] }] }));
    await expect(new FileModelHandler(path.join(dir, 'model.json')).load()).rejects.toThrow(/w\.bin/);
    writeFileSync(path.join(dir, 'w.bin'), Buffer.alloc(8));
    await expect(new FileModelHandler(path.join(dir, 'model.json')).load()).rejects.toThrow(/truncated/);
    writeFileSync(path.join(dir, 'w.bin'), Buffer.alloc(16));
    const artifacts = await new FileModelHandler(path.join(dir, 'model.json')).load();
    expect((artifacts.weightData as ArrayBuffer).byteLength).toBe(16);
  });
});
