import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { SfuNode } from '@lectern/sfu';
import type { MetricBus } from '../bus/MetricBus.ts';
import type { LecternConfig } from '../config.ts';
import { Database } from '../db/Database.ts';
import { EmbeddedPostgresServer } from '../db/EmbeddedPostgresServer.ts';
import { SessionRepository } from '../db/SessionRepository.ts';
import { SessionStore } from '../db/SessionStore.ts';
import { SessionsApi } from '../http/v1/SessionsApi.ts';
import { SearchApi } from '../http/v1/SearchApi.ts';
import { ScriptApi } from '../http/v1/ScriptApi.ts';
import { SpoolDrainer } from '../recording/SpoolDrainer.ts';
import { ReportJobs } from '../reports/ReportJobs.ts';
import { ReportRepository } from '../reports/ReportRepository.ts';
import { ReportsApi } from '../reports/ReportsApi.ts';
import { loadSecret, loadShareSecret, ShareLinks } from '../reports/ShareLinks.ts';
import { AccessApi } from '../access/AccessApi.ts';
import { AccountService } from '../access/AccountService.ts';
import { AuditLog } from '../access/AuditLog.ts';
import { registerAuthenticator } from '../access/Authenticator.ts';
import { LoginThrottle } from '../access/LoginThrottle.ts';
import { PrivacyService, RETENTION_CRON, RETENTION_QUEUE } from '../access/PrivacyService.ts';
import { SocketRegistry } from '../access/SocketRegistry.ts';
import { Tokens } from '../access/Tokens.ts';
import { EmbeddedS3Server } from '../storage/EmbeddedS3Server.ts';
import { ObjectStore } from '../storage/ObjectStore.ts';
import { SessionManager, type SessionLog } from './SessionManager.ts';

/**
 * Already-running services handed to `startLectern` (tests start embedded PostgreSQL or s3rver
 * once per file and run many nodes against them). Injected services are not closed by the node.
 */
export interface InjectedServices {
  database?: Database;
  objects?: ObjectStore;
}

/** Accounts and access of one gateway (see access/). */
export interface AccessServices {
  accounts: AccountService;
  privacy: PrivacyService;
  tokens: Tokens;
  sockets: SocketRegistry;
  audit: AuditLog;
  /** The one-time set-up token while the server has no account (null after). */
  readonly setupToken: string | null;
}

/**
 * Everything behind "sessions that last", composed for one gateway: the database (DATABASE_URL or
 * embedded PostgreSQL), object storage (S3_ENDPOINT or embedded s3rver), the spool drainer, the
 * {@link SessionManager} and the `/v1` API. Start-up ends the sessions a previous run of this node
 * left live and drains leftover spooled recordings.
 */
export class SessionServices {
  private constructor(
    /** Connection pool with the migrated schema. */
    readonly database: Database,
    /** Session tables. */
    readonly repo: SessionRepository,
    /** Live-path writer (batched, retried). */
    readonly store: SessionStore,
    /** Object store (null when recording is off). */
    readonly objects: ObjectStore | null,
    /** Uploads spooled recordings. */
    readonly drainer: SpoolDrainer | null,
    /** Session lifecycle (signaling hooks). */
    readonly manager: SessionManager,
    private readonly owned: { pg?: EmbeddedPostgresServer; s3?: EmbeddedS3Server; database: boolean; objects: boolean },
    /** The embedded S3 server when this node runs one (tests stop/start it to simulate outages). */
    readonly embeddedS3: EmbeddedS3Server | undefined,
    /** Milliseconds start-up took, by part. */
    readonly startupMs: { database: number; objects: number },
    /** Post-session analysis tables (status, analyses, scores). */
    readonly reports: ReportRepository,
    /** The post-session job queue (pg-boss). */
    readonly jobs: ReportJobs,
    /** Share-link signer. */
    readonly shares: ShareLinks,
    /** Accounts, tokens, sockets registry, audit, privacy. */
    readonly access: AccessServices,
    private readonly config: LecternConfig,
  ) {}

  /**
   * Starts (or adopts injected) database and object store, then the manager and drainer.
   * @throws Error naming the failing part (database unreachable, embedded server failed, …).
   */
  static async start(
    config: LecternConfig,
    deps: { sfu: SfuNode; bus: MetricBus; log: SessionLog },
    injected: InjectedServices = {},
  ): Promise<SessionServices> {
    const spoolDir = path.join(config.dataDir, 'spool');
    const owned: { pg?: EmbeddedPostgresServer; s3?: EmbeddedS3Server; database: boolean; objects: boolean } = { database: false, objects: false };
    const timing = { database: 0, objects: 0 };
    const startDb = async (): Promise<Database> => {
      if (injected.database) return injected.database;
      const t0 = performance.now();
      let url = config.databaseUrl;
      if (!url) {
        owned.pg = new EmbeddedPostgresServer({ dataDir: path.join(config.dataDir, 'pgdata'), onNotice: (line) => deps.log.warn({}, line) });
        await owned.pg.start();
        url = owned.pg.url;
      }
      const db = await Database.connect({ url }).catch((err: Error) => {
        throw new Error(`database ${config.databaseUrl ? 'at DATABASE_URL' : '(embedded)'}: ${err.message}`);
      });
      owned.database = true;
      timing.database = performance.now() - t0;
      return db;
    };
    const startObjects = async (): Promise<ObjectStore | null> => {
      if (injected.objects) return injected.objects;
      if (!config.recording) return null;
      const t0 = performance.now();
      let endpoint = config.s3.endpoint;
      if (!endpoint) {
        owned.s3 = new EmbeddedS3Server({ directory: path.join(config.dataDir, 's3'), bucket: config.s3.bucket });
        await owned.s3.start();
        endpoint = owned.s3.endpoint;
      }
      const objects = new ObjectStore({ ...config.s3, endpoint });
      owned.objects = true;
      // An unreachable S3 at start-up is not fatal: recordings spool and upload when it is back.
      await objects.ensureBucket().catch((err: Error) => deps.log.warn({ err: err.message }, 'object store unreachable at start-up; recordings will spool'));
      timing.objects = performance.now() - t0;
      return objects;
    };
    const [dbRes, objRes] = await Promise.allSettled([startDb(), startObjects()]);
    if (dbRes.status === 'rejected' || objRes.status === 'rejected') {
      if (dbRes.status === 'fulfilled' && owned.database) await dbRes.value.close();
      if (objRes.status === 'fulfilled' && owned.objects) objRes.value?.close();
      await owned.pg?.stop();
      await owned.s3?.stop();
      throw (dbRes.status === 'rejected' ? dbRes.reason : (objRes as PromiseRejectedResult).reason) as Error;
    }
    const database = dbRes.value;
    const objects = objRes.value;
    const repo = new SessionRepository(database.sql);
    const store = new SessionStore(repo, deps.log);
    const nodeId = config.nodeId ?? os.hostname();
    const abandoned = await repo.endAbandonedSessions(nodeId);
    if (abandoned.length > 0) deps.log.warn({ sessions: abandoned }, 'ended sessions left live by a previous run');
    let manager: SessionManager | undefined;
    const drainer = objects ? new SpoolDrainer(spoolDir, objects, repo, (id) => manager?.isActive(id) ?? false, deps.log) : null;
    const reports = new ReportRepository(database.sql);
    const jobs = await ReportJobs.start({ database, sessions: repo, reports, objects, log: deps.log }, config.reports);
    const shares = new ShareLinks(config.reports.shareSecret ?? loadShareSecret(config.dataDir));
    manager = new SessionManager({
      sfu: deps.sfu, bus: deps.bus, store, objects, drainer, spoolDir, nodeId, log: deps.log,
      resumeGraceMs: config.resumeGraceSec * 1000,
      // A recording that is spooled (S3 down) is analysed once uploaded: the job retries with backoff.
      onEnded: (id, rec) => jobs.sessionEnded(id, !!rec && rec.state !== 'failed' && rec.hasAudio),
    });
    drainer?.start();
    const tokens = new Tokens(config.auth.jwtSecret ?? loadSecret(config.dataDir, 'jwt-secret', 32));
    const audit = new AuditLog(database, deps.log);
    const sockets = new SocketRegistry();
    const accounts = new AccountService({
      db: database, tokens, audit, sockets, log: deps.log,
      accessTokenTtlSec: config.auth.accessTokenTtlSec,
      refreshTokenTtlSec: config.auth.refreshTokenTtlSec,
      openSignUp: config.auth.openSignUp,
      throttle: new LoginThrottle({ maxLockMs: config.auth.accountLockMaxMs }),
    });
    await accounts.start();
    const privacy = new PrivacyService({ db: database, objects, sessions: manager, accounts, audit, spoolDir, log: deps.log });
    await jobs.schedule(RETENTION_QUEUE, RETENTION_CRON, () => privacy.runRetention());
    const access: AccessServices = { accounts, privacy, tokens, sockets, audit, get setupToken() { return accounts.setupToken; } };
    return new SessionServices(database, repo, store, objects, drainer, manager, owned, owned.s3, timing, reports, jobs, shares, access, config);
  }

  /** Registers authentication and the `/v1` API on `app`. */
  async registerApi(app: FastifyInstance, spoolDir: string): Promise<void> {
    const { accounts, privacy, audit } = this.access;
    registerAuthenticator(app, accounts);
    await new AccessApi({
      accounts, privacy,
      authRateLimitMax: this.config.auth.rateLimitMax,
      authRateLimitWindowMs: this.config.auth.rateLimitWindowMs,
      secureCookies: this.config.auth.secureCookies,
    }).register(app);
    await new SessionsApi({ db: this.database, objects: this.objects, sessions: this.manager, spoolDir, audit }).register(app);
    await new ReportsApi({ db: this.database, sessions: this.repo, reports: this.reports, jobs: this.jobs, shares: this.shares, audit, objects: this.objects }).register(app);
    await new SearchApi({ db: this.database }).register(app);
    await new ScriptApi({ db: this.database }).register(app);
  }

  /** Ends live sessions, flushes writes, stops the drainer and what this node started. */
  async close(): Promise<void> {
    this.access.sockets.close();
    await this.manager.close();
    await this.jobs.close();
    await this.drainer?.close();
    await this.store.close();
    if (this.owned.database) await this.database.close();
    if (this.owned.objects) this.objects?.close();
    await this.owned.pg?.stop();
    await this.owned.s3?.stop();
  }
}
