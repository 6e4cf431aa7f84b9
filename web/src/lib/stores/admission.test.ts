import { describe, expect, it } from 'vitest';
import { LecternError } from '#lib/errors.ts';
import {
  capacityTitle,
  JoinAdmission,
  MAX_CAPACITY_RETRIES,
  MAX_REDIRECT_HOPS,
  MAX_RETRY_AFTER_SEC,
  NodeFailover,
  sameTarget,
  secondsLeft,
  shedNotices,
  socketTarget,
} from './admission.ts';

const home = { url: 'http://lb.example', path: '/socket.io' };
const wrongNode = (redirectUrl?: string) => new LecternError('WRONG_NODE', 'room r1 is on node b', undefined, { redirectUrl });
const capacity = (retryAfterSec?: number) => new LecternError('CAPACITY', 'every node is above its load threshold', undefined, { retryAfterSec });

describe('socketTarget', () => {
  it('splits a base URL into origin and Socket.IO path (a path would be a namespace)', () => {
    expect(socketTarget('http://10.0.0.7:8080')).toEqual({ url: 'http://10.0.0.7:8080', path: '/socket.io' });
    expect(socketTarget('http://10.0.0.7:8080/')).toEqual({ url: 'http://10.0.0.7:8080', path: '/socket.io' });
    expect(socketTarget('https://lectern.example/node-b/')).toEqual({ url: 'https://lectern.example', path: '/node-b/socket.io' });
    expect(socketTarget('wss://b.example')).toEqual({ url: 'https://b.example', path: '/socket.io' });
    expect(socketTarget('http://a:80')).toEqual({ url: 'http://a', path: '/socket.io' });
  });

  it('refuses what is not an absolute http(s)/ws(s) URL, or carries credentials', () => {
    for (const bad of ['', 'node-b:8080', '/node-b', 'javascript:alert(1)', 'ftp://b', 'http://u:p@b']) expect(socketTarget(bad)).toBeNull();
  });

  it('sameTarget compares normalised targets', () => {
    expect(sameTarget(socketTarget('http://a:80/')!, socketTarget('http://a')!)).toBe(true);
    expect(sameTarget(socketTarget('http://a')!, socketTarget('http://a/x')!)).toBe(false);
  });
});

describe('JoinAdmission: WRONG_NODE', () => {
  it('follows a redirect, counting hops', () => {
    const a = new JoinAdmission();
    expect(a.next(wrongNode('http://10.0.0.7:8080'), home)).toEqual({ kind: 'redirect', target: { url: 'http://10.0.0.7:8080', path: '/socket.io' }, hop: 1 });
    expect(a.hops).toBe(1);
  });

  it(`stops after ${MAX_REDIRECT_HOPS} hops with a WRONG_NODE error that says why`, () => {
    const a = new JoinAdmission();
    let at = home;
    for (let i = 1; i <= MAX_REDIRECT_HOPS; i++) {
      const step = a.next(wrongNode(`http://node-${i % 2}.example`), at);
      expect(step.kind).toBe('redirect');
      if (step.kind === 'redirect') at = step.target;
    }
    const last = a.next(wrongNode('http://node-x.example'), at);
    expect(last.kind).toBe('fail');
    if (last.kind === 'fail') {
      expect(last.error.code).toBe('WRONG_NODE');
      expect(last.error.message).toMatch(/kept sending this page elsewhere \(3 redirects\)/);
    }
  });

  it('a redirect to the node itself is a loop: fails at once', () => {
    const a = new JoinAdmission();
    const step = a.next(wrongNode('http://lb.example/'), home);
    expect(step.kind).toBe('fail');
    if (step.kind === 'fail') expect(step.error.message).toMatch(/back to itself/);
  });

  it('a missing or unusable redirectUrl fails with a clear message', () => {
    for (const url of [undefined, 'not a url']) {
      const step = new JoinAdmission().next(wrongNode(url), home);
      expect(step.kind).toBe('fail');
      if (step.kind === 'fail') expect(step.error.message).toMatch(/no usable address/);
    }
  });

  it('a successful join, a new join after a reconnect, or a capacity retry start the hop count over', () => {
    const a = new JoinAdmission();
    a.next(wrongNode('http://b.example'), home);
    a.joined();
    expect(a.hops).toBe(0);
    a.next(wrongNode('http://b.example'), home);
    a.newJoin();
    expect(a.hops).toBe(0);
    a.next(wrongNode('http://b.example'), home);
    a.next(capacity(5), home);
    expect(a.hops).toBe(0);
  });

  it('an unreachable redirect target sends the page home, within the same hop budget', () => {
    const a = new JoinAdmission({ maxHops: 2 });
    a.next(wrongNode('http://b.example'), home);
    expect(a.unreachable(home)).toEqual({ kind: 'redirect', target: home, hop: 2 });
    const again = a.unreachable(home);
    expect(again.kind).toBe('fail');
    if (again.kind === 'fail') expect(again.error.code).toBe('UNREACHABLE');
  });
});

describe('JoinAdmission: CAPACITY', () => {
  it('retries after retryAfterSec (whole seconds, 1…max; default when missing or nonsense)', () => {
    const a = new JoinAdmission({ maxCapacityRetries: 100 });
    const after = (s?: number) => {
      const step = a.next(capacity(s), home);
      return step.kind === 'retry' ? step.afterSec : null;
    };
    expect(after(20)).toBe(20);
    expect(after(2.2)).toBe(3);
    expect(after(0.1)).toBe(1);
    expect(after(10_000)).toBe(MAX_RETRY_AFTER_SEC);
    expect(after(undefined)).toBe(10);
    expect(after(-5)).toBe(10);
    expect(after(Number.NaN)).toBe(10);
  });

  it(`gives up after ${MAX_CAPACITY_RETRIES} automatic retries, with a CAPACITY error that says what to do`, () => {
    const a = new JoinAdmission();
    for (let i = 1; i <= MAX_CAPACITY_RETRIES; i++) {
      const step = a.next(capacity(20), home);
      expect(step).toMatchObject({ kind: 'retry', attempt: i, maxAttempts: MAX_CAPACITY_RETRIES, afterSec: 20 });
    }
    const last = a.next(capacity(20), home);
    expect(last.kind).toBe('fail');
    if (last.kind === 'fail') {
      expect(last.error.code).toBe('CAPACITY');
      expect(last.error.message).toMatch(/still busy after 5 automatic retries.*try again in a few minutes/);
    }
  });

  it('a successful join or a manual start resets the retry budget', () => {
    const a = new JoinAdmission({ maxCapacityRetries: 1 });
    a.next(capacity(1), home);
    a.joined();
    expect(a.next(capacity(1), home).kind).toBe('retry');
    a.reset();
    expect(a.next(capacity(1), home).kind).toBe('retry');
    expect(a.next(capacity(1), home).kind).toBe('fail');
  });

  it('leaves other errors alone', () => {
    const a = new JoinAdmission();
    expect(a.next(new LecternError('MEDIA_ERROR', 'x'), home)).toEqual({ kind: 'other' });
    expect(a.next(new Error('x'), home)).toEqual({ kind: 'other' });
  });
});

describe('capacity countdown', () => {
  const wait = { retryAt: 100_000, attempt: 1, maxAttempts: 5, serverMessage: '' };
  it('counts whole seconds down to "retrying…"', () => {
    expect(secondsLeft(100_000, 80_000)).toBe(20);
    expect(secondsLeft(100_000, 99_001)).toBe(1);
    expect(secondsLeft(100_000, 100_500)).toBe(0);
    expect(capacityTitle(wait, 80_000)).toBe('All Lectern servers are busy right now — retrying in 20 s');
    expect(capacityTitle(wait, 100_000)).toBe('All Lectern servers are busy right now — retrying…');
  });
});

describe('NodeFailover', () => {
  it('gives the node up after N failed attempts', () => {
    const f = new NodeFailover({ attempts: 3, ms: 5_000 });
    expect(f.attemptFailed(0)).toBe(false); // not watching
    f.dropped(1_000);
    expect(f.attemptFailed(1_100)).toBe(false);
    expect(f.attemptFailed(1_600)).toBe(false);
    expect(f.attemptFailed(2_600)).toBe(true);
  });

  it('or after the time limit, whichever comes first', () => {
    const f = new NodeFailover({ attempts: 3, ms: 5_000 });
    f.dropped(1_000);
    expect(f.lost(5_999)).toBe(false);
    expect(f.lost(6_000)).toBe(true);
  });

  it('stops counting once connected again', () => {
    const f = new NodeFailover({ attempts: 1, ms: 5_000 });
    f.dropped(0);
    f.clear();
    expect(f.watching).toBe(false);
    expect(f.attemptFailed(10_000)).toBe(false);
    expect(f.lost(10_000)).toBe(false);
  });
});

describe('shedNotices', () => {
  it('nothing shed: no notice', () => {
    expect(shedNotices(undefined, undefined)).toEqual([]);
    expect(shedNotices({ shed: [] }, { partialsShed: false })).toEqual([]);
    expect(shedNotices({}, {})).toEqual([]);
  });

  it('pose first, then partial captions, each explaining itself', () => {
    const n = shedNotices({ shed: ['asr-partials', 'pose'] }, { partialsShed: true });
    expect(n.map((x) => x.id)).toEqual(['pose', 'asr-partials']);
    expect(n[0]!.title).toBe('Server busy: body-language analysis paused');
    expect(n[1]!.title).toBe('Server busy: captions show finished phrases only');
    for (const x of n) expect(x.text).toMatch(/clears by itself|return when the load drops/);
  });

  it('partial captions from either status, once', () => {
    expect(shedNotices(undefined, { partialsShed: true }).map((x) => x.id)).toEqual(['asr-partials']);
    expect(shedNotices({ shed: ['asr-partials'] }, null).map((x) => x.id)).toEqual(['asr-partials']);
  });
});
