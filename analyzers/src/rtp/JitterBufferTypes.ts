import type { RtpPacket } from './RtpPacket.ts';

/** Options of a {@link JitterBuffer}. */
export interface JitterBufferOptions {
  /**
   * Longest time in ms an out-of-order packet is held while waiting for the missing ones before
   * they are declared lost. Default 60 ms (3 Opus frames): long enough for typical loopback/LAN
   * reordering, short against the 100 ms window budget.
   */
  maxWaitMs?: number;
  /**
   * Ceiling of the adaptive wait, ms (≥ `maxWaitMs`; default `maxWaitMs`, i.e. a fixed wait). When
   * higher, the wait follows the reordering the stream shows: the longest time a gap took to
   * fill (or a packet declared lost arrived after its gap opened) within the last
   * `adaptWindowMs`, plus 10 ms, between `maxWaitMs` and this ceiling. On a network that does not
   * reorder it stays at `maxWaitMs`; under jitter (e.g. netem 200 ± 50 ms, up to 100 ms of
   * reordering) it grows so late packets are used instead of concealed.
   */
  adaptiveMaxWaitMs?: number;
  /** How long one observed reordering keeps the wait up, ms (default 10 000). */
  adaptWindowMs?: number;
  /**
   * Packets ahead of the next expected sequence number that can be held; a packet further ahead
   * (or more than this far behind) is treated as a sequence discontinuity and resynchronises the
   * buffer. Default 64 (1.28 s of 20 ms frames).
   */
  capacity?: number;
  /** Called with each packet, in sequence order. */
  onPacket: (packet: RtpPacket) => void;
  /** Called once per sequence number declared lost, in order, before the next packet. */
  onLost: (sequenceNumber: number) => void;
}

/** Counters of a {@link JitterBuffer}; all monotonically increasing. */
export interface JitterBufferStats {
  /** Packets emitted through `onPacket`. */
  emitted: number;
  /** Sequence numbers declared lost through `onLost`. */
  lost: number;
  /** Packets that arrived out of order and were held, then emitted. */
  reordered: number;
  /** Exact duplicates dropped (already held or recently emitted). */
  duplicates: number;
  /** Packets that arrived after their sequence number had been declared lost; dropped. */
  late: number;
  /** Sequence discontinuities (huge jumps) after which the buffer restarted. */
  resyncs: number;
}
