import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../gateway/src/db/EmbeddedPostgresServer.ts';

/** A throw-away `redis-server` (Debian package `redis-server`, installed by scripts/setup.sh) on a free loopback port. */
export interface TestRedis {
  /** e.g. `redis://127.0.0.1:40123`. */
  url: string;
  stop(): Promise<void>;
}


/**
 * Starts `redis-server` with no persistence in a temp directory and waits until it accepts
 * connections (≤ 10 s).
 * @param opts.port a fixed port (e.g. to start a stopped server again where its clients reconnect); default a free one.
 * @throws Error naming the fix when `redis-server` is not installed or does not come up.
 */
export async function startTestRedis(opts: { port?: number } = {}): Promise<TestRedis> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lectern-test-redis-'));
  const port = opts.port ?? (await freePort());
  let child: ChildProcess;
  try {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new Error(`cannot start redis-server (${(err as Error).message}): run \`bash scripts/setup.sh\` (installs the Debian package redis-server)`);
  }
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (err) => reject(new Error(`cannot start redis-server (${err.message}): run \`bash scripts/setup.sh\` (installs the Debian package redis-server)`))),
  );
  const deadline = Date.now() + 10_000;
  const up = (async () => {
    while (Date.now() < deadline) {
      const ok = await new Promise<boolean>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => {
          s.end();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      });
      if (ok) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server did not accept connections on 127.0.0.1:${port} within 10 s`);
  })();
  await Promise.race([up, spawnError]);
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
