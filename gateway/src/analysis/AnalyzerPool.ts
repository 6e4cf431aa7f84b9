import path from 'node:path';
import type { StartAudioStream } from '@lectern/analyzers/protocol';
import { repoRoot } from '../config.ts';
import { ChildProcessPool } from './ChildProcessPool.ts';

/** Options of {@link AnalyzerPool}. */
export interface AnalyzerPoolOptions {
  /** Number of analyzer processes (default 1). */
  processes?: number;
  /** Entry module of the analyzer process (default analyzers/src/process/main.ts). */
  entry?: string;
  /** How long a process may take to load its models before it is considered failed (ms, default 60 000). */
  readyTimeoutMs?: number;
  /** Extra environment for the processes. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Parent side of the voice/language analyzer processes (protocol: analyzers/src/process/protocol.ts).
 * One process serves many audio streams (`startStream({ type: 'start-audio', … })`); process
 * management (restart with backoff, `streams-lost`, least-loaded placement, `room` messages) is
 * {@link ChildProcessPool}'s.
 */
export class AnalyzerPool extends ChildProcessPool<StartAudioStream> {
  constructor(opts: AnalyzerPoolOptions = {}) {
    super({ ...opts, entry: opts.entry ?? path.join(repoRoot, 'analyzers/src/process/main.ts'), label: 'analyzer' });
  }
}
