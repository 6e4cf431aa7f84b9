import fs from 'node:fs/promises';
import path from 'node:path';
import type { io } from '@tensorflow/tfjs-core';

/** The subset of a TF.js `model.json` that loading needs. */
interface ModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  signature?: object;
  userDefinedMetadata?: Record<string, object>;
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: io.WeightsManifestEntry[] }[];
}

/**
 * A TF.js `IOHandler` that loads a graph or layers model from local files: `model.json` and the
 * weight shards it lists (paths relative to the JSON file). tfjs-core has no `file://` loader
 * without tfjs-node (whose install downloads libtensorflow), so this reads the files with
 * `fs` and hands tfjs the artifacts.
 *
 * Usage: `await loadGraphModel(new FileModelHandler('/path/model.json'))`.
 */
export class FileModelHandler implements io.IOHandler {
  /**
   * @param modelJsonPath absolute path of the model's JSON file (TF.js `tfjs-graph-model` or
   *   `layers-model` format, as written by `tensorflowjs_converter`).
   */
  constructor(readonly modelJsonPath: string) {}

  /**
   * Reads the JSON and concatenates every weight shard in manifest order.
   * @throws Error naming the file when the JSON or a shard is missing, unreadable or malformed, or
   *   when the shards are shorter than the manifest's weight specs require.
   */
  load = async (): Promise<io.ModelArtifacts> => {
    let json: ModelJson;
    try {
      json = JSON.parse(await fs.readFile(this.modelJsonPath, 'utf8')) as ModelJson;
    } catch (err) {
      throw new Error(`cannot read model ${this.modelJsonPath}: ${(err as Error).message}`);
    }
    if (!json.modelTopology || !Array.isArray(json.weightsManifest))
      throw new Error(`${this.modelJsonPath} is not a TF.js model.json (no modelTopology/weightsManifest)`);
    const dir = path.dirname(this.modelJsonPath);
    const shards: Buffer[] = [];
    for (const group of json.weightsManifest) {
      for (const p of group.paths) {
        const file = path.join(dir, p);
        try {
          shards.push(await fs.readFile(file));
        } catch (err) {
          throw new Error(`cannot read weights ${file}: ${(err as Error).message}`);
        }
      }
    }
    const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
    const all = Buffer.concat(shards);
    const expected = weightSpecs.reduce((sum, w) => sum + weightBytes(w), 0);
    if (expected > 0 && all.byteLength < expected)
      throw new Error(`weights of ${this.modelJsonPath} are truncated: ${all.byteLength} bytes, manifest needs ${expected}`);
    return {
      modelTopology: json.modelTopology,
      weightSpecs,
      weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer,
      ...(json.format !== undefined ? { format: json.format } : {}),
      ...(json.generatedBy !== undefined ? { generatedBy: json.generatedBy } : {}),
      ...(json.convertedBy !== undefined ? { convertedBy: json.convertedBy } : {}),
      ...(json.signature !== undefined ? { signature: json.signature } : {}),
      ...(json.userDefinedMetadata !== undefined ? { userDefinedMetadata: json.userDefinedMetadata } : {}),
    };
  };
}

/** Bytes a weight occupies in the shards (quantized weights use their storage dtype). */
function weightBytes(w: io.WeightsManifestEntry): number {
  const n = w.shape.reduce((a, b) => a * b, 1);
  if (w.quantization) {
    const q = w.quantization.dtype;
    return n * (q === 'uint8' ? 1 : q === 'uint16' || q === 'float16' ? 2 : 4);
  }
  if (w.dtype === 'string') return 0; // variable length; not checked
  return n * (w.dtype === 'bool' ? 1 : 4);
}
