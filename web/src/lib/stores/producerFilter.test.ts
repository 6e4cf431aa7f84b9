import { describe, expect, it } from 'vitest';
import { ProducerFilter } from './producerFilter.ts';

/** A filter plus a count of how often it asked its store to start over. */
function setup() {
  const s = { resets: 0, filter: null as unknown as ProducerFilter };
  s.filter = new ProducerFilter(() => {
    s.resets += 1;
    s.filter.clear(); // what the stores' reset() does
  });
  return s;
}

describe('ProducerFilter', () => {
  it('without a followed producer takes up the first one and switches (starting over) to any other', () => {
    const s = setup();
    expect(s.filter.producerId).toBeNull();
    expect(s.filter.accept('a')).toBe(true);
    expect(s.filter.producerId).toBe('a');
    expect(s.filter.accept('a')).toBe(true);
    expect(s.resets).toBe(1);
    expect(s.filter.accept('b')).toBe(true);
    expect(s.filter.producerId).toBe('b');
    expect(s.resets).toBe(2);
  });

  it('when following, accepts only the followed producer and never switches', () => {
    const s = setup();
    s.filter.follow('mine');
    expect(s.resets).toBe(1);
    expect(s.filter.following).toBe(true);
    expect(s.filter.accept('other')).toBe(false);
    expect(s.filter.producerId).toBe('mine');
    expect(s.filter.accept('mine')).toBe(true);
    expect(s.resets).toBe(1);
  });

  it('starts over only when a different producer is followed', () => {
    const s = setup();
    s.filter.accept('a');
    s.filter.follow('a'); // already shown: keep the data
    expect(s.resets).toBe(1);
    s.filter.follow('b');
    expect(s.resets).toBe(2);
    expect(s.filter.producerId).toBe('b');
  });

  it('follow(null) accepts any producer again without clearing', () => {
    const s = setup();
    s.filter.follow('a');
    s.filter.follow(null);
    expect(s.filter.following).toBe(false);
    expect(s.filter.producerId).toBe('a');
    expect(s.resets).toBe(1);
    expect(s.filter.accept('b')).toBe(true);
    expect(s.resets).toBe(2);
  });

  it('after the store was reset, the next producer is taken up (when not following)', () => {
    const s = setup();
    s.filter.accept('a');
    s.filter.clear();
    expect(s.filter.producerId).toBeNull();
    expect(s.filter.accept('b')).toBe(true);
    expect(s.filter.producerId).toBe('b');
  });

  it('matches() checks membership without switching', () => {
    const s = setup();
    expect(s.filter.matches('x')).toBe(true); // not following: anything belongs
    s.filter.follow('a');
    expect(s.filter.matches('a')).toBe(true);
    expect(s.filter.matches('b')).toBe(false);
    expect(s.filter.producerId).toBe('a');
    expect(s.resets).toBe(1);
  });
});
