import { ANALYSIS_SAMPLE_RATE_HZ } from '@lectern/contract';

/** One point where engine time and media time are pinned together. */
interface Anchor {
  /** Engine sample index (samples fed to the engine since its stream began). */
  engineSample: number;
  /** Media time (s) of that sample; null for engine-only padding (silence the engine was fed). */
  mediaSec: number | null;
}

/**
 * Maps engine time (samples an engine has consumed since its stream began) to media time (the
 * `startSec` the caller stamped each chunk with). Engines count time in samples they were fed;
 * media time can jump (DTX gaps, dropped chunks) and engines can be fed padding that has no media
 * time at all (silence appended to flush a streaming model). Each discontinuity adds an anchor.
 *
 * All times in seconds; the engine rate is 16 kHz.
 */
export class MediaClock {
  private readonly anchors: Anchor[] = [];
  private engineSamples = 0;
  private expectedMediaSec: number | null = null;

  /**
   * @param toleranceSec a chunk whose start differs from the previous chunk's end by more than
   *   this starts a new anchor; default 1 ms.
   */
  constructor(private readonly toleranceSec = 0.001) {}

  /** Total samples fed to the engine so far. */
  get engineSampleCount(): number {
    return this.engineSamples;
  }

  /**
   * Gap (s) between `startSec` and the end of the previous media chunk, without recording
   * anything: 0 for the first chunk or a contiguous one (within the tolerance); negative when
   * time goes backwards.
   */
  gapTo(startSec: number): number {
    if (this.expectedMediaSec === null || Math.abs(startSec - this.expectedMediaSec) <= this.toleranceSec) return 0;
    return startSec - this.expectedMediaSec;
  }

  /**
   * Record that `n` samples stamped `startSec` are being fed to the engine.
   * @returns the gap in seconds between this chunk and the end of the previous media chunk
   *   (0 when contiguous or first; negative when time went backwards).
   */
  appendMedia(startSec: number, n: number): number {
    let gap = 0;
    if (this.expectedMediaSec === null || Math.abs(startSec - this.expectedMediaSec) > this.toleranceSec || this.lastAnchorIsPadding()) {
      if (this.expectedMediaSec !== null) gap = startSec - this.expectedMediaSec;
      this.anchors.push({ engineSample: this.engineSamples, mediaSec: startSec });
    }
    this.engineSamples += n;
    this.expectedMediaSec = startSec + n / ANALYSIS_SAMPLE_RATE_HZ;
    return gap;
  }

  /** Record that `n` samples of padding (no media time) are being fed to the engine. */
  appendPadding(n: number): void {
    if (!this.lastAnchorIsPadding()) this.anchors.push({ engineSample: this.engineSamples, mediaSec: null });
    this.engineSamples += n;
  }

  /**
   * Media time of an engine time.
   * @param engineSec seconds since the engine stream began (engine sample index / 16000).
   * @returns media seconds (≥ 0). Inside padding, the media time where the padding began; before
   *   the first chunk, 0.
   */
  toMediaSec(engineSec: number): number {
    const sample = engineSec * ANALYSIS_SAMPLE_RATE_HZ;
    for (let i = this.anchors.length - 1; i >= 0; i--) {
      const a = this.anchors[i]!;
      if (a.engineSample > sample && i > 0) continue;
      if (a.mediaSec !== null) {
        return Math.max(0, a.mediaSec + (sample - a.engineSample) / ANALYSIS_SAMPLE_RATE_HZ);
      }
      // Inside padding: pin to the media end of the previous anchor segment.
      const prev = this.anchors[i - 1];
      if (!prev || prev.mediaSec === null) return 0;
      return Math.max(0, prev.mediaSec + (a.engineSample - prev.engineSample) / ANALYSIS_SAMPLE_RATE_HZ);
    }
    return 0;
  }

  /**
   * Drop anchors no longer needed for times ≥ `engineSec` (keeps the anchor covering it), so the
   * list stays short on long streams.
   */
  forgetBefore(engineSec: number): void {
    const sample = engineSec * ANALYSIS_SAMPLE_RATE_HZ;
    let keepFrom = 0;
    for (let i = 0; i < this.anchors.length; i++) {
      if (this.anchors[i]!.engineSample <= sample) keepFrom = i;
    }
    // Keep one anchor before a padding anchor so padding can still be resolved.
    if (keepFrom > 0 && this.anchors[keepFrom]!.mediaSec === null) keepFrom -= 1;
    if (keepFrom > 0) this.anchors.splice(0, keepFrom);
  }

  private lastAnchorIsPadding(): boolean {
    const last = this.anchors[this.anchors.length - 1];
    return last !== undefined && last.mediaSec === null;
  }
}
