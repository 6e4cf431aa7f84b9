import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { reconnectDelayMs } from '../cluster/RedisPlacement.ts';
import type { MetricBus, RoomMessage } from './MetricBus.ts';

const CHANNEL = 'lectern:bus';

/**
 * {@link MetricBus} over Redis pub/sub (ioredis), for several nodes. `publish` delivers to this
 * node's subscribers at once (in process, like {@link InProcessBus}) and sends
 * `[origin, roomId, message]` as JSON on channel `lectern:bus` for the other nodes; each node
 * ignores its own messages coming back. So a room's own clients and its session's persistence
 * (both on the node hosting the room) never depend on Redis: while Redis is down (ioredis
 * reconnects by itself) only other nodes miss messages — best-effort, like Redis pub/sub; nothing
 * is queued for them (a stale burst of 100 ms frames after reconnecting would be useless).
 */
export class RedisBus implements MetricBus {
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #handlers = new Set<(roomId: string, message: RoomMessage) => void>();
  readonly #ready: Promise<unknown>;
  /** Tags this node's messages so it can skip them when Redis echoes them back. */
  readonly #origin = randomUUID();
  #skippedWhileDown = 0;

  /** @param redisUrl e.g. `redis://127.0.0.1:6379`. */
  constructor(redisUrl: string) {
    // No offline queue on the publishing side: a publish while disconnected is dropped at once.
    this.#pub = new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: reconnectDelayMs });
    // Re-subscribes by itself after a reconnect (autoResubscribe).
    this.#sub = new Redis(redisUrl, { retryStrategy: reconnectDelayMs });
    this.#pub.on('error', () => {});
    this.#sub.on('error', () => {});
    this.#ready = this.#sub.subscribe(CHANNEL);
    this.#sub.on('message', (_channel: string, raw: string) => {
      let origin: string;
      let roomId: string;
      let message: RoomMessage;
      try {
        [origin, roomId, message] = JSON.parse(raw) as [string, string, RoomMessage];
      } catch {
        return;
      }
      if (origin === this.#origin || typeof roomId !== 'string' || !message) return;
      this.#deliver(roomId, message);
    });
  }

  /** Resolves once the subscription is active. @throws the connection error if Redis is unreachable. */
  ready(): Promise<unknown> {
    return this.#ready;
  }

  /** Whether both connections (publish and subscribe) are up. */
  get connected(): boolean {
    return this.#pub.status === 'ready' && this.#sub.status === 'ready';
  }

  /** Messages not sent to other nodes because Redis was down (since start). */
  get skippedWhileDown(): number {
    return this.#skippedWhileDown;
  }

  publish(roomId: string, message: RoomMessage): void {
    this.#deliver(roomId, message);
    if (this.#pub.status !== 'ready') {
      this.#skippedWhileDown++;
      return;
    }
    this.#pub.publish(CHANNEL, JSON.stringify([this.#origin, roomId, message])).catch(() => {});
  }

  subscribe(handler: (roomId: string, message: RoomMessage) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  async close(): Promise<void> {
    this.#handlers.clear();
    this.#sub.disconnect();
    this.#pub.disconnect();
  }

  #deliver(roomId: string, message: RoomMessage): void {
    for (const h of this.#handlers) {
      try {
        h(roomId, message);
      } catch {
        // A failing subscriber must not stop delivery to the others.
      }
    }
  }
}
