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
 * Adds `allOf: [{ type }]` to every number/integer node of a request JSON Schema (in place), so
 * "Infinity" and "1e400" are a 400. Why: Ajv's type coercion turns those query strings into
 * `Infinity` and then skips `minimum`/`maximum`, which it guards with isFinite (ajv 8.20; seen by
 * the HTTP fuzz: `GET /v1/progress?limit=Infinity` reached SQL and answered 500). The nested
 * `type` checks the already-coerced value, and Ajv's number types exclude ±Infinity and NaN.
 * Plain JSON Schema: no Ajv plugin needed, so every Fastify instance validates the same.
 */
function requireFinite(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(requireFinite);
  if (!node || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  for (const v of Object.values(o)) requireFinite(v);
  const types = Array.isArray(o.type) ? o.type : [o.type];
  if (types.includes('number') || types.includes('integer')) o.allOf = [...((o.allOf as unknown[]) ?? []), { type: o.type }];
}

/**
 * JSON Schema (draft-07, what Fastify's Ajv compiles) of a zod schema, for route validation.
 * Request (`'input'`) schemas reject non-finite numbers ({@link requireFinite}).
 */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { target: 'draft-7', io }) as Record<string, unknown>;
  if (io === 'input') requireFinite(rest);
  return rest;
}
