/**
 * `npm run models -- [command] [names…] [options]` — install and check the models in
 * `models/manifest.json`.
 *
 * Commands:
 *   install (default)  download or mirror-copy, verify sha256 + size, unpack atomically into the
 *                      store; without names, installs the entries marked `default`
 *   verify             re-hash installed files against their install stamp
 *   list               show manifest entries and whether each is installed
 * Options:
 *   --mirror DIR         copy archives from DIR instead of downloading (also LECTERN_MODELS_MIRROR)
 *   --store DIR          install into DIR (also LECTERN_MODELS_DIR; default models/store)
 *   --trust-unverified   allow an entry whose sha256 is unknown
 *   --force              reinstall even if a verified copy is present
 *   --keep-archive       keep the verified archive in <store>/.downloads
 * Exit status: 0 on success, 1 on any failure (message on stderr), 2 on bad usage.
 * Progress goes to stderr; the final summary (JSON) to stdout.
 */
import { parseArgs } from 'node:util';
import { installModel } from './installModel.ts';
import { loadManifest, findModel, type ModelEntry } from './ModelManifest.ts';
import { ModelInstallError } from './ModelInstallError.ts';
import { modelsStoreDir } from './paths.ts';
import { verifyInstalled } from './verifyInstalled.ts';

function usage(msg: string): never {
  process.stderr.write(`models: ${msg}\nusage: npm run models -- [install|verify|list] [name…] [--mirror DIR] [--store DIR] [--trust-unverified] [--force] [--keep-archive]\n`);
  process.exit(2);
}

let parsed: ReturnType<typeof parseCommandLine>;
function parseCommandLine() {
  return parseArgs({
    options: {
      mirror: { type: 'string' },
      store: { type: 'string' },
      'trust-unverified': { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      'keep-archive': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
}
try {
  parsed = parseCommandLine();
} catch (err) {
  usage((err as Error).message);
}
if (parsed.values.help) usage('help');
const [first, ...rest] = parsed.positionals;
const command = first !== undefined && ['install', 'verify', 'list'].includes(first) ? first : 'install';
const names = first !== undefined && command === first ? rest : parsed.positionals;
const mirror = parsed.values.mirror;
const store = parsed.values.store;
const trustUnverified = parsed.values['trust-unverified'];
const force = parsed.values.force;
const keepArchive = parsed.values['keep-archive'];

const storeDir = store ?? modelsStoreDir();
const fmtMB = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;

async function main(): Promise<number> {
  const manifest = loadManifest();
  const entries: ModelEntry[] = names.length > 0 ? names.map((n) => findModel(manifest, n)) : command === 'install' ? manifest.models.filter((m) => m.default) : manifest.models;
  const results: Record<string, unknown>[] = [];
  let failed = false;
  for (const entry of entries) {
    if (command === 'list' || command === 'verify') {
      const v = await verifyInstalled(entry, { storeDir, hash: command === 'verify', allowUnverified: true });
      results.push({ name: entry.name, version: entry.version, licence: entry.licence, sizeBytes: entry.sizeBytes, installed: v.ok, ...(v.ok ? { dir: v.dir } : { reason: v.reason }) });
      if (command === 'verify' && !v.ok) failed = true;
      continue;
    }
    const started = Date.now();
    let lastPrint = 0;
    try {
      const r = await installModel(entry, {
        storeDir,
        mirrorDir: mirror,
        trustUnverified,
        force,
        keepArchive,
        log: (line) => process.stderr.write(`${line}\n`),
        onProgress: ({ receivedBytes, totalBytes }) => {
          const now = Date.now();
          if (now - lastPrint < 1000 && receivedBytes !== totalBytes) return;
          lastPrint = now;
          const rate = receivedBytes / Math.max(0.001, (now - started) / 1000);
          const pct = totalBytes ? ` (${((100 * receivedBytes) / totalBytes).toFixed(1)} %)` : '';
          process.stderr.write(`  ${fmtMB(receivedBytes)}${totalBytes ? ` / ${fmtMB(totalBytes)}` : ''}${pct} ${fmtMB(rate)}/s\n`);
        },
      });
      results.push({ name: entry.name, status: r.status, dir: r.dir });
    } catch (err) {
      failed = true;
      const code = err instanceof ModelInstallError ? err.code : 'error';
      process.stderr.write(`models: ${entry.name}: ${(err as Error).message}\n`);
      results.push({ name: entry.name, status: 'failed', code, message: (err as Error).message });
    }
  }
  process.stdout.write(`${JSON.stringify({ command, storeDir, models: results }, null, 2)}\n`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`models: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
