import { SeededRandom } from '../src/scoring/SeededRandom.ts';
import type { ScoringBodyWindow, ScoringInput, ScoringPause, ScoringVoiceWindow, ScoringWord } from '../src/scoring/RubricTypes.ts';

/** Parameters of {@link syntheticSession}; defaults give a well-delivered talk. */
export interface SyntheticSessionOptions {
  /** Length, seconds; default 60. */
  durationSec?: number;
  /** Words per minute, or a function of the 10 s block index (0, 1, …); default 150. */
  wpm?: number | ((block: number) => number);
  /** Fillers per minute, evenly spaced; default 0. */
  fillersPerMin?: number;
  /** SD of F0 in semitones around 150 Hz (Gaussian draws per voiced window); default 4. */
  f0SdSt?: number;
  /** Mean speech level dBFS and its SD (Gaussian per window); default −25, 5. */
  levelDbfs?: number;
  levelSdDb?: number;
  /** A pause of `pauseLenSec` (default 0.7) every `pauseEverySec` (default 6) seconds. */
  pauseEverySec?: number;
  pauseLenSec?: number;
  /** Body samples every 0.2 s with these values, or none (default). */
  body?: Omit<ScoringBodyWindow, 'mediaTimeSec'> | null;
  /** PRNG seed for the Gaussian draws; default 7. */
  seed?: number;
}

/** Standard normal draw (Box–Muller). */
function gauss(rng: SeededRandom): number {
  const u = Math.max(1e-12, rng.next());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/**
 * Builds a constructed session with known pace, filler rate, pauses, pitch SD and level for
 * rubric tests: words every 60/wpm s (0.25 s long), voice windows every 100 ms (speech with F0
 * except inside pauses), pauses at fixed intervals, optional constant body metrics.
 */
export function syntheticSession(o: SyntheticSessionOptions = {}): ScoringInput {
  const durationSec = o.durationSec ?? 60;
  const wpmAt = typeof o.wpm === 'function' ? o.wpm : () => (o.wpm as number | undefined) ?? 150;
  const rng = new SeededRandom(o.seed ?? 7);
  const words: ScoringWord[] = [];
  for (let t = 0.05; t + 0.25 <= durationSec; ) {
    words.push({ startSec: t, endSec: t + 0.25, word: 'word' });
    t += 60 / wpmAt(Math.floor(t / 10));
  }
  const fillers = [];
  const fpm = o.fillersPerMin ?? 0;
  if (fpm > 0) for (let t = 30 / fpm; t < durationSec; t += 60 / fpm) fillers.push({ startSec: t, endSec: t + 0.3, word: 'um' });
  const every = o.pauseEverySec ?? 6;
  const len = o.pauseLenSec ?? 0.7;
  const pauses: ScoringPause[] = [];
  for (let t = every; t + len < durationSec; t += every) pauses.push({ startSec: t, endSec: t + len });
  const inPause = (t: number): boolean => pauses.some((p) => t >= p.startSec && t < p.endSec);
  const voice: ScoringVoiceWindow[] = [];
  const sd = o.f0SdSt ?? 4;
  for (let i = 0; i * 0.1 < durationSec; i++) {
    const t = i * 0.1;
    const speech = !inPause(t);
    voice.push({
      mediaTimeSec: t,
      levelDbfs: speech ? Math.min(0, (o.levelDbfs ?? -25) + (o.levelSdDb ?? 5) * gauss(rng)) : -70,
      f0Hz: speech ? 150 * 2 ** ((sd * gauss(rng)) / 12) : null,
      isSpeech: speech,
      pauseSec: 0,
    });
  }
  const body = o.body
    ? Array.from({ length: Math.floor(durationSec / 0.2) }, (_, i) => ({ mediaTimeSec: i * 0.2, ...o.body! }))
    : null;
  return { durationSec, voice, pauses, words, fillers, body };
}
