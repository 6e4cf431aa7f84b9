import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AsrEngine, AsrStream } from '../asr/AsrEngine.ts';
import { AsrWorkerPool } from '../asr/AsrWorkerPool.ts';
import { PocketSphinxEngine } from '../asr/pocketsphinx/PocketSphinxEngine.ts';
import { readWav16 } from '../asr/wav.ts';
import { SileroVad } from '../voice/SileroVad.ts';
import { fixturesDir } from '../../../test/support/fixtures.ts';
import { requireSpeechDeps } from '../../../test/support/speechEngines.ts';
import { AnalyzerProcess } from './AnalyzerProcess.ts';
import type { ChildMessage } from './protocol.ts';

const FIXTURE = path.join(fixturesDir, 'speech-pauses-16k.wav');
const available = requireSpeechDeps('AnalyzerProcess ASR tests', [...PocketSphinxEngine.missingModelFiles(), ...(fs.existsSync(FIXTURE) ? [] : [FIXTURE])]);

const start = { type: 'start-audio', streamId: 's1', roomId: 'r1', producerId: 'p1', payloadType: 111, ssrc: 42, clockRate: 48000, channels: 1 } as const;

// The stream's audio is pushed straight into the recogniser stream the process created (RTP and
// the voice stage are covered by main.test.ts); the recogniser is a real PocketSphinx worker pool.
describe.skipIf(!available)('AnalyzerProcess with a real ASR worker pool: shedding and ASR stats', { timeout: 180_000 }, () => {
  let model: SileroVad;
  let pool: AsrWorkerPool;
  const created: AsrStream[] = [];
  let engine: AsrEngine;
  beforeAll(async () => {
    model = await SileroVad.shared();
    pool = await AsrWorkerPool.start({ name: 'pocketsphinx' }, { threads: 1, maxQueuedSec: 60 });
    engine = {
      name: pool.name,
      description: pool.description,
      createStream: (o) => {
        const s = pool.createStream(o);
        created.push(s);
        return s;
      },
      close: () => pool.close(),
    };
  }, 60_000);
  afterAll(async () => {
    await pool?.close();
  });

  it('announces partial shedding in asr:status and analyzer:status, clears it, and reports backlog and RTF in stats', async () => {
    const sent: ChildMessage[] = [];
    const status = { engine: 'pocketsphinx', reason: 'test' };
    const h = new AnalyzerProcess(model, (m) => sent.push(m), { vad: model.engine }, { engine, status });
    await h.handleMessage(start);
    const asr = created.at(-1)!;
    const { samples } = readWav16(FIXTURE);
    for (let i = 0; i < samples.length; i += 1600) {
      asr.push(samples.subarray(i, i + 1600), i / 16_000);
      if (i % 80_000 === 78_400) asr.endUtterance(); // every 5 s, as VAD pauses would (external segmentation)
    }

    h.sendStats();
    const stats1 = sent.filter((m) => m.type === 'stats').at(-1)!;
    expect(stats1).toMatchObject({ streamId: 's1', asrBacklogSec: expect.any(Number), asrRtf: expect.any(Number) });
    expect((stats1 as { asrBacklogSec: number }).asrBacklogSec).toBeGreaterThan(5);

    await asr.flush();
    h.sendStats();
    const stats2 = sent.filter((m) => m.type === 'stats').at(-1) as { asrBacklogSec: number; asrRtf: number };
    expect(stats2.asrBacklogSec).toBe(0);
    expect(stats2.asrRtf).toBeGreaterThan(0);

    const room = sent.flatMap((m) => (m.type === 'room' ? [m.message] : []));
    const asrStatuses = room.filter((m) => m.event === 'asr:status').map((m) => m.payload);
    expect(asrStatuses[0]).toEqual(status); // at start
    expect(asrStatuses[1]).toMatchObject({ engine: 'pocketsphinx', partialsShed: true, reason: expect.stringMatching(/partial captions are withheld/) });
    expect(asrStatuses.at(-1)).toMatchObject({ engine: 'pocketsphinx', partialsShed: false, reason: expect.stringMatching(/caught up/) });
    const analyzerStatuses = room.filter((m) => m.event === 'analyzer:status').map((m) => m.payload);
    expect(analyzerStatuses).toContainEqual(expect.objectContaining({ state: 'running', shed: ['asr-partials'], reason: expect.stringMatching(/behind/) }));
    expect(analyzerStatuses.at(-1)).toMatchObject({ state: 'running', shed: [] });
    // Captions still came while shed: finals.
    const captions = room.filter((m) => m.event === 'captions:update').map((m) => m.payload as { kind: string });
    expect(captions.filter((c) => c.kind === 'final').length).toBeGreaterThanOrEqual(3);

    await h.handleMessage({ type: 'stop', streamId: 's1' });
    expect(sent.at(-1)).toMatchObject({ type: 'room', message: { event: 'analyzer:status', payload: { state: 'stopped' } } });
  });
});
