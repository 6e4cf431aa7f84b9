/**
 * The docker-compose deployment, checked without Docker (no daemon here): parses
 * docker-compose.yml, the Dockerfile, deploy/prometheus, deploy/grafana and the k6 scripts in
 * test/load, and checks them against the code they configure:
 * - every variable set on a Lectern node (and by the Dockerfile's ENV) is one the config reads —
 *   a key of `ConfigEnvSchema` (gateway/src/config.ts) or `AnalyzerEnvSchema`
 *   (analyzers/src/env.ts) — and the values, with compose's `${VAR:-default}` defaults, pass
 *   `loadConfig`; the nodes differ where they must (node id, URL, RTC ports) and agree where they
 *   must (secrets, CORS origins listing every node);
 * - published ports and URLs line up (advertised URL port = PORT = published host port; RTC ranges
 *   published 1:1, since ICE candidates carry the container's port numbers);
 * - every bind-mounted host path exists; every `load` profile script exists; healthchecks back every
 *   `service_healthy` condition;
 * - Prometheus scrapes exactly the Lectern services at their PORTs; Grafana's provisioning points at
 *   mounted files and the dashboard's datasource;
 * - every `lectern_…` metric a dashboard panel queries is exported by a real node's `GET /metrics`
 *   (and every Lectern metric the node exports has a panel);
 * - the k6 scripts type-check against @types/k6 (test/load/tsconfig.json), and the Socket.IO framing
 *   and HTTP paths they use work against that real node (Node's WebSocket in place of k6/ws).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ack, JoinResponse } from '@lectern/contract';
import { AnalyzerEnvSchema } from '@lectern/analyzers/env';
import { type LecternNode, startLectern } from '../gateway/src/app.ts';
import { ConfigEnvSchema, loadConfig } from '../gateway/src/config.ts';
import { METRICS } from '../gateway/src/metrics/metricNames.ts';
import { createTestAccount, roomGrant, type TestAccount } from '../gateway/src/testing/access.ts';
import { TestStorage, waitUntil } from '../gateway/src/testing/services.ts';
import { API, EVENTS, REFRESH_COOKIE } from './load/lib/lectern.ts';
import { SocketIoClient, socketIoUrl } from './load/lib/socketio.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const read = (rel: string) => fs.readFileSync(path.join(repo, rel), 'utf8');

/**
 * Variables a Lectern node may be given that neither schema parses, each read elsewhere (the list
 * in gateway/src/config.ts's doc comment). None is set by docker-compose.yml today.
 */
const READ_ELSEWHERE: Record<string, string> = {
  MEDIASOUP_WORKER_BIN: 'sfu: a prebuilt mediasoup worker',
  LECTERN_DEBUG: 'gateway/src/main.ts: stack traces',
};
const ALLOWED = new Set([...Object.keys(ConfigEnvSchema.shape), ...Object.keys(AnalyzerEnvSchema.shape), ...Object.keys(READ_ELSEWHERE)]);

// ── compose model ──────────────────────────────────────────────────────────────────────────────

type Env = Record<string, string>;
interface Service {
  image?: string;
  build?: string | { context: string; dockerfile?: string };
  hostname?: string;
  environment?: Record<string, string | number | boolean | null> | string[];
  env_file?: unknown;
  ports?: (string | number | { target: number; published?: string | number; protocol?: string })[];
  volumes?: (string | { type: string; source?: string; target: string })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test: string | string[] };
  profiles?: string[];
  command?: string | string[];
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const composeText = read('docker-compose.yml');
const compose = parseYaml(composeText, { merge: true }) as Compose;

/**
 * Compose's variable interpolation with an empty shell environment (what `docker compose up`
 * does without a .env): `$$` → `$`, `${VAR:-default}` / `${VAR-default}` → default, `${VAR}` → ''.
 */
function interpolate(value: string): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, _name, op: string | undefined, arg: string | undefined) => {
    if (m === '$$') return '$';
    return op === '-' ? (arg ?? '') : '';
  });
}

function envOf(s: Service): Env {
  const raw = s.environment ?? {};
  const out: Env = {};
  if (Array.isArray(raw)) {
    for (const kv of raw) {
      const i = kv.indexOf('=');
      out[i < 0 ? kv : kv.slice(0, i)] = i < 0 ? '' : interpolate(kv.slice(i + 1));
    }
  } else for (const [k, v] of Object.entries(raw)) out[k] = v === null ? '' : interpolate(String(v));
  return out;
}

/** Dockerfile `ENV` keys and values (`ENV A=1 B=2` form). */
function dockerfileEnv(text: string): Env {
  const env: Env = {};
  for (const line of text.split('\n')) {
    const m = /^ENV\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    for (const kv of m[1]!.trim().split(/\s+/)) {
      const i = kv.indexOf('=');
      expect(i, `Dockerfile ENV ${kv}: use the KEY=value form`).toBeGreaterThan(0);
      env[kv.slice(0, i)] = kv.slice(i + 1).replace(/^"|"$/g, '');
    }
  }
  return env;
}

interface PortMapping {
  host: [number, number];
  container: [number, number];
  protocol: string;
}
function portsOf(s: Service): PortMapping[] {
  const range = (r: string): [number, number] => {
    const [a, b] = r.split('-').map(Number);
    return [a!, b ?? a!];
  };
  return (s.ports ?? []).map((p) => {
    if (typeof p === 'object') return { host: range(String(p.published ?? p.target)), container: [p.target, p.target], protocol: p.protocol ?? 'tcp' };
    const [spec, protocol = 'tcp'] = interpolate(String(p)).split('/');
    const parts = spec!.split(':');
    const container = parts.pop()!;
    const host = parts.pop() ?? container;
    return { host: range(host), container: range(container), protocol: protocol! };
  });
}

/** Bind mounts as [host path relative to the repo, container path]. */
function bindMounts(s: Service): { source: string; target: string }[] {
  const out: { source: string; target: string }[] = [];
  for (const v of s.volumes ?? []) {
    if (typeof v === 'object') {
      if (v.type === 'bind' && v.source) out.push({ source: v.source, target: v.target });
      continue;
    }
    const [source, target] = interpolate(v).split(':');
    if (source && target && (source.startsWith('.') || source.startsWith('/'))) out.push({ source, target });
  }
  return out;
}

function dependsOn(s: Service): Record<string, string> {
  const d = s.depends_on ?? {};
  return Array.isArray(d) ? Object.fromEntries(d.map((n) => [n, 'service_started'])) : Object.fromEntries(Object.entries(d).map(([n, c]) => [n, c?.condition ?? 'service_started']));
}

const services = compose.services;
const lecternNames = Object.keys(services).filter((n) => services[n]!.build !== undefined || services[n]!.image?.startsWith('lectern:'));
const baseEnv = dockerfileEnv(read('Dockerfile'));
/** Each node's effective environment: the image's ENV, then the service's. */
const nodeEnv = (name: string): Env => ({ ...baseEnv, ...envOf(services[name]!) });
const portOf = (name: string) => Number(nodeEnv(name).PORT || 8080);

// ── static checks ──────────────────────────────────────────────────────────────────────────────

describe('docker-compose.yml', () => {
  it('has two Lectern nodes built from this repository', () => {
    expect(lecternNames.sort()).toEqual(['lectern-a', 'lectern-b']);
    for (const n of lecternNames) {
      const b = services[n]!.build;
      const context = typeof b === 'string' ? b : (b?.context ?? '.');
      expect(fs.existsSync(path.join(repo, context, typeof b === 'object' && b.dockerfile ? b.dockerfile : 'Dockerfile')), `${n}: build context ${context} has a Dockerfile`).toBe(true);
      expect(services[n]!.env_file, `${n}: variables are listed in the file (no env_file), so this test sees them`).toBeUndefined();
    }
  });

  it('sets on the nodes only variables the config reads', () => {
    for (const n of lecternNames)
      for (const key of Object.keys(envOf(services[n]!))) expect(ALLOWED.has(key), `${n}: ${key} is not read by gateway/src/config.ts or analyzers/src/env.ts`).toBe(true);
    for (const key of Object.keys(baseEnv)) expect(ALLOWED.has(key), `Dockerfile ENV ${key} is not read by the config`).toBe(true);
  });

  it('gives every ${VAR} a default, so `docker compose up` works without a .env', () => {
    const refs = [...composeText.matchAll(/(?<!\$)\$\{([^}]*)\}/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) expect(r, `\${${r}} has no :- default`).toMatch(/^[A-Za-z_][A-Za-z0-9_]*:-/);
  });

  it('gives each node values loadConfig accepts', () => {
    for (const n of lecternNames) {
      const cfg = loadConfig({}, nodeEnv(n));
      expect(cfg.cluster.redisUrl, `${n}: REDIS_URL`).toBeTruthy();
      expect(cfg.databaseUrl, `${n}: DATABASE_URL`).toBeTruthy();
      expect(cfg.s3.endpoint, `${n}: S3_ENDPOINT`).toBeTruthy();
      expect(cfg.metrics, `${n}: metrics on (Prometheus scrapes it)`).toBe(true);
      expect(cfg.host, `${n}: listens on all interfaces of the container`).toBe('0.0.0.0');
      expect(cfg.rtcListenIp).toBe('0.0.0.0');
      expect(cfg.auth.jwtSecret, `${n}: LECTERN_JWT_SECRET is set (random per node would break tokens across nodes)`).toBeTruthy();
      expect(cfg.reports.shareSecret, `${n}: LECTERN_SHARE_SECRET is set`).toBeTruthy();
    }
  });

  it('makes the nodes differ where they must and agree where they must', () => {
    const cfgs = lecternNames.map((n) => ({ n, env: nodeEnv(n), cfg: loadConfig({}, nodeEnv(n)) }));
    const distinct = (f: (c: (typeof cfgs)[number]) => unknown, what: string) => expect(new Set(cfgs.map(f)).size, `${what} differs per node`).toBe(cfgs.length);
    const same = (f: (c: (typeof cfgs)[number]) => unknown, what: string) => expect(new Set(cfgs.map(f)).size, `${what} is the same on every node`).toBe(1);
    distinct((c) => c.cfg.nodeId, 'LECTERN_NODE_ID');
    distinct((c) => c.cfg.cluster.advertisedUrl, 'LECTERN_ADVERTISED_URL');
    same((c) => c.cfg.auth.jwtSecret, 'LECTERN_JWT_SECRET');
    same((c) => c.cfg.reports.shareSecret, 'LECTERN_SHARE_SECRET');
    same((c) => c.cfg.cluster.redisUrl, 'REDIS_URL');
    same((c) => c.cfg.databaseUrl, 'DATABASE_URL');
    same((c) => `${c.cfg.s3.endpoint} ${c.cfg.s3.bucket}`, 'S3_ENDPOINT and S3_BUCKET');
    // RTC port ranges must not overlap (both nodes publish theirs on the same host).
    const ranges = cfgs.map((c) => [c.cfg.rtcMinPort, c.cfg.rtcMaxPort] as const).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0], 'RTC port ranges overlap').toBeGreaterThan(ranges[i - 1]![1]);
    // A client may be sent from one node to another: every node allows every node's origin.
    const origins = cfgs.map((c) => new URL(c.cfg.cluster.advertisedUrl!).origin);
    for (const c of cfgs) for (const o of origins) expect(c.cfg.auth.corsOrigins, `${c.n}: LECTERN_CORS_ORIGINS lists ${o}`).toContain(o);
  });

  it('publishes each node at its advertised port and its RTC range one to one', () => {
    for (const n of lecternNames) {
      const cfg = loadConfig({}, nodeEnv(n));
      const url = new URL(cfg.cluster.advertisedUrl!);
      expect([n, services[n]!.hostname], `${n}: the advertised URL names the service (resolvable in the compose network)`).toContain(url.hostname);
      expect(Number(url.port || 80), `${n}: advertised port = PORT`).toBe(cfg.port);
      const ports = portsOf(services[n]!);
      expect(ports.some((p) => p.protocol === 'tcp' && p.container[0] === cfg.port && p.host[0] === cfg.port), `${n}: publishes ${cfg.port}:${cfg.port}`).toBe(true);
      const rtc = ports.find((p) => p.protocol === 'udp' && p.container[0] === cfg.rtcMinPort);
      expect(rtc, `${n}: publishes its RTC range over UDP`).toBeDefined();
      expect(rtc!.container, `${n}: the whole range`).toEqual([cfg.rtcMinPort, cfg.rtcMaxPort]);
      expect(rtc!.host, `${n}: host ports = container ports (ICE candidates carry the container's)`).toEqual(rtc!.container);
    }
  });

  it('starts the nodes after the stores they use, on healthchecks', () => {
    for (const n of lecternNames) {
      const cfg = loadConfig({}, nodeEnv(n));
      const deps = dependsOn(services[n]!);
      const closure = (name: string, seen = new Set<string>()): Set<string> => {
        for (const d of Object.keys(dependsOn(services[name]!))) if (!seen.has(d)) closure(d, seen.add(d));
        return seen;
      };
      const reachable = closure(n);
      for (const url of [cfg.databaseUrl!, cfg.cluster.redisUrl!, cfg.s3.endpoint!]) {
        const host = new URL(url).hostname;
        expect(Object.keys(services), `${n}: ${url} names a compose service`).toContain(host);
        expect([...reachable], `${n} waits for ${host}`).toContain(host);
      }
      expect(Object.values(deps).every((c) => c !== 'service_started'), `${n}: waits on conditions, not just starts: ${JSON.stringify(deps)}`).toBe(true);
      expect(services[n]!.healthcheck, `${n}: has a healthcheck`).toBeDefined();
    }
    for (const [name, s] of Object.entries(services))
      for (const [dep, condition] of Object.entries(dependsOn(s))) {
        expect(services[dep], `${name} depends on unknown service ${dep}`).toBeDefined();
        if (condition === 'service_healthy') expect(services[dep]!.healthcheck, `${name} waits for ${dep} healthy: ${dep} needs a healthcheck`).toBeDefined();
      }
  });

  it('creates the nodes’ bucket with a one-shot mc service', () => {
    const bucket = loadConfig({}, nodeEnv(lecternNames[0]!)).s3.bucket;
    const init = Object.entries(services).find(([, s]) => /\bmc mb\b/.test(interpolate(([] as string[]).concat(s.command ?? []).join(' '))));
    expect(init, 'a service runs `mc mb`').toBeDefined();
    expect(interpolate(([] as string[]).concat(init![1].command!).join(' '))).toMatch(new RegExp(`mc mb --ignore-existing \\S+/${bucket}\\b`));
    for (const n of lecternNames) expect(dependsOn(services[n]!)[init![0]]).toBe('service_completed_successfully');
  });

  it('mounts only files that exist', () => {
    let count = 0;
    for (const [name, s] of Object.entries(services))
      for (const m of bindMounts(s)) {
        count++;
        expect(fs.existsSync(path.resolve(repo, m.source)), `${name}: bind mount ${m.source} exists`).toBe(true);
      }
    expect(count).toBeGreaterThanOrEqual(4); // prometheus.yml, grafana provisioning + dashboards, test/load (k6)
    for (const [name, v] of Object.entries(services).flatMap(([n, s]) => (s.volumes ?? []).map((v) => [n, v] as const))) {
      if (typeof v !== 'string') continue;
      const src = interpolate(v).split(':')[0]!;
      if (!src.startsWith('.') && !src.startsWith('/')) expect(Object.keys(compose.volumes ?? {}), `${name}: named volume ${src} is declared`).toContain(src);
    }
  });

  it('runs existing k6 scripts under the load profile', () => {
    const load = Object.entries(services).filter(([, s]) => s.profiles?.includes('load'));
    expect(load.map(([n]) => n).sort()).toEqual(['k6-http', 'k6-signaling']);
    for (const [name, s] of load) {
      const args = ([] as string[]).concat(s.command ?? []).flatMap((a) => interpolate(a).split(/\s+/));
      const scripts = args.filter((a) => /\.(ts|js)$/.test(a));
      expect(scripts.length, `${name} runs a script`).toBe(1);
      const mount = bindMounts(s).find((m) => scripts[0]!.startsWith(`${m.target}/`));
      expect(mount, `${name}: ${scripts[0]} is inside a bind mount`).toBeDefined();
      const host = path.resolve(repo, mount!.source, path.relative(mount!.target, scripts[0]!));
      expect(fs.existsSync(host), `${name}: ${path.relative(repo, host)} exists`).toBe(true);
      expect(host.endsWith('.ts'), `${name}: runs the typed script`).toBe(true);
      // The scripts' node list is the compose nodes.
      const urls = envOf(s).LECTERN_URLS!.split(',');
      expect(urls.sort()).toEqual(lecternNames.map((n) => loadConfig({}, nodeEnv(n)).cluster.advertisedUrl).sort());
    }
  });

  it('builds the image on Node 24 with the mediasoup worker toolchain', () => {
    const df = read('Dockerfile');
    expect(df).toMatch(/^FROM node:24\b/m);
    for (const pkg of ['python3', 'make', 'g++', 'meson', 'ninja-build', 'libsrtp2-dev', 'ffmpeg']) expect(df, `Dockerfile installs ${pkg}`).toMatch(new RegExp(`\\s${pkg.replace('+', '\\+')}(\\s|$)`));
    expect(df).toMatch(/RUN npm ci\b/);
    expect(df).toMatch(/npm run build:web/);
    const ignore = read('.dockerignore').split('\n').map((l) => l.trim());
    expect(ignore).toContain('**/node_modules');
    expect(ignore).toContain('.lectern');
  });
});

describe('Prometheus and Grafana provisioning', () => {
  it('scrapes exactly the compose Lectern nodes at their ports every 5 s', () => {
    const prom = services.prometheus!;
    const mount = bindMounts(prom).find((m) => m.target === '/etc/prometheus/prometheus.yml');
    expect(mount, 'prometheus.yml is mounted where the image reads it').toBeDefined();
    const cfg = parseYaml(read(mount!.source)) as {
      global?: { scrape_interval?: string };
      scrape_configs: { job_name: string; metrics_path?: string; scrape_interval?: string; static_configs: { targets: string[]; labels?: Record<string, string> }[] }[];
    };
    const job = cfg.scrape_configs.find((j) => j.job_name === 'lectern');
    expect(job).toBeDefined();
    expect(job!.metrics_path ?? '/metrics').toBe('/metrics');
    expect(job!.scrape_interval ?? cfg.global?.scrape_interval).toBe('5s');
    const targets = job!.static_configs.flatMap((sc) => sc.targets.map((t) => ({ t, node: sc.labels?.node })));
    expect(targets.map((x) => x.t).sort()).toEqual(lecternNames.map((n) => `${n}:${portOf(n)}`).sort());
    for (const { t, node } of targets) expect(node, `${t}: label node = its LECTERN_NODE_ID`).toBe(nodeEnv(t.split(':')[0]!).LECTERN_NODE_ID);
  });

  it('provisions the Prometheus datasource and the dashboard from mounted files', () => {
    const grafana = services.grafana!;
    const mounts = bindMounts(grafana);
    const prov = mounts.find((m) => m.target === '/etc/grafana/provisioning');
    expect(prov, 'provisioning directory mounted at /etc/grafana/provisioning').toBeDefined();
    const hostPathOf = (containerPath: string) => {
      const m = mounts.find((x) => containerPath === x.target || containerPath.startsWith(`${x.target}/`));
      expect(m, `${containerPath} is inside a Grafana bind mount`).toBeDefined();
      return path.join(repo, m!.source, path.relative(m!.target, containerPath));
    };
    const yamlFiles = (dir: string) => fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).map((f) => parseYaml(fs.readFileSync(path.join(dir, f), 'utf8')));
    const datasources = yamlFiles(hostPathOf('/etc/grafana/provisioning/datasources')).flatMap((d: { datasources: { uid: string; type: string; url: string }[] }) => d.datasources);
    const prom = datasources.find((d) => d.type === 'prometheus');
    expect(prom?.url).toBe('http://prometheus:9090');
    const providers = yamlFiles(hostPathOf('/etc/grafana/provisioning/dashboards')).flatMap((d: { providers: { options: { path: string } }[] }) => d.providers);
    expect(providers.length).toBeGreaterThan(0);
    const dashboards = providers.flatMap((p) => {
      const dir = hostPathOf(p.options.path);
      return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => path.join(dir, f));
    });
    expect(dashboards.map((d) => path.relative(repo, d))).toContain('deploy/grafana/dashboards/lectern.json');
    for (const file of dashboards) {
      const d = JSON.parse(fs.readFileSync(file, 'utf8')) as Dashboard;
      const ids = allPanels(d).map((p) => p.id);
      expect(new Set(ids).size, `${file}: panel ids are unique`).toBe(ids.length);
      for (const p of allPanels(d).filter((x) => x.type !== 'row')) {
        expect(p.datasource?.uid, `${file}: panel "${p.title}" uses the provisioned datasource`).toBe(prom!.uid);
        expect(p.targets?.length, `${file}: panel "${p.title}" has a query`).toBeGreaterThan(0);
      }
    }
    expect(read('deploy/grafana/dashboards/lectern.json')).toContain('histogram_quantile(0.99, sum by (le) (rate(lectern_voice_frame_latency_seconds_bucket');
  });
});

// ── dashboard ↔ /metrics ───────────────────────────────────────────────────────────────────────

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid?: string };
  targets?: { expr?: string }[];
  panels?: Panel[];
}
interface Dashboard {
  panels: Panel[];
  templating?: { list: { query?: string | { query?: string }; definition?: string }[] };
}
const allPanels = (d: { panels?: Panel[] }): Panel[] => (d.panels ?? []).flatMap((p) => [p, ...allPanels(p)]);

/** Every PromQL expression of the provisioned dashboards (panel queries and template variables). */
function dashboardExprs(): { where: string; expr: string }[] {
  const dir = path.join(repo, 'deploy/grafana/dashboards');
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).flatMap((f) => {
    const d = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Dashboard;
    const panels = allPanels(d).flatMap((p) => (p.targets ?? []).filter((t) => t.expr).map((t) => ({ where: `${f} "${p.title}"`, expr: t.expr! })));
    const vars = (d.templating?.list ?? []).map((v) => ({ where: `${f} variable`, expr: typeof v.query === 'string' ? v.query : (v.query?.query ?? v.definition ?? '') }));
    return [...panels, ...vars];
  });
}

/** Metric families of a Prometheus text exposition: name → type (from `# TYPE`, else from samples). */
function metricFamilies(text: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const line of text.split('\n')) {
    const t = /^# TYPE (\S+) (\S+)/.exec(line);
    if (t) families.set(t[1]!, t[2]!);
    else if (line && !line.startsWith('#')) {
      const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
      if (name && !families.has(name) && ![...families.keys()].some((f) => name.startsWith(`${f}_`))) families.set(name, 'untyped');
    }
  }
  return families;
}

/** The family a queried series name belongs to (`x_bucket` → histogram `x`), or undefined. */
function familyOf(name: string, families: Map<string, string>): string | undefined {
  if (families.has(name)) return name;
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (m && ['histogram', 'summary'].includes(families.get(m[1]!) ?? '')) return m[1];
  return undefined;
}

let storage: TestStorage | undefined;
let node: LecternNode;
let account: TestAccount;

describe('against a real node', () => {
  beforeAll(async () => {
    storage = await new TestStorage('compose').start();
    node = await startLectern(
      { port: 0, sfuWorkers: 1, analyzerProcesses: 1, poseProcesses: 0, recording: false, metrics: true, logLevel: 'silent', dataDir: path.join(storage.work.dir, 'node'), auth: { rateLimitMax: 10_000 } },
      { database: storage.db, objects: storage.objects },
    );
    account = await createTestAccount(node, { role: 'owner', orgName: 'Compose Org' });
  }, 120_000);

  afterAll(async () => {
    await node?.close();
    await storage?.close();
  });

  it('exports every lectern_ metric the dashboard queries, and the dashboard shows every one exported', async () => {
    const res = await fetch(`${node.url}/metrics`);
    expect(res.status, 'GET /metrics').toBe(200);
    const families = metricFamilies(await res.text());
    const exported = [...families.keys()].filter((n) => n.startsWith('lectern_'));
    const queried = new Map<string, string>(); // series name → where
    for (const { where, expr } of dashboardExprs()) for (const m of expr.matchAll(/\blectern_[a-zA-Z0-9_]+/g)) queried.set(m[0], where);
    expect(queried.size).toBeGreaterThan(20);
    const missing = [...queried].filter(([name]) => !familyOf(name, families)).map(([name, where]) => `${name} (${where})`);
    expect(missing, `queried by the dashboard but not exported by /metrics (exported: ${exported.join(', ') || 'none'})`).toEqual([]);
    // histogram_quantile needs a histogram's buckets.
    for (const { where, expr } of dashboardExprs())
      for (const m of expr.matchAll(/histogram_quantile\([^,]+,[^]*?\b(lectern_[a-zA-Z0-9_]+)_bucket\b/g))
        expect(families.get(m[1]!), `${where}: ${m[1]} is a histogram`).toBe('histogram');
    // Lectern's own metrics (not prom-client's default process/nodejs ones) each have a panel.
    const queriedFamilies = new Set([...queried.keys()].map((n) => familyOf(n, families)));
    const own = exported.filter((n) => !/^lectern_(process|nodejs)_/.test(n));
    expect(own.filter((n) => !queriedFamilies.has(n)), 'exported Lectern metrics without a dashboard panel').toEqual([]);
  });

  it('groups and filters dashboard queries only by labels the metrics have', () => {
    const specs = new Map<string, { labels: readonly string[]; type: string }>(Object.values(METRICS).map((s) => [s.name, s]));
    // Prometheus adds job/instance; deploy/prometheus/prometheus.yml adds node.
    const always = ['node', 'instance', 'job'];
    for (const { where, expr } of dashboardExprs()) {
      const names = [...expr.matchAll(/\blectern_[a-zA-Z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, '')).filter((n) => specs.has(n));
      if (names.length === 0) continue;
      const allowed = new Set([...always, ...names.flatMap((n) => [...specs.get(n)!.labels, ...(specs.get(n)!.type === 'histogram' ? ['le'] : [])])]);
      const used = [
        ...[...expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((m) => m[1]!.split(',').map((l) => l.trim()).filter(Boolean)),
        ...[...expr.matchAll(/\{([^}]*)\}/g)].flatMap((m) => [...m[1]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((x) => x[1]!)),
      ];
      for (const l of used) expect(allowed.has(l), `${where}: ${expr} uses label ${l}, which ${names.join(', ')} do not have`).toBe(true);
    }
  });

  it('answers the HTTP paths the k6 scripts call (sign-in, refresh, me, grant, health)', async () => {
    expect((await fetch(`${node.url}${API.health}`)).status).toBe(200);
    expect((await fetch(`${node.url}${API.setup}`)).status).toBe(200);
    const signIn = await fetch(`${node.url}${API.signIn}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: account.email, password: account.password }) });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers.getSetCookie().find((c) => c.startsWith(`${REFRESH_COOKIE}=`));
    expect(cookie, 'sign-in sets the refresh cookie').toBeDefined();
    const session = (await signIn.json()) as { accessToken: string };
    const refresh = await fetch(`${node.url}${API.refresh}`, { method: 'POST', headers: { cookie: cookie!.split(';')[0]! } });
    expect(refresh.status, 'refresh with the cookie (as k6 sends it from its jar)').toBe(200);
    expect(refresh.headers.getSetCookie().some((c) => c.startsWith(`${REFRESH_COOKIE}=`)), 'refresh rotates the cookie').toBe(true);
    const fresh = (await refresh.json()) as { accessToken: string };
    expect(typeof fresh.accessToken).toBe('string');
    const me = await fetch(`${node.url}${API.me}`, { headers: { authorization: `Bearer ${fresh.accessToken}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { org: { id: string } }).org.id).toBe(account.orgId);
    const grant = await fetch(`${node.url}${API.roomToken('k6-0')}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${session.accessToken}` }, body: JSON.stringify({ role: 'viewer' }) });
    expect(grant.status).toBe(200);
    expect(typeof ((await grant.json()) as { grant: string }).grant).toBe('string');
  });

  /** Opens a raw WebSocket with the k6 script's Socket.IO client on it. */
  async function rawSocket(auth: Record<string, unknown>) {
    const events: { name: string; args: unknown[] }[] = [];
    const state: { connected: boolean; error?: { message: string; data?: unknown }; protocolErrors: string[] } = { connected: false, protocolErrors: [] };
    const sock = new WebSocket(socketIoUrl(node.url));
    const client = new SocketIoClient((f) => sock.send(f), auth, {
      onConnect: () => (state.connected = true),
      onConnectError: (e) => (state.error = e),
      onEvent: (name, args) => events.push({ name, args }),
      onProtocolError: (err, frame) => state.protocolErrors.push(`${err.message}: ${frame}`),
    });
    sock.addEventListener('message', (e) => client.receive(String(e.data)));
    await waitUntil(() => state.connected || state.error !== undefined, 10_000, 'Socket.IO CONNECT answered');
    const emit = (name: string, payload: unknown) => new Promise<unknown>((resolve) => client.emit(name, payload, resolve));
    return { sock, client, state, events, emit };
  }

  it('speaks Socket.IO to the node the way the k6 signaling script does: CONNECT with the token, join, leave', async () => {
    const grant = await roomGrant(node, account, 'k6-0', 'viewer');
    const a = await rawSocket({ token: account.accessToken });
    expect(a.state.error).toBeUndefined();
    expect(a.client.engine?.pingInterval, 'Engine.IO open packet parsed').toBeGreaterThan(0);
    const join = (await a.emit(EVENTS.join, { roomId: 'k6-0', grant })) as Ack<JoinResponse>;
    expect(join.ok, JSON.stringify(join)).toBe(true);
    if (join.ok) expect(typeof join.data.peerId).toBe('string');
    // A second peer's join is pushed to the first as an EVENT packet.
    const b = await rawSocket({ token: account.accessToken });
    const joinB = (await b.emit(EVENTS.join, { roomId: 'k6-0', grant: await roomGrant(node, account, 'k6-0', 'viewer') })) as Ack<JoinResponse>;
    expect(joinB.ok).toBe(true);
    await waitUntil(() => a.events.some((e) => e.name === 'room:peer-joined'), 5_000, 'room:peer-joined pushed');
    // Errors come back as acks too (a wrong room's grant).
    const bad = (await b.emit(EVENTS.join, { roomId: 'k6-1', grant })) as Ack<JoinResponse>;
    expect(bad.ok).toBe(false);
    for (const s of [a, b]) {
      expect(((await s.emit(EVENTS.leave, {})) as Ack<object>).ok).toBe(true);
      expect(s.client.pendingAcks).toBe(0);
      expect(s.state.protocolErrors).toEqual([]);
      s.sock.close();
    }
  });

  it('gets CONNECT_ERROR UNAUTHENTICATED for a bad token, as the k6 script reports it', async () => {
    const s = await rawSocket({ token: 'not-a-token' });
    expect(s.state.connected).toBe(false);
    expect(s.state.error?.message).toMatch(/^UNAUTHENTICATED/);
    s.sock.close();
  });
});

describe('k6 scripts', () => {
  it('type-check against @types/k6 (test/load/tsconfig.json)', () => {
    const tsc = path.join(repo, 'node_modules', '.bin', 'tsc');
    const r = spawnSync(tsc, ['-p', path.join(repo, 'test/load/tsconfig.json')], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    const listed = spawnSync(tsc, ['-p', path.join(repo, 'test/load/tsconfig.json'), '--listFilesOnly'], { encoding: 'utf8', timeout: 120_000 }).stdout;
    for (const f of ['test/load/http.ts', 'test/load/signaling.ts', 'node_modules/@types/k6/ws/index.d.ts']) expect(listed, `${f} is in the k6 program`).toContain(f);
    expect(listed, 'no Node.js types in the k6 program').not.toContain('@types/node/');
  });

  it('use only k6 modules and relative imports at run time (k6 resolves no packages)', () => {
    for (const f of ['http.ts', 'signaling.ts', 'lib/lectern.ts', 'lib/socketio.ts']) {
      const src = read(`test/load/${f}`);
      for (const m of src.matchAll(/^import\s+(type\s+)?[^'"]*from\s+'([^']+)'/gm)) {
        const [, typeOnly, spec] = m;
        if (typeOnly) continue;
        expect(spec!.startsWith('./') || spec!.startsWith('../') || spec === 'k6' || spec!.startsWith('k6/'), `${f}: runtime import of ${spec}`).toBe(true);
      }
    }
  });
});
