import { z } from 'zod';
import { BASE_CHILD_MESSAGES, ShutdownSchema, startStreamFields, StopStreamSchema } from '../../process/protocol.ts';

/**
 * IPC protocol between the gateway's PoseProcessPool (parent) and a pose-analyzer process (child,
 * `analyzers/src/video/process/main.ts`, started with `child_process.fork`): the messages every
 * analysis process speaks (`process/protocol.ts`: stop, shutdown, ready, started, room, error) plus
 * the ones below, each a zod schema with its `z.infer` type. Body frames and body stats reach the
 * room as `room` messages (`metrics:body`, `body:stats`). This process is separate from the voice
 * analyzer process, so pose inference can never delay a voice window.
 *
 * Media does NOT travel over IPC: for each video stream the child binds a UDP socket on 127.0.0.1
 * and the SFU's PlainTransport sends the VP8 RTP there (RTCP muxed and ignored).
 */

/** Parent → child: start analysing one presenter video producer (VP8, clock rate 90000). */
export const StartVideoStreamSchema = z.object({ type: z.literal('start-video'), ...startStreamFields });
export type StartVideoStream = z.infer<typeof StartVideoStreamSchema>;

/** Any parent → child message of the pose process; validate every incoming IPC message with it. */
export const VideoParentMessageSchema = z.discriminatedUnion('type', [StartVideoStreamSchema, StopStreamSchema, ShutdownSchema]);
export type VideoParentMessage = z.infer<typeof VideoParentMessageSchema>;

/** Child → parent: please send the browser a PLI (`consumer.requestKeyFrame()`); already rate-limited. */
export const KeyframeRequestMessageSchema = z.object({
  type: z.literal('keyframe-request'),
  streamId: z.string().min(1),
  /** Why: decoder-start, no-frames, decode-error or packet-loss. */
  reason: z.string(),
});
export type KeyframeRequestMessage = z.infer<typeof KeyframeRequestMessageSchema>;

/**
 * Child → parent: wall times of the pose inferences run since the previous such message (sent with
 * the 5 s stats, only when there were any; at most the latest 1000), for the gateway's
 * `lectern_pose_inference_seconds` histogram. Not about one stream: the inference thread is shared.
 */
export const InferenceTimesMessageSchema = z.object({
  type: z.literal('inference-times'),
  /** Inference wall time per inference, ms (on the inference thread). */
  inferMs: z.array(z.number().nonnegative()).max(1000),
});
export type InferenceTimesMessage = z.infer<typeof InferenceTimesMessageSchema>;

/** Any child → parent message of the pose process. */
export const VideoChildMessageSchema = z.discriminatedUnion('type', [...BASE_CHILD_MESSAGES, KeyframeRequestMessageSchema, InferenceTimesMessageSchema]);
export type VideoChildMessage = z.infer<typeof VideoChildMessageSchema>;
