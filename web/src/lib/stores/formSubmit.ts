import { PASSWORD_MIN_CHARS } from '@lectern/contract';
import { LecternError } from '#lib/errors.ts';

/** What a form shows about its submission (the reactive holder is `FormSubmit`, formSubmit.svelte.ts). */
export interface SubmissionState {
  /** True while the request runs; a second submit is ignored. */
  busy: boolean;
  /** The sentence to show when it failed, else null. */
  error: string | null;
}

/** Options of {@link runSubmission}. */
export interface SubmissionOptions {
  /** A check before sending: a sentence to show instead, or null to go on. */
  precheck?: () => string | null;
  /** The sentence for a thrown error (default: its message). */
  explain?: (e: LecternError) => string;
}

/**
 * Runs `action` on behalf of a form unless one is running, keeping `state` current: a failed
 * precheck or a thrown error ends in `state.error`. Never throws.
 * @returns whether the action completed.
 */
export async function runSubmission(state: SubmissionState, action: () => Promise<unknown>, opts: SubmissionOptions = {}): Promise<boolean> {
  if (state.busy) return false;
  state.error = opts.precheck?.() ?? null;
  if (state.error) return false;
  state.busy = true;
  try {
    await action();
    return true;
  } catch (err) {
    const e = LecternError.from(err);
    state.error = opts.explain ? opts.explain(e) : e.message;
    return false;
  } finally {
    state.busy = false;
  }
}

/** The sentence for a too-short new password, or null when it is long enough. */
export function passwordProblem(password: string): string | null {
  return password.length < PASSWORD_MIN_CHARS ? `Choose a password of at least ${PASSWORD_MIN_CHARS} characters.` : null;
}
