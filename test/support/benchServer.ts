/**
 * A Lectern server for benchmarks: `gateway/src/main.ts` as its own process on a free port with a
 * data directory of its own, and its owner account made the way a first-time user makes it — from
 * the one-time set-up link the server prints (POST /v1/setup), then consent to recording. The
 * server's output goes to stderr (bench stdout is the JSON result).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { BrowserContext } from 'playwright-core';
import type { AuthSession, RoomGrant, RoomRole } from '@lectern/contract';
import { signInContext } from './browser.ts';
import { repoRoot } from './fixtures.ts';

/** A running bench server with its owner signed in. */
export interface BenchServer {
  url: string;
  process: ChildProcess;
  /** The owner's access token (15 min). */
  accessToken: string;
  /** Mints a room grant for the owner (`POST /v1/rooms/:room/token`). */
  grant(roomId: string, role: RoomRole): Promise<string>;
  /** Signs a browser context in as the owner (the refresh cookie lands in it). */
  signIn(context: BrowserContext): Promise<void>;
  /** SIGTERM, wait for the exit (≤ 20 s), remove the data directory. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Extra ways to start the bench server's process. */
export interface BenchServerOptions {
  /** Node options before the entry point, after `--import tsx` (e.g. `['--import', hookFile]` for a test hook in the server). */
  execArgv?: string[];
  /** Open an IPC channel to the server (`child.send` / `process.on('message')`), e.g. for such a hook. */
  ipc?: boolean;
}

/**
 * Starts the server with `env` added to the environment and waits for `/health` (≤ `timeoutMs`).
 * @throws Error when it does not come up or the set-up fails.
 */
export async function startBenchServer(env: Record<string, string> = {}, timeoutMs = 90_000, opts: BenchServerOptions = {}): Promise<BenchServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lectern-bench-'));
  fs.chmodSync(dataDir, 0o755); // embedded PostgreSQL runs as `postgres` when the bench runs as root
  // Under util-linux's `setpriv --pdeathsig SIGTERM`: the server shuts down when the bench dies,
  // whatever killed it (the 'exit' hook below does not run on a signal).
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => fs.existsSync(p));
  const argv = ['--import', 'tsx', ...(opts.execArgv ?? []), path.join(repoRoot, 'gateway/src/main.ts')];
  const child = spawn(setpriv ?? process.execPath, setpriv ? ['--pdeathsig', 'SIGTERM', '--', process.execPath, ...argv] : argv, {
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn', LECTERN_DATA_DIR: dataDir, ...env },
    stdio: opts.ipc ? ['ignore', 'pipe', 'inherit', 'ipc'] : ['ignore', 'pipe', 'inherit'],
  });
  const kill = () => child.exitCode === null && child.kill('SIGTERM');
  process.on('exit', kill);
  const setupToken = new Promise<string>((resolve) => {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      process.stderr.write(`${line}\n`);
      const m = /\/setup\?token=([A-Za-z0-9_-]+)/.exec(line);
      if (m) resolve(m[1]!);
    });
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {}
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`server did not start in ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const owner = { email: 'bench-owner@lectern.test', password: `bench-${Date.now()}-pw`, displayName: 'Bench owner' };
  const res = await fetch(`${url}/v1/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ setupToken: await setupToken, orgName: 'Bench', ...owner }),
  });
  if (!res.ok) throw new Error(`set-up failed: ${res.status} ${await res.text()}`);
  const { accessToken } = (await res.json()) as AuthSession;
  const authorization = `Bearer ${accessToken}`;
  await fetch(`${url}/v1/me/consent`, { method: 'POST', headers: { authorization } });
  return {
    url,
    process: child,
    accessToken,
    async grant(roomId, role) {
      const r = await fetch(`${url}/v1/rooms/${encodeURIComponent(roomId)}/token`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify({ role }) });
      if (!r.ok) throw new Error(`grant refused: ${r.status} ${await r.text()}`);
      return ((await r.json()) as RoomGrant).grant;
    },
    async signIn(context) {
      await signInContext(context, url, owner);
    },
    async stop() {
      const exited = new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      kill();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
