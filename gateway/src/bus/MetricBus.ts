import type { RoomMessage } from '@lectern/contract';

/** A message for everyone in a room: a server→client event name and its payload (the contract's). */
export type { RoomMessage };

/**
 * Fan-out of room messages (metric frames, pauses, analyzer status) from producers (analyzer pool)
 * to deliverers (the Socket.IO server). In-process when Lectern runs as one node; a Redis pub/sub
 * implementation plugs in behind the same interface when scaled out.
 */
export interface MetricBus {
  /** Publishes `message` to room `roomId`. Never throws; delivery is best-effort. */
  publish(roomId: string, message: RoomMessage): void;
  /** Receives every message for every room; returns an unsubscribe function. */
  subscribe(handler: (roomId: string, message: RoomMessage) => void): () => void;
  /** Releases connections. */
  close(): Promise<void>;
}
