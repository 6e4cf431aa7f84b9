import path from 'node:path';
import type { StartVideoStream } from '@lectern/analyzers/video-protocol';
import { repoRoot } from '../config.ts';
import { ChildProcessPool } from './ChildProcessPool.ts';

/** Options of {@link PoseProcessPool}. */
export interface PoseProcessPoolOptions {
  /** Number of pose processes (default 1; each serves many streams with one inference thread). */
  processes?: number;
  /** Entry module (default analyzers/src/video/process/main.ts). */
  entry?: string;
  /** How long a process may take to load the model before it counts as failed (ms, default 60 000). */
  readyTimeoutMs?: number;
  /** Extra environment for the processes (e.g. LECTERN_POSE_NICE, LECTERN_POSE_GATING). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Parent side of the pose-analyzer processes (protocol: analyzers/src/video/process/protocol.ts),
 * the video counterpart of the voice `AnalyzerPool`: separate processes, so a 25–100 ms pose
 * inference never runs on the thread that closes 100 ms voice windows, nor on the gateway's event
 * loop. Streams start with `startStream({ type: 'start-video', … })`; process management is
 * {@link ChildProcessPool}'s.
 */
export class PoseProcessPool extends ChildProcessPool<StartVideoStream> {
  constructor(opts: PoseProcessPoolOptions = {}) {
    super({
      ...opts,
      entry: opts.entry ?? path.join(repoRoot, 'analyzers/src/video/process/main.ts'),
      label: 'pose-analyzer',
    });
  }
}
