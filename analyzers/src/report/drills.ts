import { SUBSCORE_KEYS, type RubricResult, type SubscoreKey } from '../scoring/RubricTypes.ts';
import type { Drill, DrillKind } from './ReportTypes.ts';
import { TIP_THRESHOLD } from './tips.ts';

/**
 * Practice passages (written for Lectern, Apache-2.0 like the code). Plain text; the drills add
 * their own markup (`*stress*`, ` / ` pause marks).
 */
const PACING_PASSAGE =
  'Good morning, everyone. Today I want to show you three changes that cut our release time in half. ' +
  'First, we test every change the moment it is written. Second, we ship small pieces every day instead ' +
  'of large ones every month. Third, we measure what our users actually do, and we let that decide what ' +
  'we build next. None of this needs new tools. It needs a team that agrees to try it for four weeks.';

/** Pauses drill: ` / ` marks a pause after each idea. */
const PAUSES_PASSAGE =
  'Last year we missed every deadline. / Not because we worked too little, / but because we worked on too ' +
  'much at once. / So we stopped. / We picked one goal, / we finished it, / and only then did we pick the next. / ' +
  'That is the whole method. / It is simple. / It is not easy.';

/** Pitch-variety drill: `*word*` = stress (raise pitch and loudness on it). */
const PITCH_PASSAGE =
  'This is not a *small* problem. Every *single* customer we lost last quarter told us the *same* thing: ' +
  'the product was *slow*. Not broken. Not expensive. *Slow*. And the fix, it turns out, took *two* weeks.';

/** Read-aloud accuracy drill target sentences (each read once, recognised, aligned). */
export const READ_ALOUD_SENTENCES: readonly string[] = [
  'the quick results came from small changes made every single day',
  'we measured what people actually did and then decided what to build',
  'clear speech means every word arrives at the back of the room',
];

const FILLER_TOPICS = [
  'the last project you finished',
  'a tool you would recommend to a colleague',
  'what you would change about your team’s meetings',
];

/** Words in a passage after removing markup. */
export function passageWords(passage: string): string[] {
  return passage.replace(/[*/]/g, ' ').split(/\s+/).filter((w) => /[a-z0-9]/i.test(w));
}

/** Subscore each drill trains (read-aloud: none, it trains articulation). */
const DRILL_FOR: Partial<Record<SubscoreKey, DrillKind>> = {
  pace: 'pacing',
  pauses: 'pauses',
  fillers: 'fillers',
  pitchVariety: 'pitch-variety',
  volume: 'pitch-variety',
};

/**
 * Drills from the weakest subscores: the voice/language subscores (pace, pauses, fillers, pitch
 * variety, volume → pitch-variety drill) below the tip threshold (90) are ranked by score, lowest
 * first — or, when none is that weak, the single weakest — and each distinct drill kind is added
 * once (at most `maxDrills − 1`); the read-aloud accuracy drill is always last. With no voice
 * scores at all, the pacing drill at 140 WPM is the default.
 * - Pacing: target = 150 WPM if the talk was above 160, 130 if below 120, else 140;
 *   targetDurationSec = words / target × 60.
 * - Pauses: 1.0 s at each ` / `.
 * - Fillers: speak 60 s on a prompt with zero fillers; targetFillers = the session's most frequent.
 * - Pitch variety: stress the `*marked*` words.
 * - Read-aloud: one target sentence (rotated by `seed`), scored by {@link scoreReadAloud}.
 * @param scores the session's rubric result.
 * @param opts `fillerWords`: counts by filler word; `seed`: picks the passage variant (e.g. session number).
 * @returns 2–`maxDrills` drills.
 */
export function buildDrills(scores: RubricResult, opts: { fillerWords?: Record<string, number>; seed?: number; maxDrills?: number } = {}): Drill[] {
  const max = Math.max(2, opts.maxDrills ?? 4);
  const seed = Math.abs(Math.trunc(opts.seed ?? 0));
  const ranked = SUBSCORE_KEYS.flatMap((k) => {
    const s = scores.subscores[k];
    return s && DRILL_FOR[k] ? [{ k, s }] : [];
  }).sort((a, b) => a.s.score - b.s.score);
  // The weak ones (below the tip threshold); with none weak, the weakest one alone.
  const weak = ranked.filter((x) => x.s.score < TIP_THRESHOLD);
  const kinds: { kind: DrillKind; key: SubscoreKey }[] = [];
  for (const { k } of weak.length > 0 ? weak : ranked.slice(0, 1)) {
    const kind = DRILL_FOR[k]!;
    if (!kinds.some((d) => d.kind === kind)) kinds.push({ kind, key: k });
  }
  if (kinds.length === 0) kinds.push({ kind: 'pacing', key: 'pace' });
  const drills: Drill[] = kinds.slice(0, max - 1).map(({ kind, key }) => {
    switch (kind) {
      case 'pacing': {
        const wpm = scores.subscores.pace?.value.wpm;
        const targetWpm = wpm === undefined ? 140 : wpm > 160 ? 150 : wpm < 120 ? 130 : 140;
        const n = passageWords(PACING_PASSAGE).length;
        return {
          kind, subscore: key, title: `Pacing at ${targetWpm} WPM`, passage: PACING_PASSAGE, targetWpm,
          targetDurationSec: Math.round((n / targetWpm) * 600) / 10,
          instructions: `Read the passage aloud in ${Math.round((n / targetWpm) * 60)} s (${n} words at ${targetWpm} words per minute). Time yourself; repeat until you land within 3 s.`,
        };
      }
      case 'pauses':
        return {
          kind, subscore: key, title: 'Pause on purpose', passage: PAUSES_PASSAGE, targetPauseSec: 1,
          instructions: 'Read the passage and stop completely for about one second at every “/”. Do not fill the silence; breathe in during it.',
        };
      case 'fillers': {
        const top = Object.entries(opts.fillerWords ?? {}).sort((a, b) => b[1] - a[1]).map(([w]) => w).slice(0, 3);
        const topic = FILLER_TOPICS[seed % FILLER_TOPICS.length]!;
        return {
          kind, subscore: key, title: 'Filler-free minute', passage: `Talk for 60 seconds about ${topic}.`, targetFillers: top,
          instructions: `Speak for one minute without ${top.length ? top.map((w) => `“${w}”`).join(', ') : 'fillers (um, uh, like, you know)'}. Whenever you feel one coming, pause silently instead. Aim for zero.`,
        };
      }
      case 'pitch-variety':
        return {
          kind, subscore: key, title: 'Stress the key words', passage: PITCH_PASSAGE,
          emphasisWords: [...PITCH_PASSAGE.matchAll(/\*([^*]+)\*/g)].map((m) => m[1]!),
          instructions: 'Read the passage and lift your pitch and volume on each highlighted word, keeping the rest conversational. Record it and listen back: the highlighted words should stand out.',
        };
      default:
        throw new Error(`unreachable drill kind ${kind}`);
    }
  });
  const sentence = READ_ALOUD_SENTENCES[seed % READ_ALOUD_SENTENCES.length]!;
  drills.push({
    kind: 'read-aloud', subscore: null, title: 'Read-aloud accuracy', passage: sentence,
    instructions: 'Read the sentence aloud once, clearly, at your normal pace. Lectern recognises it, aligns it word by word with the target, and shows your accuracy and any missed words.',
  });
  return drills;
}
