import type { AsrStatus, CaptionEvent, CaptionWord, DisfluencyEvent, FluencyFrame } from '@lectern/contract';
import { isFiller } from '#lib/transcript.ts';
import type { SocketStore } from './socket.svelte';

/** Final caption lines kept (the strip scrolls through them). */
export const MAX_CAPTION_LINES = 40;
/** Filler events kept for highlighting (older ones belong to lines already dropped). */
const MAX_FILLERS = 400;

/** One caption line: a final (fixed) utterance or the current partial. */
export interface CaptionLine {
  /** Bumped when the recogniser restarts (segment ids start again at 0); with segmentId, a unique key. */
  epoch: number;
  segmentId: number;
  kind: 'partial' | 'final';
  text: string;
  words: CaptionWord[];
  engine: string;
  /** Media time of the first word (null when the engine sent no word times). */
  startSec: number | null;
  endSec: number | null;
}

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

  #producerId: string | null = null;
  #following = false;
  #epoch = 0;

  get producerId(): string | null {
    return this.#producerId;
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
    this.#following = producerId !== null;
    if (producerId !== null && producerId !== this.#producerId) {
      this.reset();
      this.#producerId = producerId;
    }
  }

  /** Clears captions, fluency and fillers (keeps the ASR status, which is not per producer). */
  reset(): void {
    this.#producerId = null;
    this.#epoch = 0;
    this.lines = [];
    this.partial = null;
    this.fluency = null;
    this.fillers = [];
    this.eventCounts = {};
  }

  #accept(producerId: string): boolean {
    if (this.#producerId === producerId) return true;
    if (this.#following) return false;
    this.reset();
    this.#producerId = producerId;
    return true;
  }

  /** Ingests a `captions:update`. */
  pushCaption(e: CaptionEvent): void {
    if (!this.#accept(e.producerId)) return;
    this.captionsReceived += 1;
    const lastFinal = this.lines.at(-1);
    // Segment ids only grow within a recogniser stream; a lower one means it restarted.
    if (lastFinal && lastFinal.epoch === this.#epoch && e.segmentId < lastFinal.segmentId) this.#epoch += 1;
    const line: CaptionLine = {
      epoch: this.#epoch,
      segmentId: e.segmentId,
      kind: e.kind,
      text: e.text.trim(),
      words: e.words,
      engine: e.engine,
      startSec: e.words[0]?.startSec ?? null,
      endSec: e.words.at(-1)?.endSec ?? null,
    };
    const sameAsLast = lastFinal != null && lastFinal.epoch === line.epoch && lastFinal.segmentId === e.segmentId;
    if (e.kind === 'partial') {
      // A partial of the segment that is already final (arrived after it): ignore it.
      if (sameAsLast) return;
      this.partial = line.text ? line : null;
      return;
    }
    this.partial = null;
    if (!line.text) return;
    // A repeated final of the same segment replaces it; otherwise the line is appended.
    const kept = sameAsLast ? this.lines.slice(0, -1) : this.lines.slice();
    kept.push(line);
    this.lines = kept.slice(-MAX_CAPTION_LINES);
  }

  /** Ingests a `metrics:fluency` frame. */
  pushFluency(f: FluencyFrame): void {
    if (!this.#accept(f.producerId)) return;
    if (this.fluency && f.mediaTimeSec < this.fluency.mediaTimeSec - 1) {
      // Media time went back: the stream restarted.
      this.fillers = [];
      this.eventCounts = {};
    }
    this.fluency = f;
  }

  /** Ingests a `fluency:event`. */
  pushDisfluency(e: DisfluencyEvent): void {
    if (!this.#accept(e.producerId)) return;
    this.eventCounts = { ...this.eventCounts, [e.kind]: (this.eventCounts[e.kind] ?? 0) + 1 };
    if (!isFiller(e)) return;
    const next = [...this.fillers, e];
    // Events usually arrive in order; the filled-pause detector may report slightly late.
    if (next.length > 1 && next.at(-2)!.startSec > e.startSec) next.sort((a, b) => a.startSec - b.startSec);
    this.fillers = next.slice(-MAX_FILLERS);
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
