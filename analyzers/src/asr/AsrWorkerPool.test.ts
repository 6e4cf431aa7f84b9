import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AsrHypothesis, AsrShedding } from './AsrEngine.ts';
import { AsrWorkerPool } from './AsrWorkerPool.ts';
import { PocketSphinxEngine } from './pocketsphinx/PocketSphinxEngine.ts';
import { readWav16 } from './wav.ts';
import { requireSpeechDeps } from '../../../test/support/speechEngines.ts';
import { fixturesDir } from '../../../test/support/fixtures.ts';

const FIXTURE = path.join(fixturesDir, 'speech-pauses-16k.wav');
const META = path.join(fixturesDir, 'speech-pauses.json');
const available = requireSpeechDeps('AsrWorkerPool tests', [...PocketSphinxEngine.missingModelFiles(), ...[FIXTURE, META].filter((f) => !fs.existsSync(f))]);

/** The first spoken segment of the fixture (≈ 3–5 s of speech) as 16 kHz samples. */
function firstSegment(samples: Float32Array): Float32Array {
  const seg = (JSON.parse(fs.readFileSync(META, 'utf8')) as { segments: { startSec: number; endSec: number }[] }).segments[0]!;
  return samples.subarray(Math.floor(seg.startSec * 16_000), Math.ceil(seg.endSec * 16_000));
}

const pushAll = (s: { push(x: Float32Array, t: number): void }, x: Float32Array, t0 = 0): void => {
  for (let i = 0; i < x.length; i += 1600) s.push(x.subarray(i, i + 1600), t0 + i / 16_000);
};

// Real decoding on a loaded 2-core machine can take tens of seconds: allow 3 min per test.
describe.skipIf(!available)('AsrWorkerPool (PocketSphinx worker threads)', { timeout: 180_000 }, () => {
  let pool: AsrWorkerPool | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it('pins streams to the least-loaded thread', async () => {
    pool = await AsrWorkerPool.start({ name: 'pocketsphinx' }, { threads: 2 });
    expect(pool.threads).toBe(2);
    expect(pool.description).toMatch(/2 worker threads/);
    const a = pool.createStream();
    const b = pool.createStream();
    const c = pool.createStream();
    expect(pool.streamsPerThread).toEqual([2, 1]);
    expect(new Set([pool.workerIndexOf(a), pool.workerIndexOf(b)])).toEqual(new Set([0, 1]));
    await b.close();
    expect(pool.streamsPerThread).toEqual([2, 0]);
    expect(pool.workerIndexOf(pool.createStream())).toBe(1);
    await Promise.all([a.close(), c.close()]);
  });

  it.each([1, 2])('with %i thread(s), a stream is not held up by another stream\'s backlog', async (threads) => {
    const { samples } = readWav16(FIXTURE);
    pool = await AsrWorkerPool.start({ name: 'pocketsphinx' }, { threads, maxQueuedSec: 60 });
    const busy = pool.createStream({ segmentation: 'external' });
    const quiet = pool.createStream({ segmentation: 'external' });
    const quietFinals: AsrHypothesis[] = [];
    quiet.on('hypothesis', (h) => {
      if (h.kind === 'final') quietFinals.push(h);
    });
    // Let both decoders load, then give `busy` a 29 s backlog and `quiet` one short utterance.
    await Promise.all([busy.flush(), quiet.flush()]);
    pushAll(busy, samples);
    const segment = firstSegment(samples);
    pushAll(quiet, segment);
    quiet.endUtterance();
    await quiet.flush();
    // `quiet`'s utterance was recognised while most of `busy`'s audio still waited: with one shared
    // FIFO it would have come only after all 29 s of it.
    expect(quietFinals.length).toBe(1);
    expect(quietFinals[0]!.words.length).toBeGreaterThan(3);
    const busyStats = busy.stats();
    expect(busyStats.decodedSec).toBeLessThan(busyStats.pushedSec / 2);
    expect(busyStats.queuedSec).toBeGreaterThan(busyStats.pushedSec / 2);
    await busy.flush();
    expect(busy.stats().queuedSec).toBe(0);
    await Promise.all([busy.close(), quiet.close()]);
  });

  it('sheds partials while a stream is more than 5 s behind (the default bound), keeps finals, and resumes when it caught up', async () => {
    const { samples } = readWav16(FIXTURE);
    pool = await AsrWorkerPool.start({ name: 'pocketsphinx' }, { threads: 1, maxQueuedSec: 60 });
    const s = pool.createStream();
    const log: (AsrHypothesis | AsrShedding)[] = [];
    s.on('hypothesis', (h) => log.push(h));
    s.on('shedding', (sh) => log.push(sh));
    await s.flush();

    // Paced well below the bound: partials, no shedding.
    const segment = firstSegment(samples);
    for (let i = 0; i < segment.length; i += 1600) {
      s.push(segment.subarray(i, i + 1600), i / 16_000);
      while (s.backlogSec > 0.5) await new Promise((r) => setTimeout(r, 5));
    }
    await s.flush();
    expect(log.some((e) => 'kind' in e && e.kind === 'partial')).toBe(true);
    expect(log.some((e) => 'partialsShed' in e)).toBe(false);

    // 29 s at once: shedding on at > 5 s; finals only while shed; off again once drained.
    log.length = 0;
    pushAll(s, samples, 60);
    await s.flush();
    const on = log.findIndex((e) => 'partialsShed' in e && e.partialsShed);
    const off = log.findIndex((e) => 'partialsShed' in e && !e.partialsShed);
    expect(on).toBe(0);
    expect(log[0]).toMatchObject({ partialsShed: true, backlogSec: expect.any(Number), reason: expect.stringMatching(/partial captions are withheld.*final captions still come/) });
    expect((log[0] as AsrShedding).backlogSec).toBeGreaterThan(5);
    expect(off).toBeGreaterThan(on);
    expect(log[off]).toMatchObject({ partialsShed: false, reason: expect.stringMatching(/caught up/) });
    const whileShed = log.slice(on + 1, off);
    expect(whileShed.filter((e) => 'kind' in e && e.kind === 'partial')).toEqual([]);
    expect(whileShed.filter((e) => 'kind' in e && e.kind === 'final').length).toBeGreaterThanOrEqual(3);
    expect(s.stats()).toMatchObject({ partialsShed: false, droppedSec: 0 });
    expect(s.stats().decodeSec).toBeGreaterThan(0);
    await s.close();
  });

  it('rejects a bad thread count', async () => {
    await expect(AsrWorkerPool.start({ name: 'pocketsphinx' }, { threads: 0 })).rejects.toThrow(RangeError);
  });
});
