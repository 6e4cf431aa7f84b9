/**
 * Process kills mid-session (#13), with real processes throughout: the gateway runs as its own
 * process (`gateway/src/main.ts`) on a database of its own in the run's PostgreSQL, recording to
 * s3rver; headless Chromium publishes real speech (LibriVox fixture) and the pose video fixture.
 *   (a) SIGKILL of the gateway after ~10 s of recording: every descendant (mediasoup worker,
 *       analyzer and pose processes, ffmpeg recorder and decoders, tsx's esbuild) is gone within
 *       10 s; a restart on the same database, spool directory and S3 repairs and uploads the
 *       recording, ends the session `crashed` with its media up to the kill; the WebM plays and
 *       decodes without errors; ≤ 1 s of metric rows are lost.
 *   (b) SIGKILL of the pose process: it is restarted, body frames resume, voice frames never stop;
 *       its ffmpeg decoders are gone within 10 s (its inference worker is a thread of it).
 *   (c) SIGKILL of the analyzer process: its descendants are gone within 10 s (the recovery itself
 *       is test/e2e/recording.test.ts's).
 *   (d) The gateway killed while it starts, and a start that fails (port in use): no child lingers.
 *   (e) A process running a post-session full pass (FullPassRunner) SIGKILLed: the full-pass child
 *       and whatever it runs are gone within 10 s (before: the pass ran on to its end, minutes).
 * Figures are printed with a `[measure]` prefix; orphan timings as a table.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import type { Browser, Page } from 'playwright-core';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poseFixture } from '../../analyzers/test/poseSupport.ts';
import { freePort } from '../../gateway/src/db/EmbeddedPostgresServer.ts';
import { EmbeddedS3Server } from '../../gateway/src/storage/EmbeddedS3Server.ts';
import { TEST_DATABASE_URL, tempDir, waitUntil } from '../../gateway/src/testing/services.ts';
import { launchChromium, signedInPage } from '../support/browser.ts';
import { repoRoot, speechFixture } from '../support/fixtures.ts';
import { longSpeechWebm } from '../support/longSpeech.ts';
import { type TreeMember, descendantsOf, formatTimings, killSurvivors, waitForExit } from '../support/processTree.ts';

/** Issue #13: no process outlives its parent by more than this. */
const ORPHAN_LIMIT_MS = 10_000;
const NODE_ID = 'faults-node';
const fixture = speechFixture();
const clip = poseFixture('320x240');
const jwtSecret = randomBytes(32).toString('hex');
const dbName = `lectern_faults_${randomBytes(4).toString('hex')}`;
const dbUrl = (() => {
  const u = new URL(TEST_DATABASE_URL);
  u.pathname = `/${dbName}`;
  return u.toString();
})();
const work = tempDir('faults-kill');
const dataDir = path.join(work.dir, 'node');
const s3 = new EmbeddedS3Server({ directory: path.join(work.dir, 's3'), bucket: 'lectern' });
const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
let sql: postgres.Sql;
let browser: Browser;
let gateway: Gateway | null = null;
const owner = { email: 'owner@faults.lectern', password: `pw-${randomBytes(9).toString('base64url')}` };
/** Every process the test saw under a gateway: killed at the end if a check failed. */
const tracked: TreeMember[] = [];

interface Gateway {
  child: ChildProcess;
  url: string;
  /** Lines of its stdout (the set-up link is printed there). */
  lines: string[];
}

function gatewayEnv(port: number, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    LECTERN_DATA_DIR: dataDir,
    DATABASE_URL: dbUrl,
    S3_ENDPOINT: s3.endpoint,
    S3_BUCKET: 'lectern',
    LECTERN_NODE_ID: NODE_ID,
    LECTERN_JWT_SECRET: jwtSecret,
    LECTERN_SFU_WORKERS: '1',
    LECTERN_POSE_PROCESSES: '1',
    LECTERN_JOBS: 'off',
    LECTERN_RTC_MIN_PORT: '43000',
    LECTERN_RTC_MAX_PORT: '43999',
    ...extra,
  };
}

/** Starts `gateway/src/main.ts` as a process of its own; resolves once `/health` answers. */
async function startGateway(): Promise<Gateway> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'gateway/src/main.ts')], {
    cwd: repoRoot,
    env: gatewayEnv(port),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  readline.createInterface({ input: child.stdout! }).on('line', (l) => {
    lines.push(l);
    process.stderr.write(`[gateway] ${l}\n`);
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(async () => {
    if (child.exitCode !== null) throw new Error(`the gateway exited with code ${child.exitCode}`);
    return fetch(`${url}/health`).then((r) => r.ok, () => false);
  }, 120_000, 'gateway /health', 200);
  return { child, url, lines };
}

/** Descendants of `pid`, remembered for the final clean-up. */
function snapshot(pid: number): TreeMember[] {
  const members = descendantsOf(pid);
  tracked.push(...members);
  return members;
}

/** SIGKILLs `pid`, then times how long each of `members` outlives it; prints the table. */
async function killAndTime(pid: number, members: TreeMember[], label: string): Promise<{ maxMs: number; survivors: TreeMember[] }> {
  const killedAtMs = Date.now();
  process.kill(pid, 'SIGKILL');
  const timings = await waitForExit(members, killedAtMs, ORPHAN_LIMIT_MS + 5000);
  console.log(`[measure] ${label}: ${members.length} descendants, time each outlived its killed ancestor:\n${formatTimings(timings)}`);
  const survivors = timings.filter((t) => t.goneAfterMs === null || t.goneAfterMs > ORPHAN_LIMIT_MS);
  return { maxMs: Math.max(0, ...timings.map((t) => t.goneAfterMs ?? Infinity)), survivors };
}

/** The gateway's child whose command line contains `needle` (e.g. the pose process's entry). */
function childOf(gw: Gateway, needle: string): TreeMember {
  const found = descendantsOf(gw.child.pid!).find((m) => m.ppid === gw.child.pid && m.cmdline.includes(needle));
  if (!found) throw new Error(`no child of the gateway runs ${needle}`);
  return found;
}

async function accessToken(url: string): Promise<string> {
  const res = await fetch(`${url}/v1/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(owner) });
  if (!res.ok) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

/** Opens /rehearse in `room` and waits for its live session; returns the page and the session id. */
async function publish(url: string, room: string): Promise<{ page: Page; sessionId: string }> {
  const { page } = await signedInPage(browser, url, owner, { label: room, context: { viewport: { width: 1280, height: 720 } } });
  page.on('close', () => void page.context().close().catch(() => {}));
  await page.goto(`${url}/rehearse?room=${room}&autostart=1`);
  let sessionId = '';
  await waitUntil(async () => {
    const [row] = await sql<{ id: string }[]>`SELECT s.id FROM sessions s WHERE s.state = 'live' AND (s.room_id = ${room} OR s.room_id LIKE ${`%:${room}`}) ORDER BY s.started_at DESC LIMIT 1`;
    return !!(sessionId = row?.id ?? '');
  }, 60_000, `live session of ${room}`, 300);
  return { page, sessionId };
}

const frameCount = async (id: string, kind: string, afterMs = 0): Promise<number> =>
  (await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM metric_frames WHERE session_id = ${id} AND kind = ${kind} AND server_time_ms > ${afterMs}`)[0]!.n;

function probeDurationSec(file: string): number {
  return Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]).toString().trim());
}

/**
 * `ffmpeg -v error -i file -f null -`: decodes every stream. Its output lines, split into the null
 * muxer's complaints about two frames with the same millisecond timestamp (WebM's time base; the
 * fake camera sometimes delivers frames in a burst after a stall — seen in ordinary recordings as
 * well) and everything else (decoding errors).
 */
function decodeCheck(file: string): { status: number | null; errors: string[]; sameTimestampWarnings: number } {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-'], { encoding: 'utf8' });
  const lines = r.stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const dts = (l: string) => /non monotonically increasing dts to muxer/.test(l);
  return { status: r.status, errors: lines.filter((l) => !dts(l)), sameTimestampWarnings: lines.filter(dts).length };
}

/** Downloads a session's recording through the API's presigned URL into `dir`. */
async function downloadRecording(url: string, sessionId: string, dir: string, prefix = ''): Promise<{ file: string; mediaTimeOriginSec: number | null }> {
  const token = await accessToken(url);
  const detail = (await (await fetch(`${url}/v1/sessions/${sessionId}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { recordingUrl: string | null; mediaTimeOriginSec: number | null };
  expect(detail.recordingUrl).toEqual(expect.stringContaining('http://127.0.0.1'));
  const file = path.join(dir, `${prefix}${sessionId}.webm`);
  fs.writeFileSync(file, Buffer.from(await (await fetch(detail.recordingUrl!)).arrayBuffer()));
  return { file, mediaTimeOriginSec: detail.mediaTimeOriginSec };
}

beforeAll(async () => {
  await admin.unsafe(`CREATE DATABASE ${dbName}`);
  sql = postgres(dbUrl, { max: 2, onnotice: () => {} });
  await s3.start();
  [gateway, browser] = await Promise.all([startGateway(), launchChromium({ audioFile: fixture.wav48k, videoFile: clip.y4m })]);
  // A fresh database: the owner account comes from the one-time set-up link the gateway printed.
  const token = gateway.lines.join('\n').match(/\/setup\?token=([\w-]+)/)?.[1];
  expect(token, 'set-up link on stdout').toBeTruthy();
  const res = await fetch(`${gateway.url}/v1/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ setupToken: token, email: owner.email, password: owner.password, displayName: 'Fault tester' }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  if (gateway && gateway.child.exitCode === null) {
    gateway.child.kill('SIGTERM');
    await new Promise((r) => gateway!.child.once('exit', r));
  }
  killSurvivors(tracked);
  await sql?.end();
  await s3.stop();
  await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
  await admin.end();
  work.cleanup();
}, 60_000);

describe('process kills mid-session', () => {
  it('(a) SIGKILL of the gateway: no orphan after 10 s; the restart repairs and uploads the recording, the session ends crashed, ≤ 1 s of metric rows lost', async () => {
    const gw = gateway!;
    const room = 'kill-gateway';
    const { page, sessionId } = await publish(gw.url, room);
    await waitUntil(async () => (await frameCount(sessionId, 'voice')) >= 20, 60_000, 'first voice frames', 300);
    const [{ firstMs } = { firstMs: Date.now() }] = await sql<{ firstMs: number }[]>`SELECT min(server_time_ms)::float8 AS "firstMs" FROM metric_frames WHERE session_id = ${sessionId}`;
    await new Promise((r) => setTimeout(r, Math.max(0, firstMs + 10_000 - Date.now())));
    const members = snapshot(gw.child.pid!);
    // Everything the gateway runs is in the tree: SFU worker, voice and pose processes, the ffmpeg
    // recorder (WebM out) and the pose process's VP8 decoder (raw RGB out).
    const has = (re: RegExp) => members.filter((m) => re.test(m.cmdline)).length;
    expect(members.filter((m) => m.comm.startsWith('mediasoup-worke'))).toHaveLength(1);
    expect(has(/analyzers\/src\/process\/main\.ts/), 'voice analyzer process').toBe(1);
    expect(has(/analyzers\/src\/video\/process\/main\.ts/), 'pose process').toBe(1);
    expect(has(/^ffmpeg .* -f webm /), 'ffmpeg recorder').toBe(1);
    expect(has(/^ffmpeg .* -f rawvideo /), 'ffmpeg VP8 decoder').toBe(1);
    const killedAtMs = Date.now();
    const { maxMs, survivors } = await killAndTime(gw.child.pid!, members, 'gateway SIGKILL');
    await page.close().catch(() => {});
    expect(survivors, formatTimings(survivors.map((s) => ({ ...s, goneAfterMs: null })))).toEqual([]);
    expect(maxMs).toBeLessThanOrEqual(ORPHAN_LIMIT_MS);

    // What the kill left: metric rows (their newest one) and the unfinished spool.
    const [last] = await sql<{ endSec: number; atMs: number }[]>`
      SELECT max(media_time_sec + COALESCE(window_sec, 0))::float8 AS "endSec", max(server_time_ms)::float8 AS "atMs"
      FROM metric_frames WHERE session_id = ${sessionId} AND kind = 'voice'`;
    const [firstVoice] = await sql<{ t: number; w: number; s: number }[]>`
      SELECT media_time_sec AS t, window_sec AS w, server_time_ms::float8 AS s FROM metric_frames
      WHERE session_id = ${sessionId} AND kind = 'voice' ORDER BY media_time_sec LIMIT 1`;
    const spoolDir = path.join(dataDir, 'spool', sessionId);
    const meta = JSON.parse(fs.readFileSync(path.join(spoolDir, 'meta.json'), 'utf8')) as { finished: boolean; mediaTimeOriginSec?: number | null };
    expect(meta.finished).toBe(false);
    const spooledBytes = fs.statSync(path.join(spoolDir, 'recording.webm')).size;

    // Restart on the same database, spool directory and S3.
    const tRestart = performance.now();
    gateway = await startGateway();
    const upMs = performance.now() - tRestart;
    await waitUntil(async () => {
      const [m] = await sql<{ state: string }[]>`SELECT state FROM media_objects WHERE session_id = ${sessionId}`;
      return m?.state === 'uploaded';
    }, 60_000, 'spooled recording uploaded after the restart', 300);
    const drainedMs = performance.now() - tRestart;
    const [session] = await sql<{ state: string; endReason: string; endedAt: Date; mediaDurationSec: number }[]>`
      SELECT state, end_reason AS "endReason", ended_at AS "endedAt", media_duration_sec AS "mediaDurationSec" FROM sessions WHERE id = ${sessionId}`;
    expect(session).toMatchObject({ state: 'ended', endReason: 'crashed' });
    expect(fs.existsSync(spoolDir), 'spool directory removed after the upload').toBe(false);

    // The uploaded WebM, through the API's presigned URL: it plays and decodes.
    const { file, mediaTimeOriginSec } = await downloadRecording(gateway.url, sessionId, process.env.FAULTS_KEEP_DIR ?? work.dir);
    const fileSec = probeDurationSec(file);
    const decode = decodeCheck(file);
    expect(decode.status).toBe(0);
    expect(decode.errors, 'decoding errors').toEqual([]);

    // Recording time = session media time + origin. The recording started (recording time 0) at
    // the wall time of the first voice window's end minus its recording time.
    const origin = mediaTimeOriginSec ?? meta.mediaTimeOriginSec ?? 0;
    const recStartMs = firstVoice!.s - (firstVoice!.t + firstVoice!.w + origin) * 1000;
    const expectedSec = (killedAtMs - recStartMs) / 1000;
    // Session media seconds at the kill (from the wall clock), and what the WebM holds.
    const mediaAtKillSec = expectedSec - origin;
    const mediaInFileSec = fileSec - origin;
    const lostMediaSec = mediaAtKillSec - last!.endSec;
    const lostWallSec = (killedAtMs - last!.atMs) / 1000;
    console.log(`[measure] gateway kill: restart → /health ${upMs.toFixed(0)} ms, → recording uploaded ${drainedMs.toFixed(0)} ms; spool ${spooledBytes} bytes unfinished; ` +
      `session ${session!.state}/${session!.endReason}, media_duration_sec ${session!.mediaDurationSec?.toFixed(3)}, ended_at ${(killedAtMs - session!.endedAt.getTime()).toFixed(0)} ms before the kill; ` +
      `WebM ${fileSec.toFixed(3)} s vs recording start → kill ${expectedSec.toFixed(3)} s (error ${(fileSec - expectedSec).toFixed(3)} s; origin ${origin.toFixed(3)} s), decodes with ${decode.errors.length} errors (${decode.sameTimestampWarnings} same-timestamp muxer warnings); ` +
      `metric rows lost: ${lostMediaSec.toFixed(3)} s of media (newest row ends at ${last!.endSec.toFixed(3)} s; media at the kill ${mediaAtKillSec.toFixed(3)} s, in the WebM ${mediaInFileSec.toFixed(3)} s), newest row ${lostWallSec.toFixed(3)} s of wall clock before the kill`);
    expect(Math.abs(fileSec - expectedSec)).toBeLessThanOrEqual(1);
    // The session's media duration is its newest metric row (voice or body): up to the kill.
    expect(session!.mediaDurationSec).toBeGreaterThanOrEqual(last!.endSec - 0.001);
    expect(Math.abs(session!.mediaDurationSec - mediaAtKillSec)).toBeLessThanOrEqual(1);
    expect(lostMediaSec).toBeLessThanOrEqual(1);
    expect(lostWallSec).toBeLessThanOrEqual(1);
  }, 300_000);

  it('(b) SIGKILL of the pose process: restarted, body frames resume, voice frames never stop, its decoders gone within 10 s', async () => {
    const gw = gateway!;
    const { page, sessionId } = await publish(gw.url, 'kill-pose');
    try {
      await waitUntil(async () => (await frameCount(sessionId, 'body')) >= 5 && (await frameCount(sessionId, 'voice')) >= 30, 90_000, 'body and voice frames', 500);
      const pose = childOf(gw, 'video/process/main.ts');
      const members = snapshot(pose.pid);
      expect(members.map((m) => m.comm)).toContain('ffmpeg'); // the VP8 decoder (under setpriv's PID)
      const killedAtMs = Date.now();
      const { maxMs, survivors } = await killAndTime(pose.pid, members, 'pose process SIGKILL');
      expect(survivors).toEqual([]);
      expect(maxMs).toBeLessThanOrEqual(ORPHAN_LIMIT_MS);
      await waitUntil(async () => (await frameCount(sessionId, 'body', killedAtMs)) >= 3, 90_000, 'body frames after the pose restart', 300);
      const [resumed] = await sql<{ s: number }[]>`SELECT min(server_time_ms)::float8 AS s FROM metric_frames WHERE session_id = ${sessionId} AND kind = 'body' AND server_time_ms > ${killedAtMs}`;
      const restarted = childOf(gw, 'video/process/main.ts');
      await new Promise((r) => setTimeout(r, 2000));
      const voice = await sql<{ s: number }[]>`SELECT server_time_ms::float8 AS s FROM metric_frames WHERE session_id = ${sessionId} AND kind = 'voice' AND server_time_ms BETWEEN ${killedAtMs - 2000} AND ${Date.now() - 1500} ORDER BY server_time_ms`;
      const maxGapMs = Math.max(...voice.slice(1).map((f, i) => f.s - voice[i]!.s));
      console.log(`[measure] pose kill: new pose process ${restarted.pid} (was ${pose.pid}); body frames resumed ${(resumed!.s - killedAtMs).toFixed(0)} ms after the kill; ` +
        `voice frames around it: ${voice.length}, largest gap ${maxGapMs.toFixed(0)} ms`);
      expect(restarted.pid).not.toBe(pose.pid);
      expect(voice.length).toBeGreaterThan(0);
      expect(maxGapMs).toBeLessThanOrEqual(1000);
    } finally {
      await page.close().catch(() => {});
    }
    // Control: this session's ordinary (not killed) recording, through the same decode check.
    await waitUntil(async () => (await sql<{ state: string }[]>`SELECT state FROM media_objects WHERE session_id = ${sessionId}`)[0]?.state === 'uploaded', 60_000, 'upload of the ordinary recording', 300);
    const { file } = await downloadRecording(gw.url, sessionId, process.env.FAULTS_KEEP_DIR ?? work.dir, 'control-');
    const decode = decodeCheck(file);
    console.log(`[measure] ordinary recording (pose-kill session, ended by leaving): ${probeDurationSec(file).toFixed(3)} s, ${decode.errors.length} decoding errors, ${decode.sameTimestampWarnings} same-timestamp muxer warnings`);
    expect(decode.errors).toEqual([]);
  }, 240_000);

  it('(c) SIGKILL of the analyzer process: its descendants are gone within 10 s', async () => {
    const gw = gateway!;
    const analyzer = childOf(gw, 'analyzers/src/process/main.ts');
    const members = snapshot(analyzer.pid);
    const { maxMs, survivors } = await killAndTime(analyzer.pid, members, 'analyzer process SIGKILL');
    expect(survivors).toEqual([]);
    expect(maxMs).toBeLessThanOrEqual(ORPHAN_LIMIT_MS);
    await waitUntil(() => {
      try {
        childOf(gw, 'analyzers/src/process/main.ts');
        return true;
      } catch {
        return false;
      }
    }, 30_000, 'analyzer restarted', 200);
  }, 60_000);
});

describe('failed and interrupted starts leave no process behind', () => {
  /**
   * Runs main.ts with `env`, snapshotting its descendants every 50 ms; with `killAfterMs`, SIGKILLs
   * it that long after both analyzer processes were forked (they are then loading their models).
   */
  async function runStart(env: NodeJS.ProcessEnv, killAfterMs?: number): Promise<{ code: number | string | null; members: TreeMember[]; diedAtMs: number }> {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'gateway/src/main.ts')], { cwd: repoRoot, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const seen = new Map<string, TreeMember>();
    const look = () => {
      for (const m of descendantsOf(child.pid!)) seen.set(`${m.pid}/${m.startTicks}`, m);
    };
    let killer: NodeJS.Timeout | undefined;
    const poll = setInterval(() => {
      look();
      const forked = [...seen.values()].filter((m) => /analyzers\/src\/(process|video\/process)\/main\.ts/.test(m.cmdline)).length;
      if (killAfterMs !== undefined && !killer && forked >= 2) killer = setTimeout(() => (look(), child.kill('SIGKILL')), killAfterMs);
    }, 50);
    const code = await new Promise<number | string | null>((resolve) => child.once('exit', (c, s) => resolve(c ?? s)));
    const diedAtMs = Date.now();
    clearInterval(poll);
    clearTimeout(killer);
    if (stderr.trim()) console.log(`[gateway stderr] ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const members = [...seen.values()];
    tracked.push(...members);
    return { code, members, diedAtMs };
  }

  it('(d) a gateway SIGKILLed while its analyzers load their models: every child is gone within 10 s', async () => {
    // Another data directory and node id: this start must not touch the sessions of the tests above.
    const env = gatewayEnv(await freePort(), { LECTERN_DATA_DIR: path.join(work.dir, 'interrupted'), LECTERN_NODE_ID: 'faults-interrupted' });
    const { code, members, diedAtMs } = await runStart(env, 300);
    expect(code).toBe('SIGKILL');
    const analyzers = members.filter((m) => /analyzers\/src\/(process|video\/process)\/main\.ts/.test(m.cmdline));
    expect(analyzers.length, 'analyzer processes were forked before the kill').toBeGreaterThan(0);
    const timings = await waitForExit(members, diedAtMs, ORPHAN_LIMIT_MS + 5000);
    console.log(`[measure] gateway SIGKILLed 0.3 s after it forked its analyzers: ${members.length} descendants:\n${formatTimings(timings)}`);
    expect(timings.filter((t) => t.goneAfterMs === null || t.goneAfterMs > ORPHAN_LIMIT_MS)).toEqual([]);
  }, 60_000);

  it('(d) a start that fails (port in use) stops its children before it exits', async () => {
    const busy = net.createServer();
    const port = await new Promise<number>((resolve) => busy.listen(0, '127.0.0.1', () => resolve((busy.address() as net.AddressInfo).port)));
    try {
      const env = gatewayEnv(port, { LECTERN_DATA_DIR: path.join(work.dir, 'failed'), LECTERN_NODE_ID: 'faults-failed' });
      const { code, members, diedAtMs } = await runStart(env);
      expect(code).toBe(1);
      expect(members.filter((m) => /analyzers\/src\/process\/main\.ts/.test(m.cmdline)).length, 'the analyzer was forked').toBeGreaterThan(0);
      const timings = await waitForExit(members, diedAtMs, ORPHAN_LIMIT_MS + 5000);
      console.log(`[measure] failed start (port in use): ${members.length} descendants:\n${formatTimings(timings)}`);
      expect(timings.filter((t) => t.goneAfterMs === null || t.goneAfterMs > ORPHAN_LIMIT_MS)).toEqual([]);
    } finally {
      busy.close();
    }
  }, 120_000);
});

describe('post-session analysis children', () => {
  it('(e) the parent of a running full pass SIGKILLed: the full-pass child and whatever it runs are gone within 10 s', async () => {
    const long = longSpeechWebm(3); // a 3-min recording: its full pass takes far longer than 10 s here
    const script = path.join(work.dir, 'full-pass-parent.mts');
    fs.writeFileSync(script, `import { runFullPass } from ${JSON.stringify(path.join(repoRoot, 'gateway/src/reports/FullPassRunner.ts'))};\n` +
      `await runFullPass(${JSON.stringify(long.file)}, () => {}, { video: false });\nconsole.log('finished');\n`);
    const parent = spawn(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    parent.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    try {
      let members: TreeMember[] = [];
      // Kill 2 s into the pass (decoding — its ffmpeg under the full-pass child — then ASR).
      await waitUntil(() => (members = descendantsOf(parent.pid!)).some((m) => m.cmdline.includes('fullPassProcess.ts')), 60_000, 'full pass started', 100);
      await new Promise((r) => setTimeout(r, 2000));
      members = snapshot(parent.pid!);
      expect(members.filter((m) => m.cmdline.includes('fullPassProcess.ts')), 'the full-pass child').toHaveLength(1);
      const { maxMs, survivors } = await killAndTime(parent.pid!, members, 'full-pass parent SIGKILL');
      expect(out, 'the pass had not finished before the kill').not.toContain('finished');
      expect(survivors).toEqual([]);
      expect(maxMs).toBeLessThanOrEqual(ORPHAN_LIMIT_MS);
    } finally {
      if (parent.exitCode === null) parent.kill('SIGKILL');
    }
  }, 180_000);
});
