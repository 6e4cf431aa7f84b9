/**
 * Property-based fuzzing of the audio upload (#13): `POST /v1/drills/read-aloud` (the only route
 * taking a file; gateway/src/reports/ReportsApi.ts, READ_ALOUD_TYPES) on a real gateway, with
 * malformed WAV and WebM made by fast-check from real ones: truncated headers, RIFF/data sizes that
 * lie, impossible formats (0 channels, 0 Hz, 0 bits), EBML headers cut short or followed by random
 * bytes, random bytes and empty bodies, each under every audio content type. Every attempt forks
 * the full-pass child (ffmpeg + ASR), so the case count is small (`FUZZ_RUNS` scales it).
 *
 * Properties: every answer is 4xx (400 empty, 413 too large, 422 undecodable — never 5xx) with a
 * Problem+JSON body that says what is wrong; no `lectern-drill-*` temp directory and no child
 * process is left behind; a valid WAV afterwards is still scored (200).
 *
 * Prints `[fuzz] upload seed=… cases=…` (replay: `FUZZ_SEED=<seed> npx vitest run test/fuzz/upload.fuzz.test.ts`).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LecternNode, startLectern } from '@lectern/gateway';
import { READ_ALOUD_MAX_BYTES, READ_ALOUD_TYPES } from '../../gateway/src/reports/ReportsApi.ts';
import { Database } from '../../gateway/src/db/Database.ts';
import { createTestAccount, type TestAccount } from '../../gateway/src/testing/access.ts';
import { TEST_DATABASE_URL, tempDir, uniqueSchema, waitUntil } from '../../gateway/src/testing/services.ts';
import { FaultRecorder, fuzzRuns, fuzzSeed } from './support.ts';

const RUNS = fuzzRuns(24);
const work = tempDir('fuzz-upload');
let db: Database;
let node: LecternNode;
let owner: TestAccount;
let wav: Buffer;
let webm: Buffer;
const faults = new FaultRecorder();

/** Pids of this process's children (the gateway's mediasoup worker, analyzer, full-pass children). */
function childPids(): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid) out.push(Number(d));
    } catch {
      // The process ended while listing.
    }
  }
  return out.sort();
}
const drillDirs = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('lectern-drill-'));

beforeAll(async () => {
  db = await Database.connect({ url: TEST_DATABASE_URL, schema: uniqueSchema('fuzz_upload') });
  node = await startLectern(
    { port: 0, sfuWorkers: 1, analyzerProcesses: 1, poseProcesses: 0, recording: false, logLevel: 'silent', dataDir: path.join(work.dir, 'node') },
    { database: db },
  );
  owner = await createTestAccount(node, { role: 'owner' });
  // Real files to break: 1.5 s of a tone as 16-bit WAV and as Opus WebM (what MediaRecorder sends).
  const wavFile = path.join(work.dir, 'tone.wav');
  const webmFile = path.join(work.dir, 'tone.webm');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=220:duration=1.5:sample_rate=16000', '-c:a', 'pcm_s16le', wavFile]);
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=220:duration=1.5:sample_rate=48000', '-c:a', 'libopus', webmFile]);
  wav = fs.readFileSync(wavFile);
  webm = fs.readFileSync(webmFile);
  faults.start();
}, 120_000);

afterAll(async () => {
  faults.stop();
  await node?.close();
  await db?.dropSchema();
  await db?.close();
  work.cleanup();
});

/** A WAV with one header field replaced (offsets of the canonical 44-byte header). */
const wavField = (offset: number, bytes: number, value: number) => {
  const b = Buffer.from(wav);
  if (bytes === 2) b.writeUInt16LE(value & 0xffff, offset);
  else b.writeUInt32LE(value >>> 0, offset);
  return b;
};
const malformed = (): fc.Arbitrary<{ kind: string; body: Buffer }> => {
  const tag = (kind: string) => (body: Buffer) => ({ kind, body });
  return fc.oneof(
    fc.nat(60).map((n) => wav.subarray(0, n)).map(tag('wav-truncated-header')),
    fc.nat(wav.length - 1).map((n) => wav.subarray(0, n)).map(tag('wav-truncated')),
    fc.constantFrom(0, 1, 36, 0x7fffffff, 0xffffffff).map((v) => wavField(4, 4, v)).map(tag('wav-riff-size-lies')),
    fc.constantFrom(0, 1, 0x7fffffff, 0xffffffff).map((v) => wavField(40, 4, v)).map(tag('wav-data-size-lies')),
    fc.constantFrom(0, 3, 0xfffe, 0xffff).map((v) => wavField(20, 2, v)).map(tag('wav-format-code')),
    fc.constantFrom(0, 255, 0xffff).map((v) => wavField(22, 2, v)).map(tag('wav-channels')),
    fc.constantFrom(0, 1, 0xffffffff).map((v) => wavField(24, 4, v)).map(tag('wav-sample-rate')),
    fc.constantFrom(0, 1, 7, 64, 0xffff).map((v) => wavField(34, 2, v)).map(tag('wav-bits')),
    fc.tuple(fc.nat(wav.length - 45), fc.uint8Array({ minLength: 1, maxLength: 512 })).map(([at, junk]) => {
      const b = Buffer.from(wav);
      Buffer.from(junk).copy(b, 44 + at);
      return b.subarray(0, Math.max(44, b.length));
    }).map(tag('wav-header-ok-junk-inside')),
    fc.nat(80).map((n) => webm.subarray(0, n)).map(tag('webm-truncated-header')),
    fc.tuple(fc.nat(40), fc.uint8Array({ minLength: 100, maxLength: 20_000 })).map(([n, junk]) => Buffer.concat([webm.subarray(0, n + 4), Buffer.from(junk)])).map(tag('webm-header-then-random')),
    fc.tuple(fc.integer({ min: 60, max: webm.length - 1 }), fc.uint8Array({ minLength: 1, maxLength: 64 })).map(([at, junk]) => {
      const b = Buffer.from(webm);
      Buffer.from(junk).copy(b, at);
      return b;
    }).map(tag('webm-corrupted')),
    fc.uint8Array({ minLength: 1, maxLength: 50_000 }).map((a) => Buffer.from(a)).map(tag('random')),
    fc.constant(Buffer.alloc(0)).map(tag('empty')),
  );
};

describe('malformed audio uploads (read-aloud drill)', () => {
  it(`answers ${RUNS} malformed WAV/WebM uploads with a clear 4xx and leaves no temp file or child process`, async () => {
    const dirsBefore = drillDirs().length;
    const childrenBefore = childPids();
    const seed = fuzzSeed();
    console.log(`[fuzz] upload seed=${seed} cases=${RUNS} (replay: FUZZ_SEED=${seed})`);
    const byStatus: Record<string, number> = Object.create(null);
    const byKind: Record<string, string[]> = Object.create(null);
    const t0 = performance.now();
    await fc.assert(
      fc.asyncProperty(malformed(), fc.constantFrom(...READ_ALOUD_TYPES), async ({ kind, body }, contentType) => {
        const res = await node.http.inject({
          method: 'POST',
          url: `/v1/drills/read-aloud?target=${encodeURIComponent('The quick brown fox')}`,
          headers: { authorization: `Bearer ${owner.accessToken}`, 'content-type': contentType },
          payload: body,
        });
        byStatus[res.statusCode] = (byStatus[res.statusCode] ?? 0) + 1;
        (byKind[kind] ??= []).push(String(res.statusCode));
        const what = `${kind} (${body.length} B, ${contentType}) → ${res.statusCode} ${res.body.slice(0, 300)}`;
        // A damaged file may still hold decodable audio (a cut WAV, a WebM with one bad block): then 200.
        if (res.statusCode === 200) return;
        if (res.statusCode < 400 || res.statusCode >= 500) throw new Error(`not a 4xx: ${what}`);
        if (!/^application\/problem\+json/.test(String(res.headers['content-type']))) throw new Error(`not Problem+JSON: ${what}`);
        const p = res.json() as { status: number; detail?: string };
        if (p.status !== res.statusCode || !p.detail) throw new Error(`problem without detail: ${what}`);
        if (faults.faults.length > 0) throw new Error(`${faults.faults.join('\n')}\nafter ${what}`);
      }),
      { seed, numRuns: RUNS },
    );
    const elapsedSec = Math.round((performance.now() - t0) / 100) / 10;

    // Too large → 413 before anything is written.
    const big = await node.http.inject({
      method: 'POST', url: '/v1/drills/read-aloud?target=hello',
      headers: { authorization: `Bearer ${owner.accessToken}`, 'content-type': 'audio/wav' }, payload: Buffer.alloc(READ_ALOUD_MAX_BYTES + 1),
    });
    expect(big.statusCode).toBe(413);
    expect(String(big.headers['content-type'])).toMatch(/^application\/problem\+json/);

    await waitUntil(() => childPids().join() === childrenBefore.join(), 10_000, `children back to ${childrenBefore.join(',')} (now ${childPids().join(',')})`);
    console.log(`[fuzz] upload done: ${JSON.stringify({ seed, cases: RUNS, elapsedSec, byStatus, byKind, drillDirsLeft: drillDirs().length - dirsBefore, children: childPids().length })}`);
    expect(faults.faults).toEqual([]);
    expect(drillDirs().length).toBeLessThanOrEqual(dirsBefore);

    // Still serving: the intact WAV is scored.
    const ok = await node.http.inject({
      method: 'POST', url: '/v1/drills/read-aloud?target=hello',
      headers: { authorization: `Bearer ${owner.accessToken}`, 'content-type': 'audio/wav' }, payload: wav,
    });
    expect(ok.statusCode, ok.body).toBe(200);
  }, 600_000);
});
