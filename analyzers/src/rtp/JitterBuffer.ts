import type { RtpPacket } from './RtpPacket.ts';
import { seqAdd, seqDelta } from './sequence.ts';
import type { JitterBufferOptions, JitterBufferStats } from './JitterBufferTypes.ts';

interface HeldPacket {
  packet: RtpPacket;
  arrivalMs: number;
}

/**
 * Reorders RTP packets by 16-bit sequence number (RFC 3550 §A.1 serial arithmetic) with zero
 * added delay for in-order arrival: a packet with the next expected sequence number is emitted
 * at once. A packet that arrives ahead of a gap is held until the gap fills or until the oldest
 * held packet has waited `maxWaitMs`, after which the missing sequence numbers are declared lost
 * (`onLost`, one call each) and the held packets follow in order.
 *
 * Duplicates are dropped (counted); a packet whose sequence number was already declared lost is
 * dropped as late; a jump of `capacity` or more packets in either direction (sender restart,
 * SSRC-preserving discontinuity) resynchronises: held packets are flushed, then the new packet
 * starts a fresh sequence. Storage is a preallocated slot array; no allocation per packet.
 *
 * The wait is fixed (`maxWaitMs`) unless `adaptiveMaxWaitMs` is higher: then it follows the
 * reordering the stream shows (see {@link JitterBufferOptions.adaptiveMaxWaitMs}), so jitter of
 * ±50 ms does not turn every packet more than 60 ms out of order into a concealed loss.
 *
 * Time is passed in by the caller (`nowMs`, any monotonic ms clock), so the buffer is
 * deterministic under test; call {@link JitterBuffer.tick} periodically (e.g. every 10–20 ms) so
 * a gap is resolved even when no further packets arrive.
 */
export class JitterBuffer {
  private readonly maxWaitMs: number;
  private readonly adaptiveMaxWaitMs: number;
  private readonly adaptWindowMs: number;
  /** Current wait, ms (`maxWaitMs` … `adaptiveMaxWaitMs`). */
  private waitMs: number;
  /** Observed reorder depths (ms) with their time, oldest first, within `adaptWindowMs`. */
  private readonly needs: { atMs: number; needMs: number }[] = [];
  /** When each slot's sequence number was declared lost, minus the wait then (≈ when its gap opened). */
  private readonly lostGapStartMs: Float64Array;
  private readonly capacity: number;
  private readonly onPacket: (packet: RtpPacket) => void;
  private readonly onLost: (sequenceNumber: number) => void;
  private readonly held: (HeldPacket | null)[];
  /** Sequence number last emitted in each slot, to tell duplicates from late packets; -1 = none. */
  private readonly recent: Int32Array;
  private heldCount = 0;
  private nextSeq: number | null = null;
  private readonly counters: JitterBufferStats = {
    emitted: 0,
    lost: 0,
    reordered: 0,
    duplicates: 0,
    late: 0,
    resyncs: 0,
  };

  /**
   * @param options see {@link JitterBufferOptions}.
   * @throws RangeError when `maxWaitMs` < 0 or `capacity` is not an integer in 2–32768.
   */
  constructor(options: JitterBufferOptions) {
    this.maxWaitMs = options.maxWaitMs ?? 60;
    this.capacity = options.capacity ?? 64;
    if (!(this.maxWaitMs >= 0)) throw new RangeError(`maxWaitMs must be ≥ 0, got ${this.maxWaitMs}`);
    if (!Number.isInteger(this.capacity) || this.capacity < 2 || this.capacity > 32768) {
      throw new RangeError(`capacity must be an integer in 2–32768, got ${this.capacity}`);
    }
    this.adaptiveMaxWaitMs = options.adaptiveMaxWaitMs ?? this.maxWaitMs;
    this.adaptWindowMs = options.adaptWindowMs ?? 10_000;
    if (!(this.adaptiveMaxWaitMs >= this.maxWaitMs)) throw new RangeError(`adaptiveMaxWaitMs must be ≥ maxWaitMs (${this.maxWaitMs}), got ${this.adaptiveMaxWaitMs}`);
    if (!(this.adaptWindowMs > 0)) throw new RangeError(`adaptWindowMs must be > 0, got ${this.adaptWindowMs}`);
    this.waitMs = this.maxWaitMs;
    this.lostGapStartMs = new Float64Array(this.capacity).fill(Number.NaN);
    this.onPacket = options.onPacket;
    this.onLost = options.onLost;
    this.held = new Array<HeldPacket | null>(this.capacity).fill(null);
    this.recent = new Int32Array(this.capacity).fill(-1);
  }

  /** Counters since construction (a snapshot copy). */
  get stats(): JitterBufferStats {
    return { ...this.counters };
  }

  /** Current wait before a gap is declared lost, ms (fixed, or adapted: see the class comment). */
  get currentWaitMs(): number {
    return this.waitMs;
  }

  /** Number of packets currently held waiting for a gap to fill (0 – capacity−1). */
  get heldPackets(): number {
    return this.heldCount;
  }

  /**
   * Accepts one packet. Emits synchronously through the callbacks: the packet itself when it is
   * next in sequence (followed by any held packets it unblocks), or any packets/losses whose wait
   * expired at `nowMs`.
   * @param packet a parsed RTP packet of this stream (caller filters SSRC/payload type).
   * @param nowMs arrival time in ms on the caller's monotonic clock.
   */
  push(packet: RtpPacket, nowMs: number): void {
    const seq = packet.sequenceNumber;
    if (this.nextSeq === null) {
      this.emit(packet);
      return;
    }
    const d = seqDelta(seq, this.nextSeq);
    if (d === 0) {
      // A gap filled: how long its held packets had waited is the reordering this stream shows.
      if (this.heldCount > 0) this.observe(nowMs, nowMs - this.oldestArrivalMs());
      this.emit(packet);
      this.drain();
    } else if (d < 0) {
      if (-d < this.capacity) {
        if (this.recent[seq % this.capacity] === seq) this.counters.duplicates++;
        else {
          this.counters.late++;
          // Declared lost too early: it needed (now − when its gap opened) of waiting.
          const opened = this.lostGapStartMs[seq % this.capacity]!;
          if (!Number.isNaN(opened)) this.observe(nowMs, nowMs - opened);
        }
      } else {
        this.resync(packet);
      }
    } else if (d >= this.capacity) {
      this.resync(packet);
    } else {
      const slot = seq % this.capacity;
      if (this.held[slot] !== null) {
        this.counters.duplicates++;
      } else {
        this.held[slot] = { packet, arrivalMs: nowMs };
        this.heldCount++;
      }
    }
    this.expire(nowMs);
  }

  /**
   * Declares lost whatever has waited `maxWaitMs` or longer at `nowMs` and emits what that
   * unblocks. Call from a periodic timer.
   * @param nowMs current time in ms on the same clock as {@link JitterBuffer.push}.
   */
  tick(nowMs: number): void {
    this.expire(nowMs);
  }

  /** Emits every held packet in order (gaps declared lost), e.g. when the stream stops. */
  flush(): void {
    while (this.heldCount > 0) this.skipToNextHeld();
  }

  private emit(packet: RtpPacket): void {
    const seq = packet.sequenceNumber;
    this.recent[seq % this.capacity] = seq;
    this.nextSeq = seqAdd(seq, 1);
    this.counters.emitted++;
    this.onPacket(packet);
  }

  private drain(): void {
    while (this.heldCount > 0) {
      const slot = this.nextSeq! % this.capacity;
      const entry = this.held[slot];
      if (entry === null || entry === undefined || entry.packet.sequenceNumber !== this.nextSeq) return;
      this.held[slot] = null;
      this.heldCount--;
      this.counters.reordered++;
      this.emit(entry.packet);
    }
  }

  /** Declares lost every sequence number before the first held packet, then drains. */
  private skipToNextHeld(nowMs = Number.NaN): void {
    while (this.held[this.nextSeq! % this.capacity] === null) {
      const lostSeq = this.nextSeq!;
      this.lostGapStartMs[lostSeq % this.capacity] = nowMs - this.waitMs;
      this.nextSeq = seqAdd(lostSeq, 1);
      this.counters.lost++;
      this.onLost(lostSeq);
    }
    this.drain();
  }

  private expire(nowMs: number): void {
    this.decay(nowMs);
    while (this.heldCount > 0 && nowMs - this.oldestArrivalMs() >= this.waitMs) {
      this.skipToNextHeld(nowMs);
    }
  }

  /** Records one observed reorder depth and raises the wait to cover it (when adaptive). */
  private observe(nowMs: number, needMs: number): void {
    if (this.adaptiveMaxWaitMs === this.maxWaitMs || !(needMs > 0)) return;
    if (this.needs.length >= 256) this.needs.shift();
    this.needs.push({ atMs: nowMs, needMs });
    this.updateWait();
  }

  /** Forgets observations older than `adaptWindowMs`, lowering the wait again. */
  private decay(nowMs: number): void {
    if (this.needs.length === 0 || nowMs - this.needs[0]!.atMs <= this.adaptWindowMs) return;
    while (this.needs.length > 0 && nowMs - this.needs[0]!.atMs > this.adaptWindowMs) this.needs.shift();
    this.updateWait();
  }

  private updateWait(): void {
    let need = 0;
    for (const n of this.needs) if (n.needMs > need) need = n.needMs;
    this.waitMs = this.needs.length === 0 ? this.maxWaitMs : Math.min(this.adaptiveMaxWaitMs, Math.max(this.maxWaitMs, need + 10));
  }

  private oldestArrivalMs(): number {
    let oldest = Infinity;
    for (const entry of this.held) if (entry !== null && entry.arrivalMs < oldest) oldest = entry.arrivalMs;
    return oldest;
  }

  private resync(packet: RtpPacket): void {
    this.flush();
    this.counters.resyncs++;
    this.emit(packet);
  }
}
