/**
 * Test helpers: real PostgreSQL (the run's server: `TEST_DATABASE_URL`, or the embedded one that
 * test/globalSetup.ts starts) and a real s3rver, each isolated per test file (unique schema, temp
 * directories).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Database } from '../db/Database.ts';
import { EmbeddedS3Server } from '../storage/EmbeddedS3Server.ts';
import { ObjectStore } from '../storage/ObjectStore.ts';

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

/**
 * The real storage of one test file: a database schema of its own on the run's PostgreSQL and an
 * s3rver (bucket `lectern`) under a temp directory, with an {@link ObjectStore} on it. Construct
 * at module level (`work.dir` and `s3` are usable at once; tests stop and start `s3` for outages),
 * `start()` in beforeAll, `close()` in afterAll (drops the schema, stops s3rver, removes the dir).
 */
export class TestStorage {
  /** The temp directory (traversable by the `postgres` user). */
  readonly work: { dir: string; cleanup: () => void };
  readonly s3: EmbeddedS3Server;
  db!: Database;
  objects!: ObjectStore;

  /** @param label names the temp directory and the schema. */
  constructor(private readonly label: string) {
    this.work = tempDir(label);
    this.s3 = new EmbeddedS3Server({ directory: path.join(this.work.dir, 's3'), bucket: 'lectern' });
  }

  /** Starts s3rver, connects (and migrates) the schema, makes the bucket. */
  async start(): Promise<this> {
    await this.s3.start();
    this.db = await Database.connect({ url: TEST_DATABASE_URL, schema: uniqueSchema(this.label) });
    this.objects = new ObjectStore({ endpoint: this.s3.endpoint, bucket: 'lectern', region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true });
    await this.objects.ensureBucket();
    return this;
  }

  /** Drops the schema, closes the clients, stops s3rver and removes the temp directory. */
  async close(): Promise<void> {
    this.objects?.close();
    await this.db?.dropSchema();
    await this.db?.close();
    await this.s3.stop();
    this.work.cleanup();
  }
}
