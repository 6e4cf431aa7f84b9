import fs from 'node:fs';
import { ModelInstallError } from './ModelInstallError.ts';

/** Progress of a transfer. */
export interface TransferProgress {
  /** Bytes on disk so far (including bytes from an earlier, resumed attempt). */
  receivedBytes: number;
  /** Expected total, or null when neither the manifest nor the server says. */
  totalBytes: number | null;
}

/** Options of {@link downloadFile}. */
export interface DownloadOptions {
  /** Size the manifest promises, or null. */
  expectedSize: number | null;
  /** Called as bytes arrive (at most every 64 KiB of data). */
  onProgress?: (p: TransferProgress) => void;
  /** `fetch` implementation (tests); default the global one. */
  fetchImpl?: typeof fetch;
}

/**
 * Download `url` into `partFile`, resuming from an existing partial file with an HTTP Range
 * request (a server that ignores Range and answers 200 restarts the download from zero).
 *
 * Never leaves a file that looks complete when it is not: the caller verifies size and checksum
 * before using it.
 * @throws ModelInstallError `download-failed` (network error, HTTP status other than 200/206/416),
 *   `truncated` (the transfer ended early; the partial file is kept so the next run resumes) or
 *   `size-mismatch` (more bytes than expected; the file is deleted).
 */
export async function downloadFile(url: string, partFile: string, options: DownloadOptions): Promise<void> {
  const doFetch = options.fetchImpl ?? fetch;
  const expected = options.expectedSize;
  let existing = fs.existsSync(partFile) ? fs.statSync(partFile).size : 0;
  if (expected !== null && existing > expected) {
    fs.rmSync(partFile, { force: true });
    existing = 0;
  }
  if (expected !== null && existing === expected) return;

  let res: Response;
  try {
    res = await doFetch(url, { headers: existing > 0 ? { Range: `bytes=${existing}-` } : {}, redirect: 'follow' });
  } catch (err) {
    throw new ModelInstallError('download-failed', `cannot download ${url}: ${describe(err)} (no network? use --mirror DIR or LECTERN_MODELS_MIRROR)`);
  }
  if (res.status === 416 && existing > 0) {
    // Range not satisfiable: the partial file is already complete (or wrong); the caller verifies it.
    await res.body?.cancel();
    return;
  }
  let append = false;
  if (res.status === 206) {
    const m = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '');
    if (!m || Number(m[1]) !== existing) {
      await res.body?.cancel();
      fs.rmSync(partFile, { force: true });
      throw new ModelInstallError('download-failed', `server answered an unexpected range for ${url}; partial file removed, run again`);
    }
    append = true;
  } else if (res.status !== 200) {
    await res.body?.cancel();
    throw new ModelInstallError('download-failed', `GET ${url}: HTTP ${res.status} ${res.statusText}`);
  }
  if (!res.body) throw new ModelInstallError('download-failed', `GET ${url}: empty response body`);

  const start = append ? existing : 0;
  const lengthHeader = res.headers.get('content-length');
  const declared = lengthHeader !== null ? start + Number(lengthHeader) : null;
  const total = expected ?? declared;
  let received = start;
  let lastReport = 0;
  // Write each chunk before reading the next (no write-stream buffering), so that when the
  // transfer breaks every byte received is on disk and the next run resumes after it.
  const fh = await fs.promises.open(partFile, append ? 'a' : 'w');
  try {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      await fh.write(value);
      received += value.length;
      if (options.onProgress && received - lastReport >= 65_536) {
        lastReport = received;
        options.onProgress({ receivedBytes: received, totalBytes: total });
      }
    }
  } catch (err) {
    await fh.close();
    const have = fs.existsSync(partFile) ? fs.statSync(partFile).size : 0;
    throw new ModelInstallError(
      'truncated',
      `download of ${url} interrupted after ${have} of ${total ?? '?'} bytes (${describe(err)}); the partial file ${partFile} is kept and the next run resumes it`,
    );
  }
  await fh.close();
  options.onProgress?.({ receivedBytes: received, totalBytes: total });
  const size = fs.statSync(partFile).size;
  const want = expected ?? declared;
  if (want !== null && size < want) {
    throw new ModelInstallError('truncated', `download of ${url} ended after ${size} of ${want} bytes; the partial file ${partFile} is kept and the next run resumes it`);
  }
  if (want !== null && size > want) {
    fs.rmSync(partFile, { force: true });
    throw new ModelInstallError('size-mismatch', `download of ${url} produced ${size} bytes, expected ${want}; file deleted`);
  }
}

function describe(err: unknown): string {
  const e = err as Error & { cause?: unknown };
  const cause = e?.cause instanceof Error ? `: ${e.cause.message}` : '';
  return `${e?.message ?? String(err)}${cause}`;
}
