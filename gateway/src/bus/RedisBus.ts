import { Redis } from 'ioredis';
import type { MetricBus, RoomMessage } from './MetricBus.ts';

const CHANNEL = 'lectern:bus';

/**
 * {@link MetricBus} over Redis pub/sub (ioredis), for several nodes: `publish` sends
 * `[roomId, message]` as JSON on channel `lectern:bus`; every node's subscribers receive every
 * message and deliver it to the sockets connected to that node (`io.local`). Delivery is
 * best-effort, like Redis pub/sub: a message published while a subscriber is reconnecting is lost
 * (metric frames are rolling; the recording and the post-session report do not depend on them).
 */
export class RedisBus implements MetricBus {
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #handlers = new Set<(roomId: string, message: RoomMessage) => void>();
  readonly #ready: Promise<unknown>;

  /** @param redisUrl e.g. `redis://127.0.0.1:6379`. */
  constructor(redisUrl: string) {
    this.#pub = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    this.#sub = new Redis(redisUrl);
    this.#pub.on('error', () => {});
    this.#sub.on('error', () => {});
    this.#ready = this.#sub.subscribe(CHANNEL);
    this.#sub.on('message', (_channel: string, raw: string) => {
      let roomId: string;
      let message: RoomMessage;
      try {
        [roomId, message] = JSON.parse(raw) as [string, RoomMessage];
      } catch {
        return;
      }
      for (const h of this.#handlers) {
        try {
          h(roomId, message);
        } catch {
          // A failing subscriber must not stop delivery to the others.
        }
      }
    });
  }

  /** Resolves once the subscription is active. @throws the connection error if Redis is unreachable. */
  ready(): Promise<unknown> {
    return this.#ready;
  }

  publish(roomId: string, message: RoomMessage): void {
    this.#pub.publish(CHANNEL, JSON.stringify([roomId, message])).catch(() => {});
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
}
