import { createRequire } from 'node:module';
import { SHERPA_EN_MODEL, verifyInstalled } from '@lectern/models';
import type { AsrEngine, AsrStream, AsrStreamOptions } from '../AsrEngine.ts';
import { SherpaOnnxStream } from './SherpaOnnxStream.ts';
import type { SherpaOnlineRecognizer, SherpaOnnxOptions } from './SherpaOnnxTypes.ts';

/**
 * sherpa-onnx online transducer (streaming Zipformer, English) behind the {@link AsrEngine}
 * interface: the production recogniser. One recogniser (model in memory, ~100–300 MB) is shared
 * by all streams of the engine; each stream holds only its decoder state.
 *
 * Safety: a corrupt or truncated ONNX file aborts the process from C++ (uncatchable), so
 * {@link SherpaOnnxEngine.load} first re-verifies the installed files' SHA-256 against the install
 * stamp (`verifyInstalled` from `@lectern/models`) and loads the native addon only afterwards.
 */
export class SherpaOnnxEngine implements AsrEngine {
  /** @inheritdoc */
  readonly name = 'sherpa-onnx' as const;
  /** @inheritdoc */
  readonly description: string;
  private closed = false;

  private constructor(private readonly recognizer: SherpaOnlineRecognizer, description: string) {
    this.description = description;
  }

  /**
   * Verify the installed model, then create the recogniser.
   * @param options see {@link SherpaOnnxOptions}.
   * @throws Error when the model is not installed or fails verification (the message says why
   *   and how to fix it), or when the native addon cannot be loaded.
   */
  static async load(options: SherpaOnnxOptions = {}): Promise<SherpaOnnxEngine> {
    const modelName = options.modelName ?? SHERPA_EN_MODEL;
    const v = await verifyInstalled(modelName, { storeDir: options.storeDir });
    if (!v.ok) throw new Error(`sherpa-onnx model not usable: ${v.reason}`);
    const { encoder, decoder, joiner, tokens } = v.files;
    if (!encoder || !decoder || !joiner || !tokens) throw new Error(`${modelName}: manifest lacks encoder/decoder/joiner/tokens roles`);
    // Loaded lazily: importing the addon maps onnxruntime (~tens of MB) into the process.
    const require = createRequire(import.meta.url);
    const sherpa = require('sherpa-onnx-node') as { OnlineRecognizer: new (config: unknown) => SherpaOnlineRecognizer };
    const recognizer = new sherpa.OnlineRecognizer({
      featConfig: { sampleRate: 16_000, featureDim: 80 },
      modelConfig: {
        transducer: { encoder, decoder, joiner },
        tokens,
        numThreads: options.numThreads ?? 1,
        provider: 'cpu',
        debug: 0,
      },
      decodingMethod: 'greedy_search',
      maxActivePaths: 4,
      enableEndpoint: 1,
      rule1MinTrailingSilence: 2.4,
      rule2MinTrailingSilence: options.trailingSilenceSec ?? 0.8,
      rule3MinUtteranceLength: 20,
    });
    return new SherpaOnnxEngine(recognizer, `sherpa-onnx ${modelName} (greedy search, ${options.numThreads ?? 1} thread)`);
  }

  /** @inheritdoc */
  createStream(options: AsrStreamOptions = {}): AsrStream {
    if (this.closed) throw new Error('sherpa-onnx engine is closed');
    return new SherpaOnnxStream(this.recognizer, options);
  }

  /** @inheritdoc */
  async close(): Promise<void> {
    // The addon frees the recogniser when it is garbage-collected; nothing to do explicitly.
    this.closed = true;
  }
}
