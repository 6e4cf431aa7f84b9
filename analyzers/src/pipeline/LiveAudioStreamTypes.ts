import type { PauseEvent, VoiceFrame } from '@lectern/contract';
import type { SileroVad } from '../voice/SileroVad.ts';

/** Options of a {@link LiveAudioStream}. */
export interface LiveAudioStreamOptions {
  /** Room of the producer (copied into every frame). */
  roomId: string;
  /** mediasoup producer id (copied into every frame). */
  producerId: string;
  /** RTP payload type of the Opus stream (0–127); other payload types are dropped and counted. */
  payloadType: number;
  /** SSRC of the stream (unsigned 32-bit); other SSRCs are dropped and counted. */
  ssrc: number;
  /** RTP clock rate in Hz; 48000 for Opus (RFC 7587). */
  clockRate: number;
  /** The process-wide Silero VAD model. */
  model: SileroVad;
  /** Receives each voice frame, in media-time order, one per 100 ms of media. */
  onFrame: (frame: VoiceFrame) => void;
  /** Receives each finished pause (when speech resumes). */
  onPause: (pause: PauseEvent) => void;
  /**
   * Called after each window's voice analysis, with the window's samples (a reused buffer: use
   * synchronously), its media start time, the current pause length and the pauses that just ended.
   * Feeds the language stage (ASR, fillers, pace).
   */
  onAnalysedWindow?: (
    samples: Float32Array,
    mediaTimeSec: number,
    pauseSec: number,
    finishedPauses: readonly { startSec: number; endSec: number }[],
  ) => void;
  /** Non-fatal errors (analysis failures); the stream keeps running. */
  onError?: (error: unknown) => void;
  /** Monotonic clock in ms for the jitter buffer and the window timer; default performance.now. */
  now?: () => number;
  /** Wall clock in Unix epoch ms for `serverTimeMs`; default Date.now. */
  wallClock?: () => number;
  /** Jitter buffer reorder wait in ms (the floor of the adaptive wait); default 60. */
  jitterMaxWaitMs?: number;
  /**
   * Ceiling of the jitter buffer's adaptive wait, ms (default 200): under reordering (network
   * jitter) the wait grows to the reorder depth the stream shows, so late packets are decoded
   * instead of concealed; on a clean network it stays at `jitterMaxWaitMs`. Set it equal to
   * `jitterMaxWaitMs` for a fixed wait.
   */
  jitterAdaptiveMaxWaitMs?: number;
  /** RTP timestamp of media time 0 when resuming a stream; default: the first packet's. */
  rtpTimestampOrigin?: number;
  /** Called once with the RTP timestamp at media time 0, when the first packet is decoded. */
  onOrigin?: (rtpTimestamp: number) => void;
}

/** Counters of a {@link LiveAudioStream}; all monotonically increasing. */
export interface LiveAudioStreamStats {
  /** UDP datagrams received (RTP, RTCP and garbage). */
  packetsReceived: number;
  /** Datagrams that were neither RTCP nor well-formed RTP. */
  packetsMalformed: number;
  /** RTP packets with another SSRC. */
  packetsWrongSsrc: number;
  /** RTP packets of this SSRC with another payload type. */
  packetsWrongPayloadType: number;
  /** Muxed RTCP packets (ignored). */
  rtcpPackets: number;
  /** Packets declared lost by the jitter buffer and concealed. */
  packetsConcealed: number;
  /** Opus payloads libopus rejected (replaced by silence). */
  packetsCorrupt: number;
  /** Packets dropped by the jitter buffer as duplicates. */
  packetsDuplicate: number;
  /** Packets dropped by the jitter buffer because they came after being declared lost. */
  packetsLate: number;
  /** Decoded samples (16 kHz) dropped because their window had already closed. */
  samplesLate: number;
  /** The jitter buffer's current wait, ms (a gauge, not a counter). */
  jitterWaitMs: number;
  /** Windows closed by the timer because no packets came (DTX, loss, stall). */
  windowsClosedByTimer: number;
  /** Windows dropped because analysis fell more than the ring's capacity behind. */
  windowsDropped: number;
  /** Windows whose analysis threw. */
  analysisErrors: number;
  /** Voice frames emitted. */
  framesEmitted: number;
}
