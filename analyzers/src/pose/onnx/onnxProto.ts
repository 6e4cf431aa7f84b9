/**
 * A minimal writer for the ONNX model format (protobuf, onnx/onnx.proto, IR version 7): just the
 * messages and fields needed to emit a feed-forward graph with float/int64 initializers —
 * ModelProto{ir_version=1, opset_import=8, producer_name=2, graph=7}, GraphProto{node=1, name=2,
 * initializer=5, input=11, output=12}, NodeProto{input=1, output=2, name=3, op_type=4,
 * attribute=5}, AttributeProto{name=1, f=2, i=3, s=4, ints=8, type=20}, TensorProto{dims=1,
 * data_type=2, name=8, raw_data=9}, ValueInfoProto{name=1, type=2}, TypeProto{tensor_type=1},
 * TypeProto.Tensor{elem_type=1, shape=2}, TensorShapeProto{dim=1}, Dimension{dim_value=1}.
 * Field numbers from onnx.proto (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto).
 *
 * No protobuf dependency: the encoding is written by hand (varints and length-delimited fields,
 * https://protobuf.dev/programming-guides/encoding/).
 */

/** ONNX TensorProto.DataType values used here. */
export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;

/** A node attribute: int, ints, float or string. */
export type OnnxAttribute = { name: string; i: number } | { name: string; ints: number[] } | { name: string; f: number } | { name: string; s: string };

/** One node of the graph. */
export interface OnnxNode {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes?: OnnxAttribute[];
}

/** A constant tensor (initializer). */
export interface OnnxInitializer {
  name: string;
  dims: number[];
  /** FLOAT → Float32Array, INT64 → BigInt64Array. */
  data: Float32Array | BigInt64Array;
}

/** A graph input or output with a fixed shape. */
export interface OnnxValueInfo {
  name: string;
  elemType: number;
  dims: number[];
}

/** A whole model: one graph, default-domain opset. */
export interface OnnxModel {
  producer: string;
  opset: number;
  graphName: string;
  nodes: OnnxNode[];
  initializers: OnnxInitializer[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

class Writer {
  readonly #chunks: Uint8Array[] = [];
  #length = 0;

  get length(): number {
    return this.#length;
  }

  bytes(b: Uint8Array): void {
    this.#chunks.push(b);
    this.#length += b.length;
  }

  varint(v: number | bigint): void {
    // Negative int64 values are encoded as 10-byte two's complement varints.
    let x = BigInt.asUintN(64, BigInt(v));
    const out: number[] = [];
    while (x >= 0x80n) {
      out.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    out.push(Number(x));
    this.bytes(Uint8Array.from(out));
  }

  tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  /** Varint field (wire type 0). */
  int(field: number, v: number | bigint): void {
    this.tag(field, 0);
    this.varint(v);
  }

  /** 32-bit float field (wire type 5). */
  float(field: number, v: number): void {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.bytes(b);
  }

  /** Length-delimited field (wire type 2). */
  lenDelim(field: number, b: Uint8Array): void {
    this.tag(field, 2);
    this.varint(b.length);
    this.bytes(b);
  }

  string(field: number, s: string): void {
    this.lenDelim(field, new TextEncoder().encode(s));
  }

  message(field: number, build: (w: Writer) => void): void {
    const w = new Writer();
    build(w);
    this.lenDelim(field, w.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let o = 0;
    for (const c of this.#chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

function writeAttribute(w: Writer, a: OnnxAttribute): void {
  w.string(1, a.name);
  if ('i' in a) {
    w.int(3, a.i);
    w.int(20, 2); // INT
  } else if ('ints' in a) {
    for (const v of a.ints) w.int(8, v);
    w.int(20, 7); // INTS
  } else if ('f' in a) {
    w.float(2, a.f);
    w.int(20, 1); // FLOAT
  } else {
    w.string(4, a.s);
    w.int(20, 3); // STRING
  }
}

function writeValueInfo(w: Writer, v: OnnxValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.elemType);
      tensor.message(2, (shape) => {
        for (const d of v.dims) shape.message(1, (dim) => dim.int(1, d));
      });
    }),
  );
}

/**
 * Serialises a model to ONNX protobuf bytes (loadable by onnxruntime's `InferenceSession.create`).
 * @throws RangeError when an initializer's data length does not match its dims.
 */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const w = new Writer();
  w.int(1, 7); // ir_version 7 (ONNX 1.7+)
  w.string(2, model.producer);
  w.message(7, (g) => {
    for (const n of model.nodes) {
      g.message(1, (nw) => {
        for (const i of n.inputs) nw.string(1, i);
        for (const o of n.outputs) nw.string(2, o);
        nw.string(3, n.name);
        nw.string(4, n.opType);
        for (const a of n.attributes ?? []) nw.message(5, (aw) => writeAttribute(aw, a));
      });
    }
    g.string(2, model.graphName);
    for (const t of model.initializers) {
      const count = t.dims.reduce((a, b) => a * b, 1);
      if (count !== t.data.length) throw new RangeError(`initializer ${t.name}: ${t.data.length} values for dims [${t.dims.join(',')}]`);
      g.message(5, (tw) => {
        for (const d of t.dims) tw.int(1, d);
        tw.int(2, t.data instanceof Float32Array ? ONNX_FLOAT : ONNX_INT64);
        tw.string(8, t.name);
        // raw_data is little-endian, which is the byte order of typed arrays on x86/ARM.
        tw.lenDelim(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
      });
    }
    for (const v of model.inputs) g.message(11, (vw) => writeValueInfo(vw, v));
    for (const v of model.outputs) g.message(12, (vw) => writeValueInfo(vw, v));
  });
  w.message(8, (o) => {
    o.string(1, '');
    o.int(2, model.opset);
  });
  return w.finish();
}
