import path from 'node:path';
import type { AsrStatus, CaptionEvent, DisfluencyEvent, FluencyFrame, PauseEvent, VoiceFrame } from '@lectern/contract';
import type { ChildMessage, StartAudioStream, StatsMessage } from '@lectern/analyzers/protocol';
import { repoRoot } from '../config.ts';
import { ChildProcessPool, type ChildProcessPoolEvents } from './ChildProcessPool.ts';

/** Events emitted by {@link AnalyzerPool} (plus the common pool events). */
export interface AnalyzerPoolEvents extends ChildProcessPoolEvents {
  'voice-frame': [streamId: string, frame: VoiceFrame];
  pause: [streamId: string, pause: PauseEvent];
  caption: [streamId: string, caption: CaptionEvent];
  fluency: [streamId: string, frame: FluencyFrame];
  disfluency: [streamId: string, event: DisfluencyEvent];
  'asr-status': [streamId: string, roomId: string, status: AsrStatus];
  stats: [stats: StatsMessage];
  /** A stream's first RTP packet fixed its media-time origin (RTP timestamp at media time 0). */
  origin: [streamId: string, rtpTimestamp: number];
}

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
 * One process serves many audio streams; process management (restart with backoff,
 * `streams-lost`, least-loaded placement) is {@link ChildProcessPool}'s.
 */
export class AnalyzerPool extends ChildProcessPool<AnalyzerPoolEvents, ChildMessage> {
  constructor(opts: AnalyzerPoolOptions = {}) {
    super({ ...opts, entry: opts.entry ?? path.join(repoRoot, 'analyzers/src/process/main.ts'), label: 'analyzer' });
  }

  /**
   * Starts analysing an audio stream on the least-loaded ready process.
   * @returns the UDP port on 127.0.0.1 to which RTP must be sent.
   * @throws Error if no process is ready or the process does not answer within 10 s.
   */
  startAudioStream(spec: Omit<StartAudioStream, 'type'>): Promise<number> {
    return this.startStream(spec.streamId, { type: 'start-audio', ...spec });
  }

  protected onMessage(msg: ChildMessage): void {
    switch (msg.type) {
      case 'origin':
        this.emit('origin', msg.streamId, msg.rtpTimestamp);
        break;
      case 'voice-frame':
        this.emit('voice-frame', msg.streamId, msg.frame);
        break;
      case 'pause':
        this.emit('pause', msg.streamId, msg.pause);
        break;
      case 'caption':
        this.emit('caption', msg.streamId, msg.caption);
        break;
      case 'fluency':
        this.emit('fluency', msg.streamId, msg.frame);
        break;
      case 'disfluency':
        this.emit('disfluency', msg.streamId, msg.event);
        break;
      case 'asr-status':
        this.emit('asr-status', msg.streamId, msg.roomId, msg.status);
        break;
      case 'stats':
        this.emit('stats', msg);
        break;
    }
  }
}
