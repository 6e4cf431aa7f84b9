import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Runtime configuration, read from environment variables. Every variable is optional; the defaults
 * run everything on 127.0.0.1 with no external servers (the embedded default). The README's
 * configuration table lists the same variables — keep them in sync.
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
   * This gateway's id (`LECTERN_NODE_ID`, default the host name); at start-up a node ends the
   * sessions its previous run left `live`.
   */
  nodeId?: string;
  /** Post-session analysis jobs, reports and share links (`LECTERN_JOB_*`, `LECTERN_SHARE_SECRET`). */
  reports: ReportsConfig;
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

function int(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

function bool(name: string, fallback: boolean): boolean {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|on|yes)$/i.test(raw)) return true;
  if (/^(0|false|off|no)$/i.test(raw)) return false;
  throw new Error(`${name} must be on/off (or true/false, 1/0), got "${raw}"`);
}

/**
 * Reads {@link LecternConfig} from `process.env`, with `overrides` applied last.
 * @throws Error naming the variable when a value is malformed.
 */
export function loadConfig(overrides: Partial<LecternConfig> = {}): LecternConfig {
  const cfg: LecternConfig = {
    host: process.env.HOST || '127.0.0.1',
    port: int('PORT', 8080),
    rtcListenIp: process.env.LECTERN_RTC_LISTEN_IP || '127.0.0.1',
    rtcAnnouncedAddress: process.env.LECTERN_RTC_ANNOUNCED_ADDRESS || undefined,
    rtcMinPort: int('LECTERN_RTC_MIN_PORT', 40000),
    rtcMaxPort: int('LECTERN_RTC_MAX_PORT', 49999),
    sfuWorkers: int('LECTERN_SFU_WORKERS', os.availableParallelism()),
    analyzerProcesses: int('LECTERN_ANALYZER_PROCESSES', 1),
    poseProcesses: int('LECTERN_POSE_PROCESSES', 1),
    webDir: process.env.LECTERN_WEB_DIR || path.join(repoRoot, 'web', 'build'),
    logLevel: process.env.LOG_LEVEL || 'info',
    persistence: bool('LECTERN_PERSISTENCE', true),
    dataDir: path.resolve(process.env.LECTERN_DATA_DIR || path.join(repoRoot, '.lectern')),
    databaseUrl: process.env.DATABASE_URL || undefined,
    s3: {
      endpoint: process.env.S3_ENDPOINT || undefined,
      bucket: process.env.S3_BUCKET || 'lectern',
      region: process.env.S3_REGION || 'us-east-1',
      accessKeyId: process.env.S3_ACCESS_KEY_ID || 'S3RVER',
      secretAccessKey: process.env.S3_SECRET_ACCESS_KEY || 'S3RVER',
      forcePathStyle: bool('S3_FORCE_PATH_STYLE', true),
    },
    recording: bool('LECTERN_RECORDING', true),
    nodeId: process.env.LECTERN_NODE_ID || undefined,
    reports: {
      work: bool('LECTERN_JOBS', true),
      retryLimit: int('LECTERN_JOB_RETRY_LIMIT', 3),
      retryDelaySec: int('LECTERN_JOB_RETRY_DELAY_SEC', 10),
      poseFps: int('LECTERN_REPORT_POSE_FPS', 2),
      shareSecret: process.env.LECTERN_SHARE_SECRET || undefined,
    },
    ...overrides,
  };
  if (cfg.rtcMinPort > cfg.rtcMaxPort) throw new Error('LECTERN_RTC_MIN_PORT must be ≤ LECTERN_RTC_MAX_PORT');
  if (cfg.sfuWorkers < 1) throw new Error('LECTERN_SFU_WORKERS must be ≥ 1');
  if (cfg.reports.shareSecret !== undefined && cfg.reports.shareSecret.length < 16) throw new Error('LECTERN_SHARE_SECRET must be at least 16 characters');
  if (cfg.reports.poseFps < 1) throw new Error('LECTERN_REPORT_POSE_FPS must be ≥ 1');
  return cfg;
}

export { repoRoot };
