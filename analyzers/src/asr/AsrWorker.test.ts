import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AsrHypothesis, AsrOverflow } from './AsrEngine.ts';
import { AsrWorker } from './AsrWorker.ts';
import { PocketSphinxEngine } from './pocketsphinx/PocketSphinxEngine.ts';
import { readWav16 } from './wav.ts';
import { requireSpeechDeps } from '../../../test/support/speechEngines.ts';

const FIXTURE = path.resolve(import.meta.dirname, '../../../.lectern/fixtures/speech-pauses-16k.wav');
const available = requireSpeechDeps('AsrWorker tests', [...PocketSphinxEngine.missingModelFiles(), ...(fs.existsSync(FIXTURE) ? [] : [FIXTURE])]);

// Real decoding on a loaded 2-core machine can take tens of seconds: allow 3 min per test.
describe.skipIf(!available)('AsrWorker (PocketSphinx in a worker thread)', { timeout: 180_000 }, () => {
  it('keeps the main thread responsive while decoding: a 5 ms interval keeps firing, and results match the in-thread engine', async () => {
    const { samples } = readWav16(FIXTURE);
    const worker = await AsrWorker.start({ name: 'pocketsphinx' }, { maxQueuedSec: 60 });
    expect(worker.name).toBe('pocketsphinx');
    expect(worker.description).toMatch(/worker thread/);
    const stream = worker.createStream();
    const hyps: AsrHypothesis[] = [];
    stream.on('hypothesis', (h) => hyps.push(h));
    let ticks = 0;
    const ticksDuringDecode: number[] = [];
    const timer = setInterval(() => {
      ticks++;
    }, 5);
    // Push the whole 29 s file at once (faster than real time), then count interval callbacks
    // while the worker decodes it.
    for (let i = 0; i < samples.length; i += 1600) stream.push(samples.subarray(i, i + 1600), i / 16_000);
    let decodedBefore = stream.stats().decodedSec;
    const progressWhileTicking: number[] = [];
    while (stream.stats().decodedSec < samples.length / 16_000 - 1e-6) {
      const t0 = ticks;
      await new Promise((r) => setTimeout(r, 50));
      ticksDuringDecode.push(ticks - t0);
      progressWhileTicking.push(stream.stats().decodedSec - decodedBefore);
      decodedBefore = stream.stats().decodedSec;
    }
    await stream.flush();
    clearInterval(timer);
    // The main thread ran timers in every 50 ms slice while decoding was in progress.
    expect(ticksDuringDecode.length).toBeGreaterThan(3);
    expect(ticksDuringDecode.every((n) => n >= 1)).toBe(true);
    expect(progressWhileTicking.filter((d) => d > 0).length).toBeGreaterThan(2);
    expect(stream.stats().droppedSec).toBe(0);
    const finals = hyps.filter((h) => h.kind === 'final');
    expect(finals.length).toBeGreaterThanOrEqual(4);

    // Same audio through the in-thread engine gives the same finals.
    const engine = new PocketSphinxEngine();
    const direct = engine.createStream();
    const directFinals: string[] = [];
    direct.on('hypothesis', (h) => {
      if (h.kind === 'final') directFinals.push(h.text);
    });
    for (let i = 0; i < samples.length; i += 1600) direct.push(samples.subarray(i, i + 1600), i / 16_000);
    await direct.close();
    expect(finals.map((f) => f.text)).toEqual(directFinals);
    await stream.close();
    await worker.close();
  });

  it('reports queue overflow instead of dropping silently, and the next utterance carries on', async () => {
    const { samples } = readWav16(FIXTURE);
    const worker = await AsrWorker.start({ name: 'pocketsphinx' }, { maxQueuedSec: 2 });
    const stream = worker.createStream();
    const overflows: AsrOverflow[] = [];
    stream.on('overflow', (o) => overflows.push(o));
    const finals: AsrHypothesis[] = [];
    stream.on('hypothesis', (h) => {
      if (h.kind === 'final') finals.push(h);
    });
    for (let i = 0; i < samples.length; i += 1600) stream.push(samples.subarray(i, i + 1600), i / 16_000);
    const st = stream.stats();
    expect(overflows.length).toBeGreaterThan(0);
    expect(st.overflows).toBe(overflows.length);
    expect(st.pushedSec + st.droppedSec).toBeCloseTo(samples.length / 16_000, 6);
    expect(overflows[overflows.length - 1]!.totalDroppedSec).toBeCloseTo(st.droppedSec, 9);
    expect(overflows[0]!.queuedSec).toBeGreaterThan(1.8);
    await stream.close();
    expect(stream.stats().decodedSec).toBeCloseTo(st.pushedSec, 6);
    expect(finals.length).toBeGreaterThan(0);
    await worker.close();
    expect(() => stream.push(samples, 0)).toThrow(/closed/);
  });

  it('rejects start when the engine cannot load', async () => {
    await expect(AsrWorker.start({ name: 'pocketsphinx', options: { modelDir: '/nonexistent' } })).rejects.toThrow(/model incomplete/);
  });
});
