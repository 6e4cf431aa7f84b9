import ort from 'onnxruntime-node';
import type { SileroVad } from './SileroVad.ts';
import {
  SILERO_CHUNK_SAMPLES,
  SILERO_CONTEXT_SAMPLES,
  SILERO_SAMPLE_RATE_HZ,
  SILERO_STATE_SHAPE,
} from './SileroVadTypes.ts';
import type { VadChunk } from './SileroVadTypes.ts';

/**
 * Per-stream Silero VAD state: the recurrent state, the 64-sample context and the samples of an
 * incomplete chunk carried between blocks. Runs on a shared {@link SileroVad} session. All
 * tensors are preallocated; the state ping-pongs between two buffers (input of one run, output
 * of the next) so nothing is copied or allocated per chunk.
 *
 * Blocks of any length are accepted: 100 ms windows (1600 samples) contain 3 or 4 chunk ends
 * (1600 / 512 = 3.125). Calls must not overlap (await each one); the stream's caller serialises.
 */
export class SileroVadStream {
  /** [context 64 | chunk 512] — the model input. */
  private readonly input = new Float32Array(SILERO_CONTEXT_SAMPLES + SILERO_CHUNK_SAMPLES);
  private readonly states = [new Float32Array(256), new Float32Array(256)] as const;
  private readonly feeds: ort.InferenceSession.FeedsType[];
  private readonly fetches: ort.InferenceSession.FetchesType[];
  private readonly prob = new Float32Array(1);
  private current = 0;
  private pending = 0;
  private busy = false;

  /** @param model the shared session (from {@link SileroVad.createStream}). */
  constructor(private readonly model: SileroVad) {
    const inputTensor = new ort.Tensor('float32', this.input, [1, this.input.length]);
    const srTensor = new ort.Tensor('int64', BigInt64Array.from([BigInt(SILERO_SAMPLE_RATE_HZ)]), []);
    const stateTensors = this.states.map((s) => new ort.Tensor('float32', s, [...SILERO_STATE_SHAPE]));
    const probTensor = new ort.Tensor('float32', this.prob, [1, 1]);
    this.feeds = [0, 1].map((i) => ({ input: inputTensor, state: stateTensors[i]!, sr: srTensor }));
    this.fetches = [0, 1].map((i) => ({ output: probTensor, stateN: stateTensors[1 - i]! }));
  }

  /**
   * Feeds a block of 16 kHz mono samples and runs the model on every 512-sample chunk completed.
   * @param samples float samples in [-1, 1] at 16 kHz, any length; copied, not retained.
   * @returns one entry per completed chunk, in order (empty if no chunk completed).
   * @throws Error if called again before the previous call settled, or if inference fails.
   */
  async process(samples: Float32Array): Promise<VadChunk[]> {
    if (this.busy) throw new Error('SileroVadStream.process called concurrently; await each call');
    this.busy = true;
    try {
      const chunks: VadChunk[] = [];
      let src = 0;
      while (src < samples.length) {
        const n = Math.min(SILERO_CHUNK_SAMPLES - this.pending, samples.length - src);
        this.input.set(samples.subarray(src, src + n), SILERO_CONTEXT_SAMPLES + this.pending);
        this.pending += n;
        src += n;
        if (this.pending < SILERO_CHUNK_SAMPLES) break;
        await this.model.run(this.feeds[this.current]!, this.fetches[this.current]!);
        this.current = 1 - this.current;
        chunks.push({ prob: this.prob[0]!, endOffset: src });
        // The next chunk's context is this chunk's last 64 samples.
        this.input.copyWithin(0, SILERO_CHUNK_SAMPLES, SILERO_CHUNK_SAMPLES + SILERO_CONTEXT_SAMPLES);
        this.pending = 0;
      }
      return chunks;
    } finally {
      this.busy = false;
    }
  }

  /** Samples buffered towards the next chunk (0–511). */
  get pendingSamples(): number {
    return this.pending;
  }

  /** Clears state, context and carried samples, as at construction. */
  reset(): void {
    if (this.busy) throw new Error('SileroVadStream.reset during process');
    this.states[0].fill(0);
    this.states[1].fill(0);
    this.input.fill(0);
    this.current = 0;
    this.pending = 0;
  }
}
