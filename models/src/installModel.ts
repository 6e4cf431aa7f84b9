import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { downloadFile, type TransferProgress } from './downloadFile.ts';
import type { ModelEntry } from './ModelManifest.ts';
import { ModelInstallError } from './ModelInstallError.ts';
import { modelsStoreDir, STAMP_FILE } from './paths.ts';
import { sha256File } from './sha256File.ts';
import { unpackArchive } from './unpackArchive.ts';
import { verifyInstalled, type ModelStamp } from './verifyInstalled.ts';

/** Options of {@link installModel}. */
export interface InstallOptions {
  /** Store directory; default {@link modelsStoreDir} (`$LECTERN_MODELS_DIR` or `models/store`). */
  storeDir?: string;
  /**
   * Local mirror directory holding the archive under its URL's file name (air-gapped sites);
   * when set, nothing is downloaded. Default `$LECTERN_MODELS_MIRROR` when set.
   */
  mirrorDir?: string | null;
  /** Install an entry whose sha256 is unknown (null). Default false: refuse. */
  trustUnverified?: boolean;
  /** Reinstall even when a verified copy is present. */
  force?: boolean;
  /** Keep the verified archive in `<store>/.downloads/` after unpacking. */
  keepArchive?: boolean;
  /** Progress callback (download or mirror copy). */
  onProgress?: (p: TransferProgress) => void;
  /** Status lines (one per step). */
  log?: (line: string) => void;
  /** `fetch` implementation (tests). */
  fetchImpl?: typeof fetch;
}

/** Result of {@link installModel}. */
export interface InstallResult {
  /** `installed` (new), or `present` (already installed and verified; nothing done). */
  status: 'installed' | 'present';
  /** Absolute path of `<store>/<name>`. */
  dir: string;
}

/**
 * Obtain, verify and install one model:
 * 1. skip when a verified copy is installed (unless `force`);
 * 2. refuse an entry without sha256 unless `trustUnverified`;
 * 3. copy the archive from the mirror, or download it (resuming `<store>/.downloads/<file>.part`);
 * 4. check size, then SHA-256 — a mismatching file is deleted and never unpacked;
 * 5. unpack into a fresh `<store>/.tmp-*` directory, check every expected file is a regular
 *    file, hash them into the stamp file `.lectern-model.json`;
 * 6. rename the unpacked root to `<store>/<name>` (a single rename on one filesystem, so the
 *    final directory is either absent or complete); temp directories are removed on failure.
 *
 * @throws ModelInstallError with codes `unverified`, `download-failed`, `truncated`,
 *   `size-mismatch`, `checksum-mismatch`, `unpack-failed`, `missing-files`.
 */
export async function installModel(entry: ModelEntry, options: InstallOptions = {}): Promise<InstallResult> {
  const log = options.log ?? (() => {});
  const store = options.storeDir ?? modelsStoreDir();
  const finalDir = path.join(store, entry.name);
  if (!options.force) {
    const v = await verifyInstalled(entry, { storeDir: store });
    if (v.ok) {
      log(`${entry.name}: already installed and verified at ${finalDir}`);
      return { status: 'present', dir: finalDir };
    }
    if (fs.existsSync(finalDir)) log(`${entry.name}: installed copy fails verification (${v.reason}); reinstalling`);
  }
  if (entry.sha256 === null && !options.trustUnverified) {
    throw new ModelInstallError(
      'unverified',
      `${entry.name} has no sha256 in the manifest; refusing to install an unverifiable file (pass --trust-unverified to accept it anyway)`,
    );
  }

  const downloads = path.join(store, '.downloads');
  fs.mkdirSync(downloads, { recursive: true });
  const fileName = decodeURIComponent(new URL(entry.url).pathname.split('/').pop() || `${entry.name}.${entry.archive.format}`);
  const part = path.join(downloads, `${fileName}.part`);
  const mirror = options.mirrorDir === undefined ? process.env.LECTERN_MODELS_MIRROR || null : options.mirrorDir;

  if (mirror) {
    const src = path.join(mirror, fileName);
    if (!fs.existsSync(src)) throw new ModelInstallError('download-failed', `mirror ${mirror} has no ${fileName}`);
    log(`${entry.name}: copying ${src}`);
    await copyWithProgress(src, part, options.onProgress);
  } else {
    log(`${entry.name}: downloading ${entry.url}`);
    await downloadFile(entry.url, part, { expectedSize: entry.sizeBytes, onProgress: options.onProgress, fetchImpl: options.fetchImpl });
  }

  const size = fs.statSync(part).size;
  if (entry.sizeBytes !== null && size !== entry.sizeBytes) {
    if (!mirror && size < entry.sizeBytes) {
      throw new ModelInstallError('truncated', `${fileName}: ${size} of ${entry.sizeBytes} bytes; run again to resume`);
    }
    fs.rmSync(part, { force: true });
    throw new ModelInstallError('size-mismatch', `${fileName} is ${size} bytes, the manifest says ${entry.sizeBytes}; file deleted, not unpacked`);
  }
  log(`${entry.name}: verifying sha256`);
  const actual = await sha256File(part);
  if (entry.sha256 !== null && actual !== entry.sha256) {
    fs.rmSync(part, { force: true });
    throw new ModelInstallError(
      'checksum-mismatch',
      `${fileName}: sha256 ${actual} does not match the manifest's ${entry.sha256}; file deleted, not unpacked (corrupt download, wrong mirror file, or a changed release asset)`,
    );
  }
  if (entry.sha256 === null) log(`${entry.name}: WARNING no checksum to compare; sha256 is ${actual} (trusting it because of --trust-unverified)`);

  const tmp = path.join(store, `.tmp-${entry.name}-${randomBytes(6).toString('hex')}`);
  fs.mkdirSync(tmp);
  try {
    log(`${entry.name}: unpacking`);
    await unpackArchive(part, entry.archive.format, tmp);
    const root = path.join(tmp, entry.archive.root);
    const missing: string[] = [];
    const files: ModelStamp['files'] = {};
    for (const rel of Object.values(entry.files)) {
      const p = path.join(root, rel);
      const st = fs.existsSync(p) ? fs.lstatSync(p) : null;
      if (!st || !st.isFile()) {
        missing.push(rel);
        continue;
      }
      files[rel] = { sizeBytes: st.size, sha256: await sha256File(p) };
    }
    if (missing.length > 0) {
      throw new ModelInstallError('missing-files', `${fileName} unpacked without ${missing.join(', ')} under ${entry.archive.root}/; not installed`);
    }
    const stamp: ModelStamp = {
      name: entry.name,
      version: entry.version,
      archiveSha256: actual,
      verified: entry.sha256 !== null,
      installedAt: new Date().toISOString(),
      files,
    };
    fs.writeFileSync(path.join(root, STAMP_FILE), `${JSON.stringify(stamp, null, 2)}\n`);
    let old: string | null = null;
    if (fs.existsSync(finalDir)) {
      old = path.join(store, `.old-${entry.name}-${randomBytes(6).toString('hex')}`);
      fs.renameSync(finalDir, old);
    }
    fs.renameSync(root, finalDir);
    if (old) fs.rmSync(old, { recursive: true, force: true });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  if (!options.keepArchive) fs.rmSync(part, { force: true });
  log(`${entry.name}: installed at ${finalDir}`);
  return { status: 'installed', dir: finalDir };
}

async function copyWithProgress(src: string, dest: string, onProgress?: (p: TransferProgress) => void): Promise<void> {
  const total = fs.statSync(src).size;
  let received = 0;
  let last = 0;
  const out = fs.createWriteStream(dest, { flags: 'w' });
  try {
    for await (const chunk of fs.createReadStream(src, { highWaterMark: 1 << 20 })) {
      received += (chunk as Buffer).length;
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      if (onProgress && received - last >= 1 << 20) {
        last = received;
        onProgress({ receivedBytes: received, totalBytes: total });
      }
    }
  } finally {
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
  onProgress?.({ receivedBytes: received, totalBytes: total });
}
