import type { CaptionWord } from '@lectern/contract';
import { AsrWorker } from '../asr/AsrWorker.ts';
import type { AsrEngineSpec } from '../asr/selectEngine.ts';
import { analyzeLanguageOffline, type OfflineLanguageResult } from '../fluency/offlineLanguageAnalysis.ts';
import { FluencyTracker } from '../fluency/FluencyTracker.ts';
import type { PauseSpan } from '../fluency/FluencyTypes.ts';

const RATE = 16_000;

/**
 * Cut points (sample indices) splitting a recording into `parts` pieces of about equal length,
 * each cut in the middle of the finished pause nearest to the ideal position, so no word is cut.
 * Parts whose ideal cut has no pause within ±30 s are merged (fewer, longer parts).
 * @returns ascending sample indices strictly inside (0, totalSamples).
 */
export function cutPoints(totalSamples: number, pauses: readonly PauseSpan[], parts: number): number[] {
  const cuts: number[] = [];
  for (let k = 1; k < parts; k++) {
    const ideal = (totalSamples * k) / parts / RATE;
    let best: number | null = null;
    for (const p of pauses) {
      const mid = (p.startSec + p.endSec) / 2;
      if (Math.abs(mid - ideal) <= 30 && (best === null || Math.abs(mid - ideal) < Math.abs(best - ideal))) best = mid;
    }
    if (best === null) continue;
    const at = Math.round(best * RATE);
    if (at > (cuts.at(-1) ?? 0) && at < totalSamples) cuts.push(at);
  }
  return cuts;
}

/**
 * The language pass of `analyzeLanguageOffline` split over `parts` worker threads (one ASR engine
 * each, {@link AsrWorker}), so a long recording's recognition uses every core. The recording is cut
 * in pauses ({@link cutPoints}); each part is analysed exactly as the whole would be (external
 * segmentation at the same pauses, same filled-pause detector), and the utterances, filled pauses
 * and pauses are merged on the whole recording's time line into one {@link FluencyTracker}, so the
 * summary (pace, fillers, repetitions, hedges) is computed as for a single pass. Differences from a
 * single pass: none in segmentation (cuts are at pauses, which end utterances anyway); the filled-
 * pause detector restarts at each cut (a cut lies in silence).
 * @param samples 16 kHz mono PCM of the whole recording.
 * @param pauses the voice analysis' finished pauses (seconds).
 * @param spec the ASR engine to start in each worker.
 * @param parts worker threads to use (≥ 2; fewer when there are not enough pauses to cut at).
 * @param onPartDone called as each part finishes (done count, total parts).
 * @throws whatever an engine throws (every worker is closed first).
 */
export async function analyzeLanguageParallel(
  samples: Float32Array,
  pauses: readonly PauseSpan[],
  spec: AsrEngineSpec,
  parts: number,
  onPartDone?: (done: number, total: number) => void,
): Promise<OfflineLanguageResult> {
  const bounds = [0, ...cutPoints(samples.length, pauses, parts), samples.length];
  const pieces = bounds.slice(0, -1).map((a, i) => ({ a, b: bounds[i + 1]! }));
  const engines = await Promise.all(pieces.map((p) => AsrWorker.start(spec, { maxQueuedSec: (p.b - p.a) / RATE + 30 })));
  let results: OfflineLanguageResult[];
  let finished = 0;
  try {
    results = await Promise.all(
      pieces.map(({ a, b }, i) => {
        const off = a / RATE;
        const end = b / RATE;
        const local = pauses.filter((p) => p.startSec >= off && p.startSec < end).map((p) => ({ startSec: p.startSec - off, endSec: Math.min(p.endSec, end) - off }));
        return analyzeLanguageOffline({ samples: samples.subarray(a, b), engine: engines[i]!, pauses: local }).then((r) => {
          onPartDone?.(++finished, pieces.length);
          return r;
        });
      }),
    );
  } finally {
    await Promise.all(engines.map((e) => e.close()));
  }
  const shift = <T extends { startSec: number; endSec: number }>(x: T, off: number): T => ({ ...x, startSec: x.startSec + off, endSec: x.endSec + off });
  const tracker = new FluencyTracker({ roomId: 'offline', producerId: 'offline' });
  for (const p of pauses) tracker.addPause(p);
  const utterances: CaptionWord[][] = [];
  results.forEach((r, i) => {
    const off = pieces[i]!.a / RATE;
    for (const u of r.utterances) utterances.push(u.map((w) => shift(w, off)));
  });
  for (const u of utterances) tracker.addFinal(u);
  const filledPauses = results.flatMap((r, i) => r.filledPauses.map((f) => shift(f, pieces[i]!.a / RATE)));
  for (const fp of filledPauses) tracker.addFilledPause(fp);
  return {
    engine: results[0]!.engine,
    transcript: results.map((r) => r.transcript).filter(Boolean).join(' '),
    words: utterances.flat(),
    utterances,
    filledPauses,
    summary: tracker.summary(),
  };
}
