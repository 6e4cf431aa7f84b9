/**
 * Writes the ONNX model format (protobuf, onnx/onnx.proto, IR version 7) with protobufjs: just the
 * messages and fields needed to emit a feed-forward graph with float/int64 initializers —
 * ModelProto{ir_version=1, producer_name=2, graph=7, opset_import=8}, GraphProto{node=1, name=2,
 * initializer=5, input=11, output=12}, NodeProto{input=1, output=2, name=3, op_type=4,
 * attribute=5}, AttributeProto{name=1, f=2, i=3, s=4, ints=8, type=20}, TensorProto{dims=1,
 * data_type=2, name=8, raw_data=9}, ValueInfoProto{name=1, type=2}, TypeProto{tensor_type=1},
 * TypeProto.Tensor{elem_type=1, shape=2}, TensorShapeProto{dim=1}, Dimension{dim_value=1},
 * OperatorSetIdProto{domain=1, version=2}. Field numbers and types from onnx.proto
 * (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto); the wire encoding is protobufjs's.
 */
import protobuf from 'protobufjs';

/** ONNX TensorProto.DataType values used here. */
export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;

/** AttributeProto.AttributeType values (onnx.proto). */
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_INTS = 7;

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

/** The subset of onnx.proto (package `onnx`, proto2) this module writes. */
const ONNX_SUBSET = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            producerName: { type: 'string', id: 2 },
            graph: { type: 'GraphProto', id: 7 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
          },
        },
        OperatorSetIdProto: { fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } } },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            // proto2 repeated scalars are unpacked unless declared packed
            ints: { rule: 'repeated', type: 'int64', id: 8, options: { packed: false } },
            type: { type: 'int32', id: 20 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1, options: { packed: false } },
            dataType: { type: 'int32', id: 2 },
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
          },
        },
        ValueInfoProto: { fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 } } },
        TypeProto: { fields: { tensorType: { type: 'TypeProtoTensor', id: 1 } } },
        TypeProtoTensor: { fields: { elemType: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } } },
        TensorShapeProto: { fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } } },
        Dimension: { fields: { dimValue: { type: 'int64', id: 1 } } },
      },
    },
  },
};

let modelType: protobuf.Type | undefined;

function attribute(a: OnnxAttribute): Record<string, unknown> {
  if ('i' in a) return { name: a.name, i: a.i, type: ATTR_INT };
  if ('ints' in a) return { name: a.name, ints: a.ints, type: ATTR_INTS };
  if ('f' in a) return { name: a.name, f: a.f, type: ATTR_FLOAT };
  return { name: a.name, s: new TextEncoder().encode(a.s), type: ATTR_STRING };
}

function valueInfo(v: OnnxValueInfo): Record<string, unknown> {
  return { name: v.name, type: { tensorType: { elemType: v.elemType, shape: { dim: v.dims.map((d) => ({ dimValue: d })) } } } };
}

/**
 * Serialises a model to ONNX protobuf bytes (loadable by onnxruntime's `InferenceSession.create`).
 * @throws RangeError when an initializer's data length does not match its dims.
 */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  modelType ??= protobuf.Root.fromJSON(ONNX_SUBSET).lookupType('onnx.ModelProto');
  const initializer = model.initializers.map((t) => {
    const count = t.dims.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new RangeError(`initializer ${t.name}: ${t.data.length} values for dims [${t.dims.join(',')}]`);
    return {
      dims: t.dims,
      dataType: t.data instanceof Float32Array ? ONNX_FLOAT : ONNX_INT64,
      name: t.name,
      // raw_data is little-endian, which is the byte order of typed arrays on x86/ARM.
      rawData: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength),
    };
  });
  const message = modelType.fromObject({
    irVersion: 7, // ONNX 1.7+
    producerName: model.producer,
    graph: {
      node: model.nodes.map((n) => ({ input: n.inputs, output: n.outputs, name: n.name, opType: n.opType, attribute: (n.attributes ?? []).map(attribute) })),
      name: model.graphName,
      initializer,
      input: model.inputs.map(valueInfo),
      output: model.outputs.map(valueInfo),
    },
    opsetImport: [{ domain: '', version: model.opset }],
  });
  return modelType.encode(message).finish();
}
