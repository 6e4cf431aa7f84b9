import { describe, expect, it } from 'vitest';
import { NUDGE_RULES } from '@lectern/contract';
import { nudgeCondition, nudgeReason, replayCues } from './nudges.ts';
import { storedView } from '../routes/rehearse/view.ts';

describe('nudge texts', () => {
  it('says why each kind fired, in the rule’s unit and time', () => {
    expect(nudgeReason({ kind: 'pace', metricValue: 182.4 })).toBe('182 WPM for 15 s');
    expect(nudgeReason({ kind: 'level', metricValue: -45.2 })).toBe('\u221245 dBFS for 5 s');
    expect(nudgeReason({ kind: 'pause', metricValue: 41.3 })).toBe('41 s without a pause');
    expect(nudgeReason({ kind: 'facing', metricValue: 0.3 })).toBe('facing the camera 30 % of the time for 10 s');
    expect(nudgeReason({ kind: 'pitch', metricValue: 1.44 })).toBe('pitch varies 1.4 semitones for 20 s');
    expect(nudgeReason({ kind: null, metricValue: null })).toBe('');
    expect(NUDGE_RULES.map(nudgeCondition)).toEqual([
      'speech level below \u221240 dBFS for 5 s',
      'pace over 15 s above 170 WPM',
      'talking without a pause above 40 s',
      'facing the camera below 50 % for 10 s',
      'pitch variation below 2 semitones for 20 s',
    ]);
  });

  it('places timeline cues at playback positions, in time order, with their detail', () => {
    const cues = replayCues(
      [
        { id: 'b', source: 'coach', kind: null, text: 'Breathe', mediaTimeSec: 30, metricValue: null, authorName: 'Kim', sentAt: '' },
        { id: 'a', source: 'nudge', kind: 'pace', text: 'Slow down', mediaTimeSec: 16, metricValue: 188, authorName: null, sentAt: '' },
      ],
      2.5,
    );
    expect(cues.map((c) => [c.id, c.atSec, c.detail])).toEqual([
      ['a', 18.5, '188 WPM for 15 s'],
      ['b', 32.5, 'from Kim'],
    ]);
    expect(replayCues(undefined, 0)).toEqual([]);
  });

  it('opens /rehearse in ?view=, else the stored view, else Focus', () => {
    const store = (v: string | null) => ({ getItem: () => v });
    expect(storedView(null, store(null))).toBe('focus');
    expect(storedView(null, store('dashboard'))).toBe('dashboard');
    expect(storedView('focus', store('dashboard'))).toBe('focus');
    expect(storedView('bogus', store('bogus'))).toBe('focus');
    expect(storedView(null, { getItem: () => { throw new Error('denied'); } })).toBe('focus');
  });
});
