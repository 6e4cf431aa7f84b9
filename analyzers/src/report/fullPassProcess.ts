/**
 * Child-process entry of the full-pass analysis (and of the read-aloud drill), so ASR never runs
 * on the gateway's event loop. Forked with the tsx loader:
 *   fork(thisFile, [recordingPath, JSON.stringify(FullPassOptions without onProgress)], { execArgv: ['--import', tsxLoader] })
 *   fork(thisFile, [attemptPath, JSON.stringify({ readAloudTarget: 'sentence' })], …) → result is a ReadAloudResult
 * IPC messages to the parent ({@link FullPassMessage}): `progress` at each stage, then exactly one
 * `result` or `error`; the process exits after it (code 0 on result, 1 on error).
 */
import { analyzeRecordingFile } from './fullPass.ts';
import { readAloudFromFile } from './readAloudFile.ts';
import type { FullPassResult, FullPassStage, ReadAloudResponse } from './ReportTypes.ts';

/** Messages from the full-pass child to its parent. */
export type FullPassMessage =
  | { type: 'progress'; stage: FullPassStage; fraction: number }
  | { type: 'result'; result: FullPassResult | ReadAloudResponse }
  | { type: 'error'; message: string; name: string };

const send = (m: FullPassMessage): Promise<void> =>
  new Promise((resolve) => (process.send ? process.send(m, undefined, {}, () => resolve()) : resolve()));

// The gateway that forked us is gone (killed, or its start failed): nobody wants the result, and
// a full pass can run for minutes. Its ffmpeg decoders end on EPIPE once their reader is gone.
process.once('disconnect', () => process.exit(1));

const [file, optsJson] = process.argv.slice(2);
try {
  if (!file) throw new Error('fullPassProcess: missing recording path');
  const opts = optsJson ? (JSON.parse(optsJson) as { video?: boolean; poseFps?: number; readAloudTarget?: string }) : {};
  const result =
    opts.readAloudTarget !== undefined
      ? await readAloudFromFile(file, opts.readAloudTarget)
      : await analyzeRecordingFile(file, { ...opts, onProgress: (stage, fraction) => void send({ type: 'progress', stage, fraction }) });
  await send({ type: 'result', result });
  process.exit(0);
} catch (err) {
  const e = err instanceof Error ? err : new Error(String(err));
  await send({ type: 'error', message: e.message, name: e.name });
  process.exit(1);
}
