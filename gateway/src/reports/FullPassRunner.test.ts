import { getEventListeners } from 'node:events';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { speechFixture } from '../../../test/support/fixtures.ts';
import { tempDir } from '../testing/services.ts';
import { runFullPass, runReadAloud } from './FullPassRunner.ts';

describe('FullPassRunner', () => {
  it('runs the full pass in a child process and leaves no listener on the node-long shutdown signal, whatever the outcome', async () => {
    const fx = speechFixture();
    const shutdown = new AbortController();
    const stages = new Set<string>();
    const result = await runFullPass(fx.wav16k, (stage) => stages.add(stage), { signal: shutdown.signal, nice: 0 });
    expect(result.durationSec).toBeCloseTo(fx.durationSec, 0);
    expect(result.scoringInput.words.length).toBeGreaterThan(20);
    expect(stages.size).toBeGreaterThan(0);
    // A failure (not decodable) settles the same way.
    const tmp = tempDir('fullpass');
    await expect(runReadAloud(path.join(tmp.dir, 'missing.wav'), 'hello there', { signal: shutdown.signal })).rejects.toThrow();
    tmp.cleanup();
    // Each run's abort listener held its child process and result for the node's life (soak: +0.2–0.6 MiB per session).
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
  }, 120_000);

  it('kills the child and rejects when the shutdown signal fires', async () => {
    const fx = speechFixture();
    const shutdown = new AbortController();
    const run = runFullPass(fx.wav16k, () => {}, { signal: shutdown.signal, nice: 0 });
    setTimeout(() => shutdown.abort(), 500);
    await expect(run).rejects.toThrow(/cancelled \(shutting down\)/);
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
  }, 60_000);
});
