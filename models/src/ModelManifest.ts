import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelInstallError } from './ModelInstallError.ts';

/** Path of the manifest shipped with the repository (`models/manifest.json`). */
export const DEFAULT_MANIFEST_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'manifest.json');

/** One downloadable model, as listed in `models/manifest.json`. */
export interface ModelEntry {
  /** Unique name; also the directory name under the store. */
  name: string;
  /** Version label; a change makes installed copies stale. */
  version: string;
  /** What it is, e.g. `asr-online-transducer`. */
  kind: string;
  /** Human-readable description. */
  description: string;
  /** Official download URL of the archive. */
  url: string;
  /** Lower-case hex SHA-256 of the archive, or null when unknown (install then needs `trustUnverified`). */
  sha256: string | null;
  /** Archive size in bytes, or null when unknown. */
  sizeBytes: number | null;
  /** Where the checksum comes from (provenance note). */
  checksumSource?: string;
  /** SPDX licence id of the model. */
  licence: string;
  /** Documentation page. */
  homepage?: string;
  /** Archive format and the single top-level directory it unpacks to. */
  archive: { format: 'tar.bz2' | 'tar.gz' | 'tar'; root: string };
  /** Files that must exist after unpacking, by role (e.g. `encoder`), relative to `archive.root`. */
  files: Record<string, string>;
  /** Installed by `npm run models` without arguments. */
  default?: boolean;
}

/** The manifest file. */
export interface ModelManifest {
  /** Format version of this file; 1. */
  schemaVersion: 1;
  /** The models. */
  models: ModelEntry[];
}

const HEX64 = /^[0-9a-f]{64}$/;
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Check a parsed manifest's shape (hand-written so `models/` needs no dependencies).
 * @throws ModelInstallError(`bad-manifest`) naming the first problem.
 */
export function validateManifest(data: unknown, source = 'manifest'): ModelManifest {
  const fail = (msg: string): never => {
    throw new ModelInstallError('bad-manifest', `${source}: ${msg}`);
  };
  if (typeof data !== 'object' || data === null) fail('not an object');
  const m = data as Record<string, unknown>;
  if (m.schemaVersion !== 1) fail(`schemaVersion must be 1, got ${String(m.schemaVersion)}`);
  if (!Array.isArray(m.models)) fail('models must be an array');
  const names = new Set<string>();
  for (const [i, raw] of (m.models as unknown[]).entries()) {
    const e = raw as Record<string, unknown>;
    const where = `models[${i}]`;
    for (const k of ['name', 'version', 'kind', 'description', 'url', 'licence'] as const) {
      if (typeof e[k] !== 'string' || (e[k] as string).length === 0) fail(`${where}.${k} must be a non-empty string`);
    }
    if (!SAFE_NAME.test(e.name as string)) fail(`${where}.name must match ${SAFE_NAME}`);
    if (names.has(e.name as string)) fail(`${where}.name ${String(e.name)} is duplicated`);
    names.add(e.name as string);
    if (e.sha256 !== null && !(typeof e.sha256 === 'string' && HEX64.test(e.sha256))) fail(`${where}.sha256 must be 64 lower-case hex digits or null`);
    if (e.sizeBytes !== null && !(Number.isInteger(e.sizeBytes) && (e.sizeBytes as number) > 0)) fail(`${where}.sizeBytes must be a positive integer or null`);
    const a = e.archive as Record<string, unknown> | undefined;
    if (!a || !['tar.bz2', 'tar.gz', 'tar'].includes(a.format as string)) fail(`${where}.archive.format must be tar.bz2, tar.gz or tar`);
    if (typeof a!.root !== 'string' || !SAFE_NAME.test(a!.root)) fail(`${where}.archive.root must be a plain directory name`);
    const files = e.files as Record<string, unknown> | undefined;
    if (!files || typeof files !== 'object' || Object.keys(files).length === 0) fail(`${where}.files must list at least one file`);
    for (const [role, rel] of Object.entries(files!)) {
      if (typeof rel !== 'string' || rel.length === 0 || path.isAbsolute(rel) || rel.split(/[\\/]/).includes('..')) {
        fail(`${where}.files.${role} must be a relative path inside the archive root`);
      }
    }
  }
  return data as ModelManifest;
}

/**
 * Read and validate a manifest.
 * @param file path; default `models/manifest.json`.
 * @throws ModelInstallError(`bad-manifest`) when unreadable, not JSON, or malformed.
 */
export function loadManifest(file = DEFAULT_MANIFEST_PATH): ModelManifest {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ModelInstallError('bad-manifest', `cannot read ${file}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ModelInstallError('bad-manifest', `${file} is not JSON: ${(err as Error).message}`);
  }
  return validateManifest(data, file);
}

/**
 * Find one entry.
 * @throws ModelInstallError(`not-found`) listing the known names.
 */
export function findModel(manifest: ModelManifest, name: string): ModelEntry {
  const e = manifest.models.find((m) => m.name === name);
  if (!e) throw new ModelInstallError('not-found', `no model named ${name} in the manifest (known: ${manifest.models.map((m) => m.name).join(', ')})`);
  return e;
}
