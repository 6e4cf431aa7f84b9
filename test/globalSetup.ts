import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedPostgresServer } from '../gateway/src/db/EmbeddedPostgresServer.ts';
import { ensureSpeechFixture } from './support/fixtures.ts';
import { startTestRedis, type TestRedis } from './support/redisServer.ts';

/**
 * Once per test run: builds the real-speech fixtures (idempotent; scripts/fixtures.sh) and, when
 * `TEST_DATABASE_URL` is unset, starts one embedded PostgreSQL for the whole run (each test file
 * then works in its own schema, see gateway/src/testing/services.ts). A machine with no database
 * server running passes; set `TEST_DATABASE_URL` to test against another server. Likewise one
 * `redis-server` on a free port (`TEST_REDIS_URL`, for the multi-node tests) unless it is set.
 * @returns the teardown, which stops the server and removes its temp directory.
 */
export default async function setup(): Promise<() => Promise<void>> {
  ensureSpeechFixture();
  let redis: TestRedis | null = null;
  if (!process.env.TEST_REDIS_URL) {
    redis = await startTestRedis();
    process.env.TEST_REDIS_URL = redis.url;
    console.log(`[test setup] redis-server for this run at ${redis.url}; set TEST_REDIS_URL to use another server`);
  }
  if (process.env.TEST_DATABASE_URL) return async () => void (await redis?.stop());
  // /tmp is searchable by the `postgres` user, which the server runs as when the tests run as root.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lectern-test-pg-'));
  fs.chmodSync(dir, 0o755);
  const pg = new EmbeddedPostgresServer({ dataDir: path.join(dir, 'pgdata'), database: 'test' });
  const t0 = performance.now();
  await pg.start();
  console.log(`[test setup] embedded PostgreSQL for this run on 127.0.0.1:${pg.port} (${(performance.now() - t0).toFixed(0)} ms); set TEST_DATABASE_URL to use another server`);
  process.env.TEST_DATABASE_URL = pg.url;
  return async () => {
    await pg.stop();
    await redis?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
}
