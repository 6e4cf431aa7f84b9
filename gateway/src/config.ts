import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { boolVar, enumVar, EnvConfigError, intVar, numberVar, parseEnv, readAnalyzerEnv, stringVar, type AnalyzerEnv } from '@lectern/analyzers/env';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Runtime configuration, parsed from environment variables by one zod schema ({@link ConfigEnvSchema});
 * a bad value fails start-up with an {@link EnvConfigError} naming the variable, the value and
 * what is allowed. Every variable is optional (unset or empty = default); the defaults run
 * everything on 127.0.0.1 with no external servers (the embedded default). The README's
 * configuration table lists the same variables — keep them in sync.
 *
 * | Variable | Default | Allowed | Meaning |
 * |----------|---------|---------|---------|
 * | `HOST` | `127.0.0.1` | host/IP | HTTP + Socket.IO listen host |
 * | `PORT` | `8080` | 0–65535 | HTTP + Socket.IO port (0 = ephemeral, tests) |
 * | `LECTERN_RTC_LISTEN_IP` | `127.0.0.1` | IP | WebRTC listen IP |
 * | `LECTERN_RTC_ANNOUNCED_ADDRESS` | — | IP/host | address announced in ICE candidates (NAT, containers) |
 * | `LECTERN_RTC_MIN_PORT` / `LECTERN_RTC_MAX_PORT` | `40000` / `49999` | 1–65535, min ≤ max | WebRTC UDP/TCP port range |
 * | `LECTERN_SFU_WORKERS` | one per core | ≥ 1 | mediasoup workers |
 * | `LECTERN_ANALYZER_PROCESSES` | `1` | ≥ 0 | voice/ASR analyzer processes (each serves many streams) |
 * | `LECTERN_POSE_PROCESSES` | `1` | ≥ 0 | pose-analyzer processes (0 = no video analysis) |
 * | `LECTERN_WEB_DIR` | `web/build` | path | built web app served at `/` |
 * | `LOG_LEVEL` | `info` | fatal, error, warn, info, debug, trace, silent | gateway log level (pino) |
 * | `LECTERN_PERSISTENCE` | `on` | on/off | sessions, recording and the `/v1` API; off = live coach only |
 * | `LECTERN_DATA_DIR` | `.lectern` | path | local state: embedded PostgreSQL, embedded S3, recording spool |
 * | `DATABASE_URL` | embedded | URL | PostgreSQL server; unset = embedded PostgreSQL under `LECTERN_DATA_DIR/pgdata` |
 * | `S3_ENDPOINT` | embedded | URL | S3 API endpoint; unset = embedded s3rver under `LECTERN_DATA_DIR/s3` |
 * | `S3_BUCKET` / `S3_REGION` | `lectern` / `us-east-1` | string | bucket (created if missing) and region |
 * | `S3_ACCESS_KEY_ID` / `S3_SECRET_ACCESS_KEY` | `S3RVER` / `S3RVER` | string | credentials (defaults: the embedded server's) |
 * | `S3_FORCE_PATH_STYLE` | `true` | on/off | path-style URLs (MinIO, s3rver) |
 * | `LECTERN_RECORDING` | `on` | on/off | record presenters' audio/video (WebM) to the object store |
 * | `LECTERN_RESUME_GRACE_SEC` | `30` | 0–600 | how long a session waits for a presenter who dropped (socket lost, page reloaded, media server restarted); rejoining within it continues the same session and recording (0 = end at once) |
 * | `LECTERN_NUDGE_INTERVAL_SEC` | `20` | 0–600 | live nudges ("Slow down", "Louder", …): at most one per this many media seconds per presenter (0 = no nudges) |
 * | `LECTERN_NODE_ID` | host name | string | this gateway's id; at start-up it ends the sessions its previous run left live |
 * | `LECTERN_JOBS` | `on` | on/off | consume post-session analysis jobs on this node (off = only queue them) |
 * | `LECTERN_CLIPS` | `on` | on/off | cut the report's clips (best and weakest moments, captions burned in) after each analysis |
 * | `LECTERN_JOB_RETRY_LIMIT` | `3` | ≥ 0 | retries of a failed analysis attempt |
 * | `LECTERN_JOB_RETRY_DELAY_SEC` | `10` | ≥ 0 | base retry delay, s (pg-boss exponential backoff with jitter) |
 * | `LECTERN_REPORT_POSE_FPS` | `2` | ≥ 1 | pose frames per second in the post-session full pass |
 * | `LECTERN_SHARE_SECRET` | random, kept in `LECTERN_DATA_DIR/share-secret` | ≥ 16 characters | HMAC key of report share links |
 * | `LECTERN_JWT_SECRET` | random, kept in `LECTERN_DATA_DIR/jwt-secret` | ≥ 32 characters | HS256 key of access tokens, room grants and invitation links (set the same on every gateway) |
 * | `LECTERN_ACCESS_TOKEN_TTL_SEC` | `900` | 1–900 | access-token lifetime (the web app refreshes before it ends) |
 * | `LECTERN_REFRESH_TOKEN_TTL_DAYS` | `30` | 1–365 | how long a sign-in lasts without use |
 * | `LECTERN_SIGNUP` | `invite` | invite/open | `open`: anyone may sign up and gets an organization of their own |
 * | `LECTERN_AUTH_RATE_LIMIT` | `20` | ≥ 1 | sign-in/sign-up/refresh/join requests per IP per minute |
 * | `LECTERN_CORS_ORIGINS` | — (same origin only) | comma-separated origins | origins allowed to call the API and Socket.IO from a browser |
 * | `LECTERN_SECURE_COOKIES` | `auto` | auto/on/off | `Secure` refresh cookie: auto = when the request came over HTTPS |
 * | `LECTERN_PUBLIC_URL` | `http://HOST:PORT` | URL | base of the links the server prints (set-up link) |
 * | `REDIS_URL` | — (one node, in-process) | URL | Redis shared by several nodes: node registry, room placement, Socket.IO adapter, metric bus, revocations |
 * | `LECTERN_ADVERTISED_URL` | `LECTERN_PUBLIC_URL` or `http://HOST:PORT` | URL | this node's URL as other nodes send clients to it |
 * | `LECTERN_LOAD_THRESHOLD` | `0.7` | 0.05–1 | node load (CPU of its process tree ÷ cores, plus analyzer backlog) above which it takes no new rooms |
 * | `LECTERN_METRICS` | `on` | on/off | Prometheus metrics at `GET /metrics` |
 * | `LECTERN_SOCKET_MAX_MESSAGE_BYTES` | `262144` | 1024–16777216 | largest Socket.IO message, bytes (Socket.IO `maxHttpBufferSize`); a larger one closes that connection |
 * | `LECTERN_SOCKET_EVENTS_PER_SEC` | `50` | 1–10000 | Socket.IO events per socket per second; more → `RATE_LIMITED` with `retryAfterMs` |
 * | `LECTERN_SOCKET_EVENT_BURST` | `200` | 0–100000 | extra events per socket per 10 s beyond the per-second rate (joining a busy room) |
 * | `LECTERN_SOCKET_REFUSALS_BEFORE_DISCONNECT` | `100` | 1–100000 | rate-limited events per socket within 10 s after which it is disconnected |
 * | `LECTERN_MAX_ROOMS_PER_NODE` | `100` | 1–100000 | open rooms on this node; a new room beyond it → `CAPACITY` |
 * | `LECTERN_MAX_PEERS_PER_ROOM` | `25` | 1–1000 | peers in one room; one more → `ROOM_FULL` |
 * | `LECTERN_MAX_TRANSPORTS_PER_PEER` | `4` | 1–64 | WebRTC transports per peer (the web app uses 2) → `QUOTA_EXCEEDED` beyond |
 * | `LECTERN_MAX_PRODUCERS_PER_PEER` | `4` | 1–64 | producers per peer (the web app uses ≤ 2) |
 * | `LECTERN_MAX_CONSUMERS_PER_PEER` | `100` | 1–10000 | consumers per peer |
 * | `LECTERN_FAILED_JOINS_PER_IP` | `20` | 1–100000 | failed Socket.IO handshakes (bad token) and refused `room:join`s (bad grant, forbidden, revoked) per IP per minute; beyond → `RATE_LIMITED` with `retryAfterMs` |
 *
 * Also validated here at start-up, but read by the analyzer child processes (per process): the
 * `LECTERN_ASR_*`, `LECTERN_POSE_*`, `LECTERN_MOVENET_MODEL` and `LECTERN_MODELS_*` variables of
 * `analyzers/src/env.ts` (table there). Read elsewhere, not parsed here: `MEDIASOUP_WORKER_BIN`
 * (sfu), `LECTERN_SYSTEM_DIR` (embedded PostgreSQL as root), `LECTERN_DEBUG` (main.ts stack
 * traces), `CHROMIUM_PATH` (tests and benches, `test/support/browser.ts`).
 */
export interface LecternConfig {
  /** HTTP + Socket.IO listen host (`HOST`, default 127.0.0.1). */
  host: string;
  /** HTTP + Socket.IO port (`PORT`, default 8080; 0 = ephemeral, used by tests). */
  port: number;
  /** WebRTC listen IP (`LECTERN_RTC_LISTEN_IP`, default 127.0.0.1). */
  rtcListenIp: string;
  /** Address announced in ICE candidates (`LECTERN_RTC_ANNOUNCED_ADDRESS`, default none). */
  rtcAnnouncedAddress?: string;
  /** WebRTC port range (`LECTERN_RTC_MIN_PORT`/`LECTERN_RTC_MAX_PORT`, default 40000–49999). */
  rtcMinPort: number;
  rtcMaxPort: number;
  /** mediasoup workers (`LECTERN_SFU_WORKERS`, default: one per core). */
  sfuWorkers: number;
  /** Analyzer processes (`LECTERN_ANALYZER_PROCESSES`, default 1; each serves many streams). */
  analyzerProcesses: number;
  /**
   * Pose-analyzer processes for body language from video (`LECTERN_POSE_PROCESSES`, default 1;
   * each serves many video streams with one inference thread; 0 = no video analysis).
   */
  poseProcesses: number;
  /** Directory of the built web app served at / (`LECTERN_WEB_DIR`, default web/build). */
  webDir: string;
  /** Log level for Fastify's pino logger (`LOG_LEVEL`, default info). */
  logLevel: string;
  /**
   * Sessions, recording and the `/v1` API (`LECTERN_PERSISTENCE`, default `on`; `off` runs the live
   * coach without a database, object store or recorder — benchmarks use it).
   */
  persistence: boolean;
  /** Local state: embedded Postgres data, embedded S3 objects, recording spool (`LECTERN_DATA_DIR`, default `.lectern`). */
  dataDir: string;
  /** PostgreSQL server URL (`DATABASE_URL`); unset = start the embedded PostgreSQL under `dataDir/pgdata`. */
  databaseUrl?: string;
  /** Object storage (S3 API). `endpoint` unset = start the embedded s3rver under `dataDir/s3`. */
  s3: S3Config;
  /** Record presenters' audio/video to WebM and upload it (`LECTERN_RECORDING`, default `on`). */
  recording: boolean;
  /**
   * How long a live session waits for its presenter after they dropped without leaving, s
   * (`LECTERN_RESUME_GRACE_SEC`, 0–600, default 30; 0 = the session ends at once).
   */
  resumeGraceSec: number;
  /**
   * Minimum media seconds between two live nudges of one presenter (`LECTERN_NUDGE_INTERVAL_SEC`,
   * 0–600, default 20; 0 = nudges off). See contract/src/nudges.ts.
   */
  nudgeIntervalSec: number;
  /**
   * This gateway's id (`LECTERN_NODE_ID`, default the host name); at start-up a node ends the
   * sessions its previous run left `live`.
   */
  nodeId?: string;
  /** Post-session analysis jobs, reports and share links (`LECTERN_JOB_*`, `LECTERN_SHARE_SECRET`). */
  reports: ReportsConfig;
  /** The analyzer child processes' variables, validated at start-up (`analyzers/src/env.ts`); the children read them again themselves. */
  analyzerEnv?: AnalyzerEnv;
  /** Trust `X-Forwarded-*` from a reverse proxy (client IP for rate limits, HTTPS for cookies); default false. */
  trustProxy?: boolean;
  /** Accounts, tokens and HTTP hardening (`LECTERN_JWT_SECRET`, `LECTERN_ACCESS_TOKEN_TTL_SEC`, …). */
  auth: AuthConfig;
  /** Several nodes and admission control (`REDIS_URL`, `LECTERN_ADVERTISED_URL`, `LECTERN_LOAD_THRESHOLD`). */
  cluster: ClusterConfig;
  /** Prometheus metrics at `GET /metrics` (`LECTERN_METRICS`, default on). */
  metrics: boolean;
  /** Limits against abuse of signaling (`LECTERN_SOCKET_*`, `LECTERN_MAX_*`, `LECTERN_FAILED_JOINS_PER_IP`). */
  limits: LimitsConfig;
}

/**
 * Limits against abuse, enforced by the gateway's signaling (gateway/src/signaling/limits/). Counts
 * are per node and in memory (a client reconnecting to another node starts afresh).
 */
export interface LimitsConfig {
  /** Largest Socket.IO message, bytes (`LECTERN_SOCKET_MAX_MESSAGE_BYTES`, default 262 144); a larger one closes the connection. */
  maxMessageBytes: number;
  /** Events per socket per second (`LECTERN_SOCKET_EVENTS_PER_SEC`, default 50). */
  socketEventsPerSec: number;
  /** Extra events per socket per {@link burstWindowMs} beyond the per-second rate (`LECTERN_SOCKET_EVENT_BURST`, default 200). */
  socketEventBurst: number;
  /** Window of the burst allowance, ms (default 10 000). */
  burstWindowMs: number;
  /** Refused events per socket within {@link refusalWindowMs} after which it is disconnected (`LECTERN_SOCKET_REFUSALS_BEFORE_DISCONNECT`, default 100). */
  refusalsBeforeDisconnect: number;
  /** Window of the refusal count, ms (default 10 000). */
  refusalWindowMs: number;
  /** Open rooms on this node (`LECTERN_MAX_ROOMS_PER_NODE`, default 100); a new one beyond → `CAPACITY`. */
  maxRoomsPerNode: number;
  /** Peers in one room (`LECTERN_MAX_PEERS_PER_ROOM`, default 25); beyond → `ROOM_FULL`. */
  maxPeersPerRoom: number;
  /** WebRTC transports per peer (`LECTERN_MAX_TRANSPORTS_PER_PEER`, default 4). */
  maxTransportsPerPeer: number;
  /** Producers per peer (`LECTERN_MAX_PRODUCERS_PER_PEER`, default 4). */
  maxProducersPerPeer: number;
  /** Consumers per peer (`LECTERN_MAX_CONSUMERS_PER_PEER`, default 100). */
  maxConsumersPerPeer: number;
  /** Failed handshakes + refused joins per IP per {@link failedJoinWindowMs} (`LECTERN_FAILED_JOINS_PER_IP`, default 20). */
  failedJoinsPerIp: number;
  /** Window of the failed-join count, ms (default 60 000; tests shorten it). */
  failedJoinWindowMs: number;
}

/** Configuration given in code (tests, embedding): any field, and any part of `auth`. */
export type ConfigOverrides = Partial<Omit<LecternConfig, 'auth' | 'cluster' | 'limits'>> & { auth?: Partial<AuthConfig>; cluster?: Partial<ClusterConfig>; limits?: Partial<LimitsConfig> };

/** Accounts and tokens. */
export interface AuthConfig {
  /** HS256 key (`LECTERN_JWT_SECRET`, ≥ 32 characters); unset = random, kept in `dataDir/jwt-secret`. */
  jwtSecret?: string;
  /** Access-token lifetime, s (`LECTERN_ACCESS_TOKEN_TTL_SEC`, 1–900, default 900). */
  accessTokenTtlSec: number;
  /** Refresh-token lifetime, s (`LECTERN_REFRESH_TOKEN_TTL_DAYS` × 86 400; default 30 days). */
  refreshTokenTtlSec: number;
  /** Open sign-up (`LECTERN_SIGNUP=open`); default invitation only. */
  openSignUp: boolean;
  /** Auth requests per IP per window (`LECTERN_AUTH_RATE_LIMIT`, default 20). */
  rateLimitMax: number;
  /** The rate-limit window, ms (default 60 000; tests shorten it). */
  rateLimitWindowMs: number;
  /** Per-account lock after failed sign-ins: longest lock, ms (default 60 000). */
  accountLockMaxMs: number;
  /** Browser origins allowed to call the API (`LECTERN_CORS_ORIGINS`; empty = same origin only). */
  corsOrigins: string[];
  /** `Secure` on the refresh cookie (`LECTERN_SECURE_COOKIES`: auto/on/off). */
  secureCookies: 'auto' | boolean;
  /** Base of printed links (`LECTERN_PUBLIC_URL`; default `http://HOST:PORT`). */
  publicUrl?: string;
}

/** Multi-node and admission-control settings. */
export interface ClusterConfig {
  /** Redis URL (`REDIS_URL`); unset = one node, everything in-process. */
  redisUrl?: string;
  /** This node's base URL for clients sent here by another node (`LECTERN_ADVERTISED_URL`). */
  advertisedUrl?: string;
  /**
   * Load above which this node takes no new rooms (`LECTERN_LOAD_THRESHOLD`, 0.05–1, default 0.7;
   * the default of LiveKit Agents' `load_threshold`). Load = CPU of the node's process tree ÷ cores.
   */
  loadThreshold: number;
  /** Node heartbeat period, ms (default 2000). */
  heartbeatMs: number;
  /** A node missing heartbeats this long counts as gone, ms (default 6000). */
  nodeTtlMs: number;
}

/** Post-session report settings. */
export interface ReportsConfig {
  /** Consume analysis jobs on this node (`LECTERN_JOBS`, default `on`; `off` = only queue them). */
  work: boolean;
  /** Retries after a failed attempt (`LECTERN_JOB_RETRY_LIMIT`, default 3). */
  retryLimit: number;
  /** Base retry delay, seconds, doubled per retry with jitter (`LECTERN_JOB_RETRY_DELAY_SEC`, default 10). */
  retryDelaySec: number;
  /** Pose frames per second in the full pass (`LECTERN_REPORT_POSE_FPS`, default 2). */
  poseFps: number;
  /**
   * HMAC key of share links (`LECTERN_SHARE_SECRET`, ≥ 16 characters); unset = a random key kept
   * in `dataDir/share-secret` (links survive restarts of this node; set it for several gateways).
   */
  shareSecret?: string;
  /** Report clips (`LECTERN_CLIPS`, default `on`): `enabled: false` skips cutting them. */
  clips?: { enabled: boolean };
}

/** S3-compatible object storage settings (`S3_*` variables). */
export interface S3Config {
  /** Endpoint URL, e.g. `http://minio:9000` (`S3_ENDPOINT`); unset = embedded s3rver. */
  endpoint?: string;
  /** Bucket for recordings and reports (`S3_BUCKET`, default `lectern`); created if missing. */
  bucket: string;
  /** Region (`S3_REGION`, default `us-east-1`). */
  region: string;
  /** Access key id (`S3_ACCESS_KEY_ID`; default `S3RVER` for the embedded server). */
  accessKeyId: string;
  /** Secret access key (`S3_SECRET_ACCESS_KEY`; default `S3RVER` for the embedded server). */
  secretAccessKey: string;
  /** Path-style addressing (`S3_FORCE_PATH_STYLE`, default `true`; MinIO and s3rver need it). */
  forcePathStyle: boolean;
}

/** Log levels of pino. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The gateway's variables (table above); defaults as documented there. */
export const ConfigEnvSchema = z.object({
  HOST: stringVar('127.0.0.1'),
  PORT: intVar(8080, 0, 65535),
  LECTERN_RTC_LISTEN_IP: stringVar('127.0.0.1'),
  LECTERN_RTC_ANNOUNCED_ADDRESS: stringVar(),
  LECTERN_RTC_MIN_PORT: intVar(40000, 1, 65535),
  LECTERN_RTC_MAX_PORT: intVar(49999, 1, 65535),
  LECTERN_SFU_WORKERS: intVar(() => os.availableParallelism(), 1),
  LECTERN_ANALYZER_PROCESSES: intVar(1),
  LECTERN_POSE_PROCESSES: intVar(1),
  LECTERN_WEB_DIR: stringVar(path.join(repoRoot, 'web', 'build')),
  LOG_LEVEL: enumVar(LOG_LEVELS, 'info'),
  LECTERN_PERSISTENCE: boolVar(true),
  LECTERN_DATA_DIR: stringVar(path.join(repoRoot, '.lectern')),
  DATABASE_URL: stringVar(),
  S3_ENDPOINT: stringVar(),
  S3_BUCKET: stringVar('lectern'),
  S3_REGION: stringVar('us-east-1'),
  S3_ACCESS_KEY_ID: stringVar('S3RVER'),
  S3_SECRET_ACCESS_KEY: stringVar('S3RVER'),
  S3_FORCE_PATH_STYLE: boolVar(true),
  LECTERN_RECORDING: boolVar(true),
  LECTERN_RESUME_GRACE_SEC: intVar(30, 0, 600),
  LECTERN_NUDGE_INTERVAL_SEC: intVar(20, 0, 600),
  LECTERN_NODE_ID: stringVar(),
  LECTERN_JOBS: boolVar(true),
  LECTERN_CLIPS: boolVar(true),
  LECTERN_JOB_RETRY_LIMIT: intVar(3),
  LECTERN_JOB_RETRY_DELAY_SEC: intVar(10),
  LECTERN_REPORT_POSE_FPS: intVar(2, 1),
  LECTERN_SHARE_SECRET: stringVar(undefined, 16),
  LECTERN_JWT_SECRET: stringVar(undefined, 32),
  LECTERN_ACCESS_TOKEN_TTL_SEC: intVar(900, 1, 900),
  LECTERN_REFRESH_TOKEN_TTL_DAYS: intVar(30, 1, 365),
  LECTERN_SIGNUP: enumVar(['invite', 'open'], 'invite'),
  LECTERN_AUTH_RATE_LIMIT: intVar(20, 1),
  LECTERN_CORS_ORIGINS: stringVar(),
  LECTERN_SECURE_COOKIES: enumVar(['auto', 'on', 'off'], 'auto'),
  LECTERN_PUBLIC_URL: stringVar(),
  REDIS_URL: stringVar(),
  LECTERN_ADVERTISED_URL: stringVar(),
  LECTERN_LOAD_THRESHOLD: numberVar(0.7, 0.05),
  LECTERN_METRICS: boolVar(true),
  LECTERN_SOCKET_MAX_MESSAGE_BYTES: intVar(256 * 1024, 1024, 16 * 1024 * 1024),
  LECTERN_SOCKET_EVENTS_PER_SEC: intVar(50, 1, 10_000),
  LECTERN_SOCKET_EVENT_BURST: intVar(200, 0, 100_000),
  LECTERN_SOCKET_REFUSALS_BEFORE_DISCONNECT: intVar(100, 1, 100_000),
  LECTERN_MAX_ROOMS_PER_NODE: intVar(100, 1, 100_000),
  LECTERN_MAX_PEERS_PER_ROOM: intVar(25, 1, 1000),
  LECTERN_MAX_TRANSPORTS_PER_PEER: intVar(4, 1, 64),
  LECTERN_MAX_PRODUCERS_PER_PEER: intVar(4, 1, 64),
  LECTERN_MAX_CONSUMERS_PER_PEER: intVar(100, 1, 10_000),
  LECTERN_FAILED_JOINS_PER_IP: intVar(20, 1, 100_000),
});

/**
 * Reads {@link LecternConfig} from `env` (default `process.env`), with `overrides` applied last.
 * @throws EnvConfigError naming every malformed variable, its value and what is allowed (also for
 *   the analyzer processes' variables, and `LECTERN_RTC_MIN_PORT` > `LECTERN_RTC_MAX_PORT`).
 */
export function loadConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): LecternConfig {
  const problems: EnvConfigError['problems'] = [];
  const collect = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch (err) {
      if (!(err instanceof EnvConfigError)) throw err;
      problems.push(...err.problems);
      return undefined;
    }
  };
  const e = collect(() => parseEnv(ConfigEnvSchema, env));
  const analyzerEnv = collect(() => readAnalyzerEnv(env));
  if (e && e.LECTERN_RTC_MIN_PORT > e.LECTERN_RTC_MAX_PORT)
    problems.push({ variable: 'LECTERN_RTC_MIN_PORT', value: String(e.LECTERN_RTC_MIN_PORT), allowed: `a port ≤ LECTERN_RTC_MAX_PORT (${e.LECTERN_RTC_MAX_PORT})` });
  if (!e || problems.length > 0) throw new EnvConfigError(problems);
  const cfg: LecternConfig = {
    host: e.HOST,
    port: e.PORT,
    rtcListenIp: e.LECTERN_RTC_LISTEN_IP,
    rtcAnnouncedAddress: e.LECTERN_RTC_ANNOUNCED_ADDRESS,
    rtcMinPort: e.LECTERN_RTC_MIN_PORT,
    rtcMaxPort: e.LECTERN_RTC_MAX_PORT,
    sfuWorkers: e.LECTERN_SFU_WORKERS,
    analyzerProcesses: e.LECTERN_ANALYZER_PROCESSES,
    poseProcesses: e.LECTERN_POSE_PROCESSES,
    webDir: e.LECTERN_WEB_DIR,
    logLevel: e.LOG_LEVEL,
    persistence: e.LECTERN_PERSISTENCE,
    dataDir: path.resolve(e.LECTERN_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    s3: {
      endpoint: e.S3_ENDPOINT,
      bucket: e.S3_BUCKET,
      region: e.S3_REGION,
      accessKeyId: e.S3_ACCESS_KEY_ID,
      secretAccessKey: e.S3_SECRET_ACCESS_KEY,
      forcePathStyle: e.S3_FORCE_PATH_STYLE,
    },
    recording: e.LECTERN_RECORDING,
    resumeGraceSec: e.LECTERN_RESUME_GRACE_SEC,
    nudgeIntervalSec: e.LECTERN_NUDGE_INTERVAL_SEC,
    nodeId: e.LECTERN_NODE_ID,
    reports: {
      work: e.LECTERN_JOBS,
      retryLimit: e.LECTERN_JOB_RETRY_LIMIT,
      retryDelaySec: e.LECTERN_JOB_RETRY_DELAY_SEC,
      poseFps: e.LECTERN_REPORT_POSE_FPS,
      shareSecret: e.LECTERN_SHARE_SECRET,
      clips: { enabled: e.LECTERN_CLIPS },
    },
    analyzerEnv,
    metrics: e.LECTERN_METRICS,
    ...(overrides as Partial<LecternConfig>),
    cluster: {
      redisUrl: e.REDIS_URL,
      advertisedUrl: e.LECTERN_ADVERTISED_URL ?? e.LECTERN_PUBLIC_URL,
      loadThreshold: e.LECTERN_LOAD_THRESHOLD,
      heartbeatMs: 2000,
      nodeTtlMs: 6000,
      ...overrides.cluster,
    },
    limits: {
      maxMessageBytes: e.LECTERN_SOCKET_MAX_MESSAGE_BYTES,
      socketEventsPerSec: e.LECTERN_SOCKET_EVENTS_PER_SEC,
      socketEventBurst: e.LECTERN_SOCKET_EVENT_BURST,
      burstWindowMs: 10_000,
      refusalsBeforeDisconnect: e.LECTERN_SOCKET_REFUSALS_BEFORE_DISCONNECT,
      refusalWindowMs: 10_000,
      maxRoomsPerNode: e.LECTERN_MAX_ROOMS_PER_NODE,
      maxPeersPerRoom: e.LECTERN_MAX_PEERS_PER_ROOM,
      maxTransportsPerPeer: e.LECTERN_MAX_TRANSPORTS_PER_PEER,
      maxProducersPerPeer: e.LECTERN_MAX_PRODUCERS_PER_PEER,
      maxConsumersPerPeer: e.LECTERN_MAX_CONSUMERS_PER_PEER,
      failedJoinsPerIp: e.LECTERN_FAILED_JOINS_PER_IP,
      failedJoinWindowMs: 60_000,
      ...overrides.limits,
    },
    auth: {
      jwtSecret: e.LECTERN_JWT_SECRET,
      accessTokenTtlSec: e.LECTERN_ACCESS_TOKEN_TTL_SEC,
      refreshTokenTtlSec: e.LECTERN_REFRESH_TOKEN_TTL_DAYS * 86400,
      openSignUp: e.LECTERN_SIGNUP === 'open',
      rateLimitMax: e.LECTERN_AUTH_RATE_LIMIT,
      rateLimitWindowMs: 60_000,
      accountLockMaxMs: 60_000,
      corsOrigins: (e.LECTERN_CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean),
      secureCookies: e.LECTERN_SECURE_COOKIES === 'auto' ? 'auto' : e.LECTERN_SECURE_COOKIES === 'on',
      publicUrl: e.LECTERN_PUBLIC_URL,
      ...overrides.auth,
    },
  };
  // The same rules for values given as overrides (tests, embedding).
  if (cfg.rtcMinPort > cfg.rtcMaxPort) throw new Error('LECTERN_RTC_MIN_PORT must be ≤ LECTERN_RTC_MAX_PORT');
  if (cfg.sfuWorkers < 1) throw new Error('LECTERN_SFU_WORKERS must be ≥ 1');
  if (cfg.reports.shareSecret !== undefined && cfg.reports.shareSecret.length < 16) throw new Error('LECTERN_SHARE_SECRET must be at least 16 characters');
  if (cfg.reports.poseFps < 1) throw new Error('LECTERN_REPORT_POSE_FPS must be ≥ 1');
  if (!(cfg.auth.accessTokenTtlSec >= 1 && cfg.auth.accessTokenTtlSec <= 900)) throw new Error('LECTERN_ACCESS_TOKEN_TTL_SEC must be 1–900');
  if (!(cfg.cluster.loadThreshold >= 0.05 && cfg.cluster.loadThreshold <= 1)) throw new Error('LECTERN_LOAD_THRESHOLD must be 0.05–1');
  assertLimits(cfg.limits);
  if (cfg.auth.jwtSecret !== undefined && cfg.auth.jwtSecret.length < 32) throw new Error('LECTERN_JWT_SECRET must be at least 32 characters');
  return cfg;
}

/**
 * The ranges of the table above for limits given in code (tests, embedding).
 * @throws Error naming the first value out of range.
 */
function assertLimits(l: LimitsConfig): void {
  const ranges: [keyof LimitsConfig, number, number][] = [
    ['maxMessageBytes', 1024, 16 * 1024 * 1024], ['socketEventsPerSec', 1, 10_000], ['socketEventBurst', 0, 100_000],
    ['burstWindowMs', 1000, 3_600_000], ['refusalsBeforeDisconnect', 1, 100_000], ['refusalWindowMs', 1000, 3_600_000],
    ['maxRoomsPerNode', 1, 100_000], ['maxPeersPerRoom', 1, 1000], ['maxTransportsPerPeer', 1, 64], ['maxProducersPerPeer', 1, 64],
    ['maxConsumersPerPeer', 1, 10_000], ['failedJoinsPerIp', 1, 100_000], ['failedJoinWindowMs', 1000, 3_600_000],
  ];
  for (const [k, min, max] of ranges)
    if (!(Number.isInteger(l[k]) && l[k] >= min && l[k] <= max)) throw new Error(`limits.${k} must be an integer in ${min}–${max} (got ${l[k]})`);
}

export { repoRoot };
