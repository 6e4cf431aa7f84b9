import { fork } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import type { FullPassMessage, FullPassResult, FullPassStage, ReadAloudResponse } from '@lectern/analyzers/report';
import { tsxLoader } from '../analysis/tsxLoader.ts';
import { repoRoot } from '../config.ts';

/** Entry of the full-pass child process. */
export const FULL_PASS_ENTRY = path.join(repoRoot, 'analyzers/src/report/fullPassProcess.ts');

/**
 * Runs the full-pass analysis of `file` in a child process (ASR and pose never block the
 * gateway's event loop), at `nice` 10 (like the pose processes) so live rooms keep the CPU.
 * @param onProgress stage and fraction 0–1 as the child reports them.
 * @param opts `video`/`poseFps` as in `FullPassOptions`; `nice` 0–19 (default 10); `timeoutMs` (default 30 min);
 *   `signal` kills the child when aborted (node shutdown).
 * @throws Error with the child's message when the analysis fails, it exits without a result, times out or is aborted.
 */
export function runFullPass(
  file: string,
  onProgress: (stage: FullPassStage, fraction: number) => void,
  opts: { video?: boolean; poseFps?: number; nice?: number; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<FullPassResult> {
  return runChild<FullPassResult>(file, { video: opts.video, poseFps: opts.poseFps }, onProgress, opts);
}

/**
 * Scores a read-aloud drill attempt (ASR + word alignment) in the same child process entry.
 * @throws Error with the child's message (e.g. not decodable audio) or on timeout (default 60 s).
 */
export function runReadAloud(file: string, targetSentence: string, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ReadAloudResponse> {
  return runChild(file, { readAloudTarget: targetSentence }, () => {}, { timeoutMs: 60_000, ...opts, nice: 0 });
}

function runChild<T>(
  file: string,
  args: Record<string, unknown>,
  onProgress: (stage: FullPassStage, fraction: number) => void,
  opts: { nice?: number; timeoutMs?: number; signal?: AbortSignal },
): Promise<T> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(new Error('analysis cancelled (shutting down)'));
    const child = fork(FULL_PASS_ENTRY, [file, JSON.stringify(args)], {
      execArgv: ['--import', tsxLoader],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    try {
      if (child.pid) os.setPriority(child.pid, opts.nice ?? 10);
    } catch {
      /* lowering priority is best effort */
    }
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    let settled = false;
    const done = (err: Error | null, result?: T) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // The signal lives as long as the node: a listener left on it kept every full pass's child
      // process and result reachable (soak: +0.2–0.6 MiB of gateway heap per ended session).
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) {
        child.kill('SIGKILL');
        reject(err);
      } else {
        child.kill('SIGKILL'); // it exits on its own after the result; never leave it behind
        resolve(result!);
      }
    };
    const timer = setTimeout(() => done(new Error(`analysis timed out after ${opts.timeoutMs ?? 1_800_000} ms`)), opts.timeoutMs ?? 1_800_000);
    child.on('message', (m: FullPassMessage) => {
      if (m.type === 'progress') onProgress(m.stage, m.fraction);
      else if (m.type === 'result') done(null, m.result as T);
      else done(new Error(m.message));
    });
    child.on('error', (err) => done(err));
    const onAbort = () => done(new Error('analysis cancelled (shutting down)'));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('exit', (code, signal) =>
      done(new Error(`analysis exited (${signal ?? `code ${code}`}) without a result${stderr ? `: ${stderr.trim().split('\n').at(-1)}` : ''}`)),
    );
  });
}
