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

/** JSON Schema (draft-07, what Fastify's Ajv compiles) of a zod schema, for route validation. */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { target: 'draft-7', io }) as Record<string, unknown>;
  return rest;
}
