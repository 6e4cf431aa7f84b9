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
  /** Pool size (default 5). */
  max?: number;
}

/**
 * The PostgreSQL connection pool (`postgres`, porsager) with Lectern's schema migrated. Queries
 * live in the repositories ({@link SessionRepository}); this class owns connect, migrate and close.
 */
export class Database {
  private constructor(
    /** The tagged-template client; its `search_path` is {@link schema}. */
    readonly sql: Sql,
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
      connection: { search_path: schema, application_name: 'lectern-gateway' },
    });
    try {
      const applied = await new Migrator(sql).migrate();
      return new Database(sql, schema, applied, opts.url);
    } catch (err) {
      await sql.end({ timeout: 1 });
      throw err;
    }
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
    await this.sql.end({ timeout: 5 });
  }
}
