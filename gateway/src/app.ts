import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import type { ClientToServerEvents, ServerToClientEvents } from '@lectern/contract';
import { SfuNode } from '@lectern/sfu';
import { AnalyzerPool } from './analysis/AnalyzerPool.ts';
import { AudioTapManager } from './analysis/AudioTapManager.ts';
import { PoseProcessPool } from './analysis/PoseProcessPool.ts';
import { VideoTapManager } from './analysis/VideoTapManager.ts';
import { InProcessBus } from './bus/InProcessBus.ts';
import type { MetricBus } from './bus/MetricBus.ts';
import { RedisBus } from './bus/RedisBus.ts';
import { AnalyzerBacklog } from './cluster/AnalyzerBacklog.ts';
import { admitsRooms, type RoomPlacement } from './cluster/ClusterTypes.ts';
import { LocalPlacement } from './cluster/LocalPlacement.ts';
import { LoadShedder } from './cluster/LoadShedder.ts';
import { NodeHeartbeat } from './cluster/NodeHeartbeat.ts';
import { NodeLoad } from './cluster/NodeLoad.ts';
import { RedisPlacement } from './cluster/RedisPlacement.ts';
import type { SocketMatch } from './access/SocketRegistry.ts';
import { type ConfigOverrides, type LecternConfig, loadConfig } from './config.ts';
import { registerRoutes } from './http/routes.ts';
import { problemErrorHandler } from './http/v1/HttpProblem.ts';
import { NodeMetrics } from './metrics/NodeMetrics.ts';
import { registerSecurity } from './http/security.ts';
import { parseRoomKey } from './access/RoomKey.ts';
import { NudgeService } from './coaching/NudgeService.ts';
import { type InjectedServices, SessionServices } from './sessions/SessionServices.ts';
import { SignalingServer } from './signaling/SignalingServer.ts';
import { SignalingLimits } from './signaling/limits/SignalingLimits.ts';

/** A running Lectern node (all parts in one process tree), as returned by {@link startLectern}. */
export interface LecternNode {
  config: LecternConfig;
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  http: FastifyInstance;
  io: Server<ClientToServerEvents, ServerToClientEvents>;
  sfu: SfuNode;
  analyzers: AnalyzerPool;
  bus: MetricBus;
  taps: AudioTapManager;
  /** Pose-analyzer processes (body language from video; none when `poseProcesses` is 0). */
  poses: PoseProcessPool;
  /** Presenter video producers → pose processes. */
  videoTaps: VideoTapManager;
  /** This node's id (`LECTERN_NODE_ID`, default the host name). */
  nodeId: string;
  /** Where rooms go: admission control, and the Redis registry when `REDIS_URL` is set. */
  placement: RoomPlacement;
  /** Samples the load figure every 2 s and publishes the node's status. */
  heartbeat: NodeHeartbeat;
  /** Pose shedding under overload. */
  shedder: LoadShedder;
  /** The one-time set-up link while the server has no account (null after). */
  setupLink(): string | null;
  /** Sessions, recording, persistence, accounts and `/v1` (null when `persistence` is off). */
  sessions: SessionServices | null;
  /** Live nudges and stored coach cues (null when `persistence` is off). */
  nudges: NudgeService | null;
  /** Stops accepting connections and shuts every part down. */
  close(): Promise<void>;
}

/**
 * Starts the gateway (Fastify + Socket.IO), the SFU workers and the analyzer processes.
 * @param overrides configuration overriding the environment (tests pass `{ port: 0 }`).
 * @param services an already-running database / object store to use instead of starting them.
 * @throws Error if the mediasoup worker, an analyzer process or the database cannot start (message says why).
 */
export async function startLectern(overrides: ConfigOverrides = {}, services: InjectedServices = {}): Promise<LecternNode> {
  const config = loadConfig(overrides);
  if (!config.persistence)
    throw new Error('LECTERN_PERSISTENCE=off is not supported any more: accounts, room grants and invitations live in the database (the embedded one needs no set-up)');
  const startedAtMs = Date.now();
  // maxParamLength: invitation and share tokens in the path are up to 2000 characters.
  const http = Fastify({ logger: { level: config.logLevel }, routerOptions: { maxParamLength: 2048 }, requestIdHeader: 'x-request-id', genReqId: () => randomUUID(), trustProxy: config.trustProxy ?? false,
    // Errors the router raises before any route (a malformed %-encoding, a path parameter over
    // maxParamLength → 414) are Problem+JSON like every other error.
    frameworkErrors: (err, req, reply) => problemErrorHandler(err, req, reply),
  });
  const sfu = new SfuNode({
    numWorkers: config.sfuWorkers,
    listenIp: config.rtcListenIp,
    announcedAddress: config.rtcAnnouncedAddress,
    rtcMinPort: config.rtcMinPort,
    rtcMaxPort: config.rtcMaxPort,
  });
  const analyzers = new AnalyzerPool({ processes: config.analyzerProcesses });
  const nodeId = config.nodeId ?? os.hostname();
  const redisUrl = config.cluster.redisUrl;
  const redisBus = redisUrl ? new RedisBus(redisUrl) : null;
  if (redisBus) await redisBus.ready().catch(async (err: unknown) => {
    await redisBus.close();
    throw new Error(`cannot reach Redis at ${redisUrl} (REDIS_URL): ${(err as Error).message}; start Redis or unset REDIS_URL to run one node`);
  });
  const bus: MetricBus = redisBus ?? new InProcessBus();
  const placement: RoomPlacement = redisUrl ? new RedisPlacement({ redisUrl, nodeId, nodeTtlMs: config.cluster.nodeTtlMs, liveRooms: () => sfu.rooms.keys() }) : new LocalPlacement(nodeId);
  const poses = new PoseProcessPool({ processes: config.poseProcesses });
  // Video analysis is optional: if the pose model cannot load, voice analysis still starts.
  const posesReady = poses.start().catch((err: unknown) => http.log.error({ err }, 'pose analysis unavailable'));
  const sessionsReady = config.persistence ? SessionServices.start(config, { sfu, bus, log: http.log }, services) : Promise.resolve(null);
  const started = await Promise.allSettled([sessionsReady, sfu.start(), analyzers.start(), posesReady]);
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    // Stop whatever did start (mediasoup workers, analyzer and pose processes, the database) at
    // once, so a failed start leaves no process behind.
    const sessions = started[0].status === 'fulfilled' ? started[0].value : null;
    await Promise.allSettled([sessions?.close(), sfu.close(), analyzers.close(), poses.close(), bus.close(), placement.close()]);
    throw failed.reason;
  }
  const sessions = (started[0] as PromiseFulfilledResult<SessionServices | null>).value;

  const io = new Server<ClientToServerEvents, ServerToClientEvents>(http.server, {
    serveClient: false,
    maxHttpBufferSize: config.limits.maxMessageBytes,
    cors: { origin: config.auth.corsOrigins.length > 0 ? config.auth.corsOrigins : false, credentials: true },
  });
  let redisAdapter: { pub: Redis; sub: Redis } | null = null;
  if (redisUrl) {
    // Several nodes: Socket.IO's Redis adapter carries server-side events between them (revocations).
    redisAdapter = { pub: new Redis(redisUrl), sub: new Redis(redisUrl) };
    redisAdapter.pub.on('error', () => {});
    redisAdapter.sub.on('error', () => {});
    io.adapter(createAdapter(redisAdapter.pub, redisAdapter.sub, { key: 'lectern:io' }));
  }
  const taps = new AudioTapManager(analyzers, bus, http.log);
  const videoTaps = new VideoTapManager(poses, bus, http.log);
  const addProducer: (typeof taps)['add'] = (room, producer) => {
    // Sessions first: the recorder's time base must see the analyzer's tap being created.
    const peerId = room.listProducers().find((p) => p.producer.id === producer.id)?.peerId ?? '';
    sessions?.manager.producerAdded(room, { peerId, role: 'presenter' }, producer);
    taps.add(room, producer);
    videoTaps.add(room, producer);
  };
  const peerHooks = sessions && {
    joined: sessions.manager.peerJoined.bind(sessions.manager),
    left: sessions.manager.peerLeft.bind(sessions.manager),
    sessionStatus: sessions.manager.sessionStatus.bind(sessions.manager),
  };
  const signaling = new SignalingServer(io, sfu, { add: addProducer }, http.log, peerHooks ?? undefined, sessions?.manager, sessions?.access, placement, new SignalingLimits(config.limits, config.trustProxy ?? false));
  // Live nudges (#14): subscribed after the session manager, so a session's media time includes the frame judged.
  const nudges = sessions
    ? new NudgeService({
        bus,
        sessions: sessions.manager,
        store: { insertCues: (rows) => sessions.repo.insertCues(rows), isCreated: (id) => sessions.store.isCreated(id) },
        deliver: (key, nudge) => signaling.emitToRoles(key, ['presenter', 'coach'], 'coach:nudge', nudge),
        minIntervalSec: config.nudgeIntervalSec,
        log: http.log,
      })
    : null;
  signaling.onCue = (key, cue) => nudges?.recordCoachCue(key, cue);
  // A room whose session waits for its presenter (who dropped) stays this node's: they rejoin here.
  sfu.on('roomclosed', ({ roomId }) => {
    if (sessions?.manager.sessionStatus(roomId)?.state !== 'suspended') void placement.release(roomId);
  });
  if (redisAdapter && sessions) {
    // A revocation on any node ends the matching sockets on every node.
    const registry = sessions.access.sockets;
    const serverSide = io as unknown as { serverSideEmit(ev: string, ...a: unknown[]): void; on(ev: string, fn: (...a: unknown[]) => void): void };
    registry.fanOut = (m, message) => serverSide.serverSideEmit('lectern:revoke', m, message);
    serverSide.on('lectern:revoke', (m, message) => {
      if (m && typeof m === 'object' && typeof message === 'string') registry.revokeLocal(m as SocketMatch, message);
    });
  }
  const backlog = new AnalyzerBacklog();
  analyzers.on('stream-message', (m) => backlog.onStreamMessage(m));
  analyzers.on('streams-lost', ({ streamIds }) => backlog.forget(streamIds));
  const nodeLoad = new NodeLoad({ childRoots: () => [...sfu.workerPids, ...analyzers.pids, ...poses.pids], maxBacklogSec: () => backlog.maxSec });
  let heartbeatRef: NodeHeartbeat | null = null;
  const shedder = new LoadShedder({ setPoseShedding: (reason) => videoTaps.setShedding(reason) });
  // Clients know their room by name: the SFU room key's organization prefix stays on the server.
  bus.subscribe((key, msg) => {
    const p = msg.payload as { roomId?: string };
    // io.local: with several nodes every node receives every message and delivers it to its own sockets.
    io.local.to(key).emit(msg.event, (p && typeof p.roomId === 'string' ? { ...p, roomId: parseRoomKey(key).roomName } : p) as never);
  });
  sfu.on('workerdied', ({ pid, roomIds }) => http.log.error({ pid, roomIds }, 'mediasoup worker died; replaced'));
  analyzers.on('streams-lost', (info) => http.log.warn(info, 'analyzer process exited; restarting'));
  poses.on('streams-lost', (info) => http.log.warn(info, 'pose process exited; restarting'));

  const metrics = config.metrics ? NodeMetrics.attach({ http, io: io as unknown as Server, sfu, analyzers, poses, bus, sessions, nodeLoad: () => nodeLoad.current.load,
    redis: redisBus && placement instanceof RedisPlacement ? () => [{ client: 'bus', connected: redisBus.connected }, { client: 'placement', connected: placement.connected }] : undefined }) : null;

  try {
    await registerSecurity(http, { webDir: config.webDir, corsOrigins: config.auth.corsOrigins, objectStoreUrl: sessions?.objects?.endpoint });
    await sessions?.registerApi(http, path.join(config.dataDir, 'spool'));
    await registerRoutes(http, {
      sfu,
      pool: analyzers,
      webDir: config.webDir,
      startedAtMs,
      cluster: async () => {
        const node = heartbeatRef?.latest ?? null;
        return { node, admitting: !node || admitsRooms(node), nodes: await placement.nodes() };
      },
    });
    await http.listen({ host: config.host, port: config.port });
  } catch (err) {
    io.close();
    await nudges?.close();
    await Promise.allSettled([sessions?.close(), sfu.close(), analyzers.close(), poses.close(), bus.close(), placement.close()]);
    redisAdapter?.pub.disconnect();
    redisAdapter?.sub.disconnect();
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') throw new Error(`port ${config.port} on ${config.host} is in use: stop the other server or set PORT`);
    throw err;
  }
  const addr = http.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const url = `http://${config.host}:${port}`;
  const heartbeat = (heartbeatRef = new NodeHeartbeat({
    nodeId,
    url: config.cluster.advertisedUrl ?? config.auth.publicUrl ?? url,
    threshold: config.cluster.loadThreshold,
    periodMs: config.cluster.heartbeatMs,
    load: nodeLoad,
    placement,
    counts: () => ({
      rooms: sfu.rooms.size,
      streams: [...analyzers.info(), ...poses.info()].reduce((n, p) => n + p.streams, 0),
      backlogSec: backlog.maxSec,
    }),
    onStatus: (st) => shedder.onLoad(st.load),
  }));
  const setupToken = sessions?.access.setupToken;
  if (setupToken) {
    const link = `${config.auth.publicUrl ?? url}/setup?token=${setupToken}`;
    http.log.warn({ setupLink: link }, 'no account exists yet: open the set-up link to create the owner account');
  }

  return {
    config,
    url,
    setupLink: () => (sessions?.access.setupToken ? `${config.auth.publicUrl ?? url}/setup?token=${sessions.access.setupToken}` : null),
    nodeId,
    placement,
    heartbeat,
    shedder,
    http,
    io,
    sfu,
    analyzers,
    bus,
    taps,
    poses,
    videoTaps,
    sessions,
    nudges,
    async close() {
      metrics?.close();
      heartbeat.stop();
      io.close();
      await http.close();
      // Before the sessions end: the session rows exist, so buffered cues are written.
      await nudges?.close();
      await sessions?.close();
      await sfu.close();
      await analyzers.close();
      await poses.close();
      await bus.close();
      await placement.close();
      redisAdapter?.pub.disconnect();
      redisAdapter?.sub.disconnect();
    },
  };
}
