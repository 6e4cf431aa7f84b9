import type { types } from 'mediasoup';

/** Configuration of an {@link SfuNode}. All addresses default to loopback. */
export interface SfuOptions {
  /** Number of mediasoup workers (processes); default one per core (`os.availableParallelism()`). */
  numWorkers?: number;
  /** IP the WebRTC transports listen on. Default `127.0.0.1`. */
  listenIp?: string;
  /** IP/hostname announced in ICE candidates (for NAT / public deployments). Default: none (listenIp). */
  announcedAddress?: string;
  /** UDP/TCP port range for WebRTC transports, inclusive. Default 40000–49999. */
  rtcMinPort?: number;
  rtcMaxPort?: number;
  /** mediasoup worker log level. Default `warn`. */
  logLevel?: types.WorkerLogLevel;
}

/** Events emitted by {@link SfuNode}. */
export interface SfuNodeEvents {
  /** A worker died; `roomIds` lists the rooms that were hosted on it and are now closed. */
  workerdied: [info: { pid: number; error: Error; roomIds: string[] }];
  /** A room was closed (last peer left, worker died, or node shutdown). */
  roomclosed: [info: { roomId: string; reason: RoomCloseReason }];
}

export type RoomCloseReason = 'empty' | 'worker-died' | 'shutdown';

/** Where a plain RTP tap sends media: a UDP endpoint on the analyzer/recorder host. */
export interface RtpTapTarget {
  ip: string;
  port: number;
}

/** Result of creating an RTP tap for one producer (PlainTransport + Consumer). */
export interface RtpTap {
  transport: types.PlainTransport;
  consumer: types.Consumer;
  /** Negotiated payload type of the consumer's (only) codec. */
  payloadType: number;
  /** SSRC mediasoup uses for this consumer's RTP stream. */
  ssrc: number;
  /** e.g. `audio/opus`, `video/VP8`. */
  mimeType: string;
  clockRate: number;
  channels: number;
  /**
   * UDP port on 127.0.0.1 the tap sends from (the PlainTransport's `tuple.localPort`): a receiver
   * may drop datagrams from any other source.
   */
  localPort: number;
  /** Closes consumer and transport (idempotent). */
  close(): void;
}

/** Summary of one worker for /health. */
export interface WorkerStats {
  pid: number;
  rooms: number;
  /** CPU time used by the worker process (ms), from `worker.getResourceUsage()`. */
  cpuMs: number;
}
