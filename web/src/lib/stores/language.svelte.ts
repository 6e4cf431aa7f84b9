import type { AsrStatus, CaptionEvent, DisfluencyEvent, FluencyFrame } from '@lectern/contract';
import { addFiller, applyCaption, type CaptionLine } from '#lib/captions.ts';
import { isFiller } from '#lib/transcript.ts';
import { ProducerFilter } from './producerFilter.ts';
import type { SocketStore } from './socket.svelte';

export { MAX_CAPTION_LINES, type CaptionLine } from '#lib/captions.ts';

/**
 * Live language metrics for one audio producer: captions (`captions:update`: a partial replaces the
 * current line, a final appends a line), rolling fluency (`metrics:fluency`), filler events
 * (`fluency:event` kinds `lexical-filler` / `filled-pause`, for highlighting by time span) and the
 * active speech recogniser (`asr:status`). Like {@link MetricsStore}, it follows one producer and
 * starts over when a different one is followed.
 */
export class LanguageStore {
  /** Which recogniser is active and why (`engine: 'none'`: captions off). Not per producer. */
  asr = $state.raw<AsrStatus | null>(null);
  /** Final lines, oldest first (at most {@link MAX_CAPTION_LINES}). */
  lines = $state.raw<CaptionLine[]>([]);
  /** The utterance being recognised (replaced by each partial, cleared by its final). */
  partial = $state.raw<CaptionLine | null>(null);
  /** Latest rolling fluency frame. */
  fluency = $state.raw<FluencyFrame | null>(null);
  /** Filler events (`lexical-filler`, `filled-pause`), ordered by media time. */
  fillers = $state.raw<DisfluencyEvent[]>([]);
  /** Count of each disfluency kind received (fillers, repetitions, hedges). */
  eventCounts = $state.raw<Record<string, number>>({});

  /** Caption events accepted since load (synchronous, for diagnostics). */
  captionsReceived = 0;

  #filter = new ProducerFilter(() => this.reset());
  #epoch = 0;

  get producerId(): string | null {
    return this.#filter.producerId;
  }

  /** The most recent filler by media time, or null. */
  get lastFiller(): DisfluencyEvent | null {
    return this.fillers.at(-1) ?? null;
  }

  /** Text of all final lines kept, joined by spaces. */
  get transcript(): string {
    return this.lines.map((l) => l.text).join(' ');
  }

  /** Shows only `producerId`'s captions and metrics (a new id clears them); null: first seen. */
  follow(producerId: string | null): void {
    this.#filter.follow(producerId);
  }

  /** Clears captions, fluency and fillers (keeps the ASR status, which is not per producer). */
  reset(): void {
    this.#filter.clear();
    this.#epoch = 0;
    this.lines = [];
    this.partial = null;
    this.fluency = null;
    this.fillers = [];
    this.eventCounts = {};
  }

  /** Ingests a `captions:update`. */
  pushCaption(e: CaptionEvent): void {
    if (!this.#filter.accept(e.producerId)) return;
    this.captionsReceived += 1;
    const next = applyCaption({ lines: this.lines, partial: this.partial, epoch: this.#epoch }, e);
    this.#epoch = next.epoch;
    this.lines = next.lines;
    this.partial = next.partial;
  }

  /** Ingests a `metrics:fluency` frame. */
  pushFluency(f: FluencyFrame): void {
    if (!this.#filter.accept(f.producerId)) return;
    if (this.fluency && f.mediaTimeSec < this.fluency.mediaTimeSec - 1) {
      // Media time went back: the stream restarted.
      this.fillers = [];
      this.eventCounts = {};
    }
    this.fluency = f;
  }

  /** Ingests a `fluency:event`. */
  pushDisfluency(e: DisfluencyEvent): void {
    if (!this.#filter.accept(e.producerId)) return;
    this.eventCounts = { ...this.eventCounts, [e.kind]: (this.eventCounts[e.kind] ?? 0) + 1 };
    if (isFiller(e)) this.fillers = addFiller(this.fillers, e);
  }

  /** Records an `asr:status`. */
  setAsrStatus(s: AsrStatus): void {
    this.asr = s;
  }

  /** Subscribes to `captions:update`, `metrics:fluency`, `fluency:event`, `asr:status`; returns unsubscribe. */
  attach(socket: SocketStore): () => void {
    const offs = [
      socket.on('captions:update', (e) => this.pushCaption(e)),
      socket.on('metrics:fluency', (f) => this.pushFluency(f)),
      socket.on('fluency:event', (e) => this.pushDisfluency(e)),
      socket.on('asr:status', (s) => this.setAsrStatus(s)),
    ];
    return () => offs.forEach((off) => off());
  }
}
