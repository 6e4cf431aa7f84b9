import { runSubmission, type SubmissionOptions, type SubmissionState } from './formSubmit.ts';

export { passwordProblem } from './formSubmit.ts';

/**
 * The reactive state of one form's submission (sign-in, sign-up, owner set-up): `busy` while the
 * request runs, `error` the sentence to show. The logic is {@link runSubmission}.
 */
export class FormSubmit implements SubmissionState {
  busy = $state(false);
  error = $state<string | null>(null);

  /** See {@link runSubmission}. @returns whether the action completed. */
  run(action: () => Promise<unknown>, opts: SubmissionOptions = {}): Promise<boolean> {
    return runSubmission(this, action, opts);
  }
}
