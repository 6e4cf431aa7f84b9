import fs from 'node:fs';
import path from 'node:path';
import { findModel, loadManifest, type ModelEntry } from './ModelManifest.ts';
import { modelsStoreDir, STAMP_FILE } from './paths.ts';
import { sha256File } from './sha256File.ts';

/** Contents of `<store>/<name>/.lectern-model.json`, written by installModel after unpacking. */
export interface ModelStamp {
  /** Model name. */
  name: string;
  /** Manifest version installed. */
  version: string;
  /** SHA-256 of the archive it came from. */
  archiveSha256: string;
  /** False when installed with `--trust-unverified` (no manifest checksum). */
  verified: boolean;
  /** ISO time of installation. */
  installedAt: string;
  /** Expected files (relative to the model dir) with their size and SHA-256 at install time. */
  files: Record<string, { sizeBytes: number; sha256: string }>;
}

/** Options of {@link verifyInstalled}. */
export interface VerifyOptions {
  /** Store directory; default {@link modelsStoreDir}. */
  storeDir?: string;
  /** Re-hash the files (default true). False checks presence and sizes only (fast, weaker). */
  hash?: boolean;
  /** Accept a copy installed with `--trust-unverified` (default false). */
  allowUnverified?: boolean;
}

/** A model that passed verification. */
export interface VerifiedModel {
  ok: true;
  /** Absolute model directory. */
  dir: string;
  /** Absolute path of each expected file by role (`encoder`, `tokens`, …). */
  files: Record<string, string>;
  /** The stamp read. */
  stamp: ModelStamp;
}

/** A model that is absent or failed verification. */
export interface UnverifiedModel {
  ok: false;
  /** Why, e.g. "not installed (run npm run models)" or "encoder…onnx: sha256 mismatch". */
  reason: string;
}

/**
 * Check an installed model before anything loads it: the stamp exists and matches the manifest
 * entry (name, version, archive checksum), every expected file is present as a regular file
 * with the stamped size and (by default) SHA-256. A corrupt or truncated ONNX file aborts
 * sherpa-onnx's native code, so the engine loads a model only after this returns `ok`.
 *
 * Never throws for a bad or missing installation (it returns `ok: false` with the reason);
 * throws ModelInstallError only for an unknown name or a bad manifest.
 * @param model a manifest entry, or a name looked up in `models/manifest.json`.
 */
export async function verifyInstalled(model: ModelEntry | string, options: VerifyOptions = {}): Promise<VerifiedModel | UnverifiedModel> {
  const entry = typeof model === 'string' ? findModel(loadManifest(), model) : model;
  const dir = path.join(options.storeDir ?? modelsStoreDir(), entry.name);
  if (!fs.existsSync(dir)) return { ok: false, reason: `${entry.name} not installed in ${path.dirname(dir)} (run npm run models)` };
  let stamp: ModelStamp;
  try {
    stamp = JSON.parse(fs.readFileSync(path.join(dir, STAMP_FILE), 'utf8')) as ModelStamp;
  } catch {
    return { ok: false, reason: `${dir} has no readable ${STAMP_FILE} (not installed by npm run models); reinstall with npm run models -- --force` };
  }
  if (stamp.name !== entry.name || stamp.version !== entry.version) {
    return { ok: false, reason: `${dir} holds ${stamp.name} ${stamp.version}, the manifest wants ${entry.version}; run npm run models` };
  }
  if (entry.sha256 !== null && stamp.archiveSha256 !== entry.sha256) {
    return { ok: false, reason: `${dir} came from an archive with sha256 ${stamp.archiveSha256}, the manifest pins ${entry.sha256}; run npm run models -- --force` };
  }
  if (!stamp.verified && !options.allowUnverified) {
    return { ok: false, reason: `${entry.name} was installed with --trust-unverified (no checksum); not loading it` };
  }
  const files: Record<string, string> = {};
  for (const [role, rel] of Object.entries(entry.files)) {
    const p = path.join(dir, rel);
    const want = stamp.files?.[rel];
    if (!want) return { ok: false, reason: `${rel} is not in the install stamp; reinstall with npm run models -- --force` };
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      return { ok: false, reason: `${p} is missing; reinstall with npm run models -- --force` };
    }
    if (!st.isFile()) return { ok: false, reason: `${p} is not a regular file` };
    if (st.size !== want.sizeBytes) return { ok: false, reason: `${p} is ${st.size} bytes, expected ${want.sizeBytes} (truncated or modified)` };
    if (options.hash !== false) {
      const h = await sha256File(p);
      if (h !== want.sha256) return { ok: false, reason: `${p}: sha256 ${h} differs from the install stamp (corrupt or modified)` };
    }
    files[role] = p;
  }
  return { ok: true, dir, files, stamp };
}
