import fs from 'node:fs';
import { MIN_PART_BYTES, type ObjectStore, type UploadedPart } from '../storage/ObjectStore.ts';

/** Outcome of {@link LiveUploader.finish}. */
export type LiveUploadResult = { ok: true; bytes: number; parts: number } | { ok: false; error: string };

/**
 * Streams a growing spool file (ffmpeg is still writing it) to S3 as a multipart upload while the
 * session runs, and completes it when the recording has finished.
 *
 * The WebM muxer only appends while recording; at the end it seeks back ONCE to rewrite the header
 * (segment size, SeekHead, Duration — the first ~1 KB) and appends the Cues. So part 1 (the first
 * `partBytes`) is held back and uploaded last, from the finished file; parts 2… (each `partBytes`,
 * ≥ 5 MiB) are uploaded as soon as the file has grown past them; the last part is the tail. A short
 * recording (< 2 parts) is uploaded in one request at the end.
 *
 * Any S3 failure (after the SDK's retries) ends live uploading: the multipart upload is aborted and
 * {@link finish} reports `ok: false` — the file stays spooled and the {@link SpoolDrainer} uploads
 * it when S3 is back. Nothing here throws into the caller.
 */
export class LiveUploader {
  #timer?: NodeJS.Timeout;
  #uploadId?: string;
  #parts: UploadedPart[] = [];
  /** File offset up to which parts 2… are uploaded (starts at the end of part 1). */
  #uploadedTo: number;
  #busy: Promise<void> = Promise.resolve();
  #failed?: string;

  /**
   * @param store target object store.
   * @param key object key.
   * @param file the growing spool file.
   * @param contentType e.g. `video/webm`.
   * @param partBytes part size (≥ 5 MiB; default 5 MiB).
   * @param pollMs how often the file size is checked (default 1000).
   */
  constructor(
    private readonly store: ObjectStore,
    readonly key: string,
    readonly file: string,
    private readonly contentType: string,
    private readonly partBytes = MIN_PART_BYTES,
    private readonly pollMs = 1000,
  ) {
    if (partBytes < MIN_PART_BYTES) throw new RangeError(`partBytes must be ≥ ${MIN_PART_BYTES}`);
    this.#uploadedTo = partBytes;
  }

  /** Why live uploading stopped (S3 error), if it did. */
  get failure(): string | undefined {
    return this.#failed;
  }

  /** Bytes already in S3 as parts (excluding the held-back part 1). */
  get uploadedBytes(): number {
    return this.#parts.length > 0 ? this.#uploadedTo - this.partBytes : 0;
  }

  /** Starts watching the file. */
  start(): void {
    this.#timer = setInterval(() => {
      this.#busy = this.#busy.then(() => this.#step(false));
    }, this.pollMs);
    this.#timer.unref?.();
  }

  /**
   * Call after the writer has finished the file: uploads what is left (part 1 and the tail, or the
   * whole file if no part was uploaded yet), completes and verifies the object's size.
   */
  async finish(): Promise<LiveUploadResult> {
    clearInterval(this.#timer);
    await this.#busy;
    if (this.#failed) return { ok: false, error: this.#failed };
    try {
      const size = fs.statSync(this.file).size;
      if (!this.#uploadId) {
        await this.store.uploadFile(this.key, this.file, this.contentType);
      } else {
        await this.#step(true);
        if (this.#failed) return { ok: false, error: this.#failed };
        const fd = fs.openSync(this.file, 'r');
        try {
          const head = Buffer.alloc(Math.min(this.partBytes, size));
          fs.readSync(fd, head, 0, head.length, 0);
          this.#parts.push(await this.store.uploadPart(this.key, this.#uploadId, 1, head));
        } finally {
          fs.closeSync(fd);
        }
        await this.store.completeMultipart(this.key, this.#uploadId, this.#parts);
      }
      const info = await this.store.head(this.key);
      if (info?.bytes !== size) throw new Error(`uploaded object has ${info?.bytes} bytes, spool file ${size}`);
      return { ok: true, bytes: size, parts: this.#uploadId ? this.#parts.length : 1 };
    } catch (err) {
      await this.#fail(err);
      return { ok: false, error: this.#failed ?? String(err) };
    }
  }

  /** Stops without uploading the rest (gateway shutdown): the file stays spooled. */
  async abandon(): Promise<void> {
    clearInterval(this.#timer);
    await this.#busy;
    if (this.#uploadId) await this.store.abortMultipart(this.key, this.#uploadId);
  }

  /** Uploads every complete part past part 1; at the end (`final`) also the tail. */
  async #step(final: boolean): Promise<void> {
    if (this.#failed) return;
    // ffmpeg creates the file only once it has probed every input.
    if (!final && !fs.existsSync(this.file)) return;
    try {
      const size = fs.statSync(this.file).size;
      const fd = fs.openSync(this.file, 'r');
      try {
        // Keep a part in hand while recording: the next upload must not be the (short) last part.
        while (this.#uploadedTo + this.partBytes <= size || (final && this.#uploadedTo < size)) {
          const len = Math.min(this.partBytes, size - this.#uploadedTo);
          const buf = Buffer.alloc(len);
          fs.readSync(fd, buf, 0, len, this.#uploadedTo);
          this.#uploadId ??= await this.store.createMultipart(this.key, this.contentType);
          this.#parts.push(await this.store.uploadPart(this.key, this.#uploadId, this.#parts.length + 2, buf));
          this.#uploadedTo += len;
        }
      } finally {
        fs.closeSync(fd);
      }
    } catch (err) {
      await this.#fail(err);
    }
  }

  async #fail(err: unknown): Promise<void> {
    this.#failed ??= (err as Error)?.message ?? String(err);
    clearInterval(this.#timer);
    if (this.#uploadId) await this.store.abortMultipart(this.key, this.#uploadId);
    this.#uploadId = undefined;
  }
}
