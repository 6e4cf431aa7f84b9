import { MIN_PAUSE_SEC } from '@lectern/contract';
import type { FinishedPause, PauseTrackerOptions } from './PauseTrackerTypes.ts';

/**
 * Speech/non-speech state machine over VAD chunk probabilities, with the hysteresis of Silero's
 * `get_speech_timestamps` (github.com/snakers4/silero-vad, utils_vad.py): speech starts at the
 * first chunk with p ≥ threshold (0.5); a chunk with p < negThreshold (0.35) marks a candidate
 * end, which is confirmed once `minSilenceSec` has passed without a chunk ≥ threshold (a
 * chunk ≥ threshold cancels it; probabilities in between neither start nor cancel anything).
 * The end of speech is then dated back to the candidate.
 *
 * A pause is the silence between the end of one speech stretch and the start of the next;
 * it is reported when speech resumes and lasts at least `minPauseSec` (MIN_PAUSE_SEC = 0.25 s,
 * Goldman-Eisler 1968). Silence before the first speech is not a pause.
 *
 * Times are media seconds; chunks must be fed in time order.
 */
export class PauseTracker {
  private readonly threshold: number;
  private readonly negThreshold: number;
  private readonly minSilenceSec: number;
  private readonly minPauseSec: number;
  private triggered = false;
  private speechStartSec = 0;
  private candidateEndSec: number | null = null;
  private lastSpeechEndSec: number | null = null;
  private closedSpeechSec = 0;

  /**
   * @param options see {@link PauseTrackerOptions}.
   * @throws RangeError unless 0 < negThreshold ≤ threshold ≤ 1 and the durations are ≥ 0.
   */
  constructor(options: PauseTrackerOptions = {}) {
    this.threshold = options.threshold ?? 0.5;
    this.negThreshold = options.negThreshold ?? Math.max(this.threshold - 0.15, 0.01);
    this.minSilenceSec = options.minSilenceSec ?? 0.15;
    this.minPauseSec = options.minPauseSec ?? MIN_PAUSE_SEC;
    if (!(this.negThreshold > 0 && this.negThreshold <= this.threshold && this.threshold <= 1)) {
      throw new RangeError(`need 0 < negThreshold ≤ threshold ≤ 1, got ${this.negThreshold}, ${this.threshold}`);
    }
    if (!(this.minSilenceSec >= 0 && this.minPauseSec >= 0)) throw new RangeError('durations must be ≥ 0');
  }

  /** Whether the state machine is in speech (including a not yet confirmed candidate end). */
  get isSpeech(): boolean {
    return this.triggered;
  }

  /**
   * Feeds one VAD chunk.
   * @param prob speech probability 0–1.
   * @param startSec media time of the chunk's first sample (s).
   * @param endSec media time just after the chunk's last sample (s), > startSec.
   * @returns the pause that ended at this chunk (speech resumed after ≥ minPauseSec), else null.
   */
  update(prob: number, startSec: number, endSec: number): FinishedPause | null {
    if (prob >= this.threshold) {
      this.candidateEndSec = null;
      if (!this.triggered) {
        this.triggered = true;
        this.speechStartSec = startSec;
        const pauseStart = this.lastSpeechEndSec;
        if (pauseStart !== null && startSec - pauseStart >= this.minPauseSec) {
          return { startSec: pauseStart, endSec: startSec, durationSec: startSec - pauseStart };
        }
      }
      return null;
    }
    if (this.triggered && prob < this.negThreshold) {
      if (this.candidateEndSec === null) this.candidateEndSec = startSec;
      if (endSec - this.candidateEndSec >= this.minSilenceSec) {
        this.triggered = false;
        this.closedSpeechSec += Math.max(0, this.candidateEndSec - this.speechStartSec);
        this.lastSpeechEndSec = this.candidateEndSec;
        this.candidateEndSec = null;
      }
    }
    return null;
  }

  /**
   * Length of the current pause at `nowSec`: time since speech ended, 0 while in speech and
   * before the first speech.
   * @param nowSec current media time (s), e.g. the end of the last analysed window.
   */
  currentPauseSec(nowSec: number): number {
    if (this.triggered || this.lastSpeechEndSec === null) return 0;
    return Math.max(0, nowSec - this.lastSpeechEndSec);
  }

  /**
   * Speech time / elapsed time since the origin, 0–1.
   * @param nowSec elapsed media time (s), e.g. the end of the last analysed window.
   */
  speakingRatio(nowSec: number): number {
    if (!(nowSec > 0)) return 0;
    const open = this.triggered ? Math.max(0, nowSec - this.speechStartSec) : 0;
    return Math.min(1, Math.max(0, (this.closedSpeechSec + open) / nowSec));
  }
}
