/**
 * Regressions found by test/fuzz/http.fuzz.test.ts (#13): errors raised before or outside the /v1
 * plugins were Fastify's default JSON (`{statusCode, code, error, message}`), not Problem+JSON —
 * a CORS preflight with `content-type: application/json` and no body (security.ts: root error
 * handler), and a path parameter over `maxParamLength` → 414 (app.ts: `frameworkErrors`). Against a
 * real node (PostgreSQL of the run, a schema of its own).
 */
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type LecternNode, startLectern } from '../app.ts';
import { Database } from '../db/Database.ts';
import { TEST_DATABASE_URL, tempDir, uniqueSchema } from '../testing/services.ts';

const work = tempDir('problem-errors');
let db: Database;
let node: LecternNode;

beforeAll(async () => {
  db = await Database.connect({ url: TEST_DATABASE_URL, schema: uniqueSchema('problem_errors') });
  node = await startLectern({ port: 0, sfuWorkers: 1, analyzerProcesses: 1, poseProcesses: 0, recording: false, logLevel: 'silent', dataDir: path.join(work.dir, 'node') }, { database: db });
}, 120_000);

afterAll(async () => {
  await node?.close();
  await db?.dropSchema();
  await db?.close();
  work.cleanup();
});

const expectProblem = (res: { statusCode: number; headers: Record<string, unknown>; json(): unknown }, status: number) => {
  expect(res.statusCode).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
  expect(res.json()).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
};

it('answers a body refused before routing (OPTIONS, JSON type, no body) with Problem+JSON 400', async () => {
  const res = await node.http.inject({ method: 'OPTIONS', url: '/v1/auth/password', headers: { 'content-type': 'application/json' } });
  expectProblem(res, 400);
});

it('answers a path parameter over maxParamLength with Problem+JSON 414', async () => {
  const res = await node.http.inject({ method: 'POST', url: `/v1/sessions/${'A'.repeat(3000)}/end` });
  expectProblem(res, 414);
});

it('answers a malformed percent-encoding in the path with Problem+JSON 400', async () => {
  const res = await node.http.inject({ method: 'GET', url: '/v1/sessions/%zz' });
  expect(res.statusCode).toBeLessThan(500);
  expectProblem(res, res.statusCode);
});
