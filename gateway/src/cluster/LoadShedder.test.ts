import { describe, expect, it } from 'vitest';
import { LoadShedder } from './LoadShedder.ts';

describe('LoadShedder', () => {
  it('sheds pose after two overloaded beats and resumes after five calm ones', () => {
    const calls: (string | null)[] = [];
    const s = new LoadShedder({ setPoseShedding: (r) => calls.push(r) });
    s.onLoad(0.95);
    expect(calls).toEqual([]); // one spike is not overload
    s.onLoad(0.5);
    s.onLoad(0.95);
    s.onLoad(0.92);
    expect(s.shedding).toBe(true);
    expect(calls[0]).toMatch(/body-language analysis is paused; voice analysis and recording continue/);
    for (let i = 0; i < 4; i++) s.onLoad(0.6);
    s.onLoad(0.8); // between the thresholds: the calm streak starts over
    for (let i = 0; i < 4; i++) s.onLoad(0.6);
    expect(s.shedding).toBe(true);
    s.onLoad(0.6);
    expect(s.shedding).toBe(false);
    expect(calls).toHaveLength(2);
    expect(calls[1]).toBeNull();
  });
});
