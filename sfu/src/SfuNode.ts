import { EventEmitter } from 'node:events';
import os from 'node:os';
import { ExponentialBackoff } from '@lectern/contract';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { mediaCodecs } from './mediaCodecs.ts';
import { Room } from './Room.ts';
import type { SfuNodeEvents, SfuOptions, WorkerStats } from './SfuTypes.ts';

interface WorkerSlot {
  worker: types.Worker;
  rooms: Set<string>;
}

/**
 * One SFU node: a pool of mediasoup workers (one per core by default) and the rooms placed on them.
 * A new room goes to the worker hosting the fewest rooms. A worker that dies is replaced at once;
 * its rooms are closed and reported through `workerdied` and `roomclosed` so peers can be told to
 * rejoin instead of being silently lost.
 */
export class SfuNode extends EventEmitter<SfuNodeEvents> {
  readonly #slots: WorkerSlot[] = [];
  readonly #rooms = new Map<string, Room>();
  readonly #creating = new Map<string, Promise<Room>>();
  readonly #opts: Required<Omit<SfuOptions, 'announcedAddress'>> & { announcedAddress?: string };
  #closed = false;

  constructor(opts: SfuOptions = {}) {
    super();
    this.#opts = {
      numWorkers: opts.numWorkers ?? os.availableParallelism(),
      listenIp: opts.listenIp ?? '127.0.0.1',
      announcedAddress: opts.announcedAddress,
      rtcMinPort: opts.rtcMinPort ?? 40000,
      rtcMaxPort: opts.rtcMaxPort ?? 49999,
      logLevel: opts.logLevel ?? 'warn',
    };
  }

  /**
   * Starts the workers.
   * @throws Error if the mediasoup-worker binary is missing or can't start (message says how to build it).
   */
  async start(): Promise<void> {
    for (let i = 0; i < this.#opts.numWorkers; i++) this.#slots.push(await this.#spawnWorker());
  }

  /** Rooms currently open on this node. */
  get rooms(): ReadonlyMap<string, Room> {
    return this.#rooms;
  }

  /** Returns the open room `roomId`, creating it on the least-loaded worker if needed. */
  async getOrCreateRoom(roomId: string): Promise<Room> {
    const existing = this.#rooms.get(roomId);
    if (existing && !existing.closed) return existing;
    let pending = this.#creating.get(roomId);
    if (!pending) {
      pending = this.#createRoom(roomId).finally(() => this.#creating.delete(roomId));
      this.#creating.set(roomId, pending);
    }
    return pending;
  }

  /** Closes a room if it has no peers left. */
  closeRoomIfEmpty(roomId: string): void {
    const room = this.#rooms.get(roomId);
    if (room && room.peerCount === 0) {
      room.close();
      this.emit('roomclosed', { roomId, reason: 'empty' });
    }
  }

  /** Worker pids, rooms per worker and CPU time, for /health and benchmarks. */
  async workerStats(): Promise<WorkerStats[]> {
    return Promise.all(
      this.#slots.map(async ({ worker, rooms }) => {
        const usage = await worker.getResourceUsage().catch(() => null);
        return { pid: worker.pid, rooms: rooms.size, cpuMs: usage ? usage.ru_utime + usage.ru_stime : 0 };
      }),
    );
  }

  /** The worker pids (tests kill one to check recovery). */
  get workerPids(): number[] {
    return this.#slots.map((s) => s.worker.pid);
  }

  /** Closes every room and worker. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const room of this.#rooms.values()) {
      room.close();
      this.emit('roomclosed', { roomId: room.id, reason: 'shutdown' });
    }
    this.#rooms.clear();
    for (const { worker } of this.#slots) worker.close();
    this.#slots.length = 0;
  }

  async #createRoom(roomId: string): Promise<Room> {
    if (this.#slots.length === 0) throw new Error('SfuNode.start() was not called or all workers are gone');
    const slot = this.#slots.reduce((a, b) => (b.rooms.size < a.rooms.size ? b : a));
    const router = await slot.worker.createRouter({ mediaCodecs });
    const room = new Room(roomId, router, slot.worker.pid, {
      listenIp: this.#opts.listenIp,
      announcedAddress: this.#opts.announcedAddress,
    });
    slot.rooms.add(roomId);
    this.#rooms.set(roomId, room);
    room.once('close', () => {
      // When the worker dies, mediasoup closes its routers before emitting 'died': keep the room
      // listed on the slot so #onWorkerDied can report it.
      if (!slot.worker.died) slot.rooms.delete(roomId);
      if (this.#rooms.get(roomId) === room) this.#rooms.delete(roomId);
    });
    return room;
  }

  async #spawnWorker(): Promise<WorkerSlot> {
    let worker: types.Worker;
    try {
      worker = await mediasoup.createWorker({
        logLevel: this.#opts.logLevel,
        rtcMinPort: this.#opts.rtcMinPort,
        rtcMaxPort: this.#opts.rtcMaxPort,
      });
    } catch (err) {
      throw new Error(
        `could not start the mediasoup worker (${(err as Error).message}). ` +
          'Build it with `bash scripts/mediasoup-worker.sh` (runs on `npm ci`), or set MEDIASOUP_WORKER_BIN.',
      );
    }
    const slot: WorkerSlot = { worker, rooms: new Set() };
    worker.on('died', (error) => void this.#onWorkerDied(slot, error));
    return slot;
  }

  async #onWorkerDied(slot: WorkerSlot, error: Error): Promise<void> {
    const roomIds = [...slot.rooms];
    const idx = this.#slots.indexOf(slot);
    if (idx >= 0) this.#slots.splice(idx, 1);
    for (const roomId of roomIds) {
      const room = this.#rooms.get(roomId);
      room?.close();
      this.emit('roomclosed', { roomId, reason: 'worker-died' });
    }
    this.emit('workerdied', { pid: slot.worker.pid, error, roomIds });
    if (this.#closed) return;
    // Replace the worker; retry (5 attempts, waiting 0.5 s doubling to 8 s) if the host is briefly out of resources.
    const backoff = new ExponentialBackoff({ initialMs: 500, maxMs: 8000 });
    while (backoff.failures < 5 && !this.#closed) {
      try {
        this.#slots.push(await this.#spawnWorker());
        return;
      } catch {
        await new Promise((r) => setTimeout(r, backoff.next()));
      }
    }
  }
}
