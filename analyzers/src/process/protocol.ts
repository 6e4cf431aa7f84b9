import type {
  AnalyzerStatus,
  AsrStatus,
  CaptionEvent,
  DisfluencyEvent,
  FluencyFrame,
  PauseEvent,
  VoiceFrame,
} from '@lectern/contract';
import type { IpcErrorMessage } from './childIpc.ts';

/**
 * IPC protocol between the gateway's AnalyzerPool (parent) and an analyzer process (child,
 * `analyzers/src/process/main.ts`, started with `child_process.fork`). Messages travel over the
 * Node IPC channel (`process.send` / `child.on('message')`) as plain JSON.
 *
 * Media does NOT travel over IPC: for each stream the child binds a UDP socket on 127.0.0.1
 * (port 0 = ephemeral) and the SFU's PlainTransport sends RTP there (rtcpMux on, so RTCP packets,
 * payload types 200–206 in byte 1, arrive on the same socket and are ignored).
 */

/** Parent → child: start analysing one audio producer. */
export interface StartAudioStream {
  type: 'start-audio';
  /** Unique per stream (the SFU consumer id is a good choice). */
  streamId: string;
  roomId: string;
  producerId: string;
  /** RTP payload type of the Opus stream as negotiated for the PlainTransport consumer. */
  payloadType: number;
  /** SSRC chosen by mediasoup for the consumer; packets with another SSRC are dropped. */
  ssrc: number;
  /** RTP clock rate, 48000 for Opus. */
  clockRate: number;
  /** Opus channel count as negotiated (2 for Chrome's opus/48000/2; decoded to mono). */
  channels: number;
  /**
   * RTP timestamp (32-bit) that is media time 0. Omitted for a new stream (its first packet defines
   * it); set when a restarted process resumes a stream, so `mediaTimeSec` continues on the same
   * timeline (mediasoup keeps the producer's RTP timestamps for simple consumers).
   */
  rtpTimestampOrigin?: number;
}

/** Parent → child: stop a stream and free its socket and state. */
export interface StopStream {
  type: 'stop';
  streamId: string;
}

/** Parent → child: close every stream and exit(0). */
export interface Shutdown {
  type: 'shutdown';
}

export type ParentMessage = StartAudioStream | StopStream | Shutdown;

/** Child → parent: process is loaded (models ready) and accepts streams. */
export interface Ready {
  type: 'ready';
  pid: number;
  /** e.g. { vad: 'silero-vad v5 (onnxruntime-node)', pitch: 'YIN (pitchfinder)' } */
  engines: Record<string, string>;
}

/** Child → parent: the stream's UDP socket is bound; point the PlainTransport at it. */
export interface StreamStarted {
  type: 'started';
  streamId: string;
  /** UDP port on 127.0.0.1 receiving RTP (and muxed RTCP). */
  rtpPort: number;
}

/** Child → parent: the stream's first RTP packet fixed its media-time origin. */
export interface OriginMessage {
  type: 'origin';
  streamId: string;
  /** RTP timestamp (32-bit) at media time 0. */
  rtpTimestamp: number;
}

/** Child → parent: one voice metric frame (already schema-conformant). */
export interface FrameMessage {
  type: 'voice-frame';
  streamId: string;
  frame: VoiceFrame;
}

/** Child → parent: a caption update (partial or final) from the process's ASR engine. */
export interface CaptionMessage {
  type: 'caption';
  streamId: string;
  caption: CaptionEvent;
}

/** Child → parent: rolling fluency metrics (about once per media second). */
export interface FluencyMessage {
  type: 'fluency';
  streamId: string;
  frame: FluencyFrame;
}

/** Child → parent: one disfluency (filled pause, lexical filler, repetition, hedge). */
export interface DisfluencyMessage {
  type: 'disfluency';
  streamId: string;
  event: DisfluencyEvent;
}

/** Child → parent: which ASR engine serves this stream and why (sent when the stream starts). */
export interface AsrStatusMessage {
  type: 'asr-status';
  streamId: string;
  roomId: string;
  status: AsrStatus;
}

/** Child → parent: a finished pause. */
export interface PauseMessage {
  type: 'pause';
  streamId: string;
  pause: PauseEvent;
}

/** Child → parent: stream status changes and non-fatal errors (malformed RTP counts, decode errors). */
export interface StatusMessage {
  type: 'status';
  streamId: string;
  status: AnalyzerStatus;
}

/** Child → parent: counters for a stream, sent every 5 s and on stop. */
export interface StatsMessage {
  type: 'stats';
  streamId: string;
  packetsReceived: number;
  packetsMalformed: number;
  packetsWrongSsrc: number;
  packetsConcealed: number;
  rtcpPackets: number;
  framesEmitted: number;
}

/** Child → parent: a request could not be carried out (e.g. unknown streamId). */
export type ErrorMessage = IpcErrorMessage;

export type ChildMessage =
  | Ready
  | StreamStarted
  | OriginMessage
  | FrameMessage
  | PauseMessage
  | CaptionMessage
  | FluencyMessage
  | DisfluencyMessage
  | AsrStatusMessage
  | StatusMessage
  | StatsMessage
  | ErrorMessage;
