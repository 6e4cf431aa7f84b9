/**
 * Building blocks for environment-variable schemas (zod 4), shared by the gateway's configuration
 * (`gateway/src/config.ts`) and the analyzer child processes' variables (`analyzers/src/env.ts`).
 *
 * Conventions: an unset variable and an empty one (`VAR=`) both mean "use the default"; a set
 * value that does not parse is an error naming the variable, the value and what is allowed —
 * never a silent fallback.
 */
import { z } from 'zod';

/** Raw variable: string or unset; '' counts as unset. */
const raw = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

const fail = (ctx: z.RefinementCtx, allowed: string): never => {
  ctx.addIssue({ code: 'custom', message: allowed });
  return z.NEVER;
};

/**
 * Integer variable.
 * @param fallback default when unset (a function for defaults computed at parse time).
 * @param min smallest allowed value (default 0).
 * @param max largest allowed value (default Number.MAX_SAFE_INTEGER).
 */
export function intVar(fallback: number | (() => number), min = 0, max = Number.MAX_SAFE_INTEGER) {
  const allowed = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer in ${min}–${max}`;
  return raw.transform((v, ctx): number => {
    if (v === undefined) return typeof fallback === 'function' ? fallback() : fallback;
    const n = Number(v);
    return Number.isInteger(n) && n >= min && n <= max ? n : fail(ctx, allowed);
  });
}

/** Finite decimal number ≥ `min`. @param fallback default when unset. */
export function numberVar(fallback: number, min = 0) {
  return raw.transform((v, ctx): number => {
    if (v === undefined) return fallback;
    const n = Number(v);
    return Number.isFinite(n) && n >= min ? n : fail(ctx, `a number ≥ ${min}`);
  });
}

/** On/off switch: `1|true|on|yes` or `0|false|off|no` (any case). @param fallback default when unset. */
export function boolVar(fallback: boolean) {
  return raw.transform((v, ctx): boolean => {
    if (v === undefined) return fallback;
    if (/^(1|true|on|yes)$/i.test(v)) return true;
    if (/^(0|false|off|no)$/i.test(v)) return false;
    return fail(ctx, 'on/off (or true/false, yes/no, 1/0)');
  });
}

/** One of `values` (exact, case-sensitive). @param fallback default when unset (undefined = none). */
export function enumVar<const V extends string, F extends V | undefined>(values: readonly V[], fallback: F) {
  return raw.transform((v, ctx): V | F => {
    if (v === undefined) return fallback;
    return (values as readonly string[]).includes(v) ? (v as V) : fail(ctx, `one of ${values.join(', ')}`);
  });
}

/** Free-form string (paths, URLs, names). @param fallback default when unset (undefined = none). */
export function stringVar<F extends string | undefined = undefined>(fallback?: F, minLength = 1) {
  return raw.transform((v, ctx): string | F => {
    if (v === undefined) return fallback as F;
    return v.length >= minLength ? v : fail(ctx, `at least ${minLength} characters`);
  });
}

/** A bad environment: one line per variable, `NAME="value": expected …`. */
export class EnvConfigError extends Error {
  override readonly name = 'EnvConfigError';
  /** The offending variables with their values and what is allowed. */
  readonly problems: { variable: string; value: string | undefined; allowed: string }[];

  constructor(problems: EnvConfigError['problems']) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p.variable}=${JSON.stringify(p.value ?? '')}: expected ${p.allowed}`).join('\n')}`);
    this.problems = problems;
  }
}

/**
 * Parses `env` with `schema` (a `z.object` of the builders above).
 * @throws EnvConfigError listing every bad variable.
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  const r = schema.safeParse(env);
  if (r.success) return r.data;
  throw new EnvConfigError(
    r.error.issues.map((i) => {
      const variable = String(i.path[0] ?? '?');
      return { variable, value: env[variable], allowed: i.message };
    }),
  );
}
