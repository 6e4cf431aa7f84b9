import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { Server } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '@lectern/contract';
import { SfuNode } from '@lectern/sfu';
import { AnalyzerPool } from './analysis/AnalyzerPool.ts';
import { AudioTapManager } from './analysis/AudioTapManager.ts';
import { PoseProcessPool } from './analysis/PoseProcessPool.ts';
import { VideoTapManager } from './analysis/VideoTapManager.ts';
import { InProcessBus } from './bus/InProcessBus.ts';
import type { MetricBus } from './bus/MetricBus.ts';
import { type LecternConfig, loadConfig } from './config.ts';
import { registerRoutes } from './http/routes.ts';
import { type InjectedServices, SessionServices } from './sessions/SessionServices.ts';
import { SignalingServer } from './signaling/SignalingServer.ts';

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
  /** Sessions, recording, persistence and `/v1` (null when `persistence` is off). */
  sessions: SessionServices | null;
  /** Stops accepting connections and shuts every part down. */
  close(): Promise<void>;
}

/**
 * Starts the gateway (Fastify + Socket.IO), the SFU workers and the analyzer processes.
 * @param overrides configuration overriding the environment (tests pass `{ port: 0 }`).
 * @param services an already-running database / object store to use instead of starting them.
 * @throws Error if the mediasoup worker, an analyzer process or the database cannot start (message says why).
 */
export async function startLectern(overrides: Partial<LecternConfig> = {}, services: InjectedServices = {}): Promise<LecternNode> {
  const config = loadConfig(overrides);
  const startedAtMs = Date.now();
  const http = Fastify({ logger: { level: config.logLevel } });
  const sfu = new SfuNode({
    numWorkers: config.sfuWorkers,
    listenIp: config.rtcListenIp,
    announcedAddress: config.rtcAnnouncedAddress,
    rtcMinPort: config.rtcMinPort,
    rtcMaxPort: config.rtcMaxPort,
  });
  const analyzers = new AnalyzerPool({ processes: config.analyzerProcesses });
  const bus: MetricBus = new InProcessBus();
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
    await Promise.allSettled([sessions?.close(), sfu.close(), analyzers.close(), poses.close()]);
    throw failed.reason;
  }
  const sessions = (started[0] as PromiseFulfilledResult<SessionServices | null>).value;

  const io = new Server<ClientToServerEvents, ServerToClientEvents>(http.server, {
    serveClient: false,
    maxHttpBufferSize: 256 * 1024,
    cors: { origin: true },
  });
  const taps = new AudioTapManager(analyzers, bus, http.log);
  const videoTaps = new VideoTapManager(poses, bus, http.log);
  const addProducer: (typeof taps)['add'] = (room, producer) => {
    // Sessions first: the recorder's time base must see the analyzer's tap being created.
    const peerId = room.listProducers().find((p) => p.producer.id === producer.id)?.peerId ?? '';
    sessions?.manager.producerAdded(room, { peerId, role: 'presenter' }, producer);
    taps.add(room, producer);
    videoTaps.add(room, producer);
  };
  const peerHooks = sessions && { joined: sessions.manager.peerJoined.bind(sessions.manager), left: sessions.manager.peerLeft.bind(sessions.manager) };
  new SignalingServer(io, sfu, { add: addProducer }, http.log, peerHooks ?? undefined, sessions?.manager);
  bus.subscribe((roomId, msg) => io.to(roomId).emit(msg.event, msg.payload as never));
  sfu.on('workerdied', ({ pid, roomIds }) => http.log.error({ pid, roomIds }, 'mediasoup worker died; replaced'));
  analyzers.on('streams-lost', (info) => http.log.warn(info, 'analyzer process exited; restarting'));
  poses.on('streams-lost', (info) => http.log.warn(info, 'pose process exited; restarting'));

  try {
    await sessions?.registerApi(http, path.join(config.dataDir, 'spool'));
    await registerRoutes(http, { sfu, pool: analyzers, webDir: config.webDir, startedAtMs });
    await http.listen({ host: config.host, port: config.port });
  } catch (err) {
    io.close();
    await Promise.allSettled([sessions?.close(), sfu.close(), analyzers.close(), poses.close()]);
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') throw new Error(`port ${config.port} on ${config.host} is in use: stop the other server or set PORT`);
    throw err;
  }
  const addr = http.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;

  return {
    config,
    url: `http://${config.host}:${port}`,
    http,
    io,
    sfu,
    analyzers,
    bus,
    taps,
    poses,
    videoTaps,
    sessions,
    async close() {
      io.close();
      await http.close();
      await sessions?.close();
      await sfu.close();
      await analyzers.close();
      await poses.close();
      await bus.close();
    },
  };
}
