import type { MetricBus, RoomMessage } from './MetricBus.ts';

/** {@link MetricBus} within one process: synchronous calls, no serialisation, no copies. */
export class InProcessBus implements MetricBus {
  readonly #handlers = new Set<(roomId: string, message: RoomMessage) => void>();

  publish(roomId: string, message: RoomMessage): void {
    for (const handler of this.#handlers) {
      try {
        handler(roomId, message);
      } catch {
        // A failing subscriber must not stop delivery to the others.
      }
    }
  }

  subscribe(handler: (roomId: string, message: RoomMessage) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  async close(): Promise<void> {
    this.#handlers.clear();
  }
}
