import fs from 'node:fs';
import path from 'node:path';

/** `meta.json` beside a spooled recording: everything needed to upload it and update its row later. */
export interface SpoolMeta {
  sessionId: string;
  mediaObjectId: string;
  orgId: string;
  key: string;
  contentType: string;
  /** File name of the recording inside the spool directory. */
  file: string;
  /** True once the writer finished (false: still recording, or the gateway died while it was). */
  finished: boolean;
  durationSec?: number | null;
  audioStartSec?: number;
  hasAudio?: boolean;
  hasVideo?: boolean;
  audioFirstRtp?: number | null;
  /** Recording position of session media time 0, seconds, once known. */
  mediaTimeOriginSec?: number | null;
}

/** Writes `dir/meta.json` atomically (write to a temp file, then rename). */
export function writeSpoolMeta(dir: string, meta: SpoolMeta): void {
  const tmp = path.join(dir, `meta.json.${process.pid}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(meta, null, 2));
  fs.renameSync(tmp, path.join(dir, 'meta.json'));
}

/** Reads `dir/meta.json`, or null if missing or unreadable. */
export function readSpoolMeta(dir: string): SpoolMeta | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8')) as SpoolMeta;
  } catch {
    return null;
  }
}
