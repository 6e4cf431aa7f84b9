import { io, type Socket } from 'socket.io-client';
import type {
  AsrStatus,
  CaptionEvent,
  DisfluencyEvent,
  FluencyFrame,
  Ack,
  AnalyzerStatus,
  BodyFrame,
  BodyStats,
  ClientToServerEvents,
  JoinResponse,
  PauseEvent,
  ServerToClientEvents,
  VoiceFrame,
} from '@lectern/contract';

/** A frame as received by the observer, with the local receive time (epoch ms). */
export interface ReceivedFrame {
  frame: VoiceFrame;
  receivedAtMs: number;
}

/** A body-language frame (`metrics:body`) as received, with the local receive time (epoch ms). */
export interface ReceivedBodyFrame {
  frame: BodyFrame;
  receivedAtMs: number;
}

/**
 * A Socket.IO client that joins a room as a `viewer` and records every metric frame, pause and
 * analyzer status with its receive time — the measuring end of tests and benchmarks. Runs on the
 * same machine as the server, so `receivedAtMs - frame.serverTimeMs` is the delivery latency.
 */
export class RoomObserver {
  readonly frames: ReceivedFrame[] = [];
  readonly pauses: PauseEvent[] = [];
  readonly statuses: AnalyzerStatus[] = [];
  /** `metrics:body` frames (pose keypoints and body-language metrics), in arrival order. */
  readonly bodyFrames: ReceivedBodyFrame[] = [];
  /** `body:stats` messages (video decode/inference cost and gating counters). */
  readonly bodyStats: BodyStats[] = [];
  /** Caption updates with their receive time (epoch ms). */
  readonly captions: { caption: CaptionEvent; receivedAtMs: number }[] = [];
  readonly fluency: FluencyFrame[] = [];
  readonly disfluencies: DisfluencyEvent[] = [];
  readonly asrStatuses: AsrStatus[] = [];
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;

  private constructor(url: string, accessToken: string) {
    this.socket = io(url, { transports: ['websocket'], reconnection: false, auth: { token: accessToken } });
    this.socket.on('metrics:voice', (frame) => this.frames.push({ frame, receivedAtMs: Date.now() }));
    this.socket.on('metrics:pause', (p) => this.pauses.push(p));
    this.socket.on('analyzer:status', (s) => this.statuses.push(s));
    this.socket.on('metrics:body', (frame) => this.bodyFrames.push({ frame, receivedAtMs: Date.now() }));
    this.socket.on('body:stats', (s) => this.bodyStats.push(s));
    this.socket.on('captions:update', (caption) => this.captions.push({ caption, receivedAtMs: Date.now() }));
    this.socket.on('metrics:fluency', (f) => this.fluency.push(f));
    this.socket.on('fluency:event', (e) => this.disfluencies.push(e));
    this.socket.on('asr:status', (s) => this.asrStatuses.push(s));
  }

  /**
   * Connects with `auth.accessToken` and joins `roomId` with `auth.grant` (a viewer grant, see
   * gateway/src/testing/access.ts). @throws Error if the connection or the join is refused.
   */
  static async join(url: string, roomId: string, auth: { accessToken: string; grant: string; role?: 'viewer' | 'coach' | 'presenter' }): Promise<RoomObserver> {
    const obs = new RoomObserver(url, auth.accessToken);
    await new Promise<void>((resolve, reject) => {
      obs.socket.once('connect', () => resolve());
      obs.socket.once('connect_error', reject);
    });
    const ack = await obs.request<JoinResponse>('room:join', { roomId, grant: auth.grant, role: auth.role ?? 'viewer', displayName: 'observer' });
    if (!ack.ok) throw new Error(`join failed: ${ack.error.code} ${ack.error.message}`);
    return obs;
  }

  /** Sends any event with an ack (also used to send malformed input in tests). */
  request<T>(event: string, payload?: unknown, timeoutMs = 10_000): Promise<Ack<T>> {
    return (this.socket as unknown as Socket)
      .timeout(timeoutMs)
      .emitWithAck(event, payload) as Promise<Ack<T>>;
  }

  /** Resolves when `predicate` holds, polling every 100 ms. @throws Error on timeout. */
  async waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  close(): void {
    this.socket.close();
  }
}
