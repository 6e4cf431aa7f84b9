import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonSchema, ListQuerySchema, TimelineQuerySchema } from './schemas.ts';

describe('jsonSchema', () => {
  const app = Fastify();
  app.get('/list', { schema: { querystring: jsonSchema(ListQuerySchema) } }, async (req) => req.query);
  app.get('/timeline', { schema: { querystring: jsonSchema(TimelineQuerySchema) } }, async (req) => req.query);
  afterAll(() => app.close());

  it('checks request numbers again after coercion, not response numbers', () => {
    expect(jsonSchema(ListQuerySchema)).toMatchObject({ properties: { limit: { type: 'integer', allOf: [{ type: 'integer' }] } } });
    expect(JSON.stringify(jsonSchema(ListQuerySchema, 'output'))).not.toContain('allOf');
  });

  it('answers 400 for query numbers that coerce to ±Infinity (Ajv skips min/max for them), and keeps finite ones', async () => {
    for (const url of ['/list?limit=Infinity', '/list?limit=1e400', '/list?limit=-Infinity', '/timeline?fromSec=Infinity', '/timeline?toSec=1e999']) {
      const r = await app.inject({ url });
      expect(r.statusCode, url).toBe(400);
      expect(r.json().message, url).toMatch(/must be (integer|number)/);
    }
    expect((await app.inject({ url: '/list?limit=100' })).json()).toEqual({ limit: 100 });
    expect((await app.inject({ url: '/list' })).json()).toEqual({ limit: 20 });
    expect((await app.inject({ url: '/list?limit=101' })).statusCode).toBe(400);
    expect((await app.inject({ url: '/timeline?fromSec=1.5' })).json()).toEqual({ fromSec: 1.5 });
  });
});
