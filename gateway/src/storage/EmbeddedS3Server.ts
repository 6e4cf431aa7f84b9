import type http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import S3rver from 's3rver';
import { freePort } from '../db/EmbeddedPostgresServer.ts';

/** Options of {@link EmbeddedS3Server}. */
export interface EmbeddedS3Options {
  /** Directory holding buckets and objects, e.g. `.lectern/s3`. */
  directory: string;
  /** Bucket created at start. */
  bucket: string;
  /** Port on 127.0.0.1; 0 (default) picks a free one at first start and keeps it across restarts. */
  port?: number;
}

/**
 * The embedded object store when `S3_ENDPOINT` is unset: `s3rver` (an S3 API server over a local
 * directory, multipart and presigned URLs included) on 127.0.0.1. Credentials are s3rver's fixed
 * `S3RVER`/`S3RVER`. Objects survive restarts (they are files under `directory`).
 */
export class EmbeddedS3Server {
  #server?: http.Server;
  #port: number;
  readonly #opts: EmbeddedS3Options;

  /** @param opts see {@link EmbeddedS3Options}. */
  constructor(opts: EmbeddedS3Options) {
    this.#opts = opts;
    this.#port = opts.port ?? 0;
  }

  /** `http://127.0.0.1:PORT` (valid after {@link start}). */
  get endpoint(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Whether the server is listening. */
  get running(): boolean {
    return this.#server !== undefined;
  }

  /** Starts listening (same port as before after a {@link stop}). @throws if the port is taken. */
  async start(): Promise<void> {
    if (this.#server) return;
    fs.mkdirSync(this.#opts.directory, { recursive: true });
    if (!this.#port) this.#port = await freePort();
    const s3 = new S3rver({
      address: '127.0.0.1',
      port: this.#port,
      directory: path.resolve(this.#opts.directory),
      silent: true,
      configureBuckets: [{ name: this.#opts.bucket, configs: [] }],
    });
    await s3.run();
    this.#server = (s3 as unknown as { httpServer: http.Server }).httpServer;
  }

  /** Stops listening and drops open connections (idempotent). */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
