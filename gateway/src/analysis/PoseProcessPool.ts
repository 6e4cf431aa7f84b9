import path from 'node:path';
import type { BodyFrame, BodyStats } from '@lectern/contract';
import type { StartVideoStream, VideoChildMessage } from '@lectern/analyzers/video-protocol';
import { repoRoot } from '../config.ts';
import { ChildProcessPool, type ChildProcessPoolEvents } from './ChildProcessPool.ts';

/** Events emitted by {@link PoseProcessPool} (plus the common pool events). */
export interface PoseProcessPoolEvents extends ChildProcessPoolEvents {
  'body-frame': [streamId: string, frame: BodyFrame];
  'body-stats': [streamId: string, stats: BodyStats, decoderPid: number | null];
  /** The process asks for a keyframe (PLI) for this stream. */
  'keyframe-request': [streamId: string, reason: string];
}

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
 * loop. Process management is {@link ChildProcessPool}'s.
 */
export class PoseProcessPool extends ChildProcessPool<PoseProcessPoolEvents, VideoChildMessage> {
  constructor(opts: PoseProcessPoolOptions = {}) {
    super({
      ...opts,
      entry: opts.entry ?? path.join(repoRoot, 'analyzers/src/video/process/main.ts'),
      label: 'pose-analyzer',
    });
  }

  /**
   * Starts analysing a video stream on the least-loaded ready process.
   * @returns the UDP port on 127.0.0.1 to which the VP8 RTP must be sent.
   * @throws Error if no process is ready or the process does not answer within 10 s.
   */
  startVideoStream(spec: Omit<StartVideoStream, 'type'>): Promise<number> {
    return this.startStream(spec.streamId, { type: 'start-video', ...spec });
  }

  protected onMessage(msg: VideoChildMessage): void {
    switch (msg.type) {
      case 'body-frame':
        this.emit('body-frame', msg.streamId, msg.frame);
        break;
      case 'body-stats':
        this.emit('body-stats', msg.streamId, msg.stats, msg.decoderPid);
        break;
      case 'keyframe-request':
        this.emit('keyframe-request', msg.streamId, msg.reason);
        break;
    }
  }
}
