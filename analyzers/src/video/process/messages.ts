import { z } from 'zod';
import type { ShutdownVideo, StartVideoStream, StopVideoStream, VideoParentMessage } from './protocol.ts';

/** zod schema of {@link StartVideoStream}. */
export const StartVideoStreamSchema = z.object({
  type: z.literal('start-video'),
  streamId: z.string().min(1),
  roomId: z.string(),
  producerId: z.string(),
  payloadType: z.number().int().min(0).max(127),
  ssrc: z.number().int().min(0).max(0xffffffff),
  clockRate: z.number().int().positive(),
});

/** zod schema of {@link StopVideoStream}. */
export const StopVideoStreamSchema = z.object({ type: z.literal('stop'), streamId: z.string().min(1) });

/** zod schema of {@link ShutdownVideo}. */
export const ShutdownVideoSchema = z.object({ type: z.literal('shutdown') });

/** Any parent → child message of the pose process; validate every incoming IPC message with it. */
export const VideoParentMessageSchema = z.discriminatedUnion('type', [
  StartVideoStreamSchema,
  StopVideoStreamSchema,
  ShutdownVideoSchema,
]);

// Compile-time proof that the schemas produce exactly the protocol's types.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const checks: [
  Same<z.infer<typeof StartVideoStreamSchema>, StartVideoStream>,
  Same<z.infer<typeof StopVideoStreamSchema>, StopVideoStream>,
  Same<z.infer<typeof ShutdownVideoSchema>, ShutdownVideo>,
  Same<z.infer<typeof VideoParentMessageSchema>, VideoParentMessage>,
] = [true, true, true, true];
void checks;
