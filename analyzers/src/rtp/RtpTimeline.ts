/**
 * Maps 32-bit RTP timestamps onto an analysis-rate sample timeline that starts at the stream's
 * first packet. Unwraps the 32-bit timestamp (RFC 3550 §5.1: it wraps at 2³², every 24.9 h at
 * 48 kHz) using the signed distance to the last seen timestamp, so reordered packets across the
 * wrap map correctly.
 */
export class RtpTimeline {
  private readonly ratio: number;
  private firstExtended: number | null = null;
  private lastExtended = 0;

  /**
   * @param clockRate RTP clock rate in Hz (48000 for Opus, RFC 7587 §4.1).
   * @param sampleRate analysis sample rate in Hz (16000, ANALYSIS_SAMPLE_RATE_HZ).
   * @param originRtpTimestamp optional 32-bit RTP timestamp of position 0 (to resume a stream on
   *   an existing timeline); by default the first packet defines it.
   * @throws RangeError when either rate is not a positive finite number.
   */
  constructor(clockRate: number, sampleRate: number, originRtpTimestamp?: number) {
    if (!(clockRate > 0) || !Number.isFinite(clockRate)) throw new RangeError(`bad clockRate ${clockRate}`);
    if (!(sampleRate > 0) || !Number.isFinite(sampleRate)) throw new RangeError(`bad sampleRate ${sampleRate}`);
    this.ratio = sampleRate / clockRate;
    if (originRtpTimestamp !== undefined) {
      this.firstExtended = originRtpTimestamp;
      this.lastExtended = originRtpTimestamp;
    }
  }

  /** The RTP timestamp at position 0, or null before the first packet. */
  get originRtpTimestamp(): number | null {
    return this.firstExtended === null ? null : this.firstExtended % 0x1_0000_0000;
  }

  /** Whether a first timestamp has been seen (the timeline's origin is fixed). */
  get started(): boolean {
    return this.firstExtended !== null;
  }

  /**
   * Converts an RTP timestamp to a sample position on the analysis timeline.
   * The first call defines position 0.
   * @param rtpTimestamp 32-bit RTP timestamp, 0–2³²−1.
   * @returns sample index at the analysis rate, rounded to the nearest integer; negative for a
   *   packet older than the first one (reordered before it).
   */
  toSamplePosition(rtpTimestamp: number): number {
    if (this.firstExtended === null) {
      this.firstExtended = rtpTimestamp;
      this.lastExtended = rtpTimestamp;
      return 0;
    }
    const delta = (rtpTimestamp - (this.lastExtended % 0x1_0000_0000)) | 0; // signed 32-bit distance
    const extended = this.lastExtended + delta;
    if (delta > 0) this.lastExtended = extended;
    return Math.round((extended - this.firstExtended) * this.ratio);
  }

  /** Forgets the origin; the next timestamp becomes position 0 again. */
  reset(): void {
    this.firstExtended = null;
    this.lastExtended = 0;
  }
}
