import type { AnalyzerStatus, BodyFrame, BodyStats } from '@lectern/contract';
import type { IpcErrorMessage } from '../../process/childIpc.ts';
import type { Ready, Shutdown, StopStream, StreamStarted } from '../../process/protocol.ts';

/**
 * IPC protocol between the gateway's PoseProcessPool (parent) and a pose-analyzer process (child,
 * `analyzers/src/video/process/main.ts`, started with `child_process.fork`). Messages travel over
 * the Node IPC channel as plain JSON. This process is separate from the voice analyzer process, so
 * pose inference can never delay a voice window.
 *
 * Media does NOT travel over IPC: for each video stream the child binds a UDP socket on 127.0.0.1
 * and the SFU's PlainTransport sends the VP8 RTP there (RTCP muxed and ignored).
 */

/** Parent → child: start analysing one presenter video producer. */
export interface StartVideoStream {
  type: 'start-video';
  /** Unique per stream (the producer id). */
  streamId: string;
  roomId: string;
  producerId: string;
  /** RTP payload type of VP8 as negotiated for the tap consumer. */
  payloadType: number;
  /** SSRC of the tap consumer's RTP stream (RTX and other SSRCs are dropped). */
  ssrc: number;
  /** RTP clock rate (90000 for video). */
  clockRate: number;
}

/** Parent → child: stop a stream and free its socket, decoder and state (as in the voice protocol). */
export type StopVideoStream = StopStream;

/** Parent → child: close every stream and exit(0) (as in the voice protocol). */
export type ShutdownVideo = Shutdown;

export type VideoParentMessage = StartVideoStream | StopVideoStream | ShutdownVideo;

/**
 * Child → parent: the pose model is loaded; streams are accepted. `engines` e.g.
 * `{ pose: 'MoveNet SinglePose Lightning v4 (onnxruntime-node …)', decoder: 'ffmpeg …' }`.
 */
export type VideoReady = Ready;

/** Child → parent: the stream's UDP socket is bound; point the PlainTransport at it. */
export type VideoStreamStarted = StreamStarted;

/** Child → parent: one body-metric frame (schema-conformant, see `BodyFrameSchema`). */
export interface BodyFrameMessage {
  type: 'body-frame';
  streamId: string;
  frame: BodyFrame;
}

/** Child → parent: please send the browser a PLI (`consumer.requestKeyFrame()`); already rate-limited. */
export interface KeyframeRequestMessage {
  type: 'keyframe-request';
  streamId: string;
  /** Why: decoder-start, no-frames, decode-error or packet-loss. */
  reason: string;
}

/** Child → parent: status changes and non-fatal errors of a stream. */
export interface VideoStatusMessage {
  type: 'status';
  streamId: string;
  status: AnalyzerStatus;
}

/** Child → parent: cost and gating counters of a stream, every 5 s and on stop. */
export interface BodyStatsMessage {
  type: 'body-stats';
  streamId: string;
  stats: BodyStats;
  /** PIDs of the stream's decoder (ffmpeg) process, for CPU accounting. */
  decoderPid: number | null;
}

/** Child → parent: a request could not be carried out. */
export type VideoErrorMessage = IpcErrorMessage;

export type VideoChildMessage =
  | VideoReady
  | VideoStreamStarted
  | BodyFrameMessage
  | KeyframeRequestMessage
  | VideoStatusMessage
  | BodyStatsMessage
  | VideoErrorMessage;
