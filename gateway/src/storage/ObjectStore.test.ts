/** ObjectStore against a real s3rver through the S3 API (no mocks). */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/services.ts';
import { EmbeddedS3Server } from './EmbeddedS3Server.ts';
import { MIN_PART_BYTES, ObjectStore } from './ObjectStore.ts';

const dir = tempDir('s3');
const server = new EmbeddedS3Server({ directory: path.join(dir.dir, 's3'), bucket: 'lectern' });
let store: ObjectStore;

beforeAll(async () => {
  await server.start();
  store = new ObjectStore({ endpoint: server.endpoint, bucket: 'lectern', region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true });
  await store.ensureBucket();
});
afterAll(async () => {
  store?.close();
  await server.stop();
  dir.cleanup();
});

describe('ObjectStore on s3rver', () => {
  it('puts, heads, gets, presigns (with Range) and deletes by prefix', async () => {
    const key = ObjectStore.recordingKey('local', 'a1b2');
    expect(key).toBe('orgs/local/sessions/a1b2/recording.webm');
    await store.put(key, Buffer.from('hello recording'), 'video/webm');
    expect(await store.head(key)).toMatchObject({ bytes: 15, contentType: 'video/webm' });
    expect((await store.getBuffer(key)).toString()).toBe('hello recording');
    const url = await store.presignGet(key, 60);
    const full = await fetch(url);
    expect(full.status).toBe(200);
    expect(await full.text()).toBe('hello recording');
    const part = await fetch(url, { headers: { Range: 'bytes=6-14' } });
    expect(part.status).toBe(206);
    expect(await part.text()).toBe('recording');
    await store.put(ObjectStore.sessionPrefix('local', 'a1b2') + 'report.pdf', 'x', 'application/pdf');
    expect(await store.deletePrefix(ObjectStore.sessionPrefix('local', 'a1b2'))).toBe(2);
    expect(await store.head(key)).toBeNull();
  });

  it('assembles a multipart upload whose first part was re-uploaded last (the recorder rewrites the WebM header)', async () => {
    const key = 'orgs/local/sessions/mp/recording.webm';
    const a = randomBytes(MIN_PART_BYTES), b = randomBytes(MIN_PART_BYTES), c = randomBytes(123_457);
    const id = await store.createMultipart(key, 'video/webm');
    const p2 = await store.uploadPart(key, id, 2, b);
    const p1stale = await store.uploadPart(key, id, 1, Buffer.alloc(MIN_PART_BYTES));
    const p3 = await store.uploadPart(key, id, 3, c);
    const p1 = await store.uploadPart(key, id, 1, a);
    expect(p1.ETag).not.toBe(p1stale.ETag);
    await store.completeMultipart(key, id, [p3, p1, p2]);
    const got = await store.getBuffer(key);
    expect(got.length).toBe(a.length + b.length + c.length);
    expect(got.equals(Buffer.concat([a, b, c]))).toBe(true);
  });

  it('uploads a local file (single PUT and multipart)', async () => {
    const small = path.join(dir.dir, 'small.bin');
    const big = path.join(dir.dir, 'big.bin');
    fs.writeFileSync(small, randomBytes(1000));
    fs.writeFileSync(big, randomBytes(MIN_PART_BYTES * 2 + 99));
    expect(await store.uploadFile('k/small', small, 'application/octet-stream')).toBe(1000);
    expect(await store.uploadFile('k/big', big, 'application/octet-stream', MIN_PART_BYTES)).toBe(MIN_PART_BYTES * 2 + 99);
    expect((await store.getBuffer('k/big')).equals(fs.readFileSync(big))).toBe(true);
  });

  it('creates a missing bucket, and reports an unreachable server by ping → false and rejected calls', async () => {
    const other = new ObjectStore({ endpoint: server.endpoint, bucket: 'fresh-bucket', region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true });
    await other.ensureBucket();
    await other.put('x', 'y', 'text/plain');
    expect(await other.ping()).toBe(true);
    await server.stop();
    try {
      expect(await other.ping()).toBe(false);
      await expect(other.put('x', 'y', 'text/plain')).rejects.toThrow();
    } finally {
      await server.start();
    }
    expect((await other.getBuffer('x')).toString()).toBe('y'); // same port and directory after restart
    other.close();
  });
});
