import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ModelInstallError } from './ModelInstallError.ts';

const execFileAsync = promisify(execFile);

/**
 * Unpack a tar archive into an (empty) directory with Debian's GNU tar, then reject anything
 * unsafe that got through.
 *
 * Why GNU tar through child_process rather than an npm package: the release archives are
 * tar.bz2 and npm's maintained extractor (`tar`, node-tar) reads only gzip/brotli/zstd; the
 * pure-JS bzip2 decoders on npm (`unbzip2-stream`, `seek-bzip`) are unmaintained for years and
 * several times slower on a 300 MB archive. GNU tar + bzip2 are maintained Debian packages that
 * stream in constant memory, refuse member names containing `..`, strip leading `/`, and create
 * symlinks only after the other members (so a link cannot redirect a later file out of the
 * target). We also run with `--no-same-owner --no-same-permissions` and afterwards reject any
 * symlink in the tree: a model has no reason to contain one.
 *
 * @param archive path of the verified archive.
 * @param format `tar.bz2`, `tar.gz` or `tar`.
 * @param destDir existing empty directory to extract into.
 * @throws ModelInstallError(`unpack-failed`) when tar fails (message includes its stderr and a
 *   hint when `bzip2` is missing) or the archive contains a symlink.
 */
export async function unpackArchive(archive: string, format: 'tar.bz2' | 'tar.gz' | 'tar', destDir: string): Promise<void> {
  const flag = format === 'tar.bz2' ? ['-j'] : format === 'tar.gz' ? ['-z'] : [];
  try {
    await execFileAsync('tar', ['-x', ...flag, '-f', archive, '-C', destDir, '--no-same-owner', '--no-same-permissions'], {
      maxBuffer: 4 << 20,
    });
  } catch (err) {
    const e = err as Error & { stderr?: string; code?: string };
    const hint = e.code === 'ENOENT' ? ' (GNU tar not found: apt-get install tar)' : /bzip2/.test(e.stderr ?? '') ? ' (apt-get install bzip2)' : '';
    throw new ModelInstallError('unpack-failed', `cannot unpack ${archive}: ${(e.stderr || e.message).trim()}${hint}`);
  }
  const links = findSymlinks(destDir);
  if (links.length > 0) {
    throw new ModelInstallError('unpack-failed', `${archive} contains symbolic links (${links.slice(0, 3).join(', ')}); refusing it`);
  }
}

function findSymlinks(dir: string): string[] {
  const out: string[] = [];
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isSymbolicLink()) out.push(p);
    else if (ent.isDirectory()) out.push(...findSymlinks(p));
  }
  return out;
}
