import { admitsRooms, CAPACITY_RETRY_AFTER_SEC, type NodeStatus, type PlacementResult, type RoomPlacement } from './ClusterTypes.ts';

/**
 * {@link RoomPlacement} of a node running alone (no `REDIS_URL`): every room is here, unless the
 * node's load is above its threshold (or the threshold is 0: drained), in which case a new room is refused with `CAPACITY`.
 */
export class LocalPlacement implements RoomPlacement {
  #status: NodeStatus | null = null;

  constructor(readonly nodeId: string) {}

  async place(_roomKey: string): Promise<PlacementResult> {
    const s = this.#status;
    if (s && !admitsRooms(s)) return capacity(s);
    return { kind: 'here' };
  }

  async release(): Promise<void> {}

  async nodes(): Promise<NodeStatus[]> {
    return this.#status ? [this.#status] : [];
  }

  async beat(status: NodeStatus): Promise<void> {
    this.#status = status;
  }

  async close(): Promise<void> {}
}

/** The `CAPACITY` outcome for a node (or the least-loaded of several) that is above its threshold. */
export function capacity(s: Pick<NodeStatus, 'load' | 'threshold'> | null, nodes = 1): PlacementResult {
  const where = nodes > 1 ? `all ${nodes} Lectern servers are` : 'this Lectern server is';
  const figure = s ? ` (load ${s.load.toFixed(2)}, limit ${s.threshold.toFixed(2)})` : '';
  return {
    kind: 'capacity',
    retryAfterSec: CAPACITY_RETRY_AFTER_SEC,
    message: `${where} at capacity${figure}; rooms already running are not affected. Try again in ${CAPACITY_RETRY_AFTER_SEC} s.`,
  };
}
