import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sql } from 'postgres';

/** One migration file `NNN_name.sql`. */
export interface Migration {
  /** The number prefix, e.g. 1 for `001_sessions.sql`. */
  version: number;
  /** The file name without number and extension, e.g. `sessions`. */
  name: string;
  /** SQL text (may hold several statements). */
  sql: string;
  /** sha256 of the SQL text, hex; recorded so an edited, already-applied migration is detected. */
  checksum: string;
}

/** Directory of the versioned SQL migrations shipped with the gateway. */
export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/**
 * Applies versioned SQL migrations (`NNN_name.sql`, in version order) and records them in
 * `schema_migrations` (version, name, checksum, applied_at) in the connection's current schema.
 *
 * Everything runs in ONE transaction holding a transaction-scoped advisory lock keyed by the
 * schema name, so gateways starting together against one database apply each migration exactly
 * once (the second waits, then sees them applied), and a failing migration leaves no trace.
 *
 * Why not a library: none is installed in this workspace (ley, postgres-shift, node-pg-migrate),
 * the ones that use `postgres` (porsager) are small and thinly maintained, and the whole job is
 * this ~60-line file; forward-only plain SQL files keep the schema reviewable.
 */
export class Migrator {
  /**
   * @param sql a `postgres` client (any pool size).
   * @param dir directory holding `NNN_name.sql` files (default {@link MIGRATIONS_DIR}).
   */
  constructor(
    private readonly sql: Sql,
    private readonly dir: string = MIGRATIONS_DIR,
  ) {}

  /**
   * Reads the migration files, sorted by version.
   * @throws Error on a malformed file name or a duplicate version.
   */
  load(): Migration[] {
    const out: Migration[] = [];
    for (const file of fs.readdirSync(this.dir).sort()) {
      if (!file.endsWith('.sql')) continue;
      const m = /^(\d{3,})_([a-z0-9_]+)\.sql$/.exec(file);
      if (!m) throw new Error(`migration file name must be NNN_name.sql: ${file}`);
      const text = fs.readFileSync(path.join(this.dir, file), 'utf8');
      const version = Number(m[1]);
      if (out.some((x) => x.version === version)) throw new Error(`duplicate migration version ${version}`);
      out.push({ version, name: m[2]!, sql: text, checksum: createHash('sha256').update(text).digest('hex') });
    }
    return out.sort((a, b) => a.version - b.version);
  }

  /**
   * Applies every migration not yet recorded, in one transaction under an advisory lock.
   * @returns the versions applied by this call (empty when up to date).
   * @throws Error if an applied migration's file changed (checksum mismatch), or the SQL of a
   *   pending migration fails (nothing is applied then).
   */
  async migrate(): Promise<number[]> {
    const migrations = this.load();
    return this.sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(hashtextextended('lectern:migrations:' || current_schema(), 0))`;
      await tx`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`;
      const applied = new Map<number, string>();
      for (const row of await tx<{ version: number; checksum: string }[]>`SELECT version, checksum FROM schema_migrations`)
        applied.set(row.version, row.checksum);
      const done: number[] = [];
      for (const m of migrations) {
        const prior = applied.get(m.version);
        if (prior !== undefined) {
          if (prior !== m.checksum)
            throw new Error(`migration ${m.version}_${m.name} was edited after it was applied; add a new migration instead`);
          continue;
        }
        await tx.unsafe(m.sql).simple();
        await tx`INSERT INTO schema_migrations (version, name, checksum) VALUES (${m.version}, ${m.name}, ${m.checksum})`;
        done.push(m.version);
      }
      return done;
    });
  }
}
