import fs from 'node:fs';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

/** Connection settings of an {@link ObjectStore} (see `S3_*` in config.ts). */
export interface ObjectStoreOptions {
  /** e.g. `http://127.0.0.1:9000`; unset = AWS S3. */
  endpoint?: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Path-style URLs (`endpoint/bucket/key`); MinIO and s3rver need it. */
  forcePathStyle: boolean;
  /** Per-request timeout, ms (default 30 000); connection timeout is 3 s. */
  requestTimeoutMs?: number;
}

/** Metadata of a stored object. */
export interface ObjectInfo {
  bytes: number;
  contentType?: string;
  etag?: string;
}

/** An uploaded part of a multipart upload. */
export interface UploadedPart {
  PartNumber: number;
  ETag: string;
}

/** Minimum size of every part but the last in an S3 multipart upload (5 MiB). */
export const MIN_PART_BYTES = 5 * 1024 * 1024;

/**
 * Object storage over the S3 API (`@aws-sdk/client-s3`): AWS S3, MinIO, or the embedded s3rver.
 * Keys follow `orgs/{org}/sessions/{session}/…` ({@link ObjectStore.recordingKey}).
 * Every method throws the SDK's errors (network errors when the server is unreachable, after the
 * SDK's own 3 attempts); callers that must not lose data (the recorder) spool and retry.
 */
export class ObjectStore {
  /** The underlying client (for commands not wrapped here). */
  readonly client: S3Client;
  /** Bucket all keys live in. */
  readonly bucket: string;
  /** The endpoint URL (undefined = AWS); presigned URLs point there (the web app's CSP allows it). */
  readonly endpoint: string | undefined;

  /** @param opts see {@link ObjectStoreOptions}. */
  constructor(opts: ObjectStoreOptions) {
    this.bucket = opts.bucket;
    this.endpoint = opts.endpoint;
    this.client = new S3Client({
      endpoint: opts.endpoint,
      region: opts.region,
      forcePathStyle: opts.forcePathStyle,
      credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey },
      requestHandler: { connectionTimeout: 3000, requestTimeout: opts.requestTimeoutMs ?? 30_000 },
      maxAttempts: 3,
      // s3rver and older MinIO do not understand the newer default CRC32 checksums.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  /** Key of a session's recording: `orgs/{org}/sessions/{session}/recording.webm`. */
  static recordingKey(orgId: string, sessionId: string): string {
    return `orgs/${orgId}/sessions/${sessionId}/recording.webm`;
  }

  /** Prefix of everything stored for a session: `orgs/{org}/sessions/{session}/`. */
  static sessionPrefix(orgId: string, sessionId: string): string {
    return `orgs/${orgId}/sessions/${sessionId}/`;
  }

  /** Creates the bucket if it does not exist. @throws on network/permission errors. */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status !== 404 && (err as Error).name !== 'NotFound') throw err;
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    }
  }

  /** Whether the bucket answers (one HEAD, `timeoutMs`); never throws. */
  async ping(timeoutMs = 2000): Promise<boolean> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), { abortSignal: AbortSignal.timeout(timeoutMs) });
      return true;
    } catch {
      return false;
    }
  }

  /** Stores a small object in one request. */
  async put(key: string, body: Buffer | string, contentType: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
  }

  /**
   * Uploads a finished local file (`@aws-sdk/lib-storage` Upload: one PUT below `partBytes`, else a
   * multipart upload of `partBytes` parts, 2 in parallel; a failed upload is aborted).
   * @returns the object's size in bytes.
   */
  async uploadFile(key: string, file: string, contentType: string, partBytes = 8 * MIN_PART_BYTES / 5): Promise<number> {
    const bytes = fs.statSync(file).size;
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: fs.createReadStream(file), ContentType: contentType, ContentLength: bytes },
      partSize: Math.max(MIN_PART_BYTES, partBytes),
      queueSize: 2,
      leavePartsOnError: false,
    });
    await upload.done();
    return bytes;
  }

  /** Starts a multipart upload. @returns its upload id. */
  async createMultipart(key: string, contentType: string): Promise<string> {
    const res = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, ContentType: contentType }));
    if (!res.UploadId) throw new Error('CreateMultipartUpload returned no UploadId');
    return res.UploadId;
  }

  /**
   * Uploads part `partNumber` (1–10 000; ≥ 5 MiB unless last). Re-uploading a number replaces it.
   * @returns the part's ETag entry for {@link completeMultipart}.
   */
  async uploadPart(key: string, uploadId: string, partNumber: number, body: Buffer): Promise<UploadedPart> {
    const res = await this.client.send(
      new UploadPartCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: body.length }),
    );
    if (!res.ETag) throw new Error(`UploadPart ${partNumber} returned no ETag`);
    return { PartNumber: partNumber, ETag: res.ETag };
  }

  /** Completes a multipart upload from its parts (any order; sorted here). */
  async completeMultipart(key: string, uploadId: string, parts: UploadedPart[]): Promise<void> {
    const sorted = [...parts].sort((a, b) => a.PartNumber - b.PartNumber);
    await this.client.send(
      new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: sorted } }),
    );
  }

  /** Aborts a multipart upload (best effort; never throws). */
  async abortMultipart(key: string, uploadId: string): Promise<void> {
    await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId })).catch(() => {});
  }

  /** Size and type of an object, or null if it does not exist. */
  async head(key: string): Promise<ObjectInfo | null> {
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { bytes: Number(res.ContentLength ?? 0), contentType: res.ContentType, etag: res.ETag };
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404 || (err as Error).name === 'NotFound') return null;
      throw err;
    }
  }

  /** The object's bytes as a stream (optionally an HTTP `Range`, e.g. `bytes=0-1023`). */
  async getStream(key: string, range?: string): Promise<Readable> {
    const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range }));
    return res.Body as Readable;
  }

  /** The whole object in memory (tests, small objects). */
  async getBuffer(key: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of await this.getStream(key)) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  /** A presigned GET URL valid for `expiresSec` (default 1 h) — range requests work on it. */
  async presignGet(key: string, expiresSec = 3600): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: expiresSec });
  }

  /** Deletes every object under `prefix`. @returns how many were deleted. */
  async deletePrefix(prefix: string): Promise<number> {
    let deleted = 0;
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
      if (keys.length > 0) {
        await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys, Quiet: true } }));
        deleted += keys.length;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return deleted;
  }

  /** Closes the client's sockets. */
  close(): void {
    this.client.destroy();
  }
}
