import type { CaptionEvent } from '@lectern/contract';
import type { AsrHypothesis } from './AsrEngine.ts';

/**
 * Wrap a hypothesis as the contract's `captions:update` payload.
 * @param h the hypothesis from an {@link AsrStream}.
 * @param roomId room of the producer.
 * @param producerId mediasoup producer id of the audio track.
 * @param serverTimeMs server wall clock (Unix ms) when emitted; default now.
 */
export function toCaptionEvent(h: AsrHypothesis, roomId: string, producerId: string, serverTimeMs = Date.now()): CaptionEvent {
  return { roomId, producerId, kind: h.kind, segmentId: h.segmentId, text: h.text, words: h.words, committedWords: h.committedWords, engine: h.engine, serverTimeMs };
}
