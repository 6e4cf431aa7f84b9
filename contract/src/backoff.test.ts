import { describe, expect, it } from 'vitest';
import { ExponentialBackoff } from './backoff.ts';

describe('ExponentialBackoff', () => {
  it('doubles from initialMs up to maxMs and starts over after reset', () => {
    const b = new ExponentialBackoff({ initialMs: 250, maxMs: 10_000 });
    expect(Array.from({ length: 8 }, () => b.next())).toEqual([250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(b.failures).toBe(8);
    b.reset();
    expect(b.peek()).toBe(250);
    expect(b.next()).toBe(250);
  });

  it('takes another factor and rejects bad settings', () => {
    const b = new ExponentialBackoff({ initialMs: 100, maxMs: 1000, factor: 3 });
    expect([b.next(), b.next(), b.next(), b.next()]).toEqual([100, 300, 900, 1000]);
    expect(() => new ExponentialBackoff({ initialMs: 0, maxMs: 10 })).toThrow(RangeError);
    expect(() => new ExponentialBackoff({ initialMs: 10, maxMs: 5 })).toThrow(RangeError);
  });
});
