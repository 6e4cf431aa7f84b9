import type { types } from 'mediasoup';
import type { Room, RtpTap } from '@lectern/sfu';
import type { MetricBus } from '../bus/MetricBus.ts';
import type { ChildProcessPool } from './ChildProcessPool.ts';

/** One analysed producer and its current tap. */
export interface TappedStream {
  room: Room;
  producer: types.Producer;
  tap?: RtpTap;
  attaching?: Promise<void>;
}

/** Codec facts of a tap, known before its UDP target is chosen. */
export type TapInfo = Omit<RtpTap, 'transport' | 'consumer' | 'close'>;

/** Logger subset the tap managers use. */
export interface TapLog {
  warn: (obj: object, msg: string) => void;
}

/**
 * Connects presenter producers of one kind to a pool of analysis processes: for each producer it
 * creates an RTP tap (PlainTransport → UDP on loopback) and a process stream, publishes what the
 * processes send for the room (metric frames, pauses, captions, `analyzer:status`, …: the pool's
 * `room` messages) to the room through the bus unchanged, publishes its own `analyzer:status`
 * (starting, restarting, unavailable), and re-attaches streams when a process restarts. Failures
 * degrade the session (status `unavailable`); they never affect the media path. Subclasses name
 * the kind and start the stream in their pool.
 */
export abstract class TapManager<S extends TappedStream, Start extends { type: string; streamId: string }> {
  protected readonly streams = new Map<string, S>();

  constructor(
    protected readonly pool: ChildProcessPool<Start>,
    protected readonly bus: MetricBus,
    protected readonly log: TapLog,
    private readonly names: { kind: types.MediaKind; process: string; what: string },
  ) {
    pool.on('room', (roomId, message) => bus.publish(roomId, message));
    pool.on('streams-lost', ({ pid, code, signal, streamIds }) => {
      for (const id of streamIds) {
        const s = this.streams.get(id);
        if (!s) continue;
        s.tap?.close();
        s.tap = undefined;
        this.#status(s, 'restarting', `${names.process} process ${pid} exited (${signal ?? `code ${code}`}); restarting`);
      }
    });
    pool.on('process-ready', () => {
      for (const s of this.streams.values()) if (!s.tap && !s.attaching) void this.#attach(s);
    });
  }

  /** Creates the per-stream state of a new producer. */
  protected abstract createStream(room: Room, producer: types.Producer): S;

  /**
   * Starts the stream in a process of the pool.
   * @returns the UDP port on 127.0.0.1 for the tap.
   */
  protected abstract startStream(s: S, info: TapInfo): Promise<number>;

  /** Called once a tap is in place (e.g. to pick a simulcast layer). */
  protected onTapped(_s: S, _tap: RtpTap): Promise<void> | void {}

  /** Starts analysis of a producer of this manager's kind (others are ignored). */
  add(room: Room, producer: types.Producer): void {
    if (producer.kind !== this.names.kind || this.streams.has(producer.id)) return;
    const stream = this.createStream(room, producer);
    this.streams.set(producer.id, stream);
    producer.observer.once('close', () => this.remove(producer.id));
    void this.#attach(stream);
  }

  /** Stops analysis of a producer (idempotent). */
  remove(producerId: string): void {
    const s = this.streams.get(producerId);
    if (!s) return;
    this.streams.delete(producerId);
    s.tap?.close();
    this.pool.stopStream(producerId);
  }

  /** Number of producers being analysed. */
  get size(): number {
    return this.streams.size;
  }

  #attach(s: S): Promise<void> {
    const pool = this.pool;
    s.attaching = (async () => {
      if (!pool.available) {
        this.#status(s, 'unavailable', `no ${this.names.process} process is running; ${this.names.what} resume when it restarts`);
        return;
      }
      this.#status(s, 'starting');
      try {
        const tap = await s.room.createRtpTap(s.producer.id, async (info) => ({
          ip: '127.0.0.1',
          port: await this.startStream(s, info),
        }));
        if (!this.streams.has(s.producer.id) || s.producer.closed) {
          tap.close();
          return;
        }
        s.tap = tap;
        await this.onTapped(s, tap);
      } catch (err) {
        pool.stopStream(s.producer.id);
        this.log.warn({ err, producerId: s.producer.id }, `could not attach the ${this.names.process}`);
        this.#status(s, 'unavailable', `${this.names.what} could not start: ${(err as Error).message}`);
      }
    })().finally(() => (s.attaching = undefined));
    return s.attaching;
  }

  #status(s: S, state: 'starting' | 'restarting' | 'unavailable', reason?: string): void {
    this.bus.publish(s.room.id, {
      event: 'analyzer:status',
      payload: { roomId: s.room.id, producerId: s.producer.id, state, ...(reason ? { reason } : {}) },
    });
  }
}
