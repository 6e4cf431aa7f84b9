import { Redis } from 'ioredis';
import type { NodeStatus, PlacementResult, RoomPlacement } from './ClusterTypes.ts';
import { capacity } from './LocalPlacement.ts';

const NODES_KEY = 'lectern:nodes';
const NODE_PREFIX = 'lectern:node:';
const ROOM_PREFIX = 'lectern:room:';

/**
 * Load a node is charged at once when a room is placed on it, until its next heartbeat reports the
 * real figure: stops a burst of joins from all landing on the node that was least loaded 2 s ago.
 * Measured: one publishing room costs 0.05–0.1 of a 2-core node (bench:live, pocketsphinx).
 */
export const ROOM_LOAD_ESTIMATE = 0.05;

/**
 * Atomic placement (one Lua script, so two nodes placing the same room at once agree): the room's
 * current node if it is alive; otherwise the least-loaded live node whose load is ≤ its threshold,
 * (a threshold of 0 = drained: never chosen), recorded as the room's node and charged {@link ROOM_LOAD_ESTIMATE}. Node hashes whose TTL ran out
 * are dropped from the set on the way. Returns `{nodeId, outcome, url | liveNodes}`.
 */
const PLACE_LUA = `
local cur = redis.call('GET', KEYS[1])
if cur and redis.call('EXISTS', ARGV[1] .. cur) == 1 then
  return {cur, 'existing', redis.call('HGET', ARGV[1] .. cur, 'url') or ''}
end
local best, bestLoad, alive = nil, nil, 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local h = redis.call('HMGET', ARGV[1] .. id, 'load', 'threshold', 'url')
  if not h[1] then
    redis.call('SREM', KEYS[2], id)
  else
    alive = alive + 1
    local load, thr = tonumber(h[1]), tonumber(h[2])
    if thr > 0 and load <= thr and (bestLoad == nil or load < bestLoad) then best, bestLoad = id, load end
  end
end
if not best then return {'', 'capacity', tostring(alive)} end
redis.call('SET', KEYS[1], best)
redis.call('HINCRBYFLOAT', ARGV[1] .. best, 'load', ARGV[2])
return {best, 'placed', redis.call('HGET', ARGV[1] .. best, 'url') or ''}
`;

/** Deletes the room's record only if it still names this node (compare-and-delete). */
const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

type PlacingRedis = Redis & {
  lecternPlace(roomKey: string, nodesKey: string, nodePrefix: string, estimate: string): Promise<[string, string, string]>;
  lecternRelease(roomKey: string, nodeId: string): Promise<number>;
};

/** ioredis `retryStrategy`: wait 100 ms × attempt, at most 1 s, and never give up. */
export const reconnectDelayMs = (attempt: number): number => Math.min(attempt * 100, 1000);

/** Options of {@link RedisPlacement}. */
export interface RedisPlacementOptions {
  redisUrl: string;
  nodeId: string;
  /** A node missing heartbeats this long is gone, ms (the node hash's TTL; default 6000). */
  nodeTtlMs?: number;
  /** How long the liveness probe of another node may take before it counts as gone, ms (default 1000). */
  probeTimeoutMs?: number;
  /**
   * Room keys open on this node (e.g. `() => sfu.rooms.keys()`). Each heartbeat claims those that
   * have no record (`SET NX`): after Redis restarted empty, or for rooms hosted here while it was
   * down, the registry names this node again. Default: none.
   */
  liveRooms?: () => Iterable<string>;
}

/**
 * {@link RoomPlacement} for several nodes sharing Redis (`REDIS_URL`, ioredis). Registry: a hash
 * `lectern:node:<id>` per node ({@link NodeStatus} fields) written every heartbeat with a TTL of
 * `nodeTtlMs`, and the set `lectern:nodes`. Rooms: `lectern:room:<roomKey>` → node id, set by an
 * atomic Lua script (see {@link PLACE_LUA}).
 *
 * Before sending a client to another node, that node's `/health` is probed (≤ `probeTimeoutMs`): a
 * node killed a moment ago still has a live hash for up to `nodeTtlMs`, and a client sent there
 * would fail. A node that does not answer is removed from the registry and the room is placed
 * again, so a rejoin after a node dies lands on a live node at once.
 */
export class RedisPlacement implements RoomPlacement {
  readonly nodeId: string;
  readonly #redis: PlacingRedis;
  readonly #ttlMs: number;
  readonly #probeTimeoutMs: number;
  readonly #liveRooms: () => Iterable<string>;
  /** The last status published, sent again at once when the connection comes back. */
  #lastStatus: NodeStatus | null = null;
  #wasDown = false;
  #everReady = false;
  #reconnects = 0;

  constructor(opts: RedisPlacementOptions) {
    this.nodeId = opts.nodeId;
    this.#ttlMs = opts.nodeTtlMs ?? 6000;
    this.#probeTimeoutMs = opts.probeTimeoutMs ?? 1000;
    this.#liveRooms = opts.liveRooms ?? (() => []);
    // Reconnect attempts every ≤ 1 s (ioredis's default grows to 2 s): the node is back in the registry soon after Redis.
    const redis = new Redis(opts.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2, enableOfflineQueue: true, retryStrategy: reconnectDelayMs });
    redis.on('error', () => {}); // reconnects by itself; failures surface as rejected commands
    redis.on('close', () => {
      if (this.#everReady) this.#wasDown = true;
    });
    redis.on('ready', () => {
      this.#everReady = true;
      if (!this.#wasDown) return;
      // Back (possibly an empty Redis): re-register this node and its rooms now, not at the next beat.
      this.#wasDown = false;
      this.#reconnects++;
      if (this.#lastStatus) void this.beat({ ...this.#lastStatus, heartbeatAtMs: Date.now() });
    });
    redis.defineCommand('lecternPlace', { numberOfKeys: 2, lua: PLACE_LUA });
    redis.defineCommand('lecternRelease', { numberOfKeys: 1, lua: RELEASE_LUA });
    this.#redis = redis as PlacingRedis;
  }

  async place(roomKey: string): Promise<PlacementResult> {
    // Lost connection: fail at once (the caller hosts the room here) rather than wait in ioredis's
    // offline queue for the reconnect attempts (up to seconds while Redis stays down).
    if (this.#wasDown) throw new Error('Redis connection lost; reconnecting');
    for (let attempt = 0; attempt < 3; attempt++) {
      const [nodeId, outcome, extra] = await this.#redis.lecternPlace(ROOM_PREFIX + roomKey, NODES_KEY, NODE_PREFIX, String(ROOM_LOAD_ESTIMATE));
      if (outcome === 'capacity') {
        const nodes = await this.nodes();
        const least = nodes.sort((a, b) => a.load - b.load)[0] ?? null;
        return capacity(least, Math.max(1, Number(extra)));
      }
      if (nodeId === this.nodeId) return { kind: 'here' };
      if (await this.#alive(extra)) return { kind: 'elsewhere', nodeId, url: extra };
      await this.#evict(nodeId);
    }
    throw new Error('room placement did not settle after 3 attempts (nodes keep disappearing)');
  }

  async release(roomKey: string): Promise<void> {
    await this.#redis.lecternRelease(ROOM_PREFIX + roomKey, this.nodeId).catch(() => {});
  }

  async nodes(): Promise<NodeStatus[]> {
    const ids = await this.#redis.smembers(NODES_KEY);
    if (ids.length === 0) return [];
    const pipe = this.#redis.pipeline();
    for (const id of ids) pipe.hgetall(NODE_PREFIX + id);
    const rows = (await pipe.exec()) ?? [];
    const out: NodeStatus[] = [];
    for (const [err, h] of rows) {
      const r = h as Record<string, string> | null;
      if (err || !r || !r.nodeId) continue;
      out.push({
        nodeId: r.nodeId,
        url: r.url ?? '',
        load: Number(r.load),
        threshold: Number(r.threshold),
        rooms: Number(r.rooms),
        streams: Number(r.streams),
        backlogSec: Number(r.backlogSec),
        heartbeatAtMs: Number(r.heartbeatAtMs),
      });
    }
    return out;
  }

  /** Whether the Redis connection is up (metrics). */
  get connected(): boolean {
    return this.#redis.status === 'ready';
  }

  /** Times the connection came back after being lost (since start). */
  get reconnects(): number {
    return this.#reconnects;
  }

  /** Publishes the node's hash (TTL `nodeTtlMs`) and claims its unrecorded live rooms. Never throws. */
  async beat(s: NodeStatus): Promise<void> {
    this.#lastStatus = s;
    if (this.#wasDown) return; // sent again on reconnect (the 'ready' handler)
    const key = NODE_PREFIX + s.nodeId;
    const tx = this.#redis.multi().hset(key, { ...s }).pexpire(key, this.#ttlMs).sadd(NODES_KEY, s.nodeId);
    for (const room of this.#liveRooms()) tx.set(ROOM_PREFIX + room, this.nodeId, 'NX');
    await tx.exec().catch(() => {});
  }

  async close(): Promise<void> {
    await this.#evict(this.nodeId).catch(() => {});
    this.#redis.disconnect();
  }

  async #alive(url: string): Promise<boolean> {
    if (!url) return false;
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(this.#probeTimeoutMs) });
      await res.body?.cancel();
      return true; // any answer, even 503 (degraded analysis), means the node is up

    } catch {
      return false;
    }
  }

  async #evict(nodeId: string): Promise<void> {
    await this.#redis.multi().del(NODE_PREFIX + nodeId).srem(NODES_KEY, nodeId).exec();
  }
}
