import { z } from 'zod';
import { ShutdownSchema, StopStreamSchema } from '../../process/parentMessages.ts';
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

/** zod schemas of {@link StopVideoStream} and {@link ShutdownVideo}: the voice protocol's. */
export { ShutdownSchema as ShutdownVideoSchema, StopStreamSchema as StopVideoStreamSchema };

/** Any parent → child message of the pose process; validate every incoming IPC message with it. */
export const VideoParentMessageSchema = z.discriminatedUnion('type', [
  StartVideoStreamSchema,
  StopStreamSchema,
  ShutdownSchema,
]);

// Compile-time proof that the schemas produce exactly the protocol's types.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const checks: [
  Same<z.infer<typeof StartVideoStreamSchema>, StartVideoStream>,
  Same<z.infer<typeof StopStreamSchema>, StopVideoStream>,
  Same<z.infer<typeof ShutdownSchema>, ShutdownVideo>,
  Same<z.infer<typeof VideoParentMessageSchema>, VideoParentMessage>,
] = [true, true, true, true];
void checks;
