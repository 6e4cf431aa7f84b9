import type { AsrStreamOptions } from '../AsrEngine.ts';
import { AsrStreamBase } from '../AsrStreamBase.ts';
import { sherpaWords } from './sherpaWords.ts';
import type { SherpaOnlineRecognizer, SherpaOnlineStream } from './SherpaOnnxTypes.ts';

/** Silence appended when an utterance is ended externally, so the model sees its right context (s). */
export const TAIL_PADDING_SEC = 0.64;

/**
 * One sherpa-onnx online stream. Decodes whenever a model chunk is ready (320 ms for the
 * chunk-16 Zipformer, so partials arrive about 3× a second), emits a partial when the text
 * changes, and a final at each endpoint (`engine` segmentation: rule 2, 0.8 s of trailing
 * silence after speech), on `endUtterance()` (after decoding {@link TAIL_PADDING_SEC} of padding
 * silence so the last word is not cut), on a gap ≥ 0.5 s, or at `maxUtteranceSec`.
 */
export class SherpaOnnxStream extends AsrStreamBase {
  private stream: SherpaOnlineStream | null;
  private lastText = '';
  private readonly padding = new Float32Array(Math.round(TAIL_PADDING_SEC * 16_000));
  private dirty = false;

  /**
   * Created by {@link SherpaOnnxEngine.createStream}.
   * @param recognizer the shared recogniser.
   * @param options stream options.
   */
  constructor(private readonly recognizer: SherpaOnlineRecognizer, options: AsrStreamOptions = {}) {
    super('sherpa-onnx', options);
    this.stream = recognizer.createStream();
  }

  protected override decodeChunk(samples: Float32Array): void {
    const s = this.stream!;
    // The addon copies the samples; the caller may reuse its buffer afterwards.
    s.acceptWaveform({ samples, sampleRate: 16_000 });
    this.dirty = true;
    this.decodeReady();
    if (this.segmentation === 'engine' && this.recognizer.isEndpoint(s)) this.finalize();
  }

  protected override finishUtterance(): void {
    if (!this.stream || !this.dirty) {
      this.emitFinal([]);
      return;
    }
    this.clock.appendPadding(this.padding.length);
    this.stream.acceptWaveform({ samples: this.padding, sampleRate: 16_000 });
    this.decodeReady();
    this.finalize();
  }

  protected override release(): void {
    this.stream = null;
  }

  private decodeReady(): void {
    const s = this.stream!;
    let decoded = false;
    while (this.recognizer.isReady(s)) {
      this.recognizer.decode(s);
      decoded = true;
    }
    if (!decoded) return;
    const r = this.recognizer.getResult(s);
    if (r.text !== this.lastText || this.partials === 'every-chunk' || this.commitsFromPartials) {
      this.lastText = r.text;
      const words = sherpaWords(r, (t) => this.clock.toMediaSec(t));
      if (words.length > 0) this.emitPartial(words);
    }
  }

  private finalize(): void {
    const s = this.stream!;
    const r = this.recognizer.getResult(s);
    const words = sherpaWords(r, (t) => this.clock.toMediaSec(t));
    this.recognizer.reset(s);
    this.lastText = '';
    this.dirty = false;
    this.clock.forgetBefore(this.clock.engineSampleCount / 16_000);
    this.emitFinal(words);
  }
}
