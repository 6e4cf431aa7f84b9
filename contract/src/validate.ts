import type { z } from 'zod';
import type { ErrorBody } from './errors.ts';
import { ErrorCode } from './errors.ts';

/**
 * Parses untrusted input with a zod schema.
 * @returns `{ ok: true, value }`, or `{ ok: false, error }` with code `BAD_REQUEST`, a one-line
 *   message naming each failing field (e.g. `transportId: Invalid input: expected string`) and
 *   the zod issues as `details`. Never throws.
 */
export function validate<S extends z.ZodType>(
  schema: S,
  input: unknown,
): { ok: true; value: z.output<S> } | { ok: false; error: ErrorBody } {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const message = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
  return { ok: false, error: { code: ErrorCode.BadRequest, message, details: issues } };
}
