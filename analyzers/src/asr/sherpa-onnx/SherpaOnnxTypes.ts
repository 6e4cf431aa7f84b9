/** Minimal typing of the parts of `sherpa-onnx-node` (CommonJS, untyped) this engine uses. */
export interface SherpaOnlineStream {
  /** Feed samples (Float32 in [-1, 1]) at `sampleRate`. */
  acceptWaveform(obj: { samples: Float32Array; sampleRate: number }): void;
  /** No more input on this stream. */
  inputFinished(): void;
}

/** `sherpa-onnx-node`'s OnlineRecognizer (one model, many streams). */
export interface SherpaOnlineRecognizer {
  /** A new decoding stream with its own state. */
  createStream(): SherpaOnlineStream;
  /** Whether a full model chunk (320 ms for chunk-16 models) of features is waiting. */
  isReady(s: SherpaOnlineStream): boolean;
  /** Run the encoder/decoder on one ready chunk (synchronous, native). */
  decode(s: SherpaOnlineStream): void;
  /** Whether the endpoint rules (trailing silence) fired for the current segment. */
  isEndpoint(s: SherpaOnlineStream): boolean;
  /** Start a new segment (keeps the audio clock running). */
  reset(s: SherpaOnlineStream): void;
  /** Current segment's result (parsed from the addon's JSON). */
  getResult(s: SherpaOnlineStream): import('./sherpaWords.ts').SherpaResult;
}

/** Options of {@link SherpaOnnxEngine.load}. */
export interface SherpaOnnxOptions {
  /** Manifest model name; default the English streaming zipformer (`SHERPA_EN_MODEL`). */
  modelName?: string;
  /** Model store; default `$LECTERN_MODELS_DIR` or `models/store`. */
  storeDir?: string;
  /** ONNX Runtime intra-op threads per recogniser; default 1 (one core per stream is plenty). */
  numThreads?: number;
  /** Endpoint rule 2: trailing silence (s) after speech that ends an utterance; default 0.8. */
  trailingSilenceSec?: number;
}
