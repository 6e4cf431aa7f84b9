import { afterAll, beforeAll } from 'vitest';
import { type LecternNode, startLectern } from '../app.ts';
import { Database } from '../db/Database.ts';
import { createTestAccount, type TestAccount } from './access.ts';
import { TEST_DATABASE_URL, tempDir, uniqueSchema } from './services.ts';

/** What {@link useTestNode} gives a test file once its `beforeAll` has run. */
export interface TestNode {
  db: Database;
  node: LecternNode;
  /** The organization's owner (may present and mint coach and viewer grants). */
  owner: TestAccount;
}

/**
 * Registers `beforeAll`/`afterAll` for a file's gateway: a schema of its own on the run's
 * PostgreSQL (`uniqueSchema(tag)`), one mediasoup worker, one analyzer process, no pose, no
 * recording, silent logs, and an owner account; afterwards the node is closed and the schema
 * dropped. Read the fields inside tests (they are set once `beforeAll` ran).
 */
export function useTestNode(tag: string): TestNode {
  const work = tempDir(tag);
  const t = {} as TestNode;
  beforeAll(async () => {
    t.db = await Database.connect({ url: TEST_DATABASE_URL, schema: uniqueSchema(tag.replace(/-/g, '_')) });
    t.node = await startLectern(
      { port: 0, sfuWorkers: 1, analyzerProcesses: 1, poseProcesses: 0, recording: false, logLevel: 'silent', dataDir: work.dir },
      { database: t.db },
    );
    t.owner = await createTestAccount(t.node);
  }, 60_000);
  afterAll(async () => {
    await t.node?.close();
    await t.db?.dropSchema();
    await t.db?.close();
    work.cleanup();
  });
  return t;
}
