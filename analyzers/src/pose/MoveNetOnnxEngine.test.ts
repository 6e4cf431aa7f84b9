/**
 * MoveNet Lightning converted to ONNX and run by onnxruntime-node must give the keypoints the
 * TF.js graph gives (same weights, same decoding), on real photographs of a person (NASA's
 * portrait of Eileen Collins, public domain, from Debian's python3-skimage), in several poses and
 * frame shapes; and it must behave like the tfjs engine at the edges.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeOnnxModel, ONNX_FLOAT } from './onnx/onnxProto.ts';
import { loadPoseEngine } from './loadPoseEngine.ts';
import { MoveNetEngine } from './MoveNetEngine.ts';
import { MoveNetOnnxEngine } from './MoveNetOnnxEngine.ts';
import type { PoseEngine } from './PoseEngine.ts';
import { ASTRONAUT_PNG, decodeRgb } from '../../test/poseSupport.ts';

let onnx: MoveNetOnnxEngine;
let tfjs: MoveNetEngine;
beforeAll(async () => {
  onnx = await MoveNetOnnxEngine.load();
  tfjs = await MoveNetEngine.load();
}, 120_000);
afterAll(() => {
  onnx?.dispose();
  tfjs?.dispose();
});

describe('MoveNetOnnxEngine (MoveNet Lightning on onnxruntime, converted from the TF.js graph)', () => {
  const frames: { label: string; width: number; height: number; vf?: string }[] = [
    { label: 'square 512²', width: 512, height: 512 },
    { label: 'already 192²', width: 192, height: 192 },
    { label: 'rotated 20° ccw', width: 256, height: 256, vf: `rotate=${(-20 * Math.PI) / 180}:c=gray` },
    { label: 'mirrored', width: 320, height: 320, vf: 'hflip' },
    { label: 'portrait 192×256', width: 192, height: 256 },
    { label: 'landscape crop 320×240', width: 320, height: 240, vf: 'crop=400:300:50:0' },
  ];
  for (const f of frames) {
    it(`gives the TF.js graph's keypoints (${f.label})`, async () => {
      const rgb = decodeRgb(ASTRONAUT_PNG, { width: f.width, height: f.height, ...(f.vf ? { vf: f.vf } : {}) });
      const a = await tfjs.estimate(rgb, f.width, f.height);
      const b = await onnx.estimate(rgb, f.width, f.height);
      expect(b.keypoints.map((k) => k.name)).toEqual(a.keypoints.map((k) => k.name));
      for (let i = 0; i < a.keypoints.length; i++) {
        // Float32 arithmetic in a different order: differences of ~1e-7 measured; 1e-3 of the
        // frame is far below a pixel at 192² and far below MoveNet's own jitter.
        expect(Math.abs(b.keypoints[i]!.x - a.keypoints[i]!.x)).toBeLessThan(1e-3);
        expect(Math.abs(b.keypoints[i]!.y - a.keypoints[i]!.y)).toBeLessThan(1e-3);
        expect(Math.abs(b.keypoints[i]!.score - a.keypoints[i]!.score)).toBeLessThan(1e-3);
      }
    });
  }

  it('gives only low scores on an empty frame', async () => {
    const grey = new Uint8Array(320 * 240 * 3).fill(127);
    const pose = await onnx.estimate(grey, 320, 240);
    expect(Math.max(...pose.keypoints.map((k) => k.score))).toBeLessThan(0.3);
  });

  it('rejects short frames and use after dispose', async () => {
    await expect(onnx.estimate(new Uint8Array(10), 320, 240)).rejects.toThrow(RangeError);
    const other = await MoveNetOnnxEngine.load();
    other.dispose();
    await expect(other.estimate(new Uint8Array(192 * 192 * 3), 192, 192)).rejects.toThrow(/disposed/);
  });

  it('names the reason when the model cannot be converted', async () => {
    await expect(MoveNetOnnxEngine.load({ modelPath: '/nonexistent/model.json' })).rejects.toThrow(/\/nonexistent\/model.json/);
  });
});

describe('loadPoseEngine', () => {
  it('prefers onnxruntime, honours an explicit runtime, and rejects unknown runtimes', async () => {
    const engines: PoseEngine[] = [];
    try {
      engines.push(await loadPoseEngine({ runtime: 'auto' }));
      expect(engines[0]!.description).toMatch(/onnxruntime/);
      engines.push(await loadPoseEngine({ runtime: 'tfjs' }));
      expect(engines[1]!.description).toMatch(/tfjs-backend-wasm/);
    } finally {
      for (const e of engines) e.dispose();
    }
    await expect(loadPoseEngine({ runtime: 'gpu' as never })).rejects.toThrow(/auto, onnx or tfjs/);
    await expect(loadPoseEngine({ runtime: 'onnx', modelPath: '/nonexistent/model.json' })).rejects.toThrow(/nonexistent/);
  }, 120_000);
});

describe('encodeOnnxModel', () => {
  it('checks initializer sizes against their dims', () => {
    expect(() =>
      encodeOnnxModel({
        producer: 't',
        opset: 13,
        graphName: 'g',
        nodes: [],
        initializers: [{ name: 'w', dims: [2, 2], data: new Float32Array(3) }],
        inputs: [{ name: 'x', elemType: ONNX_FLOAT, dims: [1] }],
        outputs: [],
      }),
    ).toThrow(/w: 3 values/);
  });
});
