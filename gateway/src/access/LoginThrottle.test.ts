import { expect, it } from 'vitest';
import { LoginThrottle } from './LoginThrottle.ts';

it('locks an account after 5 consecutive failures, doubling 1 s → 60 s, and forgets after a success or the window', () => {
  let now = 0;
  const t = new LoginThrottle({ nowMs: () => now });
  const locks = Array.from({ length: 12 }, () => t.fail('a@x'));
  expect(locks).toEqual([0, 0, 0, 0, 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
  expect(t.retryAfterMs('a@x')).toBe(60000);
  expect(t.retryAfterMs('b@x')).toBe(0); // per account
  now += 60000;
  expect(t.retryAfterMs('a@x')).toBe(0); // the lock ran out
  now += 60001;
  expect(t.fail('a@x')).toBe(0); // and the count was forgotten
  for (let i = 0; i < 5; i++) t.fail('c@x');
  t.succeed('c@x');
  expect(t.retryAfterMs('c@x')).toBe(0);
});
