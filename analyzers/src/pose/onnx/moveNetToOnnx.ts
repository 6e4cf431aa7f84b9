import type { io } from '@tensorflow/tfjs-core';
import { FileModelHandler } from '../FileModelHandler.ts';
import { encodeOnnxModel, ONNX_FLOAT, type OnnxInitializer, type OnnxNode } from './onnxProto.ts';

/** Side of MoveNet Lightning's square input (pixels). */
export const MOVENET_INPUT = 192;
/** Side of its output heatmaps (input / 4). */
export const MOVENET_GRID = 48;
/** Number of COCO keypoints. */
export const MOVENET_KEYPOINTS = 17;

/**
 * Everything the JavaScript side needs besides the ONNX backbone: the input normalisation and the
 * constants of MoveNet's decoding stage, read from the TF.js graph (not hard-coded), so that the
 * decoding in {@link MoveNetOnnxModel} reproduces the graph's own.
 */
export interface MoveNetDecodeConstants {
  /** Input normalisation, per RGB channel: `((v − mean) · scale) − offset` (graph nodes sub, truediv_1, sub_1). */
  mean: Float32Array;
  scale: Float32Array;
  offset: number;
  /** 48×48 weights of the person-centre heatmap (inverse distance to the image centre; `truediv_2_recip`). */
  centerWeight: Float32Array;
  /** Added to the distance before dividing keypoint heatmaps by it (`add_5/y`, ≈1.8 grid cells). */
  distanceBias: number;
  /** Grid cells → normalised coordinates (`Reshape_13`, ≈1/48). */
  outputScale: number;
}

/** Result of {@link convertMoveNetToOnnx}. */
export interface MoveNetOnnxModel {
  /** ONNX model bytes: input `input` float32 [1,3,192,192] (normalised, NCHW); outputs below. */
  onnx: Uint8Array;
  /**
   * Output names, each float32 NCHW [1,C,48,48]: `heatmap` (C=17, sigmoid applied), `center` (C=1,
   * sigmoid applied), `regress` (C=34, (dy,dx) per keypoint from the centre), `offset` (C=34, (dy,dx)
   * sub-cell offsets per keypoint).
   */
  outputs: { heatmap: string; center: string; regress: string; offset: string };
  constants: MoveNetDecodeConstants;
  /** Number of ONNX nodes (for descriptions/tests). */
  nodeCount: number;
}

interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, { s?: string; list?: { i?: string[]; s?: string[] }; b?: boolean; i?: string }>;
}

/** Decodes the weight shards of a TF.js model into float32 (or int32) arrays by name. */
function decodeWeights(specs: io.WeightsManifestEntry[], data: ArrayBuffer): Map<string, { shape: number[]; values: Float32Array | Int32Array }> {
  const out = new Map<string, { shape: number[]; values: Float32Array | Int32Array }>();
  const view = new DataView(data);
  let off = 0;
  for (const w of specs) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const q = w.quantization;
    if (q?.dtype === 'float16') {
      const v = new Float32Array(n);
      for (let i = 0; i < n; i++) v[i] = halfToFloat(view.getUint16(off + 2 * i, true));
      off += 2 * n;
      out.set(w.name, { shape: w.shape, values: v });
    } else if (q && (q.dtype === 'uint8' || q.dtype === 'uint16')) {
      const bytes = q.dtype === 'uint8' ? 1 : 2;
      const v = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const raw = bytes === 1 ? view.getUint8(off + i) : view.getUint16(off + 2 * i, true);
        v[i] = raw * (q.scale ?? 1) + (q.min ?? 0);
      }
      off += bytes * n;
      out.set(w.name, { shape: w.shape, values: v });
    } else if (w.dtype === 'int32') {
      const v = new Int32Array(n);
      for (let i = 0; i < n; i++) v[i] = view.getInt32(off + 4 * i, true);
      off += 4 * n;
      out.set(w.name, { shape: w.shape, values: v });
    } else if (w.dtype === 'float32') {
      const v = new Float32Array(n);
      for (let i = 0; i < n; i++) v[i] = view.getFloat32(off + 4 * i, true);
      off += 4 * n;
      out.set(w.name, { shape: w.shape, values: v });
    } else {
      throw new Error(`unsupported weight ${w.name}: dtype ${w.dtype}${q ? ` quantized as ${q.dtype}` : ''}`);
    }
  }
  return out;
}

/** IEEE 754 half → float. */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

const b64 = (s: string | undefined): string => (s === undefined ? '' : Buffer.from(s, 'base64').toString('utf8'));

/**
 * Converts MoveNet SinglePose Lightning (the TF.js graph model of `@vladmandic/human`) into an ONNX
 * model of its convolutional part — MobileNetV2 + FPN backbone and the four CenterNet heads, the
 * ops `_FusedConv2D` (bias, ReLU/ReLU6), `FusedDepthwiseConv2dNative`, `DepthwiseConv2dNative`,
 * `AddV2` and `ResizeBilinear` (half-pixel centres) mapped one to one onto ONNX `Conv`, `Clip`,
 * `Relu`, `Add`, `Resize`, plus the two `Sigmoid`s — cut before the decoding ops (ArgMax, GatherNd,
 * …), which {@link MoveNetOnnxModel}'s user runs in JavaScript with the returned constants. Layout
 * NHWC → NCHW (weights transposed here). Runs in memory in ≈0.1 s; nothing is written to disk.
 *
 * @param modelJsonPath the TF.js `model.json` (weights next to it).
 * @throws Error when the graph contains an op in the backbone that is not handled, or the heads or
 *   constants are not where MoveNet Lightning v4 has them.
 */
export async function convertMoveNetToOnnx(modelJsonPath: string): Promise<MoveNetOnnxModel> {
  const artifacts = await new FileModelHandler(modelJsonPath).load();
  const topology = artifacts.modelTopology as { node: TfNode[] };
  const weights = decodeWeights(artifacts.weightSpecs ?? [], artifacts.weightData as ArrayBuffer);
  const byName = new Map(topology.node.map((n) => [n.name, n]));
  const constant = (suffix: string): { shape: number[]; values: Float32Array | Int32Array } => {
    const exact = weights.get(suffix);
    if (exact) return exact;
    const hits = [...weights.entries()].filter(([k]) => k.endsWith(`/${suffix}`));
    if (hits.length !== 1) throw new Error(`MoveNet constant ${suffix}: ${hits.length} matches`);
    return hits[0]![1];
  };

  // The graph input after normalisation, and the four heads (by their Keras layer names).
  const INPUT = 'StatefulPartitionedCall/sub_1';
  const head = (part: string): string => {
    const hits = topology.node.filter((n) => n.op === '_FusedConv2D' && n.name.includes(`/${part}/`) && n.name.endsWith('/BiasAdd'));
    if (hits.length !== 1) throw new Error(`MoveNet head ${part}: ${hits.length} matches`);
    return hits[0]!.name;
  };
  const heads = { heatmap: head('kpt_heatmap_0'), center: head('center_0'), regress: head('kpt_regress_0'), offset: head('kpt_offset_0') };

  // Ancestors of the heads down to the input, in graph order.
  const needed = new Set<string>();
  const stack = Object.values(heads);
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (needed.has(name) || name === INPUT) continue;
    const node = byName.get(name);
    if (!node || node.op === 'Const') continue;
    needed.add(name);
    for (const i of node.input ?? []) stack.push(i.split(':')[0]!);
  }

  const nodes: OnnxNode[] = [];
  const inits: OnnxInitializer[] = [];
  /** Channels and spatial side of each produced tensor (square maps). */
  const dims = new Map<string, { c: number; h: number }>([[INPUT, { c: 3, h: MOVENET_INPUT }]]);
  const tensorName = (ref: string): string => (ref.split(':')[0] === INPUT ? 'input' : ref.split(':')[0]!);
  inits.push({ name: 'relu6_min', dims: [], data: new Float32Array([0]) }, { name: 'relu6_max', dims: [], data: new Float32Array([6]) });

  for (const n of topology.node) {
    if (!needed.has(n.name)) continue;
    const ins = n.input ?? [];
    if (n.op === '_FusedConv2D' || n.op === 'FusedDepthwiseConv2dNative' || n.op === 'DepthwiseConv2dNative') {
      const x = ins[0]!.split(':')[0]!;
      const src = dims.get(x);
      const w = weights.get(ins[1]!);
      if (!src || !w) throw new Error(`MoveNet ${n.name}: unknown input or weights`);
      const [kh, kw, cin, cm] = w.shape as [number, number, number, number];
      const depthwise = n.op !== '_FusedConv2D';
      const cout = depthwise ? cin * cm : cm;
      const wt = new Float32Array(cout * (depthwise ? 1 : cin) * kh * kw);
      // TF HWIO (or HW C M for depthwise) → ONNX OIHW (depthwise: [C·M, 1, H, W], group C).
      for (let h = 0; h < kh; h++)
        for (let ww = 0; ww < kw; ww++)
          for (let i = 0; i < cin; i++)
            for (let o = 0; o < cm; o++) {
              const v = w.values[((h * kw + ww) * cin + i) * cm + o]!;
              if (depthwise) wt[((i * cm + o) * kh + h) * kw + ww] = v;
              else wt[((o * cin + i) * kh + h) * kw + ww] = v;
            }
      const attrs = n.attr ?? {};
      const strides = (attrs.strides?.list?.i ?? ['1', '1', '1', '1']).map(Number);
      const dil = (attrs.dilations?.list?.i ?? ['1', '1', '1', '1']).map(Number);
      if (dil.some((d) => d !== 1)) throw new Error(`MoveNet ${n.name}: dilated convolution not handled`);
      if (b64(attrs.data_format?.s) && b64(attrs.data_format?.s) !== 'NHWC') throw new Error(`MoveNet ${n.name}: data format ${b64(attrs.data_format?.s)}`);
      const padding = b64(attrs.padding?.s);
      if (padding !== 'SAME' && padding !== 'VALID') throw new Error(`MoveNet ${n.name}: padding ${padding} not handled`);
      const fused = (attrs.fused_ops?.list?.s ?? []).map(b64);
      const wName = `${n.name}/W`;
      inits.push({ name: wName, dims: [cout, depthwise ? 1 : cin, kh, kw], data: wt });
      const convIns = [tensorName(x), wName];
      if (fused[0] === 'BiasAdd') {
        const b = weights.get(ins[2]!);
        if (!b || b.values.length !== cout) throw new Error(`MoveNet ${n.name}: bias missing`);
        inits.push({ name: `${n.name}/B`, dims: [cout], data: Float32Array.from(b.values) });
        convIns.push(`${n.name}/B`);
      } else if (fused.length > 0) throw new Error(`MoveNet ${n.name}: fused ops ${fused.join(',')} not handled`);
      const act = fused[1];
      if (act !== undefined && act !== 'Relu' && act !== 'Relu6') throw new Error(`MoveNet ${n.name}: activation ${act} not handled`);
      const convOut = act ? `${n.name}/conv` : n.name;
      nodes.push({
        opType: 'Conv',
        name: `${n.name}/Conv`,
        inputs: convIns,
        outputs: [convOut],
        attributes: [
          { name: 'kernel_shape', ints: [kh, kw] },
          { name: 'strides', ints: [strides[1]!, strides[2]!] },
          // TF SAME puts the odd padding pixel at the end, as SAME_UPPER does.
          { name: 'auto_pad', s: padding === 'SAME' ? 'SAME_UPPER' : 'VALID' },
          ...(depthwise ? [{ name: 'group', i: cin }] : []),
        ],
      });
      if (act === 'Relu6') nodes.push({ opType: 'Clip', name: `${n.name}/Relu6`, inputs: [convOut, 'relu6_min', 'relu6_max'], outputs: [n.name] });
      else if (act === 'Relu') nodes.push({ opType: 'Relu', name: `${n.name}/Relu`, inputs: [convOut], outputs: [n.name] });
      const h = padding === 'SAME' ? Math.ceil(src.h / strides[1]!) : Math.floor((src.h - kh) / strides[1]!) + 1;
      dims.set(n.name, { c: cout, h });
    } else if (n.op === 'AddV2') {
      const a = ins[0]!.split(':')[0]!;
      const b = ins[1]!.split(':')[0]!;
      const da = dims.get(a);
      if (!da || !dims.get(b)) throw new Error(`MoveNet ${n.name}: unknown inputs`);
      nodes.push({ opType: 'Add', name: n.name, inputs: [tensorName(a), tensorName(b)], outputs: [n.name] });
      dims.set(n.name, da);
    } else if (n.op === 'ResizeBilinear') {
      const x = ins[0]!.split(':')[0]!;
      const src = dims.get(x);
      const size = weights.get(ins[1]!);
      if (!src || !size) throw new Error(`MoveNet ${n.name}: unknown input or size`);
      const attrs = n.attr ?? {};
      if (attrs.align_corners?.b || !attrs.half_pixel_centers?.b) throw new Error(`MoveNet ${n.name}: only half-pixel-centre resizing is handled`);
      const [oh, ow] = [size.values[0]!, size.values[1]!];
      inits.push({ name: `${n.name}/sizes`, dims: [4], data: BigInt64Array.from([1n, BigInt(src.c), BigInt(oh), BigInt(ow)]) });
      nodes.push({
        opType: 'Resize',
        name: n.name,
        inputs: [tensorName(x), '', '', `${n.name}/sizes`],
        outputs: [n.name],
        attributes: [
          { name: 'mode', s: 'linear' },
          { name: 'coordinate_transformation_mode', s: 'half_pixel' },
        ],
      });
      dims.set(n.name, { c: src.c, h: oh });
    } else {
      throw new Error(`MoveNet ${n.name}: op ${n.op} in the backbone is not handled`);
    }
  }
  for (const [k, name] of Object.entries(heads)) {
    const d = dims.get(name);
    const want = { heatmap: MOVENET_KEYPOINTS, center: 1, regress: 2 * MOVENET_KEYPOINTS, offset: 2 * MOVENET_KEYPOINTS }[k as keyof typeof heads];
    if (!d || d.c !== want || d.h !== MOVENET_GRID) throw new Error(`MoveNet head ${k}: expected ${want}×${MOVENET_GRID}², got ${JSON.stringify(d)}`);
  }
  nodes.push({ opType: 'Sigmoid', name: 'heatmap_sigmoid', inputs: [heads.heatmap], outputs: ['heatmap'] });
  nodes.push({ opType: 'Sigmoid', name: 'center_sigmoid', inputs: [heads.center], outputs: ['center'] });
  nodes.push({ opType: 'Identity', name: 'regress_out', inputs: [heads.regress], outputs: ['regress'] });
  nodes.push({ opType: 'Identity', name: 'offset_out', inputs: [heads.offset], outputs: ['offset'] });

  const grid = (c: number) => [1, c, MOVENET_GRID, MOVENET_GRID];
  const onnx = encodeOnnxModel({
    producer: 'lectern moveNetToOnnx',
    opset: 13,
    graphName: 'movenet_lightning_backbone',
    nodes,
    initializers: inits,
    inputs: [{ name: 'input', elemType: ONNX_FLOAT, dims: [1, 3, MOVENET_INPUT, MOVENET_INPUT] }],
    outputs: [
      { name: 'heatmap', elemType: ONNX_FLOAT, dims: grid(MOVENET_KEYPOINTS) },
      { name: 'center', elemType: ONNX_FLOAT, dims: grid(1) },
      { name: 'regress', elemType: ONNX_FLOAT, dims: grid(2 * MOVENET_KEYPOINTS) },
      { name: 'offset', elemType: ONNX_FLOAT, dims: grid(2 * MOVENET_KEYPOINTS) },
    ],
  });

  // The preprocessing chain must be Sub(mean) → Mul(scale) → Sub(offset), as in v4.
  const chain = ['StatefulPartitionedCall/sub', 'StatefulPartitionedCall/truediv_1', INPUT].map((k) => byName.get(k)?.op);
  if (chain.join() !== 'Sub,Mul,Sub') throw new Error(`MoveNet preprocessing is not Sub→Mul→Sub (${chain.join()})`);
  const scalar = (suffix: string): number => {
    const c = constant(suffix);
    if (c.values.length !== 1) throw new Error(`MoveNet constant ${suffix} is not a scalar`);
    return c.values[0]!;
  };
  const outScale = constant('StatefulPartitionedCall/Reshape_13').values;
  if (outScale.length !== 2 || outScale[0] !== outScale[1]) throw new Error('MoveNet output scale is not isotropic');
  const constants: MoveNetDecodeConstants = {
    mean: Float32Array.from(constant('StatefulPartitionedCall/Reshape').values),
    scale: Float32Array.from(constant('StatefulPartitionedCall/truediv').values),
    offset: scalar('StatefulPartitionedCall/sub_1/y'),
    centerWeight: Float32Array.from(constant('StatefulPartitionedCall/truediv_2_recip').values),
    distanceBias: scalar('StatefulPartitionedCall/add_5/y'),
    outputScale: outScale[0]!,
  };
  if (constants.mean.length !== 3 || constants.scale.length !== 3 || constants.centerWeight.length !== MOVENET_GRID * MOVENET_GRID)
    throw new Error('MoveNet decoding constants have unexpected shapes');
  return { onnx, outputs: { heatmap: 'heatmap', center: 'center', regress: 'regress', offset: 'offset' }, constants, nodeCount: nodes.length };
}
