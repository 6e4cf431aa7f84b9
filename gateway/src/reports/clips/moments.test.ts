import { describe, expect, it } from 'vitest';
import { PACE_GUIDANCE_WPM, PITCH_VARIETY_GUIDANCE_ST } from '@lectern/contract';
import type { ScoringInput } from '@lectern/analyzers/scoring';
import { selectMoments, SHORT_WINDOW_SEC } from './moments.ts';

/**
 * A synthetic talk: `durationSec` of 100 ms voice windows, words at `wpm(t)`, silence (and no
 * words) inside `pauses`, F0 around 120 Hz with `f0SpreadSt(t)` semitones of alternation, level
 * −25 dBFS ± `levelJitterDb(t)`.
 */
function talk(o: {
  durationSec: number;
  wpm: (t: number) => number;
  pauses?: [number, number][];
  fillers?: number[];
  f0SpreadSt?: (t: number) => number;
  levelJitterDb?: (t: number) => number;
}): ScoringInput {
  const inPause = (t: number) => (o.pauses ?? []).some(([a, b]) => t >= a && t < b);
  const voice: ScoringInput['voice'] = [];
  for (let i = 0; i < o.durationSec * 10; i++) {
    const t = i / 10;
    const speech = !inPause(t);
    const spread = o.f0SpreadSt?.(t) ?? 1;
    const st = (i % 2 === 0 ? 1 : -1) * spread;
    voice.push({ mediaTimeSec: t, levelDbfs: speech ? -25 + (i % 2 === 0 ? 1 : -1) * (o.levelJitterDb?.(t) ?? 1) : -70, f0Hz: speech ? 120 * 2 ** (st / 12) : null, isSpeech: speech, pauseSec: 0 });
  }
  const words: ScoringInput['words'] = [];
  for (let t = 0; t < o.durationSec; ) {
    if (inPause(t)) {
      t += 0.1;
      continue;
    }
    words.push({ startSec: t, endSec: t + 0.25, word: `w${words.length}` });
    t += 60 / o.wpm(t);
  }
  const fillers = (o.fillers ?? []).map((t) => ({ startSec: t, endSec: t + 0.4, word: 'um' }));
  return { durationSec: o.durationSec, voice, pauses: (o.pauses ?? []).map(([a, b]) => ({ startSec: a, endSec: b })), words, fillers };
}

describe('selectMoments', () => {
  const input = talk({
    durationSec: 120,
    wpm: (t) => (t >= 80 && t < 100 ? 200 : 140),
    pauses: [[60, 63.2], [20, 21]],
    fillers: [31, 33, 34.5, 36, 90],
    f0SpreadSt: (t) => (t >= 5 && t < 25 ? 4 : 1.2),
    levelJitterDb: (t) => (t < 50 ? 6 : 0.5),
  });
  const moments = selectMoments(input);
  const byKind = Object.fromEntries(moments.map((m) => [m.kind, m]));

  it('picks one moment of each kind on a 2-minute talk, inside the recording', () => {
    expect(moments.map((m) => m.kind)).toEqual(['filler-cluster', 'fastest-pace', 'longest-pause', 'liveliest', 'steadiest']);
    for (const m of moments) {
      expect(m.startSec).toBeGreaterThanOrEqual(0);
      expect(m.endSec).toBeLessThanOrEqual(120);
      expect(m.endSec).toBeGreaterThan(m.startSec);
      expect(m.title.length).toBeGreaterThan(0);
      expect(m.why.length).toBeGreaterThan(10);
    }
  });

  it('the filler cluster spans the four fillers at 31–36 s, not the lone one at 90 s', () => {
    const f = byKind['filler-cluster']!;
    expect(f.tone).toBe('weak');
    expect(f.value).toBe(4);
    expect(f.startSec).toBeLessThanOrEqual(31);
    expect(f.endSec).toBeGreaterThanOrEqual(36.4);
    expect(f.endSec - f.startSec).toBeLessThanOrEqual(SHORT_WINDOW_SEC);
    expect(f.why).toContain('“um” ×4');
  });

  it('the fastest 20 s is the 200 WPM stretch, weak because it is above the pace band', () => {
    const p = byKind['fastest-pace']!;
    expect(p.startSec).toBeGreaterThanOrEqual(78); // words of the 200 WPM stretch fill [80, 100)
    expect(p.startSec).toBeLessThanOrEqual(80);
    expect(p.value).toBeGreaterThan(PACE_GUIDANCE_WPM.high);
    expect(p.tone).toBe('weak');
    expect(p.title).toBe('Rushed 20 s');
    expect(p.why).toContain(`${PACE_GUIDANCE_WPM.low}–${PACE_GUIDANCE_WPM.high}`);
  });

  it('the longest pause (3.2 s, over the 2 s threshold) with 5 s before and 3 s after', () => {
    const p = byKind['longest-pause']!;
    expect(p.value).toBeCloseTo(3.2, 5);
    expect(p.tone).toBe('weak');
    expect(p.startSec).toBe(55);
    expect(p.endSec).toBeCloseTo(66.2, 5);
  });

  it('the liveliest 20 s is the stretch with 4 st of F0 spread, inside the pitch band', () => {
    const l = byKind['liveliest']!;
    expect(l.tone).toBe('best');
    expect(l.value).toBeGreaterThanOrEqual(PITCH_VARIETY_GUIDANCE_ST.low);
    expect(l.startSec).toBeGreaterThanOrEqual(3);
    expect(l.startSec).toBeLessThanOrEqual(7);
  });

  it('the steadiest minute is a best moment, a minute long', () => {
    const s = byKind['steadiest']!;
    expect(s.tone).toBe('best');
    expect(s.endSec - s.startSec).toBe(60);
    expect(s.title).toBe('Steadiest minute');
    expect(s.why).toMatch(/±\d+\.\d dB/);
  });

  it('the steadiest minute is the one with the even level, not the jittery first minute', () => {
    const even = selectMoments(talk({ durationSec: 120, wpm: () => 140, levelJitterDb: (t) => (t < 60 ? 6 : 0.5) }));
    const s = even.find((m) => m.kind === 'steadiest')!;
    expect(s.startSec).toBeGreaterThanOrEqual(55);
    expect(s.why).toContain('±0.5 dB');
  });

  it('later moments do not overlap earlier ones by more than half', () => {
    for (let i = 0; i < moments.length; i++)
      for (let j = 0; j < i; j++) {
        const a = moments[i]!;
        const b = moments[j]!;
        const ov = Math.max(0, Math.min(a.endSec, b.endSec) - Math.max(a.startSec, b.startSec));
        if (a.kind !== 'steadiest') expect(ov, `${a.kind} vs ${b.kind}`).toBeLessThanOrEqual(0.5 * (a.endSec - a.startSec) + 1e-9);
      }
  });

  it('a pace inside the band is "Fastest 20 s", neutral; a short pause is neutral', () => {
    const calm = selectMoments(talk({ durationSec: 60, wpm: () => 130, pauses: [[30, 31.2]] }));
    const pace = calm.find((m) => m.kind === 'fastest-pace')!;
    expect(pace.tone).toBe('neutral');
    expect(pace.title).toBe('Fastest 20 s');
    expect(calm.find((m) => m.kind === 'longest-pause')!.tone).toBe('neutral');
    expect(calm.find((m) => m.kind === 'filler-cluster')).toBeUndefined(); // no fillers
    expect(calm.find((m) => m.kind === 'steadiest')!.endSec - calm.find((m) => m.kind === 'steadiest')!.startSec).toBe(30);
  });

  it('nothing to pick in silence or a very short talk; maxMoments caps the list', () => {
    expect(selectMoments({ durationSec: 30, voice: [], pauses: [], words: [], fillers: [] })).toEqual([]);
    const short = selectMoments(talk({ durationSec: 12, wpm: () => 140, pauses: [[5, 7]] }));
    expect(short.map((m) => m.kind)).toEqual(['longest-pause']);
    expect(selectMoments(input, { maxMoments: 2 }).map((m) => m.kind)).toEqual(['filler-cluster', 'fastest-pace']);
  });
});
