/** What a node publishes about itself with every heartbeat (Redis hash `lectern:node:<nodeId>`). */
export interface NodeStatus {
  /** `LECTERN_NODE_ID` (default the host name). */
  nodeId: string;
  /** Base URL clients are sent to, e.g. `http://10.0.0.7:8080` (`LECTERN_ADVERTISED_URL`). */
  url: string;
  /** The node's load figure (NodeLoad: CPU of its process tree ÷ cores + backlog term), ≥ 0. */
  load: number;
  /** Load above which the node takes no new rooms (`LECTERN_LOAD_THRESHOLD`), 0.05–1. */
  threshold: number;
  /** SFU rooms open on the node. */
  rooms: number;
  /** Analysis streams (audio + video) running on the node. */
  streams: number;
  /** Largest analyzer backlog of any stream, s. */
  backlogSec: number;
  /** Epoch ms of the heartbeat. */
  heartbeatAtMs: number;
}

/** Outcome of {@link RoomPlacement.place}. */
export type PlacementResult =
  /** This node hosts (or now hosts) the room. */
  | { kind: 'here' }
  /** Another live node hosts the room: send the client there. */
  | { kind: 'elsewhere'; nodeId: string; url: string }
  /** No node may take a new room now. */
  | { kind: 'capacity'; retryAfterSec: number; message: string };

/**
 * Where rooms live. One node: {@link LocalPlacement} (admission only); several nodes sharing Redis:
 * {@link RedisPlacement} (registry, atomic placement on the least-loaded node under its threshold).
 * A room lives on exactly one node, as in LiveKit.
 */
export interface RoomPlacement {
  /** This node's id. */
  readonly nodeId: string;
  /**
   * Decides where a room that is not open on this node goes.
   * @param roomKey the SFU room key `<orgId>:<room>`.
   * @throws Error only when the coordination store fails (the caller answers `INTERNAL`).
   */
  place(roomKey: string): Promise<PlacementResult>;
  /** Forgets this node's claim on a room (it closed here). Never throws. */
  release(roomKey: string): Promise<void>;
  /** Every live node's latest status (this one included). */
  nodes(): Promise<NodeStatus[]>;
  /** Publishes this node's status (called by the heartbeat). Never throws. */
  beat(status: NodeStatus): Promise<void>;
  /** Removes this node from the registry and releases connections. */
  close(): Promise<void>;
}

/** Seconds a client refused with `CAPACITY` is told to wait before retrying. */
export const CAPACITY_RETRY_AFTER_SEC = 15;

/** Whether a node with this status takes new rooms: threshold > 0 (not drained) and load ≤ threshold. */
export function admitsRooms(s: Pick<NodeStatus, 'load' | 'threshold'>): boolean {
  return s.threshold > 0 && s.load <= s.threshold;
}
