import { io, type Socket } from 'socket.io-client';
import type { Ack, JoinResponse, ParticipantRole, ServerToClientEvents } from '@lectern/contract';
import type { LecternNode } from '../app.ts';
import { roomGrant, type TestAccount } from './access.ts';

/** A Socket.IO client joined to a room, with what it received of the events it was asked to keep. */
export interface JoinedClient<E extends keyof ServerToClientEvents> {
  socket: Socket;
  peerId: string;
  /** Payloads received per kept event, in order of arrival. */
  received: { [K in E]: Parameters<ServerToClientEvents[K]>[0][] };
  /** Emits `event` with an ack (10 s timeout). */
  request<T>(event: string, payload?: unknown): Promise<Ack<T>>;
}

/**
 * Connects to `node` as `account` (websocket, no reconnection), starts keeping `keep`'s events,
 * and joins `roomId` with a grant for `role` (display name `the <role>`).
 * @throws Error when the connection is refused or the join fails (with the server's message).
 */
export async function joinedClient<E extends keyof ServerToClientEvents>(
  node: LecternNode,
  account: TestAccount,
  role: ParticipantRole,
  roomId: string,
  keep: readonly E[],
): Promise<JoinedClient<E>> {
  const socket = io(node.url, { transports: ['websocket'], reconnection: false, auth: { token: account.accessToken } });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  const received = Object.fromEntries(keep.map((e) => [e, [] as unknown[]])) as JoinedClient<E>['received'];
  for (const e of keep) socket.on(e as string, (payload: unknown) => void (received[e] as unknown[]).push(payload));
  const request = <T>(event: string, payload?: unknown) => socket.timeout(10_000).emitWithAck(event, payload) as Promise<Ack<T>>;
  const join = await request<JoinResponse>('room:join', { roomId, grant: await roomGrant(node, account, roomId, role), displayName: `the ${role}` });
  if (!join.ok) throw new Error(`join failed: ${join.error.message}`);
  return { socket, peerId: join.data.peerId, received, request };
}
