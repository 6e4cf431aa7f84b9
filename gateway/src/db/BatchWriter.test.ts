import { afterEach, describe, expect, it, vi } from 'vitest';
import { BatchWriter } from './BatchWriter.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('BatchWriter timing (fake clock)', () => {
  it('writes a row at most maxDelayMs after it was pushed, also when it arrived during a slow write', async () => {
    vi.useFakeTimers({ now: 0 });
    const maxDelayMs = 300;
    const writeMs = 400; // a slow INSERT, longer than maxDelayMs
    /** Wait of each row: write start − push time. */
    const waits: number[] = [];
    const writer = new BatchWriter<{ pushedAtMs: number }>({
      name: 'test',
      maxDelayMs,
      write: async (rows) => {
        for (const r of rows) waits.push(Date.now() - r.pushedAtMs);
        await new Promise((r) => setTimeout(r, writeMs));
      },
    });
    // One row every 100 ms for 3 s (the live voice rate).
    for (let t = 0; t < 3000; t += 100) {
      writer.push({ pushedAtMs: Date.now() });
      await vi.advanceTimersByTimeAsync(100);
    }
    await vi.advanceTimersByTimeAsync(2000);
    expect(waits).toHaveLength(30);
    // A row pushed during a write goes when that write ends if it waited maxDelayMs by then; never
    // maxDelayMs after the write (that was up to writeMs + maxDelayMs = 700 ms).
    expect(Math.max(...waits)).toBeLessThanOrEqual(Math.max(maxDelayMs, writeMs) + 5); // + the 1 ms of setTimeout(0)
    await writer.close();
  });

  it('waits maxDelayMs for a lone row (no write per row)', async () => {
    vi.useFakeTimers({ now: 0 });
    const writes: number[] = [];
    const writer = new BatchWriter<number>({ name: 'test', maxDelayMs: 500, write: async (rows) => void writes.push(rows.length) });
    writer.push(1);
    await vi.advanceTimersByTimeAsync(499);
    writer.push(2);
    expect(writes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(writes).toEqual([2]);
    await writer.close();
  });
});
