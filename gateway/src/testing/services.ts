/**
 * Test helpers: real PostgreSQL (the run's server: `TEST_DATABASE_URL`, or the embedded one that
 * test/globalSetup.ts starts) and a real s3rver, each isolated per test file (unique schema, temp
 * directories).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The run's PostgreSQL server: `TEST_DATABASE_URL` as given, or the embedded server that
 * test/globalSetup.ts starts for the run (it sets the variable before the test files load).
 * Empty outside a vitest run; {@link testDatabaseUrl} explains.
 */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? '';

/** A schema name unique to this run, e.g. `t_k3j9x0_frames`. */
export function uniqueSchema(label: string): string {
  return `t_${randomBytes(4).toString('hex')}_${label}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

/**
 * A temp directory that the `postgres` system user can traverse (embedded PostgreSQL runs as it
 * when the tests run as root). Removed by the returned cleanup.
 */
export function tempDir(label: string): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `lectern-${label}-`));
  fs.chmodSync(dir, 0o755);
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Resolves when `cond()` is true, polling every `everyMs`. @throws Error after `timeoutMs`. */
export async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
