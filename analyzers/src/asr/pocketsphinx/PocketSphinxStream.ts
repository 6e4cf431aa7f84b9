import type { CaptionWord } from '@lectern/contract';
import type { AsrStreamOptions } from '../AsrEngine.ts';
import { AsrStreamBase } from '../AsrStreamBase.ts';
import type { NativePointer, PocketSphinxLibrary } from './PocketSphinxLibrary.ts';

/** PocketSphinx frame rate: one feature frame per 10 ms. */
const FRAMES_PER_SEC = 100;
/** Default {@link AsrStreamOptions.decodeIntervalSec} (s): see there for the measurement. */
export const DEFAULT_DECODE_INTERVAL_SEC = 0.3;

/**
 * One PocketSphinx decoder fed incrementally. Pushed audio is converted to int16 at once and decoded
 * in batches of `decodeIntervalSec` (default 0.3 s: three 100 ms windows per decoder call, so a
 * third of the per-call cold-start cost; partials then arrive about as often as sherpa-onnx's, one
 * per 320 ms model chunk). Partials come from `ps_get_hyp` after every decoded batch
 * (emitted when the text changes; with the `stable` commit policy every batch counts a pass, see
 * {@link AsrStreamOptions.commit}); word times from `ps_seg_iter`/`ps_seg_frames`, which count
 * 10 ms frames since `ps_start_stream` (measured: they stay aligned with the audio across
 * utterances, including the silence the decoder's VAD drops between them), mapped to media time
 * by the {@link MediaClock}.
 *
 * Utterances end when the decoder's own VAD (`ps_get_in_speech`, 0.5 s of trailing silence by
 * default) goes from speech to silence (`engine` segmentation), on `endUtterance()`, on a media
 * gap ≥ 0.5 s, or after `maxUtteranceSec`.
 */
export class PocketSphinxStream extends AsrStreamBase {
  /** int16 audio pushed but not decoded yet (the first `pendingLength` samples). */
  private pcm = new Int16Array(0);
  private pendingLength = 0;
  private readonly decodeIntervalSamples: number;
  private sawSpeech = false;
  private lastHyp: string | null = null;
  /** Words of `lastHyp` (reused when a pass leaves the hypothesis unchanged). */
  private lastWords: CaptionWord[] = [];
  /** Engine time (s) at which the current utterance started; earlier frames are clamped to it. */
  private uttStartEngineSec = 0;
  /**
   * Frame (as `ps_seg_frames` reports it) of the first segment of the utterance's first
   * segmentation, or null before one: the origin the utterance's frames are counted from (see
   * {@link words}).
   */
  private uttOriginFrame: number | null = null;
  private decoder: NativePointer;

  /**
   * Created by {@link PocketSphinxEngine.createStream}; takes ownership of `decoder`.
   * @param lib the native binding.
   * @param decoder a `ps_decoder_t*` from `ps_init`.
   * @param options stream options.
   */
  constructor(private readonly lib: PocketSphinxLibrary, decoder: NativePointer, options: AsrStreamOptions = {}) {
    super('pocketsphinx', options);
    const interval = options.decodeIntervalSec ?? (this.partials === 'every-chunk' ? 0 : DEFAULT_DECODE_INTERVAL_SEC);
    if (!(interval >= 0 && interval <= 2)) {
      lib.ps_free(decoder);
      throw new RangeError(`decodeIntervalSec must be within 0–2 s, got ${interval}`);
    }
    this.decodeIntervalSamples = Math.round(interval * 16_000);
    this.decoder = decoder;
    if (lib.ps_start_stream(decoder) < 0 || lib.ps_start_utt(decoder) < 0) {
      lib.ps_free(decoder);
      throw new Error('PocketSphinx could not start an utterance');
    }
  }

  protected override decodeChunk(samples: Float32Array): void {
    const n = samples.length;
    if (this.pcm.length < this.pendingLength + n) {
      const grown = new Int16Array(Math.max(this.pendingLength + n, this.decodeIntervalSamples + n, 2 * this.pcm.length));
      grown.set(this.pcm.subarray(0, this.pendingLength));
      this.pcm = grown;
    }
    const pcm = this.pcm;
    const o = this.pendingLength;
    for (let i = 0; i < n; i++) {
      const v = samples[i]!;
      pcm[o + i] = v >= 1 ? 32767 : v <= -1 ? -32768 : Math.round(v * 32767);
    }
    this.pendingLength += n;
    if (this.pendingLength >= this.decodeIntervalSamples) this.decodePending(true);
  }

  /**
   * Feeds the buffered audio to the decoder. With `live`, also applies engine segmentation (ends
   * the utterance when the decoder's VAD went from speech to silence) and emits a partial.
   */
  private decodePending(live: boolean): void {
    const n = this.pendingLength;
    if (n === 0) return;
    this.pendingLength = 0;
    if (this.lib.ps_process_raw(this.decoder, this.pcm, n, 0, 0) < 0) {
      this.emit('error', new Error('ps_process_raw failed'));
      return;
    }
    if (!live) return;
    const inSpeech = this.lib.ps_get_in_speech(this.decoder) !== 0;
    if (inSpeech) this.sawSpeech = true;
    else if (this.sawSpeech && this.segmentation === 'engine') {
      this.finishUtterance();
      return;
    }
    // Shedding: ps_get_hyp and the segmentation walk are the partial's cost (it grows with the
    // utterance's length); skip both. `lastHyp` is kept, so the first partial after resuming is
    // emitted whenever the text differs from the last one sent.
    if (!this.partialsEnabled) return;
    const hyp = this.lib.ps_get_hyp(this.decoder, [0]);
    if (!hyp) return;
    if (hyp !== this.lastHyp || this.partials === 'every-chunk') {
      this.lastHyp = hyp;
      this.lastWords = this.words();
      this.emitPartial(this.lastWords);
    } else if (this.commitsFromPartials) {
      // Same hypothesis as the previous pass: one more pass of stability for its words.
      this.emitPartial(this.lastWords);
    }
  }

  protected override finishUtterance(): void {
    if (this.isClosed) return;
    this.decodePending(false);
    this.lib.ps_end_utt(this.decoder);
    const words = this.words();
    this.lib.ps_start_utt(this.decoder);
    this.uttStartEngineSec = this.clock.engineSampleCount / 16_000;
    this.uttOriginFrame = null;
    this.sawSpeech = false;
    this.lastHyp = null;
    this.lastWords = [];
    this.clock.forgetBefore(this.clock.engineSampleCount / 16_000);
    this.emitFinal(words);
  }

  protected override release(): void {
    this.lib.ps_free(this.decoder);
    this.decoder = null;
  }

  /**
   * Words of the current best path, fillers and silences removed, alternates (`the(2)`) folded.
   *
   * `ps_seg_frames` reports a segment's search frame plus the decoder's stream offset, and
   * PocketSphinx 0.8+5prealpha moves that offset to the start of each speech run its VAD
   * detects: when its VAD goes to silence and back inside one utterance (a quiet passage or a
   * short gap the caller's VAD did not end the utterance at — `external` segmentation), every
   * frame of the utterance, old words included, jumps forward by the utterance's length so far
   * (measured on the 1.4× speech fixture: +7.27 s, words dated up to 7 s after the audio fed; with
   * the stable commit policy the same words were then appended again after the committed ones —
   * 26 words twice, a live pace of 324 WPM for 241 WPM of speech). The first segment of a
   * segmentation is at search frame 0, so its reported frame is the offset: frames are counted
   * from the offset of the utterance's first segmentation. Frames the VAD dropped inside the
   * utterance are then missing from the times after them (words sit up to that silence early).
   */
  private words(): CaptionWord[] {
    const out: CaptionWord[] = [];
    const sf = [0];
    const ef = [0];
    let shift: number | null = null;
    for (let seg = this.lib.ps_seg_iter(this.decoder); seg; seg = this.lib.ps_seg_next(seg)) {
      this.lib.ps_seg_frames(seg, sf, ef);
      if (shift === null) {
        this.uttOriginFrame ??= sf[0]!;
        shift = Math.max(0, sf[0]! - this.uttOriginFrame);
      }
      const raw = this.lib.ps_seg_word(seg);
      if (!raw || raw.startsWith('<') || raw.startsWith('[')) continue;
      const word = raw.replace(/\(\d+\)$/, '');
      // An utterance ended mid-speech restarts with the VAD's pre-speech frames, which can date
      // the first word slightly before the utterance began: clamp to the utterance start.
      const startSec = this.clock.toMediaSec(Math.max(this.uttStartEngineSec, (sf[0]! - shift) / FRAMES_PER_SEC));
      const endSec = Math.max(startSec, this.clock.toMediaSec(Math.max(this.uttStartEngineSec, (ef[0]! - shift + 1) / FRAMES_PER_SEC)));
      out.push({ word, startSec, endSec, confidence: null });
    }
    return out;
  }
}
