import { z } from 'zod';
import type { ParentMessage, Shutdown, StartAudioStream, StopStream } from './protocol.ts';

/** zod schema of {@link StartAudioStream} (parent → child). */
export const StartAudioStreamSchema = z.object({
  type: z.literal('start-audio'),
  streamId: z.string().min(1),
  roomId: z.string(),
  producerId: z.string(),
  payloadType: z.number().int().min(0).max(127),
  ssrc: z.number().int().min(0).max(0xffffffff),
  clockRate: z.number().int().positive(),
  channels: z.number().int().min(1).max(255),
  rtpTimestampOrigin: z.number().int().min(0).max(0xffffffff).optional(),
});

/** zod schema of {@link StopStream}. */
export const StopStreamSchema = z.object({ type: z.literal('stop'), streamId: z.string().min(1) });

/** zod schema of {@link Shutdown}. */
export const ShutdownSchema = z.object({ type: z.literal('shutdown') });

/** Any parent → child message; validate every incoming IPC message with it. */
export const ParentMessageSchema = z.discriminatedUnion('type', [
  StartAudioStreamSchema,
  StopStreamSchema,
  ShutdownSchema,
]);

// Compile-time proof that the schemas produce exactly the protocol's types.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameStart: Same<z.infer<typeof StartAudioStreamSchema>, StartAudioStream> = true;
const sameStop: Same<z.infer<typeof StopStreamSchema>, StopStream> = true;
const sameShutdown: Same<z.infer<typeof ShutdownSchema>, Shutdown> = true;
const sameAny: Same<z.infer<typeof ParentMessageSchema>, ParentMessage> = true;
void [sameStart, sameStop, sameShutdown, sameAny];
