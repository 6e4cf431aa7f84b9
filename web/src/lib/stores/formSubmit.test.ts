import { expect, it } from 'vitest';
import { passwordProblem, runSubmission, type SubmissionState } from './formSubmit.ts';

it('runs one submission at a time and turns a precheck or a thrown error into the sentence to show', async () => {
  const f: SubmissionState = { busy: false, error: null };
  let release!: () => void;
  const first = runSubmission(f, () => new Promise<void>((r) => (release = r)));
  expect(f.busy).toBe(true);
  expect(await runSubmission(f, async () => {})).toBe(false); // ignored while busy
  release();
  expect(await first).toBe(true);
  expect(f).toEqual({ busy: false, error: null });
  expect(await runSubmission(f, async () => {}, { precheck: () => passwordProblem('short') })).toBe(false);
  expect(f.error).toMatch(/at least 10 characters/);
  const failed = runSubmission(f, async () => {
    throw new Error('server said no');
  }, { explain: (e) => `Sorry: ${e.message}` });
  expect(await failed).toBe(false);
  expect(f).toEqual({ busy: false, error: 'Sorry: server said no' });
  expect(passwordProblem('a long enough password')).toBeNull();
});
