/**
 * Two Lectern nodes on one machine sharing Redis (the run's redis-server, TEST_REDIS_URL) and one
 * PostgreSQL database (#12 item 7 and the admission checks):
 *   - node A runs as its own process (`gateway/src/main.ts`, so the test can SIGKILL it), node B in
 *     this process (the test drives its admission threshold: 0 drains it);
 *   - a presenter page (headless Chromium, real speech) publishes on A; a coach that connects to B
 *     is answered `WRONG_NODE` and follows it to A, where frames, captions and cues flow;
 *   - with A's threshold low (here B's, the node the test controls), the next room joined on that
 *     node is placed on the other one; with every node refusing, `room:join` answers `CAPACITY`
 *     with a retry-after and a sentence; rooms already running still take peers;
 *   - SIGKILL of A: its clients lose their connection (the page says so), and a rejoin through B
 *     lands on B at once (B probes A, finds it dead and takes the room over).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import readline from 'node:readline';
import type { Browser, Page } from 'playwright-core';
import postgres from 'postgres';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LecternNode, startLectern } from '@lectern/gateway';
import { roomKey } from '../../gateway/src/access/RoomKey.ts';
import { freePort } from '../../gateway/src/db/EmbeddedPostgresServer.ts';
import { createTestAccount, roomGrant, type TestAccount } from '../../gateway/src/testing/access.ts';
import { TEST_DATABASE_URL, tempDir, waitUntil } from '../../gateway/src/testing/services.ts';
import { launchChromium, signedInPage } from '../support/browser.ts';
import { repoRoot, speechFixture } from '../support/fixtures.ts';
import { JoinRefusedError, RoomObserver } from '../support/observer.ts';

const REDIS_URL = process.env.TEST_REDIS_URL!;
const fixture = speechFixture();
const jwtSecret = randomBytes(32).toString('hex');
const dbName = `lectern_cluster_${randomBytes(4).toString('hex')}`;
const dbUrl = (() => {
  const u = new URL(TEST_DATABASE_URL);
  u.pathname = `/${dbName}`;
  return u.toString();
})();
const workA = tempDir('cluster-a');
const workB = tempDir('cluster-b');
const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
const redis = new Redis(REDIS_URL);

let urlA = '';
let nodeAProcess: ChildProcess;
let nodeB: LecternNode;
let browser: Browser;
let presenterPage: Page;
let owner: TestAccount;
const observers: RoomObserver[] = [];


/** Node A: `gateway/src/main.ts` as a process of its own, on the shared database and Redis. */
async function startNodeA(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'gateway/src/main.ts')], {
    env: {
      ...process.env,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      LECTERN_DATA_DIR: workA.dir,
      DATABASE_URL: dbUrl,
      REDIS_URL,
      LECTERN_NODE_ID: 'node-a',
      LECTERN_ADVERTISED_URL: `http://127.0.0.1:${port}`,
      LECTERN_JWT_SECRET: jwtSecret,
      LECTERN_RECORDING: 'off',
      LECTERN_POSE_PROCESSES: '0',
      LECTERN_SFU_WORKERS: '1',
      LECTERN_JOBS: 'off',
      LECTERN_RTC_MIN_PORT: '41000',
      LECTERN_RTC_MAX_PORT: '41999',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  readline.createInterface({ input: child.stdout! }).on('line', (l) => process.stderr.write(`[node-a] ${l}\n`));
  await waitUntil(async () => {
    if (child.exitCode !== null) throw new Error(`node A exited with code ${child.exitCode}`);
    return fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
  }, 90_000, 'node A /health', 200);
  return child;
}

/** The node id Redis has for a room (`lectern:room:<orgId>:<room>`). */
const roomNode = (room: string) => redis.get(`lectern:room:${roomKey(owner.orgId, room)}`);

async function join(url: string, room: string, role: 'viewer' | 'coach'): Promise<RoomObserver> {
  const obs = await RoomObserver.join(url, room, { accessToken: owner.accessToken, grant: await roomGrant(nodeB, owner, room, role), role });
  observers.push(obs);
  return obs;
}

beforeAll(async () => {
  await admin.unsafe(`CREATE DATABASE ${dbName}`);
  await redis.flushdb();
  const portA = await freePort();
  urlA = `http://127.0.0.1:${portA}`;
  // B first (it migrates the new database), then A on the same database.
  nodeB = await startLectern({
    port: 0,
    nodeId: 'node-b',
    databaseUrl: dbUrl,
    dataDir: workB.dir,
    sfuWorkers: 1,
    analyzerProcesses: 1,
    poseProcesses: 0,
    recording: false,
    logLevel: 'warn',
    rtcMinPort: 42000,
    rtcMaxPort: 42999,
    reports: { work: false, retryLimit: 0, retryDelaySec: 1, poseFps: 1 },
    auth: { jwtSecret },
    cluster: { redisUrl: REDIS_URL },
  });
  [nodeAProcess, browser] = await Promise.all([startNodeA(portA), launchChromium({ audioFile: fixture.wav48k })]);
  owner = await createTestAccount(nodeB, { role: 'owner' });
  presenterPage = (await signedInPage(browser, urlA, owner, { label: 'presenter' })).page;
}, 180_000);

afterAll(async () => {
  for (const o of observers) o.close();
  await browser?.close();
  if (nodeAProcess && nodeAProcess.exitCode === null) nodeAProcess.kill('SIGKILL');
  await nodeB?.close();
  redis.disconnect();
  await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
  await admin.end();
  workA.cleanup();
  workB.cleanup();
});

describe('two nodes sharing Redis', () => {
  it('both nodes are in the registry, each with its load figure', async () => {
    await waitUntil(async () => (await nodeB.placement.nodes()).length === 2, 10_000, 'two nodes registered');
    const nodes = (await nodeB.placement.nodes()).sort((a, b) => a.nodeId.localeCompare(b.nodeId));
    expect(nodes.map((n) => [n.nodeId, n.url])).toEqual([['node-a', urlA], ['node-b', nodeB.url]]);
    for (const n of nodes) expect(n.load).toBeGreaterThanOrEqual(0);
    const health = (await (await fetch(`${urlA}/health`)).json()) as { cluster: { node: { nodeId: string }; nodes: unknown[] } };
    expect(health.cluster.node.nodeId).toBe('node-a');
    expect(health.cluster.nodes).toHaveLength(2);
  });

  it('presenter on A, coach connected to B: the coach is sent to A; frames, captions and cues flow', async () => {
    nodeB.heartbeat.setThreshold(0); // B takes no new rooms, so the presenter's room lands on A
    await presenterPage.goto(`${urlA}/rehearse?room=cluster-1&autostart=1&video=0`);
    await waitUntil(async () => (await roomNode('cluster-1')) === 'node-a', 30_000, 'room cluster-1 placed on node A');
    nodeB.heartbeat.setThreshold(0.7);

    const coach = await join(nodeB.url, 'cluster-1', 'coach');
    expect(coach.redirectedFrom).toEqual([nodeB.url]);
    expect(coach.url).toBe(urlA);
    await coach.waitFor(() => coach.frames.length > 20, 30_000, 'voice frames at the coach');
    await coach.waitFor(() => coach.captions.some((c) => c.caption.words.length > 0), 60_000, 'captions at the coach');
    const cue = await coach.request<{ cueId: string; deliveredTo: number }>('cue:send', { text: 'Slow down' });
    expect(cue).toMatchObject({ ok: true, data: { deliveredTo: 1 } });
    await presenterPage.getByTestId('coach-cue').waitFor({ timeout: 10_000 });
    expect(await presenterPage.getByTestId('coach-cue').textContent()).toMatch(/Slow down/);
  });

  it('admission: a node whose threshold is forced low sends the next room to the other node; with none left, CAPACITY', async () => {
    nodeB.heartbeat.setThreshold(0); // "forced low": B takes no new room
    // A joins through B: placed on A (the only node admitting), so B answers WRONG_NODE → A.
    const viewer = await join(nodeB.url, 'cluster-2', 'viewer');
    expect(viewer.url).toBe(urlA);
    expect(await roomNode('cluster-2')).toBe('node-a');
    viewer.close();
    // With A's rooms running, a coach still joins the running room through B (rooms keep going).
    const second = await join(nodeB.url, 'cluster-1', 'viewer');
    expect(second.url).toBe(urlA);
    second.close();
    nodeB.heartbeat.setThreshold(0.7);
  });

  it('a revocation on B ends the matching socket on A (Socket.IO Redis adapter)', async () => {
    const coachAccount = await createTestAccount(nodeB, { role: 'admin', orgId: owner.orgId });
    const grant = await roomGrant(nodeB, coachAccount, 'cluster-1', 'coach');
    const coach = await RoomObserver.join(nodeB.url, 'cluster-1', { accessToken: coachAccount.accessToken, grant, role: 'coach' });
    observers.push(coach);
    expect(coach.url).toBe(urlA);
    const revoked = new Promise<{ code: string; message: string }>((resolve) => coach.socket.once('auth:revoked', resolve));
    const t0 = Date.now();
    const n = nodeB.sessions!.access.sockets.revoke({ userId: coachAccount.userId }, 'your membership was removed');
    expect(n).toBe(0); // none of this user's sockets is on B…
    expect(await revoked).toMatchObject({ code: 'ACCESS_REVOKED', message: 'your membership was removed' }); // …the one on A ends
    console.log(`[cluster] revocation on node B reached the socket on node A in ${Date.now() - t0} ms`);
  });

  it('killing node A: its clients get a clear error, and their rejoin lands on B', async () => {
    const coach = observers.find((o) => o.url === urlA && o.socket.connected)!;
    const lost = new Promise<string>((resolve) => coach.socket.once('disconnect', (reason) => resolve(reason)));
    nodeAProcess.kill('SIGKILL');
    const t0 = Date.now();
    expect(await lost).toMatch(/transport (close|error)/);
    // The presenter's page says the connection is gone (its socket store reconnects).
    await presenterPage.getByTestId('error-banner').waitFor({ timeout: 15_000 });
    expect(await presenterPage.getByTestId('error-banner').textContent()).toMatch(/connection|reach/i);

    // Only node B left, and it drained: the rejoin is refused with CAPACITY, a retry-after and a sentence.
    nodeB.heartbeat.setThreshold(0);
    const refused = await join(nodeB.url, 'cluster-1', 'coach').then(() => null, (e: unknown) => e);
    expect(refused).toBeInstanceOf(JoinRefusedError);
    const body = (refused as JoinRefusedError).error;
    expect(body.code).toBe('CAPACITY');
    expect(body.retryAfterSec).toBeGreaterThanOrEqual(1);
    expect(body.message).toMatch(/at capacity.*rooms already running are not affected.*Try again in \d+ s/);

    nodeB.heartbeat.setThreshold(0.7);
    const rejoined = await join(nodeB.url, 'cluster-1', 'coach');
    const rejoinMs = Date.now() - t0;
    expect(rejoined.url).toBe(nodeB.url);
    expect(rejoined.redirectedFrom).toEqual([]);
    expect(await roomNode('cluster-1')).toBe('node-b');
    expect((await nodeB.placement.nodes()).map((n) => n.nodeId)).toEqual(['node-b']);
    console.log(`[cluster] node A killed → coach rejoined on node B after ${rejoinMs} ms (registry TTL 6 s not waited for)`);

    // A presenter publishing through B now reaches the coach on B.
    const page = (await signedInPage(browser, nodeB.url, owner, { label: 'presenter-b' })).page;
    await page.goto(`${nodeB.url}/rehearse?room=cluster-1&autostart=1&video=0`);
    await rejoined.waitFor(() => rejoined.frames.length > 10, 30_000, 'voice frames from the presenter on node B');
  });
});
