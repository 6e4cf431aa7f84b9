/**
 * `npm run bench:abuse -- [--rooms 2] [--rounds 3] [--seconds 10] [--idle-sockets 1000] [--joins-per-sec 200] [--warmup-seconds 5]`
 *
 * Do abusive clients slow down live rooms? Starts Lectern as a child process with its default
 * limits (gateway/src/config.ts), publishes real speech into `--rooms` rooms from headless
 * Chromium (real WebRTC, as `npm run bench:live`) and measures the voice-frame latency of every room
 * (receive time − window close, on one viewer socket per room; test/support/liveMeasure.ts) in
 * three phases of `--seconds` each, repeated `--rounds` times in turn (so that other work on a
 * shared host falls on every phase alike; percentiles pool every round's frames):
 *   1. baseline;
 *   2. with `--idle-sockets` authenticated Socket.IO connections open and idle;
 *   3. during a join flood of `--joins-per-sec` for `--seconds`: 40 % `room:join`s with forged grants
 *      and 10 % handshakes with a forged access token, both from one address (127.0.1.R in round R, so the failed-joins-per-IP
 *      limit refuses that address after 20), and 50 % good viewer joins (followed by a leave) into 10
 *      other rooms from 127.0.0.3 (each opens and closes a mediasoup router when its room was empty).
 * The idle sockets and the flood run in a child process of their own (this file with
 * `--load-generator`), so the measuring observers' event loop is not the one flooding. Prints one
 * JSON object: per phase voice latency p50/p95/p99/max, frames lost, the gateway's event-loop delay
 * (p50/p99/max over the window, from its /metrics), the host's 1-min load average, server CPU and RSS; for the
 * idle phase the connect time; for the flood the joins sent per second, every outcome by code and
 * the good joins' ack time; `pass` = every phase's p95 ≤ 50 ms; and the host calibration.
 */
import { fork } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import { parseCliArgs, usageError } from '../../analyzers/src/util/cli.ts';
import { hostCalibration } from '../../analyzers/bench/hostCalibration.ts';
import { launchChromium } from '../support/browser.ts';
import { startBenchServer } from '../support/benchServer.ts';
import { speechFixture } from '../support/fixtures.ts';
import { RoomObserver } from '../support/observer.ts';
import { LiveWindow, type LiveWindowResult, percentiles, round } from '../support/liveMeasure.ts';

/** Voice latency p95 every phase must stay under (issue #13). */
const TARGET_P95_MS = 50;
/** Rooms the good flood joins go to. */
const FLOOD_ROOMS = 10;
/** The attacker's address in round r (a fresh one per round, so each round sees the throttle start). */
const badIp = (round_: number) => `127.0.1.${round_}`;
const GOOD_IP = '127.0.0.3';

/** Parent → load generator. */
type Command =
  | { cmd: 'idle'; url: string; token: string; sockets: number }
  | { cmd: 'close-idle' }
  | { cmd: 'flood'; url: string; token: string; grants: string[]; joinsPerSec: number; seconds: number; badIp: string };
/** Load generator → parent. */
type Reply =
  | { reply: 'idle'; connected: number; failed: number; connectMs: number }
  | { reply: 'closed' }
  | { reply: 'flood'; sent: number; elapsedMs: number; outcomes: Record<string, number>; goodJoinMs: number[] };

if (process.argv.includes('--load-generator')) await loadGenerator();
else await main();

async function main(): Promise<void> {
  const USAGE = 'npm run bench:abuse -- [--rooms N] [--rounds R] [--seconds S] [--idle-sockets N] [--joins-per-sec N] [--warmup-seconds S]';
  const { values } = parseCliArgs({
    options: {
      rooms: { type: 'string', default: '2' },
      seconds: { type: 'string', default: '10' },
      rounds: { type: 'string', default: '3' },
      'idle-sockets': { type: 'string', default: '1000' },
      'joins-per-sec': { type: 'string', default: '200' },
      'warmup-seconds': { type: 'string', default: '5' },
    },
  }, USAGE);
  const rooms = Number(values.rooms);
  const seconds = Number(values.seconds);
  const rounds = Number(values.rounds);
  const idleSockets = Number(values['idle-sockets']);
  const joinsPerSec = Number(values['joins-per-sec']);
  const warmupSec = Number(values['warmup-seconds']);
  if (![rooms, rounds, idleSockets, joinsPerSec].every((n) => Number.isInteger(n) && n >= 1) || !(seconds > 0) || !(warmupSec >= 0))
    usageError('--rooms, --rounds, --idle-sockets and --joins-per-sec must be positive integers, --seconds positive', USAGE);

  const log = (msg: string) => process.stderr.write(`[bench:abuse] ${msg}\n`);
  const fixture = speechFixture();
  const bench = await startBenchServer();
  const { url } = bench;
  const serverPid = bench.process.pid!;
  log(`server up at ${url}; starting ${rooms} publisher(s)`);
  const browser = await launchChromium({ audioFile: fixture.wav48k });
  const context = await browser.newContext();
  await bench.signIn(context);
  const observers: RoomObserver[] = [];
  for (let r = 0; r < rooms; r++) {
    const roomId = `live-${r}`;
    await bench.grant(roomId, 'presenter');
    observers.push(await RoomObserver.join(url, roomId, { accessToken: bench.accessToken, grant: await bench.grant(roomId, 'viewer') }));
    const page = await context.newPage();
    await page.goto(`${url}/rehearse?room=${roomId}&autostart=1&video=0`);
  }
  await Promise.all(observers.map((o, r) => o.waitFor(() => o.frames.length > 0, 30_000, `first frame in room ${r}`)));
  log(`all rooms live; warming up ${warmupSec} s`);
  await sleep(warmupSec * 1000);

  const gen = fork(fileURLToPath(import.meta.url), ['--load-generator'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ask = <R extends Reply['reply']>(c: Command, reply: R) =>
    new Promise<Extract<Reply, { reply: R }>>((resolve, reject) => {
      const onMessage = (m: Reply) => {
        if (m.reply !== reply) return;
        gen.off('message', onMessage);
        resolve(m as Extract<Reply, { reply: R }>);
      };
      gen.on('message', onMessage);
      gen.once('exit', (code) => reject(new Error(`the load generator exited (${code})`)));
      gen.send(c);
    });
  // The gateway's event-loop delay over a window: prom-client's figures (monitorEventLoopDelay,
  // reset at every scrape of /metrics), scraped at the start (reset) and at the end.
  const eventLoopLagMs = async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const get = (name: string) => Number(new RegExp(`^lectern_nodejs_eventloop_lag_${name}_seconds(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN) * 1000;
    return { p50: round(get('p50')), p99: round(get('p99')), max: round(get('max')) };
  };
  const window = async (what: string): Promise<LiveWindowResult & { gatewayEventLoopLagMs: { p50: number; p99: number; max: number }; hostLoadAvg1m: number }> => {
    log(`measuring ${what} for ${seconds} s`);
    await eventLoopLagMs();
    const w = LiveWindow.start(observers, serverPid);
    await sleep(seconds * 1000);
    const m = w.stop();
    // The 1-minute load average at the end: on a shared box, other work inflates every figure.
    return { ...m, gatewayEventLoopLagMs: await eventLoopLagMs(), hostLoadAvg1m: round(os.loadavg()[0]!) };
  };

  type Measured = Awaited<ReturnType<typeof window>>;
  const measured: Record<'baseline' | 'idle' | 'flood', Measured[]> = { baseline: [], idle: [], flood: [] };
  const idleRuns: Extract<Reply, { reply: 'idle' }>[] = [];
  const floods: Extract<Reply, { reply: 'flood' }>[] = [];
  const grants = await Promise.all(Array.from({ length: FLOOD_ROOMS }, (_, i) => bench.grant(`flood-${i}`, 'viewer')));
  // Rounds of baseline → idle sockets → flood, so that other work on a shared host spreads over the
  // three phases alike instead of landing on one of them.
  for (let round_ = 1; round_ <= rounds; round_++) {
    log(`round ${round_} of ${rounds}`);
    measured.baseline.push(await window('baseline'));

    log(`opening ${idleSockets} idle authenticated sockets`);
    const idle = await ask({ cmd: 'idle', url, token: bench.accessToken, sockets: idleSockets }, 'idle');
    idleRuns.push(idle);
    log(`${idle.connected} connected in ${idle.connectMs} ms (${idle.failed} failed)`);
    await sleep(2000); // let the handshakes' work finish before measuring "idle"
    measured.idle.push(await window(`with ${idle.connected} idle sockets`));
    await ask({ cmd: 'close-idle' }, 'closed');
    await sleep(2000);

    const floodDone = ask({ cmd: 'flood', url, token: bench.accessToken, grants, joinsPerSec, seconds: seconds + 1, badIp: badIp(round_) }, 'flood');
    await sleep(1000); // the flood's sockets are up and it is at its rate
    measured.flood.push(await window(`during a join flood of ${joinsPerSec}/s`));
    floods.push(await floodDone);
    await sleep(2000);
  }
  gen.kill();

  const max = (xs: number[]) => (xs.length ? round(Math.max(...xs)) : null);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const mean = (xs: number[]) => round(sum(xs) / xs.length);
  // Latency percentiles over every frame of the phase's windows; the rest per window or summed.
  const phase = (ms: Measured[]) => {
    const latencies = ms.flatMap((m) => m.latenciesMs);
    return {
      seconds: round(sum(ms.map((m) => m.elapsedMs)) / 1000),
      latencyMs: { ...percentiles(latencies, [50, 95, 99]), max: max(latencies) },
      latencyP95MsByRound: ms.map((m) => percentiles(m.latenciesMs, [95]).p95),
      framesReceived: sum(ms.map((m) => m.framesReceived)),
      framesLost: sum(ms.map((m) => m.framesLost)),
      gatewayEventLoopLagMsByRound: ms.map((m) => m.gatewayEventLoopLagMs),
      hostLoadAvg1mByRound: ms.map((m) => m.hostLoadAvg1m),
      serverCpuPercent: mean(ms.map((m) => m.serverCpuPercentByStage.total)),
      serverCpuPercentGateway: mean(ms.map((m) => m.serverCpuPercentByStage.gateway ?? 0)),
      serverRssMb: max(ms.map((m) => m.rssBytes / 2 ** 20)),
      serverRssPeakMb: max(ms.map((m) => m.rssPeakBytes / 2 ** 20)),
    };
  };
  const outcomes: Record<string, number> = {};
  for (const f of floods) for (const [k, n] of Object.entries(f.outcomes)) outcomes[k] = (outcomes[k] ?? 0) + n;
  const goodJoinMs = floods.flatMap((f) => f.goodJoinMs);
  const phases = {
    baseline: phase(measured.baseline),
    idleSockets: {
      sockets: idleSockets,
      connectedByRound: idleRuns.map((r) => r.connected),
      failedToConnect: sum(idleRuns.map((r) => r.failed)),
      connectMsByRound: idleRuns.map((r) => r.connectMs),
      ...phase(measured.idle),
    },
    joinFlood: {
      joinsPerSecTarget: joinsPerSec,
      joinsPerSecSent: round(sum(floods.map((f) => f.sent)) / (sum(floods.map((f) => f.elapsedMs)) / 1000)),
      joinsSent: sum(floods.map((f) => f.sent)),
      outcomes,
      goodJoinAckMs: { count: goodJoinMs.length, ...percentiles(goodJoinMs, [50, 95, 99]) },
      ...phase(measured.flood),
    },
  };
  const p95s = [phases.baseline, phases.idleSockets, phases.joinFlood].map((p) => p.latencyMs.p95);
  const result = {
    rooms,
    rounds,
    secondsPerPhasePerRound: seconds,
    targetVoiceP95Ms: TARGET_P95_MS,
    pass: p95s.every((p) => p !== null && p <= TARGET_P95_MS),
    voiceP95Ms: { baseline: p95s[0], idleSockets: p95s[1], joinFlood: p95s[2] },
    phases,
    asrEngine: observers[0]?.asrStatuses.at(-1)?.engine ?? 'unknown',
    limits: 'defaults (gateway/src/config.ts)',
    cores: os.availableParallelism(),
    runtime: { node: process.version },
    // Measured after the run, so it does not compete with it (see analyzers/bench/hostCalibration.ts).
    hostCalibration: hostCalibration(),
  };
  console.log(JSON.stringify(result, null, 2));
  for (const o of observers) o.close();
  await browser.close();
  await bench.stop();
  process.exit(0);
}

/** The child process: idle sockets and the join flood, on commands from the parent. */
async function loadGenerator(): Promise<void> {
  const idle: Socket[] = [];
  const send = (r: Reply) => process.send!(r);
  const connect = (url: string, token: string, localAddress: string) =>
    new Promise<Socket>((resolve, reject) => {
      const s = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token }, localAddress } as Parameters<typeof io>[1]);
      s.once('connect', () => resolve(s));
      s.once('connect_error', (err: Error) => {
        s.close();
        reject(err);
      });
    });
  const codeOf = (err: unknown) => /^([A-Z_]+):/.exec((err as Error).message)?.[1] ?? 'CONNECT_ERROR';

  process.on('message', async (c: Command) => {
    if (c.cmd === 'idle') {
      const t0 = performance.now();
      let failed = 0;
      // 50 handshakes in flight at a time, as a crowd arriving rather than one burst.
      for (let i = 0; i < c.sockets; i += 50) {
        const batch = await Promise.allSettled(Array.from({ length: Math.min(50, c.sockets - i) }, () => connect(c.url, c.token, '127.0.0.1')));
        for (const b of batch) (b.status === 'fulfilled' ? idle.push(b.value) : failed++);
      }
      send({ reply: 'idle', connected: idle.length, failed, connectMs: Math.round(performance.now() - t0) });
    } else if (c.cmd === 'close-idle') {
      for (const s of idle.splice(0)) s.close();
      send({ reply: 'closed' });
    } else if (c.cmd === 'flood') {
      send(await flood(c));
    }
  });

  async function flood(c: Extract<Command, { cmd: 'flood' }>): Promise<Reply> {
    const outcomes: Record<string, number> = {};
    const count = (k: string) => (outcomes[k] = (outcomes[k] ?? 0) + 1);
    const goodJoinMs: number[] = [];
    // Pools connected before the flood: 20 attackers' sockets, 100 good clients' sockets (≤ 1 join/s each).
    const bad = await Promise.all(Array.from({ length: 20 }, () => connect(c.url, c.token, c.badIp)));
    const good = await Promise.all(Array.from({ length: 100 }, () => connect(c.url, c.token, GOOD_IP)));
    const goodBusy = new Set<Socket>();
    let sent = 0;
    let nextBad = 0;
    let nextGood = 0;
    const pending: Promise<unknown>[] = [];
    const tickMs = 20;
    const t0 = performance.now();
    while (performance.now() - t0 < c.seconds * 1000) {
      // As many as the rate asks for by now (a late tick catches up).
      const due = Math.floor(((performance.now() - t0) / 1000) * c.joinsPerSec);
      while (sent < due) {
        const slot = sent++ % 10;
        if (slot < 4) {
          const s = bad[nextBad++ % bad.length]!;
          pending.push(
            s.timeout(10_000).emitWithAck('room:join', { roomId: 'guess', grant: `forged-grant-${sent}`.padEnd(64, 'x'), role: 'viewer' }).then(
              (a: { ok: boolean; error?: { code: string } }) => count(`badGrant:${a.ok ? 'ok' : a.error!.code}`),
              () => count('badGrant:TIMEOUT'),
            ),
          );
        } else if (slot === 4) {
          pending.push(connect(c.url, 'forged.access.token', c.badIp).then((s) => (s.close(), count('badHandshake:ACCEPTED')), (err) => count(`badHandshake:${codeOf(err)}`)));
        } else {
          const s = good[nextGood++ % good.length]!;
          if (goodBusy.has(s)) {
            count('good:SKIPPED_BUSY');
            continue;
          }
          goodBusy.add(s);
          const i = nextGood % c.grants.length;
          const j0 = performance.now();
          pending.push(
            s.timeout(10_000).emitWithAck('room:join', { roomId: `flood-${i}`, grant: c.grants[i], role: 'viewer' }).then(
              async (a: { ok: boolean; error?: { code: string } }) => {
                goodJoinMs.push(performance.now() - j0);
                count(`good:${a.ok ? 'ok' : a.error!.code}`);
                if (a.ok) await s.timeout(10_000).emitWithAck('room:leave', {}).catch(() => count('good:LEAVE_TIMEOUT'));
              },
              () => count('good:TIMEOUT'),
            ).finally(() => goodBusy.delete(s)),
          );
        }
      }
      await sleep(tickMs);
    }
    const elapsedMs = performance.now() - t0;
    await Promise.allSettled(pending);
    for (const s of [...bad, ...good]) s.close();
    return { reply: 'flood', sent, elapsedMs: Math.round(elapsedMs), outcomes, goodJoinMs: goodJoinMs.map(round) };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
