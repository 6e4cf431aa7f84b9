import postgres, { type Sql } from 'postgres';
import { Migrator } from './Migrator.ts';

/** Options of {@link Database.connect}. */
export interface DatabaseOptions {
  /** `postgres://user:password@host:port/database`. */
  url: string;
  /**
   * Schema holding Lectern's tables (default `public`). Created if missing; set as the connection's
   * `search_path`. Tests use a unique schema per run so runs against one server never collide.
   */
  schema?: string;
  /** Pool size (default 5; the application pool gets the same). */
  max?: number;
  /**
   * URL of the application connection (a role that row-level security applies to). Default: the
   * owner URL with the session role `lectern_app` (created by migration 004; the owner must be a
   * superuser or a member of it).
   */
  appUrl?: string;
}

/** The identity a request runs under in {@link Database.asPrincipal} (row-level security settings). */
export interface DbPrincipal {
  orgId: string;
  /** Null for guests (no account). */
  userId: string | null;
  role: 'owner' | 'admin' | 'coach' | 'presenter' | 'guest';
}

/**
 * Seconds postgres.js waits before reconnecting after the `retries`-th failed connection: 50 ms
 * doubling, at most 1 s. Its default grows to 10–20 s, and queries wait for that reconnect: after a
 * 30 s outage the first writes and `/v1` answers came up to 20 s after the server was back
 * (measured in test/e2e/deps.test.ts). A refused connection costs the server nothing.
 */
export const reconnectBackoffSec = (retries: number): number => Math.min(0.05 * 2 ** retries, 1);

/** Name of the role that RLS applies to (migration 004). */
export const APP_ROLE = 'lectern_app';

/**
 * The PostgreSQL connection pools (`postgres`, porsager) with Lectern's schema migrated. Queries
 * live in the repositories ({@link SessionRepository}); this class owns connect, migrate and close.
 *
 * Two pools: {@link sql} connects as the schema owner (migrations, the live recording path, the job
 * worker, account look-ups that happen before an organization is known); {@link app} runs as role
 * `lectern_app`, to which the row-level security policies of migration 004 apply. Requests use
 * {@link asPrincipal}, which sets the organization, user and role for one transaction; a query on
 * {@link app} outside it sees no tenant row at all.
 */
export class Database {
  private constructor(
    /** The owner client; its `search_path` is {@link schema}. Not subject to row-level security. */
    readonly sql: Sql,
    /** The application client (role `lectern_app`, row-level security applies). */
    readonly app: Sql,
    /** Schema holding the tables. */
    readonly schema: string,
    /** Migration versions applied by {@link connect} (empty when the schema was up to date). */
    readonly appliedMigrations: number[],
    /** The server URL it connected to (the job queue opens its own pool on it). */
    readonly url: string,
  ) {}

  /**
   * Connects, creates the schema if needed and applies pending migrations (see {@link Migrator}).
   * @throws Error if the server is unreachable (after `connect_timeout`, 10 s) or a migration fails.
   */
  static async connect(opts: DatabaseOptions): Promise<Database> {
    const schema = opts.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name "${schema}"`);
    const bootstrap = postgres(opts.url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
    try {
      await bootstrap.unsafe(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } catch (err) {
      // Two nodes creating the schema at the same moment: one wins, the other sees a unique violation.
      if ((err as { code?: string }).code !== '23505') throw err;
    } finally {
      await bootstrap.end();
    }
    const sql = postgres(opts.url, {
      max: opts.max ?? 5,
      onnotice: () => {},
      connect_timeout: 10,
      idle_timeout: 60,
      backoff: reconnectBackoffSec,
      connection: { search_path: schema, application_name: 'lectern-gateway' },
    });
    let app: Sql | undefined;
    try {
      const applied = await new Migrator(sql).migrate();
      app = postgres(opts.appUrl ?? opts.url, {
        max: opts.max ?? 5,
        onnotice: () => {},
        connect_timeout: 10,
        idle_timeout: 60,
        backoff: reconnectBackoffSec,
        connection: { search_path: schema, application_name: 'lectern-app', ...(opts.appUrl ? {} : { role: APP_ROLE }) },
      });
      const [who] = await app<{ user: string; bypass: boolean }[]>`SELECT current_user AS user, (SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = current_user) AS bypass`.catch((err: Error) => {
        throw new Error(`the application role cannot connect (${err.message}); create role ${APP_ROLE} and grant it to the database user, or set DATABASE_APP_URL`);
      });
      if (who?.bypass) throw new Error(`the application connection runs as ${who.user}, which bypasses row-level security; use a role without SUPERUSER/BYPASSRLS`);
      return new Database(sql, app, schema, applied, opts.url);
    } catch (err) {
      await app?.end({ timeout: 1 });
      await sql.end({ timeout: 1 });
      throw err;
    }
  }

  /**
   * Runs `fn` in one transaction on the application pool with the row-level security settings
   * `lectern.org_id`, `lectern.user_id`, `lectern.role` set to `p` (`set_config(…, true)`: they end
   * with the transaction). Every row `fn` reads or writes is then limited by the policies.
   * @throws what `fn` throws (the transaction is rolled back) or the driver's errors.
   */
  async asPrincipal<T>(p: DbPrincipal, fn: (tx: Sql) => Promise<T>): Promise<T> {
    return this.app.begin(async (tx) => {
      await tx`SELECT set_config('lectern.org_id', ${p.orgId}, true), set_config('lectern.user_id', ${p.userId ?? ''}, true),
        set_config('lectern.role', ${p.role}, true)`;
      return fn(tx as unknown as Sql);
    }) as Promise<T>;
  }

  /** Round-trips `SELECT 1`; resolves false (never throws) when the server is unreachable. */
  async ping(): Promise<boolean> {
    try {
      await this.sql`SELECT 1`;
      return true;
    } catch {
      return false;
    }
  }

  /** Drops the schema and everything in it, and the job queue's `<schema>_jobs` beside it (tests only). */
  async dropSchema(): Promise<void> {
    await this.sql.unsafe(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`);
    if (this.schema !== 'public') await this.sql.unsafe(`DROP SCHEMA IF EXISTS ${`${this.schema}_jobs`.slice(0, 63)} CASCADE`);
  }

  /** Closes the pool, waiting up to 5 s for running queries. */
  async close(): Promise<void> {
    await this.app.end({ timeout: 5 });
    await this.sql.end({ timeout: 5 });
  }
}
