import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { installModel } from './installModel.ts';
import type { ModelEntry } from './ModelManifest.ts';
import { validateManifest, loadManifest } from './ModelManifest.ts';
import { ModelInstallError } from './ModelInstallError.ts';
import { STAMP_FILE } from './paths.ts';
import { verifyInstalled } from './verifyInstalled.ts';

/** Builds a small real tar.bz2 (random "model" files under one root dir) with Debian tar. */
function buildArchive(dir: string, name: string, files: Record<string, Buffer>): Buffer {
  const src = path.join(dir, `src-${name}`);
  fs.mkdirSync(path.join(src, 'm-root'), { recursive: true });
  for (const [rel, data] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(src, 'm-root', rel)), { recursive: true });
    fs.writeFileSync(path.join(src, 'm-root', rel), data);
  }
  const out = path.join(dir, name);
  execFileSync('tar', ['-cjf', out, '-C', src, 'm-root']);
  return fs.readFileSync(out);
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let work: string;
let good: Buffer;
let incomplete: Buffer;
let server: http.Server;
let base: string;
/** Bytes the server sent per path (to see that a resume fetched only the rest). */
const sent = new Map<string, number>();
/** When set, /model.tar.bz2 sends only this many bytes then drops the connection. */
let cutAfter: number | null = null;

function entry(overrides: Partial<ModelEntry> = {}): ModelEntry {
  return {
    name: 'test-model',
    version: '1',
    kind: 'test',
    description: 'test archive',
    url: `${base}/model.tar.bz2`,
    sha256: sha(good),
    sizeBytes: good.length,
    licence: 'Apache-2.0',
    archive: { format: 'tar.bz2', root: 'm-root' },
    files: { encoder: 'encoder.onnx', tokens: 'sub/tokens.txt' },
    ...overrides,
  };
}

function storeListing(store: string): string[] {
  return fs.existsSync(store) ? fs.readdirSync(store).filter((n) => n !== '.downloads') : [];
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'lectern-models-'));
  // Incompressible content so the archive is large enough to cut in the middle.
  const enc = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919 + (i >> 3) * 131) & 0xff));
  good = buildArchive(work, 'good.tar.bz2', { 'encoder.onnx': enc, 'sub/tokens.txt': Buffer.from('<blk> 0\n▁THE 1\n') });
  incomplete = buildArchive(work, 'incomplete.tar.bz2', { 'encoder.onnx': enc });
  server = http.createServer((req, res) => {
    const url = req.url ?? '';
    const body = url.startsWith('/model.tar.bz2') ? good : url.startsWith('/incomplete.tar.bz2') ? incomplete : url.startsWith('/other.tar.bz2') ? Buffer.concat([good.subarray(0, good.length - 1), Buffer.from([good[good.length - 1]! ^ 0xff])]) : null;
    if (!body) {
      res.writeHead(404).end('not found');
      return;
    }
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range) start = Number(range[1]);
    const chunk = body.subarray(start);
    const headers = { 'content-length': String(chunk.length), 'content-type': 'application/x-bzip2' };
    if (range) res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` });
    else res.writeHead(200, headers);
    if (cutAfter !== null && url.startsWith('/model.tar.bz2')) {
      const part = chunk.subarray(0, cutAfter);
      sent.set(url, (sent.get(url) ?? 0) + part.length);
      // Half-close after the partial body (FIN, not RST, so the client reads every byte sent).
      res.write(part, () => res.socket?.end());
      return;
    }
    sent.set(url, (sent.get(url) ?? 0) + chunk.length);
    res.end(chunk);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  fs.rmSync(work, { recursive: true, force: true });
});

let store: string;
beforeEach(() => {
  store = fs.mkdtempSync(path.join(work, 'store-'));
  cutAfter = null;
  sent.clear();
});

describe('installModel against a local HTTP server', () => {
  it('downloads, verifies, unpacks and stamps a good archive; a second run is a no-op', async () => {
    const progress: number[] = [];
    const r = await installModel(entry(), { storeDir: store, mirrorDir: null, onProgress: (p) => progress.push(p.receivedBytes) });
    expect(r.status).toBe('installed');
    expect(r.dir).toBe(path.join(store, 'test-model'));
    expect(fs.readFileSync(path.join(r.dir, 'sub/tokens.txt'), 'utf8')).toContain('▁THE');
    expect(progress[progress.length - 1]).toBe(good.length);
    const v = await verifyInstalled(entry(), { storeDir: store });
    expect(v.ok).toBe(true);
    if (v.ok) expect(v.files.encoder).toBe(path.join(r.dir, 'encoder.onnx'));
    expect(storeListing(store)).toEqual(['test-model']);
    expect(fs.readdirSync(path.join(store, '.downloads'))).toEqual([]);
    const again = await installModel(entry(), { storeDir: store, mirrorDir: null });
    expect(again.status).toBe('present');
  });

  it('rejects a checksum mismatch, deletes the file and installs nothing', async () => {
    const bad = entry({ url: `${base}/other.tar.bz2` });
    await expect(installModel(bad, { storeDir: store, mirrorDir: null })).rejects.toMatchObject({ code: 'checksum-mismatch' });
    expect(storeListing(store)).toEqual([]);
    expect(fs.readdirSync(path.join(store, '.downloads'))).toEqual([]);
    expect((await verifyInstalled(bad, { storeDir: store })).ok).toBe(false);
  });

  it('reports a truncated download, keeps the partial file, and resumes it with a Range request', async () => {
    cutAfter = Math.floor(good.length / 3);
    const err = await installModel(entry(), { storeDir: store, mirrorDir: null }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelInstallError);
    expect((err as ModelInstallError).code).toBe('truncated');
    expect((err as Error).message).toMatch(/resume/);
    expect(storeListing(store)).toEqual([]);
    const part = path.join(store, '.downloads', 'model.tar.bz2.part');
    // fetch may discard the last chunks it had queued when the connection breaks (a stream
    // error drops queued chunks), so the partial file holds at most what the server sent.
    const kept = fs.statSync(part).size;
    expect(kept).toBeLessThanOrEqual(cutAfter);
    cutAfter = null;
    sent.clear();
    const r = await installModel(entry(), { storeDir: store, mirrorDir: null });
    expect(r.status).toBe('installed');
    expect(sent.get('/model.tar.bz2')).toBe(good.length - kept);
    expect((await verifyInstalled(entry(), { storeDir: store })).ok).toBe(true);
  });

  it('resumes an existing partial file with a Range request (only the rest is transferred)', async () => {
    fs.mkdirSync(path.join(store, '.downloads'), { recursive: true });
    const third = Math.floor(good.length / 3);
    fs.writeFileSync(path.join(store, '.downloads', 'model.tar.bz2.part'), good.subarray(0, third));
    const r = await installModel(entry(), { storeDir: store, mirrorDir: null });
    expect(r.status).toBe('installed');
    expect(sent.get('/model.tar.bz2')).toBe(good.length - third);
    expect((await verifyInstalled(entry(), { storeDir: store })).ok).toBe(true);
  });

  it('copies from a local mirror directory without any network', async () => {
    const mirror = fs.mkdtempSync(path.join(work, 'mirror-'));
    fs.writeFileSync(path.join(mirror, 'model.tar.bz2'), good);
    const r = await installModel(entry({ url: 'http://127.0.0.1:9/model.tar.bz2' }), { storeDir: store, mirrorDir: mirror });
    expect(r.status).toBe('installed');
    expect((await verifyInstalled(entry(), { storeDir: store })).ok).toBe(true);
    const empty = fs.mkdtempSync(path.join(work, 'mirror-'));
    await expect(installModel(entry(), { storeDir: fs.mkdtempSync(path.join(work, 'store-')), mirrorDir: empty })).rejects.toMatchObject({ code: 'download-failed' });
  });

  it('is atomic: an archive lacking an expected file leaves no model dir and no temp dir', async () => {
    const e = entry({ url: `${base}/incomplete.tar.bz2`, sha256: sha(incomplete), sizeBytes: incomplete.length });
    await expect(installModel(e, { storeDir: store, mirrorDir: null })).rejects.toMatchObject({ code: 'missing-files' });
    expect(storeListing(store)).toEqual([]);
    // A failed reinstall keeps the earlier good copy intact.
    await installModel(entry(), { storeDir: store, mirrorDir: null });
    await expect(installModel({ ...e, name: 'test-model' }, { storeDir: store, mirrorDir: null, force: true })).rejects.toMatchObject({ code: 'missing-files' });
    expect(storeListing(store)).toEqual(['test-model']);
    expect((await verifyInstalled(entry(), { storeDir: store })).ok).toBe(true);
  });

  it('rejects a wrong size before hashing and an HTTP error with its status', async () => {
    await expect(installModel(entry({ sizeBytes: good.length + 10 }), { storeDir: store, mirrorDir: null })).rejects.toMatchObject({ code: 'truncated' });
    await expect(installModel(entry({ url: `${base}/nope.tar.bz2` }), { storeDir: fs.mkdtempSync(path.join(work, 'store-')), mirrorDir: null })).rejects.toThrow(/HTTP 404/);
    expect(storeListing(store)).toEqual([]);
  });

  it('refuses an entry without a checksum unless trustUnverified, and verifyInstalled then refuses to vouch for it', async () => {
    const e = entry({ sha256: null });
    await expect(installModel(e, { storeDir: store, mirrorDir: null })).rejects.toMatchObject({ code: 'unverified' });
    expect(sent.size).toBe(0);
    const r = await installModel(e, { storeDir: store, mirrorDir: null, trustUnverified: true });
    expect(r.status).toBe('installed');
    expect((await verifyInstalled(e, { storeDir: store })).ok).toBe(false);
    expect((await verifyInstalled(e, { storeDir: store, allowUnverified: true })).ok).toBe(true);
  });

  it('verifyInstalled detects a modified or truncated file and a missing stamp', async () => {
    const r = await installModel(entry(), { storeDir: store, mirrorDir: null });
    const enc = path.join(r.dir, 'encoder.onnx');
    const data = fs.readFileSync(enc);
    data[100] = data[100]! ^ 1;
    fs.writeFileSync(enc, data);
    const v1 = await verifyInstalled(entry(), { storeDir: store });
    expect(v1.ok).toBe(false);
    if (!v1.ok) expect(v1.reason).toMatch(/sha256/);
    fs.truncateSync(enc, 10);
    const v2 = await verifyInstalled(entry(), { storeDir: store, hash: false });
    expect(v2.ok).toBe(false);
    if (!v2.ok) expect(v2.reason).toMatch(/bytes/);
    fs.rmSync(path.join(r.dir, STAMP_FILE));
    expect((await verifyInstalled(entry(), { storeDir: store })).ok).toBe(false);
  });
});

describe('manifest', () => {
  it('the shipped manifest is valid and pins the sherpa-onnx English streaming model', () => {
    const m = loadManifest();
    const e = m.models.find((x) => x.name === 'sherpa-onnx-streaming-zipformer-en-2023-06-26');
    expect(e?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(e?.licence).toBe('Apache-2.0');
    expect(Object.keys(e?.files ?? {})).toEqual(['encoder', 'decoder', 'joiner', 'tokens']);
  });

  it('rejects unsafe paths and bad checksums', () => {
    const base = { schemaVersion: 1, models: [{ ...entry(), files: { x: '../etc/passwd' } }] };
    expect(() => validateManifest(base)).toThrow(/relative path/);
    expect(() => validateManifest({ schemaVersion: 1, models: [{ ...entry(), sha256: 'abc' }] })).toThrow(/sha256/);
  });
});
