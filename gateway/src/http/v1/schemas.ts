import { z } from 'zod';

/** A session id: a UUID (any version), lower or upper case. */
export const SessionIdSchema = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a UUID');

/** `:id` path parameter. */
export const SessionParamsSchema = z.object({ id: SessionIdSchema }).strict();

/** `GET /v1/sessions` query: page size 1–100 (default 20) and the previous page's `nextCursor`. */
export const ListQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().max(200).optional(),
  })
  .strict();

/** `GET /v1/sessions/:id/timeline` query: optional media-time range [fromSec, toSec). */
export const TimelineQuerySchema = z
  .object({
    fromSec: z.coerce.number().min(0).optional(),
    toSec: z.coerce.number().min(0).optional(),
  })
  .strict();

// Response shapes (sessions, Problem+JSON) are the contract's: `@lectern/contract` sessions.ts.

/**
 * Ajv keyword `finite: true` (added by {@link jsonSchema} to every number of a request schema):
 * the value is a finite number. Ajv's type coercion turns the query strings "Infinity" and "1e400"
 * into `Infinity` and then skips `minimum`/`maximum` for non-finite numbers (ajv 8.20, seen by the
 * HTTP fuzz: `GET /v1/progress?limit=Infinity` reached SQL and answered 500); this keyword makes
 * them a 400 like any other out-of-range value. Register with Fastify's `ajv.plugins`.
 */
export function finiteNumberKeyword<A extends { addKeyword(def: never): unknown }>(ajv: A): A {
  const validate = (on: boolean, data: unknown): boolean => {
    const ok = !on || typeof data !== 'number' || Number.isFinite(data);
    validate.errors = ok ? null : [{ keyword: 'finite', message: 'must be a finite number', params: {} }];
    return ok;
  };
  validate.errors = null as null | object[];
  (ajv.addKeyword as (def: object) => unknown).call(ajv, {
    keyword: 'finite',
    // No `type: 'number'`: Ajv guards its number keywords with isFinite, which would skip this one too.
    schemaType: 'boolean',
    errors: true,
    validate,
  });
  return ajv;
}

/** Adds `finite: true` to every number/integer node of a JSON Schema (in place). */
function markFinite(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(markFinite);
  if (!node || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  if (o.type === 'number' || o.type === 'integer') o.finite = true;
  for (const v of Object.values(o)) markFinite(v);
}

/**
 * JSON Schema (draft-07, what Fastify's Ajv compiles) of a zod schema, for route validation.
 * Request (`'input'`) schemas carry the `finite` keyword of {@link finiteNumberKeyword} on numbers.
 */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { target: 'draft-7', io }) as Record<string, unknown>;
  if (io === 'input') markFinite(rest);
  return rest;
}
