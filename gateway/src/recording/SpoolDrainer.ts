import fs from 'node:fs';
import path from 'node:path';
import { ExponentialBackoff } from '@lectern/contract';
import type { SessionRepository } from '../db/SessionRepository.ts';
import type { ObjectStore } from '../storage/ObjectStore.ts';
import { probeRecording, repairWebm } from './SessionRecorder.ts';
import { readSpoolMeta, writeSpoolMeta } from './SpoolMeta.ts';

/** Logger (pino-compatible subset). */
export interface DrainerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Counters of a {@link SpoolDrainer}. */
export interface SpoolDrainerStats {
  /** Recordings uploaded by the drainer. */
  uploaded: number;
  /** Failed passes (S3 or database unreachable); each is retried with backoff. */
  failures: number;
  /** Uploads attempted from the spool (each a retry of a recording whose live upload failed, or a leftover). */
  attempts: number;
  /** Spool directories waiting. */
  pending: number;
}

/**
 * Uploads recordings left on disk: ones whose live upload failed (S3 unreachable) and leftovers of
 * a gateway that stopped mid-session (found at start-up; their WebM is repaired with an ffmpeg
 * remux first, since its writer never wrote the index). A spool directory is deleted only after the
 * object's size in S3 matches the file AND its database row says `uploaded` — a recording is
 * never lost, at worst uploaded twice (idempotent: same key).
 *
 * Runs at start-up, every `intervalMs`, and on {@link kick}; after a failing pass it waits with
 * exponential backoff (2 s → 60 s). Directories of recordings still in progress are skipped
 * (`isActive`).
 */
export class SpoolDrainer {
  #timer?: NodeJS.Timeout;
  #running?: Promise<void>;
  readonly #backoff = new ExponentialBackoff({ initialMs: 2000, maxMs: 60_000 });
  /** Wait after the last pass if it failed (0 after a good pass: wait `intervalMs`). */
  #retryMs = 0;
  #closed = false;
  readonly #stats = { uploaded: 0, failures: 0, attempts: 0 };

  /**
   * @param spoolDir directory holding one sub-directory per recording.
   * @param store where recordings go.
   * @param repo session tables (media object state), or null to skip row updates.
   * @param isActive whether a session's recorder is still running in this process.
   * @param log logger.
   * @param intervalMs pass interval when idle (default 5000).
   */
  constructor(
    private readonly spoolDir: string,
    private readonly store: ObjectStore,
    private readonly repo: SessionRepository | null,
    private readonly isActive: (sessionId: string) => boolean,
    private readonly log: DrainerLog,
    private readonly intervalMs = 5000,
  ) {
    fs.mkdirSync(spoolDir, { recursive: true });
  }

  /** Counters. */
  get stats(): SpoolDrainerStats {
    return { ...this.#stats, pending: this.#dirs().length };
  }

  /**
   * What the spool holds now (metrics; reads the directory): recordings waiting for upload
   * (`waiting`: finished or left over, their session not active here) and the bytes of every file
   * under the spool directory, recordings in progress included.
   */
  usage(): { waiting: number; bytes: number } {
    let waiting = 0;
    let bytes = 0;
    for (const dir of this.#dirs()) {
      const meta = readSpoolMeta(dir);
      if (meta && !this.isActive(meta.sessionId)) waiting++;
      try {
        for (const f of fs.readdirSync(dir, { withFileTypes: true })) if (f.isFile()) bytes += fs.statSync(path.join(dir, f.name)).size;
      } catch {
        /* removed meanwhile */
      }
    }
    return { waiting, bytes };
  }

  /** Runs a first pass now and schedules the next ones. */
  start(): void {
    this.kick();
  }

  /** Runs a pass soon (e.g. when a live upload just failed, or to retry now). Resolves when done. */
  kick(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#running) return this.#running;
    clearTimeout(this.#timer);
    this.#running = this.#pass()
      .then((ok) => {
        if (ok) this.#backoff.reset();
        this.#retryMs = ok ? 0 : this.#backoff.next();
      })
      .finally(() => {
        this.#running = undefined;
        if (!this.#closed) {
          this.#timer = setTimeout(() => void this.kick(), this.#retryMs || this.intervalMs);
          this.#timer.unref?.();
        }
      });
    return this.#running;
  }

  /** Stops scheduling; waits for a running pass. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  #dirs(): string[] {
    try {
      return fs.readdirSync(this.spoolDir).map((d) => path.join(this.spoolDir, d)).filter((d) => fs.existsSync(path.join(d, 'meta.json')));
    } catch {
      return [];
    }
  }

  /** @returns false if some upload failed (backoff). */
  async #pass(): Promise<boolean> {
    let ok = true;
    for (const dir of this.#dirs()) {
      if (this.#closed) break;
      const meta = readSpoolMeta(dir);
      if (!meta || this.isActive(meta.sessionId)) continue;
      const file = path.join(dir, meta.file);
      try {
        if (!fs.existsSync(file) || fs.statSync(file).size === 0) {
          await this.repo?.updateMediaObject(meta.mediaObjectId, { state: 'failed', error: 'recording file missing or empty' });
          fs.rmSync(dir, { recursive: true, force: true });
          continue;
        }
        if (!meta.finished) {
          // Left by a gateway that stopped while recording: make it a complete, seekable WebM.
          await repairWebm(file).catch((err) => this.log.warn({ dir, err: (err as Error).message }, 'could not repair leftover recording; uploading as is'));
          const probe = await probeRecording(file).catch(() => null);
          Object.assign(meta, { finished: true, durationSec: probe?.durationSec ?? null, audioStartSec: probe?.audioStartSec ?? 0 });
          writeSpoolMeta(dir, meta);
        }
        this.#stats.attempts++;
        const bytes = await this.store.uploadFile(meta.key, file, meta.contentType);
        const info = await this.store.head(meta.key);
        if (info?.bytes !== bytes) throw new Error(`uploaded ${info?.bytes} bytes of ${bytes}`);
        if (this.repo) {
          const exists = await this.repo.updateMediaObject(meta.mediaObjectId, {
            state: 'uploaded',
            bytes,
            durationSec: meta.durationSec ?? undefined,
            hasAudio: meta.hasAudio,
            hasVideo: meta.hasVideo,
            error: null,
            uploadedAt: new Date(),
          });
          if (!exists) {
            // The session was deleted while its recording waited: delete the upload too.
            await this.store.deletePrefix(meta.key);
          }
        }
        fs.rmSync(dir, { recursive: true, force: true });
        this.#stats.uploaded++;
        this.log.info({ sessionId: meta.sessionId, key: meta.key, bytes }, 'spooled recording uploaded');
      } catch (err) {
        ok = false;
        this.#stats.failures++;
        this.log.warn({ sessionId: meta.sessionId, err: (err as Error).message }, 'spooled recording not uploaded yet; will retry');
        break; // S3 or the database is down: retry the whole pass after backoff
      }
    }
    return ok;
  }
}
