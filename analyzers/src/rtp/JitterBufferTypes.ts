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
