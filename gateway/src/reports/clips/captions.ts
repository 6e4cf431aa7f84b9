/**
 * Captions for a clip: the recognised words (and fillers) inside the clip grouped into short
 * cues, and an ASS subtitle script of them for ffmpeg's `ass` filter (libass) to burn in. Pure.
 * Cue times are seconds of the CLIP (0 = its first frame: the cut starts at the moment's startSec).
 */
import type { ClipCaption } from '@lectern/contract';
import type { ScoringFiller, ScoringWord } from '@lectern/analyzers/scoring';

/** Most words on one caption line (a line of ≈ 40 characters at the font size below). */
export const MAX_CUE_WORDS = 7;
/** Longest cue, seconds (subtitle practice: 1–6 s per line; shorter keeps up with speech). */
export const MAX_CUE_SEC = 3.5;
/** A silence longer than this between two words starts a new cue, seconds. */
export const CUE_BREAK_GAP_SEC = 0.8;
/** A cue stays up this long after its last word ends (unless the next cue starts), seconds. */
export const CUE_HOLD_SEC = 0.4;

interface Token {
  startSec: number;
  endSec: number;
  text: string;
  filler: boolean;
}

/** A caption cue with its tokens (fillers marked, for highlighting). */
export interface CaptionCue extends ClipCaption {
  tokens: { text: string; filler: boolean }[];
}

/**
 * Groups the words and fillers that start inside [clipStartSec, clipEndSec) (recording seconds)
 * into cues in clip seconds: a new cue after {@link MAX_CUE_WORDS} words, {@link MAX_CUE_SEC}
 * or a gap over {@link CUE_BREAK_GAP_SEC}. A filler overlapping a recognised word marks that
 * word; a filler no word covers (a filled pause the recogniser skipped) is inserted as its own
 * token, e.g. `um`. Words without text are skipped.
 */
export function captionCues(words: readonly ScoringWord[], fillers: readonly ScoringFiller[], clipStartSec: number, clipEndSec: number): CaptionCue[] {
  const inClip = (x: { startSec: number }) => x.startSec >= clipStartSec && x.startSec < clipEndSec;
  const tokens: Token[] = words
    .filter((w) => inClip(w) && w.word && w.word.trim())
    .map((w) => ({ startSec: w.startSec, endSec: w.endSec, text: w.word!.trim(), filler: false }));
  for (const f of fillers.filter(inClip)) {
    const hit = tokens.find((t) => t.startSec < f.endSec && f.startSec < t.endSec);
    if (hit) hit.filler = true;
    else tokens.push({ startSec: f.startSec, endSec: f.endSec, text: f.word ?? 'um', filler: true });
  }
  tokens.sort((a, b) => a.startSec - b.startSec);
  const groups: Token[][] = [];
  for (const t of tokens) {
    const g = groups.at(-1);
    const last = g?.at(-1);
    if (!g || !last || g.length >= MAX_CUE_WORDS || t.startSec - last.endSec > CUE_BREAK_GAP_SEC || t.endSec - g[0]!.startSec > MAX_CUE_SEC) groups.push([t]);
    else g.push(t);
  }
  const clipLen = clipEndSec - clipStartSec;
  const cues: CaptionCue[] = groups.map((g) => ({
    startSec: round2(Math.max(0, g[0]!.startSec - clipStartSec)),
    endSec: round2(Math.min(clipLen, g.at(-1)!.endSec - clipStartSec + CUE_HOLD_SEC)),
    text: g.map((t) => t.text).join(' '),
    tokens: g.map((t) => ({ text: t.text, filler: t.filler })),
  }));
  for (let i = 0; i + 1 < cues.length; i++) cues[i]!.endSec = Math.min(cues[i]!.endSec, cues[i + 1]!.startSec);
  return cues.filter((c) => c.endSec > c.startSec);
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** `H:MM:SS.cc` (ASS time). */
export function assTime(sec: number): string {
  const cs = Math.max(0, Math.round(sec * 100));
  const h = Math.floor(cs / 360000);
  const m = Math.floor((cs % 360000) / 6000);
  const s = Math.floor((cs % 6000) / 100);
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(cs % 100).padStart(2, '0')}`;
}

/** Text safe inside an ASS Dialogue line: no override braces, backslashes or line breaks. */
const assText = (s: string) => s.replace(/[{}\\]/g, '').replace(/\s+/g, ' ');

/** Filler highlight colour, ASS `&HBBGGRR` (amber #FFC857, like the live captions' filler marks). */
const FILLER_COLOUR = '&H57C8FF&';

/**
 * The ASS script burning `cues` into a `widthPx`×`heightPx` video: white bold DejaVu Sans (Debian's
 * default font, fontconfig falls back to any sans) at 6 % of the height on an opaque dark box
 * (BorderStyle 3), centred 22 % up from the bottom, fillers in amber.
 */
export function assScript(cues: readonly CaptionCue[], widthPx: number, heightPx: number): string {
  const fontPx = Math.max(12, Math.round(heightPx * 0.06));
  // 22 % up from the bottom (the lower third): above Chromium's control bar and its shade (≈ 55 px
  // of the ≈ 260 px tall player on the report), so the captions stay readable on a paused clip.
  const marginV = Math.max(6, Math.round(heightPx * 0.22));
  const marginH = Math.max(6, Math.round(widthPx * 0.04));
  const lines = [
    '[Script Info]',
    'ScriptType: v4.00+',
    `PlayResX: ${widthPx}`,
    `PlayResY: ${heightPx}`,
    'WrapStyle: 0',
    'ScaledBorderAndShadow: yes',
    '',
    '[V4+ Styles]',
    'Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding',
    `Style: Caption,DejaVu Sans,${fontPx},&H00FFFFFF,&H00FFFFFF,&H28000000,&H28000000,1,0,0,0,100,100,0,0,3,${Math.round(fontPx / 4)},0,2,${marginH},${marginH},${marginV},1`,
    '',
    '[Events]',
    'Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text',
  ];
  for (const c of cues) {
    const text = c.tokens.map((t) => (t.filler ? `{\\c${FILLER_COLOUR}}${assText(t.text)}{\\c}` : assText(t.text))).join(' ');
    lines.push(`Dialogue: 0,${assTime(c.startSec)},${assTime(c.endSec)},Caption,,0,0,0,,${text}`);
  }
  return lines.join('\n') + '\n';
}
