import { describe, expect, it } from 'vitest';
import { access, roleLabel, safeNext, signInHref } from './access.ts';

describe('page access', () => {
  it('keeps the entry pages public, lets guests coach, and asks members for the rest', () => {
    for (const p of ['/', '/setup', '/signin', '/signup', '/join/abc.def', '/shared/xyz']) expect(access(p), p).toBe('public');
    expect(access('/coach')).toBe('guest');
    for (const p of ['/rehearse', '/sessions', '/sessions/1', '/sessions/1/report', '/progress', '/org', '/account', '/join'])
      expect(access(p), p).toBe('member');
  });

  it('only follows ?next= to paths of this site', () => {
    expect(safeNext('/sessions/1?t=3')).toBe('/sessions/1?t=3');
    expect(safeNext('https://evil.example/')).toBe('/rehearse');
    expect(safeNext('//evil.example/x')).toBe('/rehearse');
    expect(safeNext('/\\evil.example')).toBe('/rehearse');
    expect(safeNext('/signin?next=/x')).toBe('/rehearse');
    expect(safeNext(null, '/')).toBe('/');
  });

  it('builds the sign-in link back to the page', () => {
    expect(signInHref(new URL('http://h/coach?room=r1'))).toBe('/signin?next=%2Fcoach%3Froom%3Dr1');
    expect(signInHref(new URL('http://h/'))).toBe('/signin');
    expect(signInHref(new URL('http://h/signin?next=/x'))).toBe('/signin');
    expect(roleLabel('owner')).toBe('Owner');
    expect(roleLabel(null)).toBe('');
  });
});
