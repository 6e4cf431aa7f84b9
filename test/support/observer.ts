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
  ErrorBody,
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

/** `room:join` was refused; `error` is the server's (code `CAPACITY` carries `retryAfterSec`). */
export class JoinRefusedError extends Error {
  constructor(readonly error: ErrorBody) {
    super(`join failed: ${error.code} ${error.message}`);
    this.name = 'JoinRefusedError';
  }
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
  /** Nodes that answered `WRONG_NODE` on the way to this one (several nodes sharing Redis), in order. */
  redirectedFrom: string[] = [];

  private constructor(readonly url: string, accessToken: string) {
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
   * gateway/src/testing/access.ts). A `WRONG_NODE` answer is followed to its `redirectUrl` (≤ 3
   * hops), as the web app does.
   * @throws JoinRefusedError if the join is refused (e.g. `CAPACITY`); Error if the connection is.
   */
  static async join(url: string, roomId: string, auth: { accessToken: string; grant: string; role?: 'viewer' | 'coach' | 'presenter' }): Promise<RoomObserver> {
    const redirectedFrom: string[] = [];
    for (;;) {
      const obs = new RoomObserver(url, auth.accessToken);
      await new Promise<void>((resolve, reject) => {
        obs.socket.once('connect', () => resolve());
        obs.socket.once('connect_error', reject);
      });
      const ack = await obs.request<JoinResponse>('room:join', { roomId, grant: auth.grant, role: auth.role ?? 'viewer', displayName: 'observer' });
      if (ack.ok) {
        obs.redirectedFrom = redirectedFrom;
        return obs;
      }
      obs.close();
      if (ack.error.code !== 'WRONG_NODE' || !ack.error.redirectUrl || redirectedFrom.length >= 3) throw new JoinRefusedError(ack.error);
      redirectedFrom.push(url);
      url = ack.error.redirectUrl;
    }
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
