import { NUDGE_RULES, type NudgeEvent, type NudgeKind, type NudgeRule, type TimelineCue } from '@lectern/contract';

/** The contract's rule of a nudge kind (its hold time, band and source). */
export function nudgeRule(kind: NudgeKind): NudgeRule | undefined {
  return NUDGE_RULES.find((r) => r.kind === kind);
}

const round = (v: number, decimals = 0) => {
  const f = 10 ** decimals;
  return String(Math.round(v * f) / f).replace('-', '\u2212');
};

/**
 * Why a nudge fired, in words, from its kind and measured value (units of the contract's rule):
 * e.g. `182 WPM for 15 s` (pace), `−45 dBFS for 5 s` (level), `41 s without a pause`,
 * `facing the camera 30 % of the time for 10 s`, `pitch varies 1.4 semitones for 20 s`.
 * @param n the nudge (kind and metricValue; null metricValue → the rule's text alone).
 */
export function nudgeReason(n: { kind: NudgeKind | null; metricValue: number | null }): string {
  const rule = n.kind ? nudgeRule(n.kind) : undefined;
  if (!rule || n.metricValue === null || !Number.isFinite(n.metricValue)) return '';
  const v = n.metricValue;
  // A windowed metric (pace over 15 s) is "outside for" its window.
  const hold = `for ${round(rule.windowSec ?? rule.holdSec)} s`;
  switch (rule.kind) {
    case 'pace':
      return `${round(v)} WPM ${hold}`;
    case 'level':
      return `${round(v)} dBFS ${hold}`;
    case 'pause':
      return `${round(v)} s without a pause`;
    case 'facing':
      return `facing the camera ${round(v * 100)} % of the time ${hold}`;
    case 'pitch':
      return `pitch varies ${round(v, 1)} semitones ${hold}`;
  }
}

/** What the rule asks for, e.g. `pace above 170 WPM` (for hints and titles). */
export function nudgeCondition(rule: NudgeRule): string {
  const what: Record<NudgeKind, string> = { pace: 'pace', level: 'speech level', pause: 'talking without a pause', facing: 'facing the camera', pitch: 'pitch variation' };
  const threshold = rule.unit === 'ratio' ? `${round(rule.threshold * 100)} %` : `${round(rule.threshold)} ${rule.unit}`;
  const hold = rule.holdSec > 0 ? ` for ${rule.holdSec} s` : '';
  const over = rule.windowSec ? ` over ${rule.windowSec} s` : '';
  return `${what[rule.kind]}${over} ${rule.comparison} ${threshold}${hold}`;
}

/** A nudge or a coach cue on the replay, at its playback position `atSec` (media time + the recording's origin). */
export interface ReplayCue {
  id: string;
  source: 'nudge' | 'coach';
  kind: NudgeKind | null;
  text: string;
  /** Playback seconds. */
  atSec: number;
  /** E.g. `182 WPM for 15 s` (nudges) or `from Coach Kim` (coach cues). */
  detail: string;
}

/**
 * Timeline cues → replay cues at playback positions, in time order.
 * @param cues `GET /v1/sessions/:id/timeline` → `cues` (absent from older servers).
 * @param originSec the recording's media-time origin, seconds (playback = media time + origin).
 */
export function replayCues(cues: readonly TimelineCue[] | undefined, originSec: number): ReplayCue[] {
  return (cues ?? [])
    .map((c) => ({
      id: c.id,
      source: c.source,
      kind: c.kind,
      text: c.text,
      atSec: c.mediaTimeSec + originSec,
      detail: c.source === 'nudge' ? nudgeReason(c) : c.authorName ? `from ${c.authorName}` : 'from the coach',
    }))
    .sort((a, b) => a.atSec - b.atSec);
}

/** A live nudge as the replay and the coach page list it. */
export function nudgeAsCue(n: NudgeEvent): TimelineCue {
  return { id: n.nudgeId, source: 'nudge', kind: n.kind, text: n.text, mediaTimeSec: n.mediaTimeSec, metricValue: n.metricValue, authorName: null, sentAt: new Date(n.sentAtMs).toISOString() };
}
